//! Just enough CBOR (RFC 8949, definite lengths, as CTAP2 encodes it) to
//! find one byte-string value in a map with text keys.
const MAX_DEPTH: u8 = 16;

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: u64) -> Option<&'a [u8]> {
        let n = usize::try_from(n).ok()?;
        let end = self.pos.checked_add(n)?;
        let s = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    /// (major type, argument); indefinite lengths are refused.
    fn head(&mut self) -> Option<(u8, u64)> {
        let b = *self.take(1)?.first()?;
        let (major, info) = (b >> 5, b & 0x1f);
        let arg = match info {
            0..=23 => u64::from(info),
            24..=27 => {
                let n = 1u64 << (info - 24);
                self.take(n)?
                    .iter()
                    .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte))
            }
            _ => return None,
        };
        Some((major, arg))
    }

    fn skip(&mut self, depth: u8) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        let (major, arg) = self.head()?;
        match major {
            0 | 1 | 7 => {}
            2 | 3 => {
                self.take(arg)?;
            }
            4 | 5 => {
                let items = if major == 5 { arg.checked_mul(2)? } else { arg };
                for _ in 0..items {
                    self.skip(depth + 1)?;
                }
            }
            _ => self.skip(depth + 1)?,
        }
        Some(())
    }
}

/// The byte string under text key `key` in the top-level map.
pub(super) fn map_bytes<'a>(buf: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let mut r = Reader { buf, pos: 0 };
    let (major, entries) = r.head()?;
    if major != 5 {
        return None;
    }
    for _ in 0..entries {
        let (km, klen) = r.head()?;
        if km != 3 {
            return None;
        }
        if r.take(klen)? == key {
            let (vm, vlen) = r.head()?;
            return (vm == 2).then(|| r.take(vlen)).flatten();
        }
        r.skip(0)?;
    }
    None
}
