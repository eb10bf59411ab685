//! The sign-in issue's attack list, each attempted against the real server.
use super::fixtures::*;
use super::flow::redeem_conf;
use tessera_testkit::{both_backends, TestBackend, TestServer};

const SCOPE: &str = "openid profile offline_access User.Read";

/// Unknown clients and unregistered redirect URIs get an error page, never a
/// redirect: prefix, suffix, path, encoding, userinfo and host tricks.
async fn redirect_uri_tricks_get_an_error_page(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let mut br = Browser::new(&s);
    for evil in [
        "https://app.example/cb/",
        "https://app.example/cb/../evil",
        "https://app.example/cbx",
        "https://app.example/c",
        "https://app.example/cb?x=1",
        "https://app.example/cb#f",
        "https://APP.example/cb",
        "https://app.example/%63b",
        "https://app.example.evil.com/cb",
        "https://evil.com@app.example/cb",
        "https://app.example@evil.com/cb",
        "http://app.example/cb",
        "https://evil.example/",
        "//evil.example/cb",
        "javascript:alert(1)",
        "",
    ] {
        let r = br
            .get(&authorize_path(
                apps.tenant,
                apps.conf,
                evil,
                &[("scope", SCOPE), ("response_type", "token")],
            ))
            .await;
        assert_eq!(r.status(), 400, "{evil:?}");
        assert!(
            r.headers().get("location").is_none(),
            "{evil:?} must not redirect"
        );
        let page = r.text().await.unwrap();
        assert!(page.contains("can't sign you in"), "{evil:?}");
    }
    // Unknown or malformed client, duplicated parameters, unknown tenant.
    for path in [
        authorize_path(apps.tenant, tessera_model::AppId::from_u128(7), WEB_REDIRECT, &[("scope", SCOPE)]),
        format!("/{}/oauth2/v2.0/authorize?client_id=nope&redirect_uri=https://app.example/cb&response_type=code", apps.tenant),
        format!("{}&client_id={}", authorize_path(apps.tenant, apps.conf, WEB_REDIRECT, &[("scope", SCOPE)]), apps.conf),
        authorize_path(tessera_model::TenantId::from_u128(9), apps.conf, WEB_REDIRECT, &[("scope", SCOPE)]),
        format!("/{}/oauth2/v2.0/authorize?%ff%fe=%00", apps.tenant),
    ] {
        let r = br.get(&path).await;
        assert_eq!(r.status(), 400, "{path}");
        assert!(r.headers().get("location").is_none(), "{path}");
    }
    // Once the redirect URI is trusted, errors go back to it with state.
    let r = br
        .get(&authorize_path(
            apps.tenant,
            apps.conf,
            WEB_REDIRECT,
            &[("scope", SCOPE), ("response_type", "token"), ("state", "s")],
        ))
        .await;
    assert_eq!(r.status(), 302);
    let q = location_params(&r);
    assert_eq!(
        (q["error"].as_str(), q["state"].as_str()),
        ("unsupported_response_type", "s")
    );
    // prompt=none without a session.
    let r = br
        .get(&authorize_path(
            apps.tenant,
            apps.conf,
            WEB_REDIRECT,
            &[("scope", SCOPE), ("prompt", "none"), ("state", "s")],
        ))
        .await;
    assert_eq!(r.status(), 302);
    assert_eq!(location_params(&r)["error"], "login_required");
    // A public client without PKCE.
    let r = br
        .get(&authorize_path(
            apps.tenant,
            apps.public,
            "http://localhost:4000",
            &[("scope", SCOPE)],
        ))
        .await;
    assert_eq!(location_params(&r)["error"], "invalid_request");
}
both_backends!(redirect_uri_tricks_get_an_error_page);

