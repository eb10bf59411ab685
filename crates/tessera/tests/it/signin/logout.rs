//! RP-initiated and front-channel logout through the real server: the
//! session ends with its refresh tokens, the cookie is cleared, apps'
//! logout URLs are framed with `iss` and `sid`, the registered
//! post-logout redirect is followed with `state`. Attacks: unregistered
//! and unnamed post-logout redirects (open redirect), forged, tampered,
//! `alg: none` and HS256 `id_token_hint`s, a client_id that contradicts the
//! hint, silent logout from a third-party page (confirmation + CSRF).
use super::fixtures::*;
use super::flow::redeem_conf;
use tessera_testkit::{both_backends, TestBackend, TestServer};

/// Signs in to the confidential app: the browser, its ID and refresh tokens.
async fn signed_in(s: &TestServer, apps: &Apps) -> (Browser, String, String) {
    let mut br = Browser::new(s);
    let extra = [
        ("scope", "openid offline_access User.Read"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    let p = code_for(&mut br, apps, apps.conf, WEB_REDIRECT, &extra).await;
    let (status, tokens) = redeem_conf(s, apps, &p["code"], Some(VERIFIER)).await;
    assert_eq!(status, 200, "{tokens}");
    (
        br,
        tokens["id_token"].as_str().unwrap().to_string(),
        tokens["refresh_token"].as_str().unwrap().to_string(),
    )
}

fn logout_path(apps: &Apps, params: &[(&str, &str)]) -> String {
    let q = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    format!("/{}/oauth2/v2.0/logout?{q}", apps.tenant)
}

async fn refresh(s: &TestServer, apps: &Apps, rt: &str) -> (u16, serde_json::Value) {
    let c = apps.conf.to_string();
    let r = crate::oauth::fixtures::token(
        s,
        &apps.tenant.to_string(),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &c),
            ("client_secret", &apps.secret),
            ("refresh_token", rt),
        ],
    )
    .await;
    (r.status().as_u16(), r.json().await.unwrap())
}

/// Whether the browser still has a live session (prompt=none succeeds).
async fn session_live(br: &mut Browser, apps: &Apps) -> bool {
    let r = br
        .get(&authorize_path(
            apps.tenant,
            apps.conf,
            WEB_REDIRECT,
            &[("scope", "openid User.Read"), ("prompt", "none")],
        ))
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    location_params(&r).contains_key("code")
}

