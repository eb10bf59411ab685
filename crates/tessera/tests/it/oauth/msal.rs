//! Real clients over HTTPS with `tessera dev-cert`: MSAL for Python (with
//! PyJWT verifying the token against the JWKS) and @azure/msal-node, both
//! doing client credentials. Their environments come from scripts/test.sh.
use super::fixtures::boot;
use std::path::PathBuf;
use tessera_testkit::{both_backends, TestBackend, TestDb, TestServer};

pub(crate) fn env_path(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| panic!("{var} is not set: run the suite with scripts/test.sh (it installs the client libraries)"))
}

/// Starts an HTTPS server, runs `program script` with the bootstrap client's
/// credentials in the environment (and, with `cert`, a registered certificate's
/// key file and SHA-1 thumbprint), and returns its stdout.
async fn run_client(b: TestBackend, program: String, script: PathBuf) -> String {
    run_client_with(b, program, script, false).await
}

async fn run_client_with(
    b: TestBackend,
    program: String,
    script: PathBuf,
    with_cert: bool,
) -> String {
    let (s, certs) = https_server(b).await;
    let k = boot(&s);
    let mut extra = vec![
        ("TESSERA_CLIENT_ID".to_string(), k.client_id.clone()),
        ("TESSERA_CLIENT_SECRET".to_string(), k.secret.clone()),
    ];
    if with_cert {
        let c = super::private_key_jwt::register_cert(&s, &k).await;
        let key_file = certs.path().join("client-key.pem");
        std::fs::write(&key_file, &c.key_pem).unwrap();
        let sha1 = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &c.der);
        extra.push((
            "TESSERA_CLIENT_KEY_FILE".into(),
            key_file.display().to_string(),
        ));
        extra.push(("TESSERA_CLIENT_CERT_THUMBPRINT".into(), hex(sha1.as_ref())));
    }
    run_script(&s, &certs, program, script, extra).await
}

/// A server over HTTPS with a fresh `tessera dev-cert` (the directory holds
/// `ca.pem` for the clients).
pub(crate) async fn https_server(b: TestBackend) -> (TestServer, tempfile::TempDir) {
    let certs = tempfile::tempdir().unwrap();
    tessera_server::run::dev_cert(certs.path(), false).unwrap();
    let (cert, key) = (certs.path().join("cert.pem"), certs.path().join("key.pem"));
    let s = TestServer::start_with(TestDb::new(b).await, |c| {
        c.tls_cert = Some(cert);
        c.tls_key = Some(key);
    })
    .await;
    (s, certs)
}

/// Runs `program script` against `s` (URL, tenant and CA in the environment,
/// plus `extra`) and returns its stdout; fails the test if it fails.
pub(crate) async fn run_script(
    s: &TestServer,
    certs: &tempfile::TempDir,
    program: String,
    script: PathBuf,
    extra: Vec<(String, String)>,
) -> String {
    let url = s.url.clone();
    let tenant = s.running().tenant_id.to_string();
    let ca = certs.path().join("ca.pem");
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(program)
            .arg(script)
            .env("TESSERA_URL", &url)
            .env("TESSERA_TENANT", &tenant)
            .env("REQUESTS_CA_BUNDLE", &ca)
            .env("SSL_CERT_FILE", &ca)
            .env("NODE_EXTRA_CA_CERTS", &ca)
            .envs(extra)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "client failed:\n{stdout}\n{stderr}");
    stdout
}

pub(crate) fn clients_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/clients"))
}

async fn msal_python_client_credentials(b: TestBackend) {
    let out = run_client(
        b,
        env_path("TESSERA_TEST_PYTHON"),
        clients_dir().join("msal_client_credentials.py"),
    )
    .await;
    assert!(out.contains("OK msal client credentials"), "{out}");
}
both_backends!(msal_python_client_credentials);

async fn msal_node_client_credentials(b: TestBackend) {
    let dir = PathBuf::from(env_path("TESSERA_TEST_NODE_CLIENTS"));
    let out = run_client(b, "node".into(), dir.join("msal_client_credentials.mjs")).await;
    assert!(out.contains("OK msal-node client credentials"), "{out}");
}
both_backends!(msal_node_client_credentials);

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

async fn msal_python_certificate(b: TestBackend) {
    let out = run_client_with(
        b,
        env_path("TESSERA_TEST_PYTHON"),
        clients_dir().join("msal_certificate.py"),
        true,
    )
    .await;
    assert!(out.contains("OK msal certificate"), "{out}");
}
both_backends!(msal_python_certificate);
