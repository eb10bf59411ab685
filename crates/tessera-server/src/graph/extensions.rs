//! Directory schema extensions: an application declares
//! `extension_{appIdWithoutDashes}_{name}` properties for users and/or
//! groups (`/applications/{id}/extensionProperties`); users and groups
//! then carry values of them, writable in POST/PATCH bodies, returned when
//! `$select`ed, and usable in `$filter`. At most 100 values per object.
use super::auth::{Caller, Op};
use super::body::{self, Fields};
use super::errors::GraphError;
use super::query;
use crate::clock::SystemClock;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde_json::{Map, Value};
use tessera_model::{Clock, ObjectId, TenantId};
use tessera_store::{ExtensionProperty, ExtensionWrite};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1.0/applications/{id}/extensionProperties",
            get(list).post(create),
        )
        .route(
            "/v1.0/applications/{id}/extensionProperties/{ext}",
            delete(remove),
        )
}

const DATA_TYPES: &[&str] = &["String", "Integer", "Boolean", "DateTime", "LargeInteger"];
/// Extension properties a tenant may declare in all.
const MAX_PER_TENANT: usize = 1000;

fn render(p: &ExtensionProperty) -> Value {
    serde_json::json!({
        "id": p.id, "name": p.name, "dataType": p.data_type,
        "targetObjects": p.target_objects, "isMultiValued": false,
    })
}

async fn app_of(
    s: &AppState,
    t: TenantId,
    id: &str,
) -> Result<tessera_model::Application, GraphError> {
    let oid: ObjectId = id
        .parse()
        .map_err(|_| GraphError::not_found(id.chars().take(64).collect::<String>()))?;
    s.store
        .get_application(t, oid)
        .await?
        .ok_or_else(|| GraphError::not_found(oid))
}

async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadApps)?;
    let app = app_of(&s, caller.tenant, &id).await?;
    let value = s
        .store
        .list_extension_properties(caller.tenant, Some(app.id))
        .await?
        .iter()
        .map(render)
        .collect();
    Ok(Json(query::collection(
        query::context(&s, "extensionProperties", &[]),
        value,
        None,
        None,
    )))
}

async fn create(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, GraphError> {
    caller.require(Op::WriteApps)?;
    let app = app_of(&s, caller.tenant, &id).await?;
    let body = body::object(&headers, &body)?;
    let f = Fields {
        type_name: "extensionProperty",
    };
    let bad = |m: &str| GraphError::bad_request("Request_BadRequest", m.to_string());
    let (mut name, mut data_type, mut targets) = (None, None, None);
    for (k, v) in &body {
        match k.as_str() {
            "@odata.type" => {}
            "name" => name = Some(f.str(k, v, 120)?),
            "dataType" => data_type = Some(f.str(k, v, 16)?),
            "targetObjects" => targets = Some(f.strings(k, v, 2, 16)?),
            "isMultiValued" => {
                if f.bool(k, v)? {
                    return Err(bad("Multi-valued extension properties are not supported."));
                }
            }
            _ => return Err(f.unknown(k)),
        }
    }
    let (Some(name), Some(data_type), Some(targets)) = (name, data_type, targets) else {
        return Err(bad("name, dataType and targetObjects are required."));
    };
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        || !name.as_bytes()[0].is_ascii_alphabetic()
    {
        return Err(bad(
            "The name may hold letters, digits and underscores, starting with a letter.",
        ));
    }
    if !DATA_TYPES.contains(&data_type.as_str()) {
        return Err(bad(
            "dataType must be String, Integer, Boolean, DateTime or LargeInteger.",
        ));
    }
    if targets.is_empty() || targets.iter().any(|t| t != "User" && t != "Group") {
        return Err(bad("targetObjects must be User and/or Group."));
    }
    if s.store
        .list_extension_properties(caller.tenant, None)
        .await?
        .len()
        >= MAX_PER_TENANT
    {
        return Err(bad("The tenant has too many extension properties."));
    }
    let p = ExtensionProperty {
        id: ObjectId::random(&mut rand::rngs::OsRng),
        name: format!(
            "extension_{}_{name}",
            app.app_id.to_string().replace('-', "")
        ),
        application: app.id,
        data_type,
        target_objects: targets,
    };
    s.store
        .create_extension_property(caller.tenant, &p, SystemClock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(render(&p))).into_response())
}

