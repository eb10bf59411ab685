//! Strong authentication's server-side rules through the real server, with
//! plain HTTP (the client scripts in passkeys.rs and mfa.rs drive real
//! authenticators): forced password change against the tenant's policy,
//! security defaults for administrators, `acr_values`, `prompt=none` when
//! more is needed, and enrollment only on a recent sign-in (password
//! spraying is in mfa.rs).
use super::fixtures::*;
use tessera_model::directory_roles::GLOBAL_ADMINISTRATOR;
use tessera_model::*;
use tessera_testkit::{both_backends, TestBackend, TestServer};

const NEW_PASSWORD: &str = "violet-Sunrise-harbor-93";

#[allow(clippy::disallowed_methods)] // sessions are judged by the server's wall clock
fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

fn login_page(s: &TestServer, apps: &Apps, extra: &[(&str, &str)]) -> String {
    let mut all = vec![("scope", "openid profile"), ("state", "st")];
    all.extend_from_slice(extra);
    let _ = s;
    authorize_path(apps.tenant, apps.conf, WEB_REDIRECT, &all)
}

/// Signs in with `password` and returns the page that follows (status, body).
async fn password_step(br: &mut Browser, path: &str, upn: &str, password: &str) -> (u16, String) {
    let page = br.get(path).await.text().await.unwrap();
    let r = sign_in(br, page, upn, password).await;
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

async fn forced_password_change(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let store = &s.running().store;
    // An administrator reset: change at next sign-in.
    let hash = store
        .password_state(apps.tenant, apps.user)
        .await
        .unwrap()
        .unwrap()
        .hash
        .unwrap();
    store
        .change_password(apps.tenant, apps.user, &hash, true, None, now())
        .await
        .unwrap();
    let mut br = Browser::new(&s);
    let path = login_page(&s, &apps, &[]);
    let (status, page) = password_step(&mut br, &path, &apps.upn, PASSWORD).await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"password-change-form\""), "{page}");
    assert!(page.contains("autocomplete=\"new-password\""));
    let act = "/".to_string() + &apps.tenant.to_string() + "/login/password";
    let post = |current: &'static str, new: &'static str, confirm: &'static str, page: &str| {
        let ctx = input(page, "ctx").unwrap();
        let csrf = input(page, "csrf").unwrap();
        (ctx, csrf, current, new, confirm)
    };
    // Bad inputs: wrong current password, mismatch, banned and weak
    // passwords, the tenant's and user's own names; each leaves the flag set.
    for (current, new, confirm, message) in [
        (
            "wrong",
            NEW_PASSWORD,
            NEW_PASSWORD,
            "Your current password is incorrect.",
        ),
        (
            PASSWORD,
            NEW_PASSWORD,
            "violet-Sunrise-harbor-94",
            "do not match",
        ),
        (PASSWORD, "P@ssw0rd2024!", "P@ssw0rd2024!", "password"),
        (PASSWORD, "short1A", "short1A", "at least"),
        (PASSWORD, "Password1!", "Password1!", "password"),
        (PASSWORD, PASSWORD, PASSWORD, "not used"),
    ] {
        let (ctx, csrf, current, new, confirm) = post(current, new, confirm, &page);
        let r = br
            .post(
                &act,
                &[
                    ("ctx", &ctx),
                    ("csrf", &csrf),
                    ("current_password", current),
                    ("new_password", new),
                    ("confirm_password", confirm),
                ],
            )
            .await;
        assert_eq!(r.status(), 400, "{new}");
        let body = r.text().await.unwrap();
        assert!(
            body.to_lowercase().contains(&message.to_lowercase()),
            "{new}: {body}"
        );
        assert!(
            !body.contains(new) || new == PASSWORD || new == NEW_PASSWORD,
            "the page echoes no new password"
        );
        assert!(
            store
                .password_state(apps.tenant, apps.user)
                .await
                .unwrap()
                .unwrap()
                .force_change
        );
    }
    let (ctx, csrf, current, new, confirm) = post(PASSWORD, NEW_PASSWORD, NEW_PASSWORD, &page);
    let r = br
        .post(
            &act,
            &[
                ("ctx", &ctx),
                ("csrf", &csrf),
                ("current_password", current),
                ("new_password", new),
                ("confirm_password", confirm),
            ],
        )
        .await;
    // The flow goes on: the consent page of the app.
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Permissions requested"));
    assert!(
        !store
            .password_state(apps.tenant, apps.user)
            .await
            .unwrap()
            .unwrap()
            .force_change
    );
    // The old password is gone, the new one signs in.
    let mut other = Browser::new(&s);
    let (status, page) = password_step(&mut other, &path, &apps.upn, PASSWORD).await;
    assert_eq!(status, 400, "{page}");
    let (status, page) = password_step(&mut other, &path, &apps.upn, NEW_PASSWORD).await;
    assert_eq!(status, 200);
    assert!(page.contains("Permissions requested"));
}
both_backends!(forced_password_change);

