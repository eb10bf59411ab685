use thiserror::Error;

pub type StoreResult<T> = Result<T, StoreError>;

/// What can go wrong in the store. The edge maps these to each surface's wire
/// format; none of the messages carries a secret or a query parameter value.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database cannot be reached right now (down, restarting, pool
    /// exhausted). Transient: answer 503 and retry later.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken (duplicate userPrincipalName, appId, …).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A reference is invalid: unknown object, or a membership loop.
    #[error("invalid reference: {0}")]
    InvalidReference(String),
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The write would leave the tenant without an enabled Global
    /// Administrator (deleting, disabling or demoting the last one); it
    /// was rolled back.
    #[error(
        "the tenant's last enabled Global Administrator cannot be deleted, disabled or demoted"
    )]
    LastGlobalAdministrator,
    /// The database was written by a newer Tessera; nothing was changed.
    #[error(
        "the database schema is at version {found}, newer than this binary's {known}: \
         refusing to start (upgrade Tessera, or restore a backup)"
    )]
    SchemaTooNew { found: i64, known: i64 },
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Internal(String),
}

impl StoreError {
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        use sqlx::Error as E;
        match &e {
            E::RowNotFound => Self::NotFound,
            E::PoolTimedOut | E::PoolClosed | E::Io(_) | E::Tls(_) | E::WorkerCrashed => {
                Self::Unavailable(e.to_string())
            }
            E::Database(db) => {
                if db.is_unique_violation() {
                    Self::Conflict(constraint_name(db.as_ref()))
                } else if db.is_foreign_key_violation() {
                    Self::InvalidReference(constraint_name(db.as_ref()))
                } else if is_connection_loss(db.code().as_deref()) {
                    Self::Unavailable(db.message().to_string())
                } else if db.code().is_some_and(|c| c.starts_with("22")) {
                    // Class 22, data exception: a value the database cannot
                    // hold (a NUL character, a number out of range) — the
                    // caller's input, not a server fault.
                    Self::InvalidInput("A value in the request cannot be stored.".into())
                } else {
                    Self::Internal(db.message().to_string())
                }
            }
            E::Protocol(_) => Self::Unavailable(e.to_string()),
            E::ColumnDecode { .. } | E::Decode(_) => Self::Corrupt(e.to_string()),
            _ => Self::Internal(e.to_string()),
        }
    }
}

fn constraint_name(db: &dyn sqlx::error::DatabaseError) -> String {
    db.constraint()
        .map(str::to_string)
        .unwrap_or_else(|| db.message().to_string())
}

/// PostgreSQL SQLSTATEs that mean "the server went away or is starting":
/// class 08 (connection exception), 57P01-57P03 (admin shutdown, crash
/// shutdown, cannot connect now). SQLite 5/6 (BUSY/LOCKED) are transient too.
fn is_connection_loss(code: Option<&str>) -> bool {
    match code {
        Some(c) => c.starts_with("08") || c.starts_with("57P") || c == "5" || c == "6",
        None => false,
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        match e {
            sqlx::migrate::MigrateError::Execute(inner) => inner.into(),
            other => Self::Migration(other.to_string()),
        }
    }
}