async fn remove(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, ext)): Path<(String, String)>,
) -> Result<StatusCode, GraphError> {
    caller.require(Op::WriteApps)?;
    let app = app_of(&s, caller.tenant, &id).await?;
    let eid: ObjectId = ext.parse().map_err(|_| GraphError::not_found(&ext))?;
    let owned = s
        .store
        .list_extension_properties(caller.tenant, Some(app.id))
        .await?
        .into_iter()
        .any(|p| p.id == eid);
    if !owned {
        return Err(GraphError::not_found(eid));
    }
    s.store
        .delete_extension_property(caller.tenant, eid, SystemClock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The extension properties declared for `target` (`User` or `Group`).
pub async fn declared(
    s: &AppState,
    t: TenantId,
    target: &str,
) -> Result<Vec<ExtensionProperty>, GraphError> {
    Ok(s.store
        .list_extension_properties(t, None)
        .await?
        .into_iter()
        .filter(|p| p.target_objects.iter().any(|x| x == target))
        .collect())
}

/// For `$filter`: `(name, dataType)` of each declared property.
pub fn filterable(declared: &[ExtensionProperty]) -> Vec<(String, String)> {
    declared
        .iter()
        .map(|p| (p.name.clone(), p.data_type.clone()))
        .collect()
}

/// The extension values in a body: each `extension_…` key must be declared
/// for the object's type, its value of the declared type (or null, which
/// clears it). Returns what to write: `(name, Some((value, filter key)))`.
pub fn values_in(
    body: &Map<String, Value>,
    declared: &[ExtensionProperty],
    type_name: &str,
) -> Result<Vec<ExtensionWrite>, GraphError> {
    let mut out = Vec::new();
    for (k, v) in body.iter().filter(|(k, _)| k.starts_with("extension_")) {
        let Some(p) = declared.iter().find(|p| &p.name == k) else {
            return Err(Fields { type_name }.unknown(k));
        };
        let wrong = || {
            GraphError::bad_request(
                "Request_BadRequest",
                format!("Invalid value for '{k}': a {} is expected.", p.data_type),
            )
        };
        let key = match (p.data_type.as_str(), v) {
            (_, Value::Null) => {
                out.push((k.clone(), None));
                continue;
            }
            ("String", Value::String(s)) if s.chars().count() <= 256 => s.to_lowercase(),
            ("Integer", Value::Number(n))
                if n.as_i64().is_some_and(|i| i32::try_from(i).is_ok()) =>
            {
                n.to_string()
            }
            ("LargeInteger", Value::Number(n)) if n.as_i64().is_some() => n.to_string(),
            ("Boolean", Value::Bool(b)) => b.to_string(),
            ("DateTime", Value::String(s))
                if time::OffsetDateTime::parse(
                    s,
                    &time::format_description::well_known::Rfc3339,
                )
                .is_ok() =>
            {
                s.clone()
            }
            _ => return Err(wrong()),
        };
        out.push((k.clone(), Some((v.clone(), key))));
    }
    if out.len() > 100 {
        return Err(GraphError::bad_request(
            "Request_BadRequest",
            "An object can hold at most 100 extension values.",
        ));
    }
    Ok(out)
}

/// Adds the object's `$select`ed extension values to its rendering.
pub async fn attach(
    s: &AppState,
    t: TenantId,
    id: ObjectId,
    select: &[String],
    v: &mut Value,
) -> Result<(), GraphError> {
    let wanted: Vec<&String> = select
        .iter()
        .filter(|p| p.starts_with("extension_"))
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let have = s.store.extension_values(t, id).await?;
    for w in wanted {
        let val = have
            .iter()
            .find(|(n, _)| n == w)
            .map(|(_, v)| v.clone())
            .unwrap_or(Value::Null);
        v[w.as_str()] = val;
    }
    Ok(())
}
