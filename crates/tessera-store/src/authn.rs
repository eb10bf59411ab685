//! Strong authentication's state: users' methods (TOTP, passkeys, Temporary
//! Access Passes), answered WebAuthn challenges, the tenant's authentication
//! policies and the sign-in log. Adding or removing a method is a change to
//! the user (change log, no secrets); using one is sign-in state (not logged,
//! written with ephemeral durability except where it ends a one-time pass).
use crate::StoreResult;
use async_trait::async_trait;
use tessera_model::{AuthMethod, ObjectId, SignInEvent, TenantId};
use time::OffsetDateTime;

/// What sign-in needs to know of a user's password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswordState {
    pub hash: Option<String>,
    pub force_change: bool,
}

#[async_trait]
pub trait AuthMethodStore: Send + Sync {
    /// Adds a method. A passkey whose credential id is registered already
    /// (to anyone in the tenant) is a `Conflict`.
    async fn insert_auth_method(
        &self,
        t: TenantId,
        m: &AuthMethod,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// The user's methods, oldest first.
    async fn auth_methods(&self, t: TenantId, user: ObjectId) -> StoreResult<Vec<AuthMethod>>;
    /// Removes one of the user's methods; `NotFound` when it is not theirs.
    async fn delete_auth_method(
        &self,
        t: TenantId,
        user: ObjectId,
        id: ObjectId,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// The tenant a passkey is registered in: credential ids are unique
    /// across tenants (the one cross-tenant lookup here, as domain names
    /// route sign-in).
    async fn passkey_tenant(&self, credential_id: &[u8]) -> StoreResult<Option<TenantId>>;
    /// The user's password state: hash, and whether they must change it at
    /// their next sign-in. `None` for an unknown user.
    async fn password_state(
        &self,
        t: TenantId,
        user: ObjectId,
    ) -> StoreResult<Option<PasswordState>>;
    /// Sets the user's password (an Argon2id PHC string) and whether they
    /// must change it at the next sign-in, and ends the user's other
    /// sessions and refresh-token families (`keep_session`, the session
    /// that made the change, goes on).
    async fn change_password(
        &self,
        t: TenantId,
        user: ObjectId,
        phc: &str,
        force_change: bool,
        keep_session: Option<ObjectId>,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// The passkey with this credential id, whoever's it is.
    async fn passkey_by_credential(
        &self,
        t: TenantId,
        credential_id: &[u8],
    ) -> StoreResult<Option<AuthMethod>>;
    /// Records a TOTP step as used: `false` when this or a later step was
    /// used already (atomic across nodes: replay loses).
    async fn use_totp_step(
        &self,
        t: TenantId,
        id: ObjectId,
        step: i64,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// Stores a passkey's new counter and state after a sign-in: `false`
    /// when another sign-in raised the counter to `counter` or beyond
    /// meanwhile (counter 0 = an authenticator that does not count).
    async fn use_passkey(
        &self,
        t: TenantId,
        id: ObjectId,
        counter: i64,
        passkey: &str,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// Records a Temporary Access Pass's use: a one-time pass is spent
    /// (durably) and `false` when it was spent already.
    async fn use_temporary_access_pass(
        &self,
        t: TenantId,
        id: ObjectId,
        once: bool,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// Records a WebAuthn challenge as answered: `false` when it was.
    async fn consume_challenge(
        &self,
        t: TenantId,
        digest: &[u8],
        expires_at: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// A tenant policy document (JSON) by name.
    async fn tenant_policy(&self, t: TenantId, name: &str) -> StoreResult<Option<String>>;
    async fn set_tenant_policy(
        &self,
        t: TenantId,
        name: &str,
        value: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Raises a live session's methods after a further factor (step-up).
    async fn upgrade_session(
        &self,
        t: TenantId,
        session: ObjectId,
        amr: &[String],
        auth_time: OffsetDateTime,
    ) -> StoreResult<()>;
    async fn record_sign_in(&self, t: TenantId, e: &SignInEvent) -> StoreResult<()>;
    /// One sign-in log entry by id.
    async fn sign_in(&self, t: TenantId, id: ObjectId) -> StoreResult<Option<SignInEvent>>;
    /// Sign-ins newest first, optionally one user's, before the keyset
    /// position `(created_at, id)`.
    async fn sign_ins(
        &self,
        t: TenantId,
        user: Option<ObjectId>,
        before: Option<(OffsetDateTime, ObjectId)>,
        limit: u32,
    ) -> StoreResult<Vec<SignInEvent>>;
}
