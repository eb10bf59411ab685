//! Token revocation (RFC 7009). A refresh token revokes its whole family (and
//! so every later rotation of it). Access tokens are short-lived JWTs and are
//! not revocable one by one here; an unknown or foreign token is answered
//! like a revoked one (200), so the endpoint reveals nothing.
use crate::client_auth::AuthenticatedClient;
use crate::{OAuthError, TokenContext};
use tessera_model::TenantId;

/// A revocation request has the same shape as an introspection request:
/// `token` and the client's authentication.
pub use crate::introspect::IntrospectRequest as RevokeRequest;

pub async fn revoke(
    ctx: &TokenContext<'_>,
    tenant: TenantId,
    client: &AuthenticatedClient,
    token: &str,
) -> Result<(), OAuthError> {
    let digest = tessera_crypto::secret_digest(token);
    if let Some(rt) = ctx.store.get_refresh_token(tenant, &digest).await? {
        // Only the client the token was issued to may revoke it.
        if rt.client_id == client.app.app_id {
            ctx.store
                .revoke_refresh_family(tenant, rt.family_id, ctx.now)
                .await?;
        }
    }
    Ok(())
}
