//! Token signing keys (JWS): generation, PKCS#8 storage form, public JWKs with
//! RFC 7638 thumbprint kids, and parsed keys that sign without re-parsing.
use crate::CryptoError;
use aws_lc_rs::digest;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RsaKeyPair};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{Map, Value};
use std::str::FromStr;
use zeroize::Zeroizing;

/// The JWS algorithms Tessera signs tokens with (RFC 7518 / RFC 8037 names).
#[allow(clippy::upper_case_acronyms)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SigningAlg {
    RS256,
    ES256,
    EdDSA,
}

impl SigningAlg {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::RS256 => "RS256",
            Self::ES256 => "ES256",
            Self::EdDSA => "EdDSA",
        }
    }
}

impl FromStr for SigningAlg {
    type Err = CryptoError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "RS256" => Ok(Self::RS256),
            "ES256" => Ok(Self::ES256),
            "EdDSA" => Ok(Self::EdDSA),
            other => Err(CryptoError::Key(format!(
                "unsupported signing algorithm {other:?} (expected RS256, ES256 or EdDSA)"
            ))),
        }
    }
}

/// A freshly generated key: the private half as PKCS#8 DER (seal it with the
/// master key before storing it) and the public half as a JWK.
pub struct GeneratedKey {
    pub kid: String,
    pub alg: SigningAlg,
    pub private_pkcs8: Zeroizing<Vec<u8>>,
    pub public_jwk: Value,
}

impl std::fmt::Debug for GeneratedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeneratedKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("private_pkcs8", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// Generates a new key; its kid is the RFC 7638 thumbprint of its public JWK.
///
/// aws-lc-rs draws the key material from its own OS-seeded DRBG: its key
/// generation APIs take no caller RNG, so this function takes none either.
pub fn generate_signing_key(alg: SigningAlg) -> Result<GeneratedKey, CryptoError> {
    let failed = |_| CryptoError::Key(format!("{} key generation failed", alg.as_str()));
    let der = Zeroizing::new(match alg {
        SigningAlg::RS256 => {
            let kp = RsaKeyPair::generate(KeySize::Rsa2048).map_err(failed)?;
            kp.as_der().map_err(failed)?.as_ref().to_vec()
        }
        SigningAlg::ES256 => {
            let kp = EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_FIXED_SIGNING)
                .map_err(failed)?;
            kp.to_pkcs8v1().map_err(failed)?.as_ref().to_vec()
        }
        SigningAlg::EdDSA => {
            let kp = Ed25519KeyPair::generate().map_err(failed)?;
            kp.to_pkcs8v1().map_err(failed)?.as_ref().to_vec()
        }
    });
    let mut parsed = SigningKey::from_pkcs8(alg, String::new(), &der)?;
    parsed.kid = parsed.thumbprint();
    Ok(GeneratedKey {
        kid: parsed.kid.clone(),
        alg,
        public_jwk: parsed.public_jwk(),
        private_pkcs8: der,
    })
}

enum Inner {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
}

/// A parsed private key, ready to sign. Parse once and keep it (parsing an
/// RSA key validates it, which costs far more than a signature).
pub struct SigningKey {
    kid: String,
    alg: SigningAlg,
    inner: Inner,
    /// The public members that define the key (RFC 7638 §3.2), sorted by name.
    members: Vec<(&'static str, String)>,
}

// Keys are shared between request handlers.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<SigningKey>();
};

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Parses a PKCS#8 (v1 or v2) DER private key of the given algorithm.
    pub fn from_pkcs8(alg: SigningAlg, kid: String, der: &[u8]) -> Result<Self, CryptoError> {
        let rejected = |e: aws_lc_rs::error::KeyRejected| {
            CryptoError::Key(format!("{} private key rejected: {e}", alg.as_str()))
        };
        let inner = match alg {
            SigningAlg::RS256 => Inner::Rsa(RsaKeyPair::from_pkcs8(der).map_err(rejected)?),
            SigningAlg::ES256 => Inner::Ec(
                EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, der)
                    .map_err(rejected)?,
            ),
            SigningAlg::EdDSA => Inner::Ed(Ed25519KeyPair::from_pkcs8(der).map_err(rejected)?),
        };
        let members = public_members(&inner)?;
        Ok(Self {
            kid,
            alg,
            inner,
            members,
        })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn alg(&self) -> SigningAlg {
        self.alg
    }

    /// The JWS signature over `message`: RS256 is RSASSA-PKCS1-v1_5 with
    /// SHA-256, ES256 is the fixed-width `r || s` (64 bytes) that JWS requires,
    /// EdDSA is Ed25519.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        // aws-lc-rs uses its own DRBG for the ECDSA nonce and RSA blinding; the
        // RNG argument its API takes is not where that randomness comes from.
        let rng = SystemRandom::new();
        match &self.inner {
            Inner::Rsa(k) => {
                let mut sig = vec![0u8; k.public_modulus_len()];
                k.sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut sig)
                    .map_err(|_| CryptoError::Sign)?;
                Ok(sig)
            }
            Inner::Ec(k) => Ok(k
                .sign(&rng, message)
                .map_err(|_| CryptoError::Sign)?
                .as_ref()
                .to_vec()),
            Inner::Ed(k) => Ok(k.sign(message).as_ref().to_vec()),
        }
    }

    /// The RFC 7638 JWK thumbprint of the public key (base64url SHA-256).
    pub fn thumbprint(&self) -> String {
        thumbprint(&self.members)
    }

    /// The public JWK: the key's members plus `use`, `alg` and `kid`.
    pub fn public_jwk(&self) -> Value {
        let mut jwk = Map::new();
        for (name, value) in &self.members {
            jwk.insert((*name).to_string(), Value::String(value.clone()));
        }
        jwk.insert("use".into(), "sig".into());
        jwk.insert("alg".into(), self.alg.as_str().into());
        jwk.insert("kid".into(), self.kid.clone().into());
        Value::Object(jwk)
    }
}

