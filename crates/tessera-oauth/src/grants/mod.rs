//! One file per grant.
pub mod authorization_code;
pub mod client_credentials;
pub mod refresh_token;
