//! User sign-in over real sockets: the authorization code flow, its pages,
//! refresh tokens, and the attacks the sign-in issue lists.
mod access;
mod algs;
mod attacks;
mod browser;
mod claims;
mod clients;
mod device;
pub(crate) mod fixtures;
pub(crate) mod flow;
mod logout;
mod mfa;
mod multitenant;
mod obo;
mod par;
mod passkeys;
mod purge;
mod revocation;
mod spa;
mod strong;
