//! The landing page, health, readiness, metrics, request ids, security
//! headers, error bodies.
use tessera_testkit::{both_backends, TestBackend, TestServer};

async fn health_and_readiness(b: TestBackend) {
    let s = TestServer::start(b).await;
    let r = s.get("/healthz").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["status"], "ok");
    let r = s.get("/readyz").await;
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["status"], "ready");
    assert_eq!(v["backend"], b.name());
    assert_eq!(v["schema"]["applied"], v["schema"]["expected"]);
    assert!(v["schema"]["applied"].as_i64().unwrap() >= 1);
}
both_backends!(health_and_readiness);

/// `/` is a small HTML page (not a JSON 404) whose links all lead somewhere,
/// under the pages' CSP: no script, styles only from this server.
async fn landing_page_links_to_what_exists(b: TestBackend) {
    let s = TestServer::start(b).await;
    let tenant = s.running().tenant_id;
    let r = s.get("/").await;
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert_eq!(h["content-type"], "text/html; charset=utf-8");
    let csp = h["content-security-policy"].to_str().unwrap();
    for directive in [
        "default-src 'none'",
        "script-src 'none'",
        "style-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{csp}");
    }
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    let html = r.text().await.unwrap();
    // Attribute values as a browser reads them (minijinja escapes `/`).
    let hrefs: Vec<String> = html
        .split("href=\"")
        .skip(1)
        .map(|rest| {
            let raw = rest.split('"').next().unwrap();
            raw.replace("&#x2f;", "/").replace("&amp;", "&")
        })
        .collect();
    for expected in [
        format!("{}/{tenant}/mysecurityinfo", s.url),
        format!("{}/{tenant}/v2.0/.well-known/openid-configuration", s.url),
        format!("{}/v1.0/$openapi.json", s.url),
        format!("{}/healthz", s.url),
    ] {
        assert!(hrefs.contains(&expected), "{expected} in {hrefs:?}");
    }
    assert!(!html.contains("<script"), "{html}");
    // Every link answers (the security info page leads to the sign-in page).
    for href in hrefs.iter().filter(|h| h.starts_with("http")) {
        let st = s.client.get(href).send().await.unwrap().status();
        assert_eq!(st, 200, "{href}");
    }
    // HEAD works as for any GET route; other methods are refused.
    let r = s.client.head(s.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = s.client.post(s.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 405);
}
both_backends!(landing_page_links_to_what_exists);

async fn request_ids_and_security_headers(b: TestBackend) {
    let s = TestServer::start(b).await;
    // A fresh id when none is sent.
    let r = s.get("/healthz").await;
    let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(id.len(), 36, "{id}");
    // A well-formed incoming id is kept.
    let r = s
        .client
        .get(s.url("/healthz"))
        .header("x-request-id", "trace-123_abc")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "trace-123_abc");
    // A hostile one (log injection, oversize) is replaced, not echoed.
    for bad in ["a b\tc", &"x".repeat(200), "<script>"] {
        let r = s
            .client
            .get(s.url("/healthz"))
            .header("x-request-id", bad)
            .send()
            .await
            .unwrap();
        let got = r.headers()["x-request-id"].to_str().unwrap();
        assert_ne!(got, bad);
        assert_eq!(got.len(), 36);
    }
    // Security headers on every response, including errors.
    for path in ["/healthz", "/readyz", "/metrics", "/no/such/path"] {
        let r = s.get(path).await;
        let h = r.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert!(
            h["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'"),
            "{path}"
        );
        assert!(
            h.get("strict-transport-security").is_none(),
            "HSTS only over TLS"
        );
    }
}
both_backends!(request_ids_and_security_headers);

async fn bad_requests_get_clean_errors(b: TestBackend) {
    let s = TestServer::start(b).await;
    let r = s.get("/no/such/path").await;
    assert_eq!(r.status(), 404);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "Request_ResourceNotFound");
    // Oversized body: refused from its declared length, before it is read.
    assert_eq!(
        raw_status(
            &s.url,
            "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 2097152\r\n\r\n"
        )
        .await,
        413
    );
    // Garbage instead of HTTP: a 400, not a crash.
    assert_eq!(raw_status(&s.url, "\x00\x01 nonsense\r\n\r\n").await, 400);
    // Wrong method.
    let r = s.client.delete(s.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 405);
    // Path tricks and junk never produce a 500.
    for path in [
        "/%00",
        "/..%2f..%2fetc/passwd",
        "/healthz/../readyz",
        "/%ff%fe",
        &format!("/{}", "a".repeat(4000)),
    ] {
        let r = s.get(path).await;
        assert!(
            r.status().is_client_error() || r.status().is_success(),
            "{path}: {}",
            r.status()
        );
    }
    // The server is still fine afterwards.
    assert_eq!(s.get("/readyz").await.status(), 200);
}
both_backends!(bad_requests_get_clean_errors);

async fn metrics_count_requests_by_route(b: TestBackend) {
    let s = TestServer::start(b).await;
    for _ in 0..3 {
        s.get("/healthz").await;
    }
    s.get("/secret-looking/path/123").await;
    let text = s.get("/metrics").await.text().await.unwrap();
    let line = text
        .lines()
        .find(|l| {
            l.starts_with("http_requests_total")
                && l.contains("route=\"/healthz\"")
                && l.contains("status=\"200\"")
        })
        .unwrap_or_else(|| panic!("no /healthz counter in:\n{text}"));
    let n: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(n >= 3.0, "{line}");
    assert!(
        text.contains("http_request_duration_seconds_bucket"),
        "no latency histogram"
    );
    assert!(text.contains("route=\"unmatched\""));
    assert!(
        !text.contains("secret-looking"),
        "raw paths must not become labels"
    );
}
both_backends!(metrics_count_requests_by_route);

/// Sends raw bytes and returns the status code of the answer.
async fn raw_status(base: &str, request: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
    sock.write_all(request.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 1024];
    let n = sock.read(&mut buf).await.unwrap();
    let head = String::from_utf8_lossy(&buf[..n]);
    head.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"))
}
