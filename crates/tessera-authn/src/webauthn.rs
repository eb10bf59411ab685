//! WebAuthn passkeys (FIDO2) over webauthn-rs: registration, passwordless
//! sign-in with discoverable credentials, and passkeys as a second factor.
//!
//! Every ceremony is stateless for the server: `start_*` returns the options
//! for the browser (JSON, base64url binary fields, as
//! `PublicKeyCredential.parse{Creation,Request}OptionsFromJSON` takes them
//! from `options.publicKey`) and a small serialized state that the caller
//! seals (encrypts and MACs) and round-trips through the page; `finish_*`
//! gets the state back with the browser's `PublicKeyCredential.toJSON()`.
//! The raw challenge comes back too, so the caller can refuse a second use of
//! the same (state, response) pair.
//!
//! Decisions taken here, on top of webauthn-rs:
//! - user verification is required in every ceremony, and the credential
//!   must be discoverable (resident) so passwordless sign-in can find it;
//! - origins match exactly: scheme, host and port, no subdomains, no
//!   port-agnostic localhost;
//! - the user handle is the directory object id; a passkey remembers whose it
//!   is, and an assertion whose user handle or credential belongs to someone
//!   else fails as [`WebauthnFailure::WrongUser`];
//! - the tenant's FIDO2 policy (key restrictions by AAGUID, attestation
//!   enforcement) is applied after webauthn-rs has verified the response.
//!
//! Attestation enforcement accepts only attestations carrying a certificate
//! path whose signature webauthn-rs verified (packed/tpm/android-key/apple
//! with `x5c`): "none" and self attestation are refused. The path is not
//! chained to a trusted root, because there is no trust store here yet (FIDO
//! MDS3 roots); webauthn-rs can do it (`Credential::verify_attestation` with
//! an `AttestationCaList`) once one exists. Without attestation enforcement
//! the AAGUID is self-asserted, so key restrictions alone only keep honest
//! authenticators out.
//!
//! Signature counters follow webauthn-rs: an authenticator that always
//! reports 0 (synced passkeys) keeps working; once either side is non-zero,
//! the new counter must be strictly greater than the stored one. A
//! credential's backup eligibility (BE flag) must not change after
//! registration; webauthn-rs refuses the assertion if it does.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use url::Url;
use uuid::Uuid;
use webauthn_rs::prelude::{
    Credential, DiscoverableAuthentication, DiscoverableKey, ParsedAttestationData, Passkey,
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential, WebauthnError,
};
use webauthn_rs::{Webauthn, WebauthnBuilder};

mod cbor;

/// Larger than any real response (TPM attestations with certificate chains
/// are a few kilobytes), small enough not to parse garbage at length.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// Why a ceremony failed. [`WebauthnFailure::code`] names it for the sign-in log.
#[derive(Debug, thiserror::Error)]
pub enum WebauthnFailure {
    /// The response is not a well-formed `PublicKeyCredential`.
    #[error("malformed WebAuthn response: {0}")]
    BadResponse(String),
    /// The response is well-formed but does not verify: signature, origin,
    /// RP ID, challenge, signature counter, user verification.
    #[error("WebAuthn response rejected: {0}")]
    Rejected(String),
    /// The tenant's FIDO2 policy refuses this authenticator.
    #[error("authenticator not allowed by the FIDO2 policy: {0}")]
    NotAllowed(String),
    /// The credential is not one of the user's passkeys.
    #[error("unknown credential")]
    UnknownCredential,
    /// The user handle or the passkeys belong to another user.
    #[error("the credential belongs to another user")]
    WrongUser,
    /// The relying party configuration is unusable (RP ID, origin).
    #[error("WebAuthn configuration: {0}")]
    Config(String),
    /// A stored passkey or a ceremony state could not be read or written.
    #[error("WebAuthn internal error: {0}")]
    Internal(String),
}

impl WebauthnFailure {
    /// A stable code for the sign-in log.
    pub fn code(&self) -> &'static str {
        match self {
            WebauthnFailure::BadResponse(_) => "webauthn_bad_response",
            WebauthnFailure::Rejected(_) => "webauthn_rejected",
            WebauthnFailure::NotAllowed(_) => "webauthn_not_allowed",
            WebauthnFailure::UnknownCredential => "webauthn_unknown_credential",
            WebauthnFailure::WrongUser => "webauthn_wrong_user",
            WebauthnFailure::Config(_) => "webauthn_config",
            WebauthnFailure::Internal(_) => "webauthn_internal",
        }
    }
}

