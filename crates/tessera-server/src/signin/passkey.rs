//! Passkeys at the sign-in page: the WebAuthn relying party, the ceremony
//! state that travels sealed in the page (nothing is stored before sign-in),
//! and the passwordless sign-in post.
use super::authn::{record, ClientIp, LogEntry};
use crate::clock::SystemClock;
use crate::state::AppState;
use crate::tenant::PathTenant;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use tessera_authn::strength::Method;
use tessera_authn::webauthn::{Relying, StoredPasskey, Used};
use tessera_model::{AuthMethod, Clock, MethodDetail, ObjectId, TenantId};
use time::OffsetDateTime;

/// How long a page's WebAuthn challenge may be answered.
pub const CHALLENGE_SECONDS: i64 = 300;

/// The relying party for this public URL: its host is the RP ID and its
/// origin the only origin accepted. `None` for an IP address (WebAuthn has
/// no relying party for one) or a URL that does not parse.
pub fn relying_party(public_url: &str) -> Option<Relying> {
    let origin = super::pages::origin(public_url)?;
    let authority = origin.split_once("://")?.1;
    let host = match authority.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => authority,
    };
    if host.starts_with('[') || host.parse::<std::net::IpAddr>().is_ok() {
        return None;
    }
    match Relying::new(host, &origin, "Tessera") {
        Ok(r) => Some(r),
        Err(e) => {
            tracing::warn!(error = %e, "passkeys are off: no WebAuthn relying party for the public URL");
            None
        }
    }
}

/// A ceremony's state as the page carries it.
#[derive(Serialize, Deserialize)]
struct Sealed {
    /// What the state is for ("passwordless", "second-factor", "register").
    purpose: String,
    /// The user it is bound to (second factor, registration).
    user: Option<String>,
    state: String,
    challenge: String,
    expires: i64,
}

/// A ceremony's state, opened.
pub struct Ceremony {
    pub state: Vec<u8>,
    pub challenge: Vec<u8>,
    pub expires_at: OffsetDateTime,
}

/// Seals `state` for the page (AES-256-GCM under the master key; the
/// associated data names the purpose, so a state cannot be replayed into
/// another ceremony).
pub fn seal(
    s: &AppState,
    purpose: &str,
    user: Option<&str>,
    state: &[u8],
    challenge: &[u8],
    now: OffsetDateTime,
) -> Option<String> {
    let body = Sealed {
        purpose: purpose.into(),
        user: user.map(str::to_string),
        state: URL_SAFE_NO_PAD.encode(state),
        challenge: URL_SAFE_NO_PAD.encode(challenge),
        expires: (now + time::Duration::seconds(CHALLENGE_SECONDS)).unix_timestamp(),
    };
    let json = serde_json::to_vec(&body).ok()?;
    let sealed = s
        .signin
        .sealer
        .seal(&json, aad(purpose).as_bytes(), &mut rand::rngs::OsRng)
        .ok()?;
    Some(URL_SAFE_NO_PAD.encode(sealed))
}

/// Opens a sealed state for `purpose` (and `user`), if unexpired.
pub fn open(
    s: &AppState,
    purpose: &str,
    user: Option<&str>,
    sealed: &str,
    now: OffsetDateTime,
) -> Option<Ceremony> {
    if sealed.len() > 16 * 1024 {
        return None;
    }
    let raw = URL_SAFE_NO_PAD.decode(sealed).ok()?;
    let json = s.signin.sealer.open(&raw, aad(purpose).as_bytes()).ok()?;
    let body: Sealed = serde_json::from_slice(&json).ok()?;
    if body.purpose != purpose || body.user.as_deref() != user {
        return None;
    }
    let expires_at = OffsetDateTime::from_unix_timestamp(body.expires).ok()?;
    if now >= expires_at {
        return None;
    }
    Some(Ceremony {
        state: URL_SAFE_NO_PAD.decode(body.state).ok()?,
        challenge: URL_SAFE_NO_PAD.decode(body.challenge).ok()?,
        expires_at,
    })
}

fn aad(purpose: &str) -> String {
    format!("tessera webauthn state\0{purpose}")
}

/// The sign-in page's passwordless options and their sealed state, when
/// passkeys are on (a fresh challenge per page; nothing stored).
pub fn passwordless_options(s: &AppState) -> Option<(String, String)> {
    let rp = s.webauthn.as_ref()?;
    let c = rp.start_passwordless().ok()?;
    let sealed = seal(
        s,
        PASSWORDLESS,
        None,
        &c.state,
        &c.challenge,
        SystemClock.now(),
    )?;
    Some((c.options_json, sealed))
}

/// The second-factor options for `user`'s passkeys and their sealed state.
pub fn second_factor_options(
    s: &AppState,
    user: ObjectId,
    passkeys: &[AuthMethod],
) -> Option<(String, String)> {
    let rp = s.webauthn.as_ref()?;
    let stored: Vec<StoredPasskey> = passkeys.iter().filter_map(stored).collect();
    if stored.is_empty() {
        return None;
    }
    let c = rp.start_second_factor(&stored).ok()?;
    let sealed = seal(
        s,
        SECOND_FACTOR,
        Some(&user.to_string()),
        &c.state,
        &c.challenge,
        SystemClock.now(),
    )?;
    Some((c.options_json, sealed))
}

pub const PASSWORDLESS: &str = "passwordless";
pub const SECOND_FACTOR: &str = "second-factor";
pub const REGISTER: &str = "register";

