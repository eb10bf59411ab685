//! The consent page and its form. What is granted is computed again on the
//! server from the original request (never read from the form), stored as
//! oauth2PermissionGrants — for the user, or with an administrator's "on
//! behalf of your organization", for everyone — and, for a multi-tenant
//! application's first use in a tenant, its service principal is created.
use super::{describe, login, pages, proceed, request_id, Flow, Progress, Signed};
use crate::clock::SystemClock;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use std::sync::Arc;
use tessera_model::graph_permissions::GRAPH_APP_ID;
use tessera_model::{Clock, ObjectId, ServicePrincipal};
use tessera_oauth::delegated::{self, Resolved};
use tessera_oauth::directory::Directory;

#[allow(clippy::too_many_arguments)]
pub(crate) async fn page(
    s: &AppState,
    headers: &HeaderMap,
    flow: &Flow,
    signed: &Signed,
    resolved: &Resolved,
    missing: &[(Arc<ServicePrincipal>, Vec<String>)],
    admin: bool,
    mut extra: Vec<(HeaderName, HeaderValue)>,
) -> Response {
    let csrf = login::csrf_with_cookie(s, headers, &mut extra);
    let app = &flow.client.app;
    let publisher = app.settings.publisher_domain.clone();
    let verified = publisher_verified(s, flow).await;
    let permissions: Vec<minijinja::Value> = describe(resolved, missing)
        .into_iter()
        .map(|(name, description)| minijinja::context! { name, description })
        .collect();
    let targets: Vec<String> = pages::origin(&flow.req.redirect_uri).into_iter().collect();
    let action = format!("/{}/consent", login::path_segment(flow));
    pages::render(
        StatusCode::OK,
        "consent.html",
        minijinja::context! {
            app_name => app.display_name, publisher, verified, permissions,
            action, ctx => flow.ctx, csrf, can_consent_for_org => admin,
            user => signed.user.user_principal_name,
        },
        pages::csp(&targets, None, &[]),
        extra,
    )
}

pub async fn submit(
    State(s): State<AppState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let rid = request_id(&headers);
    let (form, flow) = match super::posted(&s, &segment, &headers, &body, "consent").await {
        Ok(p) => p,
        Err(res) => return res,
    };
    let Some(signed) = super::current_session(&s, &headers, flow.path_tenant).await else {
        // The session ended meanwhile: sign in again.
        return proceed(&s, &headers, flow, None, Progress::default(), vec![]).await;
    };
    let t = signed.tenant;
    match form.get("decision").map(String::as_str) {
        Some("accept") => {}
        Some("cancel") => {
            if let Some(d) = &flow.device {
                return super::device::declined(&s, &headers, &flow, d).await;
            }
            let iss = Some(tessera_oauth::token::issuer(&s.public_url, t));
            return super::fail(
                &flow,
                "access_denied",
                "The user declined to consent to access the app (AADSTS65004).",
                iss,
                vec![],
            );
        }
        _ => {
            return pages::error(
                StatusCode::BAD_REQUEST,
                "The consent form is malformed.",
                &rid,
            )
        }
    }
    if flow.admin_consent {
        if super::adminconsent::grant(&s, &flow, &signed)
            .await
            .is_err()
        {
            return super::unavailable(&headers);
        }
        let p = Progress {
            fresh_sign_in: false,
            consented_now: true,
        };
        return proceed(&s, &headers, flow, Some(signed), p, vec![]).await;
    }
    match grant(&s, &flow, &signed, form.contains_key("for_org")).await {
        Ok(true) => {}
        Ok(false) => {
            return pages::error(
                StatusCode::FORBIDDEN,
                "These permissions need an administrator's consent (AADSTS65001).",
                &rid,
            )
        }
        Err(_) => return super::unavailable(&headers),
    }
    let p = Progress {
        fresh_sign_in: false,
        consented_now: true,
    };
    proceed(&s, &headers, flow, Some(signed), p, vec![]).await
}

