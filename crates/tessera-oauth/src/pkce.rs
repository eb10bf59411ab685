//! RFC 7636 proof key checks (S256 only).
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// Whether `verifier` is well formed (43–128 unreserved characters) and
/// hashes to `challenge`. Compared in constant time.
pub fn verify_s256(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    if !well_formed {
        return false;
    }
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    tessera_crypto::ct_eq(URL_SAFE_NO_PAD.encode(d).as_bytes(), challenge.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b() {
        let v = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let c = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(verify_s256(v, c));
        assert!(!verify_s256(&format!("{v}x"), c));
        assert!(!verify_s256(c, c));
        assert!(!verify_s256("short", c));
        assert!(!verify_s256(&"a".repeat(129), c));
        assert!(!verify_s256(&format!("{}\u{e9}", &v[..42]), c));
    }
}
