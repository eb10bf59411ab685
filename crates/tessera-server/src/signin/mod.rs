//! The user-facing side of sign-in: the authorization endpoint (GET and POST
//! share one body), the sign-in and consent pages and their form posts, and
//! the answer to the client. Each step re-validates the original request,
//! which the pages carry in a hidden field: nothing about the flow is kept
//! on the server until the user has signed in. Protocol decisions are the
//! engine's (`tessera_oauth::interaction`); this module renders and routes.
pub mod adminconsent;
pub mod authn;
pub mod consent;
pub mod cookies;
pub mod device;
pub mod login;
pub mod logout;
pub mod mfa;
pub mod pages;
pub mod passkey;
pub mod password_change;
pub mod passwords;
pub mod security_info;

use crate::clock::SystemClock;
use crate::state::AppState;
use crate::tenant::PathTenant;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::collections::BTreeMap;
use std::sync::Arc;
use tessera_model::{AppId, Clock, SsoSession, TenantId, User};
use tessera_oauth::authorize::{AuthorizeRequest, Rejection, ResponseMode};
use tessera_oauth::delegated::{self, Resolved};
use tessera_oauth::directory::{ClientRecord, Directory};
use tessera_oauth::interaction::{decide, ClientAnswer, Decision, Situation};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/{tenant}/oauth2/v2.0/authorize",
            get(authorize_get).post(authorize_post),
        )
        .route("/{tenant}/login", post(login::submit))
        .route("/{tenant}/login/tap", post(login::submit))
        .route("/{tenant}/login/passkey", post(passkey::submit))
        .route("/{tenant}/login/mfa", post(mfa::submit))
        .route("/{tenant}/login/password", post(password_change::submit))
        .merge(security_info::routes())
        .route("/{tenant}/consent", post(consent::submit))
        .route("/devicelogin", get(device::page).post(device::submit))
        .route("/{tenant}/adminconsent", get(adminconsent::start))
        .route(
            "/{tenant}/oauth2/v2.0/logout",
            get(logout::get).post(logout::post),
        )
        .route("/static/tessera.css", get(pages::stylesheet))
        .route("/static/webauthn.js", get(pages::webauthn_script))
}

/// A validated authorization request and what it was validated against.
pub(crate) struct Flow {
    pub path_tenant: PathTenant,
    pub client: Arc<ClientRecord>,
    pub req: AuthorizeRequest,
    /// The request's parameters, re-encoded: what the pages' forms carry.
    pub ctx: String,
    /// Whether this step answers a form post (then redirects are 303).
    pub via_post: bool,
    /// For a device's sign-in (`/devicelogin`): the device authorization to
    /// approve instead of answering a redirect URI.
    pub device: Option<device::DeviceRef>,
    /// For a pushed request (RFC 9126): its tenant and digest, marked used
    /// when a code is issued from it.
    pub pushed: Option<(TenantId, Vec<u8>)>,
    /// For `/adminconsent`: grant for the organisation, answer without a code.
    pub admin_consent: bool,
    /// For the security info page: sign in, then go back to it.
    pub security_info: bool,
}

/// A signed-in browser: its live session, the user and their tenant.
pub(crate) struct Signed {
    pub tenant: TenantId,
    pub session: SsoSession,
    pub user: User,
}

/// What happened earlier in this very request.
#[derive(Clone, Copy, Default)]
pub(crate) struct Progress {
    pub fresh_sign_in: bool,
    pub consented_now: bool,
}

pub(crate) fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// A form body (or query) as a map; repeated parameters are refused.
pub(crate) fn read_form(raw: &[u8]) -> Option<BTreeMap<String, String>> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw).into_owned().take(100).collect();
    tessera_oauth::request::unique_form(pairs).ok()
}

pub(crate) fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            t.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
}

async fn authorize_get(
    State(s): State<AppState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    authorize(
        s,
        segment,
        headers,
        q.unwrap_or_default().into_bytes(),
        false,
    )
    .await
}

async fn authorize_post(
    State(s): State<AppState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !is_form(&headers) {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "The request must be a form (application/x-www-form-urlencoded).",
            &request_id(&headers),
        );
    }
    authorize(s, segment, headers, body.to_vec(), true).await
}

async fn authorize(
    s: AppState,
    segment: String,
    headers: HeaderMap,
    raw: Vec<u8>,
    via_post: bool,
) -> Response {
    let flow = match start(&s, &segment, &headers, &raw, via_post).await {
        Ok(f) => f,
        Err(res) => return res,
    };
    let signed = current_session(&s, &headers, flow.path_tenant).await;
    proceed(&s, &headers, flow, signed, Progress::default(), vec![]).await
}

