//! The `tessera` binary as an operator runs it: exit codes, messages, crash
//! durability, signals, permissions.
mod first_start;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use tessera_testkit::{both_backends, TestBackend, TestDb};

const BIN: &str = env!("CARGO_BIN_EXE_tessera");

/// A `tessera` command with no TESSERA_* variables from the test environment.
fn tessera(args: &[&str]) -> Command {
    without_tessera_env(Command::new(BIN), args)
}

/// `tessera` run by `sh` under `umask`, whatever the test runner's is.
fn tessera_under_umask(umask: &str, args: &[&str]) -> Command {
    let mut sh = Command::new("sh");
    sh.args(["-c", "umask \"$0\" && exec \"$@\"", umask, BIN]);
    without_tessera_env(sh, args)
}

fn without_tessera_env(mut c: Command, args: &[&str]) -> Command {
    c.args(args).stdin(Stdio::null());
    for (k, _) in std::env::vars() {
        if k.starts_with("TESSERA_") {
            c.env_remove(k);
        }
    }
    c
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run tessera")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Spawns `tessera serve` on a free port and waits for /readyz.
struct Served {
    child: Child,
    port: u16,
}

impl Served {
    fn start(data_dir: &Path, database: &str, extra: &[(&str, &str)]) -> Self {
        Self::start_by(tessera, data_dir, database, extra)
    }

    fn start_under_umask(umask: &str, data_dir: &Path, database: &str) -> Self {
        Self::start_by(|a| tessera_under_umask(umask, a), data_dir, database, &[])
    }

    fn start_by(
        command: impl Fn(&[&str]) -> Command,
        data_dir: &Path,
        database: &str,
        extra: &[(&str, &str)],
    ) -> Self {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let mut cmd = command(&[
            "serve",
            "--listen",
            &listen,
            "--data-dir",
            data_dir.to_str().unwrap(),
            "--database",
            database,
        ]);
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let mut s = Self {
            child: cmd.spawn().unwrap(),
            port,
        };
        s.wait_ready();
        s
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut err = String::new();
                use std::io::Read;
                self.child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err)
                    .unwrap();
                panic!("tessera exited early with {status}: {err}");
            }
            if http_status(self.port, "/readyz") == Some(200) {
                return;
            }
            assert!(Instant::now() < deadline, "not ready within 30 s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal blocking HTTP/1.1 GET (the test needs no async runtime for it).
fn http_status(port: u16, path: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    buf.split_whitespace().nth(1)?.parse().ok()
}

fn private_dir() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    d
}

#[test]
fn invalid_configuration_exits_2_naming_the_key() {
    let dir = private_dir();
    let d = dir.path().to_str().unwrap();
    type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            vec!["serve", "--listen", "not-an-address", "--data-dir", d],
            vec![],
            "listen",
        ),
        (
            vec!["serve", "--public-url", "ftp://x", "--data-dir", d],
            vec![],
            "public_url",
        ),
        (
            vec![
                "serve",
                "--database",
                "mysql://u:hunter2@h/db",
                "--data-dir",
                d,
            ],
            vec![],
            "database",
        ),
        (
            vec!["serve", "--tls-cert", "/nonexistent.pem", "--data-dir", d],
            vec![],
            "tls_key",
        ),
        (
            vec!["serve", "--log-format", "xml", "--data-dir", d],
            vec![],
            "log_format",
        ),
        (
            vec!["serve", "--data-dir", d],
            vec![("TESSERA_LISTEN", "nope")],
            "listen",
        ),
        (
            vec!["serve", "--data-dir", d],
            vec![("TESSERA_MASTER_KEY", "too-short")],
            "master_key",
        ),
        (
            vec!["serve", "--data-dir", d],
            vec![("TESSERA_DB_CONNECT_ATTEMPTS", "many")],
            "db_connect_attempts",
        ),
        (
            vec![
                "serve",
                "--header-read-timeout-secs",
                "soon",
                "--data-dir",
                d,
            ],
            vec![],
            "header_read_timeout_secs",
        ),
        (
            vec!["serve", "--data-dir", d],
            vec![("TESSERA_IDLE_TIMEOUT_SECS", "0")],
            "idle_timeout_secs",
        ),
        (
            // Far more than the open-file limit allows.
            vec!["serve", "--max-connections", "4000000000", "--data-dir", d],
            vec![],
            "max_connections",
        ),
        (
            vec!["serve", "--config", "/nonexistent/tessera.toml"],
            vec![],
            "config",
        ),
        (
            vec![
                "migrate",
                "--database",
                "mysql://u:hunter2@h/db",
                "--data-dir",
                d,
            ],
            vec![],
            "database",
        ),
    ];
    for (args, env, key) in cases {
        let mut cmd = tessera(&args);
        for (k, v) in &env {
            cmd.env(k, v);
        }
        let out = run(&mut cmd);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?} {env:?}: {err}");
        assert!(err.contains(&format!("key `{key}`")), "{args:?}: {err}");
        assert!(
            !err.contains("hunter2") && !err.contains("too-short"),
            "secret echoed: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
    // A TOML file with an unknown key and with a wrong type.
    let file = dir.path().join("t.toml");
    std::fs::write(&file, "listn = \"127.0.0.1:1\"\n").unwrap();
    let out = run(&mut tessera(&["serve", "--config", file.to_str().unwrap()]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("key `listn`"), "{}", stderr(&out));
    std::fs::write(&file, "listen = 5\n").unwrap();
    let out = run(&mut tessera(&["serve", "--config", file.to_str().unwrap()]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("key `listen`"), "{}", stderr(&out));
    // Unknown flags are usage errors (clap), also status 2.
    assert_eq!(
        run(&mut tessera(&["serve", "--no-such-flag"]))
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn unreachable_database_retries_then_fails_clearly() {
    let dir = private_dir();
    let port = free_port(); // nothing listens there
    let url = format!("postgres://tessera:pw-not-logged@127.0.0.1:{port}/db");
    let started = Instant::now();
    let out = run(tessera(&[
        "serve",
        "--listen",
        "127.0.0.1:0", // bound before the database is tried: any free port
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--database",
        &url,
    ])
    .env("TESSERA_DB_CONNECT_ATTEMPTS", "3")
    .env("TESSERA_DB_CONNECT_MAX_BACKOFF_MS", "200"));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("database unreachable after 3 attempts"),
        "{err}"
    );
    assert_eq!(
        err.matches("retrying").count(),
        2,
        "two retries logged: {err}"
    );
    assert!(!err.contains("pw-not-logged"), "password leaked: {err}");
    assert!(started.elapsed() < Duration::from_secs(30));
}

async fn newer_schema_refuses_to_start(b: TestBackend) {
    let db = TestDb::new(b).await;
    let store = db.open().await;
    store.close().await;
    let future = 29_991_231_000_000_i64;
    db.record_future_migration(future).await;
    let out = run(&mut tessera(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        db.data_dir().to_str().unwrap(),
        "--database",
        &db.url,
    ]));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("schema is at version {future}"))
            && err.contains("refusing to start"),
        "{err}"
    );
    // Nothing was bootstrapped into the refused database.
    assert!(!db.data_dir().join("bootstrap.json").exists());
}
both_backends!(newer_schema_refuses_to_start);

