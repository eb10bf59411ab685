//! The sign-in page and its form: CSRF-checked, throttled per typed account
//! name with back-off (known or unknown names alike) and per network source,
//! Argon2id off the async runtime on bounded worker threads, the same message
//! and the same work for a wrong password and an unknown user. On
//! `/organizations` and `/common`, where the typed name's domain picks the
//! tenant, failures are also counted per source whatever the domain (a
//! domain no tenant has included), so that a flood of made-up names cannot
//! keep the password workers busy.
use super::authn::{record, ClientIp, LogEntry};
use super::{cookies, pages, proceed, request_id, Flow, Progress, Signed};
use crate::clock::SystemClock;
use crate::state::AppState;
use crate::tenant::PathTenant;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use tessera_authn::strength::Method;
use tessera_model::{Clock, MethodDetail, ObjectId, SsoSession, TenantId};
use tessera_oauth::interaction::{domain_of, lockout, source_lockout};

pub const BAD_CREDENTIALS: &str = "Your account or password is incorrect.";
pub const BAD_TAP: &str =
    "That Temporary Access Pass is not valid: it may be wrong, expired or already used.";
pub const LOCKED: &str =
    "Your account is temporarily locked to prevent unauthorized use. Try again later.";
/// How long a sign-in session lasts without signing in again.
pub const SESSION_HOURS: i64 = 12;
const MAX_FIELD: usize = 256;

/// The sign-in page for `flow`, with a CSRF cookie (set when missing).
pub(crate) fn page(
    s: &AppState,
    headers: &HeaderMap,
    flow: &Flow,
    error: Option<&str>,
    username: &str,
    mut extra: Vec<(HeaderName, HeaderValue)>,
) -> Response {
    let csrf = csrf_with_cookie(s, headers, &mut extra);
    let targets: Vec<String> = pages::origin(&flow.req.redirect_uri).into_iter().collect();
    let segment = path_segment(flow);
    let action = format!("/{segment}/login");
    let passkey = super::passkey::passwordless_options(s).map(|(options, state)| {
        minijinja::context! { action => format!("/{segment}/login/passkey"), options, state }
    });
    let csp = if passkey.is_some() {
        pages::csp_with_script(&targets)
    } else {
        pages::csp(&targets, None, &[])
    };
    pages::render(
        pages::status_for(error),
        "signin.html",
        minijinja::context! {
            app_name => flow.client.app.display_name,
            action, ctx => flow.ctx, csrf, error, username, passkey,
        },
        csp,
        extra,
    )
}

pub(crate) fn path_segment(flow: &Flow) -> String {
    match flow.path_tenant {
        PathTenant::Tenant(t) => t.to_string(),
        _ => "organizations".into(),
    }
}

/// This browser's CSRF token, and a `Set-Cookie` when it had no cookie yet.
pub(crate) fn csrf_for(s: &AppState, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    let names = cookies::names(s.tls);
    match cookies::get(headers, names.csrf) {
        Some(c) => (cookies::csrf_token(s.signin.csrf_key.as_ref(), c), None),
        None => {
            let value = tessera_crypto::random_token(&mut rand::rngs::OsRng, 32);
            (
                cookies::csrf_token(s.signin.csrf_key.as_ref(), &value),
                cookies::set_csrf(&names, &value),
            )
        }
    }
}

/// This browser's CSRF token for a page's forms; the cookie, when it had
/// none yet, goes into the page's `extra` headers.
pub(crate) fn csrf_with_cookie(
    s: &AppState,
    headers: &HeaderMap,
    extra: &mut Vec<(HeaderName, HeaderValue)>,
) -> String {
    let (csrf, set) = csrf_for(s, headers);
    if let Some(c) = set {
        extra.push((header::SET_COOKIE, c));
    }
    csrf
}

/// Whether a posted form carries this browser's CSRF token.
pub(crate) fn csrf_valid(s: &AppState, headers: &HeaderMap, token: Option<&String>) -> bool {
    let names = cookies::names(s.tls);
    cookies::csrf_ok(
        s.signin.csrf_key.as_ref(),
        cookies::get(headers, names.csrf),
        token.map(String::as_str),
    )
}

pub(crate) fn csrf_failure(headers: &HeaderMap) -> Response {
    pages::error(
        StatusCode::FORBIDDEN,
        "This form has expired or did not come from this site. Go back to the application and sign in again.",
        &request_id(headers),
    )
}