fn bad(reason: &str) -> WebauthnFailure {
    WebauthnFailure::BadResponse(reason.to_string())
}

fn internal(reason: impl std::fmt::Display) -> WebauthnFailure {
    WebauthnFailure::Internal(reason.to_string())
}

impl From<WebauthnError> for WebauthnFailure {
    fn from(e: WebauthnError) -> Self {
        use WebauthnError as E;
        let rejected = |s: &str| WebauthnFailure::Rejected(s.to_string());
        match e {
            E::CredentialNotFound => WebauthnFailure::UnknownCredential,
            E::ParseBase64Failure(_)
            | E::ParseCBORFailure(_)
            | E::ParseJSONFailure(_)
            | E::ParseNOMFailure
            | E::ParseInsufficientBytesAvailable
            | E::MissingAttestationCredentialData
            | E::AttestationStatementMapInvalid
            | E::COSEKeyInvalidCBORValue
            | E::COSEKeyInvalidType
            | E::COSEKeyECDSAXYInvalid
            | E::COSEKeyRSANEInvalid => WebauthnFailure::BadResponse(e.to_string()),
            E::Configuration => WebauthnFailure::Config(e.to_string()),
            E::InvalidUsername => internal(e),
            E::MismatchedChallenge => rejected("challenge mismatch"),
            E::InvalidRPOrigin => rejected("origin mismatch"),
            E::InvalidRPIDHash => rejected("RP ID hash mismatch"),
            E::InvalidClientDataType => rejected("wrong clientData type"),
            E::UserNotPresent => rejected("user not present"),
            E::UserNotVerified => rejected("user not verified"),
            E::AuthenticationFailure => rejected("bad signature"),
            E::OpenSSLError(_) => rejected("invalid signature or certificate"),
            E::CredentialPossibleCompromise => {
                rejected("signature counter did not increase (possible cloned authenticator)")
            }
            E::CredentialBackupEligibilityInconsistent => rejected("backup eligibility changed"),
            E::CredentialCrossOrigin => rejected("cross-origin ceremony"),
            other => WebauthnFailure::Rejected(other.to_string()),
        }
    }
}

/// Key restrictions' mode, as Graph spells it.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub enum EnforcementType {
    Allow,
    /// Graph's default: with an empty list it blocks nothing.
    #[default]
    Block,
}

/// Graph's `fido2KeyRestrictions`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct KeyRestrictions {
    pub is_enforced: bool,
    pub enforcement_type: EnforcementType,
    pub aa_guids: Vec<Uuid>,
}

/// The tenant's FIDO2 policy (Graph's `fido2AuthenticationMethodConfiguration`,
/// the parts that decide registrations).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct Fido2Policy {
    pub is_attestation_enforced: bool,
    pub key_restrictions: KeyRestrictions,
}

impl Fido2Policy {
    fn wants_attestation(&self) -> bool {
        self.is_attestation_enforced || self.key_restrictions.is_enforced
    }

    fn check_aaguid(&self, aaguid: Uuid) -> Result<(), WebauthnFailure> {
        let k = &self.key_restrictions;
        if !k.is_enforced {
            return Ok(());
        }
        let listed = k.aa_guids.contains(&aaguid);
        match (k.enforcement_type, listed) {
            (EnforcementType::Allow, false) => Err(WebauthnFailure::NotAllowed(format!(
                "AAGUID {aaguid} is not in the allow list"
            ))),
            (EnforcementType::Block, true) => Err(WebauthnFailure::NotAllowed(format!(
                "AAGUID {aaguid} is blocked"
            ))),
            _ => Ok(()),
        }
    }
}

/// A registered passkey, as the store keeps it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredPasskey {
    pub credential_id: Vec<u8>,
    /// The directory user it was registered to (its WebAuthn user handle).
    pub user_id: Uuid,
    /// The authenticator model; all zeros when the authenticator or browser hides it.
    pub aaguid: Uuid,
    /// "none", "packed", "tpm", "apple", "android-key", "fido-u2f".
    pub attestation_format: String,
    /// webauthn-rs's `Passkey`: public key, counter, flags, attestation.
    pub passkey_json: String,
    pub counter: u32,
    pub backup_eligible: bool,
}

/// The options for `navigator.credentials.create` and the state to seal.
#[derive(Clone, Debug)]
pub struct Registration {
    /// `{"publicKey": {...}}`, binary fields base64url.
    pub options_json: String,
    pub state: Vec<u8>,
    pub challenge: Vec<u8>,
}

