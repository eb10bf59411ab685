//! HTTPS with the development certificate.
use tessera_testkit::{both_backends, TestBackend, TestDb, TestServer};

async fn serves_https_with_dev_cert(b: TestBackend) {
    let certs = tempfile::tempdir().unwrap();
    let files = tessera_server::run::dev_cert(certs.path(), false).unwrap();
    assert_eq!(files.len(), 3);
    let db = TestDb::new(b).await;
    let (cert, key) = (certs.path().join("cert.pem"), certs.path().join("key.pem"));
    let s = TestServer::start_with(db, |c| {
        c.tls_cert = Some(cert);
        c.tls_key = Some(key);
    })
    .await;
    assert!(s.url.starts_with("https://localhost:"), "{}", s.url);
    let ca = reqwest::Certificate::from_pem(&std::fs::read(certs.path().join("ca.pem")).unwrap())
        .unwrap();
    let client = reqwest::Client::builder()
        .no_proxy()
        .add_root_certificate(ca)
        .build()
        .unwrap();
    let r = client.get(s.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["strict-transport-security"]
        .to_str()
        .unwrap()
        .contains("max-age="));
    // A client that does not trust the dev CA is refused by TLS.
    let untrusting = reqwest::Client::builder()
        .no_proxy()
        .tls_built_in_root_certs(false)
        .build()
        .unwrap();
    assert!(untrusting.get(s.url("/healthz")).send().await.is_err());
    // Plain HTTP on the TLS port does not get a response from the app.
    let plain = tessera_testkit::client();
    let r = plain
        .get(s.url("/healthz").replace("https://", "http://"))
        .send()
        .await;
    assert!(r.is_err() || !r.unwrap().status().is_success());
}
both_backends!(serves_https_with_dev_cert);