pub async fn submit(
    State(s): State<AppState>,
    Path(segment): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (form, flow) = match super::posted(&s, &segment, &headers, &body, "sign-in").await {
        Ok(p) => p,
        Err(res) => return res,
    };
    let username = form.get("username").map(|u| u.trim()).unwrap_or("");
    let tap = form.get("tap").map(String::as_str).unwrap_or("");
    let password = form.get("password").map(String::as_str).unwrap_or("");
    let secret = if tap.is_empty() { password } else { tap };
    if username.is_empty()
        || secret.is_empty()
        || username.len() > MAX_FIELD
        || secret.len() > MAX_FIELD
    {
        return page(
            &s,
            &headers,
            &flow,
            Some(BAD_CREDENTIALS),
            &username.chars().take(MAX_FIELD).collect::<String>(),
            vec![],
        );
    }
    // `/organizations` and `/common`: a locked source is refused before the
    // name is even looked at (no tenant lookup, no Argon2), whatever it is.
    let tenantless = !matches!(flow.path_tenant, PathTenant::Tenant(_));
    if tenantless {
        match tenantless_source_locked(&s, &ip).await {
            Ok(false) => {}
            Ok(true) => return page(&s, &headers, &flow, Some(LOCKED), username, vec![]),
            Err(_) => return super::unavailable(&headers),
        }
    }
    let tenant = match flow.path_tenant {
        PathTenant::Tenant(t) => Some(t),
        _ => match domain_of(username) {
            Some(d) => match s.directory.tenant(d).await {
                Ok(PathTenant::Tenant(t)) => Some(t),
                Ok(_) => None,
                Err(_) => return super::unavailable(&headers),
            },
            None => None,
        },
    };
    let attempt = Attempt {
        tenant,
        username,
        ip: &ip,
        app: (
            flow.client.app.app_id,
            flow.client.app.display_name.as_str(),
        ),
    };
    let checked = if tap.is_empty() {
        check_password(&s, &attempt, password).await
    } else {
        check_tap(&s, &attempt, tap).await
    };
    let method = if tap.is_empty() {
        Method::Password
    } else {
        Method::TemporaryAccessPassMultiUse
    };
    if tenantless && matches!(checked, Ok(None)) && tenantless_failed(&s, &ip).await.is_err() {
        return super::unavailable(&headers);
    }
    match checked {
        Ok(Some((t, user))) => signed_in(&s, &headers, flow, t, user, method, &ip).await,
        Ok(None) => {
            let message = if tap.is_empty() {
                BAD_CREDENTIALS
            } else {
                BAD_TAP
            };
            page(&s, &headers, &flow, Some(message), username, vec![])
        }
        Err(Refusal::Locked) => page(&s, &headers, &flow, Some(LOCKED), username, vec![]),
        Err(Refusal::Unavailable) => super::unavailable(&headers),
    }
}

pub(crate) enum Refusal {
    Locked,
    Unavailable,
}

/// Who is trying to sign in, from where, to what.
pub(crate) struct Attempt<'a> {
    pub tenant: Option<TenantId>,
    pub username: &'a str,
    pub ip: &'a str,
    pub app: (tessera_model::AppId, &'a str),
}

/// Refuses at once while the typed name or the network source is locked
/// (smart lockout: per account and per source, with back-off).
async fn throttled(s: &AppState, t: TenantId, key: &str, ip: &str) -> Result<(), Refusal> {
    let now = SystemClock.now();
    let unavailable = |_| Refusal::Unavailable;
    for k in [key.to_string(), source_key(ip)] {
        let th = s.store.throttle(t, &k).await.map_err(unavailable)?;
        if th.locked_until.is_some_and(|u| u > now) {
            return Err(Refusal::Locked);
        }
    }
    Ok(())
}

/// Counts a failure against the typed name and the network source.
async fn failed(s: &AppState, t: TenantId, key: &str, ip: &str) -> Result<(), Refusal> {
    let now = SystemClock.now();
    let unavailable = |_| Refusal::Unavailable;
    s.store
        .record_sign_in_failure(t, key, now, &lockout)
        .await
        .map_err(unavailable)?;
    s.store
        .record_sign_in_failure(t, &source_key(ip), now, &source_lockout)
        .await
        .map_err(unavailable)?;
    Ok(())
}

fn source_key(ip: &str) -> String {
    format!("source:{ip}")
}

/// The per-source counter of failed sign-ins on `/organizations` and
/// `/common`, known domains and unknown alike. It lives in the home
/// tenant's throttle (the pages belong to no tenant yet; the device-code
/// page does the same) under its own key, so it neither reads nor feeds
/// the home tenant's own `source:` counter.
fn tenantless_source_key(ip: &str) -> String {
    format!("organizations-source:{ip}")
}

