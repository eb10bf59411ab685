//! Errors at the HTTP edge, written as `{"error":{"code","message"}}` (Graph's
//! shape; OAuth and SCIM surfaces map to their own formats). Never carries
//! internal details: those go to the log with the request id.
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use tessera_store::StoreError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "serviceUnavailable",
            "The service is temporarily unavailable; retry shortly.",
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "generalException",
            "An internal error occurred.",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(detail) => {
                tracing::warn!(%detail, "database unavailable");
                Self::unavailable()
            }
            StoreError::NotFound => Self::new(
                StatusCode::NOT_FOUND,
                "Request_ResourceNotFound",
                "Resource not found.",
            ),
            StoreError::Conflict(m) => Self::new(StatusCode::CONFLICT, "Request_BadRequest", m),
            e @ StoreError::LastGlobalAdministrator => {
                Self::new(StatusCode::CONFLICT, "Request_BadRequest", e.to_string())
            }
            StoreError::InvalidReference(m) | StoreError::InvalidInput(m) => {
                Self::new(StatusCode::BAD_REQUEST, "Request_BadRequest", m)
            }
            other => {
                tracing::error!(error = %other, "store error");
                Self::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": { "code": self.code, "message": self.message } });
        let mut res = (self.status, Json(body)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res
    }
}