async fn logout_with_hint_ends_everything(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let (mut br, id_token, rt) = signed_in(&s, &apps).await;
    let sid = jwt_claims(&id_token)["sid"].as_str().unwrap().to_string();
    assert!(session_live(&mut br, &apps).await);

    let r = br
        .get(&logout_path(
            &apps,
            &[
                ("id_token_hint", &id_token),
                ("post_logout_redirect_uri", WEB_REDIRECT),
                ("state", "bye 1"),
            ],
        ))
        .await;
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("frame-src https://app.example;"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let cleared = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .any(|c| c.to_str().unwrap().contains("Max-Age=0"));
    assert!(cleared, "the session cookie is not cleared");
    // Attribute values as a browser reads them.
    let page = r.text().await.unwrap().replace("&#x2f;", "/");
    let issuer = format!("{}/{}/v2.0", s.url, apps.tenant);
    let frame = format!(
        "{WEB_LOGOUT}?iss={}&amp;sid={sid}",
        url::form_urlencoded::byte_serialize(issuer.as_bytes()).collect::<String>()
    );
    assert!(page.contains(&format!("<iframe src=\"{frame}\"")), "{page}");
    assert!(
        page.contains("url=https://app.example/cb?state=bye+1"),
        "{page}"
    );

    // The refresh token died with the session; the browser must sign in again.
    let (status, body) = refresh(&s, &apps, &rt).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    assert_eq!(body["error_codes"][0], 50173);
    assert!(!session_live(&mut br, &apps).await);
}
both_backends!(logout_with_hint_ends_everything);

/// Without an app to frame, the redirect is immediate; without a hint, the
/// user confirms (CSRF-protected) before anything ends.
async fn logout_confirmation_and_direct_redirect(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let (mut br, _, rt) = signed_in(&s, &apps).await;

    // A third-party page links here with no hint: the user is asked.
    let r = br.get(&logout_path(&apps, &[])).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Sign out?") && page.contains(&apps.upn),
        "{page}"
    );
    assert!(
        session_live(&mut br, &apps).await,
        "a GET without a hint signed the user out"
    );
    // Forged or missing CSRF token: refused, nothing ends.
    let ctx = input(&page, "ctx").unwrap();
    let act = action(&page).unwrap();
    for csrf in ["", "forged"] {
        let r = br
            .post(
                &act,
                &[("ctx", &ctx), ("csrf", csrf), ("decision", "signout")],
            )
            .await;
        assert_eq!(r.status(), 403);
    }
    assert!(session_live(&mut br, &apps).await);
    // "Stay signed in" keeps the session.
    let csrf = input(&page, "csrf").unwrap();
    let r = br
        .post(
            &act,
            &[("ctx", &ctx), ("csrf", &csrf), ("decision", "stay")],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(session_live(&mut br, &apps).await);
    // "Sign out" ends it.
    let r = br
        .post(
            &act,
            &[("ctx", &ctx), ("csrf", &csrf), ("decision", "signout")],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(!session_live(&mut br, &apps).await);
    let (status, _) = refresh(&s, &apps, &rt).await;
    assert_eq!(status, 400);

    // Signed out already, client_id names the app: straight to its redirect.
    let c = apps.public.to_string();
    let r = br
        .get(&logout_path(
            &apps,
            &[
                ("client_id", &c),
                ("post_logout_redirect_uri", "http://localhost:7777"),
            ],
        ))
        .await;
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "http://localhost:7777");
}
both_backends!(logout_confirmation_and_direct_redirect);

async fn logout_attacks(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let (mut br, id_token, _) = signed_in(&s, &apps).await;
    let conf = apps.conf.to_string();
    let public = apps.public.to_string();

    // Forged hints.
    let t = apps.tenant.to_string();
    let (none, hs256, mut claims) = crate::oauth::fixtures::forgeries(&s, &t, &id_token).await;
    claims["aud"] = serde_json::json!(public);
    let tampered = crate::oauth::fixtures::with_claims(&id_token, &claims);
    let huge = "a".repeat(10_000);
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("alg none", vec![("id_token_hint", &none)]),
        (
            "HS256 keyed with the public key",
            vec![("id_token_hint", &hs256)],
        ),
        ("tampered audience", vec![("id_token_hint", &tampered)]),
        ("garbage hint", vec![("id_token_hint", "not.a.jwt")]),
        (
            "client_id contradicting the hint",
            vec![("id_token_hint", &id_token), ("client_id", &public)],
        ),
        (
            "unregistered redirect",
            vec![
                ("client_id", &conf),
                ("post_logout_redirect_uri", "https://evil.example/cb"),
            ],
        ),
        (
            "redirect prefix trick",
            vec![
                ("client_id", &conf),
                (
                    "post_logout_redirect_uri",
                    "https://app.example/cb.evil.example",
                ),
            ],
        ),
        (
            "redirect with a path suffix",
            vec![
                ("id_token_hint", &id_token),
                ("post_logout_redirect_uri", "https://app.example/cb/../x"),
            ],
        ),
        (
            "redirect without naming the app",
            vec![("post_logout_redirect_uri", WEB_REDIRECT)],
        ),
        (
            "malformed client_id",
            vec![("client_id", "x'; DROP TABLE users;--")],
        ),
        ("oversized parameter", vec![("state", &huge)]),
    ];
    for (what, params) in cases {
        let r = br.get(&logout_path(&apps, &params)).await;
        assert_eq!(r.status(), 400, "{what}");
        assert!(r.headers().get("location").is_none(), "{what} redirected");
        assert!(
            session_live(&mut br, &apps).await,
            "{what} ended the session"
        );
    }
    // Repeated parameters and an unknown tenant.
    let r = br
        .get(&format!(
            "/{}/oauth2/v2.0/logout?state=a&state=b",
            apps.tenant
        ))
        .await;
    assert_eq!(r.status(), 400);
    let r = br.get("/no-such-tenant.example/oauth2/v2.0/logout").await;
    assert_eq!(r.status(), 400);
    // A valid hint for another session of the same user is not enough to
    // sign this browser out silently: confirmation.
    let (_, other_hint, _) = signed_in(&s, &apps).await;
    let r = br
        .get(&logout_path(&apps, &[("id_token_hint", &other_hint)]))
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Sign out?"));
    assert!(session_live(&mut br, &apps).await);
}
both_backends!(logout_attacks);