/// The public members of a JWK (RFC 7518 §6), sorted by name as RFC 7638 wants.
fn public_members(inner: &Inner) -> Result<Vec<(&'static str, String)>, CryptoError> {
    let b64 = |b: &[u8]| URL_SAFE_NO_PAD.encode(b);
    Ok(match inner {
        Inner::Rsa(k) => {
            // Big-endian without leading zeros, as RFC 7518 §6.3.1 requires.
            let c = PublicKeyComponents::<Vec<u8>>::from(k.public_key());
            vec![("e", b64(&c.e)), ("kty", "RSA".into()), ("n", b64(&c.n))]
        }
        Inner::Ec(k) => match k.public_key().as_ref() {
            // Uncompressed SEC1 point: 0x04 || x (32) || y (32).
            [0x04, xy @ ..] if xy.len() == 64 => {
                let (x, y) = xy.split_at(32);
                vec![
                    ("crv", "P-256".into()),
                    ("kty", "EC".into()),
                    ("x", b64(x)),
                    ("y", b64(y)),
                ]
            }
            _ => {
                return Err(CryptoError::Key(
                    "unexpected P-256 public key encoding".into(),
                ))
            }
        },
        Inner::Ed(k) => vec![
            ("crv", "Ed25519".into()),
            ("kty", "OKP".into()),
            ("x", b64(k.public_key().as_ref())),
        ],
    })
}

