//! CORS for what single-page apps call from the browser (MSAL.js and the
//! like): the token endpoint (any origin is answered; what a cross-origin
//! request may redeem is the engine's rule — a SPA's code or a public
//! client's refresh token), revocation (answered as the token endpoint is;
//! cross-origin or not, a client naming itself with `client_id` alone
//! revokes only tokens issued to it as a public client), discovery, JWKS
//! and userinfo. No endpoint
//! allows credentials (cookies): browsers never send the SSO cookie
//! cross-origin to these.
use axum::http::{header, HeaderMap, Method};
use std::time::Duration;
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

/// For POST endpoints called with a request body and custom headers
/// (MSAL.js sends `client-request-id`, `x-client-*`): the token and
/// revocation endpoints. Origin and requested headers mirrored, preflight
/// cached for a day.
pub fn token_endpoint() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::mirror_request())
        .allow_methods([Method::POST, Method::OPTIONS])
        .allow_headers(AllowHeaders::mirror_request())
        .max_age(Duration::from_secs(86400))
}

/// For public GET endpoints (discovery, JWKS) and bearer-token ones
/// (userinfo).
pub fn public_get() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(Duration::from_secs(86400))
}

/// Whether a browser sent this request cross-origin.
pub fn is_cross_origin(headers: &HeaderMap) -> bool {
    headers.contains_key(header::ORIGIN)
}
