//! The directory API under `/v1.0`, shaped like Microsoft Graph v1.0:
//! resource paths, JSON shapes, OData query options, paging, status codes
//! and error bodies follow Graph, so Microsoft's Graph SDKs work against it
//! with only the base URL changed. Every request is authorised against the
//! caller's token (see `auth.rs` and `docs/design/directory-api.md`) and
//! touches only the caller's tenant.
mod applications;
mod auth;
mod auth_methods;
mod body;
mod errors;
mod extensions;
mod groups;
mod membership;
pub mod openapi;
mod org;
mod policies;
mod query;
mod roles;
mod service_principals;
mod settings;
mod sign_ins;
mod users;

pub use auth::{Caller, Op};
pub use errors::GraphError;

use crate::state::AppState;
use axum::Router;

pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .merge(users::routes())
        .merge(applications::routes())
        .merge(extensions::routes())
        .merge(groups::routes())
        .merge(membership::routes())
        .merge(org::routes())
        .merge(openapi::routes())
        .merge(roles::routes())
        .merge(service_principals::routes())
        .merge(auth_methods::routes())
        .merge(policies::routes())
        .merge(settings::routes())
        .merge(sign_ins::routes())
        .route("/v1.0", axum::routing::any(unknown_segment))
        .route("/v1.0/{*rest}", axum::routing::any(unknown_segment))
        .layer(axum::middleware::from_fn_with_state(
            state,
            read_your_writes,
        ))
        .layer(axum::middleware::from_fn(errors::graph_shape))
}

/// After a successful write, this node's token-endpoint cache is emptied at
/// once (other nodes follow within the change-log poll): a secret removed
/// through the API stops working here before the API call returns.
async fn read_your_writes(
    axum::extract::State(s): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let write = !matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    );
    let res = next.run(req).await;
    if write && res.status().is_success() {
        s.directory.invalidate();
    }
    res
}

/// Answers within `/v1.0` that found no route: Graph's alternate-key
/// addressing (`servicePrincipals(appId='…')`, `applications(appId='…')`,
/// which the router cannot match) is resolved to the object id and routed
/// again; anything else is Graph's 400 BadRequest, "Resource not found for
/// the segment …".
pub async fn unknown_segment(
    axum::extract::State(s): axum::extract::State<AppState>,
    req: axum::extract::Request,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    use tower::ServiceExt;
    let uri = req.uri().clone();
    let req = match alternate_key(&s, uri, req).await {
        Ok(rewritten) => {
            return match routes(s.clone()).with_state(s).oneshot(rewritten).await {
                Ok(r) => r,
                Err(never) => match never {},
            }
        }
        Err(req) => req,
    };
    let seg = first_segment(req.uri());
    GraphError::bad_request(
        "BadRequest",
        format!("Resource not found for the segment '{seg}'."),
    )
    .into_response()
}

fn first_segment(uri: &axum::http::Uri) -> String {
    uri.path()
        .trim_start_matches("/v1.0")
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or("")
        .chars()
        .take(64)
        .collect()
}

/// The request with `{set}(appId='{guid}')` replaced by `{set}/{object id}`
/// (the nil id when the tenant has no such object: a 404 follows), or the
/// segment's own 400 when it is not alternate-key addressing.
async fn alternate_key(
    s: &AppState,
    uri: axum::http::Uri,
    req: axum::extract::Request,
) -> Result<axum::extract::Request, axum::extract::Request> {
    let Some(target) = alternate_target(&uri) else {
        return Err(req);
    };
    let (set, app_id, tail) = target;
    let tenant = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .and_then(|(_, t)| tessera_oauth::userinfo::claimed_tenant(t.trim()));
    // The tenant the token claims: the handler verifies the token, and a
    // token of another tenant fails there, so this lookup reveals nothing.
    let id = match (tenant, set) {
        (Some(t), "servicePrincipals") => s
            .store
            .service_principal_by_app_id(t, app_id)
            .await
            .ok()
            .flatten()
            .map(|p| p.id),
        (Some(t), _) => s
            .store
            .application_by_app_id(app_id)
            .await
            .ok()
            .flatten()
            .filter(|(home, _)| *home == t)
            .map(|(_, a)| a.id),
        (None, _) => None,
    }
    .map_or_else(|| uuid::Uuid::nil().to_string(), |id| id.to_string());
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    let Ok(u) = format!("/v1.0/{set}/{id}{tail}{query}").parse::<axum::http::Uri>() else {
        return Err(req);
    };
    // A fresh request: the outer route's extensions (its matched path and
    // path parameters) must not reach the inner route's extractors.
    let (parts, body) = req.into_parts();
    let mut fresh = axum::extract::Request::new(body);
    *fresh.method_mut() = parts.method;
    *fresh.uri_mut() = u;
    *fresh.version_mut() = parts.version;
    *fresh.headers_mut() = parts.headers;
    Ok(fresh)
}

/// `(entity set, appId, rest of the path)` of `{set}(appId='{guid}')/…`.
fn alternate_target(uri: &axum::http::Uri) -> Option<(&'static str, tessera_model::AppId, String)> {
    let path = uri.path().strip_prefix("/v1.0/")?;
    let (first, rest) = path.split_once('/').map_or((path, ""), |(a, b)| (a, b));
    let first = form_urlencoded::parse(format!("k={first}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())?;
    let (set, key) = first.split_once("(appId=")?;
    let app_id: tessera_model::AppId = key
        .strip_suffix(')')?
        .trim_matches(|c| c == '\'' || c == '"')
        .parse()
        .ok()?;
    let set = match set {
        "servicePrincipals" => "servicePrincipals",
        "applications" => "applications",
        _ => return None,
    };
    let tail = if rest.is_empty() {
        String::new()
    } else {
        format!("/{rest}")
    };
    Some((set, app_id, tail))
}