async fn security_defaults_and_acr_values(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let store = &s.running().store;
    let now = now();
    // A fresh non-admin user without a second factor: no interruption.
    let mut br = Browser::new(&s);
    let path = login_page(&s, &apps, &[]);
    let (_, page) = password_step(&mut br, &path, &apps.upn, PASSWORD).await;
    assert!(page.contains("Permissions requested"), "{page}");
    // A client asking for MFA (acr_values) gets the registration page.
    let mut br = Browser::new(&s);
    let path_mfa = login_page(&s, &apps, &[("acr_values", "urn:tessera:acr:mfa")]);
    let (_, page) = password_step(&mut br, &path_mfa, &apps.upn, PASSWORD).await;
    assert!(page.contains("id=\"totp-enroll-form\""), "{page}");
    assert!(page.contains("Keep your account secure"));
    // Unknown acr values are ignored; too many are an error for the client.
    let mut br = Browser::new(&s);
    let path_unknown = login_page(&s, &apps, &[("acr_values", "urn:example:loa:3")]);
    let (_, page) = password_step(&mut br, &path_unknown, &apps.upn, PASSWORD).await;
    assert!(page.contains("Permissions requested"), "{page}");
    let many = ["x"; 11].join(" ");
    let r = br
        .get(&login_page(&s, &apps, &[("acr_values", &many)]))
        .await;
    assert_eq!(location_params(&r)["error"], "invalid_request");

    // A new administrator (within the 14-day registration grace) goes on;
    // one whose account is older must register a second factor to go on.
    let domain = apps.upn.split_once('@').unwrap().1.to_string();
    let old_upn = format!("old-admin@{domain}");
    let old_admin =
        user_created_at(&s, apps.tenant, &old_upn, time::OffsetDateTime::UNIX_EPOCH).await;
    for principal in [apps.user, old_admin] {
        let role = DirectoryRoleAssignment {
            id: ObjectId::random(&mut rand::rngs::OsRng),
            role_definition_id: GLOBAL_ADMINISTRATOR.id,
            principal_id: principal,
            directory_scope_id: "/".into(),
        };
        store
            .create_directory_role_assignment(apps.tenant, &role, now)
            .await
            .unwrap();
    }
    let mut br = Browser::new(&s);
    let (_, page) = password_step(&mut br, &path, &apps.upn, PASSWORD).await;
    assert!(page.contains("Permissions requested"), "in grace: {page}");
    let mut br = Browser::new(&s);
    let (status, page) = password_step(&mut br, &path, &old_upn, PASSWORD).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("id=\"totp-enroll-form\"") && page.contains("Keep your account secure"),
        "{page}"
    );
    // prompt=none with the session that still needs a factor: an error for
    // the client, no page.
    let r = br.get(&login_page(&s, &apps, &[("prompt", "none")])).await;
    assert_eq!(r.status(), 302);
    let p = location_params(&r);
    assert_eq!(p["error"], "interaction_required");
    assert_eq!(p["state"], "st");
    // With security defaults off, the administrator goes on.
    store
        .set_tenant_policy(
            apps.tenant,
            "securityDefaults",
            "{\"isEnabled\":false}",
            now,
        )
        .await
        .unwrap();
    let policy = tessera_server::authn_policy::load(store.as_ref(), apps.tenant)
        .await
        .unwrap();
    assert!(
        !policy.security_defaults,
        "the stored document turns security defaults off"
    );
    let mut br = Browser::new(&s);
    let (_, page) = password_step(&mut br, &path, &old_upn, PASSWORD).await;
    assert!(page.contains("Permissions requested"), "{page}");
}
both_backends!(security_defaults_and_acr_values);

