//! `/v1.0/auditLogs/signIns`: the tenant's sign-in log, newest first, in
//! Graph's `signIn` shape (with beta's `authenticationRequirement` and
//! `authenticationDetails`, which v1.0 clients ignore). Paged by keyset
//! (`createdDateTime`, id) with an authenticated `$skiptoken`; `$filter`
//! takes one user, by `userId` or `userPrincipalName`.
use super::auth::{Caller, Op};
use super::auth_methods::date;
use super::errors::GraphError;
use super::query::{self, Listing};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use tessera_model::{ObjectId, SignInEvent, TenantId};
use tessera_odata::{CmpOp, Expr, Literal};
use tessera_store::Cursor;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1.0/auditLogs/signIns", get(list))
        .route("/v1.0/auditLogs/signIns/{id}", get(get_one))
}

/// Every property a sign-in has here, for `$select`.
const KNOWN: &[&str] = &[
    "id",
    "createdDateTime",
    "userDisplayName",
    "userPrincipalName",
    "userId",
    "appId",
    "appDisplayName",
    "ipAddress",
    "clientAppUsed",
    "isInteractive",
    "conditionalAccessStatus",
    "status",
    "authenticationRequirement",
    "authenticationDetails",
];

fn render(e: &SignInEvent, display_name: Option<&str>) -> Value {
    let details: Vec<Value> = e
        .steps
        .iter()
        .map(|st| {
            json!({
                "authenticationMethod": st.method,
                "authenticationStepResultDetail": st.detail,
                "succeeded": st.succeeded,
                "authenticationStepDateTime": date(st.at),
            })
        })
        .collect();
    json!({
        "id": e.id,
        "createdDateTime": date(e.created_at),
        "userDisplayName": display_name,
        "userPrincipalName": e.user_principal_name,
        "userId": e.user_id,
        "appId": e.app_id,
        "appDisplayName": e.app_display_name,
        "ipAddress": e.ip_address,
        "clientAppUsed": "Browser",
        "isInteractive": true,
        "conditionalAccessStatus": "notApplied",
        "status": {
            "errorCode": e.error_code,
            "failureReason": if e.failure_reason.is_empty() { Value::Null } else { e.failure_reason.clone().into() },
            "additionalDetails": null,
        },
        "authenticationRequirement": e.requirement,
        "authenticationDetails": details,
    })
}

