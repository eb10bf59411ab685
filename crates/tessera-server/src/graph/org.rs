//! `/v1.0/organization` (the caller's tenant) and `/v1.0/domains` (its
//! domain names), read-only for now.
use super::auth::{Caller, Op};
use super::errors::GraphError;
use super::query;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1.0/organization", get(organization))
        .route("/v1.0/organization/{id}", get(organization_one))
        .route("/v1.0/domains", get(domains))
        .route("/v1.0/domains/{name}", get(domain))
}

async fn org_value(s: &AppState, caller: &Caller) -> Result<Value, GraphError> {
    let t = s
        .store
        .get_tenant(caller.tenant)
        .await?
        .ok_or_else(|| GraphError::not_found(caller.tenant))?;
    let domains = s.store.list_domains(caller.tenant).await?;
    let verified: Vec<Value> = domains
        .iter()
        .filter(|d| d.is_verified)
        .map(|d| {
            serde_json::json!({
                "capabilities": "Email, OfficeCommunicationsOnline",
                "isDefault": d.is_default,
                "isInitial": d.is_initial,
                "name": d.name,
                "type": "Managed",
            })
        })
        .collect();
    Ok(serde_json::json!({
        "id": t.id,
        "displayName": t.display_name,
        "createdDateTime": t.created_date_time.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        "tenantType": "AAD",
        "verifiedDomains": verified,
    }))
}

async fn organization(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadOrg)?;
    let v = org_value(&s, &caller).await?;
    Ok(Json(query::collection(
        query::context(&s, "organization", &[]),
        vec![v],
        None,
        None,
    )))
}

async fn organization_one(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadOrg)?;
    if !id.eq_ignore_ascii_case(&caller.tenant.to_string()) {
        return Err(GraphError::not_found(
            id.chars().take(64).collect::<String>(),
        ));
    }
    let v = org_value(&s, &caller).await?;
    Ok(Json(query::entity(
        query::context(&s, "organization", &[]),
        v,
    )))
}

async fn domains(State(s): State<AppState>, caller: Caller) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadDomains)?;
    let value = s
        .store
        .list_domains(caller.tenant)
        .await?
        .iter()
        .map(|d| serde_json::to_value(d).unwrap_or(Value::Null))
        .collect();
    Ok(Json(query::collection(
        query::context(&s, "domains", &[]),
        value,
        None,
        None,
    )))
}

async fn domain(
    State(s): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadDomains)?;
    let d = s
        .store
        .list_domains(caller.tenant)
        .await?
        .into_iter()
        .find(|d| d.name.eq_ignore_ascii_case(&name))
        .ok_or_else(|| GraphError::not_found(name.chars().take(256).collect::<String>()))?;
    Ok(Json(query::entity(
        query::context(&s, "domains", &[]),
        serde_json::to_value(d).unwrap_or(Value::Null),
    )))
}