fn unavailable(headers: &HeaderMap) -> Response {
    let mut res = pages::error(
        StatusCode::SERVICE_UNAVAILABLE,
        "The service is temporarily unavailable. Try again in a moment.",
        &request_id(headers),
    );
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    res
}

/// The tenant a page's path names; an unknown one is an error page.
pub(crate) async fn path_tenant(
    s: &AppState,
    segment: &str,
    headers: &HeaderMap,
) -> Result<PathTenant, Response> {
    match s.directory.tenant(segment).await {
        Ok(PathTenant::Unknown) => Err(pages::error(
            StatusCode::BAD_REQUEST,
            "The tenant in the address does not exist (AADSTS90002).",
            &request_id(headers),
        )),
        Ok(t) => Ok(t),
        Err(_) => Err(unavailable(headers)),
    }
}

/// Parses and validates an authorization request. Until its client and
/// redirect URI are known to match, every problem is an error page.
pub(crate) async fn start(
    s: &AppState,
    segment: &str,
    headers: &HeaderMap,
    raw: &[u8],
    via_post: bool,
) -> Result<Flow, Response> {
    let rid = request_id(headers);
    let bad = |m: &str| pages::error(StatusCode::BAD_REQUEST, m, &rid);
    let mut form = read_form(raw).ok_or_else(|| bad("A parameter was given more than once."))?;
    let pushed = match form.get("request_uri").cloned() {
        Some(uri) => {
            let (t, digest, params) = pushed_request(s, headers, &form, &uri).await?;
            form = params;
            Some((t, digest, uri))
        }
        None => None,
    };
    let path_tenant = path_tenant(s, segment, headers).await?;
    let client = match form.get("client_id").and_then(|c| c.parse::<AppId>().ok()) {
        Some(id) => s
            .directory
            .client(id)
            .await
            .map_err(|_| unavailable(headers))?,
        None => None,
    };
    let req = match tessera_oauth::authorize::validate(&form, client.as_ref().map(|c| &c.app)) {
        Ok(r) => r,
        Err(Rejection::ErrorPage { message }) => return Err(bad(&message)),
        Err(Rejection::Redirect {
            redirect_uri,
            mode,
            error,
            description,
            state,
        }) => {
            let iss = path_issuer(s, path_tenant);
            let a = ClientAnswer::error(
                &redirect_uri,
                mode,
                error,
                &description,
                state.as_deref(),
                iss,
            );
            return Err(answer(a, via_post, vec![]));
        }
    };
    let client = client.ok_or_else(|| bad("No application has this client_id."))?;
    if let (Some((t, _, _)), PathTenant::Tenant(p)) = (&pushed, path_tenant) {
        if *t != p {
            return Err(bad("The request_uri belongs to another tenant."));
        }
    }
    // A pushed request's pages carry its reference, never its parameters.
    let ctx = match &pushed {
        Some((_, _, uri)) => form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", &client.app.app_id.to_string())
            .append_pair("request_uri", uri)
            .finish(),
        None => form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter())
            .finish(),
    };
    Ok(Flow {
        path_tenant,
        client,
        req,
        ctx,
        via_post,
        device: None,
        pushed: pushed.map(|(t, digest, _)| (t, digest)),
        admin_consent: false,
        security_info: false,
    })
}

/// The parameters of a pushed request (RFC 9126 §4): the authorize request
/// names only `client_id` and `request_uri`; the stored parameters are the
/// request. Unknown, expired, used or another client's: an error page.
async fn pushed_request(
    s: &AppState,
    headers: &HeaderMap,
    form: &BTreeMap<String, String>,
    uri: &str,
) -> Result<(TenantId, Vec<u8>, BTreeMap<String, String>), Response> {
    let bad = || {
        pages::error(
            StatusCode::BAD_REQUEST,
            "The request_uri is unknown, expired or already used. Start signing in again from the application.",
            &request_id(headers),
        )
    };
    let (t, digest) = tessera_oauth::par::request_uri_key(uri).ok_or_else(bad)?;
    let rec = match s.store.get_pushed_request(t, &digest).await {
        Ok(Some(r)) => r,
        Ok(None) => return Err(bad()),
        Err(_) => return Err(unavailable(headers)),
    };
    let now = SystemClock.now();
    if rec.used_at.is_some() || now >= rec.expires_at {
        return Err(bad());
    }
    if form.get("client_id").map(String::as_str) != Some(rec.client_id.to_string().as_str()) {
        return Err(bad());
    }
    let params = read_form(rec.params.as_bytes()).ok_or_else(bad)?;
    Ok((t, digest, params))
}

