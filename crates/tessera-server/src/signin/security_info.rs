//! The user's own security info page (`/{tenant}/mysecurityinfo`, after
//! Entra's "My Sign-Ins — Security info"): the methods they have, adding an
//! authenticator app or a passkey, removing one, changing the password.
//! Viewing needs a session; changing needs a recent sign-in (≤ 10 minutes,
//! with MFA if the user has a second factor already), so a stolen or
//! forgotten session cannot quietly add the thief's authenticator.
use super::authn::{amr_with, RECENT_MINUTES};
use super::login::csrf_with_cookie;
use super::mfa::totp_aad;
use super::{pages, passkey, posted_plain, request_id, Flow, Signed};
use crate::clock::SystemClock;
use crate::state::AppState;
use crate::tenant::PathTenant;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use std::collections::BTreeMap;
use std::sync::Arc;
use tessera_authn::strength::Method;
use tessera_model::{AppId, AuthMethod, Clock, MethodDetail, ObjectId, TenantId};
use tessera_oauth::authorize::{AuthorizeRequest, Prompt};
use tessera_oauth::directory::ClientRecord;

/// Entra's "My Signins" application id: the client the page signs in as.
pub const MY_SIGNINS_APP_ID: AppId = AppId::from_u128(0x19db86c3_b2b9_44cc_b339_36da233a3be2);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/{tenant}/mysecurityinfo", get(show))
        .route(
            "/{tenant}/mysecurityinfo/totp",
            get(add_totp).post(enroll_totp),
        )
        .route("/{tenant}/mysecurityinfo/passkey", post(register_passkey))
        .route("/{tenant}/mysecurityinfo/delete", post(delete))
        .route(
            "/{tenant}/mysecurityinfo/password",
            get(super::password_change::self_service_page)
                .post(super::password_change::self_service),
        )
}

pub fn path(t: TenantId) -> String {
    format!("/{t}/mysecurityinfo")
}

/// The sign-in flow of the page itself (no client of the tenant's: a
/// built-in one whose only "redirect" is back to the page).
pub(crate) async fn flow_for(
    s: &AppState,
    segment: &str,
    headers: &HeaderMap,
    ctx_form: &BTreeMap<String, String>,
) -> Result<Flow, Response> {
    let t = match super::path_tenant(s, segment, headers).await? {
        PathTenant::Tenant(t) => t,
        _ => return Err(pages::error(
            StatusCode::BAD_REQUEST,
            "Open your security info at your organization's address (/{tenant}/mysecurityinfo).",
            &request_id(headers),
        )),
    };
    // Only form posts rebuild this flow: their answers are 303s.
    let mut f = flow(s, t, ctx_form.contains_key("reauth"));
    f.via_post = true;
    Ok(f)
}

fn flow(s: &AppState, t: TenantId, reauth: bool) -> Flow {
    let redirect = format!("{}{}", s.public_url, path(t));
    let app = tessera_model::Application {
        id: ObjectId::from_u128(MY_SIGNINS_APP_ID.0.as_u128()),
        app_id: MY_SIGNINS_APP_ID,
        display_name: "My Security Info".into(),
        sign_in_audience: tessera_model::SignInAudience::AzureADMultipleOrgs,
        settings: Default::default(),
        created_date_time: time::OffsetDateTime::UNIX_EPOCH,
    };
    let mut req = AuthorizeRequest::internal(
        MY_SIGNINS_APP_ID,
        redirect,
        tessera_oauth::redirect::Platform::Web,
        vec!["openid".into()],
        None,
    );
    if reauth {
        req.prompt = Some(Prompt::Login);
    }
    let mut ctx = form_urlencoded::Serializer::new(String::new());
    ctx.append_pair("mysecurityinfo", "1");
    if reauth {
        ctx.append_pair("reauth", "1");
    }
    Flow {
        path_tenant: PathTenant::Tenant(t),
        client: Arc::new(ClientRecord {
            home_tenant: t,
            app,
            secrets: vec![],
            certs: vec![],
        }),
        req,
        ctx: ctx.finish(),
        via_post: false,
        device: None,
        pushed: None,
        admin_consent: false,
        security_info: true,
    }
}

/// Whether the session may change security info now.
pub(crate) fn recent(signed: &Signed, has_second_factor: bool) -> bool {
    let fresh =
        SystemClock.now() - signed.session.auth_time <= time::Duration::minutes(RECENT_MINUTES);
    fresh && (!has_second_factor || signed.session.amr.iter().any(|a| a == "mfa"))
}

