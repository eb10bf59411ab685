//! Token introspection (RFC 7662) for the JWT access tokens Tessera issues:
//! signature against the tenant's published keys, issuer, lifetime. A caller
//! learns about a token only if it is the token's audience or its client
//! (`azp`): other tokens answer `{"active": false}`, so introspection cannot be
//! used to read other applications' tokens.
use crate::request::{form_with_client, missing, ClientAuth};
use crate::OAuthError;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};

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
pub fn introspect(
    token: &str,
    published_jwks: &[Value],
    issuer: &str,
    caller: &str,
    now: i64,
) -> Value {
    verified_claims(token, published_jwks, issuer, now)
        .filter(|c| c["aud"] == caller || c["azp"] == caller)
        .map(|mut c| {
            if let Some(obj) = c.as_object_mut() {
                obj.insert("active".into(), Value::Bool(true));
                obj.insert("token_type".into(), "Bearer".into());
                obj.insert(
                    "client_id".into(),
                    obj.get("azp").cloned().unwrap_or(Value::Null),
                );
            }
            c
        })
        .unwrap_or_else(|| json!({ "active": false }))
}

/// The claims of a token this tenant issued and that is valid at `now`.
pub fn verified_claims(
    token: &str,
    published_jwks: &[Value],
    issuer: &str,
    now: i64,
) -> Option<Value> {
    let claims = signed_claims(token, published_jwks, issuer)?;
    let exp = claims["exp"].as_i64()?;
    let nbf = claims["nbf"].as_i64().unwrap_or(0);
    (now < exp && nbf <= now + 60).then_some(claims)
}

/// The claims of a token this tenant signed, whatever its lifetime (an
/// expired ID token still names who it was issued to: logout's
/// `id_token_hint`).
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
    v.required_spec_claims.clear();
    v.set_issuer(&[issuer]);
    Some(jsonwebtoken::decode(token, &key, &v).ok()?.claims)
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
