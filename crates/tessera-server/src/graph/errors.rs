//! Graph's error body, `{"error":{"code","message","innerError":{"date",
//! "request-id","client-request-id"}}}`, for every answer under `/v1.0`
//! that is not a success — including the ones axum or tower produce
//! (unknown method, oversized body, timeout), which the middleware rewrites.
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tessera_store::StoreError;

#[derive(Debug)]
pub struct GraphError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl GraphError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found(id: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
        )
    }

    pub fn denied() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        )
    }

    pub fn unauthenticated(message: &str) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            message,
        )
    }
}

impl From<StoreError> for GraphError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::new(
                StatusCode::NOT_FOUND,
                "Request_ResourceNotFound",
                "Resource does not exist or one of its queried reference-property objects are not present.",
            ),
            StoreError::Conflict(m) | StoreError::InvalidReference(m) => {
                Self::bad_request("Request_BadRequest", m)
            }
            e @ StoreError::LastGlobalAdministrator => {
                Self::new(StatusCode::CONFLICT, "Request_BadRequest", e.to_string())
            }
            StoreError::InvalidInput(m) => Self::bad_request("Request_BadRequest", m),
            other => {
                let api = crate::error::ApiError::from(other);
                Self::new(api.status, api.code, api.message)
            }
        }
    }
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": { "code": self.code, "message": self.message } });
        let mut res = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"\", error=\"invalid_token\""),
            );
        }
        res
    }
}

/// Upper bound on an error body the middleware reads back to rewrite.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Gives every error under `/v1.0` Graph's shape with `innerError` (the
/// request id the log lines carry, the client's `client-request-id` when it
/// is well-formed, the date), and marks every answer `no-store`.
pub async fn graph_shape(req: Request, next: Next) -> Response {
    let client_request_id = req
        .headers()
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .map(str::to_string);
    // Set on the request by the outer request-id layer (the response gets
    // it only on the way out, after this middleware).
    let request_id = req
        .headers()
        .get(crate::app::REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let mut res = next.run(req).await;
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(id) = &client_request_id {
        if let Ok(v) = HeaderValue::from_str(id) {
            res.headers_mut().insert("client-request-id", v);
        }
    }
    let status = res.status();
    if status.is_success() || status.is_redirection() || status.is_informational() {
        return res;
    }
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_ERROR_BODY)
        .await
        .unwrap_or_default();
    let parsed: Option<serde_json::Value> = serde_json::from_slice(&bytes).ok();
    let (code, message) = match parsed.as_ref().and_then(|v| v.get("error")) {
        Some(e) if e["code"].is_string() => (
            e["code"].as_str().unwrap_or_default().to_string(),
            e["message"].as_str().unwrap_or_default().to_string(),
        ),
        _ => fallback(status),
    };
    let date = tessera_model::Clock::now(&crate::clock::SystemClock)
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default();
    let mut inner = serde_json::json!({ "date": date, "request-id": request_id });
    if let Some(id) = client_request_id {
        inner["client-request-id"] = id.into();
    }
    let body =
        serde_json::json!({ "error": { "code": code, "message": message, "innerError": inner } });
    let mut res = Response::from_parts(parts, Body::from(body.to_string()));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res.headers_mut().remove(header::CONTENT_LENGTH);
    res
}

/// Graph's code and message for an error produced outside a handler.
fn fallback(status: StatusCode) -> (String, String) {
    let (code, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "Request_BadRequest",
            "The HTTP method is not supported on this resource.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "Request_EntityTooLarge",
            "The request body is larger than the server accepts.",
        ),
        StatusCode::REQUEST_TIMEOUT => ("Request_Timeout", "The request timed out."),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ("BadRequest", "The Content-Type must be application/json.")
        }
        StatusCode::NOT_FOUND => ("Request_ResourceNotFound", "The resource does not exist."),
        s if s.is_server_error() => ("generalException", "An internal error occurred."),
        _ => ("BadRequest", "The request is not valid."),
    };
    (code.into(), message.into())
}
