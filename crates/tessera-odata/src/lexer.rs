//! Tokens of a `$filter`.
use crate::Error;

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    /// An identifier or keyword (`displayName`, `eq`, `and`, `true`, …).
    Ident(String),
    /// A quoted string, `''` unescaped to `'`.
    Str(String),
    /// Digits, GUIDs and date-times: anything that starts with a digit or `-`.
    Word(String),
    LParen,
    RParen,
    Comma,
    Slash,
    Colon,
}

/// Tokens with their byte offsets.
pub(crate) fn lex(input: &str) -> Result<Vec<(usize, Tok)>, Error> {
    let b = input.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'(' => {
                out.push((start, Tok::LParen));
                i += 1;
            }
            b')' => {
                out.push((start, Tok::RParen));
                i += 1;
            }
            b',' => {
                out.push((start, Tok::Comma));
                i += 1;
            }
            b'/' => {
                out.push((start, Tok::Slash));
                i += 1;
            }
            b':' => {
                out.push((start, Tok::Colon));
                i += 1;
            }
            b'\'' => {
                i += 1;
                let mut s = String::new();
                loop {
                    let Some(rest) = input.get(i..) else {
                        return Err(err(start, "unterminated string"));
                    };
                    let Some(q) = rest.find('\'') else {
                        return Err(err(start, "unterminated string"));
                    };
                    s.push_str(&rest[..q]);
                    i += q + 1;
                    if b.get(i) == Some(&b'\'') {
                        s.push('\'');
                        i += 1;
                    } else {
                        break;
                    }
                }
                // PostgreSQL text cannot hold NUL: refused on every backend.
                if s.contains('\0') {
                    return Err(err(start, "a string cannot contain a NUL character"));
                }
                out.push((start, Tok::Str(s)));
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                i += 1;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.')
                {
                    i += 1;
                }
                // Guids may start with a letter: `a1b2c3d4-…` lexes as one word.
                if i < b.len() && b[i] == b'-' && looks_like_guid(&input[start..]) {
                    i = start + 36;
                    out.push((start, Tok::Word(input[start..i].to_string())));
                    continue;
                }
                out.push((start, Tok::Ident(input[start..i].to_string())));
            }
            c if c.is_ascii_digit() || c == b'-' => {
                i += 1;
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'-' | b':' | b'.' | b'+'))
                {
                    // A colon ends a word unless it is inside a time (`T12:30`).
                    if b[i] == b':' && !input[start..i].contains('T') {
                        break;
                    }
                    i += 1;
                }
                out.push((start, Tok::Word(input[start..i].to_string())));
            }
            _ => return Err(err(start, "unexpected character")),
        }
    }
    Ok(out)
}

fn looks_like_guid(s: &str) -> bool {
    let Some(g) = s.get(..36) else { return false };
    g.char_indices().all(|(i, c)| match i {
        8 | 13 | 18 | 23 => c == '-',
        _ => c.is_ascii_hexdigit(),
    })
}

pub(crate) fn err(at: usize, m: &str) -> Error {
    Error {
        at,
        message: m.to_string(),
    }
}
