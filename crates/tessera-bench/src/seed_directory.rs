//! `tessera-bench seed-directory`: a large directory (users, groups, nested
//! memberships) written straight into a bootstrapped database with raw SQL —
//! multi-row INSERTs in one transaction on SQLite, COPY on PostgreSQL — as a
//! bulk import would, not through the store: a million users one store
//! transaction at a time would take hours. Nothing goes to the change log
//! (this is not a directory write through the API), so start or restart the
//! server after seeding; see bench/README.md.
//!
//! What is written, deterministically for a given `--seed`:
//! - users `u{i:07}@{domain}` for i in 0..N, with a given name, surname and
//!   displayName drawn from word lists ("Given Surname", so display-name
//!   sorting meets realistic ties), a job title and a department;
//! - groups `Group {i:05}` for i in 0..M; group i > 0 is a member of group
//!   i / 10, so groups nest about log10(M) levels (five for 50,000);
//! - each user is a direct member of three distinct groups drawn uniformly
//!   (nine in ten groups are leaves, so transitiveMemberOf walks the chain of
//!   each up to group 0).
use anyhow::{bail, Context};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::{Connection, Executor};
use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Instant;

/// Direct group memberships per user.
pub const GROUPS_PER_USER: usize = 3;
/// Rows per multi-row INSERT on SQLite (at most 14 bound values a row: well
/// under SQLite's 32,766 variables).
const SQLITE_ROWS_PER_INSERT: usize = 500;
/// Bytes per COPY message on PostgreSQL.
const COPY_CHUNK: usize = 1 << 20;

const GIVEN: &[&str] = &[
    "Ada", "Alan", "Alice", "Amara", "Anders", "Aiko", "Beatriz", "Ben", "Carla", "Chen", "Chloé",
    "Dmitri", "Diego", "Elena", "Emeka", "Emma", "Farah", "Felix", "Grace", "Hana", "Hugo", "Ines",
    "Ivan", "Jamal", "Jana", "João", "Kai", "Karin", "Lars", "Leila", "Liam", "Lucía", "Mai",
    "Marco", "Maya", "Mehmet", "Mia", "Nadia", "Noah", "Nora", "Olga", "Omar", "Paula", "Pedro",
    "Priya", "Rafael", "Rania", "Ravi", "Rosa", "Sara", "Sean", "Sofia", "Tariq", "Tom", "Uma",
    "Victor", "Wei", "Xavier", "Yara", "Yusuf", "Zoe", "Zainab", "Oskar", "Lena",
];
const SURNAMES: &[&str] = &[
    "Abara",
    "Andersson",
    "Bianchi",
    "Brown",
    "Chen",
    "Costa",
    "Dubois",
    "Müller",
    "Eriksen",
    "Fernández",
    "García",
    "Gupta",
    "Haddad",
    "Hansen",
    "Ivanova",
    "Jensen",
    "Kim",
    "Kowalski",
    "Larsen",
    "Lee",
    "Lopez",
    "Martin",
    "Meyer",
    "Moreau",
    "Nakamura",
    "Nguyen",
    "Novak",
    "Okafor",
    "Olsen",
    "Patel",
    "Pereira",
    "Petrov",
    "Quinn",
    "Rossi",
    "Santos",
    "Schmidt",
    "Silva",
    "Singh",
    "Smith",
    "Sørensen",
    "Tanaka",
    "Taylor",
    "Torres",
    "Usman",
    "Varga",
    "Wagner",
    "Walker",
    "Wang",
    "Weber",
    "Wilson",
    "Xu",
    "Yamamoto",
    "Yilmaz",
    "Young",
    "Zhang",
    "Zimmermann",
    "Dąbrowski",
    "Horvat",
    "Kaya",
    "Lindqvist",
    "Mensah",
    "Nowak",
    "Oliveira",
    "Park",
];
const TITLES: &[&str] = &[
    "Engineer",
    "Senior Engineer",
    "Analyst",
    "Manager",
    "Designer",
    "Accountant",
    "Consultant",
    "Technician",
    "Director",
    "Coordinator",
    "Specialist",
    "Administrator",
];
const DEPARTMENTS: &[&str] = &[
    "Engineering",
    "Finance",
    "Sales",
    "Marketing",
    "Operations",
    "Legal",
    "Support",
    "Research",
    "Human Resources",
    "Facilities",
];

