//! Client credentials (RFC 6749 §4.4) as Entra does it: the scope names one
//! resource as `{resource}/.default`, and the token carries the application
//! permissions (app roles) the client's service principal holds on it.
use crate::client_auth::AuthenticatedClient;
use crate::error::*;
use crate::resource::{default_scope_resource, resource_app_id};
use crate::token::{issuer, AppTokenClaims, TokenResponse};
use crate::TokenContext;
use rand::{CryptoRng, RngCore};
use tessera_model::TenantId;

/// Lifetime of app-only access tokens (Entra: 60–90 minutes).
pub const ACCESS_TOKEN_SECONDS: i64 = 3600;

pub async fn grant(
    ctx: &TokenContext<'_>,
    tenant: TenantId,
    client: &AuthenticatedClient,
    scope: Option<&str>,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<TokenResponse, OAuthError> {
    let scope = scope.ok_or_else(|| crate::request::missing("scope"))?;
    let resource =
        default_scope_resource(scope).ok_or_else(|| OAuthError::new(SCOPE_MISSING_DEFAULT))?;
    let not_found = || {
        OAuthError::with(
            RESOURCE_NOT_FOUND,
            format!("Resource: '{}'.", crate::request::printable(resource)),
        )
    };
    let resource_app = resource_app_id(resource, ctx.public_url).ok_or_else(not_found)?;
    let resource_sp = ctx
        .directory
        .service_principal(tenant, resource_app)
        .await?
        .ok_or_else(not_found)?;

    if client.method == crate::client_auth::AuthMethod::None {
        return Err(OAuthError::new(MISSING_CLIENT_CREDENTIAL));
    }
    crate::assignment::require(
        ctx.store,
        tenant,
        &resource_sp,
        &[client.sp.id],
        &format!("Application '{}'", client.app.app_id),
    )
    .await?;
    let held = ctx.directory.app_roles_held(tenant, client.sp.id).await?;
    let mut roles: Vec<String> = held
        .iter()
        .filter(|a| a.resource_id == resource_sp.id)
        .filter_map(|a| {
            resource_sp
                .app_roles
                .iter()
                .find(|r| r.id == a.app_role_id && r.is_enabled)
        })
        .filter(|r| r.allowed_member_types.iter().any(|t| t == "Application"))
        .filter_map(|r| r.value.clone())
        .collect();
    roles.sort();
    roles.dedup();

    let iat = ctx.now.unix_timestamp();
    let claims = AppTokenClaims {
        aud: resource_app.to_string(),
        iss: issuer(ctx.public_url, tenant),
        iat,
        nbf: iat,
        exp: iat + ACCESS_TOKEN_SECONDS,
        azp: client.app.app_id,
        azpacr: client.method.azpacr(),
        idtyp: "app",
        oid: client.sp.id,
        roles,
        sub: client.sp.id,
        tid: tenant,
        uti: tessera_crypto::random_token(rng, 16),
        ver: "2.0",
    };
    // The resource's choice of algorithm for its access tokens, else the tenant's.
    let (resource_alg, resource_version) = match ctx.directory.client(resource_app).await? {
        Some(r) => (
            r.app.settings.token_signing_alg.clone(),
            r.app.settings.api.requested_access_token_version,
        ),
        None => (None, None),
    };
    let key = crate::signer_for(ctx, resource_alg.as_deref()).await?;
    let mut claims = crate::optional_claims::object(&claims)?;
    if resource_version == Some(1) {
        crate::optional_claims::to_v1(&mut claims, ctx.public_url);
    }
    let access_token = tessera_crypto::sign_jwt(key.as_deref().unwrap_or(ctx.key), &claims)
        .map_err(|_| OAuthError::new(SERVER_ERROR))?;
    Ok(TokenResponse {
        token_type: "Bearer",
        scope: None,
        expires_in: ACCESS_TOKEN_SECONDS,
        ext_expires_in: ACCESS_TOKEN_SECONDS,
        access_token,
        refresh_token: None,
        id_token: None,
        client_info: None,
    })
}
