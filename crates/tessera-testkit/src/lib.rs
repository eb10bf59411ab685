//! The test harness every integration test uses: a fresh database on either
//! backend, and an in-process Tessera server on an ephemeral port with a
//! temporary data directory.
//!
//! Backends come from `TESSERA_TEST_BACKENDS` (default `sqlite,postgres`).
//! PostgreSQL tests need `TESSERA_TEST_POSTGRES_URL` (a superuser URL; each
//! test creates its own database): `scripts/test.sh` starts a cluster and sets
//! it. A PostgreSQL test without it fails rather than silently skipping.

pub mod db;
pub mod server;

pub use db::{TestBackend, TestDb};
pub use server::{client, TestServer};

/// Declares a test that runs once per backend: `both_backends!(name)` after
/// an `async fn name(b: TestBackend)`; expands to the tests `name::sqlite` and
/// `name::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::TestBackend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::TestBackend::Postgres).await
            }
        }
    };
}
