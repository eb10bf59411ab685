//! `private_key_jwt` (RFC 7523 §2.2, OIDC Core §9): the client signs a JWT
//! with a certificate's key registered on its application. Verified with
//! `jsonwebtoken` against the certificate's public key (parsed by
//! x509-parser). Its `aud` is exactly one of this endpoint's URLs (a string
//! or a one-element array): an assertion naming several audiences is
//! refused. Its `sub` names the client (RFC 7521 §4.2), so `client_id` may
//! be left out ([`subject`]). It may live up to [`MAX_LIFETIME_SECONDS`]
//! (a day), and its `jti` is remembered in the database for all of that
//! life, by every node (docs/design/client-authentication.md).
use crate::directory::ClientRecord;
use crate::error::*;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use tessera_model::KeyCredential;
use tessera_store::AssertionReplayStore;
use time::OffsetDateTime;

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// What an assertion may be signed with (discovery's
/// `*_endpoint_auth_signing_alg_values_supported`): asymmetric algorithms
/// only — `none` and HMAC (which an attacker could key with the public
/// certificate) never verify.
pub const ALGORITHMS: &[&str] = &["RS256", "PS256", "ES256"];
/// Longest assertion lifetime accepted, from `nbf` (or `iat`) to `exp`:
/// a day. Client libraries make longer-lived assertions than Entra's
/// documented ten minutes (Authlib's default is an hour); a day bounds how
/// long the replay memory holds a `jti`.
pub const MAX_LIFETIME_SECONDS: i64 = 86_400;
/// Clock skew allowed between the client and Tessera.
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

/// A verified assertion: which certificate signed it.
#[derive(Debug)]
pub struct Verified {
    pub key_id: uuid::Uuid,
}

/// The client an assertion names (its `sub`), read without verifying it:
/// the client to verify it for when the request has no `client_id`.
pub fn subject(assertion: &str) -> Option<String> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let payload = assertion.split('.').nth(1)?;
    if payload.len() > 16 * 1024 {
        return None;
    }
    let v: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    v.get("sub")?.as_str().map(str::to_string)
}

/// Verifies `assertion` for `client_id` (as the request spelled it) against
/// the application's certificates, and records its `jti` in `replay`.
/// `audiences` are the URLs this endpoint answers to.
pub async fn verify(
    assertion_type: Option<&str>,
    assertion: &str,
    client_id: &str,
    client: &ClientRecord,
    audiences: &[String],
    now: OffsetDateTime,
    replay: &dyn AssertionReplayStore,
) -> Result<Verified, OAuthError> {
    let certs = &client.certs;
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
    // `as` saturates far-off (and non-finite) instants; the arithmetic
    // saturates too, so they fail the checks instead of overflowing.
    let exp = claims.exp.floor() as i64;
    let starts = claims
        .nbf
        .or(claims.iat)
        .map(|v| v.floor() as i64)
        .unwrap_or(t);
    if exp.saturating_add(LEEWAY_SECONDS) < t
        || starts.saturating_sub(LEEWAY_SECONDS) > t
        || exp.saturating_sub(starts) > MAX_LIFETIME_SECONDS
    {
        return Err(OAuthError::new(ASSERTION_TIME));
    }
    let jti = claims
        .jti
        .as_deref()
        .ok_or_else(|| OAuthError::with(ASSERTION_MALFORMED, "It has no jti."))?;
    // Remembered until it can no longer pass the time check above, keyed
    // by the client's home tenant: one use in all, whichever tenant's
    // endpoint (or `/common`) it is presented at.
    let first = replay
        .first_use_of_assertion(
            client.home_tenant,
            client.app.app_id,
            &tessera_crypto::secret_digest(jti),
            OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(exp + LEEWAY_SECONDS),
        )
        .await?;
    if !first {
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

#[cfg(test)]
mod tests {
    use super::subject;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    #[test]
    fn subject_is_read_without_verifying() {
        let jwt = |payload: &str| format!("e30.{}.sig", URL_SAFE_NO_PAD.encode(payload));
        assert_eq!(
            subject(&jwt(r#"{"sub":"abc","iss":"x"}"#)).as_deref(),
            Some("abc")
        );
        for bad in [
            jwt(r#"{"sub":1}"#),
            jwt("{}"),
            jwt("not json"),
            "".into(),
            "a".into(),
        ] {
            assert_eq!(subject(&bad), None, "{bad}");
        }
        let huge = jwt(&format!(r#"{{"sub":"{}"}}"#, "a".repeat(20_000)));
        assert_eq!(subject(&huge), None);
    }
}
