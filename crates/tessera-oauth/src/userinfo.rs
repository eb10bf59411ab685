//! OpenID Connect userinfo (Core §5.3) as Entra serves it: the caller
//! presents an access token for the directory API with the `openid` scope;
//! the answer's `sub` is the pairwise subject the client's ID token carried.
//! The token's user must still stand (enabled, not deleted, sessions not
//! revoked since it was issued: `introspect::user_token_stands`), as for
//! the directory API itself.
use crate::introspect::verified_claims;
use crate::user_token::{pairwise_sub, userinfo as claims_for};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;
use tessera_model::graph_permissions::GRAPH_APP_ID;
use tessera_model::{AppId, ObjectId, TenantId, User};

/// Why userinfo refuses (RFC 6750 §3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Missing, forged, expired, or not for the directory API: 401 `invalid_token`.
    InvalidToken,
    /// A valid token without `openid`: 403 `insufficient_scope`.
    InsufficientScope,
}

/// The tenant a JWT claims to be from, read before verification so that the
/// right tenant's keys verify it (and its issuer must then match that tenant).
pub fn claimed_tenant(token: &str) -> Option<TenantId> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    v["tid"].as_str()?.parse().ok()
}

/// What a verified token says: the user, the client, the scopes and when
/// it was issued (which [`crate::introspect::user_token_stands`] judges).
pub struct Caller {
    pub user: ObjectId,
    pub client: AppId,
    pub scp: Vec<String>,
    pub iat: i64,
}

pub fn check(token: &str, jwks: &[Value], issuer: &str, now: i64) -> Result<Caller, Refusal> {
    let c = verified_claims(token, jwks, issuer, now).ok_or(Refusal::InvalidToken)?;
    if c["aud"] != GRAPH_APP_ID.to_string() {
        return Err(Refusal::InvalidToken);
    }
    let user = c["oid"]
        .as_str()
        .and_then(|o| o.parse().ok())
        .ok_or(Refusal::InvalidToken)?;
    let client = c["azp"]
        .as_str()
        .and_then(|o| o.parse().ok())
        .ok_or(Refusal::InvalidToken)?;
    let iat = c["iat"].as_i64().ok_or(Refusal::InvalidToken)?;
    // App-only tokens have no `scp`: they have no user to describe.
    let scp: Vec<String> = c["scp"]
        .as_str()
        .ok_or(Refusal::InvalidToken)?
        .split_ascii_whitespace()
        .map(str::to_string)
        .collect();
    if !scp.iter().any(|s| s == "openid") {
        return Err(Refusal::InsufficientScope);
    }
    Ok(Caller {
        user,
        client,
        scp,
        iat,
    })
}

pub fn answer(pairwise_key: &[u8], tenant: TenantId, caller: &Caller, user: &User) -> Value {
    let sub = pairwise_sub(pairwise_key, tenant, caller.client, user.id);
    let scp: Vec<&str> = caller.scp.iter().map(String::as_str).collect();
    serde_json::to_value(claims_for(user, sub, &scp)).unwrap_or(Value::Null)
}
