//! `/oidc/userinfo` (GET and POST share one body): a Bearer access token for
//! the directory API in, the signed-in user's claims out. A token of a user
//! who is disabled, deleted or whose sessions were revoked after it was
//! issued is refused, by the directory API's rule. Refusals follow RFC 6750
//! §3 (`WWW-Authenticate: Bearer error=…`).
use crate::clock::SystemClock;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tessera_model::Clock;
use tessera_oauth::userinfo::{self, Refusal};

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/oidc/userinfo",
        get(handle).post(handle).layer(crate::cors::public_get()),
    )
}

fn refuse(r: Refusal) -> Response {
    let (status, www) = match r {
        Refusal::InvalidToken => (
            StatusCode::UNAUTHORIZED,
            "Bearer error=\"invalid_token\", error_description=\"The access token is missing, invalid or expired.\"",
        ),
        Refusal::InsufficientScope => (
            StatusCode::FORBIDDEN,
            "Bearer error=\"insufficient_scope\", scope=\"openid\"",
        ),
    };
    let mut res = (status, [(header::CACHE_CONTROL, "no-store")]).into_response();
    res.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(www));
    res
}

async fn handle(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_string());
    let Some(token) = token.filter(|t| !t.is_empty() && t.len() < 16_384) else {
        return refuse(Refusal::InvalidToken);
    };
    let Some(tenant) = userinfo::claimed_tenant(&token) else {
        return refuse(Refusal::InvalidToken);
    };
    let now = SystemClock.now();
    let kid = crate::oauth::token_kid(&token);
    let jwks = match crate::oauth::published_jwks_cached(&s, tenant, now, kid.as_deref()).await {
        Ok(k) => k,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let issuer = tessera_oauth::token::issuer(&s.public_url, tenant);
    let caller = match userinfo::check(&token, &jwks, &issuer, now.unix_timestamp()) {
        Ok(c) => c,
        Err(r) => return refuse(r),
    };
    // Disabled, deleted, or signed out everywhere since the token was issued.
    let stands = tessera_oauth::introspect::user_token_stands(
        s.store.as_ref(),
        tenant,
        caller.user,
        caller.iat,
    );
    match stands.await {
        Ok(true) => {}
        Ok(false) => return refuse(Refusal::InvalidToken),
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    }
    let user = match s.store.get_user(tenant, caller.user).await {
        Ok(Some(u)) if u.account_enabled => u,
        Ok(_) => return refuse(Refusal::InvalidToken),
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let body = userinfo::answer(s.signin.pairwise_key.as_ref(), tenant, &caller, &user);
    ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}
