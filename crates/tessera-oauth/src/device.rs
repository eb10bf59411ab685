//! The device authorization grant (RFC 8628), as Entra does it: the device
//! posts to `/devicecode` and gets a `device_code` to poll the token endpoint
//! with, and a short `user_code` that the user enters on `/devicelogin` with
//! a browser on another device, signs in and approves. See
//! docs/design/device-code.md for the choices and their risks.
use crate::client_auth::AuthenticatedClient;
use crate::error::*;
use crate::request::{form_with_client, missing, ClientAuth};
use crate::TokenContext;
use rand::{CryptoRng, RngCore};
use serde::Serialize;
use tessera_model::{DeviceCodeRecord, DeviceStatus, ObjectId, TenantId};

/// How long the user has to approve (Entra: 15 minutes).
pub const DEVICE_CODE_SECONDS: i64 = 900;
/// The polling interval the device is told.
pub const INTERVAL_SECONDS: i64 = 5;
/// RFC 8628 §6.1: consonants only (no vowels, so no words; no 0/O, 1/I).
const ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
/// 20^9 ≈ 5·10^11 codes (≈ 39 bits).
pub const USER_CODE_LEN: usize = 9;

/// A device authorization request: the client and the scopes.
#[derive(Debug)]
pub struct DeviceRequest {
    pub client: ClientAuth,
    pub scope: String,
}

impl DeviceRequest {
    pub fn parse(
        pairs: Vec<(String, String)>,
        basic: Option<(String, String)>,
    ) -> Result<Self, OAuthError> {
        let (mut form, client) = form_with_client(pairs, basic)?;
        if client.client_id.is_none() {
            return Err(missing("client_id"));
        }
        let scope = form.remove("scope").ok_or_else(|| missing("scope"))?;
        Ok(Self { client, scope })
    }
}

/// RFC 8628 §3.2, with Entra's `message`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DeviceAuthorization {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    pub expires_in: i64,
    pub interval: i64,
    pub message: String,
}

/// A fresh user code (`USER_CODE_LEN` letters of `ALPHABET`, unbiased).
pub fn new_user_code(rng: &mut (impl RngCore + CryptoRng)) -> String {
    let mut out = String::with_capacity(USER_CODE_LEN);
    while out.len() < USER_CODE_LEN {
        let b = (rng.next_u32() & 0xff) as u8;
        // 240 = 12 · 20: rejecting 240..=255 keeps every letter equally likely.
        if b < 240 {
            out.push(ALPHABET[usize::from(b % 20)] as char);
        }
    }
    out
}

/// A typed user code as stored: case and separators (spaces, dashes)
/// ignored; `None` when it cannot be a code.
pub fn normalize_user_code(typed: &str) -> Option<String> {
    if typed.len() > 64 {
        return None;
    }
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == USER_CODE_LEN && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// Whether `client` may use the device flow as it authenticated: a public
/// client only when the application allows public client flows.
pub fn check_client(client: &AuthenticatedClient) -> Result<(), OAuthError> {
    let public = client.method == crate::client_auth::AuthMethod::None;
    if public && client.app.settings.is_fallback_public_client != Some(true) {
        return Err(OAuthError::new(MISSING_CLIENT_CREDENTIAL));
    }
    Ok(())
}

/// Starts a device authorization in `tenant` (where the client is known);
/// `user_tenant` limits who may approve (`None`: users of any tenant the
/// application may sign in).
pub async fn start(
    ctx: &TokenContext<'_>,
    tenant: TenantId,
    user_tenant: Option<TenantId>,
    req: &DeviceRequest,
    verification_uri: &str,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<DeviceAuthorization, OAuthError> {
    let client = crate::client_auth::identify(ctx, tenant, &req.client, true).await?;
    check_client(&client)?;
    // Unknown scopes fail now, not after the user signed in.
    crate::delegated::resolve(
        ctx.directory,
        ctx.public_url,
        tenant,
        &client.app,
        &req.scope,
    )
    .await?;
    let device_code = crate::token::tenant_bound_token(tenant, rng);
    let mut record = DeviceCodeRecord {
        id: ObjectId::random(rng),
        digest: tessera_crypto::secret_digest(&device_code).to_vec(),
        user_code: new_user_code(rng),
        client_id: client.app.app_id,
        scope: req.scope.clone(),
        user_tenant,
        created_at: ctx.now,
        expires_at: ctx.now + time::Duration::seconds(DEVICE_CODE_SECONDS),
        last_poll_at: None,
        status: DeviceStatus::Pending,
    };
    // A clash of user codes is ~1 in 10^8 at a thousand live codes: retry.
    let mut attempts = 0;
    loop {
        match ctx.store.insert_device_code(tenant, &record).await {
            Ok(()) => break,
            Err(tessera_store::StoreError::Conflict(_)) if attempts < 3 => {
                attempts += 1;
                record.user_code = new_user_code(rng);
            }
            Err(e) => return Err(e.into()),
        }
    }
    let message = format!(
        "To sign in, use a web browser to open the page {verification_uri} and enter the code {} to authenticate.",
        record.user_code
    );
    Ok(DeviceAuthorization {
        device_code,
        user_code: record.user_code,
        verification_uri: verification_uri.to_string(),
        expires_in: DEVICE_CODE_SECONDS,
        interval: INTERVAL_SECONDS,
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_codes_are_well_formed_and_normalise() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            let c = new_user_code(&mut rand::rngs::OsRng);
            assert_eq!(c.len(), USER_CODE_LEN);
            assert_eq!(normalize_user_code(&c).as_deref(), Some(c.as_str()));
            let typed = format!(" {}-{} ", c[..4].to_lowercase(), &c[4..]);
            assert_eq!(normalize_user_code(&typed).as_deref(), Some(c.as_str()));
            seen.insert(c);
        }
        assert!(seen.len() > 190, "codes repeat: {}", seen.len());
        for bad in [
            "",
            "BCDFGHJKL1",
            "ABCDEFGHI",
            "BCDFGHJK",
            "BCDFGHJKLM",
            "ÄBCDFGHJK",
        ] {
            assert_eq!(normalize_user_code(bad), None, "{bad}");
        }
        assert_eq!(normalize_user_code(&"B".repeat(100)), None);
    }
}
