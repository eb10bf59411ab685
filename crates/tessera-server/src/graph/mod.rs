//! The directory API under `/v1.0`, shaped like Microsoft Graph v1.0:
//! resource paths, JSON shapes, OData query options, paging, status codes
//! and error bodies follow Graph, so Microsoft's Graph SDKs work against it
//! with only the base URL changed. Every request is authorised against the
//! caller's token (see `auth.rs` and `docs/design/directory-api.md`) and
//! touches only the caller's tenant.
mod applications;
mod auth;
mod body;
mod errors;
mod extensions;
mod groups;
pub mod openapi;
mod org;
mod query;
mod roles;
mod service_principals;
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
        .merge(org::routes())
        .merge(openapi::routes())
        .merge(roles::routes())
        .merge(service_principals::routes())
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

/// Answers within `/v1.0` that found no route (Graph: 400 BadRequest,
/// "Resource not found for the segment …").
pub async fn unknown_segment(uri: axum::http::Uri) -> GraphError {
    let seg = uri
        .path()
        .trim_start_matches("/v1.0")
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or("")
        .chars()
        .take(64)
        .collect::<String>();
    GraphError::bad_request(
        "BadRequest",
        format!("Resource not found for the segment '{seg}'."),
    )
}