/// A posted page form: well-formed, with this browser's CSRF token.
#[allow(clippy::result_large_err)] // the error is the page to answer with
pub(crate) fn posted_plain(
    s: &AppState,
    headers: &HeaderMap,
    body: &[u8],
    what: &str,
) -> Result<BTreeMap<String, String>, Response> {
    let Some(form) = is_form(headers).then(|| read_form(body)).flatten() else {
        return Err(pages::error(
            StatusCode::BAD_REQUEST,
            &format!("The {what} form is malformed."),
            &request_id(headers),
        ));
    };
    if !login::csrf_valid(s, headers, form.get("csrf")) {
        return Err(login::csrf_failure(headers));
    }
    Ok(form)
}

/// The common start of the pages' form posts: a well-formed form, a valid
/// CSRF token, and the original request (`ctx`) still valid.
pub(crate) async fn posted(
    s: &AppState,
    segment: &str,
    headers: &HeaderMap,
    body: &[u8],
    what: &str,
) -> Result<(BTreeMap<String, String>, Flow), Response> {
    let form = posted_plain(s, headers, body, what)?;
    let ctx = form.get("ctx").map(String::as_str).unwrap_or("");
    let ctx_form = read_form(ctx.as_bytes()).unwrap_or_default();
    let flow = if let Some(code) = ctx_form.get("device") {
        device::flow_for(s, headers, code).await?
    } else if ctx_form.contains_key("mysecurityinfo") {
        security_info::flow_for(s, segment, headers, &ctx_form).await?
    } else if ctx_form.contains_key("adminconsent") {
        adminconsent::flow_for(s, segment, headers, &ctx_form).await?
    } else {
        start(s, segment, headers, ctx.as_bytes(), true).await?
    };
    Ok((form, flow))
}

fn path_issuer(s: &AppState, t: PathTenant) -> Option<String> {
    match t {
        PathTenant::Tenant(t) => Some(tessera_oauth::token::issuer(&s.public_url, t)),
        _ => None,
    }
}

/// The browser's session, if its cookie names a live one of an enabled user
/// (of the path's tenant, unless the path is `common`/`organizations`).
pub(crate) async fn current_session(
    s: &AppState,
    headers: &HeaderMap,
    path: PathTenant,
) -> Option<Signed> {
    let names = cookies::names(s.tls);
    let (t, id, secret) = cookies::parse_session(cookies::get(headers, names.session)?)?;
    if let PathTenant::Tenant(p) = path {
        if p != t {
            return None;
        }
    }
    let session = s.store.get_session(t, id).await.ok()??;
    if !tessera_crypto::verify_secret(secret, &session.secret_digest) {
        return None;
    }
    if !session.is_live(SystemClock.now()) {
        return None;
    }
    let user = s.store.get_user(t, session.user_id).await.ok()??;
    user.account_enabled.then_some(Signed {
        tenant: t,
        session,
        user,
    })
}

/// The answer to the client: a redirect (query or fragment), or a page that
/// posts the parameters (form_post).
pub(crate) fn answer(
    a: ClientAnswer,
    via_post: bool,
    extra: Vec<(HeaderName, HeaderValue)>,
) -> Response {
    if a.mode == ResponseMode::FormPost {
        let targets: Vec<String> = pages::origin(&a.redirect_uri).into_iter().collect();
        let hash = pages::form_post_script_hash();
        let params: Vec<(String, String)> = a
            .params
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        return pages::render(
            StatusCode::OK,
            "form_post.html",
            minijinja::context! { redirect_uri => a.redirect_uri, params, script => pages::FORM_POST_SCRIPT },
            pages::csp(&targets, Some(&hash), &[]),
            extra,
        );
    }
    let status = if via_post {
        StatusCode::SEE_OTHER
    } else {
        StatusCode::FOUND
    };
    redirect(status, &a.location(), extra)
}

