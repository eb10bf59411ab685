//! The device authorization grant (RFC 8628) through the real server: the
//! device's requests, the `/devicelogin` pages, polling answers, and the
//! attacks on it (another client redeeming, replay, cancelled and expired
//! codes, guessed and malformed user codes, CSRF, public clients that may
//! not use the flow).
use super::fixtures::*;
use tessera_model::*;
use tessera_testkit::{both_backends, TestBackend, TestServer};

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

async fn post(s: &TestServer, path: &str, form: &[(&str, &str)]) -> (u16, serde_json::Value) {
    let r = s.client.post(s.url(path)).form(form).send().await.unwrap();
    let status = r.status().as_u16();
    assert_eq!(r.headers()["cache-control"], "no-store");
    (status, r.json().await.unwrap())
}

async fn device_code(
    s: &TestServer,
    segment: &str,
    client: AppId,
    scope: &str,
) -> serde_json::Value {
    let c = client.to_string();
    let (status, body) = post(
        s,
        &format!("/{segment}/oauth2/v2.0/devicecode"),
        &[("client_id", &c), ("scope", scope)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn poll(
    s: &TestServer,
    segment: &str,
    client: AppId,
    code: &str,
) -> (u16, serde_json::Value) {
    let c = client.to_string();
    post(
        s,
        &format!("/{segment}/oauth2/v2.0/token"),
        &[
            ("grant_type", DEVICE_GRANT),
            ("client_id", &c),
            ("device_code", code),
        ],
    )
    .await
}

fn error_of(body: &serde_json::Value) -> &str {
    body["error"].as_str().unwrap_or("")
}

/// Enters `user_code` on `/devicelogin` and returns the confirmation page.
async fn enter(b: &mut Browser, user_code: &str) -> reqwest::Response {
    let page = b.get("/devicelogin").await.text().await.unwrap();
    let csrf = input(&page, "csrf").expect("csrf");
    b.post("/devicelogin", &[("csrf", &csrf), ("user_code", user_code)])
        .await
}

async fn decide(b: &mut Browser, confirm: String, decision: &str) -> reqwest::Response {
    let csrf = input(&confirm, "csrf").expect("csrf");
    let code = input(&confirm, "user_code").expect("user_code");
    b.post(
        "/devicelogin",
        &[
            ("csrf", &csrf),
            ("user_code", &code),
            ("decision", decision),
        ],
    )
    .await
}

/// Confirms, signs in and consents: the device is approved.
async fn approve(b: &mut Browser, apps: &Apps, user_code: &str) {
    let r = enter(b, user_code).await;
    assert_eq!(r.status(), 200);
    let confirm = r.text().await.unwrap();
    assert!(
        confirm.contains("Are you trying to sign in to Native Notes?"),
        "{confirm}"
    );
    let r = decide(b, confirm, "continue").await;
    let page = r.text().await.unwrap();
    assert!(page.contains("autocomplete=\"current-password\""), "{page}");
    let r = sign_in(b, page, &apps.upn, PASSWORD).await;
    assert_eq!(r.status(), 200);
    let mut page = r.text().await.unwrap();
    if page.contains("Permissions requested") {
        page = accept(b, page, "accept").await.text().await.unwrap();
    }
    assert!(page.contains("signed in to Native Notes"), "{page}");
}

async fn device_flow_end_to_end(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let t = apps.tenant.to_string();
    let d = device_code(
        &s,
        &t,
        apps.public,
        "openid profile offline_access User.Read",
    )
    .await;
    assert_eq!(d["verification_uri"], format!("{}/devicelogin", s.url));
    assert_eq!(d["expires_in"], 900);
    assert_eq!(d["interval"], 5);
    let user_code = d["user_code"].as_str().unwrap();
    let code = d["device_code"].as_str().unwrap();
    assert_eq!(user_code.len(), 9);
    assert!(d["message"].as_str().unwrap().contains(user_code));

    // Before the user acts: pending, then slow_down when polled at once again.
    let (status, body) = poll(&s, &t, apps.public, code).await;
    assert_eq!(
        (status, error_of(&body)),
        (400, "authorization_pending"),
        "{body}"
    );
    assert_eq!(body["error_codes"][0], 70016);
    let (_, body) = poll(&s, &t, apps.public, code).await;
    assert_eq!(error_of(&body), "slow_down", "{body}");

    // The page: security headers, CSRF, an accessible code field.
    let mut br = Browser::new(&s);
    let r = br.get("/devicelogin").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    let page = r.text().await.unwrap();
    assert!(page.contains("<label for=\"user_code\">"), "{page}");
    // Loosely typed codes work (lower case, a dash, spaces).
    let typed = format!(" {}-{} ", user_code[..4].to_lowercase(), &user_code[4..]);
    approve(&mut br, &apps, &typed).await;

    let (status, tokens) = poll(&s, &t, apps.public, code).await;
    assert_eq!(status, 200, "{tokens}");
    let claims = jwt_claims(tokens["access_token"].as_str().unwrap());
    assert_eq!(claims["azp"], apps.public.to_string());
    assert_eq!(claims["azpacr"], "0");
    assert_eq!(claims["oid"], apps.user.to_string());
    assert!(claims["scp"].as_str().unwrap().contains("User.Read"));
    assert!(claims["sid"].is_string());
    let id = jwt_claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["preferred_username"], apps.upn);
    let refresh = tokens["refresh_token"].as_str().unwrap();

    // Once only; and the code is no longer accepted on the page either.
    let (status, body) = poll(&s, &t, apps.public, code).await;
    assert_eq!((status, error_of(&body)), (400, "invalid_grant"), "{body}");
    let r = enter(&mut br, user_code).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("didn&#x27;t work"));

    // The refresh token works like any public client's (rotated).
    let c = apps.public.to_string();
    let (status, body) = post(
        &s,
        &format!("/{t}/oauth2/v2.0/token"),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &c),
            ("refresh_token", refresh),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_ne!(body["refresh_token"].as_str().unwrap(), refresh);

    // A second device of the same user, signed in already: confirm and go.
    let d = device_code(&s, &t, apps.public, "User.Read").await;
    let r = enter(&mut br, d["user_code"].as_str().unwrap()).await;
    let confirm = r.text().await.unwrap();
    assert!(
        confirm.contains(&format!("Signed in as {}", apps.upn)),
        "{confirm}"
    );
    let page = decide(&mut br, confirm, "continue")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("signed in to Native Notes"), "{page}");
    let (status, _) = poll(&s, &t, apps.public, d["device_code"].as_str().unwrap()).await;
    assert_eq!(status, 200);
}
both_backends!(device_flow_end_to_end);