#[derive(Clone, Debug)]
pub struct Options {
    /// A data directory (SQLite at DIR/tessera.db) or a database URL.
    target: String,
    users: u64,
    groups: u64,
    seed: u64,
    /// Gather planner statistics after the load. Default: on PostgreSQL
    /// (`VACUUM (ANALYZE)`, what autovacuum does soon after a bulk load), not
    /// on SQLite (nothing in Tessera runs `ANALYZE` there, so a directory
    /// grown through the API has no statistics either).
    analyze: Option<bool>,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let mut it = args.iter();
        let target = it
            .next()
            .filter(|a| !a.starts_with("--"))
            .ok_or("DATA_DIR_OR_DB_URL is required")?
            .clone();
        let mut m = BTreeMap::new();
        while let Some(k) = it.next() {
            let k = k.strip_prefix("--").ok_or(format!("unexpected {k}"))?;
            let v = it.next().ok_or(format!("--{k} needs a value"))?;
            m.insert(k.to_string(), v.clone());
        }
        let num = |k: &str, d: u64| -> Result<u64, String> {
            m.get(k)
                .map(|v| v.parse().map_err(|_| format!("--{k} must be a number")))
                .unwrap_or(Ok(d))
        };
        for k in m.keys() {
            if !["users", "groups", "seed", "analyze"].contains(&k.as_str()) {
                return Err(format!("unknown option --{k}"));
            }
        }
        let o = Self {
            target,
            users: num("users", 1_000_000)?,
            groups: num("groups", 50_000)?,
            seed: num("seed", 1)?,
            analyze: match m.get("analyze").map(String::as_str) {
                None | Some("auto") => None,
                Some("yes") => Some(true),
                Some("no") => Some(false),
                Some(o) => return Err(format!("--analyze must be auto, yes or no, not {o}")),
            },
        };
        if o.users > 100_000_000 {
            return Err("--users must be at most 100000000".into());
        }
        if o.groups < GROUPS_PER_USER as u64 || o.groups > 10_000_000 {
            return Err(format!("--groups must be {GROUPS_PER_USER}..10000000"));
        }
        Ok(o)
    }

    fn url(&self) -> String {
        let t = &self.target;
        if t.starts_with("postgres://")
            || t.starts_with("postgresql://")
            || t.starts_with("sqlite:")
        {
            t.clone()
        } else {
            format!(
                "sqlite://{}",
                std::path::Path::new(t).join("tessera.db").display()
            )
        }
    }
}

#[allow(clippy::disallowed_methods)] // a command-line tool: the wall clock is the clock
fn now_ms() -> i64 {
    i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000)
        .unwrap_or(i64::MAX)
}

fn guid(rng: &mut StdRng) -> String {
    uuid::Builder::from_random_bytes(rng.gen())
        .into_uuid()
        .to_string()
}

/// One generated user and its direct groups (indexes into the group ids).
struct UserRow {
    id: String,
    upn: String,
    nickname: String,
    given: &'static str,
    surname: &'static str,
    display: String,
    title: &'static str,
    department: &'static str,
    created: i64,
    groups: [usize; GROUPS_PER_USER],
}

struct Gen {
    rng: StdRng,
    domain: String,
    groups: usize,
    base_ms: i64,
}

impl Gen {
    fn user(&mut self, i: u64) -> UserRow {
        let rng = &mut self.rng;
        let given = GIVEN[rng.gen_range(0..GIVEN.len())];
        let surname = SURNAMES[rng.gen_range(0..SURNAMES.len())];
        let mut groups = [0usize; GROUPS_PER_USER];
        for k in 0..GROUPS_PER_USER {
            groups[k] = loop {
                let g = rng.gen_range(0..self.groups);
                if !groups[..k].contains(&g) {
                    break g;
                }
            };
        }
        let nickname = format!("u{i:07}");
        UserRow {
            id: guid(rng),
            upn: format!("{nickname}@{}", self.domain),
            nickname,
            given,
            surname,
            display: format!("{given} {surname}"),
            title: TITLES[rng.gen_range(0..TITLES.len())],
            department: DEPARTMENTS[rng.gen_range(0..DEPARTMENTS.len())],
            created: self.base_ms + i64::try_from(i).unwrap_or(0),
            groups,
        }
    }
}

/// The parent of group `i` (none for group 0).
fn parent(i: usize) -> Option<usize> {
    (i > 0).then_some(i / 10)
}

fn group_name(i: usize) -> String {
    format!("Group {i:05}")
}

fn nick(i: usize) -> String {
    format!("group{i:05}")
}