/// `kill -9` right after the server acknowledged its first write (the
/// bootstrap, committed before it answers /readyz): after a restart the write
/// is there, nothing is bootstrapped twice, and bootstrap.json still matches.
async fn kill_9_after_a_write_loses_nothing(b: TestBackend) {
    let db = TestDb::new(b).await;
    let mut s = Served::start(&db.data_dir(), &db.url, &[]);
    let file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(db.data_dir().join("bootstrap.json")).unwrap())
            .unwrap();
    s.child.kill().unwrap(); // SIGKILL
    s.child.wait().unwrap();
    drop(s);
    let store = db.open().await;
    let tenant = store
        .bootstrapped_tenant()
        .await
        .unwrap()
        .expect("bootstrap survived kill -9");
    assert_eq!(tenant.to_string(), file["tenantId"].as_str().unwrap());
    let upn = file["adminUserPrincipalName"].as_str().unwrap();
    assert!(store.get_user_by_upn(tenant, upn).await.unwrap().is_some());
    store.close().await;
    let _again = Served::start(&db.data_dir(), &db.url, &[]);
    let after: serde_json::Value =
        serde_json::from_slice(&std::fs::read(db.data_dir().join("bootstrap.json")).unwrap())
            .unwrap();
    assert_eq!(after, file, "bootstrap.json rewritten");
    let names: Vec<_> = std::fs::read_dir(db.data_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        !names.iter().any(|n| n.starts_with("bootstrap-")),
        "bootstrapped twice: {names:?}"
    );
}
both_backends!(kill_9_after_a_write_loses_nothing);

