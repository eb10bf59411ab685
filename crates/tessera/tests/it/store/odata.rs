//! OData `$filter` translated to SQL runs on both backends and selects the
//! right rows: case-insensitive names, `startswith` with LIKE metacharacters
//! taken literally, `ne` including nulls, `in`, booleans, GUIDs, dates, and
//! hostile values that stay values.
use super::fixtures::*;
use tessera_odata::sql::{translate, Column, Kind, Param, Schema};
use tessera_odata::{parse, Path};
use tessera_testkit::{both_backends, TestBackend, TestDb};

struct Users;

impl Schema for Users {
    fn column(&self, path: &Path) -> Option<Column> {
        let (sql, kind) = match path.join("/").as_str() {
            "userPrincipalName" => ("u.user_principal_name", Kind::Text { ci: true }),
            "displayName" => ("u.display_name", Kind::Text { ci: true }),
            "surname" => ("u.surname", Kind::Text { ci: true }),
            "accountEnabled" => ("u.account_enabled", Kind::Bool),
            "id" => ("u.id", Kind::Guid),
            "createdDateTime" => ("u.created_at", Kind::Millis),
            _ => return None,
        };
        Some(Column {
            sql: sql.into(),
            kind,
        })
    }
}

async fn select(db: &TestDb, tenant: &str, filter: &str) -> Vec<String> {
    let cond = translate(&parse(filter).unwrap(), &Users, 2).unwrap();
    let sql = format!(
        "SELECT u.user_principal_name AS upn FROM users u WHERE u.tenant_id = $1 AND {} ORDER BY u.user_principal_name",
        cond.sql
    );
    macro_rules! run {
        ($pool:expr) => {{
            let mut q = sqlx::query_scalar::<_, String>(&sql).bind(tenant.to_string());
            for p in &cond.params {
                q = match p {
                    Param::Text(s) => q.bind(s.clone()),
                    Param::Int(n) => q.bind(*n),
                    Param::Bool(b) => q.bind(*b),
                };
            }
            let rows = q.fetch_all(&$pool).await.unwrap();
            $pool.close().await;
            rows
        }};
    }
    match db.backend {
        TestBackend::Sqlite => run!(sqlx::SqlitePool::connect(&db.url).await.unwrap()),
        TestBackend::Postgres => run!(sqlx::PgPool::connect(&db.url).await.unwrap()),
    }
}

async fn filters_select_the_right_users(b: TestBackend) {
    let db = TestDb::new(b).await;
    let store = db.open().await;
    let mut rng = rng(40);
    let (t, d) = tenant(&mut rng, "odata.example");
    store.create_tenant(&t, &d).await.unwrap();
    let mut ada = new_user(&mut rng, "Ada@odata.example");
    ada.display_name = "Ada Lovelace".into();
    ada.surname = Some("Lovelace".into());
    let ada_id = ada.id;
    let mut bob = new_user(&mut rng, "bob@odata.example");
    bob.display_name = "50%_off Bob".into();
    bob.account_enabled = false;
    let mut eve = new_user(&mut rng, "eve@odata.example");
    eve.display_name = "Eve O'Brien".into();
    eve.surname = Some("O'Brien".into());
    for u in [&ada, &bob, &eve] {
        store.create_user(t.id, u, NOW).await.unwrap();
    }
    // Another tenant's user never appears.
    let (t2, d2) = tenant(&mut rng, "other.example");
    store.create_tenant(&t2, &d2).await.unwrap();
    store
        .create_user(t2.id, &new_user(&mut rng, "ada@other.example"), NOW)
        .await
        .unwrap();
    store.close().await;
    let tid = t.id.to_string();
    let all = [
        "Ada@odata.example",
        "bob@odata.example",
        "eve@odata.example",
    ];
    for (filter, want) in [
        ("userPrincipalName eq 'ada@ODATA.example'", vec![all[0]]),
        ("startswith(displayName, 'ada')", vec![all[0]]),
        ("startswith(displayName, '50%_')", vec![all[1]]),
        ("startswith(displayName, '5_%')", vec![]),
        ("accountEnabled eq false", vec![all[1]]),
        ("surname ne 'lovelace'", vec![all[1], all[2]]),
        ("surname eq null", vec![all[1]]),
        ("surname eq 'O''Brien'", vec![all[2]]),
        ("displayName in ('eve o''brien', 'ADA LOVELACE')", vec![all[0], all[2]]),
        ("not (accountEnabled eq true) or startswith(userPrincipalName, 'e')", vec![all[1], all[2]]),
        ("createdDateTime ge 2026-11-22T12:00:00Z and createdDateTime lt 2026-11-22T12:00:00.001Z", all.to_vec()),
        ("createdDateTime gt 2026-11-22T12:00:00Z", vec![]),
        ("displayName eq 'x'' OR 1=1 --'", vec![]),
        ("startswith(displayName, '%')", vec![]),
    ] {
        assert_eq!(select(&db, &tid, filter).await, want, "{filter}");
    }
    let by_id = format!("id eq {}", ada_id.to_string().to_uppercase());
    assert_eq!(select(&db, &tid, &by_id).await, vec![all[0]]);
}
both_backends!(filters_select_the_right_users);
