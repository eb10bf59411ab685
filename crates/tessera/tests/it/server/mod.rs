//! The server over real sockets, on both backends.
mod bootstrap;
mod connections;
mod ops;
mod pg_restart;
mod tls;
