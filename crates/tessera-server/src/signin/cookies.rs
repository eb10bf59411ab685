//! The sign-in cookies. The session cookie holds `{tenant}.{session id}.{secret}`
//! (only the secret's digest is stored, compared in constant time); the CSRF
//! cookie holds a random value that form tokens are HMAC-bound to (the
//! signed double-submit pattern). Over HTTPS both use the `__Host-` prefix
//! (Secure, Path=/, no Domain: no subdomain can set or read them); both are
//! HttpOnly and SameSite=Lax.
//!
//! Cookie headers are parsed here by hand: the format needed is a dozen lines,
//! and the cookie crates would bring a parser for attributes we never read.
use axum::http::{header, HeaderMap, HeaderValue};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use tessera_model::{ObjectId, TenantId};

pub struct Names {
    pub session: &'static str,
    pub csrf: &'static str,
    secure: bool,
}

pub fn names(tls: bool) -> Names {
    if tls {
        Names {
            session: "__Host-tessera_session",
            csrf: "__Host-tessera_csrf",
            secure: true,
        }
    } else {
        Names {
            session: "tessera_session",
            csrf: "tessera_csrf",
            secure: false,
        }
    }
}

/// The value of cookie `name`, if the request carries exactly one.
pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let mut found = None;
    for v in headers.get_all(header::COOKIE) {
        let Ok(text) = v.to_str() else { continue };
        for pair in text.split(';') {
            if let Some((k, v)) = pair.trim().split_once('=') {
                if k == name {
                    if found.is_some() {
                        return None; // ambiguous: refuse rather than guess
                    }
                    found = Some(v);
                }
            }
        }
    }
    found.filter(|v| !v.is_empty() && v.len() <= 256)
}

fn set(n: &Names, name: &str, value: &str, max_age: Option<i64>) -> Option<HeaderValue> {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if n.secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&c).ok()
}

/// `Set-Cookie` for a new session (a browser-session cookie: it ends with
/// the browser, or when the server-side session expires).
pub fn set_session(n: &Names, tenant: TenantId, id: ObjectId, secret: &str) -> Option<HeaderValue> {
    set(
        n,
        n.session,
        &format!("{}.{}.{secret}", tenant.0.simple(), id.0.simple()),
        None,
    )
}

pub fn clear_session(n: &Names) -> Option<HeaderValue> {
    set(n, n.session, "x", Some(0))
}

pub fn set_csrf(n: &Names, value: &str) -> Option<HeaderValue> {
    set(n, n.csrf, value, None)
}

/// The parts of a session cookie.
pub fn parse_session(value: &str) -> Option<(TenantId, ObjectId, &str)> {
    let mut it = value.splitn(3, '.');
    let t = it.next()?.parse().ok()?;
    let s = it.next()?.parse().ok()?;
    let secret = it.next()?;
    (secret.len() == 43).then_some((TenantId(t), ObjectId(s), secret))
}

/// The form token for a CSRF cookie value.
pub fn csrf_token(key: &[u8], cookie: &str) -> String {
    URL_SAFE_NO_PAD.encode(tessera_crypto::hmac_sha256(
        key,
        &[b"csrf", cookie.as_bytes()],
    ))
}

/// Whether `token` was made for this browser's CSRF cookie.
pub fn csrf_ok(key: &[u8], cookie: Option<&str>, token: Option<&str>) -> bool {
    match (cookie, token) {
        (Some(c), Some(t)) => tessera_crypto::ct_eq(csrf_token(key, c).as_bytes(), t.as_bytes()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_parse_strictly() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; tessera_csrf=abc; b=2"),
        );
        assert_eq!(get(&h, "tessera_csrf"), Some("abc"));
        assert_eq!(get(&h, "nope"), None);
        h.append(
            header::COOKIE,
            HeaderValue::from_static("tessera_csrf=evil"),
        );
        assert_eq!(get(&h, "tessera_csrf"), None, "two values are refused");
        let secret = "x".repeat(43);
        let v = format!(
            "{}.{}.{secret}",
            uuid::Uuid::nil().simple(),
            uuid::Uuid::max().simple()
        );
        let (t, s, sec) = parse_session(&v).unwrap();
        assert_eq!(
            (t.0, s.0, sec),
            (uuid::Uuid::nil(), uuid::Uuid::max(), secret.as_str())
        );
        assert!(parse_session("a.b.c").is_none());
        assert!(parse_session(&format!(
            "{}.{}.short",
            uuid::Uuid::nil().simple(),
            uuid::Uuid::nil().simple()
        ))
        .is_none());
    }

    #[test]
    fn csrf_tokens_are_bound_to_the_cookie_and_key() {
        let t = csrf_token(b"k", "cookie");
        assert!(csrf_ok(b"k", Some("cookie"), Some(&t)));
        assert!(!csrf_ok(b"k", Some("other"), Some(&t)));
        assert!(!csrf_ok(b"j", Some("cookie"), Some(&t)));
        assert!(!csrf_ok(b"k", None, Some(&t)));
        assert!(!csrf_ok(b"k", Some("cookie"), None));
        assert!(!csrf_ok(b"k", Some("cookie"), Some("")));
    }

    #[test]
    fn cookie_attributes() {
        let n = names(true);
        let v = set_csrf(&n, "v").unwrap();
        let s = v.to_str().unwrap();
        assert!(
            s.starts_with("__Host-tessera_csrf=v; Path=/; HttpOnly; SameSite=Lax; Secure"),
            "{s}"
        );
        assert!(!s.contains("Domain"));
        let plain = set_csrf(&names(false), "v").unwrap();
        assert!(!plain.to_str().unwrap().contains("Secure"));
    }
}
