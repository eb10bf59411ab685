//! What a newcomer meets first: a failed start that leaves nothing behind,
//! logs without colour codes when they go to a file, and
//! subcommands that list only the flags they use.
use super::{free_port, http_status, private_dir, run, stderr, tessera};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// A port already in use stops `serve` (exit 2, naming `listen`) before it
/// writes anything: no data directory, no master key, no bootstrap.json
/// for a server that never ran.
#[test]
fn port_in_use_leaves_no_data_directory() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let cwd = private_dir();
    let data = cwd.path().join("tessera-data");
    let out = run(&mut tessera(&[
        "serve",
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--data-dir",
        data.to_str().unwrap(),
    ]));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("key `listen`") && err.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{err}"
    );
    assert!(
        !data.exists(),
        "a data directory was made: {:?}",
        std::fs::read_dir(&data).map(|d| d.count())
    );
    assert_eq!(std::fs::read_dir(cwd.path()).unwrap().count(), 0);
    drop(taken);
}

/// Text logs written to a file (as to a pipe or a service manager's
/// journal) carry no ANSI escape codes, even with `NO_COLOR` unset.
#[test]
fn logs_to_a_file_have_no_colour_codes() {
    let dir = private_dir();
    let log = dir.path().join("stderr.log");
    let port = free_port();
    let mut child = tessera(&[
        "serve",
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--data-dir",
        dir.path().join("data").to_str().unwrap(),
    ])
    .env_remove("NO_COLOR")
    .stdout(Stdio::null())
    .stderr(std::fs::File::create(&log).unwrap())
    .spawn()
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let text = loop {
        if let Some(st) = child.try_wait().unwrap() {
            panic!(
                "exited with {st}: {}",
                std::fs::read_to_string(&log).unwrap()
            );
        }
        let text = std::fs::read_to_string(&log).unwrap();
        if http_status(port, "/readyz") == Some(200) && text.contains("Tessera is listening") {
            break text;
        }
        assert!(Instant::now() < deadline, "not ready within 30 s: {text}");
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(text.contains("created a new master key"), "{text}");
    assert!(
        !text.contains('\u{1b}'),
        "colour codes in a log file: {text:?}"
    );
}

/// `migrate` and `admin` take the flags that say where the database is
/// (and, for `migrate`, its log), not the listener's, TLS's or timeouts'.
#[test]
fn migrate_and_admin_list_only_their_flags() {
    let help = |args: &[&str]| {
        let out = run(&mut tessera(args));
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    let server_only = [
        "--listen",
        "--public-url",
        "--tls-cert",
        "--tls-key",
        "--header-read-timeout-secs",
        "--idle-timeout-secs",
        "--tls-handshake-timeout-secs",
        "--max-connections",
    ];
    let serve = help(&["serve", "--help"]);
    for flag in server_only {
        assert!(serve.contains(flag), "serve lacks {flag}: {serve}");
    }
    let migrate = help(&["migrate", "--help"]);
    let admin = [
        help(&["admin", "reset-password", "--help"]),
        help(&["admin", "add-client-secret", "--help"]),
        help(&["admin", "set-signing-alg", "--help"]),
    ];
    for text in std::iter::once(&migrate).chain(&admin) {
        for flag in ["--config", "--data-dir", "--database"] {
            assert!(text.contains(flag), "{flag} missing: {text}");
        }
        for flag in server_only {
            assert!(!text.contains(flag), "{flag} listed: {text}");
        }
    }
    for flag in ["--log-level", "--log-format"] {
        assert!(migrate.contains(flag), "{migrate}");
        assert!(admin.iter().all(|a| !a.contains(flag)), "{flag}");
    }
    // A server flag given to them is a usage error (exit 2), not ignored.
    let dir = private_dir();
    let out = run(&mut tessera(&[
        "migrate",
        "--listen",
        &format!("127.0.0.1:{}", free_port()),
        "--data-dir",
        dir.path().to_str().unwrap(),
    ]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--listen"), "{}", stderr(&out));
}

/// SIGTERM while start-up waits for the database stops the server at once
/// and cleanly (exit 0); the signal handlers are in place before anything
/// else, so a SIGTERM just after the server answers is graceful too.
#[test]
fn sigterm_during_start_up_stops_cleanly() {
    let dir = private_dir();
    let log = dir.path().join("stderr.log");
    let url = format!("postgres://tessera:pw@127.0.0.1:{}/db", free_port());
    let mut child = tessera(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        dir.path().join("data").to_str().unwrap(),
        "--database",
        &url,
    ])
    .env("TESSERA_DB_CONNECT_ATTEMPTS", "1000")
    .env("TESSERA_DB_CONNECT_MAX_BACKOFF_MS", "100")
    .stdout(Stdio::null())
    .stderr(std::fs::File::create(&log).unwrap())
    .spawn()
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !std::fs::read_to_string(&log).unwrap().contains("retrying") {
        assert!(child.try_wait().unwrap().is_none(), "exited early");
        assert!(Instant::now() < deadline, "never retried");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("still starting 15 s after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(status.code(), Some(0), "{status}: {text}");
    assert!(text.contains("stopped during start-up"), "{text}");
}
