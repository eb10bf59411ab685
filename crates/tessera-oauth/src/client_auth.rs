//! Authenticating a confidential client: find its application (appIds are
//! global), its service principal in the requested tenant, and check the
//! secret against every stored digest in constant time.
use crate::error::*;
use crate::request::{printable, ClientAuth};
use std::sync::Arc;
use tessera_model::{AppId, Application, ServicePrincipal, TenantId};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMethod {
    /// A public client: it only named itself (allowed by some grants only).
    None,
    ClientSecretBasic,
    ClientSecretPost,
    PrivateKeyJwt,
}

impl AuthMethod {
    /// Entra's `azpacr`: 0 for a public client, 1 for a secret, 2 for a
    /// certificate or assertion.
    pub fn azpacr(self) -> &'static str {
        match self {
            Self::None => "0",
            Self::PrivateKeyJwt => "2",
            _ => "1",
        }
    }
}

#[derive(Debug, Clone)]
pub struct AuthenticatedClient {
    pub app: Application,
    pub home_tenant: TenantId,
    /// The client's service principal in the tenant of the request.
    pub sp: Arc<ServicePrincipal>,
    pub method: AuthMethod,
}

impl AuthenticatedClient {
    /// `MISSING_CLIENT_CREDENTIAL` when the client only named itself
    /// (`AuthMethod::None`) and `public` — whether what it asks for is
    /// something a public client may do — is false.
    pub fn require_credential_unless(&self, public: bool) -> Result<(), OAuthError> {
        if self.method == AuthMethod::None && !public {
            return Err(OAuthError::new(MISSING_CLIENT_CREDENTIAL));
        }
        Ok(())
    }
}

/// Whether an application can act as a public client at all: it has
/// single-page-app or mobile-and-desktop redirect URIs, or allows public
/// client flows (`isFallbackPublicClient`). An application with only web
/// redirect URIs is confidential: it must always authenticate.
pub fn may_be_public(app: &Application) -> bool {
    let s = &app.settings;
    !s.spa.redirect_uris.is_empty()
        || !s.public_client.redirect_uris.is_empty()
        || s.is_fallback_public_client == Some(true)
}

/// Authenticates a confidential client.
pub async fn authenticate(
    ctx: &crate::TokenContext<'_>,
    tenant: TenantId,
    auth: &ClientAuth,
) -> Result<AuthenticatedClient, OAuthError> {
    identify(ctx, tenant, auth, false).await
}

/// Authenticates the client, or — with `allow_public` and no credential
/// presented — identifies a public client by its `client_id` alone
/// (`AuthMethod::None`; the grant decides whether that is enough).
pub async fn identify(
    ctx: &crate::TokenContext<'_>,
    tenant: TenantId,
    auth: &ClientAuth,
    allow_public: bool,
) -> Result<AuthenticatedClient, OAuthError> {
    let (directory, now) = (ctx.directory, ctx.now);
    let raw_id = auth
        .client_id
        .as_deref()
        .ok_or_else(|| crate::request::missing("client_id"))?;
    let app_id: AppId = raw_id.parse().map_err(|_| {
        OAuthError::with(
            CLIENT_NOT_FOUND,
            format!("Client id: '{}'.", printable(raw_id)),
        )
    })?;
    let client = directory
        .client(app_id)
        .await?
        .ok_or_else(|| OAuthError::with(CLIENT_NOT_FOUND, format!("Client id: '{app_id}'.")))?;
    let (home_tenant, app) = (client.home_tenant, client.app.clone());
    let method = if let Some(assertion) = auth.assertion.as_deref() {
        crate::assertion::verify(
            auth.assertion_type.as_deref(),
            assertion,
            raw_id,
            &client,
            ctx.token_endpoints,
            now,
            ctx.store,
        )
        .await?;
        AuthMethod::PrivateKeyJwt
    } else if auth.secret.is_none() && allow_public {
        AuthMethod::None
    } else {
        let presented = auth
            .secret
            .as_deref()
            .ok_or_else(|| OAuthError::new(MISSING_CLIENT_CREDENTIAL))?;
        // Check every credential without stopping early, so timing does not
        // tell how many secrets the application has or which one matched.
        let mut valid = false;
        let mut expired = false;
        for (cred, digest) in &client.secrets {
            let matches = tessera_crypto::verify_secret(presented, digest);
            let current = cred.start_date_time <= now && now < cred.end_date_time;
            valid |= matches & current;
            expired |= matches & !current;
        }
        if !valid {
            return Err(OAuthError::new(if expired {
                EXPIRED_CLIENT_SECRET
            } else {
                INVALID_CLIENT_SECRET
            }));
        }
        if auth.used_basic {
            AuthMethod::ClientSecretBasic
        } else {
            AuthMethod::ClientSecretPost
        }
    };
    if tenant != home_tenant && app.sign_in_audience == tessera_model::SignInAudience::AzureADMyOrg
    {
        return Err(OAuthError::with(
            CLIENT_NOT_IN_TENANT,
            "The application is single-tenant.",
        ));
    }
    let sp = directory
        .service_principal(tenant, app_id)
        .await?
        .ok_or_else(|| OAuthError::new(CLIENT_NOT_IN_TENANT))?;
    if !sp.account_enabled {
        return Err(OAuthError::new(CLIENT_DISABLED));
    }
    Ok(AuthenticatedClient {
        app,
        home_tenant,
        sp,
        method,
    })
}
