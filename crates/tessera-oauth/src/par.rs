//! Pushed authorization requests (RFC 9126): the client posts its
//! authorization request's parameters to `/par` (authenticating as at the
//! token endpoint, RFC 9126 §2: a client that only names itself with
//! `client_id` is accepted for a public client's request only — a
//! redirect URI registered as a single-page or mobile-and-desktop app's,
//! as the code grant decides), gets a `request_uri`, and sends the browser to
//! `/authorize?client_id=…&request_uri=…`. The request is validated when it
//! is pushed, so errors reach the client directly, and its parameters cannot
//! be altered in the browser.
use crate::authorize::Rejection;
use crate::error::*;
use crate::redirect::Platform;
use crate::request::{form_with_client, missing, ClientAuth};
use crate::TokenContext;
use rand::{CryptoRng, RngCore};
use serde::Serialize;
use std::collections::BTreeMap;
use tessera_model::{PushedRequest, TenantId};

/// RFC 9126 §2.2's URN prefix of every `request_uri`.
pub const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";
/// How long a pushed request may be used: long enough for a user to sign in
/// and consent (every page step reads it again).
pub const PUSHED_REQUEST_SECONDS: i64 = 600;

#[derive(Debug)]
pub struct ParRequest {
    pub client: ClientAuth,
    /// The authorization request's parameters (client credentials removed,
    /// `client_id` kept).
    pub params: BTreeMap<String, String>,
}

impl ParRequest {
    pub fn parse(
        pairs: Vec<(String, String)>,
        basic: Option<(String, String)>,
    ) -> Result<Self, OAuthError> {
        let (mut form, client) = form_with_client(pairs, basic)?;
        let client_id = client
            .client_id
            .clone()
            .ok_or_else(|| missing("client_id"))?;
        if form.contains_key("request_uri") {
            return Err(OAuthError::with(
                PAR_INVALID,
                "A pushed request cannot itself contain request_uri (RFC 9126 §2.1).",
            ));
        }
        if form.contains_key("request") {
            return Err(OAuthError::with(
                PAR_INVALID,
                "Request objects are not supported.",
            ));
        }
        form.insert("client_id".into(), client_id);
        Ok(Self {
            client,
            params: form,
        })
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ParResponse {
    pub request_uri: String,
    pub expires_in: i64,
}

pub async fn push(
    ctx: &TokenContext<'_>,
    tenant: TenantId,
    req: ParRequest,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<ParResponse, OAuthError> {
    let client = crate::client_auth::identify(ctx, tenant, &req.client, true).await?;
    let platform = req
        .params
        .get("redirect_uri")
        .and_then(|u| crate::redirect::match_redirect(&client.app.settings, u));
    client.require_credential_unless(matches!(
        platform,
        Some(Platform::Spa | Platform::PublicClient)
    ))?;
    if let Err(r) = crate::authorize::validate(&req.params, Some(&client.app)) {
        let (error, description) = match r {
            Rejection::ErrorPage { message } => ("invalid_request", message),
            Rejection::Redirect {
                error, description, ..
            } => (error, description),
        };
        let what = if error == "invalid_scope" {
            SCOPE_INVALID
        } else {
            PAR_INVALID
        };
        // The validator's own sentences: no client input is echoed in them.
        return Err(OAuthError::with(what, description));
    }
    let token = crate::token::tenant_bound_token(tenant, rng);
    let params = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(req.params.iter())
        .finish();
    let record = PushedRequest {
        digest: tessera_crypto::secret_digest(&token).to_vec(),
        client_id: client.app.app_id,
        params,
        created_at: ctx.now,
        expires_at: ctx.now + time::Duration::seconds(PUSHED_REQUEST_SECONDS),
        used_at: None,
    };
    ctx.store.insert_pushed_request(tenant, &record).await?;
    Ok(ParResponse {
        request_uri: format!("{REQUEST_URI_PREFIX}{token}"),
        expires_in: PUSHED_REQUEST_SECONDS,
    })
}

/// The tenant and digest a `request_uri` names, if it is one of ours.
pub fn request_uri_key(request_uri: &str) -> Option<(TenantId, Vec<u8>)> {
    let token = request_uri.strip_prefix(REQUEST_URI_PREFIX)?;
    let t = crate::token::token_tenant(token)?;
    Some((t, tessera_crypto::secret_digest(token).to_vec()))
}
