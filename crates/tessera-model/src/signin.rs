//! What a user's sign-in leaves behind: the SSO session (behind the browser's
//! cookie), authorization codes and refresh tokens. Codes and refresh tokens
//! are stored only as SHA-256 digests of the value the client holds; sessions
//! likewise keep only the digest of the cookie's secret.
use crate::ids::{AppId, ObjectId};
use time::OffsetDateTime;

/// A signed-in browser (the `sid` claim is its id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoSession {
    pub id: ObjectId,
    pub user_id: ObjectId,
    /// SHA-256 of the cookie's secret part.
    pub secret_digest: Vec<u8>,
    /// When the user last proved who they are (OIDC `auth_time`, `max_age`).
    pub auth_time: OffsetDateTime,
    /// Methods used (`amr`): "pwd", later "mfa", "fido", …
    pub amr: Vec<String>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub ended_at: Option<OffsetDateTime>,
}

impl SsoSession {
    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        self.ended_at.is_none() && now < self.expires_at
    }
}

/// What an authorization code stands for until it is redeemed (once).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthCodeRecord {
    /// Also the family id of every refresh token the code leads to, so that a
    /// replayed code revokes them all.
    pub id: ObjectId,
    pub digest: Vec<u8>,
    pub client_id: AppId,
    pub user_id: ObjectId,
    pub session_id: Option<ObjectId>,
    pub redirect_uri: String,
    /// The scopes granted, space-separated, resource scopes fully qualified.
    pub scope: String,
    pub nonce: Option<String>,
    /// RFC 7636 S256 challenge, when the client sent one.
    pub code_challenge: Option<String>,
    pub auth_time: OffsetDateTime,
    pub amr: Vec<String>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub consumed_at: Option<OffsetDateTime>,
}

/// One refresh token of a rotation family.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefreshTokenRecord {
    pub digest: Vec<u8>,
    pub family_id: ObjectId,
    pub client_id: AppId,
    pub user_id: ObjectId,
    pub session_id: Option<ObjectId>,
    /// Issued to a public client (no client credential): only then may it be
    /// redeemed without one.
    pub public_client: bool,
    /// The scopes the family was granted (space-separated).
    pub scope: String,
    pub auth_time: OffsetDateTime,
    pub amr: Vec<String>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    /// Set when the token was exchanged for its successor.
    pub used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

/// Failed sign-ins counted against a typed account name (known or not, so the
/// count reveals nothing about which names exist).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Throttle {
    pub failures: u32,
    pub locked_until: Option<OffsetDateTime>,
}
