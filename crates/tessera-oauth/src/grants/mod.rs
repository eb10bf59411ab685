//! One file per grant.
pub mod client_credentials;
