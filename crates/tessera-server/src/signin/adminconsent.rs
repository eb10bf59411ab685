//! `/{tenant}/adminconsent`: an administrator grants an application, for
//! the whole organisation, every permission it declares in
//! `requiredResourceAccess` — delegated scopes as an all-principals
//! oauth2PermissionGrant, application permissions as app role assignments
//! to its service principal (created in the tenant if missing) — then goes
//! back to the app's registered redirect URI with `admin_consent=True`,
//! `tenant` and `state`, as Entra's endpoint does. Sign-in and the consent
//! page are the usual ones; their hidden `ctx` starts with `adminconsent=1`.
use super::{consent, pages, request_id, Flow, Progress, Signed};
use crate::clock::SystemClock;
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use std::collections::BTreeMap;
use tessera_model::{
    AppRoleAssignment, Clock, ObjectId, ObjectKind, ResourceAccess, ServicePrincipal,
};
use tessera_oauth::authorize::{AuthorizeRequest, ResponseMode};
use tessera_oauth::directory::Directory;
use tessera_oauth::interaction::ClientAnswer;

/// GET `/{tenant}/adminconsent?client_id=…&redirect_uri=…&state=…`.
pub async fn start(
    State(s): State<AppState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let raw = q.unwrap_or_default();
    let Some(mut form) = super::read_form(raw.as_bytes()) else {
        return bad(&headers, "A parameter was given more than once.");
    };
    form.insert("adminconsent".into(), "1".into());
    let flow = match flow_for(&s, &segment, &headers, &form).await {
        Ok(f) => f,
        Err(res) => return res,
    };
    let signed = super::current_session(&s, &headers, flow.path_tenant).await;
    super::proceed(&s, &headers, flow, signed, Progress::default(), vec![]).await
}

/// The flow of an admin consent request (`form` holds `adminconsent=1`).
/// Until the client and redirect URI match, problems are error pages.
pub(crate) async fn flow_for(
    s: &AppState,
    segment: &str,
    headers: &HeaderMap,
    form: &BTreeMap<String, String>,
) -> Result<Flow, Response> {
    let path_tenant = super::path_tenant(s, segment, headers).await?;
    if form.values().any(|v| v.len() > 2048) {
        return Err(bad(headers, "The request is too large."));
    }
    let client = match form.get("client_id").and_then(|c| c.parse().ok()) {
        Some(id) => match s.directory.client(id).await {
            Ok(Some(c)) => c,
            Ok(None) => return Err(bad(headers, "No application has this client_id.")),
            Err(_) => return Err(super::unavailable(headers)),
        },
        None => return Err(bad(headers, "The request has no valid client_id.")),
    };
    let redirect_uri = form
        .get("redirect_uri")
        .ok_or_else(|| bad(headers, "The request has no redirect_uri."))?;
    let platform = tessera_oauth::redirect::match_redirect(&client.app.settings, redirect_uri)
        .ok_or_else(|| {
            bad(
                headers,
                "The redirect_uri is not registered for this application.",
            )
        })?;
    let req = AuthorizeRequest::internal(
        client.app.app_id,
        redirect_uri.clone(),
        platform,
        vec![".default".into()],
        form.get("state").cloned(),
    );
    let ctx = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form.iter())
        .finish();
    Ok(Flow {
        path_tenant,
        client,
        req,
        ctx,
        via_post: true,
        device: None,
        pushed: None,
        admin_consent: true,
        security_info: false,
    })
}

/// The step after sign-in: administrators see the consent page (once),
/// then go back to the app; others are sent back with `access_denied`.
pub(crate) async fn proceed(
    s: &AppState,
    headers: &HeaderMap,
    flow: &Flow,
    signed: &Signed,
    p: Progress,
    extra: Vec<(HeaderName, HeaderValue)>,
) -> Response {
    let t = signed.tenant;
    let iss = Some(tessera_oauth::token::issuer(&s.public_url, t));
    let admin = match super::is_admin(s, t, &signed.user).await {
        Ok(a) => a,
        Err(_) => return super::unavailable(headers),
    };
    let granter = || super::is_directory_granter(s, t, &signed.user);
    let directory = match declares_directory_power(s, t, flow).await {
        Ok(d) => d,
        Err(_) => return super::unavailable(headers),
    };
    let allowed = admin
        && (!directory
            || match granter().await {
                Ok(g) => g,
                Err(_) => return super::unavailable(headers),
            });
    if !allowed {
        let m = if admin {
            "Granting the directory API's application permissions, or its permissions that need admin consent, requires a Global Administrator or Privileged Role Administrator (AADSTS90094)."
        } else {
            "Only an administrator can grant consent for the organization (AADSTS90094)."
        };
        return super::fail(flow, "access_denied", m, iss, extra);
    }
    if !p.consented_now {
        return consent::admin_page(s, headers, flow, signed, extra).await;
    }
    let mut params = vec![
        ("admin_consent", "True".to_string()),
        ("tenant", t.to_string()),
    ];
    if let Some(st) = &flow.req.state {
        params.push(("state", st.clone()));
    }
    let a = ClientAnswer {
        redirect_uri: flow.req.redirect_uri.clone(),
        mode: ResponseMode::Query,
        params,
    };
    super::answer(a, true, extra)
}

