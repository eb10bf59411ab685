//! `/v1.0/roleManagement/directory`: the built-in role definitions and
//! role assignments (who holds Global Administrator, User Administrator, …).
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
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use tessera_model::directory_roles::{self, BuiltInRole};
use tessera_model::{Clock, DirectoryRoleAssignment, ObjectId, ObjectKind};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1.0/roleManagement/directory/roleDefinitions",
            get(definitions),
        )
        .route(
            "/v1.0/roleManagement/directory/roleDefinitions/{id}",
            get(definition),
        )
        .route(
            "/v1.0/roleManagement/directory/roleAssignments",
            get(assignments).post(create),
        )
        .route(
            "/v1.0/roleManagement/directory/roleAssignments/{id}",
            get(assignment).delete(remove),
        )
}

fn render_definition(r: &BuiltInRole) -> Value {
    json!({
        "id": r.id, "templateId": r.id, "displayName": r.display_name,
        "description": r.description, "isBuiltIn": true, "isEnabled": true,
    })
}

fn render_assignment(a: &DirectoryRoleAssignment) -> Value {
    json!({
        "id": a.id, "roleDefinitionId": a.role_definition_id,
        "principalId": a.principal_id, "directoryScopeId": a.directory_scope_id,
    })
}

async fn definitions(State(s): State<AppState>, caller: Caller) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadRoles)?;
    let value = directory_roles::ALL.iter().map(render_definition).collect();
    Ok(Json(query::collection(
        query::context(&s, "roleManagement/directory/roleDefinitions", &[]),
        value,
        None,
        None,
    )))
}

async fn definition(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadRoles)?;
    let r = id
        .parse()
        .ok()
        .and_then(directory_roles::by_id)
        .ok_or_else(|| GraphError::not_found(id.chars().take(64).collect::<String>()))?;
    Ok(Json(query::entity(
        query::context(&s, "roleManagement/directory/roleDefinitions", &[]),
        render_definition(&r),
    )))
}

async fn assignments(
    State(s): State<AppState>,
    caller: Caller,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadRoles)?;
    let l = Listing::parse(&uri, &headers)?;
    let mut value = Vec::new();
    for a in s
        .store
        .list_directory_role_assignments(caller.tenant)
        .await?
    {
        let v = render_assignment(&a);
        if query::matches(&l, &v)? {
            value.push(v);
        }
    }
    Ok(Json(query::collection(
        query::context(&s, "roleManagement/directory/roleAssignments", &[]),
        value,
        None,
        None,
    )))
}

async fn by_id(
    s: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<DirectoryRoleAssignment, GraphError> {
    let aid: ObjectId = id
        .parse()
        .map_err(|_| GraphError::not_found(id.chars().take(64).collect::<String>()))?;
    s.store
        .list_directory_role_assignments(caller.tenant)
        .await?
        .into_iter()
        .find(|a| a.id == aid)
        .ok_or_else(|| GraphError::not_found(aid))
}

async fn assignment(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadRoles)?;
    let a = by_id(&s, &caller, &id).await?;
    Ok(Json(query::entity(
        query::context(&s, "roleManagement/directory/roleAssignments", &[]),
        render_assignment(&a),
    )))
}

async fn create(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, GraphError> {
    caller.require(Op::WriteRoles)?;
    let body = body::object(&headers, &body)?;
    let f = Fields {
        type_name: "unifiedRoleAssignment",
    };
    let bad = |m: &str| GraphError::bad_request("Request_BadRequest", m.to_string());
    let (mut role, mut principal, mut scope) = (None, None, None);
    for (k, v) in &body {
        match k.as_str() {
            "@odata.type" => {}
            "roleDefinitionId" => {
                role = Some(
                    f.str(k, v, 64)?
                        .parse::<uuid::Uuid>()
                        .ok()
                        .and_then(directory_roles::by_id)
                        .ok_or_else(|| bad("roleDefinitionId is not a built-in role."))?,
                )
            }
            "principalId" => {
                principal = Some(
                    f.str(k, v, 64)?
                        .parse::<ObjectId>()
                        .map_err(|_| bad("principalId must be a GUID."))?,
                )
            }
            "directoryScopeId" => scope = Some(f.str(k, v, 16)?),
            _ => return Err(f.unknown(k)),
        }
    }
    let (Some(role), Some(principal)) = (role, principal) else {
        return Err(bad("roleDefinitionId and principalId are required."));
    };
    if scope.as_deref().is_some_and(|s| s != "/") {
        return Err(bad("Only the directory scope '/' is supported."));
    }
    let kind = s.store.object_kind(caller.tenant, principal).await?;
    if !matches!(
        kind,
        Some(ObjectKind::User) | Some(ObjectKind::ServicePrincipal) | Some(ObjectKind::Group)
    ) {
        return Err(GraphError::not_found(principal));
    }
    let a = DirectoryRoleAssignment {
        id: ObjectId::random(&mut rand::rngs::OsRng),
        role_definition_id: role.id,
        principal_id: principal,
        directory_scope_id: "/".into(),
    };
    s.store
        .create_directory_role_assignment(caller.tenant, &a, SystemClock.now())
        .await
        .map_err(|e| match e {
            tessera_store::StoreError::Conflict(_) => GraphError::new(
                StatusCode::CONFLICT,
                "Request_BadRequest",
                "The principal already holds this role.",
            ),
            other => other.into(),
        })?;
    Ok((StatusCode::CREATED, Json(render_assignment(&a))).into_response())
}

async fn remove(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, GraphError> {
    caller.require(Op::WriteRoles)?;
    let a = by_id(&s, &caller, &id).await?;
    // The last enabled Global Administrator stays (the store refuses,
    // inside the write's transaction): a tenant without one cannot be managed.
    s.store
        .delete_directory_role_assignment(caller.tenant, a.id, SystemClock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
