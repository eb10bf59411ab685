//! RFC 7009 revocation beyond its client authentication (endpoint_auth.rs):
//! CORS, so that a single-page app can revoke its refresh token from the
//! browser.
use crate::signin::fixtures::*;
use serde_json::Value;
use tessera_model::*;
use tessera_testkit::{both_backends, TestBackend, TestServer};

const SPA_REDIRECT: &str = "https://spa.example/app";
const SPA_ORIGIN: &str = "https://spa.example";

async fn post(
    s: &TestServer,
    path: &str,
    form: &[(&str, &str)],
    origin: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req = s.client.post(s.url(path)).form(form);
    if let Some(o) = origin {
        req = req.header("origin", o);
    }
    let r = req.send().await.unwrap();
    let h = r.headers().clone();
    (r.status().as_u16(), h, r.json().await.unwrap())
}

/// A single-page app revokes its refresh token from the browser: the
/// preflight is answered as the token endpoint's is, and so is the POST.
async fn spa_revokes_from_the_browser(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let t = apps.tenant;
    let mut settings = ApplicationSettings::default();
    settings.spa.redirect_uris.push(SPA_REDIRECT.into());
    let spa = app("Spa Board", settings);
    register(&s, t, &spa).await;
    let path = format!("/{t}/oauth2/v2.0/revoke");

    let r = s
        .client
        .request(reqwest::Method::OPTIONS, s.url(&path))
        .header("origin", SPA_ORIGIN)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,client-request-id,x-client-sku",
        )
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let h = r.headers();
    assert_eq!(h["access-control-allow-origin"], SPA_ORIGIN);
    assert!(h["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .contains("POST"));
    assert!(h["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .contains("client-request-id"));
    assert!(h.get("access-control-allow-credentials").is_none());

    // The SPA's refresh token (its code is redeemed cross-origin).
    let mut br = Browser::new(&s);
    let extra = [
        ("scope", "openid offline_access User.Read"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    let c = spa.app_id.to_string();
    let code = code_for(&mut br, &apps, spa.app_id, SPA_REDIRECT, &extra).await["code"].clone();
    let token_path = format!("/{t}/oauth2/v2.0/token");
    let (status, _, body) = post(
        &s,
        &token_path,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &c),
            ("code", &code),
            ("redirect_uri", SPA_REDIRECT),
            ("code_verifier", VERIFIER),
        ],
        Some(SPA_ORIGIN),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let rt = body["refresh_token"].as_str().unwrap().to_string();

    let (status, h, v) = post(
        &s,
        &path,
        &[("client_id", &c), ("token", &rt)],
        Some(SPA_ORIGIN),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(h["access-control-allow-origin"], SPA_ORIGIN);
    let (status, _, v) = post(
        &s,
        &token_path,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &c),
            ("refresh_token", &rt),
        ],
        Some(SPA_ORIGIN),
    )
    .await;
    assert_eq!(
        (status, v["error"].as_str()),
        (400, Some("invalid_grant")),
        "{v}"
    );
}
both_backends!(spa_revokes_from_the_browser);
