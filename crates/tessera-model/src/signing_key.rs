use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A token signing key as stored: the private key is sealed under the master
/// key (AES-256-GCM) and only the public JWK is readable.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningKeyRecord {
    pub kid: String,
    /// "RS256", "ES256" or "EdDSA".
    pub alg: String,
    /// PKCS#8 private key sealed by `MasterKey::seal`.
    pub sealed_private_key: Vec<u8>,
    pub public_jwk: serde_json::Value,
    pub created_at: OffsetDateTime,
    /// Published in JWKS from creation; used to sign from this instant.
    pub active_from: OffsetDateTime,
    /// When set, no longer signs; stays published until every token it signed expired.
    pub retired_at: Option<OffsetDateTime>,
}

impl std::fmt::Debug for SigningKeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyRecord")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("sealed_private_key", &"<sealed>")
            .field("active_from", &self.active_from)
            .field("retired_at", &self.retired_at)
            .finish()
    }
}
