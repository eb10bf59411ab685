//! The embedded backend: SQLite in WAL mode, one writer connection (SQLite
//! allows one writer at a time; queueing in the pool beats SQLITE_BUSY) and a
//! pool of readers.
use crate::sql::{
    impl_admin, impl_apps, impl_authn, impl_device, impl_directory, impl_grants, impl_listing,
    impl_signin,
};
use crate::{Backend, ConnectOptions, OpsStore, SchemaStatus, StoreError, StoreResult};
use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Pool, Sqlite, Transaction};
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

pub struct SqliteStore {
    reader: Pool<Sqlite>,
    writer: Pool<Sqlite>,
}

impl SqliteStore {
    pub async fn open(opts: &ConnectOptions) -> StoreResult<Self> {
        let base = SqliteConnectOptions::from_str(&opts.url)
            .map_err(|e| StoreError::InvalidInput(format!("bad SQLite URL: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a commit is on disk before it is acknowledged, so a 2xx
            // survives power loss, not only a process crash.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(opts.acquire_timeout)
            .connect_with(base.clone())
            .await?;
        crate::migrate::run(&MIGRATOR, &writer).await?;
        // Table statistics for the query planner (bounded work: at most a
        // few thousand rows per index). Without them SQLite takes every
        // index's leading `tenant_id` as selective and can pick a scan of
        // all memberships for `transitiveMemberOf` (seconds at a million
        // users; see bench/README.md). Before the readers open, so they
        // load the statistics.
        sqlx::query("PRAGMA optimize = 0x10002")
            .execute(&writer)
            .await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(opts.max_connections.clamp(1, 64))
            .acquire_timeout(opts.acquire_timeout)
            .connect_with(base.read_only(true))
            .await?;
        Ok(Self { reader, writer })
    }

    fn read(&self) -> &Pool<Sqlite> {
        &self.reader
    }

    /// A durable write: on disk before the commit returns (`synchronous =
    /// FULL`, set per transaction because the writer connection also runs
    /// [`Self::begin_ephemeral_write`]'s).
    async fn begin_write(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        Ok(self
            .writer
            .begin_with("PRAGMA synchronous = FULL; BEGIN IMMEDIATE")
            .await?)
    }

    /// A write of short-lived sign-in state (codes, sessions, refresh-token
    /// rotations, …) that a power loss may undo (`synchronous = NORMAL` in
    /// WAL mode: atomic and consistent, durable at the next checkpoint or
    /// durable commit; a process crash loses nothing). See
    /// docs/design/storage.md.
    async fn begin_ephemeral_write(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        Ok(self
            .writer
            .begin_with("PRAGMA synchronous = NORMAL; BEGIN IMMEDIATE")
            .await?)
    }
}

impl_directory!(SqliteStore, Sqlite);
impl_listing!(SqliteStore, Sqlite);
impl_admin!(SqliteStore, Sqlite);
impl_authn!(SqliteStore, Sqlite);
impl_apps!(SqliteStore, Sqlite);
impl_grants!(SqliteStore, Sqlite);
impl_signin!(SqliteStore, Sqlite);
impl_device!(SqliteStore, Sqlite);

#[async_trait]
impl OpsStore for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn refresh_statistics(&self) -> StoreResult<()> {
        sqlx::query("PRAGMA optimize").execute(&self.writer).await?;
        Ok(())
    }

    async fn write_durability(&self) -> StoreResult<(String, String)> {
        let mut out = vec![];
        for durable in [true, false] {
            let mut tx = if durable {
                self.begin_write().await?
            } else {
                self.begin_ephemeral_write().await?
            };
            let level: i64 = sqlx::query_scalar("PRAGMA synchronous")
                .fetch_one(&mut *tx)
                .await?;
            tx.rollback().await?;
            out.push(match level {
                0 => "OFF",
                1 => "NORMAL",
                2 => "FULL",
                _ => "EXTRA",
            });
        }
        Ok((out[0].into(), out[1].into()))
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    async fn schema_status(&self) -> StoreResult<SchemaStatus> {
        crate::migrate::status(&MIGRATOR, &self.reader).await
    }

    async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }
}
