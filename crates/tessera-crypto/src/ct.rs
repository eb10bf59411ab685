use subtle::ConstantTimeEq;

/// The one constant-time comparison every secret goes through. Lengths are
/// not secret (digests and tokens have fixed lengths); unequal lengths are
/// simply unequal.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_only_when_same_length_and_bytes() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(ct_eq(b"", b""));
        assert!(!ct_eq(b"abc", b"abd"), "last byte differs");
        assert!(!ct_eq(b"xbc", b"abc"), "first byte differs");
        assert!(!ct_eq(b"abc", b"abcd"), "prefix");
        assert!(!ct_eq(b"abcd", b"abc"));
        assert!(!ct_eq(b"", b"a"));
        assert!(ct_eq(&[0u8; 32], &[0u8; 32]));
        assert!(!ct_eq(&[0u8; 32], &[0u8; 31]));
    }
}
