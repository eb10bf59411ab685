//! PostgreSQL restarted under a running server: requests get 503 meanwhile,
//! and the server recovers by itself. Uses a dedicated cluster, so the shared
//! test cluster is not disturbed.
use std::process::Command;
use std::time::{Duration, Instant};
use tessera_testkit::{TestBackend, TestDb, TestServer};

struct Cluster {
    dir: tempfile::TempDir,
    bindir: String,
    port: u16,
}

impl Cluster {
    fn pg(&self, args: &[&str]) -> std::process::Output {
        let out = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(format!("{}/pg_ctl", self.bindir))
            .args(args)
            .output()
            .expect("pg_ctl");
        assert!(
            out.status.success(),
            "pg_ctl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }
    fn data(&self) -> String {
        format!("{}/data", self.dir.path().display())
    }
    fn start(&self) {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        self.pg(&[
            "-D",
            &self.data(),
            "-o",
            &opts,
            "-l",
            &format!("{}/log", self.dir.path().display()),
            "-w",
            "start",
        ]);
    }
    fn stop(&self) {
        self.pg(&["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(format!("{}/pg_ctl", self.bindir))
            .args(["-D", &self.data(), "-m", "immediate", "stop"])
            .output();
    }
}

fn new_cluster() -> Cluster {
    let bindir = std::env::var("TESSERA_TEST_PG_BINDIR")
        .expect("TESSERA_TEST_PG_BINDIR is not set: run the suite with scripts/test.sh");
    let dir = tempfile::Builder::new()
        .prefix("tessera-pg-restart-")
        .tempdir()
        .unwrap();
    let st = Command::new("chown")
        .arg("postgres")
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(st.success());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = Cluster { dir, bindir, port };
    let out = Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(format!("{}/initdb", c.bindir))
        .args(["-D", &c.data(), "-U", "tessera", "--auth=trust", "-N"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "initdb: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    c.start();
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restart_gives_503_then_recovers() {
    let cluster = new_cluster();
    let url = format!("postgres://tessera@127.0.0.1:{}/postgres", cluster.port);
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb {
        backend: TestBackend::Postgres,
        url,
        dir,
    };
    std::fs::set_permissions(
        db.data_dir(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let s = TestServer::start_with(db, |_| {}).await;
    assert_eq!(s.get("/readyz").await.status(), 200);

    cluster.stop();
    let r = s.get("/readyz").await;
    assert_eq!(r.status(), 503, "database down must be 503");
    assert_eq!(r.headers()["retry-after"], "1");
    // The process itself stays alive and healthy.
    assert_eq!(s.get("/healthz").await.status(), 200);

    cluster.start();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if s.get("/readyz").await.status() == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "did not recover within 30 s of PostgreSQL coming back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // And the data is still there.
    let t = s.running().tenant_id;
    assert!(s.running().store.get_tenant(t).await.unwrap().is_some());
}