/// PKCE downgrade and wrong verifier, a code used by another client or with
/// another redirect URI, an invented code.
async fn code_and_pkce_attacks(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let mut br = Browser::new(&s);
    let pkce = [
        ("scope", SCOPE),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    let code = |q: std::collections::BTreeMap<String, String>| q["code"].clone();
    let c = code(code_for(&mut br, &apps, apps.conf, WEB_REDIRECT, &pkce).await);
    let err = |r: (u16, serde_json::Value)| {
        (
            r.0,
            r.1["error"].as_str().unwrap_or("").to_string(),
            r.1["error_codes"][0].as_i64().unwrap_or(0),
        )
    };
    assert_eq!(
        err(redeem_conf(&s, &apps, &c, None).await),
        (400, "invalid_grant".into(), 9900012),
        "challenge sent, verifier missing"
    );
    assert_eq!(
        err(redeem_conf(&s, &apps, &c, Some(&"x".repeat(43))).await),
        (400, "invalid_grant".into(), 501481),
        "wrong verifier"
    );
    assert_eq!(
        err(redeem_conf(&s, &apps, &c, Some("short")).await).2,
        501481
    );
    // Without a challenge, a verifier is a downgrade attempt.
    let c2 = code(code_for(&mut br, &apps, apps.conf, WEB_REDIRECT, &[("scope", SCOPE)]).await);
    assert_eq!(
        err(redeem_conf(&s, &apps, &c2, Some(VERIFIER)).await).2,
        9900013
    );
    // Another client (the public one) presents the confidential app's code.
    let public = apps.public.to_string();
    let r = crate::oauth::fixtures::token(
        &s,
        &apps.tenant.to_string(),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &public),
            ("code", &c),
            ("redirect_uri", WEB_REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error_codes"][0], 9900010, "{body}");
    // Another redirect URI.
    let client = apps.conf.to_string();
    let r = crate::oauth::fixtures::token(
        &s,
        &apps.tenant.to_string(),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client),
            ("client_secret", &apps.secret),
            ("code", &c),
            ("redirect_uri", "https://app.example/cb2"),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error_codes"][0],
        50011
    );
    // The confidential app's code without its secret.
    let r = crate::oauth::fixtures::token(
        &s,
        &apps.tenant.to_string(),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client),
            ("code", &c),
            ("redirect_uri", WEB_REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(r.status(), 401);
    // The failures above did not use the code up: the right request works.
    assert_eq!(redeem_conf(&s, &apps, &c, Some(VERIFIER)).await.0, 200);
    // Invented and foreign-tenant codes.
    for fake in [
        "",
        "abc",
        &"A".repeat(64),
        &tessera_oauth::token::tenant_bound_token(
            tessera_model::TenantId::from_u128(5),
            &mut rand::rngs::OsRng,
        ),
    ] {
        let (status, body) = redeem_conf(&s, &apps, fake, Some(VERIFIER)).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant")),
            "{fake:?}: {body}"
        );
    }
    // /common finds a code's tenant from the code itself, and refuses junk.
    let c3 = code(code_for(&mut br, &apps, apps.conf, WEB_REDIRECT, &[("scope", SCOPE)]).await);
    let r = crate::oauth::fixtures::token(
        &s,
        "organizations",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client),
            ("client_secret", &apps.secret),
            ("code", &c3),
            ("redirect_uri", WEB_REDIRECT),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    let r = crate::oauth::fixtures::token(
        &s,
        "common",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client),
            ("client_secret", &apps.secret),
            ("code", &"B".repeat(64)),
            ("redirect_uri", WEB_REDIRECT),
        ],
    )
    .await;
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error"],
        "invalid_grant"
    );
}
both_backends!(code_and_pkce_attacks);

