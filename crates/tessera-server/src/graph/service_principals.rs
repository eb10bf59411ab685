//! `/v1.0/servicePrincipals` (create from an appId, get, list, patch,
//! delete), app role assignments (`appRoleAssignedTo` on the resource,
//! `appRoleAssignments` on the principal) and `/v1.0/oauth2PermissionGrants`.
use super::auth::{Caller, Op};
use super::body::{self, Fields};
use super::errors::GraphError;
use super::query::{self, Listing};
use crate::clock::SystemClock;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use tessera_model::graph_permissions::{self, GRAPH_APP_ID};
use tessera_model::{
    AppId, AppRoleAssignment, Clock, OAuth2PermissionGrant, ObjectId, ObjectKind, ServicePrincipal,
    SignInAudience, TenantId,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1.0/servicePrincipals", get(list).post(create))
        .route(
            "/v1.0/servicePrincipals/{id}",
            get(get_one).patch(update).delete(remove),
        )
        .route(
            "/v1.0/servicePrincipals/{id}/appRoleAssignedTo",
            get(assigned_to).post(assign_to),
        )
        .route(
            "/v1.0/servicePrincipals/{id}/appRoleAssignedTo/{assignment}",
            delete(unassign_to),
        )
        .route(
            "/v1.0/servicePrincipals/{id}/appRoleAssignments",
            get(sp_assignments).post(sp_assign),
        )
        .route(
            "/v1.0/users/{id}/appRoleAssignments",
            get(user_assignments).post(user_assign),
        )
        .route(
            "/v1.0/groups/{id}/appRoleAssignments",
            get(group_assignments).post(group_assign),
        )
        .route(
            "/v1.0/oauth2PermissionGrants",
            get(grants).post(create_grant),
        )
        .route(
            "/v1.0/oauth2PermissionGrants/{id}",
            get(grant_one).patch(update_grant).delete(delete_grant),
        )
}

const KNOWN: &[&str] = &[
    "id",
    "appId",
    "appOwnerOrganizationId",
    "displayName",
    "accountEnabled",
    "servicePrincipalType",
    "servicePrincipalNames",
    "appRoles",
    "oauth2PermissionScopes",
    "appRoleAssignmentRequired",
    "createdDateTime",
];

fn render(sp: &ServicePrincipal, select: &[String]) -> Result<Value, GraphError> {
    let v = serde_json::to_value(sp).unwrap_or(Value::Null);
    query::project(
        v,
        select,
        KNOWN,
        &|p| KNOWN.contains(&p),
        "servicePrincipal",
    )
}

fn bad(m: impl Into<String>) -> GraphError {
    GraphError::bad_request("Request_BadRequest", m)
}

pub(super) async fn find(
    s: &AppState,
    t: TenantId,
    key: &str,
) -> Result<ServicePrincipal, GraphError> {
    let found = match key.parse::<ObjectId>() {
        Ok(id) => s.store.get_service_principal(t, id).await?,
        Err(_) => None,
    };
    found.ok_or_else(|| GraphError::not_found(key.chars().take(64).collect::<String>()))
}

async fn list(
    State(s): State<AppState>,
    caller: Caller,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadApps)?;
    let l = Listing::parse(&uri, &headers)?;
    let q = l.store_query(&s, vec![])?;
    let page = s.store.query_service_principals(caller.tenant, &q).await?;
    let value = page
        .items
        .iter()
        .map(|p| render(p, &l.opts.select))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(query::collection(
        query::context(&s, "servicePrincipals", &l.opts.select),
        value,
        page.count,
        page.next.map(|c| l.next_link(&s, &c)),
    )))
}

async fn get_one(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadApps)?;
    let l = Listing::parse(&uri, &headers)?;
    let sp = find(&s, caller.tenant, &id).await?;
    Ok(Json(query::entity(
        query::context(&s, "servicePrincipals", &l.opts.select),
        render(&sp, &l.opts.select)?,
    )))
}

