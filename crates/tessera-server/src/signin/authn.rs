//! What a signed-in browser must still prove before the flow goes on: a
//! forced password change, a second factor (security defaults, or a
//! client's `acr_values`), or — for an administrator past the registration
//! grace period — registering one. Also the helpers every sign-in step
//! shares: the user's methods, the caller's address, the sign-in log.
use super::Signed;
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use tessera_authn::strength::{self, Method};
use tessera_model::{AppId, AuthMethod, AuthStep, MethodDetail, ObjectId, SignInEvent, TenantId};
use time::OffsetDateTime;

/// How long after a password-only first sign-in an administrator may go on
/// without a second factor (Entra's security defaults: 14 days).
pub const REGISTRATION_GRACE_DAYS: i64 = 14;
/// Adding a method needs a sign-in this recent.
pub const RECENT_MINUTES: i64 = 10;

/// The caller's address: the TCP peer, or — when the peer is one of the
/// configured `trusted_proxies` — the last address in `X-Forwarded-For`
/// that is not a trusted proxy (entries further left are the client's own
/// claims and are never believed).
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Infallible> {
        let Some(peer) = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
        else {
            return Ok(ClientIp(String::new()));
        };
        let forwarded: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        Ok(ClientIp(
            client_address(peer, &forwarded, &s.config.trusted_proxy_ips()).to_string(),
        ))
    }
}

/// The client's address behind `trusted` proxies (see [`ClientIp`]).
pub fn client_address(peer: IpAddr, forwarded_for: &[&str], trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let mut client = peer;
    let hops = forwarded_for
        .iter()
        .flat_map(|h| h.split(','))
        .map(str::trim);
    for hop in hops.collect::<Vec<_>>().into_iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => client = ip,
            Ok(ip) => return ip,
            // A malformed entry: stop at the last address believed.
            Err(_) => return client,
        }
    }
    client
}

/// A user's registered methods, by kind, as the policy allows them.
#[derive(Default)]
pub(crate) struct Methods {
    pub totp: Vec<AuthMethod>,
    pub passkeys: Vec<AuthMethod>,
    pub taps: Vec<AuthMethod>,
}

impl Methods {
    pub fn has_second_factor(&self) -> bool {
        !self.totp.is_empty() || !self.passkeys.is_empty()
    }
}

pub(crate) async fn methods(
    s: &AppState,
    t: TenantId,
    user: ObjectId,
    policy: &crate::authn_policy::MethodsPolicy,
) -> tessera_store::StoreResult<Methods> {
    let mut m = Methods::default();
    for method in s.store.auth_methods(t, user).await? {
        match method.detail {
            MethodDetail::SoftwareOath { .. } if policy.software_oath_enabled => {
                m.totp.push(method)
            }
            MethodDetail::Fido2 { .. } if policy.fido2_enabled && s.webauthn.is_some() => {
                m.passkeys.push(method)
            }
            MethodDetail::TemporaryAccessPass { .. } if policy.tap.enabled => m.taps.push(method),
            _ => {}
        }
    }
    Ok(m)
}

/// What the browser must do before the flow goes on.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Need {
    Nothing,
    ChangePassword,
    SecondFactor,
    Register,
}

/// Decides [`Need`] for a signed-in user. Security defaults (on unless the
/// tenant turned them off): whoever has a second factor uses it at each
/// sign-in; an administrator must have one (after a grace period). A
/// client's `acr_values` naming a built-in strength requires it too.
pub(crate) async fn need(
    s: &AppState,
    signed: &Signed,
    acr_values: &[String],
    admin: bool,
    now: OffsetDateTime,
) -> tessera_store::StoreResult<Need> {
    let t = signed.tenant;
    let used = strength::methods_from_amr(&signed.session.amr);
    if used.contains(&Method::Password) {
        let state = s.store.password_state(t, signed.user.id).await?;
        if state.is_some_and(|p| p.force_change) {
            return Ok(Need::ChangePassword);
        }
    }
    let policy = crate::authn_policy::load(s.store.as_ref(), t).await?;
    let methods = methods(s, t, signed.user.id, &policy).await?;
    let mut required: Vec<&'static strength::Strength> = acr_values
        .iter()
        .filter_map(|a| strength_for_acr(a))
        .collect();
    let from_client = !required.is_empty();
    if policy.security_defaults && (admin || methods.has_second_factor()) {
        required.extend(strength::by_id(strength::MFA_ID));
    }
    if required.iter().all(|st| strength::satisfies(st, &used)) {
        return Ok(Need::Nothing);
    }
    // A further factor helps only if the user's methods can then satisfy
    // every requirement; otherwise they must register a stronger one.
    let mut reachable = used.clone();
    if !methods.totp.is_empty() {
        reachable.push(Method::SoftwareOath);
    }
    if !methods.passkeys.is_empty() {
        reachable.push(Method::Fido2);
    }
    if methods.has_second_factor()
        && required
            .iter()
            .all(|st| strength::satisfies(st, &reachable))
    {
        return Ok(Need::SecondFactor);
    }
    let grace = now - signed.user.created_date_time < time::Duration::days(REGISTRATION_GRACE_DAYS);
    if !from_client && !methods.has_second_factor() && grace {
        return Ok(Need::Nothing);
    }
    Ok(Need::Register)
}

