//! The replay memory of client assertions (`private_key_jwt`, RFC 7523 §3:
//! a `jti` is accepted once), shared by every node through the database: an
//! assertion used at one node is refused at all of them for its whole life.
//! See docs/design/client-authentication.md.
use crate::StoreResult;
use async_trait::async_trait;
use tessera_model::{AppId, TenantId};
use time::OffsetDateTime;

#[async_trait]
pub trait AssertionReplayStore: Send + Sync {
    /// Records that `client` (whose home tenant is `t`) used the assertion
    /// whose `jti` has SHA-256 digest `jti_digest`, until `expires_at`:
    /// `true` the first time, `false` when it was recorded already. Two
    /// nodes recording the same assertion at once cannot both get `true`
    /// (the primary key decides). The maintenance purge deletes the record
    /// a day after `expires_at`.
    async fn first_use_of_assertion(
        &self,
        t: TenantId,
        client: AppId,
        jti_digest: &[u8],
        expires_at: OffsetDateTime,
    ) -> StoreResult<bool>;
}
