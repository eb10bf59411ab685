//! `/{tenant}/oauth2/v2.0/logout`: RP-initiated logout. Ends the browser's
//! SSO session (and with it every refresh token issued under it), clears the
//! cookie, loads each application's front-channel logout URL in a hidden
//! iframe, then returns to the registered `post_logout_redirect_uri`. The
//! protocol rules are `tessera_oauth::logout`'s; see docs/design/logout.md.
use super::{cookies, login, pages, request_id};
use crate::clock::SystemClock;
use crate::state::AppState;
use crate::tenant::PathTenant;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use std::collections::BTreeMap;
use tessera_model::{Application, Clock, TenantId};
use tessera_oauth::directory::Directory;
use tessera_oauth::logout::{self, Hint, LogoutRequest};

pub async fn get(
    State(s): State<AppState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let raw = q.unwrap_or_default();
    let Some(form) = super::read_form(raw.as_bytes()) else {
        return bad(&headers, "A parameter was given more than once.");
    };
    let checked = match check(&s, &segment, &headers, &form).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let signed = super::current_session(&s, &headers, PathTenant::Common).await;
    // A verified hint for this very session (or no session at all): no need
    // to ask. Otherwise the user confirms: other sites cannot sign people out.
    let verified = match (&checked.hint, &signed) {
        (Some(_), None) => true,
        (Some(h), Some(sig)) => h.sid == Some(sig.session.id) && h.tenant == sig.tenant,
        (None, _) => signed.is_none(),
    };
    if verified {
        return sign_out(&s, &headers, checked, signed).await;
    }
    confirm(&s, &headers, &segment, &checked, &raw, signed.as_ref())
}

pub async fn post(
    State(s): State<AppState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(outer) = super::is_form(&headers)
        .then(|| super::read_form(&body))
        .flatten()
    else {
        return bad(&headers, "The sign-out form is malformed.");
    };
    if !login::csrf_valid(&s, &headers, outer.get("csrf")) {
        return login::csrf_failure(&headers);
    }
    let ctx = outer.get("ctx").map(String::as_str).unwrap_or("");
    let Some(form) = super::read_form(ctx.as_bytes()) else {
        return bad(&headers, "The sign-out form is malformed.");
    };
    let checked = match check(&s, &segment, &headers, &form).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    match outer.get("decision").map(String::as_str) {
        Some("signout") => {
            let signed = super::current_session(&s, &headers, PathTenant::Common).await;
            sign_out(&s, &headers, checked, signed).await
        }
        Some("stay") => match checked.redirect {
            Some(to) => redirect(&to, vec![]),
            None => pages::message(
                "You're still signed in",
                "You can close this window.",
                vec![],
                None,
                vec![],
            ),
        },
        _ => bad(&headers, "The sign-out form is malformed."),
    }
}

/// A request whose redirect (if any) is known to be allowed.
struct Checked {
    hint: Option<Hint>,
    app: Option<Application>,
    /// The post-logout redirect, `state` included.
    redirect: Option<String>,
}

async fn check(
    s: &AppState,
    segment: &str,
    headers: &HeaderMap,
    form: &BTreeMap<String, String>,
) -> Result<Checked, Response> {
    let req = LogoutRequest::parse(form).map_err(|m| bad(headers, m))?;
    let path = super::path_tenant(s, segment, headers).await?;
    let hint = match &req.id_token_hint {
        None => None,
        Some(token) => Some(verify_hint(s, path, token).await.ok_or_else(|| {
            bad(
                headers,
                "The id_token_hint is not an ID token issued by this tenant.",
            )
        })?),
    };
    let client_id = match (hint, req.client_id) {
        (Some(h), Some(c)) if h.client != c => {
            return Err(bad(
                headers,
                "The client_id differs from the id_token_hint's audience.",
            ))
        }
        (Some(h), _) => Some(h.client),
        (None, c) => c,
    };
    let app = match client_id {
        Some(id) => match s.directory.client(id).await {
            Ok(Some(c)) => Some(c.app.clone()),
            Ok(None) => return Err(bad(headers, "No application has this client_id.")),
            Err(_) => return Err(super::unavailable(headers)),
        },
        None => None,
    };
    let redirect = match (&req.post_logout_redirect_uri, &app) {
        (None, _) => None,
        (Some(_), None) => {
            return Err(bad(
                headers,
                "A post_logout_redirect_uri needs an id_token_hint or client_id naming the application.",
            ))
        }
        (Some(uri), Some(app)) if logout::post_logout_allowed(app, uri) => {
            Some(logout::post_logout_location(uri, req.state.as_deref()))
        }
        (Some(_), Some(_)) => {
            return Err(bad(
                headers,
                "The post_logout_redirect_uri is not registered for the application (AADSTS50011).",
            ))
        }
    };
    Ok(Checked {
        hint,
        app,
        redirect,
    })
}

