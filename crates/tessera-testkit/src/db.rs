//! Fresh, isolated databases for tests.
use sqlx::Connection;
use std::path::PathBuf;
use tempfile::TempDir;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestBackend {
    Sqlite,
    Postgres,
}

impl TestBackend {
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// The PostgreSQL admin URL for tests. Panics with instructions when unset.
pub fn postgres_admin_url() -> String {
    std::env::var("TESSERA_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!(
            "TESSERA_TEST_POSTGRES_URL is not set: PostgreSQL tests need a server. \
             Run the suite with scripts/test.sh (it starts one), or `source scripts/pg.sh start`."
        )
    })
}

/// One empty database (a SQLite file in a temp dir, or a new PostgreSQL
/// database on the test cluster), and the data directory that goes with it.
pub struct TestDb {
    pub backend: TestBackend,
    pub url: String,
    /// Temp directory: holds the SQLite file; usable as the server's data dir.
    pub dir: TempDir,
}

impl TestDb {
    pub async fn new(backend: TestBackend) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("tessera-test-")
            .tempdir()
            .expect("temp dir");
        set_private(&dir.path().to_path_buf());
        let url = match backend {
            TestBackend::Sqlite => format!("sqlite://{}", dir.path().join("tessera.db").display()),
            TestBackend::Postgres => create_pg_database().await,
        };
        Self { backend, url, dir }
    }

    /// Records a migration this binary does not know, as a newer Tessera would.
    pub async fn record_future_migration(&self, version: i64) {
        let sql = "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                   VALUES ($1, 'from the future', TRUE, $2, 0)";
        match self.backend {
            TestBackend::Sqlite => {
                let pool = sqlx::SqlitePool::connect(&self.url).await.expect("connect");
                sqlx::query(sql)
                    .bind(version)
                    .bind(vec![0u8])
                    .execute(&pool)
                    .await
                    .expect("insert");
                pool.close().await;
            }
            TestBackend::Postgres => {
                let pool = sqlx::PgPool::connect(&self.url).await.expect("connect");
                sqlx::query(sql)
                    .bind(version)
                    .bind(vec![0u8])
                    .execute(&pool)
                    .await
                    .expect("insert");
                pool.close().await;
            }
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    /// Opens the store on this database (applying migrations).
    pub async fn open(&self) -> std::sync::Arc<dyn tessera_store::Store> {
        tessera_store::open(&tessera_store::ConnectOptions::new(&self.url))
            .await
            .unwrap_or_else(|e| panic!("opening {} store: {e}", self.backend.name()))
    }
}

fn set_private(p: &PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o700)).expect("chmod temp dir");
}

async fn create_pg_database() -> String {
    let admin = postgres_admin_url();
    let name = format!("tessera_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| {
            panic!("connecting to the test PostgreSQL at TESSERA_TEST_POSTGRES_URL: {e}")
        });
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("CREATE DATABASE");
    let _ = conn.close().await;
    replace_db_name(&admin, &name)
}

/// `postgres://u:p@h:port/db?x` with `db` replaced.
pub fn replace_db_name(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..path_start], db);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}