/// The options for `navigator.credentials.get` and the state to seal.
#[derive(Clone, Debug)]
pub struct Challenge {
    /// `{"publicKey": {...}}`, binary fields base64url. No `mediation`: the
    /// page picks it (`"conditional"` for autofill, absent for a button), and
    /// both may share one challenge.
    pub options_json: String,
    pub state: Vec<u8>,
    pub challenge: Vec<u8>,
}

/// A verified assertion.
#[derive(Clone, Debug)]
pub struct Used {
    pub credential_id: Vec<u8>,
    /// The passkey with its new counter and flags, to write back.
    pub updated: StoredPasskey,
    pub user_verified: bool,
    pub counter: u32,
}

#[derive(Serialize, Deserialize)]
struct RegistrationState {
    user: Uuid,
    reg: PasskeyRegistration,
}

#[derive(Serialize, Deserialize, PartialEq, Eq, Clone, Copy)]
enum Ceremony {
    Passwordless,
    SecondFactor,
}

#[derive(Serialize, Deserialize)]
struct AuthenticationState {
    ceremony: Ceremony,
    auth: DiscoverableAuthentication,
}

/// One relying party: the public URL's host and origin.
#[derive(Clone, Debug)]
pub struct Relying {
    webauthn: Webauthn,
}

impl Relying {
    /// `rp_id`: the public URL's host (or a registrable suffix of it);
    /// `origin`: the public URL's origin (a path, if any, is ignored). Only
    /// that exact origin is accepted, port included.
    pub fn new(rp_id: &str, origin: &str, rp_name: &str) -> Result<Self, WebauthnFailure> {
        let url = Url::parse(origin)
            .map_err(|e| WebauthnFailure::Config(format!("origin {origin:?}: {e}")))?;
        let origin = url.origin();
        if !origin.is_tuple() || !matches!(url.scheme(), "https" | "http") {
            return Err(WebauthnFailure::Config(format!(
                "origin {url} is not an http(s) origin"
            )));
        }
        let origin = Url::parse(&origin.ascii_serialization()).map_err(internal)?;
        let webauthn = WebauthnBuilder::new(rp_id, &origin)
            .map_err(|_| {
                WebauthnFailure::Config(format!("RP ID {rp_id:?} does not match origin {origin}"))
            })?
            .rp_name(rp_name)
            .allow_subdomains(false)
            .allow_any_port(false)
            .build()?;
        Ok(Relying { webauthn })
    }

    /// Options for registering a discoverable, user-verifying passkey for
    /// `user_id` (the user handle), excluding the user's existing credentials.
    /// Attestation is requested ("direct") only when the policy looks at it.
    pub fn start_registration(
        &self,
        user_id: Uuid,
        name: &str,
        display_name: &str,
        exclude: &[Vec<u8>],
        policy: &Fido2Policy,
    ) -> Result<Registration, WebauthnFailure> {
        let display_name = if display_name.is_empty() {
            name
        } else {
            display_name
        };
        let exclude =
            (!exclude.is_empty()).then(|| exclude.iter().map(|id| id.clone().into()).collect());
        let (ccr, reg) =
            self.webauthn
                .start_passkey_registration(user_id, name, display_name, exclude)?;
        let challenge = ccr.public_key.challenge.to_vec();
        // webauthn-rs asks for a non-resident key and no attestation; the
        // state does not depend on either, so only the options change.
        let mut options = serde_json::to_value(&ccr).map_err(internal)?;
        let public_key = options
            .get_mut("publicKey")
            .and_then(Value::as_object_mut)
            .ok_or_else(|| internal("creation options without publicKey"))?;
        let attestation = if policy.wants_attestation() {
            "direct"
        } else {
            "none"
        };
        public_key.insert("attestation".into(), json!(attestation));
        let selection = public_key
            .entry("authenticatorSelection")
            .or_insert_with(|| json!({}));
        let selection = selection
            .as_object_mut()
            .ok_or_else(|| internal("authenticatorSelection is not an object"))?;
        selection.insert("residentKey".into(), json!("required"));
        selection.insert("requireResidentKey".into(), json!(true));
        selection.insert("userVerification".into(), json!("required"));
        let state =
            serde_json::to_vec(&RegistrationState { user: user_id, reg }).map_err(internal)?;
        Ok(Registration {
            options_json: options.to_string(),
            state,
            challenge,
        })
    }

