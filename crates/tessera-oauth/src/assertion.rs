//! `private_key_jwt` (RFC 7523 §2.2, OIDC Core §9): the client signs a short
//! JWT with a certificate's key registered on its application. Verified with
//! `jsonwebtoken` against the certificate's public key (parsed by x509-parser).
//! Its `aud` is exactly one of this endpoint's URLs (a string or a
//! one-element array): an assertion naming several audiences is refused.
use crate::error::*;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use tessera_model::KeyCredential;
use time::OffsetDateTime;

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// What an assertion may be signed with (discovery's
/// `*_endpoint_auth_signing_alg_values_supported`): asymmetric algorithms
/// only — `none` and HMAC (which an attacker could key with the public
/// certificate) never verify.
pub const ALGORITHMS: &[&str] = &["RS256", "PS256", "ES256"];
/// Longest assertion lifetime accepted (Entra accepts up to 10 minutes too).
const MAX_LIFETIME_SECONDS: i64 = 600;
const LEEWAY_SECONDS: i64 = 60;

#[derive(Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    aud: Audience,
    // NumericDate may be fractional (RFC 7519 §2); MSAL for Python sends floats.
    exp: f64,
    nbf: Option<f64>,
    iat: Option<f64>,
    jti: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

/// Remembers assertion ids until they expire, so an assertion works once.
pub trait ReplayGuard: Send + Sync {
    /// Records `(client, jti)` until `exp`; false if it was seen already.
    fn first_use(&self, client: &str, jti: &str, exp: i64, now: i64) -> bool;
}

/// A verified assertion: which certificate signed it.
#[derive(Debug)]
pub struct Verified {
    pub key_id: uuid::Uuid,
}

/// Verifies `assertion` for `client_id` against the application's
/// certificates. `audiences` are the URLs this token endpoint answers to.
pub fn verify(
    assertion_type: Option<&str>,
    assertion: &str,
    client_id: &str,
    certs: &[KeyCredential],
    audiences: &[String],
    now: OffsetDateTime,
    replay: &dyn ReplayGuard,
) -> Result<Verified, OAuthError> {
    if assertion_type != Some(ASSERTION_TYPE) {
        return Err(OAuthError::new(ASSERTION_MALFORMED));
    }
    let header = jsonwebtoken::decode_header(assertion).map_err(|_| {
        // A readable header naming an algorithm jsonwebtoken does not
        // know (`none`, …) is a bad signature, not a malformed request.
        if names_an_algorithm(assertion) {
            OAuthError::with(ASSERTION_SIGNATURE, "Unsupported algorithm.")
        } else {
            OAuthError::new(ASSERTION_MALFORMED)
        }
    })?;
    if !ALGORITHMS
        .iter()
        .any(|a| a.parse::<Algorithm>().is_ok_and(|a| a == header.alg))
    {
        return Err(OAuthError::with(
            ASSERTION_SIGNATURE,
            "Unsupported algorithm.",
        ));
    }
    let t = now.unix_timestamp();
    let candidates: Vec<&KeyCredential> = certs
        .iter()
        .filter(|c| c.usage == "Verify" && c.start_date_time <= now && now < c.end_date_time)
        .filter(|c| matches_thumbprint(c, header.x5t.as_deref(), header.x5t_s256.as_deref()))
        .collect();
    let mut validation = Validation::new(header.alg);
    validation.validate_aud = false; // checked below, against several spellings
    validation.validate_exp = false; // checked below, with our clock
    validation.required_spec_claims.clear();
    let claims = candidates
        .iter()
        .find_map(|c| {
            let key = decoding_key(&c.key, header.alg)?;
            jsonwebtoken::decode::<Claims>(assertion, &key, &validation)
                .ok()
                .map(|d| (c.key_id, d.claims))
        })
        .ok_or_else(|| OAuthError::new(ASSERTION_SIGNATURE));
    let (key_id, claims) = claims?;
    if claims.iss != client_id || claims.sub != client_id {
        return Err(OAuthError::new(ASSERTION_SUBJECT));
    }
    // One audience, as a string or a one-element array: an assertion made
    // for several servers could be replayed at each of them.
    let aud = match &claims.aud {
        Audience::One(a) => a.as_str(),
        Audience::Many(v) if v.len() == 1 => v[0].as_str(),
        Audience::Many(_) => {
            return Err(OAuthError::with(
                ASSERTION_AUDIENCE,
                "It names several audiences.",
            ))
        }
    };
    let ours = audiences.iter().any(|x| {
        x.trim_end_matches('/')
            .eq_ignore_ascii_case(aud.trim_end_matches('/'))
    });
    if !ours {
        return Err(OAuthError::new(ASSERTION_AUDIENCE));
    }
    let exp = claims.exp.floor() as i64;
    let starts = claims
        .nbf
        .or(claims.iat)
        .map(|v| v.floor() as i64)
        .unwrap_or(t);
    if exp + LEEWAY_SECONDS < t
        || starts - LEEWAY_SECONDS > t
        || exp - starts > MAX_LIFETIME_SECONDS
    {
        return Err(OAuthError::new(ASSERTION_TIME));
    }
    let jti = claims
        .jti
        .as_deref()
        .ok_or_else(|| OAuthError::with(ASSERTION_MALFORMED, "It has no jti."))?;
    if !replay.first_use(client_id, jti, exp + LEEWAY_SECONDS, t) {
        return Err(OAuthError::new(ASSERTION_REPLAY));
    }
    Ok(Verified { key_id })
}

fn names_an_algorithm(jwt: &str) -> bool {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let Some(head) = jwt.split('.').next() else {
        return false;
    };
    URL_SAFE_NO_PAD
        .decode(head)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|v| v.get("alg").is_some_and(|a| a.is_string()))
}

/// A header without `x5t`/`x5t#S256` may be signed by any registered certificate.
fn matches_thumbprint(c: &KeyCredential, x5t: Option<&str>, x5t_s256: Option<&str>) -> bool {
    use aws_lc_rs::digest;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let sha1 = || URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &c.key));
    let sha256 = || URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, &c.key));
    match (x5t, x5t_s256) {
        (None, None) => true,
        // Padding is optional: MSAL for Python sends `x5t` padded.
        (a, b) => {
            a.is_some_and(|t| t.trim_end_matches('=') == sha1())
                || b.is_some_and(|t| t.trim_end_matches('=') == sha256())
        }
    }
}

/// The certificate's public key in the form jsonwebtoken takes.
pub(crate) fn decoding_key(cert_der: &[u8], alg: Algorithm) -> Option<DecodingKey> {
    let (_, cert) = x509_parser::parse_x509_certificate(cert_der).ok()?;
    let spki = cert.public_key();
    let bits = spki.subject_public_key.data.as_ref();
    let oid = spki.algorithm.algorithm.to_id_string();
    match (oid.as_str(), alg) {
        ("1.2.840.113549.1.1.1", Algorithm::RS256 | Algorithm::PS256) => {
            Some(DecodingKey::from_rsa_der(bits))
        }
        ("1.2.840.10045.2.1", Algorithm::ES256) => Some(DecodingKey::from_ec_der(bits)),
        _ => None,
    }
}
