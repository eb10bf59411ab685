//! Redeeming a device code (RFC 8628 §3.4–3.5): `authorization_pending`
//! until the user approves on `/devicelogin`, `slow_down` when the device
//! polls faster than told, `access_denied` when the user cancelled,
//! `expired_token` after 15 minutes; once approved, the tokens — once.
use crate::client_auth::{AuthMethod, AuthenticatedClient};
use crate::device::{check_client, INTERVAL_SECONDS};
use crate::error::*;
use crate::token::TokenResponse;
use crate::user_token::{self, UserGrant};
use crate::TokenContext;
use rand::{CryptoRng, RngCore};
use tessera_model::{DeviceCodeRecord, DeviceStatus, TenantId};

/// The tenant the token request must be served in: the approving user's
/// once approved, else the tenant the device code was issued in. `None` for
/// a value that is no device code of ours.
pub async fn serving_tenant(
    store: &dyn tessera_store::Store,
    device_code: &str,
) -> Result<Option<TenantId>, OAuthError> {
    let Some(issued_in) = crate::token::token_tenant(device_code) else {
        return Ok(None);
    };
    let digest = tessera_crypto::secret_digest(device_code);
    Ok(match store.get_device_code(issued_in, &digest).await? {
        Some(DeviceCodeRecord {
            status: DeviceStatus::Approved(a),
            ..
        }) => Some(a.tenant),
        _ => Some(issued_in),
    })
}

pub async fn grant(
    ctx: &TokenContext<'_>,
    tenant: TenantId,
    client: &AuthenticatedClient,
    device_code: &str,
    client_info: bool,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<TokenResponse, OAuthError> {
    let invalid = || OAuthError::new(DEVICE_CODE_INVALID);
    let issued_in = crate::token::token_tenant(device_code).ok_or_else(invalid)?;
    let digest = tessera_crypto::secret_digest(device_code);
    let rec = ctx
        .store
        .get_device_code(issued_in, &digest)
        .await?
        .ok_or_else(invalid)?;
    if rec.client_id != client.app.app_id {
        return Err(invalid());
    }
    check_client(client)?;
    let approval = match rec.status {
        DeviceStatus::Redeemed => return Err(invalid()),
        DeviceStatus::Denied => return Err(OAuthError::new(DEVICE_DECLINED)),
        _ if ctx.now >= rec.expires_at => return Err(OAuthError::new(DEVICE_EXPIRED)),
        DeviceStatus::Pending => {
            let before = ctx
                .store
                .poll_device_code(issued_in, rec.id, ctx.now)
                .await?;
            // A second of slack for network jitter.
            let too_soon = before.is_some_and(|b| {
                (ctx.now - b).whole_milliseconds() < i128::from(INTERVAL_SECONDS - 1) * 1000
            });
            return Err(OAuthError::new(if too_soon {
                DEVICE_SLOW_DOWN
            } else {
                DEVICE_PENDING
            }));
        }
        DeviceStatus::Approved(a) => a,
    };
    // The edge serves an approved code in the approving user's tenant.
    if approval.tenant != tenant {
        return Err(invalid());
    }
    let user = super::common::enabled_user(ctx, tenant, approval.user_id).await?;
    super::common::require_live_session(ctx, tenant, approval.session_id).await?;
    let resolved = crate::delegated::resolve(
        ctx.directory,
        ctx.public_url,
        tenant,
        &client.app,
        &rec.scope,
    )
    .await?;
    let g = UserGrant {
        session_id: Some(approval.session_id),
        auth_time: approval.auth_time,
        amr: approval.amr.clone(),
        ..UserGrant::for_client(tenant, client, &user, &resolved, client_info)
    };
    let mut answer = user_token::mint(ctx, &g, rng).await?;
    let public = client.method == AuthMethod::None;
    let refresh = resolved.requested.wants("offline_access").then(|| {
        user_token::new_refresh_token(rec.id, &g, public, false, &rec.scope, ctx.now, rng)
    });
    let stored = refresh.as_ref().map(|(_, r)| (tenant, r));
    if !ctx
        .store
        .redeem_device_code(issued_in, rec.id, stored)
        .await?
    {
        return Err(invalid());
    }
    answer.refresh_token = refresh.map(|(value, _)| value);
    Ok(answer)
}
