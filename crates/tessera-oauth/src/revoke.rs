//! Token revocation (RFC 7009). The client authenticates as at the token
//! endpoint (RFC 7009 §2.1): a confidential client with its credential; only
//! an application that can be a public client may name itself with
//! `client_id` alone, and then only for a public client's token (the
//! refresh grant's rule). What each kind of token gets:
//! - a refresh token of the client's revokes its whole family (and so every
//!   later rotation of it); another client's is left alone, answered 200;
//! - an access or ID token this tenant signed (expired or not) is
//!   `unsupported_token_type` (RFC 7009 §2.2.1): they are self-contained
//!   JWTs that resource servers check without asking Tessera, so revoking
//!   one here could not stop it being accepted; they stay valid until they
//!   expire (Continuous Access Evaluation is where that changes);
//! - anything else (unknown, garbage, forged, another tenant's) is answered
//!   200, like a revoked token (RFC 7009 §2.2), so the endpoint reveals
//!   nothing. `token_type_hint` is only a hint: the token decides.
use crate::client_auth::{self, AuthMethod};
use crate::error::{PUBLIC_CLIENT_NOT_ALLOWED, TOKEN_TYPE_UNSUPPORTED};
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
        return Ok(());
    }
    // `ctx.published_keys`: the tenant's JWKS, which signed every access
    // and ID token of the tenant.
    let issuer = crate::token::issuer(ctx.public_url, tenant);
    if crate::introspect::signed_claims(&req.token, ctx.published_keys, &issuer).is_some() {
        return Err(OAuthError::new(TOKEN_TYPE_UNSUPPORTED));
    }
    Ok(())
}