/// CSRF on the sign-in and consent forms; brute force with lockout and the
/// same answer for unknown users; consent declined; a disabled user's refresh.
async fn form_attacks_lockout_and_disabled_users(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let mut br = Browser::new(&s);
    let path = authorize_path(
        apps.tenant,
        apps.conf,
        WEB_REDIRECT,
        &[("scope", SCOPE), ("state", "s")],
    );
    let page = br.get(&path).await.text().await.unwrap();
    let act = action(&page).unwrap();
    let ctx = input(&page, "ctx").unwrap();
    let csrf = input(&page, "csrf").unwrap();
    // CSRF: no token, a forged token, a token without its cookie.
    for (token, keep_cookie) in [("", true), ("forged", true), (csrf.as_str(), false)] {
        let mut other = Browser::new(&s);
        if keep_cookie {
            other.cookies = br.cookies.clone();
        }
        let r = other
            .post(
                &act,
                &[
                    ("ctx", &ctx),
                    ("csrf", token),
                    ("username", &apps.upn),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(r.status(), 403, "{token:?} cookie={keep_cookie}");
        assert!(!other.cookies.contains_key("tessera_session"));
    }
    // Wrong password and unknown user: the same message.
    let wrong = sign_in(&mut br, page.clone(), &apps.upn, "wrong")
        .await
        .text()
        .await
        .unwrap();
    let unknown_upn = apps.upn.replace("ada@", "nobody@");
    let unknown = sign_in(&mut br, page.clone(), &unknown_upn, "wrong")
        .await
        .text()
        .await
        .unwrap();
    assert!(wrong.contains("Your account or password is incorrect."));
    // Each page carries a fresh passkey challenge: compare without it.
    assert_eq!(
        without_challenge(&wrong.replace(&apps.upn, "U")),
        without_challenge(&unknown.replace(&unknown_upn, "U")),
        "no user enumeration by message"
    );
    // Brute force: after five failures the name is locked, even for the
    // right password; unknown names lock the same way.
    for _ in 0..4 {
        sign_in(&mut br, page.clone(), &apps.upn, "wrong").await;
    }
    for _ in 0..4 {
        sign_in(&mut br, page.clone(), &unknown_upn, "wrong").await;
    }
    let locked = sign_in(&mut br, page.clone(), &apps.upn, PASSWORD).await;
    assert_eq!(locked.status(), 400);
    assert!(locked.text().await.unwrap().contains("temporarily locked"));
    assert!(sign_in(&mut br, page.clone(), &unknown_upn, "x")
        .await
        .text()
        .await
        .unwrap()
        .contains("temporarily locked"));
    assert!(!br.cookies.contains_key("tessera_session"));

    // Consent: CSRF, then Cancel → access_denied back at the client.
    let mut fresh = Browser::new(&s);
    let page = fresh.get(&path).await.text().await.unwrap();
    s.running()
        .store
        .clear_sign_in_failures(apps.tenant, &apps.upn.to_lowercase())
        .await
        .unwrap();
    let consent = sign_in(&mut fresh, page, &apps.upn, PASSWORD)
        .await
        .text()
        .await
        .unwrap();
    let (cact, cctx) = (action(&consent).unwrap(), input(&consent, "ctx").unwrap());
    let r = fresh
        .post(
            &cact,
            &[("ctx", &cctx), ("csrf", "forged"), ("decision", "accept")],
        )
        .await;
    assert_eq!(r.status(), 403);
    let r = accept(&mut fresh, consent, "cancel").await;
    let q = location_params(&r);
    assert_eq!(
        (q["error"].as_str(), q["state"].as_str()),
        ("access_denied", "s")
    );

    // A disabled user's refresh token stops working.
    let q = code_for(
        &mut fresh,
        &apps,
        apps.conf,
        WEB_REDIRECT,
        &[("scope", SCOPE)],
    )
    .await;
    let (_, body) = redeem_conf(&s, &apps, &q["code"], None).await;
    let rt = body["refresh_token"].as_str().unwrap().to_string();
    let store = &s.running().store;
    let mut u = store
        .get_user(apps.tenant, apps.user)
        .await
        .unwrap()
        .unwrap();
    u.account_enabled = false;
    store
        .update_user(apps.tenant, &u, time::OffsetDateTime::UNIX_EPOCH)
        .await
        .unwrap();
    let client = apps.conf.to_string();
    let r = crate::oauth::fixtures::token(
        &s,
        &apps.tenant.to_string(),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &client),
            ("client_secret", &apps.secret),
            ("refresh_token", &rt),
        ],
    )
    .await;
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error_codes"][0],
        50057
    );
    // …and the disabled user's browser session no longer signs in.
    let r = fresh.get(&path).await;
    assert_eq!(r.status(), 200, "back to the sign-in page");
}
both_backends!(form_attacks_lockout_and_disabled_users);

