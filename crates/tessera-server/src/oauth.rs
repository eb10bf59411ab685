//! The OAuth 2.0 / OpenID Connect edge: parse HTTP, call the engine, write
//! the answer. Errors are RFC 6749 JSON with Entra's extra fields.
use crate::clock::SystemClock;
use crate::state::AppState;
use crate::tenant::PathTenant;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use tessera_model::{Clock, TenantId};
use tessera_oauth::directory::Directory;
use tessera_oauth::error::{self as e, OAuthError};
use tessera_oauth::introspect::{self, IntrospectRequest};
use tessera_oauth::{TokenContext, TokenRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(discovery).layer(crate::cors::public_get()),
        )
        // RFC 8414 §3.1: the issuer `{base}/{tenant}/v2.0`'s metadata URL.
        .route(
            "/.well-known/oauth-authorization-server/{tenant}/v2.0",
            get(discovery).layer(crate::cors::public_get()),
        )
        .route(
            "/{tenant}/discovery/v2.0/keys",
            get(jwks).layer(crate::cors::public_get()),
        )
        .route(
            "/{tenant}/oauth2/v2.0/token",
            post(token).layer(crate::cors::token_endpoint()),
        )
        .route("/{tenant}/oauth2/v2.0/introspect", post(introspect))
        // A single-page app revokes its refresh token from the browser.
        .route(
            "/{tenant}/oauth2/v2.0/revoke",
            post(revoke).layer(crate::cors::token_endpoint()),
        )
        .route("/{tenant}/oauth2/v2.0/devicecode", post(devicecode))
        .route("/{tenant}/oauth2/v2.0/par", post(par))
}

async fn discovery(
    State(s): State<AppState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
) -> Response {
    let tenant = match metadata_tenant(&s, &segment, &headers).await {
        Ok(t) => t,
        Err(res) => return res,
    };
    let doc = tessera_oauth::discovery::document(&s.public_url, &segment, tenant);
    (
        [(header::CACHE_CONTROL, "max-age=86400, private")],
        Json(doc),
    )
        .into_response()
}

/// The tenant a metadata path names: `Some` for a tenant, `None` for
/// `common`/`organizations`; an unknown one is an error response.
async fn metadata_tenant(
    s: &AppState,
    segment: &str,
    headers: &HeaderMap,
) -> Result<Option<TenantId>, Response> {
    match s.directory.tenant(segment).await {
        Ok(PathTenant::Tenant(t)) => Ok(Some(t)),
        Ok(PathTenant::Common) => Ok(None),
        Ok(PathTenant::Unknown) => Err(oauth_error(
            OAuthError::new(e::TENANT_NOT_FOUND),
            headers,
            false,
        )),
        Err(err) => Err(oauth_error(err.into(), headers, false)),
    }
}

async fn jwks(
    State(s): State<AppState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
) -> Response {
    let tenant = match metadata_tenant(&s, &segment, &headers).await {
        Ok(t) => t,
        Err(res) => return res,
    };
    // `common` publishes the home tenant's keys (the only signer today).
    let t = tenant.unwrap_or(s.home_tenant);
    match published_jwks(&s, t, SystemClock.now()).await {
        Ok(keys) => (
            [(header::CACHE_CONTROL, "max-age=3600, private")],
            Json(serde_json::json!({ "keys": keys })),
        )
            .into_response(),
        Err(err) => oauth_error(err.into(), &headers, false),
    }
}

async fn token(
    State(s): State<AppState>,
    Path(segment): Path<String>,
    ip: crate::signin::authn::ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let cross_origin = crate::cors::is_cross_origin(&headers);
    form_endpoint(&headers, &body, |pairs, basic| async move {
        let mut req = TokenRequest::parse(pairs, basic)?;
        req.cross_origin = cross_origin;
        let hint = match &req.grant {
            // An approved device code is served in the approving user's tenant.
            tessera_oauth::GrantRequest::DeviceCode { device_code, .. } => {
                tessera_oauth::grants::device_code::serving_tenant(s.store.as_ref(), device_code)
                    .await?
            }
            g => g.tenant_hint(),
        };
        let p = prepare_for(&s, &segment, "token", hint).await?;
        // On-behalf-of verifies an access token of ours: the published keys.
        let jwks = match req.grant {
            tessera_oauth::GrantRequest::JwtBearer { .. } => {
                published_jwks(&s, p.tenant, p.now).await?
            }
            _ => vec![],
        };
        let ctx = TokenContext {
            published_keys: &jwks,
            client_ip: ip.0.parse().ok(),
            ..p.context(&s)
        };
        tessera_oauth::token(&ctx, p.tenant, req, &mut rand::rngs::OsRng).await
    })
    .await
}

