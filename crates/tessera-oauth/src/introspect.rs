//! Token introspection (RFC 7662) for the JWT access tokens Tessera issues,
//! and the verification every place that accepts a token of ours shares
//! (introspection, userinfo, the directory API's bearer check, on-behalf-of
//! assertions, logout's `id_token_hint`): signature against the tenant's
//! published keys, `iss` present and equal to the tenant's issuer, lifetime,
//! and — where an access token is expected — the access-token marker, so an
//! ID token (same key, same issuer) is never taken for one. A caller learns
//! about a token only if it is the token's audience or its client (`azp`):
//! other tokens answer `{"active": false}`, so introspection cannot be used to
//! read other applications' tokens. An active answer carries the token's
//! claims plus RFC 7662's `active`, `token_type`, `client_id` and, for a
//! user's token, `scope` (its `scp`). A user's token also stops being active
//! when the user is disabled or deleted or their sessions were revoked
//! ([`user_token_stands`]).
use crate::request::{form_with_client, missing, ClientAuth};
use crate::OAuthError;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};
use tessera_model::{ObjectId, TenantId};

#[derive(Debug)]
pub struct IntrospectRequest {
    pub token: String,
    pub client: ClientAuth,
}

impl IntrospectRequest {
    pub fn parse(
        pairs: Vec<(String, String)>,
        basic: Option<(String, String)>,
    ) -> Result<Self, OAuthError> {
        let (mut form, client) = form_with_client(pairs, basic)?;
        let token = form.remove("token").ok_or_else(|| missing("token"))?;
        Ok(Self { token, client })
    }
}

/// `published_jwks`: the tenant's JWKS keys; `issuer`: `{base}/{tid}/v2.0`;
/// `caller`: the authenticated client's appId.
pub async fn introspect(
    store: &(impl tessera_store::UserStore + ?Sized),
    tenant: TenantId,
    token: &str,
    published_jwks: &[Value],
    issuer: &str,
    caller: &str,
    now: i64,
) -> Result<Value, OAuthError> {
    let inactive = json!({ "active": false });
    let Some(mut c) = verified_claims(token, published_jwks, issuer, now)
        .filter(|c| c["aud"] == caller || c["azp"] == caller)
    else {
        return Ok(inactive);
    };
    // A user's token: the user must still stand (RFC 7662 §2.2: a revoked
    // token is not active).
    if c["scp"].is_string() {
        let user = c["oid"].as_str().and_then(|o| o.parse::<ObjectId>().ok());
        let (Some(user), Some(iat)) = (user, c["iat"].as_i64()) else {
            return Ok(inactive);
        };
        if !user_token_stands(store, tenant, user, iat).await? {
            return Ok(inactive);
        }
    }
    if let Some(obj) = c.as_object_mut() {
        obj.insert("active".into(), Value::Bool(true));
        obj.insert("token_type".into(), "Bearer".into());
        obj.insert(
            "client_id".into(),
            obj.get("azp").cloned().unwrap_or(Value::Null),
        );
        // RFC 7662 §2.2's `scope`: a user's delegated scopes, the same
        // space-separated list as `scp`. An application's token has none:
        // its permissions are `roles`, which are not scopes (a resource
        // server checking `scope` must not take an application permission
        // for the delegated one of the same name).
        if let Some(scp) = obj.get("scp").cloned() {
            obj.insert("scope".into(), scp);
        }
    }
    Ok(c)
}

/// Whether a user's token issued at `iat` (seconds) still stands: the user
/// exists, is enabled, and the token was not issued before the user's
/// sessions were revoked (`revokeSignInSessions` sets the cut-off to the end
/// of the revocation's second). The one rule behind the directory API's
/// bearer check, userinfo and introspection.
pub async fn user_token_stands(
    store: &(impl tessera_store::UserStore + ?Sized),
    tenant: TenantId,
    user: ObjectId,
    iat: i64,
) -> Result<bool, tessera_store::StoreError> {
    Ok(match store.user_access(tenant, user).await? {
        Some((enabled, valid_from)) => {
            enabled && valid_from.is_none_or(|t| iat >= t.unix_timestamp())
        }
        None => false,
    })
}