/// A hint signed by the path's tenant (or, on `common`, by the tenant it
/// names), of any age.
async fn verify_hint(s: &AppState, path: PathTenant, token: &str) -> Option<Hint> {
    let t: TenantId = match path {
        PathTenant::Tenant(t) => t,
        _ => match s
            .directory
            .tenant(&logout::claimed_tenant(token)?.to_string())
            .await
        {
            Ok(PathTenant::Tenant(t)) => t,
            _ => return None,
        },
    };
    let jwks = crate::oauth::published_jwks(s, t, SystemClock.now())
        .await
        .ok()?;
    let issuer = tessera_oauth::token::issuer(&s.public_url, t);
    let claims = tessera_oauth::introspect::signed_claims(token, &jwks, &issuer)?;
    Hint::from_claims(&claims).filter(|h| h.tenant == t)
}

fn confirm(
    s: &AppState,
    headers: &HeaderMap,
    segment: &str,
    checked: &Checked,
    raw: &str,
    signed: Option<&super::Signed>,
) -> Response {
    let mut extra = vec![];
    let csrf = login::csrf_with_cookie(s, headers, &mut extra);
    let targets: Vec<String> = checked
        .redirect
        .as_deref()
        .and_then(pages::origin)
        .into_iter()
        .collect();
    pages::render(
        StatusCode::OK,
        "logout.html",
        minijinja::context! {
            app_name => checked.app.as_ref().map(|a| a.display_name.clone()),
            action => format!("/{segment}/oauth2/v2.0/logout"),
            ctx => raw, csrf,
            user => signed.map(|sg| sg.user.user_principal_name.clone()),
        },
        pages::csp(&targets, None, &[]),
        extra,
    )
}

async fn sign_out(
    s: &AppState,
    headers: &HeaderMap,
    checked: Checked,
    signed: Option<super::Signed>,
) -> Response {
    let names = cookies::names(s.tls);
    let mut extra: Vec<(header::HeaderName, HeaderValue)> = cookies::clear_session(&names)
        .map(|c| (header::SET_COOKIE, c))
        .into_iter()
        .collect();
    let mut frames = vec![];
    if let Some(sg) = signed {
        let now = SystemClock.now();
        let clients = match s.store.session_clients(sg.tenant, sg.session.id).await {
            Ok(c) => c,
            Err(_) => return super::unavailable(headers),
        };
        if s.store
            .end_session(sg.tenant, sg.session.id, now)
            .await
            .is_err()
        {
            return super::unavailable(headers);
        }
        tracing::info!(tenant = %sg.tenant, session = %sg.session.id, "signed out");
        let issuer = tessera_oauth::token::issuer(&s.public_url, sg.tenant);
        for id in clients {
            if let Ok(Some(c)) = s.directory.client(id).await {
                if let Some(url) = c.app.settings.web.logout_url.as_deref() {
                    frames.extend(logout::front_channel_url(url, &issuer, sg.session.id));
                }
            }
        }
    }
    if frames.is_empty() {
        if let Some(to) = &checked.redirect {
            return redirect(to, std::mem::take(&mut extra));
        }
    }
    pages::message(
        "You signed out",
        "You have signed out of your account. It's a good idea to close all browser windows.",
        frames,
        checked.redirect,
        extra,
    )
}

fn redirect(to: &str, extra: Vec<(header::HeaderName, HeaderValue)>) -> Response {
    super::redirect(StatusCode::FOUND, to, extra)
}

fn bad(headers: &HeaderMap, m: &str) -> Response {
    pages::error(StatusCode::BAD_REQUEST, m, &request_id(headers))
}