async fn enrollment_needs_a_recent_sign_in(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let store = &s.running().store;
    let mut br = Browser::new(&s);
    let path = login_page(&s, &apps, &[]);
    password_step(&mut br, &path, &apps.upn, PASSWORD).await;
    let info = format!("/{}/mysecurityinfo", apps.tenant);
    let page = br.get(&info).await.text().await.unwrap();
    assert!(page.contains("data-kind=\"password\""), "{page}");
    assert!(
        page.contains("id=\"add-totp\""),
        "a fresh sign-in may add methods: {page}"
    );
    assert!(page.contains("id=\"passkey-register-form\""));
    let enroll = br.get(&format!("{info}/totp")).await.text().await.unwrap();
    assert!(
        enroll.contains("id=\"totp-qr\"")
            && enroll.contains("src=\"data:image&#x2f;svg+xml;base64,")
            && enroll.contains("href=\"otpauth:"),
        "{enroll}"
    );
    assert!(enroll.contains("autocomplete=\"one-time-code\""));
    // The session ages past ten minutes.
    let cookie = br.cookies.get("tessera_session").unwrap().clone();
    let sid: ObjectId = cookie.split('.').nth(1).unwrap().parse().unwrap();
    let old = now() - time::Duration::minutes(11);
    store
        .upgrade_session(apps.tenant, sid, &["pwd".into()], old)
        .await
        .unwrap();
    let page = br.get(&info).await.text().await.unwrap();
    assert!(
        page.contains("id=\"reauth\"") && !page.contains("id=\"add-totp\""),
        "{page}"
    );
    let r = br.get(&format!("{info}/totp")).await;
    assert_eq!(r.status(), 403);
    // Posting anyway (a stale page, or a forged form) changes nothing.
    let csrf = input(&enroll, "csrf").unwrap();
    let enrollment = input(&enroll, "enrollment").unwrap();
    for (path, form) in [
        (
            format!("{info}/totp"),
            vec![
                ("csrf", csrf.clone()),
                ("enrollment", enrollment.clone()),
                ("code", "123456".to_string()),
            ],
        ),
        (
            format!("{info}/totp"),
            vec![
                ("csrf", csrf.clone()),
                ("enrollment", enrollment.clone()),
                ("code", "123456".to_string()),
                ("ctx", "mysecurityinfo=1".to_string()),
            ],
        ),
        (
            format!("{info}/delete"),
            vec![
                ("csrf", csrf.clone()),
                ("id", ObjectId::random(&mut rand::rngs::OsRng).to_string()),
            ],
        ),
    ] {
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = br.post(&path, &pairs).await;
        assert!(
            r.status() == 403 || r.text().await.unwrap().contains("id=\"password-form\""),
            "{path}"
        );
    }
    assert!(store
        .auth_methods(apps.tenant, apps.user)
        .await
        .unwrap()
        .is_empty());
    // Without the CSRF token: refused before anything else.
    let r = br.post(&format!("{info}/delete"), &[("id", "x")]).await;
    assert_eq!(r.status(), 403);
    // "Sign in again" shows the sign-in page, which leads back here.
    let page = br
        .get(&format!("{info}?reauth=1"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"password-form\""));
    let r = sign_in(&mut br, page, &apps.upn, PASSWORD).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], info.as_str());
    let page = br.get(&info).await.text().await.unwrap();
    assert!(page.contains("id=\"add-totp\""), "{page}");
    // Another tenant's path: no session there, the sign-in page.
    let other = format!(
        "/{}/mysecurityinfo",
        TenantId::random(&mut rand::rngs::OsRng)
    );
    assert_eq!(br.get(&other).await.status(), 400);
    assert_eq!(br.get("/organizations/mysecurityinfo").await.status(), 400);
}
both_backends!(enrollment_needs_a_recent_sign_in);

