//! TOTP (RFC 6238) as authenticator apps implement it: HMAC-SHA-1, six
//! digits, 30-second steps, 160-bit secrets. Apps ignore anything else in
//! practice, so these are constants rather than per-user settings.
//!
//! The code computation itself is totp-rs's; this module adds what a server
//! needs around it: a ±1 step window for clock drift, replay protection by
//! step number (the store keeps the last accepted step and updates it
//! atomically with the step [`verify`] returns), the `otpauth://` enrolment
//! URI, and a server-rendered QR code so the secret never goes to a
//! third-party QR service.
use base64::Engine as _;
use qrcode::render::svg;
use qrcode::QrCode;
use rand::{CryptoRng, RngCore};
use time::OffsetDateTime;
use totp_rs::{Algorithm, TOTP};
use url::form_urlencoded;
use zeroize::{Zeroize, Zeroizing};

/// 160 bits: RFC 4226 §4 recommends it, and it is what every app expects.
pub const SECRET_BYTES: usize = 20;
/// Six digits: the only length every authenticator app displays.
pub const DIGITS: usize = 6;
/// The RFC 6238 default step, assumed by apps when `period` is absent.
pub const STEP_SECONDS: u64 = 30;

/// RFC 4226 §4's floor: a stored secret shorter than this is corrupt, and
/// verifying against it would make codes guessable, so it never verifies.
const MIN_SECRET_BYTES: usize = 16;
/// Steps accepted either side of the current one (RFC 6238 §5.2's advice).
const WINDOW: i64 = 1;

#[derive(Debug, thiserror::Error)]
pub enum TotpError {
    /// The data does not fit in a QR code (an absurdly long issuer or UPN).
    #[error("the QR code could not be built: {0}")]
    Qr(#[from] qrcode::types::QrError),
}

/// A fresh secret. Zeroizing, because it is a long-lived credential and
/// stays in memory only until it is encrypted and stored.
pub fn new_secret(rng: &mut (impl RngCore + CryptoRng)) -> Zeroizing<Vec<u8>> {
    let mut s = Zeroizing::new(vec![0u8; SECRET_BYTES]);
    rng.fill_bytes(&mut s);
    s
}

/// The secret in unpadded RFC 4648 base32, for typing into an app by hand
/// when the QR code cannot be scanned.
pub fn base32(secret: &[u8]) -> String {
    Wiped::new(secret, DIGITS).0.get_secret_base32()
}

/// The Key URI (Google Authenticator's "Key Uri Format", which all apps
/// follow). Every parameter is spelled out, defaults included, because some
/// apps mishandle absent ones.
///
/// Issuer and account are percent-encoded (space as `%20`, not form
/// encoding's `+`, which the label path does not decode). A `:` inside the
/// issuer or account becomes `%3A`, so the one literal `:` is always the
/// label's issuer/account separator.
///
/// Hand-assembled rather than totp-rs's `get_url`, which omits the default
/// parameters and needs its `otpauth` feature.
pub fn otpauth_uri(secret: &[u8], issuer: &str, account: &str) -> String {
    let issuer = encode(issuer);
    format!(
        "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        account = encode(account),
        secret = base32(secret),
    )
}

/// RFC 3986 percent-encoding via the url crate's form encoder, whose only
/// departure from it is writing a space as `+` (a literal `+` comes out as
/// `%2B`, so turning every `+` into `%20` afterwards is exact).
fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// The QR code of `data` as an SVG document, rendered on the server so the
/// enrolment secret is never sent to a QR service or built by page script.
/// At least 200 px square with the quiet zone scanners need.
pub fn qr_svg(data: &str) -> Result<String, TotpError> {
    let code = QrCode::new(data.as_bytes())?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

/// [`qr_svg`] as a `data:` URI, for an `<img>` under a CSP that allows
/// `img-src data:` but not inline SVG from elsewhere.
pub fn qr_data_uri(data: &str) -> Result<String, TotpError> {
    let svg = qr_svg(data)?;
    Ok(format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg.as_bytes())
    ))
}

