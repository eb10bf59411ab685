//! Authlib (Python), a standards-first OAuth library, against Tessera over
//! HTTPS: its metadata validators on both discovery documents. The scripts
//! are in tests/clients/authlib_*.py.
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
