//! Single-page apps: the token endpoint answers CORS (preflight and the
//! POST), discovery, JWKS and userinfo too; a SPA's code is redeemed only
//! cross-origin and nothing else is (Entra's AADSTS9002326/9002327): a web
//! app's code or client credentials from a browser page are refused.
use super::fixtures::*;
use tessera_model::*;
use tessera_testkit::{both_backends, TestBackend, TestServer};

const SPA_REDIRECT: &str = "https://spa.example/app";
const SPA_ORIGIN: &str = "https://spa.example";

async fn spa_app(s: &TestServer, t: TenantId) -> AppId {
    let mut settings = ApplicationSettings::default();
    settings.spa.redirect_uris.push(SPA_REDIRECT.into());
    let app = app("Spa Board", settings);
    register(s, t, &app).await;
    app.app_id
}

async fn redeem(
    s: &TestServer,
    t: TenantId,
    form: &[(&str, &str)],
    origin: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
    let mut req = s
        .client
        .post(s.url(&format!("/{t}/oauth2/v2.0/token")))
        .form(form);
    if let Some(o) = origin {
        req = req.header("origin", o);
    }
    let r = req.send().await.unwrap();
    let h = r.headers().clone();
    (r.status().as_u16(), h, r.json().await.unwrap())
}

async fn spa_code_flow_with_cors(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let spa = spa_app(&s, apps.tenant).await;
    let t = apps.tenant;

    // Preflight as a browser sends it for MSAL.js's token request.
    let r = s
        .client
        .request(
            reqwest::Method::OPTIONS,
            s.url(&format!("/{t}/oauth2/v2.0/token")),
        )
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

    let mut br = Browser::new(&s);
    let extra = [
        ("scope", "openid offline_access User.Read"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    let c = spa.to_string();
    let code = code_for(&mut br, &apps, spa, SPA_REDIRECT, &extra).await["code"].clone();
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", c.as_str()),
        ("code", code.as_str()),
        ("redirect_uri", SPA_REDIRECT),
        ("code_verifier", VERIFIER),
    ];
    // Not from a browser: refused, and the code is still good.
    let (status, _, body) = redeem(&s, t, &form, None).await;
    assert_eq!(
        (status, body["error_codes"][0].as_u64()),
        (400, Some(9002327)),
        "{body}"
    );
    let (status, h, body) = redeem(&s, t, &form, Some(SPA_ORIGIN)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(h["access-control-allow-origin"], SPA_ORIGIN);
    let rt = body["refresh_token"].as_str().unwrap().to_string();
    // The SPA refreshes from the browser too.
    let (status, h, body) = redeem(
        &s,
        t,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &c),
            ("refresh_token", &rt),
        ],
        Some(SPA_ORIGIN),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(h["access-control-allow-origin"], SPA_ORIGIN);
    // Errors carry CORS headers too, so the app can read them.
    let (status, h, _) = redeem(&s, t, &[("grant_type", "nope")], Some(SPA_ORIGIN)).await;
    assert_eq!(status, 400);
    assert_eq!(h["access-control-allow-origin"], SPA_ORIGIN);

    // Discovery, JWKS and userinfo are readable from the SPA's origin.
    let at = body["access_token"].as_str().unwrap();
    for (path, bearer) in [
        (format!("/{t}/v2.0/.well-known/openid-configuration"), None),
        (format!("/{t}/discovery/v2.0/keys"), None),
        ("/oidc/userinfo".to_string(), Some(at)),
    ] {
        let mut req = s.client.get(s.url(&path)).header("origin", SPA_ORIGIN);
        if let Some(tok) = bearer {
            req = req.bearer_auth(tok);
        }
        let r = req.send().await.unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        assert_eq!(r.headers()["access-control-allow-origin"], "*", "{path}");
    }
}
both_backends!(spa_code_flow_with_cors);

async fn browsers_cannot_redeem_other_grants(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let t = apps.tenant;
    let conf = apps.conf.to_string();
    // A web app's code, redeemed from a browser page with the app's secret.
    let mut br = Browser::new(&s);
    let code = code_for(
        &mut br,
        &apps,
        apps.conf,
        WEB_REDIRECT,
        &[("scope", "User.Read")],
    )
    .await["code"]
        .clone();
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", conf.as_str()),
        ("client_secret", apps.secret.as_str()),
        ("code", code.as_str()),
        ("redirect_uri", WEB_REDIRECT),
    ];
    let (status, _, body) = redeem(&s, t, &form, Some("https://evil.example")).await;
    assert_eq!(
        (status, body["error_codes"][0].as_u64()),
        (400, Some(9002326)),
        "{body}"
    );
    // Client credentials from a page.
    let (status, _, body) = redeem(
        &s,
        t,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &conf),
            ("client_secret", &apps.secret),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
        Some("https://evil.example"),
    )
    .await;
    assert_eq!(
        (status, body["error_codes"][0].as_u64()),
        (400, Some(9002326)),
        "{body}"
    );
    // The confidential app's own server still redeems the code.
    let (status, _, body) = redeem(&s, t, &form, None).await;
    assert_eq!(status, 200, "{body}");
}
both_backends!(browsers_cannot_redeem_other_grants);
