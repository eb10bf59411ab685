//! Refresh tokens (RFC 6749 §6): opaque, bound to their client and sign-in
//! session, rotated on every use with reuse detection (RFC 9700 §4.14): a
//! token presented after it was exchanged revokes its whole family. A client
//! may ask for other scopes than before (Entra's multi-resource refresh),
//! within what is consented: consent is checked at every redemption, so
//! deleting or narrowing an oauth2PermissionGrant stops the refreshes that
//! relied on it (`invalid_grant` AADSTS65001, Entra's answer).
use crate::client_auth::{AuthMethod, AuthenticatedClient};
use crate::error::*;
use crate::token::TokenResponse;
use crate::user_token::{self, UserGrant};
use crate::TokenContext;
use rand::{CryptoRng, RngCore};
use tessera_model::TenantId;

pub struct Refresh<'a> {
    /// Sent cross-origin by a browser: only a public client's family.
    pub cross_origin: bool,
    pub token: &'a str,
    pub scope: Option<&'a str>,
    pub client_info: bool,
}

pub async fn grant(
    ctx: &TokenContext<'_>,
    tenant: TenantId,
    client: &AuthenticatedClient,
    r: Refresh<'_>,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<TokenResponse, OAuthError> {
    let digest = tessera_crypto::secret_digest(r.token);
    let old = ctx
        .store
        .get_refresh_token(tenant, &digest)
        .await?
        .ok_or_else(|| OAuthError::new(REFRESH_INVALID))?;
    if old.client_id != client.app.app_id {
        return Err(OAuthError::new(REFRESH_CLIENT_MISMATCH));
    }
    if !old.public_client && client.method == AuthMethod::None {
        return Err(OAuthError::new(PUBLIC_CLIENT_NOT_ALLOWED));
    }
    if r.cross_origin && !old.public_client {
        return Err(OAuthError::new(CROSS_ORIGIN_NOT_SPA));
    }
    if old.used_at.is_some() {
        ctx.store
            .revoke_refresh_family(tenant, old.family_id, ctx.now)
            .await?;
        return Err(OAuthError::new(REFRESH_REUSED));
    }
    // A disabled or deleted user is told so (AADSTS50057) before the
    // revocation that disabling also made.
    let user = super::common::enabled_user(ctx, tenant, old.user_id).await?;
    if old.revoked_at.is_some() {
        return Err(OAuthError::new(SESSION_ENDED));
    }
    if ctx.now >= old.expires_at {
        return Err(OAuthError::new(REFRESH_INVALID));
    }
    if let Some(sid) = old.session_id {
        super::common::require_live_session(ctx, tenant, sid).await?;
    }
    // Consent is checked at every redemption, the family's own scopes
    // included: a deleted or narrowed oauth2PermissionGrant stops the next
    // refresh (AADSTS65001, as in Entra), and scopes still consented can
    // still be asked for by name.
    let scope = r.scope.unwrap_or(&old.scope);
    let resolved =
        crate::delegated::resolve(ctx.directory, ctx.public_url, tenant, &client.app, scope)
            .await?;
    super::common::require_consent(ctx, tenant, client.sp.id, user.id, &resolved).await?;
    let g = UserGrant {
        session_id: old.session_id,
        auth_time: old.auth_time,
        amr: old.amr.clone(),
        ..UserGrant::for_client(tenant, client, &user, &resolved, r.client_info)
    };
    let mut answer = user_token::mint(ctx, &g, rng).await?;
    let (value, mut new) = user_token::new_refresh_token(
        old.family_id,
        &g,
        old.public_client,
        false,
        &old.scope,
        ctx.now,
        rng,
    );
    // A single-page app's family ends 24 hours after sign-in however often
    // it rotates; other families slide (as Entra's do).
    if old.expires_at - old.created_at <= time::Duration::hours(user_token::SPA_REFRESH_TOKEN_HOURS)
    {
        new.expires_at = old.expires_at;
    }
    if !ctx
        .store
        .rotate_refresh_token(tenant, &old, &new, ctx.now)
        .await?
    {
        return Err(OAuthError::new(REFRESH_REUSED));
    }
    answer.refresh_token = Some(value);
    Ok(answer)
}
