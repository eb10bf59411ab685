//! Authlib (Python), a standards-first OAuth library, against Tessera over
//! HTTPS: its metadata validators on both discovery documents, its
//! resource-server introspection check, and its `private_key_jwt` client
//! authentication. The scripts are in tests/clients/authlib_*.py.
use super::msal::{clients_dir, env_path, https_server, run_script};
use tessera_testkit::{both_backends, TestBackend};

async fn authlib_validates_discovery_metadata(b: TestBackend) {
    let (s, certs) = https_server(b).await;
    let out = run_script(
        &s,
        &certs,
        env_path("TESSERA_TEST_PYTHON"),
        clients_dir().join("authlib_metadata.py"),
        vec![],
    )
    .await;
    assert!(out.contains("OK authlib metadata"), "{out}");
}
both_backends!(authlib_validates_discovery_metadata);

/// RFC 7662 §2.2's `scope` in introspection answers: a standard resource
/// server (Authlib's `IntrospectTokenValidator`) checks a user's token's
/// scopes from it. The sign-in fixtures' browser speaks plain HTTP, so
/// this server does too (Authlib's validator does not mind).
async fn authlib_resource_server_checks_introspected_scopes(b: TestBackend) {
    use crate::signin::fixtures::setup;
    let s = tessera_testkit::TestServer::start(b).await;
    let apps = setup(&s).await;
    let user_token = super::own_tokens::signed_in(&s, &apps).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    // The answer carries `scope`, the same space-separated list as `scp`.
    let v = super::own_tokens::introspect(&s, &apps, &user_token).await;
    assert_eq!(v["active"], true, "{v}");
    assert!(v["scp"].as_str().unwrap().contains("User.Read"), "{v}");
    assert_eq!(v["scope"], v["scp"], "{v}");
    // An application's token has no delegated scopes: no `scope`.
    let k = super::fixtures::boot(&s);
    let app_token: serde_json::Value = super::fixtures::client_credentials(&s, &k)
        .await
        .json()
        .await
        .unwrap();
    let r = s
        .client
        .post(s.url(&format!("/{}/oauth2/v2.0/introspect", k.tenant)))
        .basic_auth(&k.client_id, Some(&k.secret))
        .form(&[("token", app_token["access_token"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["active"], true, "{v}");
    assert!(v.get("scope").is_none() && v["roles"].is_array(), "{v}");

    let unused = tempfile::tempdir().unwrap();
    let out = run_script(
        &s,
        &unused,
        env_path("TESSERA_TEST_PYTHON"),
        clients_dir().join("authlib_introspection.py"),
        vec![
            ("TESSERA_CLIENT_ID".into(), apps.conf.to_string()),
            ("TESSERA_CLIENT_SECRET".into(), apps.secret.clone()),
            ("TESSERA_USER_TOKEN".into(), user_token),
        ],
    )
    .await;
    assert!(out.contains("OK authlib introspection"), "{out}");
}
both_backends!(authlib_resource_server_checks_introspected_scopes);

/// Authlib's `private_key_jwt`: no `client_id` beside the assertion and a
/// one-hour lifetime (its default); the assertion replayed is refused.
async fn authlib_private_key_jwt_client_credentials(b: TestBackend) {
    let (s, certs) = https_server(b).await;
    let k = super::fixtures::boot(&s);
    let cert = super::private_key_jwt::register_cert(&s, &k).await;
    let key_file = certs.path().join("client-key.pem");
    std::fs::write(&key_file, &cert.key_pem).unwrap();
    let out = run_script(
        &s,
        &certs,
        env_path("TESSERA_TEST_PYTHON"),
        clients_dir().join("authlib_private_key_jwt.py"),
        vec![
            ("TESSERA_CLIENT_ID".into(), k.client_id.clone()),
            (
                "TESSERA_CLIENT_KEY_FILE".into(),
                key_file.display().to_string(),
            ),
        ],
    )
    .await;
    assert!(out.contains("OK authlib private_key_jwt"), "{out}");
}
both_backends!(authlib_private_key_jwt_client_credentials);
