//! The embedded backend: SQLite in WAL mode, one writer connection (SQLite
//! allows one writer at a time; queueing in the pool beats SQLITE_BUSY) and a
//! pool of readers. A database file Tessera creates is private (0600, and
//! so are its `-wal` and `-shm` files, which SQLite gives the database
//! file's mode), wherever it is: the URL may point outside the data directory.
use crate::sql::{
    impl_admin, impl_apps, impl_authn, impl_device, impl_directory, impl_grants, impl_listing,
    impl_replay, impl_signin, impl_tenants,
};
use crate::{Backend, ConnectOptions, OpsStore, SchemaStatus, StoreError, StoreResult};
use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Pool, Sqlite, Transaction};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;
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
            .map_err(|e| StoreError::InvalidInput(format!("bad SQLite URL: {e}")))?;
        if !in_memory(&opts.url) {
            create_private(base.get_filename()).map_err(|e| {
                StoreError::InvalidInput(format!(
                    "cannot create the SQLite database {}: {e}",
                    base.get_filename().display()
                ))
            })?;
        }
        let base = base
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

/// Whether a `sqlite:` URL names an in-memory database (no file at all).
fn in_memory(url: &str) -> bool {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let (db, query) = rest.split_once('?').unwrap_or((rest, ""));
    db == ":memory:" || db.is_empty() || query.split('&').any(|p| p == "mode=memory")
}

/// Creates the database file empty with mode 0600 (and its missing parent
/// directories with 0700) unless it exists, so that neither it nor the
/// `-wal`/`-shm` files SQLite later creates beside it with the same mode get
/// the process umask's mode. SQLite itself would create it 0644 & !umask.
/// An existing file is left as it is. `create_new` makes this safe against a
/// concurrent creator.
fn create_private(path: &Path) -> std::io::Result<()> {
    if path.exists() {
        return Ok(());
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)?;
        }
    }
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
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
impl_replay!(SqliteStore, Sqlite);
impl_tenants!(SqliteStore, Sqlite);

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

#[cfg(test)]
mod tests {
    use super::in_memory;

    #[test]
    fn in_memory_urls_are_recognised() {
        for url in [
            "sqlite::memory:",
            "sqlite://:memory:",
            "sqlite://?mode=memory",
            "sqlite://x.db?mode=memory&cache=shared",
        ] {
            assert!(in_memory(url), "{url}");
        }
        for url in [
            "sqlite:///var/lib/t.db",
            "sqlite://./t.db?mode=rwc",
            "sqlite:t.db",
        ] {
            assert!(!in_memory(url), "{url}");
        }
    }
}