/// Posts the sign-in page's Temporary Access Pass form.
async fn tap_step(br: &mut Browser, path: &str, upn: &str, tap: &str) -> (u16, String) {
    let page = br.get(path).await.text().await.unwrap();
    let ctx = input(&page, "ctx").unwrap();
    let csrf = input(&page, "csrf").unwrap();
    let tenant = path.split('/').nth(1).unwrap().to_string();
    let r = br
        .post(
            &format!("/{tenant}/login/tap"),
            &[
                ("ctx", &ctx),
                ("csrf", &csrf),
                ("username", upn),
                ("tap", tap),
            ],
        )
        .await;
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

/// Moves a user's pass in time: the record a store holds once time passes.
async fn shift_pass(s: &TestServer, t: TenantId, user: ObjectId, by: time::Duration) {
    let store = &s.running().store;
    let mut m = store.auth_methods(t, user).await.unwrap().remove(0);
    let MethodDetail::TemporaryAccessPass { start, .. } = &mut m.detail else {
        panic!("not a pass")
    };
    *start += by;
    store
        .delete_auth_method(t, user, m.id, now())
        .await
        .unwrap();
    store.insert_auth_method(t, &m, now()).await.unwrap();
}

async fn temporary_access_pass_windows(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let admin = super::passkeys::Admin::new(&s, None).await;
    let (id, upn) = admin.user("tess", false).await;
    let user: ObjectId = id.parse().unwrap();
    let tap = admin.tap(&id, false).await;
    let path = login_page(&s, &apps, &[]);
    // Expired (its hour passed) and not yet valid (starts tomorrow): refused
    // with one message, logged with the reason; the session is not made.
    for (by, reason) in [
        (time::Duration::hours(-2), "Temporary Access Pass expired"),
        (
            time::Duration::days(1),
            "Temporary Access Pass not yet valid",
        ),
    ] {
        shift_pass(&s, apps.tenant, user, by).await;
        let mut br = Browser::new(&s);
        let (status, page) = tap_step(&mut br, &path, &upn, &tap).await;
        assert_eq!(status, 400, "{reason}");
        assert!(
            page.contains("That Temporary Access Pass is not valid"),
            "{page}"
        );
        assert!(!br.cookies.contains_key("tessera_session"), "{reason}");
        let log = s
            .running()
            .store
            .sign_ins(apps.tenant, Some(user), None, 1)
            .await
            .unwrap();
        assert_eq!(log[0].failure_reason, reason);
        shift_pass(&s, apps.tenant, user, -by).await;
    }
    // Back in its window, a multi-use pass signs in (twice), as MFA; a wrong
    // pass or one of another user does not, with the same message.
    for _ in 0..2 {
        let mut br = Browser::new(&s);
        let (status, page) = tap_step(&mut br, &path, &upn, &tap).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("Permissions requested"), "{page}");
    }
    let mut br = Browser::new(&s);
    let (status, page) = tap_step(&mut br, &path, &upn, "Wrong-Pass-1").await;
    assert_eq!(status, 400);
    assert!(page.contains("That Temporary Access Pass is not valid"));
    let (status, _) = tap_step(&mut br, &path, &apps.upn, &tap).await;
    assert_eq!(status, 400, "the pass is the user's, not anyone's");
}
both_backends!(temporary_access_pass_windows);

