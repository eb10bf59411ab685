//! Passwords: Argon2id PHC strings. With the default parameters one hash or
//! verification takes 19 MiB and tens of milliseconds: callers run it off the
//! async runtime (`spawn_blocking`) and bound how many run at once.
use crate::CryptoError;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
pub use argon2::Block as Argon2Block;
use argon2::{Algorithm, Argon2, Params, Version};
use rand::seq::SliceRandom;
use rand::{CryptoRng, Rng, RngCore};
use std::sync::OnceLock;
use zeroize::Zeroizing;

/// Hashes and verifies passwords with Argon2id. Build one at start-up and
/// share it: it caches the dummy hash that [`PasswordHasher::dummy_verify`] uses.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    dummy: OnceLock<Option<String>>,
}

impl Default for PasswordHasher {
    /// OWASP's Argon2id recommendation: m = 19 MiB (19456 KiB), t = 2, p = 1.
    fn default() -> Self {
        // These are argon2's own defaults too, so the fallback is the same.
        let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
        Self {
            params,
            dummy: OnceLock::new(),
        }
    }
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("m_cost_kib", &self.params.m_cost())
            .field("t_cost", &self.params.t_cost())
            .field("p_cost", &self.params.p_cost())
            .finish()
    }
}

impl PasswordHasher {
    pub fn new(m_cost_kib: u32, t_cost: u32, p_cost: u32) -> Result<Self, CryptoError> {
        let params = Params::new(m_cost_kib, t_cost, p_cost, None)
            .map_err(|e| CryptoError::Params(format!("argon2: {e}")))?;
        Ok(Self {
            params,
            dummy: OnceLock::new(),
        })
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    fn hash_with_salt(&self, password: &str, salt: &[u8]) -> Result<String, CryptoError> {
        let salt = SaltString::encode_b64(salt)
            .map_err(|e| CryptoError::Params(format!("argon2 salt: {e}")))?;
        self.argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| CryptoError::Params(format!("argon2: {e}")))
    }

    /// An Argon2id PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) with a
    /// random 16-byte salt from `rng`.
    pub fn hash(
        &self,
        password: &str,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<String, CryptoError> {
        let mut salt = [0u8; 16];
        rng.fill_bytes(&mut salt);
        self.hash_with_salt(password, &salt)
    }

    /// `Ok(false)` for a wrong password; an error for a PHC string that is not
    /// a well-formed Argon2id hash. Uses the parameters recorded in the hash,
    /// so hashes made before a parameter change still verify.
    pub fn verify(&self, password: &str, phc: &str) -> Result<bool, CryptoError> {
        let parsed = PasswordHash::new(phc).map_err(|_| CryptoError::BadPasswordHash)?;
        if parsed.algorithm != Algorithm::Argon2id.ident() {
            return Err(CryptoError::BadPasswordHash);
        }
        match self.argon2().verify_password(password.as_bytes(), &parsed) {
            Ok(()) => Ok(true),
            Err(argon2::password_hash::Error::Password) => Ok(false),
            Err(_) => Err(CryptoError::BadPasswordHash),
        }
    }

    /// As [`PasswordHasher::verify`], computing in `memory` (grown to the
    /// hash's block count and kept by the caller): a worker thread that
    /// reuses one buffer keeps the process's memory flat under load, where
    /// a fresh 19 MiB allocation per verification on many threads leaves
    /// it fragmented across allocator arenas (hundreds of MiB measured).
    pub fn verify_reusing(
        &self,
        password: &str,
        phc: &str,
        memory: &mut Vec<argon2::Block>,
    ) -> Result<bool, CryptoError> {
        let parsed = PasswordHash::new(phc).map_err(|_| CryptoError::BadPasswordHash)?;
        if parsed.algorithm != Algorithm::Argon2id.ident() {
            return Err(CryptoError::BadPasswordHash);
        }
        let params = Params::try_from(&parsed).map_err(|_| CryptoError::BadPasswordHash)?;
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return Err(CryptoError::BadPasswordHash);
        };
        let mut salt_buf = [0u8; 64];
        let salt = salt
            .decode_b64(&mut salt_buf)
            .map_err(|_| CryptoError::BadPasswordHash)?;
        let version = parsed
            .version
            .map(Version::try_from)
            .transpose()
            .map_err(|_| CryptoError::BadPasswordHash)?
            .unwrap_or(Version::V0x13);
        let blocks = params.block_count();
        if memory.len() != blocks {
            memory.resize(blocks, argon2::Block::default());
        }
        let mut out = Zeroizing::new(vec![0u8; expected.len()]);
        Argon2::new(Algorithm::Argon2id, version, params)
            .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut memory[..])
            .map_err(|_| CryptoError::BadPasswordHash)?;
        Ok(crate::ct_eq(&out, expected.as_bytes()))
    }

    /// [`PasswordHasher::dummy_verify`] computing in `memory`.
    pub fn dummy_verify_reusing(&self, password: &str, memory: &mut Vec<argon2::Block>) {
        if let Some(phc) = self.dummy_phc() {
            let _ = self.verify_reusing(password, phc, memory);
        }
    }

    /// Spends the time of one [`PasswordHasher::verify`] (with this hasher's
    /// parameters) against a fixed dummy hash. Call it when the user does not
    /// exist, so response times do not reveal which accounts exist. The
    /// dummy is hashed on first use and kept.
    pub fn dummy_verify(&self, password: &str) {
        if let Some(phc) = self.dummy_phc() {
            let _ = self.verify(password, phc);
        }
    }

    fn dummy_phc(&self) -> Option<&str> {
        self.dummy
            .get_or_init(|| {
                self.hash_with_salt("tessera dummy password", b"tessera-dummy-salt")
                    .ok()
            })
            .as_deref()
    }
}