async fn device_flow_attacks(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let t = apps.tenant.to_string();
    let d = device_code(&s, &t, apps.public, "User.Read").await;
    let code = d["device_code"].as_str().unwrap();
    let mut br = Browser::new(&s);
    approve(&mut br, &apps, d["user_code"].as_str().unwrap()).await;

    // Another client cannot redeem it (even authenticated).
    let conf = apps.conf.to_string();
    let (status, body) = post(
        &s,
        &format!("/{t}/oauth2/v2.0/token"),
        &[
            ("grant_type", DEVICE_GRANT),
            ("client_id", &conf),
            ("client_secret", &apps.secret),
            ("device_code", code),
        ],
    )
    .await;
    assert_eq!((status, error_of(&body)), (400, "invalid_grant"), "{body}");
    // Garbage, a code of the right shape that was never issued, and a
    // truncated one: invalid_grant, nothing else.
    let forged = tessera_oauth::token::tenant_bound_token(apps.tenant, &mut rand::rngs::OsRng);
    for bad in ["", "x", &forged, &code[..40]] {
        let (status, body) = poll(&s, &t, apps.public, bad).await;
        assert_eq!(
            (status, error_of(&body)),
            (400, "invalid_grant"),
            "{bad}: {body}"
        );
    }
    // The legitimate device still gets its tokens.
    let (status, _) = poll(&s, &t, apps.public, code).await;
    assert_eq!(status, 200);

    // Cancel on the confirmation: the device hears access_denied, and the
    // code cannot be approved afterwards.
    let d = device_code(&s, &t, apps.public, "User.Read").await;
    let user_code = d["user_code"].as_str().unwrap();
    let confirm = enter(&mut br, user_code).await.text().await.unwrap();
    let page = decide(&mut br, confirm.clone(), "cancel")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("was not given access"), "{page}");
    let (_, body) = poll(&s, &t, apps.public, d["device_code"].as_str().unwrap()).await;
    assert_eq!(error_of(&body), "access_denied", "{body}");
    let r = decide(&mut br, confirm, "continue").await;
    assert_eq!(r.status(), 400, "a cancelled code was continued");

    // Expired: the device hears expired_token; the page refuses the code.
    let expired_code =
        tessera_oauth::token::tenant_bound_token(apps.tenant, &mut rand::rngs::OsRng);
    let now = wall_clock();
    let rec = DeviceCodeRecord {
        id: ObjectId::random(&mut rand::rngs::OsRng),
        digest: tessera_crypto::secret_digest(&expired_code).to_vec(),
        user_code: "BCDFGHJKL".into(),
        client_id: apps.public,
        scope: "User.Read".into(),
        user_tenant: Some(apps.tenant),
        created_at: now - time::Duration::minutes(20),
        expires_at: now - time::Duration::minutes(5),
        last_poll_at: None,
        status: DeviceStatus::Pending,
    };
    s.running()
        .store
        .insert_device_code(apps.tenant, &rec)
        .await
        .unwrap();
    let (_, body) = poll(&s, &t, apps.public, &expired_code).await;
    assert_eq!(error_of(&body), "expired_token", "{body}");
    let r = enter(&mut br, "BCDFGHJKL").await;
    assert_eq!(r.status(), 400);

    // Unknown, malformed, oversized and hostile user codes: the same answer.
    for typed in [
        "",
        "ZZZZZZZZZ",
        "not a code",
        &"B".repeat(5000),
        "<script>alert(1)</script>",
        "BCDF'--",
    ] {
        let r = enter(&mut br, typed).await;
        assert_eq!(r.status(), 400, "{typed}");
        let page = r.text().await.unwrap();
        assert!(
            page.contains("didn&#x27;t work") && !page.contains("<script>alert"),
            "{page}"
        );
    }

    // CSRF: a post without the browser's token is refused.
    let d = device_code(&s, &t, apps.public, "User.Read").await;
    let mut other = Browser::new(&s);
    let r = other
        .post(
            "/devicelogin",
            &[
                ("csrf", "forged"),
                ("user_code", d["user_code"].as_str().unwrap()),
                ("decision", "continue"),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
    let r = other
        .post(
            "/devicelogin",
            &[("user_code", d["user_code"].as_str().unwrap())],
        )
        .await;
    assert_eq!(r.status(), 403);

    // The device endpoint: missing parameters, unknown scope, and a public
    // client whose application does not allow public client flows.
    let c = apps.public.to_string();
    let path = format!("/{t}/oauth2/v2.0/devicecode");
    let (status, body) = post(&s, &path, &[("client_id", &c)]).await;
    assert_eq!(
        (status, error_of(&body)),
        (400, "invalid_request"),
        "{body}"
    );
    let (status, body) = post(&s, &path, &[("scope", "User.Read")]).await;
    assert_eq!(
        (status, error_of(&body)),
        (400, "invalid_request"),
        "{body}"
    );
    let (status, body) = post(&s, &path, &[("client_id", &c), ("scope", "Nope.Nothing")]).await;
    assert_eq!((status, error_of(&body)), (400, "invalid_scope"), "{body}");
    let (status, body) = post(&s, &path, &[("client_id", &conf), ("scope", "User.Read")]).await;
    assert_eq!((status, error_of(&body)), (401, "invalid_client"), "{body}");
    assert_eq!(body["error_codes"][0], 7000218);
    // ... but with its secret the confidential client may use the flow.
    let (status, body) = post(
        &s,
        &path,
        &[
            ("client_id", &conf),
            ("client_secret", &apps.secret),
            ("scope", "User.Read"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let r = s
        .client
        .post(s.url(&path))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}
both_backends!(device_flow_attacks);

/// On `organizations` the record lives in the client's home tenant; a user
/// of that tenant signs in and the token is theirs.
async fn device_flow_on_organizations(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let d = device_code(&s, "organizations", apps.public, "User.Read").await;
    let mut br = Browser::new(&s);
    approve(&mut br, &apps, d["user_code"].as_str().unwrap()).await;
    let (status, tokens) = poll(
        &s,
        "organizations",
        apps.public,
        d["device_code"].as_str().unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    let claims = jwt_claims(tokens["access_token"].as_str().unwrap());
    assert_eq!(claims["tid"], apps.tenant.to_string());
}
both_backends!(device_flow_on_organizations);

#[allow(clippy::disallowed_methods)] // the record must look expired to the running server
fn wall_clock() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// Guessing user codes: after the free failures from one address, that
/// address is locked out of `/devicelogin` — even a real code is refused.
async fn user_code_guessing_is_throttled(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let t = apps.tenant.to_string();
    let d = device_code(&s, &t, apps.public, "User.Read").await;
    let mut br = Browser::new(&s);
    for i in 0..tessera_oauth::interaction::SOURCE_FREE_FAILURES {
        let guess = format!("BCDF{:05}", i).replace(char::is_numeric, "G");
        let page = enter(&mut br, &guess).await.text().await.unwrap();
        assert!(page.contains("That code didn"), "guess {i}: {page}");
    }
    let page = enter(&mut br, d["user_code"].as_str().unwrap())
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Too many codes"), "{page}");
    assert!(
        !page.contains("Web Ledger") && !page.contains("Native Notes"),
        "no app is revealed"
    );
}
both_backends!(user_code_guessing_is_throttled);