/// Records the consent; `false` when it needs an administrator and the user
/// is not one.
async fn grant(s: &AppState, flow: &Flow, signed: &Signed, for_org: bool) -> Result<bool, ()> {
    let t = signed.tenant;
    let now = SystemClock.now();
    let app = &flow.client.app;
    let scope = flow.req.scope.join(" ");
    let resolved = delegated::resolve(s.directory.as_ref(), &s.public_url, t, app, &scope)
        .await
        .map_err(|_| ())?;
    let admin = super::is_admin(s, t, &signed.user).await.map_err(|_| ())?;
    let sp = s
        .directory
        .service_principal(t, app.app_id)
        .await
        .map_err(|_| ())?;
    let missing = delegated::missing_consent(
        s.store.as_ref(),
        t,
        sp.as_ref().map(|sp| sp.id),
        Some(signed.user.id),
        &resolved,
    )
    .await
    .map_err(|_| ())?;
    let needs_admin = |directory_only: bool| {
        missing.iter().any(|(r, v)| {
            (!directory_only || r.app_id == GRAPH_APP_ID)
                && v.iter().any(|v| delegated::admin_only(r, v))
        })
    };
    if !admin && needs_admin(false) {
        return Ok(false);
    }
    // The directory API's admin-consent permissions: Global and Privileged
    // Role Administrators only.
    if needs_admin(true)
        && !super::is_directory_granter(s, t, &signed.user)
            .await
            .map_err(|_| ())?
    {
        return Ok(false);
    }
    let mut rng = rand::rngs::OsRng;
    let sp_id = match sp {
        Some(sp) => sp.id,
        None => ensure_service_principal(s, flow, t).await?,
    };
    let principal = if for_org && admin {
        None
    } else {
        Some(signed.user.id)
    };
    for (resource, values) in &missing {
        s.store
            .add_delegated_grant(
                t,
                sp_id,
                principal,
                resource.id,
                values,
                ObjectId::random(&mut rng),
                now,
            )
            .await
            .map_err(|_| ())?;
    }
    // This node sees its own write at once; others within the poll interval.
    s.directory.invalidate();
    Ok(true)
}

/// The application's service principal in tenant `t`, created on its first
/// consent there (a multi-tenant app used by another organisation).
pub(crate) async fn ensure_service_principal(
    s: &AppState,
    flow: &Flow,
    t: tessera_model::TenantId,
) -> Result<ObjectId, ()> {
    let app = &flow.client.app;
    if let Some(sp) = s
        .directory
        .service_principal(t, app.app_id)
        .await
        .map_err(|_| ())?
    {
        return Ok(sp.id);
    }
    let now = SystemClock.now();
    let sp = ServicePrincipal::for_application(
        app,
        flow.client.home_tenant,
        ObjectId::random(&mut rand::rngs::OsRng),
        now,
    );
    s.store
        .create_service_principal(t, &sp, now)
        .await
        .map_err(|_| ())?;
    s.directory.invalidate();
    Ok(sp.id)
}

/// The admin consent page: everything the application declares, granted
/// for the whole organisation.
pub(crate) async fn admin_page(
    s: &AppState,
    headers: &HeaderMap,
    flow: &Flow,
    signed: &Signed,
    mut extra: Vec<(HeaderName, HeaderValue)>,
) -> Response {
    let Ok(declared) = super::adminconsent::declared(s, signed.tenant, flow).await else {
        return super::unavailable(headers);
    };
    let csrf = login::csrf_with_cookie(s, headers, &mut extra);
    let app = &flow.client.app;
    let verified = publisher_verified(s, flow).await;
    let permissions: Vec<minijinja::Value> = declared
        .into_iter()
        .map(|(name, description, kind)| minijinja::context! { name, description, kind })
        .collect();
    let targets: Vec<String> = pages::origin(&flow.req.redirect_uri).into_iter().collect();
    pages::render(
        StatusCode::OK,
        "consent.html",
        minijinja::context! {
            app_name => app.display_name, publisher => app.settings.publisher_domain, verified,
            permissions, action => format!("/{}/consent", login::path_segment(flow)),
            ctx => flow.ctx, csrf, admin_consent => true,
            user => signed.user.user_principal_name,
        },
        pages::csp(&targets, None, &[]),
        extra,
    )
}

/// A verified publisher: the publisher domain is a verified domain of the
/// application's home tenant.
async fn publisher_verified(s: &AppState, flow: &Flow) -> bool {
    match &flow.client.app.settings.publisher_domain {
        Some(d) => matches!(
            s.directory.tenant(d).await,
            Ok(crate::tenant::PathTenant::Tenant(t)) if t == flow.client.home_tenant
        ),
        None => false,
    }
}