/// A `no-store` redirect to `location` (with cookies or other headers).
pub(crate) fn redirect(
    status: StatusCode,
    location: &str,
    extra: Vec<(HeaderName, HeaderValue)>,
) -> Response {
    let mut res = status.into_response();
    let h = res.headers_mut();
    match HeaderValue::from_str(location) {
        Ok(v) => {
            h.insert(header::LOCATION, v);
        }
        Err(_) => {
            return pages::error(
                StatusCode::BAD_REQUEST,
                "The redirect URI cannot be used.",
                "",
            )
        }
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    for (k, v) in extra {
        h.append(k, v);
    }
    res
}

fn fail(
    flow: &Flow,
    error: &str,
    description: &str,
    issuer: Option<String>,
    extra: Vec<(HeaderName, HeaderValue)>,
) -> Response {
    if flow.device.is_some() {
        // A device has no redirect URI: the user reads the error here.
        return pages::error(StatusCode::BAD_REQUEST, description, "");
    }
    let a = ClientAnswer::error(
        &flow.req.redirect_uri,
        flow.req.response_mode,
        error,
        description,
        flow.req.state.as_deref(),
        issuer,
    );
    answer(a, flow.via_post, extra)
}

/// Decides and does the next step of a valid request.
pub(crate) async fn proceed(
    s: &AppState,
    headers: &HeaderMap,
    flow: Flow,
    signed: Option<Signed>,
    p: Progress,
    extra: Vec<(HeaderName, HeaderValue)>,
) -> Response {
    let now = SystemClock.now();
    let rid = request_id(headers);
    let Some(signed) = signed else {
        let situation = Situation {
            session: None,
            fresh_sign_in: false,
            consented_now: false,
            consent_missing: false,
            needs_admin: false,
        };
        return match decide(&flow.req, situation, now) {
            Decision::Fail(e, d) => fail(&flow, e, d, path_issuer(s, flow.path_tenant), extra),
            _ => login::page(
                s,
                headers,
                &flow,
                None,
                flow.req.login_hint.as_deref().unwrap_or(""),
                extra,
            ),
        };
    };
    let t = signed.tenant;
    let iss = Some(tessera_oauth::token::issuer(&s.public_url, t));
    let app = &flow.client.app;
    if t != flow.client.home_tenant
        && app.sign_in_audience == tessera_model::SignInAudience::AzureADMyOrg
    {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "This application is not available to users of your organization (AADSTS50020).",
            &rid,
        );
    }
    let admin = match is_admin(s, t, &signed.user).await {
        Ok(a) => a,
        Err(_) => return unavailable(headers),
    };
    if !tessera_oauth::interaction::must_sign_in_again(
        &flow.req,
        &signed.session,
        p.fresh_sign_in,
        now,
    ) {
        let need = match authn::need(s, &signed, &flow.req.acr_values, admin, now).await {
            Ok(n) => n,
            Err(_) => return unavailable(headers),
        };
        let none = flow.req.prompt == Some(tessera_oauth::authorize::Prompt::None);
        match need {
            authn::Need::Nothing => {}
            _ if none => {
                return fail(
                    &flow,
                    "interaction_required",
                    "The user must complete sign-in (a second factor or a password change); prompt=none forbids showing it.",
                    iss.clone(),
                    extra,
                )
            }
            authn::Need::ChangePassword => {
                return password_change::page(s, headers, &flow, &signed, None, extra).await
            }
            authn::Need::SecondFactor => return mfa::page(s, headers, &flow, &signed, None, extra).await,
            authn::Need::Register => {
                return mfa::register_page(s, headers, &flow, &signed, None, extra).await
            }
        }
    }
    if flow.security_info {
        let status = if flow.via_post {
            StatusCode::SEE_OTHER
        } else {
            StatusCode::FOUND
        };
        return redirect(status, &security_info::path(t), extra);
    }
    if flow.admin_consent {
        return adminconsent::proceed(s, headers, &flow, &signed, p, extra).await;
    }
    let resolved = match delegated::resolve(
        s.directory.as_ref(),
        &s.public_url,
        t,
        app,
        &flow.req.scope.join(" "),
    )
    .await
    {
        Ok(r) => r,
        Err(e) if e.code() == tessera_oauth::ErrorCode::TemporarilyUnavailable => {
            return unavailable(headers)
        }
        Err(e) => return fail(&flow, e.code().as_str(), &e.to_string(), iss, extra),
    };
    let client_sp = match s.directory.service_principal(t, app.app_id).await {
        Ok(sp) => sp,
        Err(_) => return unavailable(headers),
    };
    if client_sp.as_ref().is_some_and(|sp| !sp.account_enabled) {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "This application is disabled in your organization (AADSTS7000112).",
            &rid,
        );
    }
    if let Some(sp) = client_sp
        .as_ref()
        .filter(|sp| sp.app_role_assignment_required)
    {
        let mut holders = vec![signed.user.id];
        match s.store.transitive_member_of(t, signed.user.id).await {
            Ok(groups) => holders.extend(groups),
            Err(_) => return unavailable(headers),
        }
        match tessera_oauth::assignment::holds_assignment(s.store.as_ref(), t, sp, &holders)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                return pages::error(
                    StatusCode::FORBIDDEN,
                    "Your administrator has configured this application to block users unless they are specifically assigned to it (AADSTS50105).",
                    &rid,
                )
            }
            Err(_) => return unavailable(headers),
        }
    }
    let missing = match delegated::missing_consent(
        s.store.as_ref(),
        t,
        client_sp.as_ref().map(|sp| sp.id),
        Some(signed.user.id),
        &resolved,
    )
    .await
    {
        Ok(m) => m,
        Err(_) => return unavailable(headers),
    };
    let needs_admin = !admin
        && missing
            .iter()
            .any(|(r, vals)| vals.iter().any(|v| delegated::admin_only(r, v)));
    let situation = Situation {
        session: Some(&signed.session),
        fresh_sign_in: p.fresh_sign_in,
        consented_now: p.consented_now,
        consent_missing: !missing.is_empty(),
        needs_admin,
    };
    match decide(&flow.req, situation, now) {
        Decision::ShowSignIn => login::page(
            s,
            headers,
            &flow,
            None,
            &signed.user.user_principal_name,
            extra,
        ),
        Decision::ShowConsent => {
            consent::page(
                s, headers, &flow, &signed, &resolved, &missing, admin, extra,
            )
            .await
        }
        Decision::Fail(e, d) => fail(&flow, e, d, iss, extra),
        Decision::Issue => {
            if let Some(d) = &flow.device {
                return device::approve(s, headers, &flow, d, &signed, extra).await;
            }
            if let Some((pt, digest)) = &flow.pushed {
                match s.store.use_pushed_request(*pt, digest, now).await {
                    Ok(true) => {}
                    Ok(false) => {
                        return pages::error(
                            StatusCode::BAD_REQUEST,
                            "This sign-in request was already used. Start signing in again from the application.",
                            &rid,
                        )
                    }
                    Err(_) => return unavailable(headers),
                }
            }
            let (code, record) = tessera_oauth::interaction::new_code(
                t,
                &flow.req,
                &signed.user,
                &signed.session,
                now,
                &mut rand::rngs::OsRng,
            );
            if s.store.insert_code(t, &record).await.is_err() {
                return unavailable(headers);
            }
            let iss = tessera_oauth::token::issuer(&s.public_url, t);
            answer(
                ClientAnswer::code(&flow.req, code, iss),
                flow.via_post,
                extra,
            )
        }
    }
}

