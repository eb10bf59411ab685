//! RFC 7662 introspection, and the token attacks it must see through:
//! `alg: none`, HS256 keyed with the public key, tampering, expiry, another
//! issuer, an unknown key.
use super::fixtures::{boot, client_credentials, Boot};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use tessera_model::*;
use tessera_testkit::{both_backends, TestBackend, TestServer};

async fn introspect(
    s: &TestServer,
    k: &Boot,
    client: (&str, &str),
    token: &str,
) -> reqwest::Response {
    s.client
        .post(s.url(&format!("/{}/oauth2/v2.0/introspect", k.tenant)))
        .basic_auth(client.0, Some(client.1))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap()
}

async fn active(s: &TestServer, k: &Boot, client: (&str, &str), token: &str) -> serde_json::Value {
    let r = introspect(s, k, client, token).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    r.json().await.unwrap()
}

/// A second confidential client in the tenant, with its own secret.
async fn second_client(s: &TestServer, k: &Boot) -> (String, String) {
    let store = &s.running().store;
    let t: TenantId = k.tenant.parse().unwrap();
    let mut rng = rand::rngs::OsRng;
    let now =
        time::OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(super::private_key_jwt::now_s());
    let app = Application {
        id: ObjectId::random(&mut rng),
        app_id: AppId::random(&mut rng),
        display_name: "Other".into(),
        sign_in_audience: SignInAudience::AzureADMyOrg,
        settings: Default::default(),
        created_date_time: now,
    };
    store.create_application(t, &app, now).await.unwrap();
    let secret = tessera_crypto::ClientSecret::generate(&mut rng);
    let cred = PasswordCredential {
        key_id: new_guid(&mut rng),
        display_name: None,
        hint: Some(secret.hint()),
        start_date_time: now - time::Duration::minutes(1),
        end_date_time: now + time::Duration::days(1),
    };
    store
        .add_password_credential(
            t,
            app.id,
            &cred,
            &tessera_crypto::secret_digest(secret.expose()),
            now,
        )
        .await
        .unwrap();
    let sp = ServicePrincipal {
        id: ObjectId::random(&mut rng),
        app_id: app.app_id,
        app_owner_organization_id: Some(t),
        display_name: "Other".into(),
        account_enabled: true,
        service_principal_type: "Application".into(),
        service_principal_names: vec![],
        app_roles: vec![],
        oauth2_permission_scopes: vec![],
        app_role_assignment_required: false,
        created_date_time: now,
    };
    store.create_service_principal(t, &sp, now).await.unwrap();
    (app.app_id.to_string(), secret.expose().to_string())
}

async fn introspection_and_forged_tokens(b: TestBackend) {
    let s = TestServer::start(b).await;
    let k = boot(&s);
    let me = (k.client_id.as_str(), k.secret.as_str());
    let tok: serde_json::Value = client_credentials(&s, &k).await.json().await.unwrap();
    let tok = tok["access_token"].as_str().unwrap().to_string();

    // The token's own client sees it as active, with its claims.
    let v = active(&s, &k, me, &tok).await;
    assert_eq!(v["active"], true, "{v}");
    assert_eq!(v["client_id"], k.client_id);
    assert_eq!(v["tid"], k.tenant);
    assert_eq!(v["token_type"], "Bearer");
    assert!(v["roles"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r == "Directory.ReadWrite.All"));

    // Another client of the tenant learns nothing about it.
    let other = second_client(&s, &k).await;
    let v = active(&s, &k, (&other.0, &other.1), &tok).await;
    assert_eq!(v, serde_json::json!({ "active": false }));

    // Forgeries are inactive.
    let header: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(tok.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    let (none, hs256, mut claims) = super::fixtures::forgeries(&s, &k.tenant, &tok).await;
    claims["roles"] = serde_json::json!(["Everything.Forever"]);
    let tampered = super::fixtures::with_claims(&tok, &claims);
    let signer = s
        .running()
        .rotator
        .keys
        .current(k.tenant.parse().unwrap(), now())
        .await
        .unwrap();
    let mut expired = claims.clone();
    expired["roles"] = serde_json::json!([]);
    expired["exp"] = (now().unix_timestamp() - 10).into();
    let expired = tessera_crypto::sign_jwt(&signer, &expired).unwrap();
    let mut foreign = claims.clone();
    foreign["exp"] = (now().unix_timestamp() + 600).into();
    foreign["iss"] = "https://login.microsoftonline.com/someone-else/v2.0".into();
    let foreign = tessera_crypto::sign_jwt(&signer, &foreign).unwrap();
    let stranger = tessera_crypto::generate_signing_key(tessera_crypto::SigningAlg::RS256).unwrap();
    let stranger = tessera_crypto::SigningKey::from_pkcs8(
        tessera_crypto::SigningAlg::RS256,
        header["kid"].as_str().unwrap().into(),
        &stranger.private_pkcs8,
    )
    .unwrap();
    let same_kid_other_key = tessera_crypto::sign_jwt(&stranger, &claims).unwrap();
    for (name, forged) in [
        ("alg none", none.as_str()),
        ("HS256 keyed with the public key", &hs256),
        ("tampered", &tampered),
        ("expired", &expired),
        ("other issuer", &foreign),
        ("same kid, other key", &same_kid_other_key),
        ("junk", "not-a-token"),
        ("empty", ""),
    ] {
        let v = active(&s, &k, me, forged).await;
        assert_eq!(v, serde_json::json!({ "active": false }), "{name}");
    }

    // Callers must authenticate; the token parameter is required.
    let r = introspect(&s, &k, (&k.client_id, "wrong"), &tok).await;
    assert_eq!(r.status(), 401);
    let r = s
        .client
        .post(s.url(&format!("/{}/oauth2/v2.0/introspect", k.tenant)))
        .form(&[("token", tok.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "no client at all");
    let r = s
        .client
        .post(s.url(&format!("/{}/oauth2/v2.0/introspect", k.tenant)))
        .basic_auth(me.0, Some(me.1))
        .form(&[("x", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error_codes"][0],
        900144
    );
}
both_backends!(introspection_and_forged_tokens);

#[allow(clippy::disallowed_methods)] // tokens are checked against the server's wall clock
fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}
