//! A user's authentication methods other than the password (which lives with
//! the user): TOTP authenticator apps, FIDO2 passkeys and Temporary Access
//! Passes; the sign-in log; and the tenant's authentication policies, kept as
//! JSON documents by name. Secrets are held only sealed (TOTP seeds, under the
//! master key) or as keyed digests (Temporary Access Passes).
use crate::ids::ObjectId;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// One registered method.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthMethod {
    pub id: ObjectId,
    pub user_id: ObjectId,
    pub display_name: String,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub detail: MethodDetail,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MethodDetail {
    /// RFC 6238: the seed sealed under the master key, and the last time
    /// step accepted (a step is never accepted twice).
    SoftwareOath {
        sealed_secret: Vec<u8>,
        last_step: i64,
    },
    /// A WebAuthn credential: webauthn-rs's passkey (public key, counter) as
    /// JSON, and what the API shows of it.
    Fido2 {
        credential_id: Vec<u8>,
        aaguid: uuid::Uuid,
        attestation_format: String,
        passkey: String,
        counter: i64,
    },
    /// A Temporary Access Pass: its keyed digest and when it may be used.
    TemporaryAccessPass {
        digest: Vec<u8>,
        start: OffsetDateTime,
        lifetime_minutes: i64,
        is_usable_once: bool,
        used_at: Option<OffsetDateTime>,
    },
}

impl MethodDetail {
    /// A method that can be a second factor (an authenticator app or a
    /// passkey; a Temporary Access Pass is for getting started, not one).
    pub const fn is_second_factor(&self) -> bool {
        !matches!(self, Self::TemporaryAccessPass { .. })
    }

    /// The stored kind, also Graph's method type stem.
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::SoftwareOath { .. } => "softwareOath",
            Self::Fido2 { .. } => "fido2",
            Self::TemporaryAccessPass { .. } => "temporaryAccessPass",
        }
    }
}

/// One step of a sign-in: which method, whether it succeeded, and why not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthStep {
    /// Graph's `authenticationMethod` text ("Password", "Passkey", …).
    pub method: String,
    pub succeeded: bool,
    /// Graph's `authenticationStepResultDetail` text.
    pub detail: String,
    pub at: OffsetDateTime,
}

/// One sign-in attempt, as the sign-in log keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignInEvent {
    pub id: ObjectId,
    pub created_at: OffsetDateTime,
    pub user_id: Option<ObjectId>,
    /// As typed (lower-cased), for attempts on unknown names too.
    pub user_principal_name: String,
    pub app_id: Option<crate::AppId>,
    pub app_display_name: String,
    pub ip_address: String,
    /// 0 on success; otherwise Entra's AADSTS number.
    pub error_code: i32,
    pub failure_reason: String,
    /// "singleFactorAuthentication" or "multiFactorAuthentication".
    pub requirement: String,
    pub steps: Vec<AuthStep>,
}