/// RFC 7662 introspection, for authenticated clients of the tenant.
async fn introspect(
    State(s): State<AppState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    form_endpoint(&headers, &body, |pairs, basic| async move {
        let req = IntrospectRequest::parse(pairs, basic)?;
        let p = prepare(&s, &segment, "introspect").await?;
        let caller =
            tessera_oauth::client_auth::authenticate(&p.context(&s), p.tenant, &req.client).await?;
        let jwks = published_jwks(&s, p.tenant, p.now).await?;
        let issuer = tessera_oauth::token::issuer(&s.public_url, p.tenant);
        let caller_id = caller.app.app_id.to_string();
        introspect::introspect(
            s.store.as_ref(),
            p.tenant,
            &req.token,
            &jwks,
            &issuer,
            &caller_id,
            p.now.unix_timestamp(),
        )
        .await
    })
    .await
}

/// RFC 7009 revocation; the client authenticates as at the token endpoint
/// (public clients name themselves with `client_id`). The tenant's published
/// keys tell access and ID tokens (not revocable) from the rest.
async fn revoke(
    State(s): State<AppState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    form_endpoint(&headers, &body, |pairs, basic| async move {
        let req = tessera_oauth::revoke::RevokeRequest::parse(pairs, basic)?;
        // On `/common`: the tenant a refresh token, or (unverified, only
        // whose keys to check it with) a JWT, names.
        let hint = tessera_oauth::token::token_tenant(&req.token)
            .or_else(|| tessera_oauth::token::jwt_tenant(&req.token));
        let p = prepare_for(&s, &segment, "revoke", hint).await?;
        let kid = token_kid(&req.token);
        let jwks = published_jwks_cached(&s, p.tenant, p.now, kid.as_deref()).await?;
        let ctx = TokenContext {
            published_keys: &jwks,
            ..p.context(&s)
        };
        tessera_oauth::revoke::revoke(&ctx, p.tenant, &req).await?;
        Ok(serde_json::json!({}))
    })
    .await
}

/// RFC 8628 device authorization. On `common`/`organizations` the record
/// lives in the client's home tenant and users of any tenant may approve.
async fn devicecode(
    State(s): State<AppState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    form_endpoint(&headers, &body, |pairs, basic| async move {
        let req = tessera_oauth::device::DeviceRequest::parse(pairs, basic)?;
        let path = s.directory.tenant(&segment).await?;
        let home = match req.client.client_id.as_deref().map(str::parse) {
            Some(Ok(id)) => s.directory.client(id).await?.map(|c| c.home_tenant),
            _ => None,
        };
        let hint = match path {
            PathTenant::Common => Some(home.ok_or_else(|| OAuthError::new(e::CLIENT_NOT_FOUND))?),
            _ => None,
        };
        let p = prepare_for(&s, &segment, "devicecode", hint).await?;
        let user_tenant = match path {
            PathTenant::Tenant(t) => Some(t),
            _ => None,
        };
        let uri = format!("{}/devicelogin", s.public_url);
        tessera_oauth::device::start(
            &p.context(&s),
            p.tenant,
            user_tenant,
            &req,
            &uri,
            &mut rand::rngs::OsRng,
        )
        .await
    })
    .await
}

/// RFC 9126 pushed authorization request: 201 with the `request_uri`.
async fn par(
    State(s): State<AppState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut res = form_endpoint(&headers, &body, |pairs, basic| async move {
        let req = tessera_oauth::par::ParRequest::parse(pairs, basic)?;
        let p = prepare(&s, &segment, "par").await?;
        tessera_oauth::par::push(&p.context(&s), p.tenant, req, &mut rand::rngs::OsRng).await
    })
    .await;
    if res.status() == StatusCode::OK {
        *res.status_mut() = StatusCode::CREATED;
    }
    res
}

/// The shell of every form-posting OAuth endpoint (token, introspect, and
/// later revoke, par, devicecode): read the form and Basic credentials, run
/// `handle`, answer JSON with `no-store` or the RFC 6749 error.
async fn form_endpoint<T, F, Fut>(headers: &HeaderMap, body: &[u8], handle: F) -> Response
where
    T: serde::Serialize,
    F: FnOnce(Vec<(String, String)>, Option<(String, String)>) -> Fut,
    Fut: std::future::Future<Output = Result<T, OAuthError>>,
{
    let (pairs, basic) = match read_form(headers, body) {
        Ok(f) => f,
        Err(err) => return oauth_error(err, headers, true),
    };
    let used_basic = basic.is_some();
    match handle(pairs, basic).await {
        Ok(answer) => (no_store(), Json(answer)).into_response(),
        Err(err) => oauth_error(err, headers, used_basic),
    }
}