    /// Verifies the browser's `create()` response and applies the policy.
    /// The caller must still refuse a credential id already registered to
    /// anyone.
    pub fn finish_registration(
        &self,
        state: &[u8],
        response_json: &str,
        policy: &Fido2Policy,
    ) -> Result<StoredPasskey, WebauthnFailure> {
        let response: RegisterPublicKeyCredential =
            serde_json::from_value(registration_response(response_json)?)
                .map_err(|e| WebauthnFailure::BadResponse(e.to_string()))?;
        let state: RegistrationState =
            serde_json::from_slice(state).map_err(|_| internal("unreadable registration state"))?;
        let passkey = self
            .webauthn
            .finish_passkey_registration(&response, &state.reg)?;
        let credential: Credential = passkey.clone().into();
        let aaguid = attested_aaguid(response.response.attestation_object.as_slice(), &credential)?;
        if policy.is_attestation_enforced {
            match credential.attestation.data {
                ParsedAttestationData::Basic(_)
                | ParsedAttestationData::AttCa(_)
                | ParsedAttestationData::AnonCa(_) => {}
                _ => {
                    return Err(WebauthnFailure::NotAllowed(
                        "attestation is required and the authenticator gave none".into(),
                    ))
                }
            }
        }
        policy.check_aaguid(aaguid)?;
        let attestation_format = match serde_json::to_value(&credential.attestation_format) {
            Ok(Value::String(s)) => s,
            _ => return Err(internal("unnamed attestation format")),
        };
        stored(&passkey, state.user, aaguid, attestation_format)
    }

    /// Options for passwordless sign-in: no allowCredentials (the
    /// authenticator offers its discoverable credentials), UV required.
    pub fn start_passwordless(&self) -> Result<Challenge, WebauthnFailure> {
        let (rcr, auth) = self.webauthn.start_discoverable_authentication()?;
        let challenge = rcr.public_key.challenge.to_vec();
        let options = json!({ "publicKey": rcr.public_key });
        authentication_challenge(options, Ceremony::Passwordless, auth, challenge)
    }

    /// The user handle (as a directory object id) and credential id of a
    /// passwordless assertion, unverified: which user's passkeys to load.
    pub fn identify(&self, response_json: &str) -> Result<(Uuid, Vec<u8>), WebauthnFailure> {
        let response = assertion(response_json)?;
        let user = user_handle(&response)?.ok_or_else(|| bad("no user handle"))?;
        Ok((user, response.raw_id.to_vec()))
    }

    /// Verifies a passwordless assertion against `user_id`'s passkeys.
    pub fn finish_passwordless(
        &self,
        state: &[u8],
        response_json: &str,
        user_id: Uuid,
        passkeys: &[StoredPasskey],
    ) -> Result<Used, WebauthnFailure> {
        let response = assertion(response_json)?;
        match user_handle(&response)? {
            None => return Err(bad("no user handle")),
            Some(handle) if handle != user_id => return Err(WebauthnFailure::WrongUser),
            Some(_) => {}
        }
        if passkeys.iter().any(|p| p.user_id != user_id) {
            return Err(WebauthnFailure::WrongUser);
        }
        self.finish(state, Ceremony::Passwordless, &response, passkeys)
    }

    /// Options for a passkey as second factor: allowCredentials = the
    /// user's passkeys, UV required.
    pub fn start_second_factor(
        &self,
        passkeys: &[StoredPasskey],
    ) -> Result<Challenge, WebauthnFailure> {
        if passkeys.is_empty() {
            return Err(WebauthnFailure::UnknownCredential);
        }
        let allow = passkeys
            .iter()
            .map(|p| {
                let cred: Credential = load(p)?.into();
                let id = URL_SAFE_NO_PAD.encode(cred.cred_id.as_slice());
                let mut d = json!({ "type": "public-key", "id": id });
                if let Some(t) = cred.transports.filter(|t| !t.is_empty()) {
                    d["transports"] = serde_json::to_value(t).map_err(internal)?;
                }
                Ok(d)
            })
            .collect::<Result<Vec<_>, WebauthnFailure>>()?;
        // The discoverable state carries no credentials (they are supplied
        // again at finish), which keeps the sealed state small.
        let (rcr, auth) = self.webauthn.start_discoverable_authentication()?;
        let challenge = rcr.public_key.challenge.to_vec();
        let mut options = json!({ "publicKey": rcr.public_key });
        options["publicKey"]["allowCredentials"] = Value::Array(allow);
        authentication_challenge(options, Ceremony::SecondFactor, auth, challenge)
    }

