//! Tessera's HTTP edge: configuration, start-up (data directory, master key,
//! database, bootstrap), the router and its middleware, and shutdown. Handlers
//! are thin; protocol rules live in the engine crates.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod admin;
pub mod app;
pub mod authn_policy;
pub mod bootstrap;
pub mod cache;
pub mod clock;
pub mod config;
pub mod conn;
pub mod cors;
pub mod datadir;
pub mod dns;
pub mod error;
pub mod graph;
pub mod keys;
pub mod load;
pub mod maintenance;
pub mod oauth;
pub mod rotation;
pub mod run;
pub mod server;
pub mod signin;
pub mod state;
pub mod telemetry;
pub mod tenant;
pub mod tls;
pub mod userinfo;

pub use config::{Config, LogFormat};
pub use load::ConfigError;
pub use server::{start, RunningServer};
