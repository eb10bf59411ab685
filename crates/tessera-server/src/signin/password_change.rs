//! Changing a password: forced at the next sign-in (an administrator set
//! `forceChangePasswordNextSignIn`) or self-service from the security info
//! page. Both ask for the current password (throttled like sign-in), check
//! the new one against the tenant's password policy (length, complexity,
//! Entra's banned-password scoring with the tenant's list and name, the
//! user's own names), and store a fresh Argon2id hash.
use super::login::{csrf_with_cookie, path_segment};
use super::{pages, Flow, Progress, Signed};
use crate::clock::SystemClock;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use tessera_authn::password_policy::{self, PasswordContext};
use tessera_model::Clock;
use tessera_oauth::interaction::lockout;

const MISMATCH: &str = "The new passwords do not match.";
const SAME: &str = "Choose a password you have not used here before.";
const WRONG_CURRENT: &str = "Your current password is incorrect.";

/// The change form (forced, during a sign-in flow).
pub(crate) async fn page(
    s: &AppState,
    headers: &HeaderMap,
    flow: &Flow,
    signed: &Signed,
    error: Option<&str>,
    extra: Vec<(HeaderName, HeaderValue)>,
) -> Response {
    let action = format!("/{}/login/password", path_segment(flow));
    render(
        s,
        headers,
        signed,
        &action,
        Some(&flow.ctx),
        true,
        error,
        extra,
    )
}

#[allow(clippy::too_many_arguments)]
fn render(
    s: &AppState,
    headers: &HeaderMap,
    signed: &Signed,
    action: &str,
    ctx: Option<&str>,
    forced: bool,
    error: Option<&str>,
    mut extra: Vec<(HeaderName, HeaderValue)>,
) -> Response {
    let csrf = csrf_with_cookie(s, headers, &mut extra);
    pages::render(
        pages::status_for(error),
        "password_change.html",
        minijinja::context! {
            user => signed.user.user_principal_name,
            back => super::security_info::path(signed.tenant),
            action, ctx, forced, csrf, error,
        },
        pages::csp(&[], None, &[]),
        extra,
    )
}

/// Checks the form and stores the new password; `Err` is the message.
async fn change(
    s: &AppState,
    signed: &Signed,
    form: &std::collections::BTreeMap<String, String>,
) -> Result<Result<(), String>, Response> {
    let t = signed.tenant;
    let now = SystemClock.now();
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    let (current, new, confirm) = (
        field("current_password"),
        field("new_password"),
        field("confirm_password"),
    );
    if current.len() > 256 || new.len() > 1024 {
        return Ok(Err(WRONG_CURRENT.into()));
    }
    let key = signed.user.user_principal_name.to_lowercase();
    let unavailable = |_| super::unavailable(&HeaderMap::new());
    let th = s.store.throttle(t, &key).await.map_err(unavailable)?;
    if th.locked_until.is_some_and(|u| u > now) {
        return Ok(Err(super::login::LOCKED.into()));
    }
    let state = s
        .store
        .password_state(t, signed.user.id)
        .await
        .map_err(unavailable)?;
    let hash = state.and_then(|p| p.hash);
    let ok = super::login::verify(s, hash, current.to_string())
        .await
        .map_err(|_| super::unavailable(&HeaderMap::new()))?;
    if !ok {
        s.store
            .record_sign_in_failure(t, &key, now, &lockout)
            .await
            .map_err(unavailable)?;
        return Ok(Err(WRONG_CURRENT.into()));
    }
    if new != confirm {
        return Ok(Err(MISMATCH.into()));
    }
    if new == current {
        return Ok(Err(SAME.into()));
    }
    let policy = crate::authn_policy::load(s.store.as_ref(), t)
        .await
        .map_err(unavailable)?;
    let tenant = s.store.get_tenant(t).await.map_err(unavailable)?;
    let tenant_name = tenant.map(|x| x.display_name).unwrap_or_default();
    let ctx = PasswordContext {
        tenant_name: &tenant_name,
        user_principal_name: &signed.user.user_principal_name,
        display_name: &signed.user.display_name,
    };
    if let Err(why) = password_policy::check(&policy.password, new, &ctx) {
        return Ok(Err(why.message()));
    }
    let hasher = s.signin.passwords.hasher.clone();
    let pw = zeroize::Zeroizing::new(new.to_string());
    let phc = tokio::task::spawn_blocking(move || hasher.hash(&pw, &mut rand::rngs::OsRng))
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(|| super::unavailable(&HeaderMap::new()))?;
    s.store
        .change_password(t, signed.user.id, &phc, false, Some(signed.session.id), now)
        .await
        .map_err(unavailable)?;
    s.store
        .clear_sign_in_failures(t, &key)
        .await
        .map_err(unavailable)?;
    Ok(Ok(()))
}

/// `POST /{tenant}/login/password`: the forced change, then the flow goes on.
pub async fn submit(
    State(s): State<AppState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (form, flow) = match super::posted(&s, &segment, &headers, &body, "password").await {
        Ok(p) => p,
        Err(res) => return res,
    };
    let Some(signed) = super::current_session(&s, &headers, flow.path_tenant).await else {
        return super::login::page(&s, &headers, &flow, None, "", vec![]);
    };
    match change(&s, &signed, &form).await {
        Err(res) => res,
        Ok(Err(message)) => page(&s, &headers, &flow, &signed, Some(&message), vec![]).await,
        Ok(Ok(())) => {
            let p = Progress {
                fresh_sign_in: true,
                consented_now: false,
            };
            super::proceed(&s, &headers, flow, Some(signed), p, vec![]).await
        }
    }
}

/// `GET /{tenant}/mysecurityinfo/password`.
pub async fn self_service_page(
    State(s): State<AppState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
) -> Response {
    let signed = match super::security_info::session_or_sign_in(&s, &segment, &headers, false).await
    {
        Ok(x) => x,
        Err(r) => return r,
    };
    let action = format!("{}/password", super::security_info::path(signed.tenant));
    render(&s, &headers, &signed, &action, None, false, None, vec![])
}

/// `POST /{tenant}/mysecurityinfo/password`.
pub async fn self_service(
    State(s): State<AppState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = match super::posted_plain(&s, &headers, &body, "password") {
        Ok(f) => f,
        Err(r) => return r,
    };
    let signed = match super::security_info::session_or_sign_in(&s, &segment, &headers, false).await
    {
        Ok(x) => x,
        Err(r) => return r,
    };
    let action = format!("{}/password", super::security_info::path(signed.tenant));
    match change(&s, &signed, &form).await {
        Err(res) => res,
        Ok(Err(message)) => render(
            &s,
            &headers,
            &signed,
            &action,
            None,
            false,
            Some(&message),
            vec![],
        ),
        Ok(Ok(())) => super::redirect(
            StatusCode::SEE_OTHER,
            &super::security_info::path(signed.tenant),
            vec![],
        ),
    }
}
