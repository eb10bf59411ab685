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

/// Where a device authorization (RFC 8628) stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceStatus {
    /// Waiting for a user to enter the code and sign in.
    Pending,
    /// A user signed in and approved: the device may redeem its code once.
    Approved(DeviceApproval),
    /// The user cancelled.
    Denied,
    /// The device redeemed the approval.
    Redeemed,
}

/// Who approved a device authorization, and how they had signed in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceApproval {
    /// The user's tenant: may differ from the record's for a multi-tenant app.
    pub tenant: crate::TenantId,
    pub user_id: ObjectId,
    pub session_id: ObjectId,
    pub auth_time: OffsetDateTime,
    pub amr: Vec<String>,
}

/// A device authorization: the device polls with `device_code` (stored as
/// its digest); a user enters `user_code` on `/devicelogin`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceCodeRecord {
    /// Also the family id of the refresh tokens it leads to.
    pub id: ObjectId,
    pub digest: Vec<u8>,
    /// Normalised (upper case, no separators).
    pub user_code: String,
    pub client_id: AppId,
    /// The scopes asked for, space-separated, as the client sent them.
    pub scope: String,
    /// Users of this tenant only; `None` for `common`/`organizations`.
    pub user_tenant: Option<crate::TenantId>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub last_poll_at: Option<OffsetDateTime>,
    pub status: DeviceStatus,
}

/// A pushed authorization request (RFC 9126), until used or expired.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushedRequest {
    /// SHA-256 of the `request_uri`'s random part.
    pub digest: Vec<u8>,
    pub client_id: AppId,
    /// The authorization request's parameters, form-encoded.
    pub params: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub used_at: Option<OffsetDateTime>,
}
