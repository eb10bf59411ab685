//! Forward-only, versioned migrations (sqlx's migrator), with the rule that a
//! database written by a newer Tessera is refused before anything is changed.
use crate::{SchemaStatus, StoreError, StoreResult};
use sqlx::migrate::{Migrate, MigrateError, Migrator};
use sqlx::{Acquire, Database, Pool};

fn latest(m: &Migrator) -> i64 {
    m.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Applies pending migrations. sqlx validates the applied versions against the
/// known ones before applying any, so an unknown (newer) version stops it with
/// the database untouched.
pub(crate) async fn run<DB>(m: &Migrator, pool: &Pool<DB>) -> StoreResult<()>
where
    DB: Database,
    DB::Connection: Migrate,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    match m.run(pool).await {
        Ok(()) => Ok(()),
        Err(MigrateError::VersionMissing(_)) => {
            let mut conn = pool.acquire().await?;
            let conn = conn.acquire().await?;
            let applied = conn.list_applied_migrations().await?;
            let found = applied.iter().map(|a| a.version).max().unwrap_or(0);
            Err(StoreError::SchemaTooNew {
                found,
                known: latest(m),
            })
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn status<DB>(m: &Migrator, pool: &Pool<DB>) -> StoreResult<SchemaStatus>
where
    DB: Database,
    DB::Connection: Migrate,
{
    let mut conn = pool.acquire().await?;
    let applied = conn.list_applied_migrations().await?;
    Ok(SchemaStatus {
        applied: applied.iter().map(|a| a.version).max().unwrap_or(0),
        expected: latest(m),
    })
}
