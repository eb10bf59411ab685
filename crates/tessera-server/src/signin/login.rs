//! The sign-in page and its form: CSRF-checked, throttled per typed account
//! name with back-off (known or unknown names alike), Argon2id off the async
//! runtime on bounded worker threads, the same message and the same work for
//! a wrong password and an unknown user.
use super::{cookies, pages, proceed, request_id, Flow, Progress, Signed};
use crate::clock::SystemClock;
use crate::state::AppState;
use crate::tenant::PathTenant;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use tessera_model::{Clock, ObjectId, SsoSession, TenantId};
use tessera_oauth::interaction::{domain_of, lockout};

pub const BAD_CREDENTIALS: &str = "Your account or password is incorrect.";
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
    let (csrf, set) = csrf_for(s, headers);
    if let Some(c) = set {
        extra.push((header::SET_COOKIE, c));
    }
    let targets: Vec<String> = pages::origin(&flow.req.redirect_uri).into_iter().collect();
    let action = format!("/{}/login", path_segment(flow));
    pages::render(
        if error.is_some() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        },
        "signin.html",
        minijinja::context! {
            app_name => flow.client.app.display_name,
            action, ctx => flow.ctx, csrf, error, username,
        },
        pages::csp(&targets, None, &[]),
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
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (form, flow) = match super::posted(&s, &segment, &headers, &body, "sign-in").await {
        Ok(p) => p,
        Err(res) => return res,
    };
    let username = form.get("username").map(|u| u.trim()).unwrap_or("");
    let password = form.get("password").map(String::as_str).unwrap_or("");
    if username.is_empty()
        || password.is_empty()
        || username.len() > MAX_FIELD
        || password.len() > MAX_FIELD
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
    match check_password(&s, tenant, username, password).await {
        Ok(Some((t, user))) => signed_in(&s, &headers, flow, t, user).await,
        Ok(None) => page(&s, &headers, &flow, Some(BAD_CREDENTIALS), username, vec![]),
        Err(Refusal::Locked) => page(&s, &headers, &flow, Some(LOCKED), username, vec![]),
        Err(Refusal::Unavailable) => super::unavailable(&headers),
    }
}

enum Refusal {
    Locked,
    Unavailable,
}

/// The user, if the password is theirs and the name is not locked. Unknown
/// names cost the same Argon2 work and count failures the same way.
async fn check_password(
    s: &AppState,
    tenant: Option<TenantId>,
    username: &str,
    password: &str,
) -> Result<Option<(TenantId, tessera_model::User)>, Refusal> {
    let now = SystemClock.now();
    let key = username.to_lowercase();
    let unavailable = |_| Refusal::Unavailable;
    if let Some(t) = tenant {
        let th = s.store.throttle(t, &key).await.map_err(unavailable)?;
        if th.locked_until.is_some_and(|u| u > now) {
            return Err(Refusal::Locked);
        }
    }
    let (user, hash) = match tenant {
        Some(t) => match s
            .store
            .get_user_by_upn(t, username)
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
    match (tenant, user) {
        (Some(t), Some(u)) if ok => {
            s.store
                .clear_sign_in_failures(t, &key)
                .await
                .map_err(unavailable)?;
            Ok(Some((t, u)))
        }
        (Some(t), _) => {
            s.store
                .record_sign_in_failure(t, &key, now, &lockout)
                .await
                .map_err(unavailable)?;
            Ok(None)
        }
        (None, _) => Ok(None),
    }
}

/// Argon2id on the password workers (bounded; without a hash, the same
/// work against a dummy).
async fn verify(s: &AppState, hash: Option<String>, password: String) -> Result<bool, Refusal> {
    s.signin
        .passwords
        .verify(hash, &password)
        .await
        .ok_or(Refusal::Unavailable)
}

/// Starts the SSO session, sets its cookie and carries on with the flow.
async fn signed_in(
    s: &AppState,
    headers: &HeaderMap,
    flow: Flow,
    t: TenantId,
    user: tessera_model::User,
) -> Response {
    let now = SystemClock.now();
    let mut rng = rand::rngs::OsRng;
    let secret = tessera_crypto::random_token(&mut rng, 32);
    let session = SsoSession {
        id: ObjectId::random(&mut rng),
        user_id: user.id,
        secret_digest: tessera_crypto::secret_digest(&secret).to_vec(),
        auth_time: now,
        amr: vec!["pwd".into()],
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