/// Smart lockout behind a reverse proxy: with the proxy trusted, each
/// client behind it is its own source (one locked, another not, the log
/// names the client); without it, `X-Forwarded-For` is not believed, so a
/// sprayer cannot escape the source lockout by inventing addresses.
async fn lockout_behind_a_trusted_proxy(b: TestBackend) {
    use tessera_oauth::interaction::SOURCE_FREE_FAILURES;
    let db = tessera_testkit::TestDb::new(b).await;
    let s = TestServer::start_with(db, |c| c.trusted_proxies = Some("127.0.0.1, ::1".into())).await;
    let apps = setup(&s).await;
    let path = login_page(&s, &apps, &[]);
    let domain = apps.upn.split_once('@').unwrap().1.to_string();
    let mut sprayer = Browser::new(&s);
    sprayer.forwarded_for = Some("6.6.6.6, 203.0.113.7".into());
    for i in 0..SOURCE_FREE_FAILURES {
        let (status, _) = password_step(
            &mut sprayer,
            &path,
            &format!("n{i}@{domain}"),
            "Winter2026!",
        )
        .await;
        assert_eq!(status, 400);
    }
    let (_, page) = password_step(&mut sprayer, &path, &apps.upn, PASSWORD).await;
    assert!(page.contains("temporarily locked"), "{page}");
    // The same proxy, another client: not locked; the log names the client.
    let mut other = Browser::new(&s);
    other.forwarded_for = Some("203.0.113.8".into());
    let (_, page) = password_step(&mut other, &path, &apps.upn, PASSWORD).await;
    assert!(page.contains("Permissions requested"), "{page}");
    let log = s
        .running()
        .store
        .sign_ins(apps.tenant, None, None, 1)
        .await
        .unwrap();
    assert_eq!(log[0].ip_address, "203.0.113.8");
    assert_eq!(log[0].error_code, 0);

    // No trusted proxy: invented addresses change nothing.
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let path = login_page(&s, &apps, &[]);
    let mut liar = Browser::new(&s);
    for i in 0..SOURCE_FREE_FAILURES {
        liar.forwarded_for = Some(format!("198.51.100.{i}"));
        let (status, _) =
            password_step(&mut liar, &path, &format!("n{i}@{domain}"), "Winter2026!").await;
        assert_eq!(status, 400);
    }
    liar.forwarded_for = Some("198.51.100.200".into());
    let (_, page) = password_step(&mut liar, &path, &apps.upn, PASSWORD).await;
    assert!(page.contains("temporarily locked"), "{page}");
    let log = s
        .running()
        .store
        .sign_ins(apps.tenant, None, None, 1)
        .await
        .unwrap();
    assert!(
        log[0].ip_address.starts_with("127.") || log[0].ip_address == "::1",
        "{}",
        log[0].ip_address
    );
}
both_backends!(lockout_behind_a_trusted_proxy);

/// The password step alone, with the second-factor page still showing, is
/// not a signed-in session for security info: the self-service password
/// change (and every other security-info page) sends it back to sign in,
/// and a posted change is not made.
async fn security_info_needs_the_second_factor_first(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let store = &s.running().store;
    // The user has an authenticator app: security defaults ask for it.
    store
        .insert_auth_method(
            apps.tenant,
            &AuthMethod {
                id: ObjectId::random(&mut rand::rngs::OsRng),
                user_id: apps.user,
                display_name: "Authenticator".into(),
                created_at: now(),
                last_used_at: None,
                detail: MethodDetail::SoftwareOath {
                    sealed_secret: vec![0; 48],
                    last_step: 0,
                },
            },
            now(),
        )
        .await
        .unwrap();
    let mut br = Browser::new(&s);
    let path = login_page(&s, &apps, &[]);
    let (_, page) = password_step(&mut br, &path, &apps.upn, PASSWORD).await;
    assert!(
        page.contains("id=\"totp-form\""),
        "the second factor is asked: {page}"
    );
    let csrf = input(&page, "csrf").expect("the verification page's csrf");
    let before = store
        .user_password_hash(apps.tenant, apps.user)
        .await
        .unwrap();
    let info = format!("/{}/mysecurityinfo", apps.tenant);
    let r = br
        .post(
            &format!("{info}/password"),
            &[
                ("csrf", &csrf),
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
                ("confirm_password", NEW_PASSWORD),
            ],
        )
        .await;
    let status = r.status();
    let body = r.text().await.unwrap();
    assert!(
        body.contains("id=\"password-form\"") && !body.contains("id=\"password-change-form\""),
        "{status}: sent to sign in, not a password change: {body}"
    );
    assert_eq!(
        store
            .user_password_hash(apps.tenant, apps.user)
            .await
            .unwrap(),
        before,
        "the password is unchanged"
    );
    for page in [
        info.clone(),
        format!("{info}/password"),
        format!("{info}/totp"),
    ] {
        let body = br.get(&page).await.text().await.unwrap();
        assert!(
            body.contains("id=\"password-form\"") && !body.contains("id=\"add-totp\""),
            "{page}: {body}"
        );
    }
}
both_backends!(security_info_needs_the_second_factor_first);
