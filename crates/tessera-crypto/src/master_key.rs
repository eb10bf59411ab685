//! Encryption at rest: AES-256-GCM under the master key. Sealed format:
//! `0x01 || nonce (12) || ciphertext || tag (16)`; the caller's `aad` binds a
//! ciphertext to its place (tenant, row), so a blob moved elsewhere won't open.
use crate::CryptoError;
use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use aws_lc_rs::digest;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use rand::{CryptoRng, RngCore};
use zeroize::Zeroizing;

const VERSION: u8 = 1;
const TAG_LEN: usize = 16;

#[derive(Clone)]
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterKey(id={})", self.key_id())
    }
}

impl MasterKey {
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut k = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(k.as_mut());
        Self(k)
    }

    pub fn from_base64(s: &str) -> Result<Self, CryptoError> {
        let s = s.trim();
        let bytes = [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD]
            .iter()
            .find_map(|e| e.decode(s).ok())
            .map(Zeroizing::new)
            .ok_or(CryptoError::BadMasterKey)?;
        let arr: [u8; 32] = bytes.as_slice().try_into().map_err(|_| CryptoError::BadMasterKey)?;
        Ok(Self(Zeroizing::new(arr)))
    }

    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(self.0.as_ref()))
    }

    /// A non-secret fingerprint, so operators can tell keys apart.
    pub fn key_id(&self) -> String {
        let mut ctx = digest::Context::new(&digest::SHA256);
        ctx.update(b"tessera master key id\0");
        ctx.update(self.0.as_ref());
        hex::encode(&ctx.finish().as_ref()[..8])
    }

    fn aead(&self) -> Result<LessSafeKey, CryptoError> {
        UnboundKey::new(&AES_256_GCM, self.0.as_ref()).map(LessSafeKey::new).map_err(|_| CryptoError::Decrypt)
    }

    pub fn seal(&self, plaintext: &[u8], aad: &[u8], rng: &mut (impl RngCore + CryptoRng)) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        let mut buf = plaintext.to_vec();
        // AES-256 with a 32-byte key cannot fail to construct or seal in
        // memory; an empty result would be caught by `open` as damaged data.
        if let Ok(key) = self.aead() {
            if key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad), &mut buf).is_err() {
                buf.clear();
            }
        }
        let mut out = Vec::with_capacity(1 + NONCE_LEN + buf.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&buf);
        out
    }

    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if sealed.len() < 1 + NONCE_LEN + TAG_LEN || sealed[0] != VERSION {
            return Err(CryptoError::Decrypt);
        }
        let nonce: [u8; NONCE_LEN] = sealed[1..1 + NONCE_LEN].try_into().map_err(|_| CryptoError::Decrypt)?;
        let mut buf = Zeroizing::new(sealed[1 + NONCE_LEN..].to_vec());
        let len = self
            .aead()?
            .open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(aad), &mut buf)
            .map_err(|_| CryptoError::Decrypt)?
            .len();
        buf.truncate(len);
        Ok(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn rng() -> rand::rngs::StdRng {
        rand::rngs::StdRng::seed_from_u64(5)
    }

    #[test]
    fn seal_open_round_trip_and_tamper_detection() {
        let mut r = rng();
        let k = MasterKey::generate(&mut r);
        let sealed = k.seal(b"private key bytes", b"ctx", &mut r);
        assert_eq!(sealed[0], 1);
        assert_eq!(&*k.open(&sealed, b"ctx").unwrap(), b"private key bytes");
        assert!(!sealed.windows(7).any(|w| w == b"private"));
        assert_ne!(sealed, k.seal(b"private key bytes", b"ctx", &mut r), "fresh nonce each time");
        // Wrong aad, wrong key, tampering, truncation, emptiness, unknown version.
        assert!(k.open(&sealed, b"other").is_err());
        assert!(MasterKey::generate(&mut r).open(&sealed, b"ctx").is_err());
        for i in [0usize, 1, 13, sealed.len() - 1] {
            let mut t = sealed.clone();
            t[i] ^= 1;
            assert!(k.open(&t, b"ctx").is_err(), "flip at {i}");
        }
        assert!(k.open(&sealed[..sealed.len() - 1], b"ctx").is_err());
        assert!(k.open(&sealed[..20], b"ctx").is_err());
        assert!(k.open(&[], b"ctx").is_err());
        let mut v2 = sealed.clone();
        v2[0] = 2;
        assert!(k.open(&v2, b"ctx").is_err());
    }

    #[test]
    fn base64_forms_and_bad_keys() {
        let k = MasterKey::generate(&mut rng());
        let b64 = k.to_base64();
        let again = MasterKey::from_base64(&format!("  {}\n", &*b64)).unwrap();
        assert_eq!(again.key_id(), k.key_id());
        let urlsafe = URL_SAFE_NO_PAD.encode(STANDARD.decode(&*b64).unwrap());
        assert_eq!(MasterKey::from_base64(&urlsafe).unwrap().key_id(), k.key_id());
        for bad in ["", "not base64!!", &STANDARD.encode([0u8; 31]), &STANDARD.encode([0u8; 33])] {
            let e = MasterKey::from_base64(bad).unwrap_err();
            assert_eq!(e.to_string(), "master key must be 32 bytes encoded in base64");
        }
        assert!(!format!("{k:?}").contains(&*b64));
        assert_eq!(k.key_id().len(), 16);
    }
}