/// A random 20-character password with at least one upper-case letter,
/// lower-case letter, digit and symbol, for the bootstrap admin. Look-alike
/// characters (I, O, l, 0, 1) and shell-hostile symbols (quotes, `$`, `\`,
/// `&`, space) are left out; the rest still gives about 120 bits.
pub fn generate_password(rng: &mut (impl RngCore + CryptoRng)) -> Zeroizing<String> {
    const CLASSES: [&[u8]; 4] = [
        b"ABCDEFGHJKLMNPQRSTUVWXYZ",
        b"abcdefghijkmnopqrstuvwxyz",
        b"23456789",
        b"!#%+-.:=?@^_~",
    ];
    const LEN: usize = 20;
    let all: Vec<u8> = CLASSES.concat();
    let mut chars = Zeroizing::new(Vec::with_capacity(LEN));
    for class in CLASSES {
        chars.push(class[rng.gen_range(0..class.len())]);
    }
    while chars.len() < LEN {
        chars.push(all[rng.gen_range(0..all.len())]);
    }
    // So the guaranteed characters are not always the first four.
    chars.shuffle(rng);
    Zeroizing::new(chars.iter().copied().map(char::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn fast() -> PasswordHasher {
        PasswordHasher::new(1024, 1, 1).unwrap()
    }

    fn rng(seed: u64) -> rand::rngs::StdRng {
        rand::rngs::StdRng::seed_from_u64(seed)
    }

    #[test]
    fn hashes_and_verifies() {
        let mut r = rng(2);
        let h = fast().hash("correct horse", &mut r).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{h}");
        assert!(!h.contains("correct horse"));
        assert!(fast().verify("correct horse", &h).unwrap());
        assert!(!fast().verify("correct horsE", &h).unwrap());
        assert!(!fast().verify("", &h).unwrap());
        assert_ne!(h, fast().hash("correct horse", &mut r).unwrap(), "salted");
        // Verification follows the hash's own parameters.
        let stronger = PasswordHasher::new(2048, 2, 1).unwrap();
        assert!(stronger.verify("correct horse", &h).unwrap());
    }

    #[test]
    fn verifying_in_reused_memory_agrees_with_verify() {
        let mut r = rng(4);
        let h = fast().hash("correct horse", &mut r).unwrap();
        let other = PasswordHasher::new(2048, 2, 1)
            .unwrap()
            .hash("battery", &mut r)
            .unwrap();
        let mut memory = Vec::new();
        assert!(fast()
            .verify_reusing("correct horse", &h, &mut memory)
            .unwrap());
        assert_eq!(memory.len(), 1024);
        assert!(!fast()
            .verify_reusing("correct horsE", &h, &mut memory)
            .unwrap());
        // A hash with other parameters resizes the buffer and still verifies.
        assert!(fast()
            .verify_reusing("battery", &other, &mut memory)
            .unwrap());
        assert_eq!(memory.len(), 2048);
        assert!(!fast()
            .verify_reusing("correct horse", &other, &mut memory)
            .unwrap());
        assert!(fast()
            .verify_reusing("x", "not a hash", &mut memory)
            .is_err());
        let argon2i = "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
        assert!(fast().verify_reusing("x", argon2i, &mut memory).is_err());
    }

    #[test]
    fn salt_comes_from_the_given_rng() {
        let a = fast().hash("pw", &mut rng(10)).unwrap();
        let b = fast().hash("pw", &mut rng(10)).unwrap();
        assert_eq!(a, b, "same rng seed, same salt");
        let salt_b64 = a.split('$').nth(4).unwrap();
        assert_eq!(salt_b64.len(), 22, "16-byte salt, unpadded base64");
    }

    #[test]
    fn default_is_owasp_argon2id() {
        let h = PasswordHasher::default().hash("pw", &mut rng(3)).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(PasswordHasher::default().verify("pw", &h).unwrap());
    }

    #[test]
    fn malformed_hashes_are_errors() {
        for bad in [
            "",
            "plain",
            "$argon2id$",
            "$2b$10$abcdefghijklmnopqrstuv",
            "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
            "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$!!!notbase64",
            "$argon2id$v=19$m=0,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
            "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aA",
        ] {
            assert!(
                matches!(fast().verify("pw", bad), Err(CryptoError::BadPasswordHash)),
                "{bad}"
            );
        }
    }

    #[test]
    fn bad_params_are_refused() {
        assert!(PasswordHasher::new(1024, 0, 1).is_err(), "t = 0");
        assert!(PasswordHasher::new(1024, 1, 0).is_err(), "p = 0");
        assert!(PasswordHasher::new(1, 1, 1).is_err(), "m below 8 KiB");
        assert!(PasswordHasher::new(8, 1, 1).is_ok());
    }

    #[test]
    fn dummy_verify_uses_this_hashers_parameters() {
        let fast = fast();
        fast.dummy_verify("anything");
        let phc = fast.dummy_phc().unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{phc}");
        assert!(!fast.verify("anything", phc).unwrap());
        let other = PasswordHasher::new(2048, 2, 1).unwrap();
        let other_phc = other.dummy_phc().unwrap();
        assert!(
            other_phc.starts_with("$argon2id$v=19$m=2048,t=2,p=1$"),
            "{other_phc}"
        );
        assert_eq!(fast.dummy_phc(), Some(phc), "made once");
    }

    #[test]
    fn debug_shows_parameters_only() {
        assert_eq!(
            format!("{:?}", fast()),
            "PasswordHasher { m_cost_kib: 1024, t_cost: 1, p_cost: 1 }"
        );
    }

    #[test]
    fn generated_passwords_have_every_class() {
        let mut r = rng(4);
        let mut first_chars = std::collections::HashSet::new();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            let p = generate_password(&mut r);
            assert_eq!(p.len(), 20);
            assert!(p.chars().any(|c| c.is_ascii_uppercase()), "{}", &*p);
            assert!(p.chars().any(|c| c.is_ascii_lowercase()), "{}", &*p);
            assert!(p.chars().any(|c| c.is_ascii_digit()), "{}", &*p);
            assert!(p.chars().any(|c| "!#%+-.:=?@^_~".contains(c)), "{}", &*p);
            assert!(
                p.chars()
                    .all(|c| c.is_ascii_graphic() && !"IOl01'\"$\\&`".contains(c)),
                "{}",
                &*p
            );
            first_chars.insert(p.chars().next().map(|c| c.is_ascii_uppercase()));
            assert!(seen.insert(p.to_string()), "repeated password");
        }
        assert_eq!(
            first_chars.len(),
            2,
            "shuffled: the upper-case letter is not always first"
        );
    }
}