struct Report {
    phases: Vec<(&'static str, f64)>,
    started: Instant,
    last: Instant,
}

impl Report {
    fn new() -> Self {
        let now = Instant::now();
        Self {
            phases: vec![],
            started: now,
            last: now,
        }
    }
    fn phase(&mut self, name: &'static str) {
        let secs = self.last.elapsed().as_secs_f64();
        eprintln!("seed-directory: {name}: {secs:.1} s");
        self.phases.push((name, secs));
        self.last = Instant::now();
    }
}

pub async fn run(o: Options) -> anyhow::Result<serde_json::Value> {
    let url = o.url();
    let mut report = Report::new();
    let (backend, tenant, domain, memberships) = if url.starts_with("sqlite:") {
        let (t, d, m) = sqlite(&o, &url, &mut report).await?;
        ("sqlite", t, d, m)
    } else {
        let (t, d, m) = postgres(&o, &url, &mut report).await?;
        ("postgres", t, d, m)
    };
    let total = report.started.elapsed().as_secs_f64();
    eprintln!("seed-directory: total: {total:.1} s");
    let phases: serde_json::Map<String, serde_json::Value> = report
        .phases
        .iter()
        .map(|(k, v)| {
            (
                format!("{k}_s"),
                serde_json::json!((v * 10.0).round() / 10.0),
            )
        })
        .collect();
    Ok(serde_json::json!({
        "backend": backend,
        "tenant": tenant,
        "domain": domain,
        "users": o.users,
        "groups": o.groups,
        "memberships": memberships,
        "seconds": (total * 10.0).round() / 10.0,
        "phases": phases,
    }))
}

/// The bootstrapped tenant, its (default) domain, and how many users it has.
macro_rules! tenant_and_domain {
    ($conn:expr) => {{
        let (tenant,): (String,) = sqlx::query_as("SELECT tenant_id FROM bootstrap_state")
            .fetch_optional(&mut *$conn)
            .await?
            .context("no tenant: start `tessera serve` on this database once first")?;
        let (domain,): (String,) = sqlx::query_as(
            "SELECT name FROM domains WHERE tenant_id = $1 ORDER BY is_default DESC, name LIMIT 1",
        )
        .bind(&tenant)
        .fetch_optional(&mut *$conn)
        .await?
        .context("the tenant has no domain")?;
        let (users,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users WHERE tenant_id = $1")
            .bind(&tenant)
            .fetch_one(&mut *$conn)
            .await?;
        (tenant, domain, users)
    }};
}

fn refuse_if_seeded(existing: i64, what: &str) -> anyhow::Result<()> {
    if existing > 0 {
        bail!(
            "the tenant already has {existing} {what} besides the bootstrap's: seed a freshly bootstrapped database"
        );
    }
    Ok(())
}

/// A user's direct membership: (group index, user id, createdDateTime).
type Membership = (u32, u128, i64);

/// Sorts memberships into `group_members`' primary-key order (group id, then
/// member id; GUID text sorts as the number does), so that each insert lands
/// beside the previous one instead of anywhere in a 3 M-entry B-tree.
fn sort_memberships(m: &mut [Membership], group_ids: &[String]) {
    let mut order: Vec<usize> = (0..group_ids.len()).collect();
    order.sort_unstable_by(|a, b| group_ids[*a].cmp(&group_ids[*b]));
    let mut rank = vec![0u32; group_ids.len()];
    for (r, g) in order.into_iter().enumerate() {
        rank[g] = u32::try_from(r).unwrap_or(u32::MAX);
    }
    m.sort_unstable_by_key(|(g, u, _)| (rank[*g as usize], *u));
}

fn user_id(u: &UserRow) -> u128 {
    uuid::Uuid::parse_str(&u.id)
        .map(|x| x.as_u128())
        .unwrap_or(0)
}

/// The tables loaded here.
const TABLES: &str = "'users', 'directory_groups', 'group_members'";

async fn sqlite(o: &Options, url: &str, r: &mut Report) -> anyhow::Result<(String, String, u64)> {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
    // One connection, no other writer (the server is stopped, or idle: the
    // busy timeout covers it). Foreign keys off: the rows are consistent by
    // construction, and checking costs a lookup per membership. No fsync
    // (synchronous = OFF): a crash mid-seed means seeding again anyway.
    let opts = SqliteConnectOptions::from_str(url)?
        .create_if_missing(false)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Off)
        .foreign_keys(false)
        .busy_timeout(std::time::Duration::from_secs(30))
        .pragma("cache_size", "-2000000") // 2 GB: the indexes stay in memory
        .pragma("temp_store", "memory");
    let mut conn = sqlx::SqliteConnection::connect_with(&opts).await?;
    let (tenant, domain, users_now) = tenant_and_domain!(&mut conn);
    refuse_if_seeded(users_now - 1, "users")?;
    eprintln!(
        "seed-directory: SQLite {url}: tenant {tenant}, domain {domain}: {} users, {} groups",
        o.users, o.groups
    );
    r.phase("open");

    let mut rng = StdRng::seed_from_u64(o.seed);
    let base_ms = now_ms() - i64::try_from(o.users).unwrap_or(0);
    let ngroups = usize::try_from(o.groups)?;
    let group_ids: Vec<String> = (0..ngroups).map(|_| guid(&mut rng)).collect();
    let mut tx = conn.begin().await?;
    // Secondary indexes are dropped and built again once the rows are in
    // (sorting once beats a million random B-tree inserts), in the same
    // transaction, from the schema's own text. Those backing the primary
    // keys and unique constraints stay.
    let indexes: Vec<(String, String)> = sqlx::query_as(&format!(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
         AND tbl_name IN ({TABLES})"
    ))
    .fetch_all(&mut *tx)
    .await?;
    for (name, _) in &indexes {
        sqlx::query(&format!("DROP INDEX \"{name}\""))
            .execute(&mut *tx)
            .await?;
    }
    for chunk in (0..ngroups)
        .collect::<Vec<_>>()
        .chunks(SQLITE_ROWS_PER_INSERT)
    {
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO directory_groups (tenant_id, id, display_name, description, mail_nickname, \
             security_enabled, mail_enabled, created_at, updated_at) ",
        );
        q.push_values(chunk, |mut b, &i| {
            b.push_bind(&tenant)
                .push_bind(&group_ids[i])
                .push_bind(group_name(i))
                .push_bind(format!("Bench group {i}"))
                .push_bind(nick(i))
                .push_bind(true)
                .push_bind(false)
                .push_bind(base_ms)
                .push_bind(base_ms);
        });
        q.build().execute(&mut *tx).await?;
    }
    let mut nested = 0u64;
    let edges: Vec<(usize, usize)> = (0..ngroups)
        .filter_map(|i| parent(i).map(|p| (p, i)))
        .collect();
    for chunk in edges.chunks(SQLITE_ROWS_PER_INSERT) {
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO group_members (tenant_id, group_id, member_id, member_kind, created_at) ",
        );
        q.push_values(chunk, |mut b, &(p, c)| {
            b.push_bind(&tenant)
                .push_bind(&group_ids[p])
                .push_bind(&group_ids[c])
                .push_bind("group")
                .push_bind(base_ms);
        });
        nested += q.build().execute(&mut *tx).await?.rows_affected();
    }
    r.phase("groups");

    let mut gen = Gen {
        rng,
        domain: domain.clone(),
        groups: ngroups,
        base_ms,
    };
    let mut memberships: Vec<Membership> =
        Vec::with_capacity(usize::try_from(o.users)? * GROUPS_PER_USER);
    let batch = SQLITE_ROWS_PER_INSERT as u64;
    let mut i = 0u64;
    let started = Instant::now();
    while i < o.users {
        let rows: Vec<UserRow> = (i..(i + batch).min(o.users)).map(|k| gen.user(k)).collect();
        let before = i;
        i += rows.len() as u64;
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO users (tenant_id, id, user_principal_name, upn_key, display_name, given_name, \
             surname, mail, account_enabled, created_at, updated_at, mail_nickname, job_title, department) ",
        );
        q.push_values(&rows, |mut b, u| {
            b.push_bind(&tenant)
                .push_bind(&u.id)
                .push_bind(&u.upn)
                .push_bind(u.upn.to_lowercase())
                .push_bind(&u.display)
                .push_bind(u.given)
                .push_bind(u.surname)
                .push_bind(&u.upn)
                .push_bind(true)
                .push_bind(u.created)
                .push_bind(u.created)
                .push_bind(&u.nickname)
                .push_bind(u.title)
                .push_bind(u.department);
        });
        q.build().execute(&mut *tx).await?;
        for u in &rows {
            let id = user_id(u);
            for g in u.groups {
                memberships.push((u32::try_from(g)?, id, u.created));
            }
        }
        progress(before, i, o.users, started);
    }
    r.phase("users");
    sort_memberships(&mut memberships, &group_ids);
    let mut members = 0u64;
    for chunk in memberships.chunks(SQLITE_ROWS_PER_INSERT * GROUPS_PER_USER) {
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO group_members (tenant_id, group_id, member_id, member_kind, created_at) ",
        );
        q.push_values(chunk, |mut b, (g, u, created)| {
            b.push_bind(&tenant)
                .push_bind(&group_ids[*g as usize])
                .push_bind(uuid::Uuid::from_u128(*u).to_string())
                .push_bind("user")
                .push_bind(*created);
        });
        members += q.build().execute(&mut *tx).await?.rows_affected();
    }
    r.phase("memberships");
    for (_, sql) in &indexes {
        sqlx::query(sql).execute(&mut *tx).await?;
    }
    r.phase("indexes");
    tx.commit().await?;
    r.phase("commit");
    if o.analyze == Some(true) {
        sqlx::query("ANALYZE").execute(&mut conn).await?;
        r.phase("analyze");
    }
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    r.phase("checkpoint");
    Ok((tenant, domain, members + nested))
}

