//! The scale-out backend: PostgreSQL, shared by any number of stateless nodes.
use crate::sql::{
    impl_admin, impl_apps, impl_authn, impl_device, impl_directory, impl_grants, impl_listing,
    impl_replay, impl_signin, impl_tenants,
};
use crate::{Backend, ConnectOptions, OpsStore, SchemaStatus, StoreError, StoreResult};
use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Pool, Postgres, Transaction};
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

pub struct PgStore {
    pool: Pool<Postgres>,
}

impl PgStore {
    pub async fn open(opts: &ConnectOptions) -> StoreResult<Self> {
        let connect = PgConnectOptions::from_str(&opts.url)
            .map_err(|e| {
                StoreError::InvalidInput(format!("bad PostgreSQL URL: {}", redact(&e.to_string())))
            })?
            .application_name("tessera");
        let pool = PgPoolOptions::new()
            .max_connections(opts.max_connections.max(2))
            .acquire_timeout(opts.acquire_timeout)
            // A connection that died with a server restart is found and
            // replaced before it is handed out.
            .test_before_acquire(true)
            .idle_timeout(Duration::from_secs(300))
            .connect_with(connect)
            .await?;
        crate::migrate::run(&MIGRATOR, &pool).await?;
        Ok(Self { pool })
    }

    fn read(&self) -> &Pool<Postgres> {
        &self.pool
    }

    async fn begin_write(&self) -> StoreResult<Transaction<'static, Postgres>> {
        Ok(self.pool.begin().await?)
    }

    /// A write of short-lived sign-in state that a server crash may undo
    /// (`synchronous_commit = off` for this transaction only: the commit
    /// returns before the WAL is flushed; still atomic and consistent). See
    /// docs/design/storage.md.
    async fn begin_ephemeral_write(&self) -> StoreResult<Transaction<'static, Postgres>> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET LOCAL synchronous_commit TO OFF")
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }
}

/// Connection-string errors may echo the URL: never let a password through.
fn redact(s: &str) -> String {
    if s.contains('@') {
        "the URL could not be parsed (details withheld: it may contain a password)".into()
    } else {
        s.to_string()
    }
}

impl_directory!(PgStore, Postgres);
impl_listing!(PgStore, Postgres);
impl_admin!(PgStore, Postgres);
impl_authn!(PgStore, Postgres);
impl_apps!(PgStore, Postgres);
impl_grants!(PgStore, Postgres);
impl_signin!(PgStore, Postgres);
impl_device!(PgStore, Postgres);
impl_replay!(PgStore, Postgres);
impl_tenants!(PgStore, Postgres);

#[async_trait]
impl OpsStore for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    /// PostgreSQL's autovacuum keeps statistics current.
    async fn refresh_statistics(&self) -> StoreResult<()> {
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
            let level: String = sqlx::query_scalar("SHOW synchronous_commit")
                .fetch_one(&mut *tx)
                .await?;
            tx.rollback().await?;
            out.push(level);
        }
        Ok((out.remove(0), out.remove(0)))
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn schema_status(&self) -> StoreResult<SchemaStatus> {
        crate::migrate::status(&MIGRATOR, &self.pool).await
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
