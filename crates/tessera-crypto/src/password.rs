//! Passwords: Argon2id (PHC strings). Hashing costs ~19 MiB and tens of
//! milliseconds: callers run it off the async runtime and bound concurrency.
use crate::CryptoError;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::{CryptoRng, Rng, RngCore};
use std::sync::OnceLock;
use zeroize::Zeroizing;

#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
}

impl Default for PasswordHasher {
    /// OWASP's Argon2id recommendation: m = 19 MiB, t = 2, p = 1.
    fn default() -> Self {
        Self {
            params: Params::new(19 * 1024, 2, 1, None).unwrap_or_default(),
        }
    }
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "PasswordHasher(m={}, t={}, p={})",
            self.params.m_cost(),
            self.params.t_cost(),
            self.params.p_cost()
        )
    }
}

impl PasswordHasher {
    pub fn new(m_cost_kib: u32, t_cost: u32, p_cost: u32) -> Result<Self, CryptoError> {
        let params = Params::new(m_cost_kib, t_cost, p_cost, None)
            .map_err(|e| CryptoError::Params(e.to_string()))?;
        Ok(Self { params })
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    pub fn hash(
        &self,
        password: &str,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<String, CryptoError> {
        let mut salt = [0u8; 16];
        rng.fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|e| CryptoError::Params(e.to_string()))?;
        self.argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| CryptoError::Params(e.to_string()))
    }

    /// Verifies with the parameters recorded in the hash itself.
    pub fn verify(&self, password: &str, phc: &str) -> Result<bool, CryptoError> {
        let parsed = PasswordHash::new(phc).map_err(|_| CryptoError::BadPasswordHash)?;
        if parsed.algorithm.as_str() != "argon2id" {
            return Err(CryptoError::BadPasswordHash);
        }
        match self.argon2().verify_password(password.as_bytes(), &parsed) {
            Ok(()) => Ok(true),
            Err(argon2::password_hash::Error::Password) => Ok(false),
            Err(_) => Err(CryptoError::BadPasswordHash),
        }
    }

    /// Spends the time of one verification against a fixed hash, for users
    /// that do not exist: no user enumeration by timing.
    pub fn dummy_verify(&self, password: &str) {
        static DUMMY: OnceLock<Option<String>> = OnceLock::new();
        let dummy = DUMMY.get_or_init(|| {
            let salt = SaltString::encode_b64(b"tessera-dummy-salt").ok()?;
            self.argon2()
                .hash_password(b"tessera dummy password", &salt)
                .ok()
                .map(|h| h.to_string())
        });
        if let Some(phc) = dummy {
            let _ = self.verify(password, phc);
        }
    }
}

/// A strong random password (20 characters, every class present), for the
/// bootstrap admin.
pub fn generate_password(rng: &mut (impl RngCore + CryptoRng)) -> Zeroizing<String> {
    const CLASSES: [&[u8]; 4] = [
        b"ABCDEFGHJKLMNPQRSTUVWXYZ",
        b"abcdefghijkmnopqrstuvwxyz",
        b"23456789",
        b"!#%+-.:=?@^_~",
    ];
    let all: Vec<u8> = CLASSES.concat();
    let mut chars: Vec<u8> = CLASSES
        .iter()
        .map(|c| c[rng.gen_range(0..c.len())])
        .collect();
    while chars.len() < 20 {
        chars.push(all[rng.gen_range(0..all.len())]);
    }
    // Fisher-Yates, so the guaranteed characters are not always first.
    for i in (1..chars.len()).rev() {
        chars.swap(i, rng.gen_range(0..=i));
    }
    Zeroizing::new(chars.into_iter().map(char::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn fast() -> PasswordHasher {
        PasswordHasher::new(1024, 1, 1).unwrap()
    }

    #[test]
    fn hashes_and_verifies() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(2);
        let h = fast().hash("correct horse", &mut rng).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{h}");
        assert!(fast().verify("correct horse", &h).unwrap());
        assert!(!fast().verify("correct horsE", &h).unwrap());
        assert_ne!(h, fast().hash("correct horse", &mut rng).unwrap(), "salted");
        fast().dummy_verify("x");
    }

    #[test]
    fn default_is_owasp_argon2id() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let h = PasswordHasher::default().hash("pw", &mut rng).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
    }

    #[test]
    fn malformed_hashes_are_errors() {
        for bad in [
            "",
            "plain",
            "$argon2id$",
            "$2b$10$abcdefghijklmnopqrstuv",
            "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
        ] {
            assert!(fast().verify("pw", bad).is_err(), "{bad}");
        }
        assert!(PasswordHasher::new(1, 0, 0).is_err());
    }

    #[test]
    fn generated_passwords_have_every_class() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(4);
        for _ in 0..50 {
            let p = generate_password(&mut rng);
            assert_eq!(p.len(), 20);
            assert!(p.chars().any(|c| c.is_ascii_uppercase()));
            assert!(p.chars().any(|c| c.is_ascii_lowercase()));
            assert!(p.chars().any(|c| c.is_ascii_digit()));
            assert!(p.chars().any(|c| !c.is_ascii_alphanumeric()));
        }
    }
}
