//! Signing-key rotation seen from outside: the JWKS and the tokens.
use super::fixtures::{boot, client_credentials, verify};
use std::sync::Arc;
use tessera_model::graph_permissions::GRAPH_APP_ID;
use tessera_oauth::keys::RotationPolicy;
use tessera_server::rotation::Rotator;
use tessera_testkit::{both_backends, TestBackend, TestServer};
use time::{Duration, OffsetDateTime};

/// A rotator like the server's, with another policy.
fn rotator(s: &TestServer, policy: RotationPolicy) -> Arc<Rotator> {
    let r = &s.running().rotator;
    Arc::new(Rotator {
        store: r.store.clone(),
        master: r.master.clone(),
        keys: r.keys.clone(),
        policy,
        alg: r.alg,
    })
}

async fn kids_in_jwks(s: &TestServer, tenant: &str) -> Vec<String> {
    let v: serde_json::Value = s
        .get(&format!("/{tenant}/discovery/v2.0/keys"))
        .await
        .json()
        .await
        .unwrap();
    v["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_string())
        .collect()
}

async fn new_token(s: &TestServer, k: &super::fixtures::Boot) -> String {
    let r = client_credentials(s, k).await;
    assert_eq!(r.status(), 200);
    r.json::<serde_json::Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

fn kid(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

#[allow(clippy::disallowed_methods)] // the server signs with the wall clock; the test must match it
fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// A successor appears in the JWKS before it signs.
async fn successor_is_published_before_it_signs(b: TestBackend) {
    let s = TestServer::start(b).await;
    let k = boot(&s);
    let t: tessera_model::TenantId = k.tenant.parse().unwrap();
    let first = new_token(&s, &k).await;
    let policy = RotationPolicy {
        lifetime: Duration::ZERO,
        publish_ahead: Duration::hours(1),
        ..Default::default()
    };
    rotator(&s, policy).rotate(t, now()).await.unwrap();
    let kids = kids_in_jwks(&s, &k.tenant).await;
    assert_eq!(kids.len(), 2, "{kids:?}");
    assert!(kids.contains(&kid(&first)));
    // The successor is published but does not sign yet.
    assert_eq!(kid(&new_token(&s, &k).await), kid(&first));
    // Rotating again while it is pending creates nothing more.
    rotator(&s, policy).rotate(t, now()).await.unwrap();
    assert_eq!(kids_in_jwks(&s, &k.tenant).await.len(), 2);
}
both_backends!(successor_is_published_before_it_signs);

/// After a rotation, new tokens carry the new kid and tokens signed by the
/// retired key still verify against the JWKS until they expire.
async fn tokens_verify_across_a_rotation(b: TestBackend) {
    let s = TestServer::start(b).await;
    let k = boot(&s);
    let t: tessera_model::TenantId = k.tenant.parse().unwrap();
    let before = new_token(&s, &k).await;
    let immediate = RotationPolicy {
        lifetime: Duration::ZERO,
        publish_ahead: Duration::ZERO,
        ..Default::default()
    };
    rotator(&s, immediate).rotate(t, now()).await.unwrap();
    let after = new_token(&s, &k).await;
    assert_ne!(kid(&after), kid(&before), "the new key signs");
    // The next run retires the old key; it stays published for the grace period.
    rotator(&s, immediate).rotate(t, now()).await.unwrap();
    let keys = s.running().store.list_signing_keys(t).await.unwrap();
    assert!(
        keys.iter()
            .any(|r| r.kid == kid(&before) && r.retired_at.is_some()),
        "old key retired"
    );
    assert!(kids_in_jwks(&s, &k.tenant).await.contains(&kid(&before)));
    let aud = GRAPH_APP_ID.to_string();
    assert_eq!(
        verify(&s, &k.tenant, &before, &aud).await["azp"],
        k.client_id
    );
    assert_eq!(
        verify(&s, &k.tenant, &after, &aud).await["azp"],
        k.client_id
    );
    // Past the grace period the retired key leaves the JWKS.
    let short_grace = RotationPolicy {
        retire_grace: Duration::ZERO,
        ..RotationPolicy::default()
    };
    let keys_meta: Vec<_> = keys
        .iter()
        .map(|r| tessera_oauth::keys::KeyMeta {
            kid: r.kid.clone(),
            active_from: r.active_from,
            retired_at: r.retired_at,
        })
        .collect();
    let retired = keys_meta.iter().find(|m| m.kid == kid(&before)).unwrap();
    assert!(!tessera_oauth::keys::published(
        retired,
        now(),
        &short_grace
    ));
}
both_backends!(tokens_verify_across_a_rotation);

/// A tenant created after start (no keys yet) gets one from the rotation job.
async fn new_tenants_get_keys(b: TestBackend) {
    let s = TestServer::start(b).await;
    let store = &s.running().store;
    let mut rng = rand::rngs::OsRng;
    let tenant = tessera_model::Tenant {
        id: tessera_model::TenantId::random(&mut rng),
        display_name: "Second".into(),
        created_date_time: now(),
    };
    let domain = tessera_model::Domain {
        name: "second.example".into(),
        tenant_id: Some(tenant.id),
        is_default: true,
        is_initial: true,
        is_verified: true,
    };
    store.create_tenant(&tenant, &domain).await.unwrap();
    assert!(store.list_tenant_ids().await.unwrap().contains(&tenant.id));
    assert!(kids_in_jwks(&s, "second.example").await.is_empty());
    s.running().rotator.rotate(tenant.id, now()).await.unwrap();
    assert_eq!(kids_in_jwks(&s, "second.example").await.len(), 1);
    assert!(s
        .running()
        .rotator
        .keys
        .current(tenant.id, now())
        .await
        .is_ok());
}
both_backends!(new_tenants_get_keys);

/// PyJWT (a relying party written by others) verifies tokens signed before
/// and after a rotation against the live JWKS, over HTTPS.
async fn pyjwt_verifies_across_a_rotation(b: TestBackend) {
    use super::msal::{clients_dir, env_path, https_server, run_script};
    let (s, certs) = https_server(b).await;
    let k = boot(&s);
    let t: tessera_model::TenantId = k.tenant.parse().unwrap();
    let ca = std::fs::read(certs.path().join("ca.pem")).unwrap();
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .build()
        .unwrap();
    let token = || async {
        let r = http
            .post(format!("{}/{}/oauth2/v2.0/token", s.url, k.tenant))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", k.client_id.as_str()),
                ("client_secret", k.secret.as_str()),
                ("scope", "https://graph.microsoft.com/.default"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json::<serde_json::Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let before = token().await;
    let immediate = RotationPolicy {
        lifetime: Duration::ZERO,
        publish_ahead: Duration::ZERO,
        ..Default::default()
    };
    rotator(&s, immediate).rotate(t, now()).await.unwrap();
    rotator(&s, immediate).rotate(t, now()).await.unwrap();
    let after = token().await;
    assert_ne!(kid(&after), kid(&before));
    let out = run_script(
        &s,
        &certs,
        env_path("TESSERA_TEST_PYTHON"),
        clients_dir().join("pyjwt_rotation.py"),
        vec![
            ("TESSERA_AUDIENCE".into(), GRAPH_APP_ID.to_string()),
            ("TOKEN_BEFORE".into(), before),
            ("TOKEN_AFTER".into(), after),
        ],
    )
    .await;
    assert!(
        out.contains("OK pyjwt verified the token signed before"),
        "{out}"
    );
    assert!(
        out.contains("OK pyjwt verified the token signed after"),
        "{out}"
    );
    assert!(out.contains("OK pyjwt rejected a tampered token"), "{out}");
}
both_backends!(pyjwt_verifies_across_a_rotation);
