//! Tessera's cryptography, thin over aws-lc-rs, argon2 and rcgen: client
//! secrets, password hashing, encryption at rest under the master key, token
//! signing keys and development certificates. Time and randomness come in as
//! parameters (except where aws-lc-rs generates keys itself, noted there).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod ct;
mod dev_cert;
mod error;
mod jwt;
mod mac;
mod master_key;
mod password;
mod secret;
mod signing;

pub use ct::ct_eq;
pub use dev_cert::*;
pub use error::CryptoError;
pub use jwt::sign_jwt;
pub use mac::{derive_key, hmac_sha256};
pub use master_key::MasterKey;
pub use password::*;
pub use secret::*;
pub use signing::*;
