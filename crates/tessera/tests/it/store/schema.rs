//! Migrations: applied on open, reported by schema_status, and a database
//! written by a newer Tessera is refused with nothing changed.
use tessera_store::StoreError;
use tessera_testkit::{both_backends, TestBackend, TestDb};

async fn newer_schema_is_refused_and_left_untouched(b: TestBackend) {
    let db = TestDb::new(b).await;
    let store = db.open().await;
    let status = store.schema_status().await.unwrap();
    assert!(status.is_current() && status.applied >= 1, "{status:?}");
    store.close().await;

    // Pretend a newer Tessera migrated this database.
    let future = 29_991_231_000_000_i64;
    let tables_before = tables(&db).await;
    db.record_future_migration(future).await;

    let err = tessera_store::open(&tessera_store::ConnectOptions::new(&db.url))
        .await
        .err()
        .expect("must refuse");
    match err {
        StoreError::SchemaTooNew { found, known } => {
            assert_eq!(found, future);
            assert_eq!(known, status.expected);
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
    assert!(err_message_mentions_versions(future, status.expected));
    // Nothing changed: same tables, and the newer version is still recorded.
    assert_eq!(tables(&db).await, tables_before);
    assert_eq!(count_version(&db, future).await, 1);
}
both_backends!(newer_schema_is_refused_and_left_untouched);

fn err_message_mentions_versions(found: i64, known: i64) -> bool {
    let msg = StoreError::SchemaTooNew { found, known }.to_string();
    msg.contains(&found.to_string()) && msg.contains(&known.to_string()) && msg.contains("refusing")
}

/// The list of tables (name order), to compare before and after.
async fn tables(db: &TestDb) -> Vec<String> {
    use sqlx::Row;
    match db.backend {
        TestBackend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
            let rows =
                sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                    .fetch_all(&pool)
                    .await
                    .unwrap();
            pool.close().await;
            rows.iter().map(|r| r.get::<String, _>("name")).collect()
        }
        TestBackend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
            let rows = sqlx::query(
                "SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
            )
            .fetch_all(&pool)
            .await
            .unwrap();
            pool.close().await;
            rows.iter().map(|r| r.get::<String, _>("name")).collect()
        }
    }
}

async fn count_version(db: &TestDb, v: i64) -> i64 {
    use sqlx::Row;
    let sql = format!("SELECT COUNT(*) AS n FROM _sqlx_migrations WHERE version = {v}");
    match db.backend {
        TestBackend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
            let n = sqlx::query(&sql)
                .fetch_one(&pool)
                .await
                .unwrap()
                .get::<i64, _>("n");
            pool.close().await;
            n
        }
        TestBackend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
            let n = sqlx::query(&sql)
                .fetch_one(&pool)
                .await
                .unwrap()
                .get::<i64, _>("n");
            pool.close().await;
            n
        }
    }
}

/// Directory writes are durable at commit; sign-in state (codes, sessions,
/// refresh-token rotations) trades durability against power loss for speed,
/// per transaction — and the two do not leak into each other on the shared
/// writer connection.
async fn write_durability_per_transaction(b: TestBackend) {
    let db = TestDb::new(b).await;
    let store = db.open().await;
    let expected = match b {
        TestBackend::Sqlite => ("FULL", "NORMAL"),
        TestBackend::Postgres => ("on", "off"),
    };
    for _ in 0..2 {
        let (durable, ephemeral) = store.write_durability().await.unwrap();
        assert_eq!((durable.as_str(), ephemeral.as_str()), expected);
    }
    store.close().await;
}
both_backends!(write_durability_per_transaction);
