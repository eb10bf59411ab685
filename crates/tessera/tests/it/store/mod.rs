//! Store conformance: the same behaviour on every backend.
mod apps;
mod authn;
mod bootstrap;
mod directory;
mod fixtures;
mod odata;
mod replay;
mod schema;
