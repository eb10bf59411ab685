//! HMAC-SHA256 for values the server derives and later checks itself: CSRF
//! tokens bound to a browser cookie, pairwise subject identifiers, and keys
//! derived from the master key for one purpose each.
use aws_lc_rs::hmac;
use zeroize::Zeroizing;

/// HMAC-SHA256 of `parts`, each length-prefixed so no two part lists collide.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let k = hmac::Key::new(hmac::HMAC_SHA256, key);
    let mut ctx = hmac::Context::with_key(&k);
    for p in parts {
        ctx.update(&(p.len() as u64).to_be_bytes());
        ctx.update(p);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.sign().as_ref());
    out
}

/// A 256-bit key for one purpose, derived from `root` (the master key).
pub fn derive_key(root: &[u8], purpose: &str) -> Zeroizing<[u8; 32]> {
    Zeroizing::new(hmac_sha256(
        root,
        &[b"tessera derived key", purpose.as_bytes()],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_framed_and_purposes_separate() {
        assert_ne!(
            hmac_sha256(b"k", &[b"ab", b"c"]),
            hmac_sha256(b"k", &[b"a", b"bc"])
        );
        assert_ne!(hmac_sha256(b"k", &[b"x"]), hmac_sha256(b"j", &[b"x"]));
        assert_eq!(hmac_sha256(b"k", &[b"x"]), hmac_sha256(b"k", &[b"x"]));
        assert_ne!(*derive_key(b"root", "csrf"), *derive_key(b"root", "sub"));
    }
}
