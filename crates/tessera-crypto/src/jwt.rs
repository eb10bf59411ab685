//! Compact JWS (RFC 7515) for the tokens Tessera issues. Signing is written
//! here because it is three base64url strings around one `SigningKey::sign`
//! call on an already-parsed key; verification (of tokens others send us, or
//! in tests) uses the `jsonwebtoken` crate.
use crate::{CryptoError, SigningKey};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;

/// Signs `claims` as a JWT with header `{"typ":"JWT","alg":…,"kid":…}`.
pub fn sign_jwt(key: &SigningKey, claims: &impl Serialize) -> Result<String, CryptoError> {
    let header = serde_json::json!({ "typ": "JWT", "alg": key.alg().as_str(), "kid": key.kid() });
    let enc = |v: &dyn erased::Json| -> Result<String, CryptoError> {
        Ok(URL_SAFE_NO_PAD.encode(
            v.to_vec()
                .map_err(|e| CryptoError::Key(format!("encoding JWT: {e}")))?,
        ))
    };
    let mut out = format!("{}.{}", enc(&header)?, enc(claims)?);
    let sig = key.sign(out.as_bytes())?;
    out.push('.');
    out.push_str(&URL_SAFE_NO_PAD.encode(sig));
    Ok(out)
}

mod erased {
    /// Serialises to JSON bytes without making `sign_jwt` generic twice.
    pub trait Json {
        fn to_vec(&self) -> serde_json::Result<Vec<u8>>;
    }
    impl<T: serde::Serialize + ?Sized> Json for T {
        fn to_vec(&self) -> serde_json::Result<Vec<u8>> {
            serde_json::to_vec(self)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{generate_signing_key, SigningAlg};

    #[test]
    fn tokens_verify_with_jsonwebtoken_against_the_public_jwk() {
        for alg in [SigningAlg::RS256, SigningAlg::ES256, SigningAlg::EdDSA] {
            let g = generate_signing_key(alg).unwrap();
            let key = SigningKey::from_pkcs8(alg, g.kid.clone(), &g.private_pkcs8).unwrap();
            let claims = serde_json::json!({ "sub": "x", "aud": "api", "exp": 4_102_444_800u64 });
            let token = sign_jwt(&key, &claims).unwrap();
            let header = jsonwebtoken::decode_header(&token).unwrap();
            assert_eq!(header.kid.as_deref(), Some(g.kid.as_str()));
            let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(g.public_jwk.clone()).unwrap();
            let dk = jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap();
            let mut v = jsonwebtoken::Validation::new(header.alg);
            v.set_audience(&["api"]);
            let data = jsonwebtoken::decode::<serde_json::Value>(&token, &dk, &v).unwrap();
            assert_eq!(data.claims["sub"], "x");
            // A changed payload does not verify.
            let mut parts: Vec<&str> = token.split('.').collect();
            let forged = URL_SAFE_NO_PAD.encode(br#"{"sub":"admin","aud":"api","exp":4102444800}"#);
            parts[1] = &forged;
            assert!(jsonwebtoken::decode::<serde_json::Value>(&parts.join("."), &dk, &v).is_err());
        }
    }
}