/// Whether the session completed the sign-in the tenant asks of this user:
/// no second factor and no forced password change still to come. (A user
/// who must register a second factor and has none counts as signed in:
/// registering it is what the security info page is for.)
async fn fully_signed_in(s: &AppState, signed: &Signed) -> tessera_store::StoreResult<bool> {
    let admin = super::is_admin(s, signed.tenant, &signed.user).await?;
    let need = super::authn::need(s, signed, &[], admin, SystemClock.now()).await?;
    Ok(matches!(
        need,
        super::authn::Need::Nothing | super::authn::Need::Register
    ))
}

/// The page's tenant and the browser's session in it; otherwise the
/// sign-in page that leads back here.
pub(crate) async fn session_or_sign_in(
    s: &AppState,
    segment: &str,
    headers: &HeaderMap,
    reauth: bool,
) -> Result<Signed, Response> {
    let form = BTreeMap::from([("mysecurityinfo".to_string(), "1".to_string())]);
    let f = flow_for(s, segment, headers, &form).await?;
    let PathTenant::Tenant(t) = f.path_tenant else {
        return Err(super::unavailable(headers));
    };
    let signed = super::current_session(s, headers, f.path_tenant).await;
    // Half way through a sign-in (the second factor or a forced password
    // change still to come): no security-info page or action; the sign-in
    // page, with 403.
    let half = match &signed {
        Some(x) if !reauth => !fully_signed_in(s, x)
            .await
            .map_err(|_| super::unavailable(headers))?,
        _ => false,
    };
    match signed {
        Some(signed) if !reauth && !half => Ok(signed),
        signed => {
            let hint = signed
                .map(|x| x.user.user_principal_name)
                .unwrap_or_default();
            let mut page = super::login::page(s, headers, &flow(s, t, reauth), None, &hint, vec![]);
            if half {
                *page.status_mut() = axum::http::StatusCode::FORBIDDEN;
            }
            Err(page)
        }
    }
}

async fn show(
    State(s): State<AppState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let reauth = q
        .as_deref()
        .is_some_and(|q| q.split('&').any(|p| p == "reauth=1"));
    let signed = match session_or_sign_in(&s, &segment, &headers, reauth).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    overview(&s, &headers, &signed, None, StatusCode::OK).await
}

/// The list of methods, with the forms to change them when allowed.
async fn overview(
    s: &AppState,
    headers: &HeaderMap,
    signed: &Signed,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let t = signed.tenant;
    let (policy, methods, password) = match (
        crate::authn_policy::load(s.store.as_ref(), t).await,
        s.store.auth_methods(t, signed.user.id).await,
        s.store.password_state(t, signed.user.id).await,
    ) {
        (Ok(p), Ok(m), Ok(pw)) => (p, m, pw),
        _ => return super::unavailable(headers),
    };
    let has_second = methods.iter().any(|m| m.detail.is_second_factor());
    let can_change = recent(signed, has_second);
    let mut listed: Vec<minijinja::Value> = Vec::new();
    if password.and_then(|p| p.hash).is_some() {
        listed.push(minijinja::context! { kind => "password", id => "28c10230-6103-485e-b985-444c60001490", name => "Password", detail => "" });
    }
    for m in &methods {
        let (name, detail) = describe(m);
        listed.push(minijinja::context! { kind => m.detail.kind(), id => m.id.to_string(), name, detail, label => m.display_name });
    }
    let mut extra = vec![];
    let csrf = csrf_with_cookie(s, headers, &mut extra);
    let registration = if can_change && policy.fido2_enabled && policy.fido2_self_service {
        registration_form(s, signed, &methods, &policy.fido2, None)
    } else {
        None
    };
    let csp = if registration.is_some() {
        pages::csp_with_script(&[])
    } else {
        pages::csp(&[], None, &[])
    };
    pages::render(
        status,
        "securityinfo.html",
        minijinja::context! {
            user => signed.user.user_principal_name,
            base => path(t),
            methods => listed,
            can_change, csrf, error, registration,
            totp_allowed => policy.software_oath_enabled,
        },
        csp,
        extra,
    )
}

fn describe(m: &AuthMethod) -> (&'static str, String) {
    match &m.detail {
        MethodDetail::SoftwareOath { .. } => ("Authenticator app", String::new()),
        MethodDetail::Fido2 { .. } => ("Passkey", String::new()),
        detail @ MethodDetail::TemporaryAccessPass { .. } => {
            let state =
                tessera_authn::tap::TapWindow::of(detail).map(|w| w.state(SystemClock.now()));

            (
                "Temporary Access Pass",
                state
                    .map(|st| st.usability_reason())
                    .unwrap_or_default()
                    .to_string(),
            )
        }
    }
}