async fn tenantless_source_locked(s: &AppState, ip: &str) -> Result<bool, Refusal> {
    let th = s
        .store
        .throttle(s.home_tenant, &tenantless_source_key(ip))
        .await
        .map_err(|_| Refusal::Unavailable)?;
    Ok(th.locked_until.is_some_and(|u| u > SystemClock.now()))
}

/// Counts a failure against the source, with the per-source policy
/// ([`source_lockout`]: locked after `SOURCE_FREE_FAILURES`, back-off).
async fn tenantless_failed(s: &AppState, ip: &str) -> Result<(), Refusal> {
    s.store
        .record_sign_in_failure(
            s.home_tenant,
            &tenantless_source_key(ip),
            SystemClock.now(),
            &source_lockout,
        )
        .await
        .map(|_| ())
        .map_err(|_| Refusal::Unavailable)
}

/// The user, if the password is theirs and neither the name nor the source
/// is locked. Unknown names cost the same Argon2 work and count failures the
/// same way.
async fn check_password(
    s: &AppState,
    a: &Attempt<'_>,
    password: &str,
) -> Result<Option<(TenantId, tessera_model::User)>, Refusal> {
    let key = a.username.to_lowercase();
    let unavailable = |_| Refusal::Unavailable;
    if let Some(t) = a.tenant {
        if let Err(r) = throttled(s, t, &key, a.ip).await {
            log_attempt(
                s,
                a,
                None,
                "Password",
                false,
                "Account or source locked",
                50053,
            )
            .await;
            return Err(r);
        }
    }
    let (user, hash) = match a.tenant {
        Some(t) => match s
            .store
            .get_user_by_upn(t, a.username)
            .await
            .map_err(unavailable)?
        {
            Some(u) if u.account_enabled => {
                let h = s
                    .store
                    .user_password_hash(t, u.id)
                    .await
                    .map_err(unavailable)?;
                (Some(u), h)
            }
            _ => (None, None),
        },
        None => (None, None),
    };
    let ok = verify(s, hash, password.to_string()).await?;
    match (a.tenant, user) {
        (Some(t), Some(u)) if ok => {
            s.store
                .clear_sign_in_failures(t, &key)
                .await
                .map_err(unavailable)?;
            Ok(Some((t, u)))
        }
        (Some(t), u) => {
            failed(s, t, &key, a.ip).await?;
            let uid = u.map(|u| u.id);
            log_attempt(
                s,
                a,
                uid,
                "Password",
                false,
                "Invalid username or password",
                50126,
            )
            .await;
            Ok(None)
        }
        (None, _) => Ok(None),
    }
}

/// The user, if `presented` is one of their usable Temporary Access Passes
/// (a one-time pass is spent here). Throttled like a password.
async fn check_tap(
    s: &AppState,
    a: &Attempt<'_>,
    presented: &str,
) -> Result<Option<(TenantId, tessera_model::User)>, Refusal> {
    let now = SystemClock.now();
    let Some(t) = a.tenant else { return Ok(None) };
    let key = a.username.to_lowercase();
    let unavailable = |_| Refusal::Unavailable;
    if let Err(r) = throttled(s, t, &key, a.ip).await {
        log_attempt(
            s,
            a,
            None,
            "Temporary Access Pass",
            false,
            "Account or source locked",
            50053,
        )
        .await;
        return Err(r);
    }
    let user = match s
        .store
        .get_user_by_upn(t, a.username)
        .await
        .map_err(unavailable)?
    {
        Some(u) if u.account_enabled => Some(u),
        _ => None,
    };
    // The same queries whether or not the name exists (no enumeration by
    // timing): an unknown name's methods are looked up under a random id.
    let policy = crate::authn_policy::load(s.store.as_ref(), t)
        .await
        .map_err(unavailable)?;
    let lookup = user
        .as_ref()
        .map(|u| u.id)
        .unwrap_or_else(|| tessera_model::ObjectId::random(&mut rand::rngs::OsRng));
    let methods = s.store.auth_methods(t, lookup).await.map_err(unavailable)?;
    let mut matched = None;
    if user.is_some() && policy.tap.enabled {
        for m in methods {
            if let (MethodDetail::TemporaryAccessPass { digest, .. }, Some(window)) =
                (&m.detail, tessera_authn::tap::TapWindow::of(&m.detail))
            {
                if tessera_authn::tap::matches(s.signin.tap_key.as_ref(), presented, digest) {
                    matched = Some((m.id, window));
                }
            }
        }
    }
    let uid = user.as_ref().map(|u| u.id);
    match (user, matched) {
        (Some(u), Some((id, w))) if w.usable(now) => {
            if !s
                .store
                .use_temporary_access_pass(t, id, w.is_usable_once, now)
                .await
                .map_err(unavailable)?
            {
                failed(s, t, &key, a.ip).await?;
                log_attempt(
                    s,
                    a,
                    uid,
                    "Temporary Access Pass",
                    false,
                    "Temporary Access Pass already used",
                    130504,
                )
                .await;
                return Ok(None);
            }
            s.store
                .clear_sign_in_failures(t, &key)
                .await
                .map_err(unavailable)?;
            Ok(Some((t, u)))
        }
        (_, Some((_, w))) => {
            failed(s, t, &key, a.ip).await?;
            let why = match w.state(now) {
                tessera_authn::tap::TapState::Expired => "Temporary Access Pass expired",
                tessera_authn::tap::TapState::Used => "Temporary Access Pass already used",
                tessera_authn::tap::TapState::NotYetValid => "Temporary Access Pass not yet valid",
                tessera_authn::tap::TapState::Active => "Temporary Access Pass refused",
            };
            log_attempt(s, a, uid, "Temporary Access Pass", false, why, 130504).await;
            Ok(None)
        }
        (_, None) => {
            failed(s, t, &key, a.ip).await?;
            log_attempt(
                s,
                a,
                uid,
                "Temporary Access Pass",
                false,
                "Invalid Temporary Access Pass",
                130503,
            )
            .await;
            Ok(None)
        }
    }
}

