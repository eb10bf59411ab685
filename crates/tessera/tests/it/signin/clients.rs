//! Real clients sign a user in over HTTPS: MSAL for Python as a public client
//! (auth code + PKCE driven through the pages by HTTP, then a silent refresh),
//! and openid-client (npm) as a confidential client with every check on
//! (discovery, PKCE, nonce, `iss`, ID token signature, userinfo).
use super::fixtures::{setup, PASSWORD};
use crate::oauth::msal::{clients_dir, env_path, https_server, run_script};
use std::path::PathBuf;
use tessera_testkit::{both_backends, TestBackend};

async fn run(b: TestBackend, program: String, script: PathBuf) -> String {
    let (s, certs) = https_server(b).await;
    let apps = setup(&s).await;
    let env = vec![
        (
            "TESSERA_PUBLIC_CLIENT_ID".to_string(),
            apps.public.to_string(),
        ),
        ("TESSERA_CONF_CLIENT_ID".into(), apps.conf.to_string()),
        ("TESSERA_CONF_CLIENT_SECRET".into(), apps.secret.clone()),
        ("TESSERA_USERNAME".into(), apps.upn.clone()),
        ("TESSERA_PASSWORD".into(), PASSWORD.into()),
    ];
    run_script(&s, &certs, program, script, env).await
}

async fn msal_python_public_client_auth_code(b: TestBackend) {
    let out = run(
        b,
        env_path("TESSERA_TEST_PYTHON"),
        clients_dir().join("msal_public_auth_code.py"),
    )
    .await;
    assert!(out.contains("OK msal public auth code"), "{out}");
    assert!(out.contains("OK msal silent refresh"), "{out}");
}
both_backends!(msal_python_public_client_auth_code);

async fn openid_client_code_flow(b: TestBackend) {
    let dir = PathBuf::from(env_path("TESSERA_TEST_NODE_CLIENTS"));
    let out = run(b, "node".into(), dir.join("openid_client_code.mjs")).await;
    assert!(out.contains("OK openid-client code"), "{out}");
    assert!(out.contains("OK openid-client userinfo"), "{out}");
}
both_backends!(openid_client_code_flow);

async fn msal_python_device_flow(b: TestBackend) {
    let out = run(
        b,
        env_path("TESSERA_TEST_PYTHON"),
        clients_dir().join("msal_device_flow.py"),
    )
    .await;
    assert!(out.contains("OK msal device flow"), "{out}");
    assert!(out.contains("OK msal device silent refresh"), "{out}");
}
both_backends!(msal_python_device_flow);

/// MSAL for Python meets an app that requires assignment (refused with
/// AADSTS50105 until the user is assigned) and a revocation.
async fn msal_python_assignment_and_revocation(b: TestBackend) {
    let (s, certs) = https_server(b).await;
    let apps = setup(&s).await;
    let k = crate::oauth::fixtures::boot(&s);
    let sp = s
        .running()
        .store
        .service_principal_by_app_id(apps.tenant, apps.public)
        .await
        .unwrap()
        .unwrap();
    let env = vec![
        (
            "TESSERA_PUBLIC_CLIENT_ID".to_string(),
            apps.public.to_string(),
        ),
        ("TESSERA_PUBLIC_SP_ID".into(), sp.id.to_string()),
        ("TESSERA_USER_ID".into(), apps.user.to_string()),
        ("TESSERA_USERNAME".into(), apps.upn.clone()),
        ("TESSERA_PASSWORD".into(), PASSWORD.into()),
        ("TESSERA_CLIENT_ID".into(), k.client_id.clone()),
        ("TESSERA_CLIENT_SECRET".into(), k.secret.clone()),
    ];
    let out = run_script(
        &s,
        &certs,
        env_path("TESSERA_TEST_PYTHON"),
        clients_dir().join("msal_access.py"),
        env,
    )
    .await;
    for line in [
        "OK msal signed in",
        "OK msal refused unassigned",
        "OK msal assigned",
        "OK msal revoked",
    ] {
        assert!(out.contains(line), "{out}");
    }
}
both_backends!(msal_python_assignment_and_revocation);
