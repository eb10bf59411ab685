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
    pub expires_in: i64,
    pub ext_expires_in: i64,
    pub access_token: String,
}

/// Entra's issuer for a tenant: `{base}/{tid}/v2.0`.
pub fn issuer(public_url: &str, tenant: TenantId) -> String {
    format!("{}/{tenant}/v2.0", public_url.trim_end_matches('/'))
}
