//! Token signing algorithms chosen per application and per tenant: a
//! resource's `tokenSigningAlg` signs the access tokens issued for it, a
//! client's signs its ID tokens, the tenant's choice signs the rest; the
//! first use of an algorithm starts its key series, and the JWKS publishes
//! every series so each token verifies.
use super::fixtures::*;
use crate::oauth::fixtures::verify;
use tessera_model::graph_permissions::GRAPH_APP_ID;
use tessera_model::*;
use tessera_testkit::{both_backends, TestBackend, TestServer};

fn alg_of(token: &str) -> String {
    format!("{:?}", jsonwebtoken::decode_header(token).unwrap().alg)
}

async fn cc_token(s: &TestServer, apps: &Apps, scope: &str) -> String {
    let c = apps.conf.to_string();
    let r = crate::oauth::fixtures::token(
        s,
        &apps.tenant.to_string(),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &c),
            ("client_secret", &apps.secret),
            ("scope", scope),
        ],
    )
    .await;
    let body: serde_json::Value = r.json().await.unwrap();
    body["access_token"].as_str().expect("a token").to_string()
}

#[allow(clippy::disallowed_methods)] // the server's keys are active by its wall clock
fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

async fn algorithms_per_application(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let t = apps.tenant.to_string();
    // A resource that wants ES256 access tokens.
    let api = app(
        "Ledger API",
        ApplicationSettings {
            token_signing_alg: Some("ES256".into()),
            ..Default::default()
        },
    );
    register(&s, apps.tenant, &api).await;
    let graph = cc_token(&s, &apps, "https://graph.microsoft.com/.default").await;
    assert_eq!(alg_of(&graph), "RS256");
    let ledger = cc_token(&s, &apps, &format!("{}/.default", api.app_id)).await;
    assert_eq!(alg_of(&ledger), "ES256");
    assert_eq!(
        verify(&s, &t, &ledger, &api.app_id.to_string()).await["aud"],
        api.app_id.to_string()
    );
    assert_eq!(
        verify(&s, &t, &graph, &GRAPH_APP_ID.to_string()).await["aud"],
        GRAPH_APP_ID.to_string()
    );

    // A client that wants EdDSA ID tokens; its Graph access token stays RS256.
    let mut settings = ApplicationSettings {
        token_signing_alg: Some("EdDSA".into()),
        ..Default::default()
    };
    settings
        .public_client
        .redirect_uris
        .push(NATIVE_REDIRECT.into());
    let native = app("Edwards Notes", settings);
    register(&s, apps.tenant, &native).await;
    let mut br = Browser::new(&s);
    let extra = [
        ("scope", "openid User.Read"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    let code =
        code_for(&mut br, &apps, native.app_id, NATIVE_REDIRECT, &extra).await["code"].clone();
    let c = native.app_id.to_string();
    let r = crate::oauth::fixtures::token(
        &s,
        &t,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &c),
            ("code", &code),
            ("redirect_uri", NATIVE_REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    let tokens: serde_json::Value = r.json().await.unwrap();
    let id = tokens["id_token"].as_str().unwrap();
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(alg_of(id), "EdDSA");
    assert_eq!(alg_of(access), "RS256");
    assert_eq!(verify(&s, &t, id, &c).await["preferred_username"], apps.upn);

    // The JWKS now publishes the three series.
    let jwks: serde_json::Value = s
        .get(&format!("/{t}/discovery/v2.0/keys"))
        .await
        .json()
        .await
        .unwrap();
    let mut algs: Vec<String> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["alg"].as_str().unwrap().to_string())
        .collect();
    algs.sort();
    assert_eq!(algs, ["ES256", "EdDSA", "RS256"]);
}
both_backends!(algorithms_per_application);

async fn algorithm_per_tenant(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let t = apps.tenant.to_string();
    let before = cc_token(&s, &apps, "https://graph.microsoft.com/.default").await;
    assert_eq!(alg_of(&before), "RS256");
    let store = &s.running().store;
    store
        .set_tenant_signing_alg(apps.tenant, Some("ES256"), time::OffsetDateTime::UNIX_EPOCH)
        .await
        .unwrap();
    // The rotation job (here run at once) starts the ES256 series and
    // reloads the choice.
    s.running()
        .rotator
        .rotate(apps.tenant, now())
        .await
        .unwrap();
    let after = cc_token(&s, &apps, "https://graph.microsoft.com/.default").await;
    assert_eq!(alg_of(&after), "ES256");
    // Tokens signed before still verify: the RS256 series stays published.
    let aud = GRAPH_APP_ID.to_string();
    verify(&s, &t, &before, &aud).await;
    verify(&s, &t, &after, &aud).await;
    // Unknown tenants and algorithms are refused by the store's callers;
    // clearing the choice returns to the server's default.
    store
        .set_tenant_signing_alg(apps.tenant, None, time::OffsetDateTime::UNIX_EPOCH)
        .await
        .unwrap();
    s.running()
        .rotator
        .rotate(apps.tenant, now())
        .await
        .unwrap();
    let back = cc_token(&s, &apps, "https://graph.microsoft.com/.default").await;
    assert_eq!(alg_of(&back), "RS256");
    assert!(store
        .set_tenant_signing_alg(
            TenantId::random(&mut rand::rngs::OsRng),
            Some("ES256"),
            time::OffsetDateTime::UNIX_EPOCH
        )
        .await
        .is_err());
}
both_backends!(algorithm_per_tenant);