/// A stored passkey as the WebAuthn layer wants it.
pub fn stored(m: &AuthMethod) -> Option<StoredPasskey> {
    match &m.detail {
        MethodDetail::Fido2 {
            credential_id,
            aaguid,
            attestation_format,
            passkey,
            counter,
        } => Some(StoredPasskey {
            credential_id: credential_id.clone(),
            user_id: m.user_id.0,
            aaguid: *aaguid,
            attestation_format: attestation_format.clone(),
            passkey_json: passkey.clone(),
            counter: u32::try_from(*counter).unwrap_or(u32::MAX),
            backup_eligible: false,
        }),
        _ => None,
    }
}

/// Verifies an assertion's single use and stores the passkey's new counter:
/// `false` for a replayed challenge or a counter that another sign-in
/// already passed.
pub async fn spend(
    s: &AppState,
    t: TenantId,
    method: ObjectId,
    ceremony: &Ceremony,
    used: &Used,
) -> tessera_store::StoreResult<bool> {
    let digest = tessera_crypto::sha256(&ceremony.challenge);
    if !s
        .store
        .consume_challenge(t, &digest, ceremony.expires_at)
        .await?
    {
        return Ok(false);
    }
    s.store
        .use_passkey(
            t,
            method,
            i64::from(used.counter),
            &used.updated.passkey_json,
            SystemClock.now(),
        )
        .await
}

pub const BAD_PASSKEY: &str =
    "That passkey could not be verified. Try again, or sign in another way.";

/// `POST /{tenant}/login/passkey`: passwordless sign-in with a discoverable
/// credential. The user is whoever the credential belongs to; the assertion
/// must carry their handle, user verification, a fresh challenge of this
/// server's page, and a counter above the stored one.
pub async fn submit(
    State(s): State<AppState>,
    Path(segment): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (form, flow) = match super::posted(&s, &segment, &headers, &body, "passkey").await {
        Ok(p) => p,
        Err(res) => return res,
    };
    let now = SystemClock.now();
    let fail = |s: &AppState, flow: &super::Flow| {
        super::login::page(s, &headers, flow, Some(BAD_PASSKEY), "", vec![])
    };
    let (Some(rp), Some(state), Some(credential)) = (
        s.webauthn.clone(),
        form.get("state"),
        form.get("credential"),
    ) else {
        return fail(&s, &flow);
    };
    let Some(ceremony) = open(&s, PASSWORDLESS, None, state, now) else {
        return fail(&s, &flow);
    };
    let Ok((_handle, credential_id)) = rp.identify(credential) else {
        return fail(&s, &flow);
    };
    let t = match s.store.passkey_tenant(&credential_id).await {
        Ok(Some(t)) => t,
        Ok(None) => return fail(&s, &flow),
        Err(_) => return super::unavailable(&headers),
    };
    if matches!(flow.path_tenant, PathTenant::Tenant(p) if p != t) {
        return fail(&s, &flow);
    }
    let app = (flow.client.app.app_id, flow.client.app.display_name.clone());
    let log = |user: Option<ObjectId>, upn: String, ok: bool, detail: String, code: i32| {
        let s = s.clone();
        let ip = ip.clone();
        let app = app.clone();
        async move {
            let entry = LogEntry {
                tenant: t,
                user,
                username: &upn,
                app: Some((app.0, app.1.as_str())),
                ip: &ip,
                error_code: code,
                failure: if ok { "" } else { &detail },
                mfa: true,
                steps: vec![("Passkey", ok, &detail)],
            };
            record(&s, entry, SystemClock.now()).await;
        }
    };
    let method = match s.store.passkey_by_credential(t, &credential_id).await {
        Ok(Some(m)) => m,
        Ok(None) => return fail(&s, &flow),
        Err(_) => return super::unavailable(&headers),
    };
    let user = match s.store.get_user(t, method.user_id).await {
        Ok(Some(u)) if u.account_enabled => u,
        Ok(_) => return fail(&s, &flow),
        Err(_) => return super::unavailable(&headers),
    };
    let policy = match crate::authn_policy::load(s.store.as_ref(), t).await {
        Ok(p) => p,
        Err(_) => return super::unavailable(&headers),
    };
    if !policy.fido2_enabled {
        log(
            Some(user.id),
            user.user_principal_name.clone(),
            false,
            "Passkeys are disabled by policy".into(),
            135011,
        )
        .await;
        return fail(&s, &flow);
    }
    let Some(passkey) = stored(&method) else {
        return fail(&s, &flow);
    };
    let used =
        match rp.finish_passwordless(&ceremony.state, credential, method.user_id.0, &[passkey]) {
            Ok(u) => u,
            Err(e) => {
                log(
                    Some(user.id),
                    user.user_principal_name.clone(),
                    false,
                    format!("Passkey refused: {}", e.code()),
                    135010,
                )
                .await;
                return fail(&s, &flow);
            }
        };
    match spend(&s, t, method.id, &ceremony, &used).await {
        Ok(true) => {}
        Ok(false) => {
            log(
                Some(user.id),
                user.user_principal_name.clone(),
                false,
                "Passkey assertion replayed".into(),
                135010,
            )
            .await;
            return fail(&s, &flow);
        }
        Err(_) => return super::unavailable(&headers),
    }
    super::login::signed_in(&s, &headers, flow, t, user, Method::Fido2, &ip).await
}
