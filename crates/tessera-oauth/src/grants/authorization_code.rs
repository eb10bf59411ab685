//! Authorization code (RFC 6749 §4.1.3) with PKCE (RFC 7636): the code is
//! single-use — a replay revokes every refresh token it issued (RFC 6749
//! §4.1.2) — bound to its client and redirect URI, and to its PKCE challenge
//! in both directions (a verifier without a challenge is a downgrade attempt,
//! RFC 9700 §2.1.1).
use crate::client_auth::{AuthMethod, AuthenticatedClient};
use crate::error::*;
use crate::redirect::{match_redirect, Platform};
use crate::token::TokenResponse;
use crate::user_token::{self, UserGrant};
use crate::TokenContext;
use rand::{CryptoRng, RngCore};
use tessera_model::TenantId;

/// Lifetime of an authorization code (RFC 6749 recommends at most 10 minutes).
pub const CODE_SECONDS: i64 = 300;

pub struct Redeem<'a> {
    /// Sent cross-origin by a browser.
    pub cross_origin: bool,
    pub code: &'a str,
    pub redirect_uri: Option<&'a str>,
    pub code_verifier: Option<&'a str>,
    pub client_info: bool,
}

pub async fn grant(
    ctx: &TokenContext<'_>,
    tenant: TenantId,
    client: &AuthenticatedClient,
    r: Redeem<'_>,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<TokenResponse, OAuthError> {
    let digest = tessera_crypto::secret_digest(r.code);
    let code = ctx
        .store
        .get_code(tenant, &digest)
        .await?
        .ok_or_else(|| OAuthError::new(CODE_INVALID))?;
    if code.client_id != client.app.app_id {
        return Err(OAuthError::new(CODE_CLIENT_MISMATCH));
    }
    if code.consumed_at.is_some() {
        ctx.store
            .revoke_refresh_family(tenant, code.id, ctx.now)
            .await?;
        return Err(OAuthError::new(CODE_REDEEMED));
    }
    if ctx.now >= code.expires_at {
        return Err(OAuthError::new(CODE_INVALID));
    }
    if r.redirect_uri != Some(code.redirect_uri.as_str()) {
        return Err(OAuthError::new(REDIRECT_URI_MISMATCH));
    }
    match (&code.code_challenge, r.code_verifier) {
        (Some(c), Some(v)) if crate::pkce::verify_s256(v, c) => {}
        (Some(_), Some(_)) => return Err(OAuthError::new(PKCE_VERIFIER_MISMATCH)),
        (Some(_), None) => return Err(OAuthError::new(PKCE_VERIFIER_MISSING)),
        (None, Some(_)) => return Err(OAuthError::new(PKCE_UNEXPECTED)),
        (None, None) => {}
    }
    // A code sent to a web app's redirect URI is for a confidential client.
    let platform = match_redirect(&client.app.settings, &code.redirect_uri)
        .ok_or_else(|| OAuthError::new(REDIRECT_URI_MISMATCH))?;
    let public = client.method == AuthMethod::None;
    if public && platform == Platform::Web {
        return Err(OAuthError::new(MISSING_CLIENT_CREDENTIAL));
    }
    // Entra's rule: a single-page app's code only from the browser, and
    // nothing else from a browser.
    match (platform == Platform::Spa, r.cross_origin) {
        (true, false) => return Err(OAuthError::new(SPA_NOT_CROSS_ORIGIN)),
        (false, true) => return Err(OAuthError::new(CROSS_ORIGIN_NOT_SPA)),
        _ => {}
    }
    let user = super::common::enabled_user(ctx, tenant, code.user_id).await?;
    let resolved = crate::delegated::resolve(
        ctx.directory,
        ctx.public_url,
        tenant,
        &client.app,
        &code.scope,
    )
    .await?;
    let g = UserGrant {
        nonce: code.nonce.clone(),
        session_id: code.session_id,
        auth_time: code.auth_time,
        amr: code.amr.clone(),
        ..UserGrant::for_client(tenant, client, &user, &resolved, r.client_info)
    };
    let mut answer = user_token::mint(ctx, &g, rng).await?;
    let refresh = resolved.requested.wants("offline_access").then(|| {
        user_token::new_refresh_token(
            code.id,
            &g,
            public,
            platform == Platform::Spa,
            &code.scope,
            ctx.now,
            rng,
        )
    });
    if !ctx
        .store
        .redeem_code(tenant, &code, refresh.as_ref().map(|(_, rec)| rec), ctx.now)
        .await?
    {
        // Another request redeemed it first: a replay, handled as one.
        return Err(OAuthError::new(CODE_REDEEMED));
    }
    answer.refresh_token = refresh.map(|(value, _)| value);
    Ok(answer)
}