pub(crate) async fn is_admin(
    s: &AppState,
    t: TenantId,
    user: &User,
) -> tessera_store::StoreResult<bool> {
    let wids: Vec<String> = s
        .store
        .directory_role_assignments_of(t, user.id)
        .await?
        .into_iter()
        .map(|a| a.role_definition_id.to_string())
        .collect();
    Ok(tessera_oauth::user_token::is_consent_admin(&wids))
}

/// Whether a user may grant the directory API's application permissions
/// and its delegated permissions that need admin consent (a Global or
/// Privileged Role Administrator; an Application Administrator may not).
pub(crate) async fn is_directory_granter(
    s: &AppState,
    t: TenantId,
    user: &User,
) -> tessera_store::StoreResult<bool> {
    let wids: Vec<uuid::Uuid> = s
        .store
        .directory_role_assignments_of(t, user.id)
        .await?
        .into_iter()
        .map(|a| a.role_definition_id)
        .collect();
    Ok(tessera_model::directory_roles::may_grant_directory_permissions(&wids))
}

/// Scopes as the consent page lists them.
pub(crate) fn describe(
    resolved: &Resolved,
    missing: &[(Arc<tessera_model::ServicePrincipal>, Vec<String>)],
) -> Vec<(String, String)> {
    let shown: Vec<(Arc<tessera_model::ServicePrincipal>, Vec<String>)> = if missing.is_empty() {
        resolved.consent_needed()
    } else {
        missing.to_vec()
    };
    let mut out = Vec::new();
    for (resource, values) in shown {
        for v in values {
            let (name, desc) = resource
                .oauth2_permission_scopes
                .iter()
                .find(|s| s.value == v)
                .map(|s| {
                    (
                        s.user_consent_display_name
                            .clone()
                            .unwrap_or_else(|| s.admin_consent_display_name.clone()),
                        s.user_consent_description
                            .clone()
                            .unwrap_or_else(|| s.admin_consent_description.clone()),
                    )
                })
                .unwrap_or_else(|| (v.clone(), String::new()));
            out.push((name, desc));
        }
    }
    out
}
