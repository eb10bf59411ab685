//! `/devicelogin`: where a user enters a device's code (RFC 8628 §3.3),
//! confirms the application by name ("Are you trying to sign in to …?" —
//! the defence against device-code phishing), then signs in and consents on
//! the usual pages. The pages carry `device=<user code>` as their `ctx`; the
//! record is read again on every step, so an expired or decided code stops
//! the flow wherever it is.
use super::{login, pages, proceed, request_id, Flow, Progress, Signed};
use crate::clock::SystemClock;
use crate::state::AppState;
use crate::tenant::PathTenant;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use tessera_model::{Clock, DeviceApproval, DeviceStatus, ObjectId, TenantId};
use tessera_oauth::authorize::AuthorizeRequest;
use tessera_oauth::device::normalize_user_code;
use tessera_oauth::directory::Directory;
use tessera_oauth::redirect::Platform;

/// The device authorization a sign-in is for.
#[derive(Clone, Debug)]
pub(crate) struct DeviceRef {
    /// Where the record lives (the tenant the device code was issued in).
    pub tenant: TenantId,
    pub id: ObjectId,
}

pub const CODE_NOT_VALID: &str =
    "That code didn't work. Check the code and try again: codes expire after 15 minutes and work once.";

/// GET `/devicelogin`: the code entry form.
pub async fn page(State(s): State<AppState>, headers: HeaderMap) -> Response {
    entry(&s, &headers, None)
}

fn entry(s: &AppState, headers: &HeaderMap, error: Option<&str>) -> Response {
    let mut extra = vec![];
    let csrf = login::csrf_with_cookie(s, headers, &mut extra);
    let status = pages::status_for(error);
    pages::render(
        status,
        "devicelogin.html",
        minijinja::context! { csrf, error },
        pages::csp(&[], None, &[]),
        extra,
    )
}

/// POST `/devicelogin`: a code typed (→ confirmation), or the confirmation's
/// answer (→ sign-in and consent, or the device is told "declined").
/// Too many wrong codes from one address.
const TOO_MANY: &str = "Too many codes that were not valid were entered from your network. Wait a while, then try again.";

pub async fn submit(
    State(s): State<AppState>,
    super::authn::ClientIp(ip): super::authn::ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let rid = request_id(&headers);
    let Some(form) = super::is_form(&headers)
        .then(|| super::read_form(&body))
        .flatten()
    else {
        return pages::error(StatusCode::BAD_REQUEST, "The code form is malformed.", &rid);
    };
    if !login::csrf_valid(&s, &headers, form.get("csrf")) {
        return login::csrf_failure(&headers);
    }
    // Guessing user codes: failures are counted per network source (in
    // the home tenant's throttle: the page belongs to no tenant) and the
    // source is locked with back-off, as password spraying is.
    let key = format!("device-code-source:{ip}");
    let now = SystemClock.now();
    match s.store.throttle(s.home_tenant, &key).await {
        Ok(th) if th.locked_until.is_some_and(|u| u > now) => {
            return entry(&s, &headers, Some(TOO_MANY))
        }
        Ok(_) => {}
        Err(_) => return super::unavailable(&headers),
    }
    let typed = form.get("user_code").map(String::as_str).unwrap_or("");
    let guessed_wrong = || async {
        let lock = &tessera_oauth::interaction::source_lockout;
        let _ = s
            .store
            .record_sign_in_failure(s.home_tenant, &key, now, lock)
            .await;
    };
    let flow = match flow_for(&s, &headers, typed).await {
        Ok(f) => f,
        Err(res) => {
            guessed_wrong().await;
            return res;
        }
    };
    let Some(device) = flow.device.clone() else {
        guessed_wrong().await;
        return entry(&s, &headers, Some(CODE_NOT_VALID));
    };
    match form.get("decision").map(String::as_str) {
        None => confirm(&s, &headers, &flow, typed).await,
        Some("continue") => {
            let signed = super::current_session(&s, &headers, flow.path_tenant).await;
            proceed(&s, &headers, flow, signed, Progress::default(), vec![]).await
        }
        Some("cancel") => declined(&s, &headers, &flow, &device).await,
        Some(_) => pages::error(StatusCode::BAD_REQUEST, "The code form is malformed.", &rid),
    }
}