/// Whether verified claims are one of Tessera's access tokens rather than
/// an ID token, which is signed with the same key and names the same
/// issuer. Both access-token claim sets carry Entra's `azpacr` (a v2.0
/// access-token claim) and either `scp` (a user's token) or `idtyp: app` (an
/// application's); an ID token carries none of them.
pub fn is_access_token(claims: &Value) -> bool {
    claims["azpacr"].is_string() && (claims["scp"].is_string() || claims["idtyp"] == "app")
}

/// The claims of an access token this tenant issued and that is valid at
/// `now` (never an ID token: see [`is_access_token`]).
pub fn verified_claims(
    token: &str,
    published_jwks: &[Value],
    issuer: &str,
    now: i64,
) -> Option<Value> {
    let claims = signed_claims(token, published_jwks, issuer)?;
    if !is_access_token(&claims) {
        return None;
    }
    let exp = claims["exp"].as_i64()?;
    let nbf = claims["nbf"].as_i64().unwrap_or(0);
    (now < exp && nbf <= now + 60).then_some(claims)
}

/// The claims of a token this tenant signed, whatever its lifetime (an
/// expired ID token still names who it was issued to: logout's
/// `id_token_hint`). `iss` must be present and exactly `issuer`: a token
/// without one is not ours, whatever key signed it.
pub fn signed_claims(token: &str, published_jwks: &[Value], issuer: &str) -> Option<Value> {
    let header = jsonwebtoken::decode_header(token).ok()?;
    // Only the algorithms Tessera signs with; `none` and HMAC never verify.
    if !matches!(
        header.alg,
        Algorithm::RS256 | Algorithm::ES256 | Algorithm::EdDSA
    ) {
        return None;
    }
    let kid = header.kid.as_deref()?;
    let jwk_value = published_jwks.iter().find(|k| k["kid"] == kid)?;
    if jwk_value["alg"] != header.alg_str() {
        return None;
    }
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwk_value.clone()).ok()?;
    let key = DecodingKey::from_jwk(&jwk).ok()?;
    let mut v = Validation::new(header.alg);
    v.validate_aud = false;
    v.validate_exp = false;
    // jsonwebtoken checks `iss` only when present (and accepts an array
    // holding it): require it, then compare it ourselves as a string.
    v.set_required_spec_claims(&["iss"]);
    v.set_issuer(&[issuer]);
    let claims: Value = jsonwebtoken::decode(token, &key, &v).ok()?.claims;
    (claims["iss"].as_str() == Some(issuer)).then_some(claims)
}

trait AlgStr {
    fn alg_str(&self) -> &'static str;
}

impl AlgStr for jsonwebtoken::Header {
    fn alg_str(&self) -> &'static str {
        match self.alg {
            Algorithm::RS256 => "RS256",
            Algorithm::ES256 => "ES256",
            Algorithm::EdDSA => "EdDSA",
            _ => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_access_tokens_carry_the_marker() {
        let user = json!({ "azpacr": "1", "scp": "User.Read", "aud": "x" });
        let app = json!({ "azpacr": "2", "idtyp": "app", "roles": ["R"] });
        let id_token = json!({ "aud": "client", "auth_time": 1, "nonce": "n" });
        let dressed = json!({ "aud": "client", "scp": "User.Read", "idtyp": "app" });
        let no_kind = json!({ "azpacr": "1" });
        assert!(is_access_token(&user));
        assert!(is_access_token(&app));
        assert!(!is_access_token(&id_token));
        assert!(!is_access_token(&dressed));
        assert!(!is_access_token(&no_kind));
    }
}
