//! Persistence for Tessera: one [`Store`] trait, one implementation per
//! backend (embedded SQLite, PostgreSQL), versioned forward-only migrations and
//! the change log.
//!
//! Every tenant-owned method takes the [`TenantId`] as its first argument and
//! every query filters by it: there is no method that can forget the tenant.
//! Every directory write appends to the change log in the same transaction.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod authn;
mod error;
mod identifier_uri;
mod migrate;
mod postgres;
mod query;
mod replay;
mod sql;
mod sqlite;
mod tenants;
mod traits;

pub use authn::{AuthMethodStore, PasswordState};
pub use error::{StoreError, StoreResult};
pub use identifier_uri::{identifier_uri_key, IDENTIFIER_URI_TAKEN};
pub use postgres::PgStore;
pub use query::*;
pub use replay::AssertionReplayStore;
pub use sqlite::SqliteStore;
pub use tenants::{DefaultTenant, TenantDeletion, TenantLifecycleStore, TENANT_TABLES};
pub use traits::*;

use std::sync::Arc;
use std::time::Duration;

/// Which database a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// How to open a store.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    /// `sqlite://PATH` (created if missing) or `postgres://…`.
    pub url: String,
    /// Upper bound on pooled connections (PostgreSQL; SQLite readers).
    pub max_connections: u32,
    /// How long a request waits for a connection before the store reports
    /// [`StoreError::Unavailable`] (which the edge answers with 503).
    pub acquire_timeout: Duration,
}

impl ConnectOptions {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 16,
            acquire_timeout: Duration::from_secs(3),
        }
    }
}

/// Opens the store named by `opts.url` and brings its schema up to date.
///
/// Fails with [`StoreError::SchemaTooNew`] — before changing anything — when the
/// database was written by a newer Tessera, and with [`StoreError::Unavailable`]
/// when the database cannot be reached (callers retry with backoff).
pub async fn open(opts: &ConnectOptions) -> StoreResult<Arc<dyn Store>> {
    let url = opts.url.as_str();
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(opts).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::open(opts).await?))
    } else {
        Err(StoreError::InvalidInput(
            "database URL must start with sqlite:// or postgres://".into(),
        ))
    }
}