/// The passkey registration form's context (options and sealed state).
fn registration_form(
    s: &AppState,
    signed: &Signed,
    methods: &[AuthMethod],
    policy: &tessera_authn::webauthn::Fido2Policy,
    ctx: Option<&str>,
) -> Option<minijinja::Value> {
    let rp = s.webauthn.as_ref()?;
    let exclude: Vec<Vec<u8>> = methods
        .iter()
        .filter_map(|m| match &m.detail {
            MethodDetail::Fido2 { credential_id, .. } => Some(credential_id.clone()),
            _ => None,
        })
        .collect();
    let reg = rp
        .start_registration(
            signed.user.id.0,
            &signed.user.user_principal_name,
            &signed.user.display_name,
            &exclude,
            policy,
        )
        .ok()?;
    let state = passkey::seal(
        s,
        passkey::REGISTER,
        Some(&signed.user.id.to_string()),
        &reg.state,
        &reg.challenge,
        SystemClock.now(),
    )?;
    Some(minijinja::context! {
        action => format!("{}/passkey", path(signed.tenant)),
        options => reg.options_json, state, ctx,
    })
}

async fn add_totp(
    State(s): State<AppState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
) -> Response {
    let signed = match session_or_sign_in(&s, &segment, &headers, false).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    enroll_page(&s, &headers, &signed, None, None, None, vec![]).await
}

/// The enrollment page: a new authenticator-app secret (QR code, text and
/// `otpauth://` link) sealed into the form, and the passkey registration.
/// `ctx`: the sign-in flow to go on with afterwards (an administrator who
/// must register), or `None` for the security info page.
pub(crate) async fn enroll_page(
    s: &AppState,
    headers: &HeaderMap,
    signed: &Signed,
    ctx: Option<&str>,
    error: Option<&str>,
    reuse: Option<&str>,
    mut extra: Vec<(HeaderName, HeaderValue)>,
) -> Response {
    let t = signed.tenant;
    let (policy, methods) = match (
        crate::authn_policy::load(s.store.as_ref(), t).await,
        s.store.auth_methods(t, signed.user.id).await,
    ) {
        (Ok(p), Ok(m)) => (p, m),
        _ => return super::unavailable(headers),
    };
    let has_second = methods.iter().any(|m| m.detail.is_second_factor());
    if ctx.is_none() && !recent(signed, has_second) {
        return reauth_needed(s, headers, signed).await;
    }
    let now = SystemClock.now();
    let totp = if policy.software_oath_enabled {
        // After a wrong code the same secret is shown again: the user's app
        // already holds it.
        let user = signed.user.id.to_string();
        let kept = reuse.and_then(|e| {
            passkey::open(s, TOTP_ENROLL, Some(&user), e, now)
                .map(|c| (zeroize::Zeroizing::new(c.state), e.to_string()))
        });
        let (secret, enrollment) = match kept {
            Some((secret, sealed)) => (secret, Some(sealed)),
            None => {
                let secret = tessera_authn::totp::new_secret(&mut rand::rngs::OsRng);
                let sealed = passkey::seal(s, TOTP_ENROLL, Some(&user), &secret, &[], now);
                (secret, sealed)
            }
        };
        let uri =
            tessera_authn::totp::otpauth_uri(&secret, "Tessera", &signed.user.user_principal_name);
        let qr = tessera_authn::totp::qr_data_uri(&uri).ok();
        match (qr, enrollment) {
            (Some(qr), Some(enrollment)) => Some(minijinja::context! {
                qr, uri, enrollment,
                secret => tessera_authn::totp::base32(&secret),
                action => format!("{}/totp", path(t)),
            }),
            _ => None,
        }
    } else {
        None
    };
    let registration = if policy.fido2_enabled && (policy.fido2_self_service || ctx.is_some()) {
        registration_form(s, signed, &methods, &policy.fido2, ctx)
    } else {
        None
    };
    let csrf = csrf_with_cookie(s, headers, &mut extra);
    let csp = if registration.is_some() {
        pages::csp_with_script(&[])
    } else {
        pages::csp(&[], None, &[])
    };
    pages::render(
        pages::status_for(error),
        "register.html",
        minijinja::context! {
            user => signed.user.user_principal_name,
            required => ctx.is_some(),
            back => path(t),
            totp, registration, csrf, error, ctx,
        },
        csp,
        extra,
    )
}

const TOTP_ENROLL: &str = "totp-enroll";
const NOT_RECENT: &str = "To change your security info, sign in again first.";