/// RFC 7009: revoking a refresh token ends its family; only its client can.
async fn revocation(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let mut br = Browser::new(&s);
    let q = code_for(&mut br, &apps, apps.conf, WEB_REDIRECT, &[("scope", SCOPE)]).await;
    let (_, body) = redeem_conf(&s, &apps, &q["code"], None).await;
    let rt = body["refresh_token"].as_str().unwrap().to_string();
    let client = apps.conf.to_string();
    let revoke = |who: String, secret: Option<String>, token: String| {
        let s = &s;
        async move {
            let mut form = vec![("client_id".to_string(), who), ("token".to_string(), token)];
            if let Some(sec) = secret {
                form.push(("client_secret".into(), sec));
            }
            s.client
                .post(s.url("/organizations/oauth2/v2.0/revoke"))
                .form(&form)
                .send()
                .await
                .unwrap()
        }
    };
    // Another client "revokes" it (via /organizations: the token names its
    // tenant, and by the tenant's path): 200, but nothing happens.
    let r = revoke(apps.public.to_string(), None, rt.clone()).await;
    assert_eq!(r.status(), 200);
    let r = s
        .client
        .post(s.url(&format!("/{}/oauth2/v2.0/revoke", apps.tenant)))
        .form(&[
            ("client_id", apps.public.to_string()),
            ("token", rt.clone()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let refresh = [
        ("grant_type", "refresh_token"),
        ("client_id", client.as_str()),
        ("client_secret", apps.secret.as_str()),
        ("refresh_token", rt.as_str()),
    ];
    let r = crate::oauth::fixtures::token(&s, &apps.tenant.to_string(), &refresh).await;
    let body: serde_json::Value = r.json().await.unwrap();
    let rt2 = body["refresh_token"]
        .as_str()
        .expect("still valid")
        .to_string();
    let r = revoke(client.clone(), Some(apps.secret.clone()), rt2.clone()).await;
    assert_eq!(r.status(), 200);
    let refresh = [
        ("grant_type", "refresh_token"),
        ("client_id", client.as_str()),
        ("client_secret", apps.secret.as_str()),
        ("refresh_token", rt2.as_str()),
    ];
    let r = crate::oauth::fixtures::token(&s, &apps.tenant.to_string(), &refresh).await;
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error"],
        "invalid_grant"
    );
    // Junk is answered like a revoked token.
    let r = revoke(client, Some(apps.secret.clone()), "junk".into()).await;
    assert_eq!(
        r.status(),
        400,
        "no tenant: /organizations needs a tenant-bound token"
    );
}
both_backends!(revocation);

/// A flood of sign-ins for names in domains no tenant has, from one source,
/// on `/organizations` and `/common`: counted per source like password
/// spraying, so the source is locked (for every name, known or not: the
/// lock says nothing about domains) while another source still signs in.
/// Before the lock the messages are the same for unknown domains and wrong
/// passwords.
async fn unknown_domain_floods_lock_the_source(b: TestBackend) {
    use tessera_oauth::interaction::SOURCE_FREE_FAILURES;
    let db = tessera_testkit::TestDb::new(b).await;
    let s = TestServer::start_with(db, |c| c.trusted_proxies = Some("127.0.0.1, ::1".into())).await;
    let apps = setup(&s).await;
    let mut settings = tessera_model::ApplicationSettings::default();
    settings.web.redirect_uris.push(WEB_REDIRECT.into());
    let mut multi = app("Multi", settings);
    multi.sign_in_audience = tessera_model::SignInAudience::AzureADMultipleOrgs;
    register(&s, apps.tenant, &multi).await;
    let mut flood = Browser::new(&s);
    flood.forwarded_for = Some("203.0.113.66".into());
    // The same answer for a domain nobody has and a wrong password.
    let page = flood
        .get(&tenantless_authorize(multi.app_id, "organizations"))
        .await
        .text()
        .await
        .unwrap();
    let unknown_upn = "x@nowhere-0.example";
    let unknown = sign_in(&mut flood, page.clone(), unknown_upn, "Winter2026!").await;
    let unknown = unknown.text().await.unwrap();
    let wrong = sign_in(&mut flood, page, &apps.upn, "Winter2026!").await;
    let wrong = wrong.text().await.unwrap();
    assert!(
        unknown.contains("Your account or password is incorrect."),
        "{unknown}"
    );
    assert_eq!(
        without_challenge(&unknown.replace(unknown_upn, "U")),
        without_challenge(&wrong.replace(&apps.upn, "U")),
    );
    for i in 2..SOURCE_FREE_FAILURES {
        let segment = if i % 2 == 0 {
            "common"
        } else {
            "organizations"
        };
        let upn = format!("x{i}@nowhere-{i}.example");
        let (status, page) =
            tenantless_sign_in(&mut flood, multi.app_id, segment, &upn, "Winter2026!").await;
        assert_eq!(status, 400);
        assert!(
            page.contains("Your account or password is incorrect."),
            "{i}: {page}"
        );
    }
    // Locked: unknown domains, and the real user with the right password.
    for (segment, upn, pw) in [
        ("organizations", "x@nowhere-last.example", "Winter2026!"),
        ("common", "y@nowhere-last.example", "Winter2026!"),
        ("organizations", apps.upn.as_str(), PASSWORD),
    ] {
        let (status, page) = tenantless_sign_in(&mut flood, multi.app_id, segment, upn, pw).await;
        assert_eq!(status, 400, "{upn}");
        assert!(page.contains("temporarily locked"), "{upn}: {page}");
    }
    // Another source is not locked.
    let mut other = Browser::new(&s);
    other.forwarded_for = Some("203.0.113.67".into());
    let (_, page) = tenantless_sign_in(
        &mut other,
        multi.app_id,
        "organizations",
        &apps.upn,
        PASSWORD,
    )
    .await;
    assert!(page.contains("Permissions requested"), "{page}");
}
both_backends!(unknown_domain_floods_lock_the_source);

fn tenantless_authorize(client: tessera_model::AppId, segment: &str) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("client_id", &client.to_string())
        .append_pair("redirect_uri", WEB_REDIRECT)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid User.Read")
        .append_pair("state", "st");
    format!("/{segment}/oauth2/v2.0/authorize?{}", q.finish())
}

/// Opens the sign-in page on `segment` and signs in: (status, page).
async fn tenantless_sign_in(
    br: &mut Browser,
    client: tessera_model::AppId,
    segment: &str,
    upn: &str,
    password: &str,
) -> (u16, String) {
    let page = br
        .get(&tenantless_authorize(client, segment))
        .await
        .text()
        .await
        .unwrap();
    let r = sign_in(br, page, upn, password).await;
    (r.status().as_u16(), r.text().await.unwrap())
}

/// A page without its per-page WebAuthn challenge (options and sealed state).
fn without_challenge(page: &str) -> String {
    let mut out = page.to_string();
    for marker in ["data-options=\"", "name=\"state\" value=\""] {
        let mut from = 0;
        while let Some(i) = out[from..].find(marker) {
            let start = from + i + marker.len();
            let Some(len) = out[start..].find('"') else {
                break;
            };
            out.replace_range(start..start + len, "");
            from = start;
        }
    }
    out
}