/// Checks `code` against the steps around `now` and returns the matched
/// step, but only if it is later than `last_used_step`: a code is good for
/// one sign-in, even within its 30 seconds, so an observed code cannot be
/// replayed. The caller stores the returned step with a conditional update
/// (`WHERE last_used_step < step`) so two concurrent uses cannot both win.
///
/// Accepts exactly six ASCII digits, ignoring surrounding whitespace and one
/// inner space (apps display "123 456").
pub fn verify(secret: &[u8], code: &str, now: OffsetDateTime, last_used_step: i64) -> Option<i64> {
    if secret.len() < MIN_SECRET_BYTES {
        return None;
    }
    let code = normalize_code(code)?;
    let current = now.unix_timestamp().div_euclid(STEP_SECONDS as i64);
    // Highest step first, so the answer is deterministic if several match.
    (current - WINDOW..=current + WINDOW)
        .rev()
        .filter(|step| *step > last_used_step)
        .find(|step| {
            u64::try_from(*step).is_ok_and(|s| {
                let expected = code_at(secret, s, DIGITS);
                tessera_crypto::ct_eq(expected.as_bytes(), code.as_bytes())
            })
        })
}

/// The code's six digits, or None if it is anything but six ASCII digits
/// with at most one space among them.
fn normalize_code(code: &str) -> Option<Zeroizing<String>> {
    let code = code.trim();
    if code.chars().filter(|c| *c == ' ').count() > 1 {
        return None;
    }
    let digits: Zeroizing<String> = Zeroizing::new(code.chars().filter(|c| *c != ' ').collect());
    (digits.len() == DIGITS && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// The code for one step, computed by totp-rs. `digits` is a parameter so
/// the RFC 6238 Appendix B vectors (eight digits) can be checked.
fn code_at(secret: &[u8], step: u64, digits: usize) -> Zeroizing<String> {
    // A step beyond u64 seconds cannot come from a real clock; its code
    // (for step 0) will simply not match anything issued since.
    let time = step.checked_mul(STEP_SECONDS).unwrap_or(0);
    Zeroizing::new(Wiped::new(secret, digits).0.generate(time))
}

/// totp-rs's TOTP holding a copy of the secret, wiped when dropped (without
/// totp-rs's `zeroize` feature the copy would otherwise linger on the heap).
struct Wiped(TOTP);

impl Wiped {
    fn new(secret: &[u8], digits: usize) -> Self {
        // new_unchecked: the length checks are ours (MIN_SECRET_BYTES), and
        // the RFC's test secret and 8-digit vectors must pass through.
        Wiped(TOTP::new_unchecked(
            Algorithm::SHA1,
            digits,
            0,
            STEP_SECONDS,
            secret.to_vec(),
        ))
    }
}

impl Drop for Wiped {
    fn drop(&mut self) {
        self.0.secret.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::StdRng, SeedableRng};

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    fn at(unix: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(unix).unwrap()
    }

    fn code_for_step(secret: &[u8], step: i64) -> String {
        code_at(secret, u64::try_from(step).unwrap(), DIGITS).to_string()
    }

    #[test]
    fn rfc6238_appendix_b_sha1_vectors() {
        for (time, expected) in [
            (59u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            let code = code_at(RFC_SECRET, time / STEP_SECONDS, 8);
            assert_eq!(code.as_str(), expected, "T = {time}");
        }
        // The six-digit code is the low six digits of the same value.
        assert_eq!(code_at(RFC_SECRET, 1, 6).as_str(), "287082");
    }

    #[test]
    fn window_is_one_step_either_side() {
        let now = at(1_700_000_015);
        let step = 1_700_000_015 / 30;
        for d in [-1, 0, 1] {
            let code = code_for_step(RFC_SECRET, step + d);
            assert_eq!(verify(RFC_SECRET, &code, now, 0), Some(step + d), "d = {d}");
        }
        for d in [-2, 2, 3] {
            let code = code_for_step(RFC_SECRET, step + d);
            assert_eq!(verify(RFC_SECRET, &code, now, 0), None, "d = {d}");
        }
    }

    #[test]
    fn a_used_step_is_never_accepted_again() {
        let now = at(1_700_000_015);
        let step = 1_700_000_015 / 30;
        let code = code_for_step(RFC_SECRET, step);
        let used = verify(RFC_SECRET, &code, now, 0).unwrap();
        assert_eq!(verify(RFC_SECRET, &code, now, used), None, "replay");
        // Nor an earlier step once a later one has been used.
        let earlier = code_for_step(RFC_SECRET, step - 1);
        assert_eq!(verify(RFC_SECRET, &earlier, now, step), None);
        // The next step's code is still fine.
        let next = code_for_step(RFC_SECRET, step + 1);
        assert_eq!(verify(RFC_SECRET, &next, now, step), Some(step + 1));
    }

    #[test]
    fn code_format_is_strict() {
        let now = at(1_700_000_015);
        let code = code_for_step(RFC_SECRET, 1_700_000_015 / 30);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        let padded = format!("  {code}\n");
        assert!(verify(RFC_SECRET, &spaced, now, 0).is_some());
        assert!(verify(RFC_SECRET, &padded, now, 0).is_some());
        let rejects = [
            String::new(),
            code[..5].to_string(),
            format!("{code}0"),
            format!("{} {} ", &code[..2], &code[2..4]) + &code[4..],
            format!("{}a", &code[..5]),
            format!("{}-{}", &code[..3], &code[3..]),
            format!("{code}\u{0660}"),
            "١٢٣٤٥٦".to_string(), // Arabic-Indic digits are not ASCII digits
        ];
        for bad in rejects {
            assert_eq!(verify(RFC_SECRET, &bad, now, 0), None, "{bad:?}");
        }
    }

    #[test]
    fn short_secrets_and_pre_epoch_clocks_never_verify() {
        let short = &RFC_SECRET[..10];
        let code = code_for_step(short, 1_700_000_015 / 30);
        assert_eq!(verify(short, &code, at(1_700_000_015), 0), None);
        assert_eq!(verify(RFC_SECRET, "000000", at(-1_000), i64::MIN), None);
    }

    #[test]
    fn secrets_are_random_and_sized() {
        let mut rng = StdRng::seed_from_u64(7);
        let a = new_secret(&mut rng);
        let b = new_secret(&mut rng);
        assert_eq!(a.len(), SECRET_BYTES);
        assert_ne!(*a, *b);
        assert_eq!(base32(&a).len(), 32, "160 bits is 32 base32 characters");
    }

    #[test]
    fn base32_is_rfc4648_unpadded() {
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(base32(RFC_SECRET), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    }

    #[test]
    fn otpauth_uri_format_and_encoding() {
        let uri = otpauth_uri(RFC_SECRET, "Tessera", "alice@contoso.com");
        assert_eq!(
            uri,
            "otpauth://totp/Tessera:alice%40contoso.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &issuer=Tessera&algorithm=SHA1&digits=6&period=30"
        );
        let uri = otpauth_uri(RFC_SECRET, "Contoso: HR+IT", "bob@x");
        assert!(uri.starts_with("otpauth://totp/Contoso%3A%20HR%2BIT:bob%40x?"));
        assert!(uri.contains("&issuer=Contoso%3A%20HR%2BIT&"));
        assert_eq!(
            uri.matches(':').count(),
            2,
            "scheme and label separator only"
        );
        assert!(!uri.contains(' '));
    }

    #[test]
    fn qr_is_an_svg_data_uri() {
        let uri = otpauth_uri(RFC_SECRET, "Tessera", "alice@contoso.com");
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.contains("<svg") && svg.ends_with("</svg>"));
        let width: u32 = svg
            .split("width=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
            .unwrap();
        assert!(width >= 200, "width {width}");
        let data = qr_data_uri(&uri).unwrap();
        let b64 = data.strip_prefix("data:image/svg+xml;base64,").unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        assert_eq!(String::from_utf8(decoded).unwrap(), svg);
        assert!(matches!(qr_svg(&"x".repeat(8000)), Err(TotpError::Qr(_))));
    }
}