/// RFC 7638: SHA-256 over the required members as JSON, sorted by name, with
/// no whitespace. Built by hand rather than through `serde_json::Map`, whose
/// key order changes if any crate in the build enables `preserve_order`.
fn thumbprint(members: &[(&str, String)]) -> String {
    let mut sorted: Vec<&(&str, String)> = members.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let body: Vec<String> = sorted
        .iter()
        .map(|(name, value)| format!("{}:{}", Value::from(*name), Value::from(value.as_str())))
        .collect();
    let canonical = format!("{{{}}}", body.join(","));
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, canonical.as_bytes()).as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{RsaPublicKeyComponents, UnparsedPublicKey};

    fn member(jwk: &Value, name: &str) -> Vec<u8> {
        URL_SAFE_NO_PAD.decode(jwk[name].as_str().unwrap()).unwrap()
    }

    /// Verifies with nothing but the published JWK, as a relying party would.
    fn verify_with_jwk(jwk: &Value, msg: &[u8], sig: &[u8]) -> bool {
        match jwk["kty"].as_str().unwrap() {
            "RSA" => RsaPublicKeyComponents {
                n: member(jwk, "n"),
                e: member(jwk, "e"),
            }
            .verify(&signature::RSA_PKCS1_2048_8192_SHA256, msg, sig)
            .is_ok(),
            "EC" => {
                let point = [&[4u8][..], &member(jwk, "x"), &member(jwk, "y")].concat();
                UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                    .verify(msg, sig)
                    .is_ok()
            }
            "OKP" => UnparsedPublicKey::new(&signature::ED25519, member(jwk, "x"))
                .verify(msg, sig)
                .is_ok(),
            other => panic!("unexpected kty {other}"),
        }
    }

    #[test]
    fn every_alg_signs_verifiably_and_round_trips() {
        for (alg, kty, sig_len) in [
            (SigningAlg::RS256, "RSA", 256),
            (SigningAlg::ES256, "EC", 64),
            (SigningAlg::EdDSA, "OKP", 64),
        ] {
            let g = generate_signing_key(alg).unwrap();
            assert_eq!(g.alg, alg);
            let jwk = &g.public_jwk;
            assert_eq!(jwk["kid"], g.kid.as_str());
            assert_eq!(jwk["alg"], alg.as_str());
            assert_eq!(jwk["use"], "sig");
            assert_eq!(jwk["kty"], kty);
            for private in ["d", "p", "q", "dp", "dq", "qi"] {
                assert!(
                    jwk.get(private).is_none(),
                    "{alg:?}: public JWK holds {private}"
                );
            }
            assert_eq!(g.kid.len(), 43, "base64url SHA-256");

            let k = SigningKey::from_pkcs8(alg, g.kid.clone(), &g.private_pkcs8).unwrap();
            assert_eq!(k.kid(), g.kid);
            assert_eq!(k.alg(), alg);
            assert_eq!(
                k.thumbprint(),
                g.kid,
                "kid stable across a PKCS#8 round trip"
            );
            assert_eq!(&k.public_jwk(), jwk);

            let sig = k.sign(b"header.payload").unwrap();
            assert_eq!(sig.len(), sig_len, "{alg:?}");
            assert!(verify_with_jwk(jwk, b"header.payload", &sig), "{alg:?}");
            assert!(!verify_with_jwk(jwk, b"header.payload!", &sig), "{alg:?}");
            let other = generate_signing_key(alg).unwrap();
            assert_ne!(other.kid, g.kid);
            assert!(!verify_with_jwk(&other.public_jwk, b"header.payload", &sig));
        }
    }

    #[test]
    fn rsa_jwk_members_are_minimal_big_endian() {
        let g = generate_signing_key(SigningAlg::RS256).unwrap();
        assert_eq!(g.public_jwk["e"], "AQAB");
        let n = member(&g.public_jwk, "n");
        assert_eq!(n.len(), 256, "2048-bit modulus, no leading zero byte");
        assert_ne!(n[0], 0);
    }

    #[test]
    fn thumbprint_matches_rfc7638_example_in_any_member_order() {
        // RFC 7638 §3.1.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        let expected = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";
        let sorted = [
            ("e", "AQAB".to_string()),
            ("kty", "RSA".into()),
            ("n", n.into()),
        ];
        assert_eq!(thumbprint(&sorted), expected);
        let shuffled = [
            ("n", n.to_string()),
            ("e", "AQAB".into()),
            ("kty", "RSA".into()),
        ];
        assert_eq!(thumbprint(&shuffled), expected);
    }

    #[test]
    fn debug_is_redacted() {
        let g = generate_signing_key(SigningAlg::EdDSA).unwrap();
        let k = SigningKey::from_pkcs8(g.alg, g.kid.clone(), &g.private_pkcs8).unwrap();
        for shown in [format!("{g:?}"), format!("{k:?}")] {
            assert!(shown.contains(&g.kid), "{shown}");
            assert!(
                !shown.contains(&format!("{:?}", &g.private_pkcs8[..8])),
                "{shown}"
            );
            assert!(
                !shown.contains(&hex::encode(&g.private_pkcs8[..8])),
                "{shown}"
            );
        }
        assert!(format!("{g:?}").contains("<redacted>"));
    }

    #[test]
    fn bad_keys_are_rejected() {
        for alg in [SigningAlg::RS256, SigningAlg::ES256, SigningAlg::EdDSA] {
            assert!(SigningKey::from_pkcs8(alg, "k".into(), b"not a key").is_err());
            assert!(SigningKey::from_pkcs8(alg, "k".into(), &[]).is_err());
        }
        // A valid key of another algorithm is refused, not misused.
        let ec = generate_signing_key(SigningAlg::ES256).unwrap();
        assert!(SigningKey::from_pkcs8(SigningAlg::RS256, "k".into(), &ec.private_pkcs8).is_err());
        assert!(SigningKey::from_pkcs8(SigningAlg::EdDSA, "k".into(), &ec.private_pkcs8).is_err());
        let mut truncated = ec.private_pkcs8.to_vec();
        truncated.pop();
        assert!(SigningKey::from_pkcs8(SigningAlg::ES256, "k".into(), &truncated).is_err());
    }

    #[test]
    fn alg_names_parse_and_serialize() {
        for alg in [SigningAlg::RS256, SigningAlg::ES256, SigningAlg::EdDSA] {
            assert_eq!(alg.as_str().parse::<SigningAlg>().unwrap(), alg);
            assert_eq!(serde_json::to_value(alg).unwrap(), alg.as_str());
            assert_eq!(
                serde_json::from_value::<SigningAlg>(alg.as_str().into()).unwrap(),
                alg
            );
        }
        for bad in ["HS256", "none", "rs256", "", "ES384"] {
            assert!(bad.parse::<SigningAlg>().is_err(), "{bad}");
        }
    }
}
