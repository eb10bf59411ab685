//! Tessera's domain types: ids, tenants, directory objects (users, groups,
//! applications, service principals), roles, permission scopes, grants and the
//! change log. Shaped after Microsoft Graph v1.0 (camelCase JSON). No I/O.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod application;
pub mod auth_method;
pub mod change;
pub mod clock;
pub mod directory_roles;
pub mod graph_permissions;
pub mod group;
pub mod ids;
pub mod signin;
pub mod signing_key;
pub mod tenant;
pub mod user;

pub use application::*;
pub use auth_method::*;
pub use change::*;
pub use clock::*;
pub use group::*;
pub use ids::*;
pub use signin::*;
pub use signing_key::*;
pub use tenant::*;
pub use user::*;
