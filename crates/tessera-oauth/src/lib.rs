//! Tessera's OAuth 2.0 / OpenID Connect engine: request validation, client
//! authentication, grants and token minting. Plain structs in and out: no HTTP
//! types; time, randomness, keys and the store come in as arguments.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod assertion;
pub mod assignment;
pub mod authorize;
pub mod claims;
pub mod client_auth;
pub mod delegated;
pub mod device;
pub mod directory;
pub mod discovery;
pub mod error;
pub mod grants;
pub mod interaction;
pub mod introspect;
pub mod key_proof;
pub mod keys;
pub mod logout;
pub mod optional_claims;
pub mod par;
pub mod pkce;
pub mod redirect;
pub mod registration;
pub mod request;
pub mod resource;
pub mod revoke;
pub mod scope;
pub mod token;
pub mod user_token;
pub mod userinfo;

pub use error::{ErrorCode, OAuthError};
pub use request::{ClientAuth, GrantRequest, TokenRequest};
pub use token::TokenResponse;

use rand::{CryptoRng, RngCore};
use tessera_crypto::SigningKey;
use tessera_model::TenantId;
use time::OffsetDateTime;

/// Signing keys by algorithm: the tenant's current key of `alg`, its
/// series started on first use (the server's key ring).
#[async_trait::async_trait]
pub trait KeySource: Send + Sync {
    async fn key(
        &self,
        alg: tessera_crypto::SigningAlg,
    ) -> Result<std::sync::Arc<SigningKey>, OAuthError>;
}

/// The key to sign with when an application chose `alg` (its
/// `tokenSigningAlg`): `None` means the tenant's key (`ctx.key`).
pub async fn signer_for(
    ctx: &TokenContext<'_>,
    alg: Option<&str>,
) -> Result<Option<std::sync::Arc<SigningKey>>, OAuthError> {
    match alg.and_then(|a| a.parse::<tessera_crypto::SigningAlg>().ok()) {
        Some(a) if a != ctx.key.alg() => Ok(Some(ctx.keys.key(a).await?)),
        _ => Ok(None),
    }
}

/// What a token request is decided with.
pub struct TokenContext<'a> {
    /// Clients and resources (cached by the server).
    pub directory: &'a dyn directory::Directory,
    pub now: OffsetDateTime,
    /// Tessera's public base URL (issuer prefix).
    pub public_url: &'a str,
    /// The tenant's current signing key (of the tenant's algorithm).
    pub key: &'a SigningKey,
    /// Keys of other algorithms, for applications that chose one.
    pub keys: &'a dyn KeySource,
    /// The audiences a client assertion may name: this endpoint's URLs and
    /// the token endpoint's (and, for PAR, the issuer).
    pub token_endpoints: &'a [String],
    /// Users, groups, grants and sign-in state (and the client-assertion
    /// replay memory).
    pub store: &'a dyn tessera_store::Store,
    /// Key of the pairwise `sub` (derived from the master key).
    pub pairwise_key: &'a [u8],
    /// The tenant's published JWKS keys, for grants that verify a token of
    /// ours (on-behalf-of); empty for the others.
    pub published_keys: &'a [serde_json::Value],
    /// The address the request came from (the `ipaddr` optional claim).
    pub client_ip: Option<std::net::IpAddr>,
}

/// The token endpoint: authenticate the client once, then dispatch on the grant.
pub async fn token(
    ctx: &TokenContext<'_>,
    tenant: TenantId,
    req: TokenRequest,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<TokenResponse, OAuthError> {
    let public_ok = !matches!(
        req.grant,
        GrantRequest::ClientCredentials { .. } | GrantRequest::JwtBearer { .. }
    );
    let client = client_auth::identify(ctx, tenant, &req.client, public_ok).await?;
    // A browser's cross-origin request: only the grants a single-page app
    // uses (its code is checked against its redirect URI in the grant).
    if req.cross_origin
        && !matches!(
            req.grant,
            GrantRequest::AuthorizationCode { .. } | GrantRequest::RefreshToken { .. }
        )
    {
        return Err(OAuthError::new(error::CROSS_ORIGIN_NOT_SPA));
    }
    match req.grant {
        GrantRequest::ClientCredentials { scope } => {
            grants::client_credentials::grant(ctx, tenant, &client, scope.as_deref(), rng).await
        }
        GrantRequest::AuthorizationCode {
            code,
            redirect_uri,
            code_verifier,
            client_info,
        } => {
            let r = grants::authorization_code::Redeem {
                cross_origin: req.cross_origin,
                code: &code,
                redirect_uri: redirect_uri.as_deref(),
                code_verifier: code_verifier.as_deref(),
                client_info: client_info.as_deref() == Some("1"),
            };
            grants::authorization_code::grant(ctx, tenant, &client, r, rng).await
        }
        GrantRequest::RefreshToken {
            refresh_token,
            scope,
            client_info,
        } => {
            let r = grants::refresh_token::Refresh {
                cross_origin: req.cross_origin,
                token: &refresh_token,
                scope: scope.as_deref(),
                client_info: client_info.as_deref() == Some("1"),
            };
            grants::refresh_token::grant(ctx, tenant, &client, r, rng).await
        }
        GrantRequest::JwtBearer {
            assertion,
            scope,
            requested_token_use,
        } => {
            let x = grants::on_behalf_of::Exchange {
                assertion: &assertion,
                scope: &scope,
                requested_token_use: requested_token_use.as_deref(),
            };
            grants::on_behalf_of::grant(ctx, tenant, &client, x, rng).await
        }
        GrantRequest::DeviceCode {
            device_code,
            client_info,
        } => {
            let info = client_info.as_deref() == Some("1");
            grants::device_code::grant(ctx, tenant, &client, &device_code, info, rng).await
        }
    }
}
