//! Encryption at rest: AES-256-GCM under the master key. Sealed format:
//! `0x01 || nonce (12) || ciphertext || tag (16)`. The caller's `aad` binds a
//! ciphertext to its place (e.g. `signing-key:{tenant}:{kid}`), so a blob
//! copied to another row does not open. See docs/design/secrets-at-rest.md.
use crate::CryptoError;
use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use aws_lc_rs::digest;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use rand::{CryptoRng, RngCore};
use zeroize::Zeroizing;

const VERSION: u8 = 0x01;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = 1 + NONCE_LEN;

/// The 256-bit key that encrypts secrets at rest. Zeroized on drop; its Debug
/// shows only the non-secret [`MasterKey::key_id`].
#[derive(Clone)]
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MasterKey")
            .field("key_id", &self.key_id())
            .finish_non_exhaustive()
    }
}

impl MasterKey {
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut k = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(k.as_mut());
        Self(k)
    }

    /// Accepts standard or URL-safe base64, padded or not, with surrounding
    /// whitespace (a trailing newline from a file or `echo`).
    pub fn from_base64(s: &str) -> Result<Self, CryptoError> {
        let s = s.trim();
        let bytes = [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD]
            .iter()
            .find_map(|engine| engine.decode(s).ok())
            .map(Zeroizing::new)
            .ok_or(CryptoError::BadMasterKey)?;
        let key: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| CryptoError::BadMasterKey)?;
        Ok(Self(Zeroizing::new(key)))
    }

    /// Standard base64 with padding (44 characters).
    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(self.0.as_ref()))
    }

    /// A non-secret fingerprint (16 hex digits) so operators can tell which
    /// master key encrypted data: the first 8 bytes of a domain-separated
    /// SHA-256, never usable as, or to recover, the key.
    pub fn key_id(&self) -> String {
        let mut ctx = digest::Context::new(&digest::SHA256);
        ctx.update(b"tessera master key id\0");
        ctx.update(self.0.as_ref());
        hex::encode(&ctx.finish().as_ref()[..8])
    }

    /// A key for one purpose (CSRF tokens, pairwise subjects …), derived so
    /// that no purpose's key reveals the master key or another purpose's.
    pub fn derive(&self, purpose: &str) -> Zeroizing<[u8; 32]> {
        crate::mac::derive_key(self.0.as_ref(), purpose)
    }

    fn aead(&self) -> Result<LessSafeKey, aws_lc_rs::error::Unspecified> {
        UnboundKey::new(&AES_256_GCM, self.0.as_ref()).map(LessSafeKey::new)
    }

    fn try_seal(
        &self,
        plaintext: &[u8],
        aad: &[u8],
        nonce: [u8; NONCE_LEN],
    ) -> Result<Vec<u8>, aws_lc_rs::error::Unspecified> {
        let mut out = Vec::with_capacity(HEADER_LEN + plaintext.len() + TAG_LEN);
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(plaintext);
        let mut body = out.split_off(HEADER_LEN);
        self.aead()?.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut body,
        )?;
        out.append(&mut body);
        Ok(out)
    }

    /// Encrypts `plaintext` under a fresh random 96-bit nonce from `rng`.
    ///
    /// Random nonces stay safe for about 2^32 seals per master key (NIST SP
    /// 800-38D); Tessera seals a handful of values per key rotation.
    pub fn seal(
        &self,
        plaintext: &[u8],
        aad: &[u8],
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<Vec<u8>, CryptoError> {
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        // Fails only if aws-lc-rs rejects a 32-byte AES-256 key: reported, so
        // that a blob that could never be opened is never written.
        self.try_seal(plaintext, aad, nonce)
            .map_err(|_| CryptoError::Key("AES-256-GCM refused the master key".into()))
    }

    /// Decrypts what [`MasterKey::seal`] produced with the same `aad`. Every
    /// failure (wrong key, wrong aad, tampered, truncated, unknown version) is
    /// the same opaque [`CryptoError::Decrypt`].
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let (header, body) = match sealed.split_at_checked(HEADER_LEN) {
            Some((header, body)) if header[0] == VERSION && body.len() >= TAG_LEN => (header, body),
            _ => return Err(CryptoError::Decrypt),
        };
        let nonce: [u8; NONCE_LEN] = header[1..].try_into().map_err(|_| CryptoError::Decrypt)?;
        let mut buf = Zeroizing::new(body.to_vec());
        let len = self
            .aead()
            .map_err(|_| CryptoError::Decrypt)?
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad),
                &mut buf,
            )
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

    fn rng(seed: u64) -> rand::rngs::StdRng {
        rand::rngs::StdRng::seed_from_u64(seed)
    }

    #[test]
    fn seal_opens_with_the_same_key_and_aad() {
        let mut r = rng(5);
        let k = MasterKey::generate(&mut r);
        let sealed = k
            .seal(b"private key bytes", b"signing-key:t1:kid1", &mut r)
            .unwrap();
        assert_eq!(
            &*k.open(&sealed, b"signing-key:t1:kid1").unwrap(),
            b"private key bytes"
        );
        assert!(
            !sealed.windows(7).any(|w| w == b"private"),
            "plaintext not visible"
        );
        assert_ne!(
            sealed,
            k.seal(b"private key bytes", b"signing-key:t1:kid1", &mut r)
                .unwrap(),
            "fresh nonce"
        );
        let empty = k.seal(b"", b"", &mut r).unwrap();
        assert_eq!(empty.len(), 1 + 12 + 16);
        assert!(k.open(&empty, b"").unwrap().is_empty());
    }

    #[test]
    fn layout_is_version_nonce_ciphertext_tag() {
        let k = MasterKey::from_base64(&STANDARD.encode([7u8; 32])).unwrap();
        let sealed = k.seal(b"abc", b"aad", &mut rng(9)).unwrap();
        let mut expected_nonce = [0u8; 12];
        rng(9).fill_bytes(&mut expected_nonce);
        assert_eq!(sealed[0], 0x01);
        assert_eq!(
            sealed[1..13],
            expected_nonce,
            "nonce drawn from the caller's rng"
        );
        assert_eq!(sealed.len(), 1 + 12 + 3 + 16);
        // Independently decrypt with aws-lc-rs to pin the format.
        let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &[7u8; 32]).unwrap());
        let mut body = sealed[13..].to_vec();
        let nonce = Nonce::assume_unique_for_key(expected_nonce);
        let plain = key
            .open_in_place(nonce, Aad::from(b"aad"), &mut body)
            .unwrap();
        assert_eq!(plain, b"abc");
    }

    #[test]
    fn open_rejects_every_kind_of_bad_input() {
        let mut r = rng(6);
        let k = MasterKey::generate(&mut r);
        let sealed = k.seal(b"secret", b"ctx", &mut r).unwrap();
        assert!(k.open(&sealed, b"ctx").is_ok());
        assert!(k.open(&sealed, b"other").is_err(), "wrong aad");
        assert!(k.open(&sealed, b"").is_err(), "missing aad");
        assert!(
            MasterKey::generate(&mut r).open(&sealed, b"ctx").is_err(),
            "wrong key"
        );
        for i in 0..sealed.len() {
            let mut t = sealed.clone();
            t[i] ^= 0x80;
            assert!(k.open(&t, b"ctx").is_err(), "tampered byte {i}");
        }
        for len in 0..sealed.len() {
            assert!(
                k.open(&sealed[..len], b"ctx").is_err(),
                "truncated to {len}"
            );
        }
        let mut extended = sealed.clone();
        extended.push(0);
        assert!(k.open(&extended, b"ctx").is_err(), "trailing byte");
        for version in [0x00, 0x02, 0xff] {
            let mut v = sealed.clone();
            v[0] = version;
            assert!(k.open(&v, b"ctx").is_err(), "version {version}");
        }
        let e = k.open(&[], b"ctx").unwrap_err();
        assert!(matches!(e, CryptoError::Decrypt));
    }

    #[test]
    fn base64_forms_round_trip() {
        let k = MasterKey::generate(&mut rng(7));
        let b64 = k.to_base64();
        assert_eq!(b64.len(), 44);
        let raw = STANDARD.decode(&*b64).unwrap();
        for form in [
            b64.to_string(),
            format!("  {}\n", &*b64),
            STANDARD_NO_PAD.encode(&raw),
            URL_SAFE.encode(&raw),
            URL_SAFE_NO_PAD.encode(&raw),
        ] {
            let again = MasterKey::from_base64(&form).unwrap();
            assert_eq!(again.0.as_ref(), k.0.as_ref(), "{form}");
        }
    }

    #[test]
    fn bad_master_keys_are_refused_with_the_documented_message() {
        let bad = [
            String::new(),
            "not base64!!".into(),
            STANDARD.encode([1u8; 31]),
            STANDARD.encode([1u8; 33]),
            URL_SAFE_NO_PAD.encode([1u8; 31]),
            URL_SAFE_NO_PAD.encode([1u8; 33]),
            STANDARD.encode([1u8; 64]),
        ];
        for b in &bad {
            let e = MasterKey::from_base64(b).unwrap_err();
            assert_eq!(
                e.to_string(),
                "master key must be 32 bytes encoded in base64",
                "{b}"
            );
        }
    }

    #[test]
    fn key_id_is_a_stable_non_secret_fingerprint() {
        let k = MasterKey::from_base64(&STANDARD.encode([7u8; 32])).unwrap();
        let id = k.key_id();
        assert_eq!(id.len(), 16);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(id, k.clone().key_id());
        assert_ne!(
            id,
            MasterKey::from_base64(&STANDARD.encode([8u8; 32]))
                .unwrap()
                .key_id()
        );
        // Domain-separated: not simply a prefix of SHA-256(key).
        assert_ne!(
            id,
            hex::encode(&digest::digest(&digest::SHA256, &[7u8; 32]).as_ref()[..8])
        );
        let shown = format!("{k:?}");
        assert!(shown.contains(&id), "{shown}");
        assert!(
            !shown.contains(&*k.to_base64()) && !shown.contains("[7, 7"),
            "{shown}"
        );
    }
}
