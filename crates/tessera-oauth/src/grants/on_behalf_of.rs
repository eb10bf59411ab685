//! On-behalf-of (Entra's use of RFC 7523's `jwt-bearer` grant with
//! `requested_token_use=on_behalf_of`): a confidential middle-tier API that
//! received a user's access token exchanges it for a token to a downstream
//! API, as the same user. The incoming token must be signed by this tenant,
//! unexpired, a delegated (user) token, and addressed to the caller; the
//! downstream scopes must have been consented for the caller. No refresh
//! token is issued: the middle tier exchanges the next incoming token (see
//! docs/design/on-behalf-of.md).
use crate::client_auth::{AuthMethod, AuthenticatedClient};
use crate::error::*;
use crate::token::TokenResponse;
use crate::user_token::{self, UserGrant};
use crate::TokenContext;
use rand::{CryptoRng, RngCore};
use tessera_model::{ObjectId, TenantId};

pub struct Exchange<'a> {
    pub assertion: &'a str,
    pub scope: &'a str,
    pub requested_token_use: Option<&'a str>,
}

pub async fn grant(
    ctx: &TokenContext<'_>,
    tenant: TenantId,
    client: &AuthenticatedClient,
    x: Exchange<'_>,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<TokenResponse, OAuthError> {
    if x.requested_token_use != Some("on_behalf_of") {
        return Err(OAuthError::new(OBO_TOKEN_USE));
    }
    if client.method == AuthMethod::None {
        return Err(OAuthError::new(MISSING_CLIENT_CREDENTIAL));
    }
    let issuer = crate::token::issuer(ctx.public_url, tenant);
    let claims = crate::introspect::verified_claims(
        x.assertion,
        ctx.published_keys,
        &issuer,
        ctx.now.unix_timestamp(),
    )
    .ok_or_else(|| OAuthError::new(OBO_ASSERTION_INVALID))?;
    if claims["aud"].as_str() != Some(client.app.app_id.to_string().as_str()) {
        return Err(OAuthError::new(OBO_AUDIENCE));
    }
    if claims["scp"].as_str().is_none_or(str::is_empty) {
        return Err(OAuthError::new(OBO_NOT_USER));
    }
    let oid: ObjectId = claims["oid"]
        .as_str()
        .and_then(|o| o.parse().ok())
        .ok_or_else(|| OAuthError::new(OBO_NOT_USER))?;
    let user = super::common::enabled_user(ctx, tenant, oid).await?;
    let session_id: Option<ObjectId> = claims["sid"].as_str().and_then(|s| s.parse().ok());
    if let Some(sid) = session_id {
        super::common::require_live_session(ctx, tenant, sid).await?;
    }
    let resolved =
        crate::delegated::resolve(ctx.directory, ctx.public_url, tenant, &client.app, x.scope)
            .await?;
    super::common::require_consent(ctx, tenant, client.sp.id, user.id, &resolved).await?;
    let amr: Vec<String> = claims["amr"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let iat = claims["iat"].as_i64().unwrap_or(0);
    let g = UserGrant {
        session_id,
        auth_time: time::OffsetDateTime::from_unix_timestamp(iat).unwrap_or(ctx.now),
        amr,
        // The middle tier gets access tokens, not an ID token of its own.
        id_token: false,
        ..UserGrant::for_client(tenant, client, &user, &resolved, false)
    };
    user_token::mint(ctx, &g, rng).await
}