/// The built-in strength an `acr` value names (`1fa` names none).
fn strength_for_acr(acr: &str) -> Option<&'static strength::Strength> {
    let id = match acr {
        strength::ACR_MFA => strength::MFA_ID,
        strength::ACR_PASSWORDLESS => strength::PASSWORDLESS_MFA_ID,
        strength::ACR_PHISHING_RESISTANT => strength::PHISHING_RESISTANT_MFA_ID,
        _ => return None,
    };
    strength::by_id(id)
}

/// The methods a session has used, with `more` added, as `amr`.
pub(crate) fn amr_with(session_amr: &[String], more: Method) -> Vec<String> {
    let mut used = strength::methods_from_amr(session_amr);
    used.push(more);
    strength::amr(&used)
}

/// A sign-in log entry in the making.
pub(crate) struct LogEntry<'a> {
    pub tenant: TenantId,
    pub user: Option<ObjectId>,
    pub username: &'a str,
    pub app: Option<(AppId, &'a str)>,
    pub ip: &'a str,
    pub error_code: i32,
    pub failure: &'a str,
    pub mfa: bool,
    pub steps: Vec<(&'a str, bool, &'a str)>,
}

/// Records a sign-in attempt. A failure to record is logged, not shown:
/// the sign-in itself has been decided.
pub(crate) async fn record(s: &AppState, e: LogEntry<'_>, now: OffsetDateTime) {
    let event = SignInEvent {
        id: ObjectId::random(&mut rand::rngs::OsRng),
        created_at: now,
        user_id: e.user,
        user_principal_name: e.username.to_lowercase(),
        app_id: e.app.map(|(a, _)| a),
        app_display_name: e.app.map(|(_, n)| n.to_string()).unwrap_or_default(),
        ip_address: e.ip.to_string(),
        error_code: e.error_code,
        failure_reason: e.failure.to_string(),
        requirement: if e.mfa {
            "multiFactorAuthentication"
        } else {
            "singleFactorAuthentication"
        }
        .into(),
        steps: e
            .steps
            .into_iter()
            .map(|(method, succeeded, detail)| AuthStep {
                method: method.into(),
                succeeded,
                detail: detail.into(),
                at: now,
            })
            .collect(),
    };
    if let Err(e) = s.store.record_sign_in(e.tenant, &event).await {
        tracing::warn!(error = %e, "could not record a sign-in");
    }
}

#[cfg(test)]
mod tests {
    use super::client_address;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy = ip("10.0.0.5");
        let lb = ip("10.0.0.6");
        let trusted = [proxy, lb];
        // No proxy configured, or the peer is not one: the header is ignored.
        assert_eq!(
            client_address(ip("203.0.113.9"), &["198.51.100.1"], &[]),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_address(ip("203.0.113.9"), &["198.51.100.1"], &trusted),
            ip("203.0.113.9")
        );
        // Behind the proxy: the last untrusted entry; the client's own
        // claims to the left of it are not believed.
        assert_eq!(
            client_address(proxy, &["1.2.3.4, 198.51.100.1"], &trusted),
            ip("198.51.100.1")
        );
        assert_eq!(
            client_address(proxy, &["1.2.3.4", "198.51.100.1, 10.0.0.6"], &trusted),
            ip("198.51.100.1")
        );
        // No header, an empty one, or garbage: the last address believed.
        assert_eq!(client_address(proxy, &[], &trusted), proxy);
        assert_eq!(client_address(proxy, &["not-an-ip"], &trusted), proxy);
        assert_eq!(
            client_address(proxy, &["198.51.100.1, junk"], &trusted),
            proxy
        );
        assert_eq!(
            client_address(proxy, &["2001:db8::1"], &trusted),
            ip("2001:db8::1")
        );
    }
}
