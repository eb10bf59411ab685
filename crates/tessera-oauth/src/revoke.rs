//! Token revocation (RFC 7009). The client authenticates as at the token
//! endpoint (RFC 7009 §2.1): a confidential client with its credential; only
//! an application that can be a public client may name itself with
//! `client_id` alone, and then only for a public client's token (the
//! refresh grant's rule). A refresh token revokes its whole family (and so
//! every later rotation of it). Access tokens are short-lived JWTs and are
//! not revocable one by one here; an unknown or foreign token is answered
//! like a revoked one (200), so the endpoint reveals nothing.
use crate::client_auth::{self, AuthMethod};
use crate::error::PUBLIC_CLIENT_NOT_ALLOWED;
use crate::{OAuthError, TokenContext};
use tessera_model::TenantId;

/// A revocation request has the same shape as an introspection request:
/// `token` and the client's authentication.
pub use crate::introspect::IntrospectRequest as RevokeRequest;

pub async fn revoke(
    ctx: &TokenContext<'_>,
    tenant: TenantId,
    req: &RevokeRequest,
) -> Result<(), OAuthError> {
    let client = client_auth::identify(ctx, tenant, &req.client, true).await?;
    client.require_credential_unless(client_auth::may_be_public(&client.app))?;
    let digest = tessera_crypto::secret_digest(&req.token);
    if let Some(rt) = ctx.store.get_refresh_token(tenant, &digest).await? {
        // Only the client the token was issued to may revoke it.
        if rt.client_id == client.app.app_id {
            if !rt.public_client && client.method == AuthMethod::None {
                return Err(OAuthError::new(PUBLIC_CLIENT_NOT_ALLOWED));
            }
            ctx.store
                .revoke_refresh_family(tenant, rt.family_id, ctx.now)
                .await?;
        }
    }
    Ok(())
}
