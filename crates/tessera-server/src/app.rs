//! The router: the landing page, operations endpoints, the protocol
//! surfaces, and the middleware every response goes through.
use crate::error::ApiError;
use crate::state::AppState;
use crate::telemetry;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn router(state: AppState) -> Router {
    let tls = state.tls;
    let max_body = state.config.max_body_bytes;
    let routes = Router::new()
        .route("/", get(home))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .merge(crate::oauth::routes())
        .merge(crate::signin::routes())
        .merge(crate::userinfo::routes())
        .merge(crate::graph::routes(state.clone()))
        .fallback(not_found)
        .with_state(state);

    let hsts = tls.then(|| HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    let security = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            hsts,
        ));

    routes
        .layer(middleware::from_fn(telemetry::track))
        .layer(
            ServiceBuilder::new()
                // Outermost first: an id for every request (a well-formed incoming
                // one is kept), echoed on the response, in every log line.
                .map_request(drop_malformed_request_id)
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
                    let id = req
                        .extensions()
                        .get::<RequestId>()
                        .and_then(|id| id.header_value().to_str().ok())
                        .unwrap_or("-")
                        .to_string();
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
                }))
                .layer(security)
                .layer(CatchPanicLayer::custom(|_| ApiError::internal().into_response()))
                .layer(RequestBodyLimitLayer::new(max_body))
                .layer(DefaultBodyLimit::max(max_body))
                .layer(tower_http::timeout::TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    Duration::from_secs(30),
                )),
        )
}

/// A client-supplied request id goes into logs and responses: accept only
/// short ids of safe characters, replace anything else with a fresh one.
fn drop_malformed_request_id<B>(mut req: axum::http::Request<B>) -> axum::http::Request<B> {
    let bad = req.headers().get(&REQUEST_ID).is_some_and(|v| {
        let b = v.as_bytes();
        b.is_empty()
            || b.len() > 128
            || !b
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || b"-_.:".contains(c))
    });
    if bad {
        req.headers_mut().remove(&REQUEST_ID);
    }
    req
}

/// `/`: a small page for whoever opens the server in a browser, linking to
/// what exists (security info, discovery, the directory API's OpenAPI
/// document, health). Server-rendered with the sign-in pages' layout and
/// stylesheet; no script, no external asset.
async fn home(State(state): State<AppState>) -> Response {
    static ENV: std::sync::OnceLock<minijinja::Environment<'static>> = std::sync::OnceLock::new();
    let env = ENV.get_or_init(|| {
        let mut env = minijinja::Environment::new();
        for (name, src) in [
            ("layout.html", include_str!("../templates/layout.html")),
            ("home.html", include_str!("../templates/home.html")),
        ] {
            if let Err(e) = env.add_template(name, src) {
                tracing::error!(template = name, error = %e, "template does not parse");
            }
        }
        env
    });
    let html = env.get_template("home.html").and_then(|t| {
        t.render(minijinja::context! {
            base => state.public_url.as_ref(),
            tenant => state.home_tenant.to_string(),
        })
    });
    match html {
        Ok(html) => {
            let csp = crate::signin::pages::csp(&[], None, &[]);
            let mut res = (no_store(), axum::response::Html(html)).into_response();
            if let Ok(v) = HeaderValue::from_str(&csp) {
                res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
            }
            res
        }
        Err(e) => {
            tracing::error!(error = %e, "the landing page did not render");
            ApiError::internal().into_response()
        }
    }
}

async fn healthz() -> impl IntoResponse {
    (no_store(), Json(serde_json::json!({ "status": "ok" })))
}

/// Ready when the database answers and its schema is the one this binary expects.
async fn readyz(State(state): State<AppState>) -> Response {
    let check = async {
        state.store.ping().await?;
        state.store.schema_status().await
    };
    let body = match tokio::time::timeout(Duration::from_secs(2), check).await {
        Ok(Ok(s)) if s.is_current() => {
            return (
                no_store(),
                Json(serde_json::json!({
                    "status": "ready",
                    "database": "ok",
                    "backend": state.store.backend().as_str(),
                    "schema": { "applied": s.applied, "expected": s.expected },
                })),
            )
                .into_response()
        }
        Ok(Ok(s)) => serde_json::json!({
            "status": "not_ready",
            "reason": "schema not current",
            "schema": { "applied": s.applied, "expected": s.expected },
        }),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            serde_json::json!({ "status": "not_ready", "reason": "database unavailable" })
        }
        Err(_) => {
            serde_json::json!({ "status": "not_ready", "reason": "database did not answer in time" })
        }
    };
    let mut res = (StatusCode::SERVICE_UNAVAILABLE, no_store(), Json(body)).into_response();
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    res
}

async fn metrics() -> Response {
    match telemetry::prometheus() {
        Some(handle) => {
            handle.run_upkeep();
            (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
                )],
                handle.render(),
            )
                .into_response()
        }
        None => ApiError::internal().into_response(),
    }
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "Request_ResourceNotFound",
        "No such endpoint.",
    )
}

fn no_store() -> [(HeaderName, HeaderValue); 1] {
    [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))]
}