#[test]
fn sigterm_shuts_down_gracefully() {
    let dir = private_dir();
    let db = format!("sqlite://{}/tessera.db", dir.path().display());
    let mut s = Served::start(dir.path(), &db, &[]);
    let pid = s.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(st) = s.child.try_wait().unwrap() {
            break st;
        }
        assert!(
            Instant::now() < deadline,
            "did not stop within 15 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
    assert_eq!(http_status(s.port, "/healthz"), None, "still listening");
}

#[test]
fn unsafe_permissions_are_reported() {
    // A world-writable data directory: refused, exit 2, with the fix.
    let dir = private_dir();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = run(&mut tessera(&[
        "serve",
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("key `data_dir`") && stderr(&out).contains("chmod 700"),
        "{}",
        stderr(&out)
    );

    // A readable master key file: refused.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let db = format!("sqlite://{}/tessera.db", dir.path().display());
    drop(Served::start(dir.path(), &db, &[]));
    let key = dir.path().join("master.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = run(&mut tessera(&[
        "serve",
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--database",
        &db,
        "--listen",
        "127.0.0.1:0",
    ]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("key `master_key`") && stderr(&out).contains("chmod 600"),
        "{}",
        stderr(&out)
    );
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();

    // A readable bootstrap.json: the server starts but warns, naming the file.
    let boot = dir.path().join("bootstrap.json");
    std::fs::set_permissions(&boot, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut s = Served::start(dir.path(), &db, &[]);
    s.child.kill().unwrap();
    let out = std::mem::replace(&mut s.child, Command::new("true").spawn().unwrap())
        .wait_with_output()
        .unwrap();
    let err = stderr(&out);
    assert!(
        err.contains("unsafe permissions") && err.contains("bootstrap.json"),
        "{err}"
    );
}

/// SQLite only (PostgreSQL keeps no files of ours): a database Tessera
/// creates outside the data directory is as private as the data directory —
/// the file and its `-wal` and `-shm` files 0600, a directory created for it
/// 0700 — though the usual umask (022, set here) would allow 0644 and 0755.
#[test]
fn sqlite_files_outside_the_data_directory_are_private() {
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let elsewhere = tempfile::tempdir().unwrap();
    // In an existing directory, and in one Tessera creates.
    for dir in [
        elsewhere.path().to_path_buf(),
        elsewhere.path().join("new/db"),
    ] {
        let data = private_dir();
        let db = dir.join("tessera.db");
        let served =
            Served::start_under_umask("022", data.path(), &format!("sqlite://{}", db.display()));
        for suffix in ["", "-wal", "-shm"] {
            let file = format!("{}{suffix}", db.display());
            assert_eq!(mode(Path::new(&file)), 0o600, "{file}");
        }
        drop(served);
    }
    for dir in ["new", "new/db"] {
        assert_eq!(mode(&elsewhere.path().join(dir)), 0o700, "{dir}");
    }
}

#[test]
fn dev_cert_writes_three_files_and_never_overwrites_silently() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("certs");
    let out = run(&mut tessera(&[
        "dev-cert",
        "--out",
        out_dir.to_str().unwrap(),
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    for f in ["ca.pem", "cert.pem", "key.pem"] {
        assert!(out_dir.join(f).exists(), "{f}");
    }
    assert_eq!(
        std::fs::metadata(out_dir.join("key.pem"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    let before = std::fs::read(out_dir.join("key.pem")).unwrap();
    let again = run(&mut tessera(&[
        "dev-cert",
        "--out",
        out_dir.to_str().unwrap(),
    ]));
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("--force"));
    assert_eq!(std::fs::read(out_dir.join("key.pem")).unwrap(), before);
    assert!(run(&mut tessera(&[
        "dev-cert",
        "--out",
        out_dir.to_str().unwrap(),
        "--force"
    ]))
    .status
    .success());
    assert_ne!(std::fs::read(out_dir.join("key.pem")).unwrap(), before);
}

/// `tessera serve` with no arguments: 127.0.0.1:8080, SQLite in ./tessera-data.
#[test]
fn serve_with_no_arguments_just_works() {
    let cwd = private_dir();
    let mut child = tessera(&["serve"])
        .current_dir(cwd.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while http_status(8080, "/readyz") != Some(200) {
        if let Some(st) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            panic!("exited with {st}: {}", stderr(&out));
        }
        assert!(
            Instant::now() < deadline,
            "not ready on 127.0.0.1:8080 within 30 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let data = cwd.path().join("tessera-data");
    assert!(data.join("tessera.db").exists());
    assert!(data.join("bootstrap.json").exists());
    assert_eq!(
        std::fs::metadata(&data).unwrap().permissions().mode() & 0o777,
        0o700
    );
    assert!(Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("http://localhost:8080") && stdout.contains("bootstrap.json"),
        "{stdout}"
    );
    assert_eq!(out.status.code(), Some(0));
}

/// `tessera admin`: recover access without bootstrap.json. A secret added by
/// the command works at once on a server that is already running (another
/// process), through the change log; bad input gets clear errors.
async fn admin_commands_recover_access(b: TestBackend) {
    let db = TestDb::new(b).await;
    let s = Served::start(&db.data_dir(), &db.url, &[]);
    let boot: serde_json::Value =
        serde_json::from_slice(&std::fs::read(db.data_dir().join("bootstrap.json")).unwrap())
            .unwrap();
    let (tenant, client_id) = (
        boot["tenantId"].as_str().unwrap(),
        boot["clientId"].as_str().unwrap(),
    );
    let url = format!("http://127.0.0.1:{}/{tenant}/oauth2/v2.0/token", s.port);
    let http = tessera_testkit::client();
    let token_status = |secret: String| {
        let (http, url) = (http.clone(), url.clone());
        async move {
            http.post(&url)
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", client_id),
                    ("client_secret", secret.as_str()),
                    ("scope", "https://graph.microsoft.com/.default"),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // The running server has the client cached from this request.
    assert_eq!(
        token_status(boot["clientSecret"].as_str().unwrap().into()).await,
        200
    );

    let dir = db.data_dir();
    let d = dir.to_str().unwrap();
    let out = run(&mut tessera(&[
        "admin",
        "add-client-secret",
        "--client-id",
        client_id,
        "--data-dir",
        d,
        "--database",
        &db.url,
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    let secret = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert_eq!(secret.len(), 43);
    let added = std::time::Instant::now();
    while token_status(secret.clone()).await != 200 {
        assert!(
            added.elapsed() < Duration::from_secs(5),
            "the running server never accepted the new secret"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The old secret still works too (adding does not revoke).
    assert_eq!(
        token_status(boot["clientSecret"].as_str().unwrap().into()).await,
        200
    );

    let upn = boot["adminUserPrincipalName"].as_str().unwrap();
    let out = run(&mut tessera(&[
        "admin",
        "reset-password",
        "--user",
        upn,
        "--data-dir",
        d,
        "--database",
        &db.url,
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    let password = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert_eq!(password.len(), 20);
    let store = db.open().await;
    let t: tessera_model::TenantId = tenant.parse().unwrap();
    let user = store.get_user_by_upn(t, upn).await.unwrap().unwrap();
    let hash = store.user_password_hash(t, user.id).await.unwrap().unwrap();
    let hasher = tessera_crypto::PasswordHasher::default();
    assert!(hasher.verify(&password, &hash).unwrap());
    assert!(
        !hasher
            .verify(boot["adminPassword"].as_str().unwrap(), &hash)
            .unwrap(),
        "old password replaced"
    );

    // Bad input.
    let out = run(&mut tessera(&[
        "admin",
        "reset-password",
        "--user",
        "nobody@nowhere.example",
        "--data-dir",
        d,
        "--database",
        &db.url,
    ]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no user"), "{}", stderr(&out));
    let out = run(&mut tessera(&[
        "admin",
        "add-client-secret",
        "--client-id",
        "not-a-guid",
        "--data-dir",
        d,
        "--database",
        &db.url,
    ]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("key `client_id`"), "{}", stderr(&out));
    let out = run(&mut tessera(&[
        "admin",
        "add-client-secret",
        "--client-id",
        "6f1c1d0e-8b1e-4f7a-9c3b-2d4e5f607182",
        "--data-dir",
        d,
        "--database",
        &db.url,
    ]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no application"), "{}", stderr(&out));
    let out = run(&mut tessera(&[
        "admin",
        "reset-password",
        "--user",
        upn,
        "--tenant",
        "x",
        "--data-dir",
        d,
        "--database",
        &db.url,
    ]));
    assert_eq!(out.status.code(), Some(2));
    drop(s);
}
both_backends!(admin_commands_recover_access);

/// `tessera admin set-signing-alg`: a running server (another process)
/// signs the tenant's next tokens with the new algorithm within seconds;
/// unknown algorithms are refused.
async fn admin_set_signing_alg(b: TestBackend) {
    let db = TestDb::new(b).await;
    let s = Served::start(&db.data_dir(), &db.url, &[]);
    let boot: serde_json::Value =
        serde_json::from_slice(&std::fs::read(db.data_dir().join("bootstrap.json")).unwrap())
            .unwrap();
    let (tenant, client_id, secret) = (
        boot["tenantId"].as_str().unwrap(),
        boot["clientId"].as_str().unwrap(),
        boot["clientSecret"].as_str().unwrap(),
    );
    let url = format!("http://127.0.0.1:{}/{tenant}/oauth2/v2.0/token", s.port);
    let http = tessera_testkit::client();
    let token_alg = || {
        let (http, url) = (http.clone(), url.clone());
        async move {
            let v: serde_json::Value = http
                .post(&url)
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", client_id),
                    ("client_secret", secret),
                    ("scope", "https://graph.microsoft.com/.default"),
                ])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let token = v["access_token"].as_str().unwrap().to_string();
            format!("{:?}", jsonwebtoken::decode_header(&token).unwrap().alg)
        }
    };
    assert_eq!(token_alg().await, "RS256");
    let d = db.data_dir();
    let d = d.to_str().unwrap();
    let out = run(&mut tessera(&[
        "admin",
        "set-signing-alg",
        "--alg",
        "ES256",
        "--data-dir",
        d,
        "--database",
        &db.url,
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("ES256"));
    let set = std::time::Instant::now();
    while token_alg().await != "ES256" {
        assert!(
            set.elapsed() < Duration::from_secs(30),
            "the running server never switched to ES256"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for bad in ["HS256", "none", "rs256 ", ""] {
        let out = run(&mut tessera(&[
            "admin",
            "set-signing-alg",
            "--alg",
            bad,
            "--data-dir",
            d,
            "--database",
            &db.url,
        ]));
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stderr(&out));
        assert!(stderr(&out).contains("key `alg`"), "{}", stderr(&out));
    }
}
both_backends!(admin_set_signing_alg);