async fn reauth_needed(s: &AppState, headers: &HeaderMap, signed: &Signed) -> Response {
    overview(s, headers, signed, Some(NOT_RECENT), StatusCode::FORBIDDEN).await
}

/// A posted security-info form: CSRF-checked, with a session; `Err` is the
/// answer. `ctx` in the form means an enrollment during sign-in.
async fn change_request(
    s: &AppState,
    segment: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(BTreeMap<String, String>, Signed, Option<Flow>), Response> {
    let form = posted_plain(s, headers, body, "security info")?;
    if let Some(ctx) = form.get("ctx").filter(|c| !c.is_empty()) {
        let (form, flow) = super::posted(s, segment, headers, body, "security info").await?;
        let _ = ctx;
        let Some(signed) = super::current_session(s, headers, flow.path_tenant).await else {
            return Err(super::login::page(s, headers, &flow, None, "", vec![]));
        };
        // Registering during sign-in (the interrupt for a user who must
        // have a second factor and has none): the same rule as below, so a
        // form with a `ctx` opens no way around it.
        if !may_change(s, headers, &signed).await? {
            return Err(super::login::page(s, headers, &flow, None, "", vec![]));
        }
        return Ok((form, signed, Some(flow)));
    }
    let signed = session_or_sign_in(s, segment, headers, false).await?;
    if !may_change(s, headers, &signed).await? {
        return Err(reauth_needed(s, headers, &signed).await);
    }
    Ok((form, signed, None))
}

/// Whether this session may change security info now ([`recent`]).
async fn may_change(s: &AppState, headers: &HeaderMap, signed: &Signed) -> Result<bool, Response> {
    let methods = s
        .store
        .auth_methods(signed.tenant, signed.user.id)
        .await
        .map_err(|_| super::unavailable(headers))?;
    let has_second = methods.iter().any(|m| m.detail.is_second_factor());
    Ok(recent(signed, has_second))
}

/// After a method was added: the flow goes on (with the session raised:
/// the user has just proven the new factor) or back to the page.
async fn added(
    s: &AppState,
    headers: &HeaderMap,
    mut signed: Signed,
    flow: Option<Flow>,
    method: Method,
) -> Response {
    let now = SystemClock.now();
    let amr = amr_with(&signed.session.amr, method);
    if s.store
        .upgrade_session(signed.tenant, signed.session.id, &amr, now)
        .await
        .is_err()
    {
        return super::unavailable(headers);
    }
    signed.session.amr = amr;
    signed.session.auth_time = now;
    match flow {
        Some(flow) => {
            let p = super::Progress {
                fresh_sign_in: true,
                consented_now: false,
            };
            super::proceed(s, headers, flow, Some(signed), p, vec![]).await
        }
        None => super::redirect(StatusCode::SEE_OTHER, &path(signed.tenant), vec![]),
    }
}

async fn enroll_totp(
    State(s): State<AppState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (form, signed, flow) = match change_request(&s, &segment, &headers, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let t = signed.tenant;
    let now = SystemClock.now();
    let ctx = flow.as_ref().map(|f| f.ctx.clone());
    let posted = form.get("enrollment").cloned();
    let again = |error: &'static str| {
        let (s, headers, signed, ctx, posted) =
            (&s, &headers, &signed, ctx.clone(), posted.clone());
        async move {
            enroll_page(
                s,
                headers,
                signed,
                ctx.as_deref(),
                Some(error),
                posted.as_deref(),
                vec![],
            )
            .await
        }
    };
    let policy = match crate::authn_policy::load(s.store.as_ref(), t).await {
        Ok(p) => p,
        Err(_) => return super::unavailable(&headers),
    };
    if !policy.software_oath_enabled {
        return again("Authenticator apps are turned off in your organization.").await;
    }
    let opened = form
        .get("enrollment")
        .and_then(|e| passkey::open(&s, TOTP_ENROLL, Some(&signed.user.id.to_string()), e, now));
    let Some(ceremony) = opened else {
        return again("This page has expired. Scan the new code and try again.").await;
    };
    let code = form.get("code").map(String::as_str).unwrap_or("");
    let Some(step) = tessera_authn::totp::verify(&ceremony.state, code, now, 0) else {
        return again(super::mfa::BAD_CODE).await;
    };
    let mut method = AuthMethod {
        id: ObjectId::random(&mut rand::rngs::OsRng),
        user_id: signed.user.id,
        display_name: "Authenticator app".into(),
        created_at: now,
        last_used_at: Some(now),
        detail: MethodDetail::SoftwareOath {
            sealed_secret: vec![],
            last_step: step,
        },
    };
    let Ok(sealed) = s.signin.sealer.seal(
        &ceremony.state,
        totp_aad(t, &method).as_bytes(),
        &mut rand::rngs::OsRng,
    ) else {
        return super::unavailable(&headers);
    };
    method.detail = MethodDetail::SoftwareOath {
        sealed_secret: sealed,
        last_step: step,
    };
    // The enrollment's secret is single use: its seal digest is spent.
    let digest =
        tessera_crypto::sha256(form.get("enrollment").map(String::as_bytes).unwrap_or(&[]));
    match s
        .store
        .consume_challenge(t, &digest, ceremony.expires_at)
        .await
    {
        Ok(true) => {}
        Ok(false) => return again("This code was already added.").await,
        Err(_) => return super::unavailable(&headers),
    }
    if s.store.insert_auth_method(t, &method, now).await.is_err() {
        return super::unavailable(&headers);
    }
    added(&s, &headers, signed, flow, Method::SoftwareOath).await
}

async fn register_passkey(
    State(s): State<AppState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (form, signed, flow) = match change_request(&s, &segment, &headers, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let t = signed.tenant;
    let now = SystemClock.now();
    let ctx = flow.as_ref().map(|f| f.ctx.clone());
    let again = |error: String| {
        let (s, headers, signed, ctx) = (&s, &headers, &signed, ctx.clone());
        async move {
            enroll_page(
                s,
                headers,
                signed,
                ctx.as_deref(),
                Some(&error),
                None,
                vec![],
            )
            .await
        }
    };
    let (Some(rp), Ok(policy)) = (
        s.webauthn.clone(),
        crate::authn_policy::load(s.store.as_ref(), t).await,
    ) else {
        return again("Passkeys are not available here.".into()).await;
    };
    if !policy.fido2_enabled {
        return again("Passkeys are turned off in your organization.".into()).await;
    }
    let opened = form.get("state").and_then(|st| {
        passkey::open(
            &s,
            passkey::REGISTER,
            Some(&signed.user.id.to_string()),
            st,
            now,
        )
    });
    let (Some(ceremony), Some(credential)) = (opened, form.get("credential")) else {
        return again("This page has expired. Try again.".into()).await;
    };
    let stored = match rp.finish_registration(&ceremony.state, credential, &policy.fido2) {
        Ok(p) => p,
        Err(tessera_authn::webauthn::WebauthnFailure::NotAllowed(why)) => {
            return again(format!(
                "Your organization does not allow this passkey: {why}."
            ))
            .await
        }
        Err(_) => return again("The passkey could not be registered. Try again.".into()).await,
    };
    let digest = tessera_crypto::sha256(&ceremony.challenge);
    match s
        .store
        .consume_challenge(t, &digest, ceremony.expires_at)
        .await
    {
        Ok(true) => {}
        Ok(false) => return again("This registration was already used.".into()).await,
        Err(_) => return super::unavailable(&headers),
    }
    let name = form
        .get("display_name")
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
        .map(|n| n.chars().take(64).collect::<String>())
        .unwrap_or_else(|| "Passkey".into());
    let method = AuthMethod {
        id: ObjectId::random(&mut rand::rngs::OsRng),
        user_id: signed.user.id,
        display_name: name,
        created_at: now,
        last_used_at: Some(now),
        detail: MethodDetail::Fido2 {
            credential_id: stored.credential_id,
            aaguid: stored.aaguid,
            attestation_format: stored.attestation_format,
            passkey: stored.passkey_json,
            counter: i64::from(stored.counter),
        },
    };
    match s.store.insert_auth_method(t, &method, now).await {
        Ok(()) => added(&s, &headers, signed, flow, Method::Fido2).await,
        Err(tessera_store::StoreError::Conflict(_)) => {
            again("This passkey is registered already.".into()).await
        }
        Err(_) => super::unavailable(&headers),
    }
}

async fn delete(
    State(s): State<AppState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (form, signed, _) = match change_request(&s, &segment, &headers, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = form.get("id").and_then(|i| i.parse::<ObjectId>().ok()) else {
        return overview(
            &s,
            &headers,
            &signed,
            Some("No such method."),
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    match s
        .store
        .delete_auth_method(signed.tenant, signed.user.id, id, SystemClock.now())
        .await
    {
        Ok(()) => super::redirect(StatusCode::SEE_OTHER, &path(signed.tenant), vec![]),
        Err(tessera_store::StoreError::NotFound) => {
            overview(
                &s,
                &headers,
                &signed,
                Some("No such method."),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(_) => super::unavailable(&headers),
    }
}