/// A failed first step, in the sign-in log (its steps, its Entra code).
async fn log_attempt(
    s: &AppState,
    a: &Attempt<'_>,
    user: Option<tessera_model::ObjectId>,
    method: &str,
    succeeded: bool,
    detail: &str,
    code: i32,
) {
    let Some(t) = a.tenant else { return };
    let entry = LogEntry {
        tenant: t,
        user,
        username: a.username,
        app: Some(a.app),
        ip: a.ip,
        error_code: code,
        failure: detail,
        mfa: false,
        steps: vec![(method, succeeded, detail)],
    };
    record(s, entry, SystemClock.now()).await;
}

/// Argon2id on the password workers (bounded; without a hash, the same
/// work against a dummy).
pub(crate) async fn verify(
    s: &AppState,
    hash: Option<String>,
    password: String,
) -> Result<bool, Refusal> {
    s.signin
        .passwords
        .verify(hash, &password)
        .await
        .ok_or(Refusal::Unavailable)
}

/// Starts the SSO session, sets its cookie and carries on with the flow.
pub(crate) async fn signed_in(
    s: &AppState,
    headers: &HeaderMap,
    flow: Flow,
    t: TenantId,
    user: tessera_model::User,
    method: Method,
    ip: &str,
) -> Response {
    let now = SystemClock.now();
    let mut rng = rand::rngs::OsRng;
    let secret = tessera_crypto::random_token(&mut rng, 32);
    let session = SsoSession {
        id: ObjectId::random(&mut rng),
        user_id: user.id,
        secret_digest: tessera_crypto::secret_digest(&secret).to_vec(),
        auth_time: now,
        amr: tessera_authn::strength::amr(&[method]),
        created_at: now,
        expires_at: now + time::Duration::hours(SESSION_HOURS),
        ended_at: None,
    };
    if s.store.create_session(t, &session).await.is_err() {
        return super::unavailable(headers);
    }
    let names = cookies::names(s.tls);
    let extra: Vec<(HeaderName, HeaderValue)> =
        cookies::set_session(&names, t, session.id, &secret)
            .map(|c| (header::SET_COOKIE, c))
            .into_iter()
            .collect();
    let step = match method {
        Method::Password => ("Password", "Correct password"),
        Method::Fido2 => ("Passkey", "Passkey verified"),
        _ => ("Temporary Access Pass", "Temporary Access Pass accepted"),
    };
    let entry = LogEntry {
        tenant: t,
        user: Some(user.id),
        username: &user.user_principal_name,
        app: Some((
            flow.client.app.app_id,
            flow.client.app.display_name.as_str(),
        )),
        ip,
        error_code: 0,
        failure: "",
        mfa: method != Method::Password,
        steps: vec![(step.0, true, step.1)],
    };
    record(s, entry, now).await;
    let signed = Signed {
        tenant: t,
        session,
        user,
    };
    let p = Progress {
        fresh_sign_in: true,
        consented_now: false,
    };
    proceed(s, headers, flow, Some(signed), p, extra).await
}
