//! In-process Tessera servers on an ephemeral port, over real sockets.
use crate::db::{TestBackend, TestDb};
use std::path::PathBuf;
use tessera_server::{Config, RunningServer};

pub struct TestServer {
    pub db: TestDb,
    pub url: String,
    pub running: Option<RunningServer>,
    pub client: reqwest::Client,
}

impl TestServer {
    /// A server on a fresh database of `backend`.
    pub async fn start(backend: TestBackend) -> Self {
        Self::start_with(TestDb::new(backend).await, |_| {}).await
    }

    /// A server on `db`, with the configuration adjusted by `tweak`.
    pub async fn start_with(db: TestDb, tweak: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config::for_test(db.data_dir(), db.url.clone());
        tweak(&mut config);
        let running = tessera_server::start(config)
            .await
            .unwrap_or_else(|e| panic!("starting a {} test server: {e:#}", db.backend.name()));
        let url = running.base_url.clone();
        Self {
            db,
            url,
            running: Some(running),
            client: client(),
        }
    }

    pub fn running(&self) -> &RunningServer {
        self.running.as_ref().expect("server is stopped")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.db.data_dir()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.url, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// Graceful shutdown; the database and data directory stay for a restart.
    pub async fn stop(&mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await;
        }
    }

    /// Stops (if running) and starts again on the same data and database.
    pub async fn restart(mut self) -> Self {
        self.stop().await;
        Self::start_with(self.db, |_| {}).await
    }
}

/// An HTTP client for tests: no proxies, short timeouts.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("http client")
}
