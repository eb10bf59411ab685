//! The directory API under `/v1.0`, shaped like Microsoft Graph v1.0:
//! resource paths, JSON shapes, OData query options, paging, status codes
//! and error bodies follow Graph, so Microsoft's Graph SDKs work against it
//! with only the base URL changed. Every request is authorised against the
//! caller's token (see `auth.rs` and `docs/design/directory-api.md`) and
//! touches only the caller's tenant.
mod auth;
mod body;
mod errors;
mod groups;
mod org;
mod query;
mod users;

pub use auth::{Caller, Op};
pub use errors::GraphError;

use crate::state::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(users::routes())
        .merge(groups::routes())
        .merge(org::routes())
        .route("/v1.0", axum::routing::any(unknown_segment))
        .route("/v1.0/{*rest}", axum::routing::any(unknown_segment))
        .layer(axum::middleware::from_fn(errors::graph_shape))
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
