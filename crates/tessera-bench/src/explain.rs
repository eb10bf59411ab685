//! `tessera-bench explain DATA_DIR_OR_DB_URL [--upn U]`: the query plans,
//! and the time the database itself takes, of the statements behind the
//! directory bench's figures, run with the server's own SQLite (the one
//! sqlx bundles) or PostgreSQL — to tell the database's share of a figure
//! from the server's. The statements are copies of what the store issues
//! (crates/tessera-store/src/sql/query.rs builds the listing ones,
//! listing.rs holds the relationship ones); keep them in step.
use anyhow::Context;
use sqlx::Connection;
use std::str::FromStr;
use std::time::Instant;

/// The second parameter: the user's id, or its userPrincipalName (lower-cased).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Second {
    Id,
    Upn,
}

/// `(name, statement, what $2 is)`; `$1` is the tenant.
const STATEMENTS: &[(&str, &str, Second)] = &[
    (
        "$filter=userPrincipalName eq",
        "SELECT id, user_principal_name, display_name, given_name, surname, mail, account_enabled, created_at, \
         mail_nickname, job_title, department, office_location, mobile_phone, usage_location, employee_id, \
         company_name, city, country, preferred_language, user_type, other_mails, business_phones \
         FROM users u WHERE u.tenant_id = $1 AND u.upn_key = $2 ORDER BY u.id LIMIT 101",
        Second::Upn,
    ),
    (
        "$filter=mail eq",
        "SELECT id FROM users u WHERE u.tenant_id = $1 AND LOWER(u.mail) = $2 ORDER BY u.id LIMIT 101",
        Second::Upn,
    ),
    (
        "transitiveMemberOf",
        "WITH RECURSIVE up(id) AS ( \
           SELECT group_id FROM group_members WHERE tenant_id = $1 AND member_id = $2 \
           UNION SELECT m.group_id FROM up u CROSS JOIN group_members m \
           WHERE m.tenant_id = $1 AND m.member_id = u.id) \
         SELECT id AS member_id, 'group' AS member_kind FROM up WHERE id > '' ORDER BY id LIMIT 101",
        Second::Id,
    ),
    (
        "transitiveMemberOf, as the store wrote it before 2026-11-23 (plain JOIN: SQLite may put group_members outer)",
        "WITH RECURSIVE up(id) AS ( \
           SELECT group_id FROM group_members WHERE tenant_id = $1 AND member_id = $2 \
           UNION SELECT m.group_id FROM group_members m JOIN up u ON m.member_id = u.id \
           WHERE m.tenant_id = $1) \
         SELECT id AS member_id, 'group' AS member_kind FROM up WHERE id > '' ORDER BY id LIMIT 101",
        Second::Id,
    ),
    (
        "memberOf",
        "SELECT group_id AS member_id, 'group' AS member_kind FROM group_members \
         WHERE tenant_id = $1 AND member_id = $2 AND group_id > '' ORDER BY group_id LIMIT 101",
        Second::Id,
    ),
    (
        "users page ($top=999, after an id)",
        "SELECT id, user_principal_name, display_name, given_name, surname, mail, account_enabled, created_at, \
         mail_nickname, job_title, department, office_location, mobile_phone, usage_location, employee_id, \
         company_name, city, country, preferred_language, user_type, other_mails, business_phones \
         FROM users u WHERE u.tenant_id = $1 AND (u.id) > ($2) ORDER BY u.id LIMIT 1000",
        Second::Id,
    ),
];

/// Runs each statement `RUNS` times; reports the median.
const RUNS: usize = 5;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

pub async fn run(args: &[String]) -> anyhow::Result<()> {
    let target = args
        .first()
        .context("usage: tessera-bench explain DATA_DIR_OR_DB_URL [--upn U]")?;
    let upn = match args.get(1).map(String::as_str) {
        Some("--upn") => Some(args.get(2).context("--upn needs a value")?.to_lowercase()),
        _ => None,
    };
    let url = if target.starts_with("postgres") || target.starts_with("sqlite:") {
        target.clone()
    } else {
        format!(
            "sqlite://{}",
            std::path::Path::new(target).join("tessera.db").display()
        )
    };
    macro_rules! probe {
        ($conn:expr, $explain:expr, $column:expr) => {{
            let (tenant,): (String,) = sqlx::query_as("SELECT tenant_id FROM bootstrap_state")
                .fetch_one(&mut *$conn)
                .await?;
            let (uid, upn): (String, String) = match &upn {
                Some(u) => sqlx::query_as(
                    "SELECT id, upn_key FROM users WHERE tenant_id = $1 AND upn_key = $2",
                )
                .bind(&tenant)
                .bind(u)
                .fetch_one(&mut *$conn)
                .await
                .context("no such user")?,
                None => sqlx::query_as(
                    "SELECT id, upn_key FROM users WHERE tenant_id = $1 ORDER BY upn_key DESC LIMIT 1",
                )
                .bind(&tenant)
                .fetch_one(&mut *$conn)
                .await?,
            };
            println!("user {upn} ({uid})");
            for (name, sql, second) in STATEMENTS {
                println!("\n== {name}");
                let second = if *second == Second::Id { &uid } else { &upn };
                let plan = sqlx::query(&format!("{} {sql}", $explain))
                    .bind(&tenant)
                    .bind(second)
                    .fetch_all(&mut *$conn)
                    .await?;
                for row in plan {
                    let line: String = sqlx::Row::try_get(&row, $column)?;
                    println!("   {line}");
                }
                let mut times = vec![];
                let mut rows = 0;
                for _ in 0..RUNS {
                    let t0 = Instant::now();
                    rows = sqlx::query(sql)
                        .bind(&tenant)
                        .bind(second)
                        .fetch_all(&mut *$conn)
                        .await?
                        .len();
                    times.push(t0.elapsed().as_secs_f64() * 1000.0);
                }
                println!("   {rows} rows, median of {RUNS}: {:.3} ms", median(times));
            }
        }};
    }
    if url.starts_with("sqlite:") {
        let opts = sqlx::sqlite::SqliteConnectOptions::from_str(&url)?.read_only(true);
        let mut conn = sqlx::SqliteConnection::connect_with(&opts).await?;
        let (version,): (String,) = sqlx::query_as("SELECT sqlite_version()")
            .fetch_one(&mut conn)
            .await?;
        let (stats,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
                .fetch_one(&mut conn)
                .await?;
        println!(
            "SQLite {version}; planner statistics (sqlite_stat1): {}",
            if stats > 0 { "present" } else { "none" }
        );
        probe!(&mut conn, "EXPLAIN QUERY PLAN", "detail");
        conn.close().await?;
    } else {
        let mut conn = sqlx::PgConnection::connect(&url).await?;
        let (version,): (String,) = sqlx::query_as("SHOW server_version")
            .fetch_one(&mut conn)
            .await?;
        println!("PostgreSQL {version}");
        probe!(&mut conn, "EXPLAIN (ANALYZE, BUFFERS)", "QUERY PLAN");
        conn.close().await?;
    }
    Ok(())
}