/// Prints a line each time another tenth of the users is written.
fn progress(before: u64, done: u64, of: u64, started: Instant) {
    if of > 0 && (before * 10 / of != done * 10 / of || done == of) {
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "seed-directory:   {done} users ({:.0}/s)",
            done as f64 / secs.max(1e-9)
        );
    }
}

/// Appends one COPY text-format field (our values hold no tab, newline or
/// backslash, which the generator guarantees).
fn field(buf: &mut String, v: &str, last: bool) {
    debug_assert!(!v.contains(['\t', '\n', '\\']));
    buf.push_str(v);
    buf.push(if last { '\n' } else { '\t' });
}

/// `COPY table (columns) FROM STDIN` with the rows `fill` writes (called
/// until it returns false), sent in ~1 MB messages.
async fn copy_in(
    conn: &mut sqlx::PgConnection,
    statement: &str,
    mut fill: impl FnMut(&mut String) -> bool,
) -> anyhow::Result<u64> {
    let mut copy = conn.copy_in_raw(statement).await?;
    let mut buf = String::with_capacity(COPY_CHUNK + 4096);
    loop {
        let more = fill(&mut buf);
        if (buf.len() >= COPY_CHUNK || !more) && !buf.is_empty() {
            copy.send(std::mem::take(&mut buf).into_bytes()).await?;
            buf.reserve(COPY_CHUNK + 4096);
        }
        if !more {
            break;
        }
    }
    Ok(copy.finish().await?)
}