    /// Verifies a second-factor assertion against the user's passkeys.
    pub fn finish_second_factor(
        &self,
        state: &[u8],
        response_json: &str,
        passkeys: &[StoredPasskey],
    ) -> Result<Used, WebauthnFailure> {
        let response = assertion(response_json)?;
        let owner = passkeys
            .first()
            .ok_or(WebauthnFailure::UnknownCredential)?
            .user_id;
        if passkeys.iter().any(|p| p.user_id != owner) {
            return Err(WebauthnFailure::WrongUser);
        }
        if user_handle(&response)?.is_some_and(|h| h != owner) {
            return Err(WebauthnFailure::WrongUser);
        }
        self.finish(state, Ceremony::SecondFactor, &response, passkeys)
    }

    fn finish(
        &self,
        state: &[u8],
        ceremony: Ceremony,
        response: &PublicKeyCredential,
        passkeys: &[StoredPasskey],
    ) -> Result<Used, WebauthnFailure> {
        let state: AuthenticationState = serde_json::from_slice(state)
            .map_err(|_| internal("unreadable authentication state"))?;
        if state.ceremony != ceremony {
            return Err(WebauthnFailure::Rejected(
                "state is from another kind of ceremony".into(),
            ));
        }
        let stored = passkeys
            .iter()
            .find(|p| p.credential_id == response.raw_id.as_slice())
            .ok_or(WebauthnFailure::UnknownCredential)?;
        let mut passkey = load(stored)?;
        let key = DiscoverableKey::from(&passkey);
        let result =
            self.webauthn
                .finish_discoverable_authentication(response, state.auth, &[key])?;
        if !result.user_verified() {
            return Err(WebauthnFailure::Rejected("user not verified".into()));
        }
        passkey.update_credential(&result);
        let updated = stored_like(&passkey, stored)?;
        Ok(Used {
            credential_id: stored.credential_id.clone(),
            user_verified: result.user_verified(),
            counter: result.counter(),
            updated,
        })
    }
}

/// `options` is `{"publicKey": ...}` alone: webauthn-rs's forced
/// `"mediation": "conditional"` is left for the page to choose.
fn authentication_challenge(
    options: Value,
    ceremony: Ceremony,
    auth: DiscoverableAuthentication,
    challenge: Vec<u8>,
) -> Result<Challenge, WebauthnFailure> {
    let state = serde_json::to_vec(&AuthenticationState { ceremony, auth }).map_err(internal)?;
    Ok(Challenge {
        options_json: options.to_string(),
        state,
        challenge,
    })
}

/// The stored passkey as webauthn-rs wants it, with the counter column
/// winning if it is ahead of the JSON (a store may update only the column).
fn load(stored: &StoredPasskey) -> Result<Passkey, WebauthnFailure> {
    let passkey: Passkey = serde_json::from_str(&stored.passkey_json)
        .map_err(|_| internal("unreadable stored passkey"))?;
    let mut cred: Credential = passkey.into();
    if cred.cred_id.as_slice() != stored.credential_id.as_slice() {
        return Err(internal("stored passkey does not match its credential id"));
    }
    cred.counter = cred.counter.max(stored.counter);
    Ok(cred.into())
}

fn stored(
    passkey: &Passkey,
    user_id: Uuid,
    aaguid: Uuid,
    attestation_format: String,
) -> Result<StoredPasskey, WebauthnFailure> {
    let cred: Credential = passkey.clone().into();
    Ok(StoredPasskey {
        credential_id: cred.cred_id.to_vec(),
        user_id,
        aaguid,
        attestation_format,
        passkey_json: serde_json::to_string(passkey).map_err(internal)?,
        counter: cred.counter,
        backup_eligible: cred.backup_eligible,
    })
}

fn stored_like(passkey: &Passkey, old: &StoredPasskey) -> Result<StoredPasskey, WebauthnFailure> {
    stored(
        passkey,
        old.user_id,
        old.aaguid,
        old.attestation_format.clone(),
    )
}

/// The user handle as a directory object id (none if absent); one that is
/// not 16 bytes was never issued here.
fn user_handle(response: &PublicKeyCredential) -> Result<Option<Uuid>, WebauthnFailure> {
    match response.get_user_unique_id() {
        None => Ok(None),
        Some(b) => Uuid::from_slice(b)
            .map(Some)
            .map_err(|_| bad("user handle is not a directory object id")),
    }
}

