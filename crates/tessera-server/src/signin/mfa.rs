//! The second factor: after a first step that does not satisfy what the
//! sign-in needs, the page asks for an authenticator app's code or a passkey
//! (one of the user's own: the options name only their credentials, and the
//! sealed state is bound to the user). Success raises the session's methods
//! (step-up) and the flow goes on. Failures are throttled per user.
use super::authn::{amr_with, record, ClientIp, LogEntry};
use super::login::{csrf_with_cookie, path_segment};
use super::{pages, passkey, proceed, Flow, Progress, Signed};
use crate::clock::SystemClock;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::Response;
use tessera_authn::strength::Method;
use tessera_model::{AuthMethod, Clock, MethodDetail, TenantId};
use tessera_oauth::interaction::lockout;

pub const BAD_CODE: &str =
    "The code is wrong or was already used. Wait for the next code and try again.";
pub const LOCKED: &str = "Too many wrong codes. Wait a while, then try again.";

/// The "Verify your identity" page.
pub(crate) async fn page(
    s: &AppState,
    headers: &HeaderMap,
    flow: &Flow,
    signed: &Signed,
    error: Option<&str>,
    mut extra: Vec<(HeaderName, HeaderValue)>,
) -> Response {
    let t = signed.tenant;
    let policy = match crate::authn_policy::load(s.store.as_ref(), t).await {
        Ok(p) => p,
        Err(_) => return super::unavailable(headers),
    };
    let methods = match super::authn::methods(s, t, signed.user.id, &policy).await {
        Ok(m) => m,
        Err(_) => return super::unavailable(headers),
    };
    let csrf = csrf_with_cookie(s, headers, &mut extra);
    let action = format!("/{}/login/mfa", path_segment(flow));
    let passkey = passkey::second_factor_options(s, signed.user.id, &methods.passkeys)
        .map(|(options, state)| minijinja::context! { action => action.clone(), options, state });
    let targets: Vec<String> = pages::origin(&flow.req.redirect_uri).into_iter().collect();
    let csp = if passkey.is_some() {
        pages::csp_with_script(&targets)
    } else {
        pages::csp(&targets, None, &[])
    };
    pages::render(
        pages::status_for(error),
        "mfa.html",
        minijinja::context! {
            app_name => flow.client.app.display_name,
            user => signed.user.user_principal_name,
            action, ctx => flow.ctx, csrf, error, passkey,
            totp => !methods.totp.is_empty(),
        },
        csp,
        extra,
    )
}

/// The page an administrator sees when a second factor is required and
/// none is registered: register one now (the flow goes on after).
pub(crate) async fn register_page(
    s: &AppState,
    headers: &HeaderMap,
    flow: &Flow,
    signed: &Signed,
    error: Option<&str>,
    extra: Vec<(HeaderName, HeaderValue)>,
) -> Response {
    super::security_info::enroll_page(s, headers, signed, Some(&flow.ctx), error, None, extra).await
}

/// The associated data a TOTP seed is sealed under: its tenant, user and
/// method, so a sealed seed cannot be moved to another row.
pub(crate) fn totp_aad(t: TenantId, m: &AuthMethod) -> String {
    format!("tessera totp seed\0{t}\0{}\0{}", m.user_id, m.id)
}

