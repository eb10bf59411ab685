//! Access tokens with the Entra v2.0 claim set.
use serde::Serialize;
use tessera_model::{AppId, ObjectId, TenantId};

/// Claims of an app-only access token (client credentials).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AppTokenClaims {
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub azp: AppId,
    pub azpacr: &'static str,
    pub idtyp: &'static str,
    pub oid: ObjectId,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    pub sub: ObjectId,
    pub tid: TenantId,
    pub uti: String,
    pub ver: &'static str,
}

/// The token endpoint's successful answer.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TokenResponse {
    pub token_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    pub expires_in: i64,
    pub ext_expires_in: i64,
    pub access_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// Entra's `client_info` (base64url `{"uid","utid"}`), when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_info: Option<String>,
}

/// Entra's issuer for a tenant: `{base}/{tid}/v2.0`.
pub fn issuer(public_url: &str, tenant: TenantId) -> String {
    format!("{}/{tenant}/v2.0", public_url.trim_end_matches('/'))
}

/// An opaque code or refresh token that names its tenant: base64url of the
/// tenant id's 16 bytes and 32 random bytes. The tenant part is not secret; it
/// lets `/common` and `/organizations` token requests find the tenant the
/// grant lives in (lookups stay scoped by it). Only a digest is stored.
pub fn tenant_bound_token(
    tenant: TenantId,
    rng: &mut (impl rand::RngCore + rand::CryptoRng),
) -> String {
    use base64::Engine;
    let mut buf = zeroize::Zeroizing::new([0u8; 48]);
    buf[..16].copy_from_slice(tenant.0.as_bytes());
    rng.fill_bytes(&mut buf[16..]);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf.as_ref())
}

/// The tenant a [`tenant_bound_token`] names, if it is one.
pub fn token_tenant(value: &str) -> Option<TenantId> {
    use base64::Engine;
    if value.len() != 64 {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(value)
        .ok()?;
    let id = uuid::Uuid::from_slice(bytes.get(..16)?).ok()?;
    Some(TenantId(id))
}

/// The `tid` a JWT claims (unverified: only to choose which tenant's keys
/// verify it, for requests on `common`).
pub fn jwt_tenant(token: &str) -> Option<TenantId> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    if payload.len() > 16 * 1024 {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v["tid"].as_str()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_bound_tokens_round_trip() {
        let t = TenantId::from_u128(0x1234);
        let v = tenant_bound_token(t, &mut rand::rngs::OsRng);
        assert_eq!(v.len(), 64);
        assert_eq!(token_tenant(&v), Some(t));
        assert_ne!(v, tenant_bound_token(t, &mut rand::rngs::OsRng));
        assert_eq!(token_tenant("short"), None);
        assert_eq!(token_tenant(&"!".repeat(64)), None);
    }
}
