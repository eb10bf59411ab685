//! Real clients: MSAL for Python (ConfidentialClientApplication, client
//! credentials) and PyJWT verifying its token against the JWKS, over HTTPS
//! with `tessera dev-cert`. The Python environment comes from scripts/test.sh.
use super::fixtures::boot;
use tessera_testkit::{both_backends, TestBackend, TestDb, TestServer};

fn python() -> String {
    std::env::var("TESSERA_TEST_PYTHON")
        .expect("TESSERA_TEST_PYTHON is not set: run the suite with scripts/test.sh (it installs MSAL and PyJWT)")
}

async fn msal_python_client_credentials(b: TestBackend) {
    let certs = tempfile::tempdir().unwrap();
    tessera_server::run::dev_cert(certs.path(), false).unwrap();
    let (cert, key) = (certs.path().join("cert.pem"), certs.path().join("key.pem"));
    let s = TestServer::start_with(TestDb::new(b).await, |c| {
        c.tls_cert = Some(cert);
        c.tls_key = Some(key);
    })
    .await;
    let k = boot(&s);
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/clients/msal_client_credentials.py"
    );
    let s_url = s.url.clone();
    let ca = certs.path().join("ca.pem");
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python())
            .arg(script)
            .env("TESSERA_URL", &s_url)
            .env("TESSERA_TENANT", &k.tenant)
            .env("TESSERA_CLIENT_ID", &k.client_id)
            .env("TESSERA_CLIENT_SECRET", &k.secret)
            .env("REQUESTS_CA_BUNDLE", &ca)
            .env("SSL_CERT_FILE", &ca)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "MSAL client failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("OK msal client credentials"),
        "{stdout}\n{stderr}"
    );
}
both_backends!(msal_python_client_credentials);
