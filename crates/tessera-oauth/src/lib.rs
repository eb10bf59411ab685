//! Tessera's OAuth 2.0 / OpenID Connect engine: request validation, client
//! authentication, grants and token minting. Plain structs in and out: no HTTP
//! types; time, randomness, keys and the store come in as arguments.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod assertion;
pub mod authorize;
pub mod client_auth;
pub mod directory;
pub mod discovery;
pub mod error;
pub mod grants;
pub mod introspect;
pub mod keys;
pub mod redirect;
pub mod request;
pub mod resource;
pub mod token;

pub use error::{ErrorCode, OAuthError};
pub use request::{ClientAuth, GrantRequest, TokenRequest};
pub use token::TokenResponse;

use rand::{CryptoRng, RngCore};
use tessera_crypto::SigningKey;
use tessera_model::TenantId;
use time::OffsetDateTime;

/// What a token request is decided with.
pub struct TokenContext<'a> {
    /// Clients and resources (cached by the server).
    pub directory: &'a dyn directory::Directory,
    pub now: OffsetDateTime,
    /// Tessera's public base URL (issuer prefix).
    pub public_url: &'a str,
    /// The tenant's current signing key.
    pub key: &'a SigningKey,
    /// The URLs of this token endpoint (valid client-assertion audiences).
    pub token_endpoints: &'a [String],
    /// Seen client-assertion ids.
    pub replay: &'a dyn assertion::ReplayGuard,
}

/// The token endpoint: authenticate the client once, then dispatch on the grant.
pub async fn token(
    ctx: &TokenContext<'_>,
    tenant: TenantId,
    req: TokenRequest,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<TokenResponse, OAuthError> {
    let client = client_auth::authenticate(ctx, tenant, &req.client).await?;
    match req.grant {
        GrantRequest::ClientCredentials { scope } => {
            grants::client_credentials::grant(ctx, tenant, &client, scope.as_deref(), rng).await
        }
    }
}
