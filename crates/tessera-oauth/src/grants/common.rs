//! Checks several user grants share: the user still enabled, the sign-in
//! session still live, the scopes still consented.
use crate::delegated::Resolved;
use crate::error::*;
use crate::TokenContext;
use tessera_model::{ObjectId, TenantId, User};

/// The user, if it exists and is enabled.
pub(crate) async fn enabled_user(
    ctx: &TokenContext<'_>,
    tenant: TenantId,
    id: ObjectId,
) -> Result<User, OAuthError> {
    ctx.store
        .get_user(tenant, id)
        .await?
        .filter(|u| u.account_enabled)
        .ok_or_else(|| OAuthError::new(USER_DISABLED))
}

/// `SESSION_ENDED` unless the sign-in session was not ended.
pub(crate) async fn require_live_session(
    ctx: &TokenContext<'_>,
    tenant: TenantId,
    session: ObjectId,
) -> Result<(), OAuthError> {
    let live = ctx
        .store
        .get_session(tenant, session)
        .await?
        .is_some_and(|s| s.ended_at.is_none());
    if live {
        Ok(())
    } else {
        Err(OAuthError::new(SESSION_ENDED))
    }
}

/// `CONSENT_REQUIRED` unless the client (service principal `client_sp`) holds
/// consent for every resolved scope, for `user` or for everyone.
pub(crate) async fn require_consent(
    ctx: &TokenContext<'_>,
    tenant: TenantId,
    client_sp: ObjectId,
    user: ObjectId,
    resolved: &Resolved,
) -> Result<(), OAuthError> {
    let missing =
        crate::delegated::missing_consent(ctx.store, tenant, Some(client_sp), Some(user), resolved)
            .await?;
    if missing.is_empty() {
        Ok(())
    } else {
        Err(OAuthError::new(CONSENT_REQUIRED))
    }
}