/// The events rendered, with the display names of their (existing) users.
async fn render_all(
    s: &AppState,
    t: TenantId,
    events: &[SignInEvent],
    select: &[String],
) -> Result<Vec<Value>, GraphError> {
    let mut ids: Vec<ObjectId> = events.iter().filter_map(|e| e.user_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let names: HashMap<ObjectId, String> = s
        .store
        .users_by_ids(t, &ids)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    events
        .iter()
        .map(|e| {
            let v = render(e, e.user_id.and_then(|u| names.get(&u)).map(String::as_str));
            if select.is_empty() {
                Ok(v)
            } else {
                query::project(v, select, &[], &|p| KNOWN.contains(&p), "signIn")
            }
        })
        .collect()
}

fn unsupported() -> GraphError {
    GraphError::bad_request(
        "Request_UnsupportedQuery",
        "Only $filter=userId eq '…' or userPrincipalName eq '…' is supported on signIns.",
    )
}

/// Whose sign-ins a `$filter` asks for: `Ok(None)` all, `Ok(Some(None))`
/// a user that does not exist (nothing to show).
async fn whose(
    s: &AppState,
    t: TenantId,
    filter: Option<&Expr>,
) -> Result<Option<Option<ObjectId>>, GraphError> {
    let Some(e) = filter else {
        return Ok(None);
    };
    let Expr::Cmp(path, CmpOp::Eq, Literal::String(v) | Literal::Guid(v)) = e else {
        return Err(unsupported());
    };
    match path.as_slice() {
        [p] if p.eq_ignore_ascii_case("userId") => {
            let id: ObjectId = v.parse().map_err(|_| {
                GraphError::bad_request("Request_BadRequest", "userId must be a GUID.")
            })?;
            Ok(Some(Some(id)))
        }
        [p] if p.eq_ignore_ascii_case("userPrincipalName") => {
            if v.len() > 256 {
                return Ok(Some(None));
            }
            Ok(Some(s.store.get_user_by_upn(t, v).await?.map(|u| u.id)))
        }
        _ => Err(unsupported()),
    }
}

async fn list(
    State(s): State<AppState>,
    caller: Caller,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadSignIns)?;
    let t = caller.tenant;
    let l = Listing::parse(&uri, &headers)?;
    if !l.opts.orderby.is_empty() || l.opts.count {
        return Err(GraphError::bad_request(
            "Request_UnsupportedQuery",
            "$orderby and $count are not supported on signIns (they are listed newest first).",
        ));
    }
    let user = whose(&s, t, l.opts.filter.as_ref()).await?;
    // The skiptoken names the last row shown: (createdDateTime ms, id).
    let q = l.store_query(&s, vec![])?;
    let before = match &q.after {
        None => None,
        Some(c) => Some((
            c.keys
                .first()
                .and_then(Value::as_i64)
                .map(tessera_model::from_millis)
                .ok_or_else(|| {
                    GraphError::bad_request(
                        "Request_BadRequest",
                        "The $skiptoken is not valid for this request.",
                    )
                })?,
            c.id,
        )),
    };
    let mut events = match user {
        Some(None) => Vec::new(),
        Some(Some(u)) => s.store.sign_ins(t, Some(u), before, q.limit + 1).await?,
        None => s.store.sign_ins(t, None, before, q.limit + 1).await?,
    };
    let more = events.len() > q.limit as usize;
    events.truncate(q.limit as usize);
    let next = match events.last() {
        Some(last) if more => Some(l.next_link(
            &s,
            &Cursor {
                keys: vec![tessera_model::to_millis(last.created_at).into()],
                id: last.id,
            },
        )),
        _ => None,
    };
    let value = render_all(&s, t, &events, &l.opts.select).await?;
    let context = query::context(&s, "auditLogs/signIns", &l.opts.select);
    Ok(Json(query::collection(context, value, None, next)))
}

/// `GET /auditLogs/signIns/{id}`.
async fn get_one(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadSignIns)?;
    let t = caller.tenant;
    let l = Listing::parse(&uri, &headers)?;
    let missing = || GraphError::not_found(id.chars().take(64).collect::<String>());
    let want: ObjectId = id.parse().map_err(|_| missing())?;
    let e = s.store.sign_in(t, want).await?.ok_or_else(missing)?;
    let v = render_all(&s, t, std::slice::from_ref(&e), &l.opts.select).await?;
    let context = query::context(&s, "auditLogs/signIns", &l.opts.select);
    Ok(Json(query::entity(
        context,
        v.into_iter().next().unwrap_or_default(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_model::AuthStep;

    #[test]
    fn a_sign_in_in_graphs_shape() {
        let at = time::macros::datetime!(2026-03-04 05:06:07 UTC);
        let e = SignInEvent {
            id: ObjectId(uuid::Uuid::nil()),
            created_at: at,
            user_id: None,
            user_principal_name: "nobody@contoso.com".into(),
            app_id: None,
            app_display_name: "Portal".into(),
            ip_address: "192.0.2.1".into(),
            error_code: 50126,
            failure_reason: "Invalid username or password.".into(),
            requirement: "singleFactorAuthentication".into(),
            steps: vec![AuthStep {
                method: "Password".into(),
                succeeded: false,
                detail: "Invalid password".into(),
                at,
            }],
        };
        let v = render(&e, None);
        assert_eq!(v["createdDateTime"], "2026-03-04T05:06:07Z");
        assert_eq!(v["status"]["errorCode"], 50126);
        assert!(v["userId"].is_null() && v["userDisplayName"].is_null());
        assert_eq!(
            v["authenticationDetails"][0]["authenticationMethod"],
            "Password"
        );
        assert_eq!(v["authenticationDetails"][0]["succeeded"], false);
    }
}