/// `POST /{tenant}/login/mfa`.
pub async fn submit(
    State(s): State<AppState>,
    Path(segment): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (form, flow) = match super::posted(&s, &segment, &headers, &body, "verification").await {
        Ok(p) => p,
        Err(res) => return res,
    };
    let Some(mut signed) = super::current_session(&s, &headers, flow.path_tenant).await else {
        return super::login::page(&s, &headers, &flow, None, "", vec![]);
    };
    let t = signed.tenant;
    let now = SystemClock.now();
    let key = format!("mfa:{}", signed.user.id);
    match s.store.throttle(t, &key).await {
        Ok(th) if th.locked_until.is_some_and(|u| u > now) => {
            return page(&s, &headers, &flow, &signed, Some(LOCKED), vec![]).await
        }
        Ok(_) => {}
        Err(_) => return super::unavailable(&headers),
    }
    let verified = if let Some(code) = form.get("code") {
        verify_code(&s, &signed, code)
            .await
            .map(|ok| ok.then_some(Method::SoftwareOath))
    } else if let (Some(state), Some(credential)) = (form.get("state"), form.get("credential")) {
        verify_passkey(&s, &signed, state, credential)
            .await
            .map(|ok| ok.then_some(Method::Fido2))
    } else {
        Ok(None)
    };
    let (method_name, detail) = match (form.contains_key("code"), &verified) {
        (true, Ok(Some(_))) => ("OATH verification code", "MFA successfully completed"),
        (true, _) => (
            "OATH verification code",
            "Invalid or replayed verification code",
        ),
        (false, Ok(Some(_))) => ("Passkey", "MFA successfully completed"),
        (false, _) => ("Passkey", "Passkey could not be verified"),
    };
    let log = LogEntry {
        tenant: t,
        user: Some(signed.user.id),
        username: &signed.user.user_principal_name,
        app: Some((
            flow.client.app.app_id,
            flow.client.app.display_name.as_str(),
        )),
        ip: &ip,
        error_code: if matches!(verified, Ok(Some(_))) {
            0
        } else {
            500121
        },
        failure: if matches!(verified, Ok(Some(_))) {
            ""
        } else {
            detail
        },
        mfa: true,
        steps: vec![(method_name, matches!(verified, Ok(Some(_))), detail)],
    };
    match verified {
        Err(_) => super::unavailable(&headers),
        Ok(None) => {
            record(&s, log, now).await;
            if s.store
                .record_sign_in_failure(t, &key, now, &lockout)
                .await
                .is_err()
            {
                return super::unavailable(&headers);
            }
            let message = if form.contains_key("code") {
                BAD_CODE
            } else {
                passkey::BAD_PASSKEY
            };
            page(&s, &headers, &flow, &signed, Some(message), vec![]).await
        }
        Ok(Some(method)) => {
            record(&s, log, now).await;
            if s.store.clear_sign_in_failures(t, &key).await.is_err() {
                return super::unavailable(&headers);
            }
            let amr = amr_with(&signed.session.amr, method);
            if s.store
                .upgrade_session(t, signed.session.id, &amr, now)
                .await
                .is_err()
            {
                return super::login::page(&s, &headers, &flow, None, "", vec![]);
            }
            signed.session.amr = amr;
            signed.session.auth_time = now;
            let p = Progress {
                fresh_sign_in: true,
                consented_now: false,
            };
            proceed(&s, &headers, flow, Some(signed), p, vec![]).await
        }
    }
}

/// Whether `code` is a current code of one of the user's authenticator
/// apps, never used before (the step is recorded atomically).
pub(crate) async fn verify_code(
    s: &AppState,
    signed: &Signed,
    code: &str,
) -> tessera_store::StoreResult<bool> {
    let t = signed.tenant;
    let now = SystemClock.now();
    if code.len() > 16 {
        return Ok(false);
    }
    for m in s.store.auth_methods(t, signed.user.id).await? {
        let MethodDetail::SoftwareOath {
            sealed_secret,
            last_step,
        } = &m.detail
        else {
            continue;
        };
        let Ok(secret) = s
            .signin
            .sealer
            .open(sealed_secret, totp_aad(t, &m).as_bytes())
        else {
            tracing::warn!(method = %m.id, "a TOTP seed does not open under the master key");
            continue;
        };
        if let Some(step) = tessera_authn::totp::verify(&secret, code, now, *last_step) {
            return s.store.use_totp_step(t, m.id, step, now).await;
        }
    }
    Ok(false)
}

/// Whether the assertion is a fresh one by one of the user's own passkeys.
async fn verify_passkey(
    s: &AppState,
    signed: &Signed,
    state: &str,
    credential: &str,
) -> tessera_store::StoreResult<bool> {
    let t = signed.tenant;
    let Some(rp) = s.webauthn.as_ref() else {
        return Ok(false);
    };
    let Some(ceremony) = passkey::open(
        s,
        passkey::SECOND_FACTOR,
        Some(&signed.user.id.to_string()),
        state,
        SystemClock.now(),
    ) else {
        return Ok(false);
    };
    let mine: Vec<AuthMethod> = s
        .store
        .auth_methods(t, signed.user.id)
        .await?
        .into_iter()
        .filter(|m| matches!(m.detail, MethodDetail::Fido2 { .. }))
        .collect();
    let stored: Vec<_> = mine.iter().filter_map(passkey::stored).collect();
    let Ok(used) = rp.finish_second_factor(&ceremony.state, credential, &stored) else {
        return Ok(false);
    };
    let Some(method) = mine.iter().find(|m| {
        matches!(&m.detail, MethodDetail::Fido2 { credential_id, .. } if *credential_id == used.credential_id)
    }) else {
        return Ok(false);
    };
    passkey::spend(s, t, method.id, &ceremony, &used).await
}