/// The form body and HTTP Basic credentials of a token-style request.
#[allow(clippy::type_complexity)]
fn read_form(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Vec<(String, String)>, Option<(String, String)>), OAuthError> {
    let basic = basic_credentials(headers)?;
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !form_type
        .to_ascii_lowercase()
        .starts_with("application/x-www-form-urlencoded")
    {
        return Err(OAuthError::with(
            e::MALFORMED_REQUEST,
            "Content-Type must be application/x-www-form-urlencoded.",
        ));
    }
    let pairs = form_urlencoded::parse(body)
        .into_owned()
        .take(1000)
        .collect();
    Ok((pairs, basic))
}

/// What a token-style endpoint decides with: the tenant of the path, the
/// time, the tenant's signing key and the audiences a client assertion may
/// name: the endpoint's own URL and the token endpoint's (by tenant id and
/// by the path used: a client builds one kind of assertion for all of
/// them), and for PAR also the issuer (RFC 9126 §2).
struct Prepared<'s> {
    tenant: TenantId,
    now: time::OffsetDateTime,
    key: std::sync::Arc<tessera_crypto::SigningKey>,
    source: crate::keys::TenantKeySource<'s>,
    endpoints: Vec<String>,
}

async fn prepare<'s>(
    s: &'s AppState,
    segment: &str,
    endpoint: &str,
) -> Result<Prepared<'s>, OAuthError> {
    prepare_for(s, segment, endpoint, None).await
}

/// As [`prepare`]; on `/common` and `/organizations`, `hint` (the tenant a
/// code or refresh token names) is the tenant.
async fn prepare_for<'s>(
    s: &'s AppState,
    segment: &str,
    endpoint: &str,
    hint: Option<TenantId>,
) -> Result<Prepared<'s>, OAuthError> {
    let tenant = match (s.directory.tenant(segment).await?, hint) {
        (PathTenant::Tenant(t), _) => t,
        // The tenant a grant names must exist, or the grant is simply invalid.
        (PathTenant::Common, Some(t)) => match s.directory.tenant(&t.to_string()).await? {
            PathTenant::Tenant(t) => t,
            _ => return Err(OAuthError::new(e::CODE_INVALID)),
        },
        (PathTenant::Common, None) => return Err(OAuthError::new(e::TENANT_REQUIRED)),
        (PathTenant::Unknown, _) => return Err(OAuthError::new(e::TENANT_NOT_FOUND)),
    };
    let now = SystemClock.now();
    let source = crate::keys::TenantKeySource {
        ring: &s.keys,
        rotator: &s.rotator,
        tenant,
        now,
    };
    let alg = s.keys.tenant_alg(tenant).await.map_err(|err| {
        tracing::error!(error = %err, %tenant, "cannot load signing keys");
        OAuthError::new(e::SERVER_ERROR)
    })?;
    let key = tessera_oauth::KeySource::key(&source, alg).await?;
    let mut endpoints = Vec::with_capacity(5);
    for e in [endpoint, "token"] {
        for t in [tenant.to_string().as_str(), segment] {
            let url = format!("{}/{t}/oauth2/v2.0/{e}", s.public_url);
            if !endpoints.contains(&url) {
                endpoints.push(url);
            }
        }
    }
    if endpoint == "par" {
        endpoints.push(tessera_oauth::token::issuer(&s.public_url, tenant));
    }
    Ok(Prepared {
        tenant,
        now,
        key,
        source,
        endpoints,
    })
}

impl Prepared<'_> {
    fn context<'a>(&'a self, s: &'a AppState) -> TokenContext<'a> {
        TokenContext {
            directory: s.directory.as_ref(),
            now: self.now,
            public_url: &s.public_url,
            key: &self.key,
            keys: &self.source,
            token_endpoints: &self.endpoints,
            store: s.store.as_ref(),
            pairwise_key: s.signin.pairwise_key.as_ref(),
            published_keys: &[],
            client_ip: None,
        }
    }
}

/// The tenant's keys that belong in its JWKS now (see docs/design/key-rotation.md),
/// RSA keys first.
pub(crate) async fn published_jwks(
    s: &AppState,
    tenant: TenantId,
    now: time::OffsetDateTime,
) -> Result<Vec<serde_json::Value>, tessera_store::StoreError> {
    let mut keys: Vec<serde_json::Value> = s
        .store
        .list_signing_keys(tenant)
        .await?
        .into_iter()
        .filter(|r| is_published(s, r.active_from, r.retired_at, now))
        .map(|r| r.public_jwk)
        .collect();
    tessera_oauth::keys::jwks_order(&mut keys);
    Ok(keys)
}