/// `POST {"appId": …}`: the application's instance in the caller's tenant.
/// An application of another tenant must be multi-tenant.
async fn create(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, GraphError> {
    caller.require(Op::WriteApps)?;
    let body = body::object(&headers, &body)?;
    let f = Fields {
        type_name: "servicePrincipal",
    };
    let mut app_id = None;
    for (k, v) in &body {
        match k.as_str() {
            "@odata.type" => {}
            "appId" => {
                app_id = Some(
                    f.str(k, v, 64)?
                        .parse::<AppId>()
                        .map_err(|_| bad("appId must be a GUID."))?,
                )
            }
            _ => return Err(f.unknown(k)),
        }
    }
    let app_id =
        app_id.ok_or_else(|| bad("Property 'appId' is required when creating the object."))?;
    let (home, app) = s
        .store
        .application_by_app_id(app_id)
        .await?
        .ok_or_else(|| GraphError::not_found(app_id))?;
    if home != caller.tenant && app.sign_in_audience == SignInAudience::AzureADMyOrg {
        return Err(GraphError::not_found(app_id));
    }
    let now = SystemClock.now();
    let sp = ServicePrincipal::for_application(
        &app,
        home,
        ObjectId::random(&mut rand::rngs::OsRng),
        now,
    );
    s.store
        .create_service_principal(caller.tenant, &sp, now)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(query::entity(
            query::context(&s, "servicePrincipals", &[]),
            render(&sp, &[])?,
        )),
    )
        .into_response())
}

