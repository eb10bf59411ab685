//! The embedded backend: SQLite in WAL mode, one writer connection (SQLite
//! allows one writer at a time; queueing in the pool beats SQLITE_BUSY) and a
//! pool of readers.
use crate::sql::{impl_apps, impl_device, impl_directory, impl_grants, impl_signin};
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

    async fn begin_write(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }
}

impl_directory!(SqliteStore, Sqlite);
impl_apps!(SqliteStore, Sqlite);
impl_grants!(SqliteStore, Sqlite);
impl_signin!(SqliteStore, Sqlite);
impl_device!(SqliteStore, Sqlite);

#[async_trait]
impl OpsStore for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
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