async fn postgres(o: &Options, url: &str, r: &mut Report) -> anyhow::Result<(String, String, u64)> {
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let (tenant, domain, users_now) = tenant_and_domain!(&mut conn);
    refuse_if_seeded(users_now - 1, "users")?;
    eprintln!(
        "seed-directory: PostgreSQL: tenant {tenant}, domain {domain}: {} users, {} groups",
        o.users, o.groups
    );
    r.phase("open");

    let mut rng = StdRng::seed_from_u64(o.seed);
    let base_ms = now_ms() - i64::try_from(o.users).unwrap_or(0);
    let ngroups = usize::try_from(o.groups)?;
    let group_ids: Vec<String> = (0..ngroups).map(|_| guid(&mut rng)).collect();
    let mut tx = conn.begin().await?;
    // One commit at the end: nothing is acknowledged before it, so the WAL
    // need not be flushed at each statement.
    sqlx::query("SET LOCAL synchronous_commit = off")
        .execute(&mut *tx)
        .await?;
    sqlx::query("SET LOCAL maintenance_work_mem = '512MB'")
        .execute(&mut *tx)
        .await?;
    // A superuser may skip the foreign-key triggers (one lookup per
    // membership): the rows reference what this very load wrote.
    let (superuser,): (String,) = sqlx::query_as("SELECT current_setting('is_superuser')")
        .fetch_one(&mut *tx)
        .await?;
    if superuser == "on" {
        sqlx::query("SET LOCAL session_replication_role = replica")
            .execute(&mut *tx)
            .await?;
    }
    // Secondary indexes: dropped, and built again after the load (see the
    // SQLite path), from their own definitions.
    let indexes: Vec<(String, String)> = sqlx::query_as(&format!(
        "SELECT i.relname::text, pg_get_indexdef(i.oid) FROM pg_index x \
         JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
         WHERE t.relname IN ({TABLES}) AND pg_table_is_visible(t.oid) \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)"
    ))
    .fetch_all(&mut *tx)
    .await?;
    for (name, _) in &indexes {
        sqlx::query(&format!("DROP INDEX \"{name}\""))
            .execute(&mut *tx)
            .await?;
    }
    let base = base_ms.to_string();
    let mut gi = 0usize;
    copy_in(
        &mut tx,
        "COPY directory_groups (tenant_id, id, display_name, description, mail_nickname, \
         security_enabled, mail_enabled, created_at, updated_at) FROM STDIN",
        |buf| {
            let end = (gi + 1000).min(ngroups);
            for (i, id) in group_ids.iter().enumerate().take(end).skip(gi) {
                field(buf, &tenant, false);
                field(buf, id, false);
                field(buf, &group_name(i), false);
                field(buf, &format!("Bench group {i}"), false);
                field(buf, &nick(i), false);
                field(buf, "t", false);
                field(buf, "f", false);
                field(buf, &base, false);
                field(buf, &base, true);
            }
            gi = end;
            gi < ngroups
        },
    )
    .await?;
    let mut gi = 1usize;
    let nested = copy_in(
        &mut tx,
        "COPY group_members (tenant_id, group_id, member_id, member_kind, created_at) FROM STDIN",
        |buf| {
            let end = (gi + 1000).min(ngroups);
            for i in gi..end {
                let p = parent(i).unwrap_or(0);
                field(buf, &tenant, false);
                field(buf, &group_ids[p], false);
                field(buf, &group_ids[i], false);
                field(buf, "group", false);
                field(buf, &base, true);
            }
            gi = end;
            gi < ngroups
        },
    )
    .await?;
    r.phase("groups");

    // Users first, remembering each one's groups, then the memberships: two
    // COPYs cannot interleave on one connection. 3 × 16 bytes a user.
    let mut gen = Gen {
        rng,
        domain: domain.clone(),
        groups: ngroups,
        base_ms,
    };
    let mut memberships: Vec<Membership> =
        Vec::with_capacity(usize::try_from(o.users)? * GROUPS_PER_USER);
    let mut i = 0u64;
    let started = Instant::now();
    copy_in(
        &mut tx,
        "COPY users (tenant_id, id, user_principal_name, upn_key, display_name, given_name, surname, \
         mail, account_enabled, created_at, updated_at, mail_nickname, job_title, department) FROM STDIN",
        |buf| {
            let end = (i + 1000).min(o.users);
            for k in i..end {
                let u = gen.user(k);
                let created = u.created.to_string();
                field(buf, &tenant, false);
                field(buf, &u.id, false);
                field(buf, &u.upn, false);
                field(buf, &u.upn.to_lowercase(), false);
                field(buf, &u.display, false);
                field(buf, u.given, false);
                field(buf, u.surname, false);
                field(buf, &u.upn, false);
                field(buf, "t", false);
                field(buf, &created, false);
                field(buf, &created, false);
                field(buf, &u.nickname, false);
                field(buf, u.title, false);
                field(buf, u.department, true);
                let id = user_id(&u);
                for g in u.groups {
                    memberships.push((g as u32, id, u.created));
                }
            }
            progress(i, end, o.users, started);
            i = end;
            i < o.users
        },
    )
    .await?;
    r.phase("users");
    sort_memberships(&mut memberships, &group_ids);
    let mut mi = 0usize;
    let members = copy_in(
        &mut tx,
        "COPY group_members (tenant_id, group_id, member_id, member_kind, created_at) FROM STDIN",
        |buf| {
            let end = (mi + 3000).min(memberships.len());
            for (g, id, created) in &memberships[mi..end] {
                field(buf, &tenant, false);
                field(buf, &group_ids[*g as usize], false);
                field(buf, &uuid::Uuid::from_u128(*id).to_string(), false);
                field(buf, "user", false);
                field(buf, &created.to_string(), true);
            }
            mi = end;
            mi < memberships.len()
        },
    )
    .await?;
    r.phase("memberships");
    for (_, sql) in &indexes {
        sqlx::query(sql).execute(&mut *tx).await?;
    }
    r.phase("indexes");
    tx.commit().await?;
    r.phase("commit");
    // What autovacuum would do shortly after a bulk load: statistics for the
    // planner and the visibility map. Done here so the figures do not depend
    // on when it happens to run.
    if o.analyze != Some(false) {
        conn.execute("VACUUM (ANALYZE) users, directory_groups, group_members")
            .await?;
        r.phase("vacuum_analyze");
    }
    conn.close().await?;
    Ok((tenant, domain, members + nested))
}
