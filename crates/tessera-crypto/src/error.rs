use thiserror::Error;

/// Errors of the crypto crate. Messages never contain key material or secrets.
#[derive(Debug, Error)]
pub enum CryptoError {
    #[error("master key must be 32 bytes encoded in base64")]
    BadMasterKey,
    #[error("cannot decrypt: wrong key, wrong context, or damaged data")]
    Decrypt,
    #[error("malformed password hash")]
    BadPasswordHash,
    #[error("invalid parameters: {0}")]
    Params(String),
    #[error("key error: {0}")]
    Key(String),
    #[error("signing failed")]
    Sign,
    #[error("certificate generation failed: {0}")]
    Certificate(String),
}