fn assertion(response_json: &str) -> Result<PublicKeyCredential, WebauthnFailure> {
    serde_json::from_value(assertion_response(response_json)?)
        .map_err(|e| WebauthnFailure::BadResponse(e.to_string()))
}

/// The parts of a `toJSON()` credential that webauthn-rs reads, and only
/// those: browsers add fields (`authenticatorAttachment`, `publicKey`,
/// `publicKeyAlgorithm`, `authenticatorData`, extension outputs we never
/// asked for) that are not ours to interpret.
fn envelope(response_json: &str) -> Result<(Value, Map<String, Value>, Value), WebauthnFailure> {
    if response_json.len() > MAX_RESPONSE_BYTES {
        return Err(bad("response too large"));
    }
    let v: Value = serde_json::from_str(response_json)
        .map_err(|e| WebauthnFailure::BadResponse(e.to_string()))?;
    let o = v.as_object().ok_or_else(|| bad("not a JSON object"))?;
    if o.get("type").and_then(Value::as_str) != Some("public-key") {
        return Err(bad("type is not public-key"));
    }
    let raw_id = o
        .get("rawId")
        .or_else(|| o.get("id"))
        .filter(|v| v.is_string())
        .ok_or_else(|| bad("no rawId"))?
        .clone();
    let response = o
        .get("response")
        .and_then(Value::as_object)
        .ok_or_else(|| bad("no response object"))?
        .clone();
    let extensions = o
        .get("clientExtensionResults")
        .or_else(|| o.get("extensions"))
        .cloned()
        .unwrap_or(Value::Null);
    Ok((raw_id, response, extensions))
}

fn string_field(m: &Map<String, Value>, name: &str) -> Result<Value, WebauthnFailure> {
    m.get(name)
        .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
        .cloned()
        .ok_or_else(|| WebauthnFailure::BadResponse(format!("no {name}")))
}

fn registration_response(response_json: &str) -> Result<Value, WebauthnFailure> {
    let (raw_id, r, ext) = envelope(response_json)?;
    let mut response = json!({
        "clientDataJSON": string_field(&r, "clientDataJSON")?,
        "attestationObject": string_field(&r, "attestationObject")?,
    });
    if let Some(t) = r.get("transports").and_then(Value::as_array) {
        let t: Vec<&Value> = t.iter().filter(|v| v.is_string()).collect();
        response["transports"] = json!(t);
    }
    let mut extensions = json!({});
    if let Some(rk) = ext.pointer("/credProps/rk").and_then(Value::as_bool) {
        extensions["credProps"] = json!({ "rk": rk });
    }
    Ok(json!({
        "id": raw_id, "rawId": raw_id, "type": "public-key",
        "response": response, "extensions": extensions,
    }))
}

fn assertion_response(response_json: &str) -> Result<Value, WebauthnFailure> {
    let (raw_id, r, _) = envelope(response_json)?;
    let mut response = json!({
        "clientDataJSON": string_field(&r, "clientDataJSON")?,
        "authenticatorData": string_field(&r, "authenticatorData")?,
        "signature": string_field(&r, "signature")?,
    });
    // Absent, null and "" all mean "no user handle".
    if let Ok(h) = string_field(&r, "userHandle") {
        response["userHandle"] = h;
    }
    Ok(json!({
        "id": raw_id, "rawId": raw_id, "type": "public-key",
        "response": response, "extensions": {},
    }))
}

/// The AAGUID from the attested credential data (webauthn-rs keeps it only
/// for packed and tpm attestations), after checking that the authenticator
/// data describes the credential webauthn-rs verified.
fn attested_aaguid(attestation_object: &[u8], cred: &Credential) -> Result<Uuid, WebauthnFailure> {
    let auth_data = cbor::map_bytes(attestation_object, b"authData")
        .ok_or_else(|| bad("attestationObject without authData"))?;
    // rpIdHash(32) flags(1) signCount(4) aaguid(16) credIdLen(2) credId
    let aaguid = auth_data.get(37..53).ok_or_else(|| bad("short authData"))?;
    let len = auth_data.get(53..55).ok_or_else(|| bad("short authData"))?;
    let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
    let cred_id = auth_data
        .get(55..55 + len)
        .ok_or_else(|| bad("short authData"))?;
    if cred_id != cred.cred_id.as_slice() {
        return Err(internal("authData describes another credential"));
    }
    Uuid::from_slice(aaguid).map_err(internal)
}

#[cfg(test)]
mod tests;
