//! Application certificates through the directory API: checking a
//! certificate before it is registered, and the proof of possession that
//! `addKey` / `removeKey` require — a JWT signed with one of the
//! application's current certificates, `aud`
//! `00000002-0000-0000-c000-000000000000`, `iss` the application's object
//! id, valid for at most ten minutes (as Graph requires).
use crate::assertion::decoding_key;
use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;
use tessera_model::{KeyCredential, ObjectId};
use time::OffsetDateTime;

/// The audience Graph's proofs of possession carry.
pub const PROOF_AUDIENCE: &str = "00000002-0000-0000-c000-000000000000";
const MAX_PROOF_SECONDS: i64 = 600;
const LEEWAY_SECONDS: i64 = 60;

/// What a registered certificate must be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertFacts {
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// SHA-1 of the DER (the `x5t` clients put in assertion headers).
    pub thumbprint: Vec<u8>,
}

/// Checks a certificate an application registers: X.509 DER, an RSA key of
/// at least 2048 bits or an EC P-256 key. Errors are sentences for the
/// client.
pub fn check_certificate(der: &[u8]) -> Result<CertFacts, String> {
    let (rest, cert) = x509_parser::parse_x509_certificate(der)
        .map_err(|_| "The key is not a DER-encoded X.509 certificate.".to_string())?;
    if !rest.is_empty() {
        return Err("The key has bytes after the certificate.".into());
    }
    let spki = cert.public_key();
    match spki.parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) if rsa.key_size() >= 2048 => {}
        Ok(x509_parser::public_key::PublicKey::RSA(_)) => {
            return Err("RSA keys must have at least 2048 bits.".into())
        }
        Ok(x509_parser::public_key::PublicKey::EC(_))
            if spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .is_some_and(|o| o.to_id_string() == "1.2.840.10045.3.1.7") => {}
        _ => return Err("Only RSA (2048 bits or more) and EC P-256 keys are accepted.".into()),
    }
    let v = cert.validity();
    let at = |t: x509_parser::time::ASN1Time| OffsetDateTime::from_unix_timestamp(t.timestamp());
    let (Ok(not_before), Ok(not_after)) = (at(v.not_before), at(v.not_after)) else {
        return Err("The certificate's validity is out of range.".into());
    };
    let thumbprint = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, der)
        .as_ref()
        .to_vec();
    Ok(CertFacts {
        not_before,
        not_after,
        thumbprint,
    })
}

#[derive(Deserialize)]
struct ProofClaims {
    aud: String,
    iss: String,
    nbf: i64,
    exp: i64,
}

/// Verifies a proof of possession for application `app` against its
/// current certificates; returns the key id of the one that signed it.
pub fn verify_proof(
    proof: &str,
    app: ObjectId,
    certs: &[KeyCredential],
    now: OffsetDateTime,
) -> Result<uuid::Uuid, String> {
    let bad = |m: &str| m.to_string();
    let header = jsonwebtoken::decode_header(proof).map_err(|_| bad("The proof is not a JWT."))?;
    if !matches!(
        header.alg,
        Algorithm::RS256 | Algorithm::PS256 | Algorithm::ES256
    ) {
        return Err(bad("The proof must be signed with RS256, PS256 or ES256."));
    }
    let mut validation = Validation::new(header.alg);
    validation.validate_aud = false;
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    let (key_id, claims) = certs
        .iter()
        .filter(|c| c.usage == "Verify" && c.start_date_time <= now && now < c.end_date_time)
        .find_map(|c| {
            let key = decoding_key(&c.key, header.alg)?;
            jsonwebtoken::decode::<ProofClaims>(proof, &key, &validation)
                .ok()
                .map(|d| (c.key_id, d.claims))
        })
        .ok_or_else(|| {
            bad("The proof is not signed by a current certificate of the application.")
        })?;
    if claims.aud != PROOF_AUDIENCE {
        return Err(bad(
            "The proof's aud must be 00000002-0000-0000-c000-000000000000.",
        ));
    }
    if claims.iss != app.to_string() {
        return Err(bad("The proof's iss must be the application's object id."));
    }
    let t = now.unix_timestamp();
    if claims.exp - claims.nbf > MAX_PROOF_SECONDS
        || claims.nbf - LEEWAY_SECONDS > t
        || claims.exp + LEEWAY_SECONDS < t
    {
        return Err(bad(
            "The proof is expired, not yet valid, or valid for more than ten minutes.",
        ));
    }
    Ok(key_id)
}