async fn confirm(s: &AppState, headers: &HeaderMap, flow: &Flow, typed: &str) -> Response {
    let mut extra = vec![];
    let csrf = login::csrf_with_cookie(s, headers, &mut extra);
    let user = super::current_session(s, headers, flow.path_tenant)
        .await
        .map(|signed| signed.user.user_principal_name);
    let app = &flow.client.app;
    pages::render(
        StatusCode::OK,
        "devicelogin.html",
        minijinja::context! {
            csrf, user, app_name => app.display_name,
            publisher => app.settings.publisher_domain,
            user_code => normalize_user_code(typed),
        },
        pages::csp(&[], None, &[]),
        extra,
    )
}

/// The flow of a pending device authorization, from its user code. An
/// unknown, expired or decided code is the entry page with an error (the
/// same for each, so the page reveals nothing about other users' codes).
pub(crate) async fn flow_for(
    s: &AppState,
    headers: &HeaderMap,
    typed: &str,
) -> Result<Flow, Response> {
    let bad = || entry(s, headers, Some(CODE_NOT_VALID));
    let code = normalize_user_code(typed).ok_or_else(bad)?;
    let (t, rec) = match s.store.device_code_by_user_code(&code).await {
        Ok(Some(found)) => found,
        Ok(None) => return Err(bad()),
        Err(_) => return Err(super::unavailable(headers)),
    };
    if rec.status != DeviceStatus::Pending || SystemClock.now() >= rec.expires_at {
        return Err(bad());
    }
    let client = match s.directory.client(rec.client_id).await {
        Ok(Some(c)) => c,
        Ok(None) => return Err(bad()),
        Err(_) => return Err(super::unavailable(headers)),
    };
    let req = AuthorizeRequest::internal(
        rec.client_id,
        String::new(),
        Platform::PublicClient,
        rec.scope.split_whitespace().map(str::to_string).collect(),
        None,
    );
    let ctx = form_urlencoded::Serializer::new(String::new())
        .append_pair("device", &code)
        .finish();
    Ok(Flow {
        path_tenant: rec
            .user_tenant
            .map(PathTenant::Tenant)
            .unwrap_or(PathTenant::Common),
        client,
        req,
        ctx,
        via_post: true,
        device: Some(DeviceRef {
            tenant: t,
            id: rec.id,
        }),
        pushed: None,
        admin_consent: false,
        security_info: false,
    })
}

/// The user signed in (and consented): the device may now redeem its code.
pub(crate) async fn approve(
    s: &AppState,
    headers: &HeaderMap,
    flow: &Flow,
    device: &DeviceRef,
    signed: &Signed,
    extra: Vec<(HeaderName, HeaderValue)>,
) -> Response {
    let approval = DeviceApproval {
        tenant: signed.tenant,
        user_id: signed.user.id,
        session_id: signed.session.id,
        auth_time: signed.session.auth_time,
        amr: signed.session.amr.clone(),
    };
    match s
        .store
        .decide_device_code(device.tenant, device.id, Some(&approval), SystemClock.now())
        .await
    {
        Ok(true) => pages::message(
            "You're signed in",
            &format!(
                "You have signed in to {} on your device. You can close this window.",
                flow.client.app.display_name
            ),
            vec![],
            None,
            extra,
        ),
        Ok(false) => entry(s, headers, Some(CODE_NOT_VALID)),
        Err(_) => super::unavailable(headers),
    }
}

/// The user cancelled (on the confirmation or the consent page).
pub(crate) async fn declined(
    s: &AppState,
    headers: &HeaderMap,
    flow: &Flow,
    device: &DeviceRef,
) -> Response {
    match s
        .store
        .decide_device_code(device.tenant, device.id, None, SystemClock.now())
        .await
    {
        Ok(_) => pages::message(
            "Sign-in cancelled",
            &format!(
                "{} was not given access to your account. You can close this window.",
                flow.client.app.display_name
            ),
            vec![],
            None,
            vec![],
        ),
        Err(_) => super::unavailable(headers),
    }
}
