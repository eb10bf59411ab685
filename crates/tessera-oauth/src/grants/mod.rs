//! One file per grant.
pub mod authorization_code;
pub mod client_credentials;
mod common;
pub mod device_code;
pub mod on_behalf_of;
pub mod refresh_token;