/// What the application declares, as the admin consent page lists it:
/// (permission, description, kind "Delegated" or "Application").
pub(crate) async fn declared(
    s: &AppState,
    t: tessera_model::TenantId,
    flow: &Flow,
) -> Result<Vec<(String, String, &'static str)>, ()> {
    let mut out = vec![];
    for (resource, access) in declared_resources(s, t, flow).await? {
        for ra in access {
            if ra.kind == "Scope" {
                if let Some(sc) = resource
                    .oauth2_permission_scopes
                    .iter()
                    .find(|x| x.id == ra.id)
                {
                    out.push((
                        sc.admin_consent_display_name.clone(),
                        sc.admin_consent_description.clone(),
                        "Delegated",
                    ));
                }
            } else if let Some(r) = resource.app_roles.iter().find(|x| x.id == ra.id) {
                out.push((r.display_name.clone(), r.description.clone(), "Application"));
            }
        }
    }
    Ok(out)
}

/// Whether the application declares any of the directory API's
/// application permissions, or its delegated permissions that need admin
/// consent.
async fn declares_directory_power(
    s: &AppState,
    t: tessera_model::TenantId,
    flow: &Flow,
) -> Result<bool, ()> {
    Ok(declared_resources(s, t, flow)
        .await?
        .iter()
        .filter(|(r, _)| r.app_id == tessera_model::graph_permissions::GRAPH_APP_ID)
        .any(|(r, access)| {
            access.iter().any(|ra| {
                ra.kind == "Role"
                    || r.oauth2_permission_scopes
                        .iter()
                        .any(|sc| sc.id == ra.id && sc.kind == "Admin")
            })
        }))
}

/// The resources the application declares permissions on that exist in
/// tenant `t`, each with the permissions declared.
async fn declared_resources<'f>(
    s: &AppState,
    t: tessera_model::TenantId,
    flow: &'f Flow,
) -> Result<Vec<(std::sync::Arc<ServicePrincipal>, &'f [ResourceAccess])>, ()> {
    let mut out = vec![];
    for rra in &flow.client.app.settings.required_resource_access {
        if let Some(resource) = s
            .directory
            .service_principal(t, rra.resource_app_id)
            .await
            .map_err(|_| ())?
        {
            out.push((resource, rra.resource_access.as_slice()));
        }
    }
    Ok(out)
}

/// Grants everything the application declares, for the organisation.
pub(crate) async fn grant(s: &AppState, flow: &Flow, signed: &Signed) -> Result<(), ()> {
    let t = signed.tenant;
    let now = SystemClock.now();
    let mut rng = rand::rngs::OsRng;
    let client_sp = consent::ensure_service_principal(s, flow, t).await?;
    for (resource, access) in declared_resources(s, t, flow).await? {
        let scopes: Vec<String> = access
            .iter()
            .filter(|ra| ra.kind == "Scope")
            .filter_map(|ra| {
                resource
                    .oauth2_permission_scopes
                    .iter()
                    .find(|x| x.id == ra.id)
            })
            .map(|sc| sc.value.clone())
            .collect();
        if !scopes.is_empty() {
            s.store
                .add_delegated_grant(
                    t,
                    client_sp,
                    None,
                    resource.id,
                    &scopes,
                    ObjectId::random(&mut rng),
                    now,
                )
                .await
                .map_err(|_| ())?;
        }
        let held: Vec<uuid::Uuid> = s
            .store
            .app_role_assignments_of(t, client_sp)
            .await
            .map_err(|_| ())?
            .into_iter()
            .filter(|a| a.resource_id == resource.id)
            .map(|a| a.app_role_id)
            .collect();
        for ra in access.iter().filter(|ra| ra.kind == "Role") {
            let known = resource
                .app_roles
                .iter()
                .any(|r| r.id == ra.id && r.is_enabled);
            if !known || held.contains(&ra.id) {
                continue;
            }
            let a = AppRoleAssignment {
                id: ObjectId::random(&mut rng),
                app_role_id: ra.id,
                principal_id: client_sp,
                principal_type: ObjectKind::ServicePrincipal,
                resource_id: resource.id,
                created_date_time: now,
            };
            s.store
                .create_app_role_assignment(t, &a, now)
                .await
                .map_err(|_| ())?;
        }
    }
    s.directory.invalidate();
    Ok(())
}

fn bad(headers: &HeaderMap, m: &str) -> Response {
    pages::error(StatusCode::BAD_REQUEST, m, &request_id(headers))
}