/// Whether a key with these instants belongs in the JWKS at `now`.
fn is_published(
    s: &AppState,
    active_from: time::OffsetDateTime,
    retired_at: Option<time::OffsetDateTime>,
    now: time::OffsetDateTime,
) -> bool {
    let meta = tessera_oauth::keys::KeyMeta {
        kid: String::new(),
        active_from,
        retired_at,
    };
    tessera_oauth::keys::published(&meta, now, &s.rotation_policy)
}

/// [`published_jwks`] from the verification cache: what a resource endpoint
/// (directory API, userinfo) checks tokens against. `kid` is the key id the
/// token names, so a key created a moment ago elsewhere is fetched at once.
pub(crate) async fn published_jwks_cached(
    s: &AppState,
    tenant: TenantId,
    now: time::OffsetDateTime,
    kid: Option<&str>,
) -> Result<Vec<serde_json::Value>, tessera_store::StoreError> {
    Ok(s.directory
        .verify_keys(tenant, kid)
        .await?
        .iter()
        .filter(|r| is_published(s, r.active_from, r.retired_at, now))
        .map(|r| r.public_jwk.clone())
        .collect())
}

/// The `kid` in a JWT's header, if it has one.
pub(crate) fn token_kid(token: &str) -> Option<String> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let head = token.split('.').next()?;
    let v: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(head).ok()?).ok()?;
    v["kid"].as_str().map(str::to_string)
}

/// `Authorization: Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || OAuthError::with(e::MALFORMED_REQUEST, "Malformed HTTP Basic credentials.");
    let text = value.to_str().map_err(|_| bad())?;
    let Some((scheme, rest)) = text.split_once(' ') else {
        return Err(bad());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(bad());
    }
    let decoded = STANDARD.decode(rest.trim()).map_err(|_| bad())?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(bad)?;
    let dec = |s: &str| {
        form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Ok(Some((
        dec(id).ok_or_else(bad)?,
        dec(secret).ok_or_else(bad)?,
    )))
}

fn no_store() -> [(header::HeaderName, HeaderValue); 2] {
    [
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (header::PRAGMA, HeaderValue::from_static("no-cache")),
    ]
}

/// RFC 6749 §5.2 JSON with Entra's `error_codes`, `timestamp`, `trace_id`,
/// `correlation_id`.
pub fn oauth_error(err: OAuthError, headers: &HeaderMap, used_basic: bool) -> Response {
    let trace_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let correlation_id = headers
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| uuid::Uuid::parse_str(v).is_ok())
        .map(str::to_string)
        .unwrap_or_else(|| trace_id.clone());
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z");
    let timestamp = SystemClock.now().format(format).unwrap_or_default();
    let code = err.code();
    if code == tessera_oauth::ErrorCode::ServerError {
        tracing::error!(trace_id, error = %err, "token endpoint server error");
    }
    let body = serde_json::json!({
        "error": code.as_str(),
        "error_description": format!("{err} Trace ID: {trace_id} Correlation ID: {correlation_id} Timestamp: {timestamp}"),
        "error_codes": [err.what.aadsts],
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
    });
    let status = StatusCode::from_u16(code.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let mut res = (status, no_store(), Json(body)).into_response();
    if status == StatusCode::UNAUTHORIZED && used_basic {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"tessera\""),
        );
    }
    if status == StatusCode::SERVICE_UNAVAILABLE {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_snapshot() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-request-id",
            HeaderValue::from_static("0b6f3b8e-0000-4000-8000-000000000001"),
        );
        headers.insert("client-request-id", HeaderValue::from_static("not-a-guid"));
        let res = oauth_error(OAuthError::new(e::INVALID_CLIENT_SECRET), &headers, true);
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
        assert!(res.headers()[header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .starts_with("Basic"));
        let body = futures_body(res);
        insta::assert_json_snapshot!(body, {
            ".timestamp" => "[timestamp]",
            ".error_description" => insta::dynamic_redaction(|v, _| {
                let s = v.as_str().unwrap().to_string();
                let cut = s.find(" Timestamp: ").unwrap();
                format!("{} Timestamp: [timestamp]", &s[..cut])
            }),
        });
    }

    fn futures_body(res: Response) -> serde_json::Value {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let bytes = rt
            .block_on(axum::body::to_bytes(res.into_body(), 1 << 20))
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }
}
