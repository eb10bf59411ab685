//! Authentication methods, as decisions without I/O: the tenant's password
//! policy, TOTP (RFC 6238), WebAuthn passkeys (over webauthn-rs), Temporary
//! Access Passes, and authentication strengths (which combinations of methods
//! satisfy "MFA", "Passwordless MFA", "Phishing-resistant MFA"; the `amr` and
//! `acr` they put in tokens). Time and randomness are parameters.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod password_policy;
pub mod strength;
pub mod tap;
pub mod totp;
pub mod webauthn;
