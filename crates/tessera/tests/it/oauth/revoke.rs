//! RFC 7009 revocation beyond its client authentication (endpoint_auth.rs):
//! what it answers for each kind of token — a refresh token is revoked, an
//! access or ID token (a self-contained JWT) is `unsupported_token_type`
//! (RFC 7009 §2.2.1), anything else 200 — and CORS, so that a single-page
//! app can revoke its refresh token from the browser.
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

/// Access and ID tokens are `unsupported_token_type` (they stay valid until
/// they expire: documented in docs/oauth.md), at the tenant's path and at
/// `/organizations` (the JWT names its tenant); refresh tokens are revoked;
/// junk and forgeries are answered 200, as RFC 7009 §2.2 asks.
async fn revocation_by_token_type(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let body = crate::oauth::own_tokens::signed_in(&s, &apps).await;
    let conf = apps.conf.to_string();
    let path = format!("/{}/oauth2/v2.0/revoke", apps.tenant);
    let revoke = |path: String, token: String, hint: Option<&'static str>| {
        let (s, conf, secret) = (&s, conf.clone(), apps.secret.clone());
        async move {
            let mut form = vec![
                ("client_id", conf.as_str()),
                ("client_secret", secret.as_str()),
                ("token", token.as_str()),
            ];
            if let Some(h) = hint {
                form.push(("token_type_hint", h));
            }
            post(s, &path, &form, None).await
        }
    };
    let access = body["access_token"].as_str().unwrap().to_string();
    let id = body["id_token"].as_str().unwrap().to_string();
    for (what, p, token, hint) in [
        ("access token", path.clone(), access.clone(), None),
        (
            "access token, hinted",
            path.clone(),
            access.clone(),
            Some("access_token"),
        ),
        (
            "access token, hinted as refresh",
            path.clone(),
            access.clone(),
            Some("refresh_token"),
        ),
        (
            "access token via /organizations",
            "/organizations/oauth2/v2.0/revoke".into(),
            access.clone(),
            None,
        ),
        ("ID token", path.clone(), id.clone(), None),
    ] {
        let (status, h, v) = revoke(p, token, hint).await;
        assert_eq!(status, 400, "{what}: {v}");
        assert_eq!(v["error"], "unsupported_token_type", "{what}: {v}");
        assert_eq!(v["error_codes"][0], 9900022, "{what}: {v}");
        assert_eq!(h["cache-control"], "no-store");
    }
    // An application's own access token: the same.
    let k = crate::oauth::fixtures::boot(&s);
    let app_token: Value = crate::oauth::fixtures::client_credentials(&s, &k)
        .await
        .json()
        .await
        .unwrap();
    let (status, _, v) = post(
        &s,
        &format!("/{}/oauth2/v2.0/revoke", k.tenant),
        &[
            ("client_id", &k.client_id),
            ("client_secret", &k.secret),
            ("token", app_token["access_token"].as_str().unwrap()),
        ],
        None,
    )
    .await;
    assert_eq!(
        (status, v["error"].as_str()),
        (400, Some("unsupported_token_type")),
        "{v}"
    );
    // The access token stays active (it is not revoked, and says so).
    let v = crate::oauth::own_tokens::introspect(&s, &apps, &access).await;
    assert_eq!(v["active"], true);
    // Junk, a forged token and a token with our claims but no valid
    // signature: 200, nothing to revoke.
    let (none, hs256, _) =
        crate::oauth::fixtures::forgeries(&s, &apps.tenant.to_string(), &access).await;
    for junk in ["junk".to_string(), "a.b.c".into(), none, hs256] {
        let (status, _, v) = revoke(path.clone(), junk.clone(), Some("access_token")).await;
        assert_eq!(status, 200, "{junk}: {v}");
    }
    // The refresh token is revoked: 200, and it no longer refreshes.
    let rt = body["refresh_token"].as_str().unwrap().to_string();
    let (status, _, v) = revoke(path.clone(), rt.clone(), Some("access_token")).await;
    assert_eq!(status, 200, "{v}");
    let (status, _, v) = post(
        &s,
        &format!("/{}/oauth2/v2.0/token", apps.tenant),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &conf),
            ("client_secret", &apps.secret),
            ("refresh_token", &rt),
        ],
        None,
    )
    .await;
    assert_eq!(
        (status, v["error"].as_str()),
        (400, Some("invalid_grant")),
        "{v}"
    );
}
both_backends!(revocation_by_token_type);

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
