//! Tessera's integration tests: one test binary (fast to link, one place to
//! look). Every storage and server test runs on SQLite and on PostgreSQL.
mod cli;
mod graph;
mod oauth;
mod server;
mod signin;
mod store;
mod tenants;
