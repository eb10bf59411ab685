//! The OAuth 2.0 / OpenID Connect endpoints over real sockets.
mod authlib;
mod client_credentials;
mod discovery;
mod endpoint_auth;
pub(crate) mod fixtures;
mod introspect;
pub(crate) mod msal;
pub(crate) mod own_tokens;
pub(crate) mod private_key_jwt;
mod revoke;
mod rotation;