async fn update(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, GraphError> {
    caller.require(Op::WriteApps)?;
    let body = body::object(&headers, &body)?;
    let mut sp = find(&s, caller.tenant, &id).await?;
    let f = Fields {
        type_name: "servicePrincipal",
    };
    for (k, v) in &body {
        match k.as_str() {
            "@odata.type" => {}
            "accountEnabled" => sp.account_enabled = f.bool(k, v)?,
            "appRoleAssignmentRequired" => sp.app_role_assignment_required = f.bool(k, v)?,
            "displayName" => sp.display_name = f.str(k, v, 256)?,
            _ => return Err(f.unknown(k)),
        }
    }
    s.store
        .update_service_principal(caller.tenant, &sp, SystemClock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, GraphError> {
    caller.require(Op::WriteApps)?;
    let sp = find(&s, caller.tenant, &id).await?;
    if sp.app_id == caller.client || sp.app_id == tessera_model::graph_permissions::GRAPH_APP_ID {
        return Err(GraphError::new(
            StatusCode::CONFLICT,
            "Request_BadRequest",
            "This service principal is in use: it is the caller, or the directory API itself.",
        ));
    }
    s.store
        .delete_service_principal(caller.tenant, sp.id, SystemClock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An assignment as Graph writes it, with display names.
async fn render_assignment(
    s: &AppState,
    t: TenantId,
    a: &AppRoleAssignment,
) -> Result<Value, GraphError> {
    let principal_name = match a.principal_type {
        ObjectKind::User => s
            .store
            .get_user(t, a.principal_id)
            .await?
            .map(|u| u.display_name),
        ObjectKind::Group => s
            .store
            .get_group(t, a.principal_id)
            .await?
            .map(|g| g.display_name),
        _ => s
            .store
            .get_service_principal(t, a.principal_id)
            .await?
            .map(|p| p.display_name),
    };
    let resource_name = s
        .store
        .get_service_principal(t, a.resource_id)
        .await?
        .map(|p| p.display_name);
    let ptype = match a.principal_type {
        ObjectKind::User => "User",
        ObjectKind::Group => "Group",
        _ => "ServicePrincipal",
    };
    Ok(json!({
        "id": a.id, "appRoleId": a.app_role_id, "principalId": a.principal_id,
        "principalType": ptype, "principalDisplayName": principal_name,
        "resourceId": a.resource_id, "resourceDisplayName": resource_name,
        "createdDateTime": a.created_date_time.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        "deletedDateTime": null,
    }))
}

async fn assignment_list(
    s: &AppState,
    t: TenantId,
    items: Vec<AppRoleAssignment>,
) -> Result<Json<Value>, GraphError> {
    let mut value = Vec::with_capacity(items.len());
    for a in &items {
        value.push(render_assignment(s, t, a).await?);
    }
    Ok(Json(query::collection(
        query::context(s, "appRoleAssignments", &[]),
        value,
        None,
        None,
    )))
}

/// Reads `{principalId, resourceId, appRoleId}`, checks the role exists on
/// the resource and admits the principal's kind, and records it.
async fn assign(
    s: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    body: &Bytes,
    fixed_principal: Option<ObjectId>,
    fixed_resource: Option<ObjectId>,
) -> Result<Response, GraphError> {
    caller.require(Op::WriteAppRoleAssignments)?;
    let body = body::object(headers, body)?;
    let f = Fields {
        type_name: "appRoleAssignment",
    };
    let guid = |k: &str, v: &Value| -> Result<uuid::Uuid, GraphError> {
        f.str(k, v, 64)?
            .parse()
            .map_err(|_| bad(format!("{k} must be a GUID.")))
    };
    let (mut principal, mut resource, mut role) = (fixed_principal, fixed_resource, None);
    for (k, v) in &body {
        match k.as_str() {
            "@odata.type" => {}
            "principalId" => principal = Some(ObjectId(guid(k, v)?)),
            "resourceId" => resource = Some(ObjectId(guid(k, v)?)),
            "appRoleId" => role = Some(guid(k, v)?),
            _ => return Err(f.unknown(k)),
        }
    }
    if fixed_principal.is_some() && principal != fixed_principal
        || fixed_resource.is_some() && resource != fixed_resource
    {
        return Err(bad("principalId or resourceId does not match the path."));
    }
    let (Some(principal), Some(resource), Some(role)) = (principal, resource, role) else {
        return Err(bad("principalId, resourceId and appRoleId are required."));
    };
    let t = caller.tenant;
    let kind = s
        .store
        .object_kind(t, principal)
        .await?
        .filter(|k| {
            matches!(
                k,
                ObjectKind::User | ObjectKind::Group | ObjectKind::ServicePrincipal
            )
        })
        .ok_or_else(|| GraphError::not_found(principal))?;
    let res = s
        .store
        .get_service_principal(t, resource)
        .await?
        .ok_or_else(|| GraphError::not_found(resource))?;
    // The directory API's application permissions make an app a directory
    // administrator: only Global and Privileged Role Administrators grant them.
    if res.app_id == GRAPH_APP_ID && !role.is_nil() {
        caller.require_directory_granter()?;
    }
    let member_type = if kind == ObjectKind::ServicePrincipal {
        "Application"
    } else {
        "User"
    };
    let ok = role.is_nil() && member_type == "User"
        || res.app_roles.iter().any(|r| {
            r.id == role && r.is_enabled && r.allowed_member_types.iter().any(|m| m == member_type)
        });
    if !ok {
        return Err(bad(format!(
            "Permission being assigned was not found on application '{}' or does not allow {member_type} members.",
            res.app_id
        )));
    }
    let now = SystemClock.now();
    let a = AppRoleAssignment {
        id: ObjectId::random(&mut rand::rngs::OsRng),
        app_role_id: role,
        principal_id: principal,
        principal_type: kind,
        resource_id: resource,
        created_date_time: now,
    };
    s.store
        .create_app_role_assignment(t, &a, now)
        .await
        .map_err(|e| match e {
            tessera_store::StoreError::Conflict(_) => {
                bad("Permission being assigned already exists on the object.")
            }
            other => other.into(),
        })?;
    let v = render_assignment(s, t, &a).await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

async fn assigned_to(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadApps)?;
    let sp = find(&s, caller.tenant, &id).await?;
    let items = s.store.app_role_assigned_to(caller.tenant, sp.id).await?;
    assignment_list(&s, caller.tenant, items).await
}

async fn assign_to(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, GraphError> {
    let sp = find(&s, caller.tenant, &id).await?;
    assign(&s, &caller, &headers, &body, None, Some(sp.id)).await
}

async fn unassign_to(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, assignment)): Path<(String, String)>,
) -> Result<StatusCode, GraphError> {
    caller.require(Op::WriteAppRoleAssignments)?;
    let sp = find(&s, caller.tenant, &id).await?;
    let aid: ObjectId = assignment
        .parse()
        .map_err(|_| GraphError::not_found(&assignment))?;
    let held = s.store.app_role_assigned_to(caller.tenant, sp.id).await?;
    if !held.iter().any(|a| a.id == aid) {
        return Err(GraphError::not_found(aid));
    }
    s.store
        .delete_app_role_assignment(caller.tenant, aid, SystemClock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn held_by(
    s: &AppState,
    caller: &Caller,
    principal: ObjectId,
) -> Result<Json<Value>, GraphError> {
    let items = s
        .store
        .app_role_assignments_of(caller.tenant, principal)
        .await?;
    assignment_list(s, caller.tenant, items).await
}

async fn sp_assignments(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadApps)?;
    let sp = find(&s, caller.tenant, &id).await?;
    held_by(&s, &caller, sp.id).await
}

async fn sp_assign(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, GraphError> {
    let sp = find(&s, caller.tenant, &id).await?;
    assign(&s, &caller, &headers, &body, Some(sp.id), None).await
}

async fn user_assignments(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadUsers)?;
    let u = super::users::find(&s, caller.tenant, &id).await?;
    held_by(&s, &caller, u.id).await
}

async fn user_assign(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, GraphError> {
    let u = super::users::find(&s, caller.tenant, &id).await?;
    assign(&s, &caller, &headers, &body, Some(u.id), None).await
}

async fn group_assignments(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadGroups)?;
    let gid = super::groups::find(&s, caller.tenant, &id).await?.id;
    held_by(&s, &caller, gid).await
}

async fn group_assign(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, GraphError> {
    let gid = super::groups::find(&s, caller.tenant, &id).await?.id;
    assign(&s, &caller, &headers, &body, Some(gid), None).await
}

fn render_grant(g: &OAuth2PermissionGrant) -> Value {
    json!({
        "id": g.id, "clientId": g.client_id, "consentType": g.consent_type,
        "principalId": g.principal_id, "resourceId": g.resource_id, "scope": g.scope,
    })
}

async fn grants(
    State(s): State<AppState>,
    caller: Caller,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadApps)?;
    let l = Listing::parse(&uri, &headers)?;
    let all = s.store.list_oauth2_permission_grants(caller.tenant).await?;
    let mut value = Vec::new();
    for g in &all {
        let v = render_grant(g);
        if super::query::matches(&l, &v)? {
            value.push(v);
        }
    }
    Ok(Json(query::collection(
        query::context(&s, "oauth2PermissionGrants", &[]),
        value,
        None,
        None,
    )))
}

async fn grant_by_id(
    s: &AppState,
    t: TenantId,
    id: &str,
) -> Result<OAuth2PermissionGrant, GraphError> {
    let gid: ObjectId = id
        .parse()
        .map_err(|_| GraphError::not_found(id.chars().take(64).collect::<String>()))?;
    s.store
        .list_oauth2_permission_grants(t)
        .await?
        .into_iter()
        .find(|g| g.id == gid)
        .ok_or_else(|| GraphError::not_found(gid))
}

async fn grant_one(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadApps)?;
    let g = grant_by_id(&s, caller.tenant, &id).await?;
    Ok(Json(query::entity(
        query::context(&s, "oauth2PermissionGrants", &[]),
        render_grant(&g),
    )))
}

/// 403 unless the caller may add credentials to application `app`: one
/// whose service principal holds any of the directory API's application
/// permissions (the bootstrap client, for one) is a directory
/// administrator, so whoever could add a secret to it could act as one.
pub(super) async fn check_credential_writer(
    s: &AppState,
    caller: &Caller,
    app: AppId,
) -> Result<(), GraphError> {
    let t = caller.tenant;
    let (Some(sp), Some(graph)) = (
        s.store.service_principal_by_app_id(t, app).await?,
        s.store.service_principal_by_app_id(t, GRAPH_APP_ID).await?,
    ) else {
        return Ok(());
    };
    let privileged = s
        .store
        .app_role_assignments_of(t, sp.id)
        .await?
        .iter()
        .any(|a| a.resource_id == graph.id);
    if privileged {
        caller.require_directory_granter()?;
    }
    Ok(())
}

/// 403 unless the caller may grant these scopes of `res`: the directory
/// API's delegated permissions that need admin consent (beyond those in
/// `held`) need a Global or Privileged Role Administrator.
fn check_granter(
    caller: &Caller,
    res: &ServicePrincipal,
    scope: &str,
    held: &str,
) -> Result<(), GraphError> {
    let held: Vec<&str> = held.split_ascii_whitespace().collect();
    let adds_admin_scope = scope
        .split_ascii_whitespace()
        .any(|v| graph_permissions::delegated_needs_admin(v) && !held.contains(&v));
    if res.app_id == GRAPH_APP_ID && adds_admin_scope {
        caller.require_directory_granter()?;
    }
    Ok(())
}

/// Scopes in a grant: space-separated values the resource exposes.
fn checked_scope(scope: &str, resource: &ServicePrincipal) -> Result<String, GraphError> {
    let values: Vec<&str> = scope.split_ascii_whitespace().collect();
    if values.is_empty() || values.len() > 100 {
        return Err(bad("scope must hold 1 to 100 space-separated values."));
    }
    for v in &values {
        if !resource
            .oauth2_permission_scopes
            .iter()
            .any(|p| p.value == *v)
        {
            return Err(bad(format!(
                "'{}' is not a delegated permission of the resource.",
                v.chars().take(120).collect::<String>()
            )));
        }
    }
    Ok(values.join(" "))
}

async fn create_grant(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, GraphError> {
    caller.require(Op::WriteDelegatedGrants)?;
    let body = body::object(&headers, &body)?;
    let f = Fields {
        type_name: "oAuth2PermissionGrant",
    };
    let id = |k: &str, v: &Value| -> Result<ObjectId, GraphError> {
        f.str(k, v, 64)?
            .parse()
            .map_err(|_| bad(format!("{k} must be a GUID.")))
    };
    let (mut client, mut resource, mut principal, mut consent, mut scope) =
        (None, None, None, None, None);
    for (k, v) in &body {
        match k.as_str() {
            "@odata.type" => {}
            "clientId" => client = Some(id(k, v)?),
            "resourceId" => resource = Some(id(k, v)?),
            "principalId" if v.is_null() => {}
            "principalId" => principal = Some(id(k, v)?),
            "consentType" => consent = Some(f.str(k, v, 32)?),
            "scope" => scope = Some(f.str(k, v, 4096)?),
            _ => return Err(f.unknown(k)),
        }
    }
    let (Some(client), Some(resource), Some(consent), Some(scope)) =
        (client, resource, consent, scope)
    else {
        return Err(bad(
            "clientId, consentType, resourceId and scope are required.",
        ));
    };
    let t = caller.tenant;
    match (consent.as_str(), principal) {
        ("AllPrincipals", None) => {}
        ("Principal", Some(p)) => {
            s.store.get_user(t, p).await?.ok_or_else(|| GraphError::not_found(p))?;
        }
        _ => {
            return Err(bad(
                "consentType must be AllPrincipals (without principalId) or Principal (with a user's principalId).",
            ))
        }
    }
    s.store
        .get_service_principal(t, client)
        .await?
        .ok_or_else(|| GraphError::not_found(client))?;
    let res = s
        .store
        .get_service_principal(t, resource)
        .await?
        .ok_or_else(|| GraphError::not_found(resource))?;
    let scope = checked_scope(&scope, &res)?;
    check_granter(&caller, &res, &scope, "")?;
    let exists = s
        .store
        .oauth2_permission_grants_for_client(t, client)
        .await?
        .into_iter()
        .any(|g| g.resource_id == resource && g.principal_id == principal);
    if exists {
        return Err(GraphError::new(
            StatusCode::CONFLICT,
            "Request_BadRequest",
            "A permission grant already exists for this client, resource and principal; update its scope instead.",
        ));
    }
    let g = OAuth2PermissionGrant {
        id: ObjectId::random(&mut rand::rngs::OsRng),
        client_id: client,
        consent_type: consent,
        principal_id: principal,
        resource_id: resource,
        scope,
    };
    s.store
        .create_oauth2_permission_grant(t, &g, SystemClock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(render_grant(&g))).into_response())
}

async fn update_grant(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, GraphError> {
    caller.require(Op::WriteDelegatedGrants)?;
    let g = grant_by_id(&s, caller.tenant, &id).await?;
    let body: Map<String, Value> = body::object(&headers, &body)?;
    let f = Fields {
        type_name: "oAuth2PermissionGrant",
    };
    let mut scope = None;
    for (k, v) in &body {
        match k.as_str() {
            "scope" => scope = Some(f.str(k, v, 4096)?),
            _ => return Err(f.unknown(k)),
        }
    }
    let scope = scope.ok_or_else(|| bad("Only 'scope' can be updated."))?;
    let res = s
        .store
        .get_service_principal(caller.tenant, g.resource_id)
        .await?
        .ok_or_else(|| GraphError::not_found(g.resource_id))?;
    let scope = checked_scope(&scope, &res)?;
    check_granter(&caller, &res, &scope, &g.scope)?;
    s.store
        .update_oauth2_permission_grant(caller.tenant, g.id, &scope, SystemClock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_grant(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, GraphError> {
    caller.require(Op::WriteDelegatedGrants)?;
    let g = grant_by_id(&s, caller.tenant, &id).await?;
    s.store
        .delete_oauth2_permission_grant(caller.tenant, g.id, SystemClock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
