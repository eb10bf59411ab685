//! The server over real sockets, on both backends.
mod bootstrap;
mod ops;
mod pg_restart;
mod tls;
