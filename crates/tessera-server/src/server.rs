//! Starting and stopping a server: the sequence every `tessera serve` and
//! every test server goes through.
use crate::app;
use crate::bootstrap;
use crate::clock::SystemClock;
use crate::config::{redact_url, Config};
use crate::conn;
use crate::datadir;
use crate::load::ConfigError;
use crate::state::AppState;
use axum_server::accept::DefaultAcceptor;
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use axum_server::Handle;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tessera_model::{Clock, TenantId};
use tessera_store::{ConnectOptions, Store, StoreError};
use tokio::task::JoinHandle;

/// A server that is up and answering.
pub struct RunningServer {
    pub local_addr: SocketAddr,
    pub base_url: String,
    pub tenant_id: TenantId,
    pub store: Arc<dyn Store>,
    pub data_dir: PathBuf,
    /// Path of the credentials file, when this start wrote one.
    pub bootstrap_file: Option<PathBuf>,
    handle: Handle,
    task: JoinHandle<std::io::Result<()>>,
    follower: JoinHandle<()>,
    rotation: JoinHandle<()>,
    maintenance: JoinHandle<()>,
    /// Key rotation (also callable directly, e.g. by tests and admin commands).
    pub rotator: Arc<crate::rotation::Rotator>,
}

impl RunningServer {
    /// Graceful shutdown: stop accepting, let in-flight requests finish (up to
    /// 10 s), close the database pools.
    pub async fn shutdown(self) {
        self.handle.graceful_shutdown(Some(Duration::from_secs(10)));
        self.wait().await;
    }

    /// Waits until the server has stopped.
    pub async fn wait(self) {
        match self.task.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "server stopped with an error"),
            Err(e) => tracing::error!(error = %e, "server task failed"),
        }
        self.follower.abort();
        self.rotation.abort();
        self.maintenance.abort();
        self.store.close().await;
    }

    /// A handle that can trigger a graceful shutdown from elsewhere.
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }
}

/// Opens the store, retrying with exponential backoff while the database is
/// unreachable. A schema from a newer Tessera fails at once.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    let url = config.database_url();
    let opts = ConnectOptions {
        url: url.clone(),
        max_connections: config.db_max_connections,
        acquire_timeout: Duration::from_secs(3),
    };
    let attempts = config.db_connect_attempts.max(1);
    let max_backoff = Duration::from_millis(config.db_connect_max_backoff_ms.max(1));
    let mut backoff = Duration::from_millis(100).min(max_backoff);
    for attempt in 1..=attempts {
        match tessera_store::open(&opts).await {
            Ok(store) => return Ok(store),
            Err(StoreError::Unavailable(e)) if attempt < attempts => {
                tracing::warn!(attempt, attempts, retry_in_ms = backoff.as_millis() as u64, database = %redact_url(&url), error = %e, "database unreachable; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(max_backoff);
            }
            Err(StoreError::Unavailable(e)) => {
                anyhow::bail!(
                    "database unreachable after {attempts} attempts ({}): {e}",
                    redact_url(&url)
                )
            }
            Err(StoreError::InvalidInput(m)) => {
                return Err(ConfigError {
                    key: "database".into(),
                    message: m,
                }
                .into());
            }
            Err(e) => {
                return Err(anyhow::Error::new(e)
                    .context(format!("opening the database {}", redact_url(&url))))
            }
        }
    }
    anyhow::bail!("database unreachable ({})", redact_url(&url))
}

/// Starts a server with this configuration and returns once it is listening.
pub async fn start(config: Config) -> anyhow::Result<RunningServer> {
    crate::tls::install_crypto_provider();
    // Before the first request, so that no count is lost.
    crate::telemetry::prometheus();
    let signing_alg: tessera_crypto::SigningAlg =
        config.token_signing_alg.parse().map_err(|_| ConfigError {
            key: "token_signing_alg".into(),
            message: format!(
                "{:?} is not one of RS256, ES256, EdDSA",
                config.token_signing_alg
            ),
        })?;
    let max_connections = conn::connection_limit(
        config.max_connections,
        config.db_max_connections,
        conn::open_file_limit(),
    )?;
    // Bind before anything is written: a port in use stops the start with
    // no data directory, master key or bootstrap made for a server that
    // never ran. Connections made before the server serves wait in the
    // listen backlog.
    let listener = std::net::TcpListener::bind(config.listen).map_err(|e| ConfigError {
        key: "listen".into(),
        message: format!("cannot listen on {}: {e}", config.listen),
    })?;
    listener.set_nonblocking(true)?;
    let local_addr = listener.local_addr()?;
    datadir::prepare(&config.data_dir)?;
    let master = datadir::master_key(config.master_key.as_deref(), &config.data_dir)?;
    let store = open_store(&config).await?;
    let boot = bootstrap::ensure(
        store.as_ref(),
        &master,
        signing_alg,
        &config.data_dir,
        SystemClock.now(),
    )
    .await?;
    let synced = bootstrap::sync_graph_permissions(store.as_ref(), SystemClock.now()).await?;
    if synced > 0 {
        tracing::info!(
            tenants = synced,
            "directory API permissions brought up to date"
        );
    }
    let keys = Arc::new(crate::keys::KeyRing::new(
        store.clone(),
        master.clone(),
        signing_alg,
    ));
    let signin = Arc::new(crate::state::SignInKit::new(&master));
    keys.load(boot.tenant_id).await?;
    let rotator = Arc::new(crate::rotation::Rotator {
        store: store.clone(),
        master,
        keys: keys.clone(),
        policy: config.rotation_policy(),
        alg: signing_alg,
    });
    // Catch up at once (a key may be due after downtime), then periodically.
    rotator.rotate(boot.tenant_id, SystemClock.now()).await?;
    let rotation = tokio::spawn(rotator.clone().run());

    let base_url = config.public_url_for(local_addr);
    let tls = config.tls_enabled();
    let directory = Arc::new(crate::cache::CachedDirectory::new(store.clone()));
    let follower = tokio::spawn(directory.clone().follow_changes());
    let maintenance = tokio::spawn(crate::maintenance::run(store.clone()));
    let state = AppState {
        store: store.clone(),
        config: Arc::new(config.clone()),
        public_url: base_url.clone().into(),
        home_tenant: boot.tenant_id,
        keys,
        rotation_policy: config.rotation_policy(),
        tls,
        directory,
        signin,
        rotator: rotator.clone(),
        dns: Arc::new(crate::dns::Dns::new(config.dns_server.as_deref())),
        webauthn: crate::signin::passkey::relying_party(&base_url).map(Arc::new),
    };
    // Connections: at most `max_connections` (further clients wait in the
    // listen backlog), each under its timeouts (conn.rs).
    let app = conn::Limited::new(
        app::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
        max_connections,
        config.connection_timeouts(),
    );
    let handle = Handle::new();
    let task = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => {
            let rustls = RustlsConfig::from_pem_file(cert, key)
                .await
                .map_err(|e| ConfigError {
                    key: "tls_cert".into(),
                    message: format!("cannot load the certificate or key: {e}"),
                })?;
            let tls = RustlsAcceptor::new(rustls)
                .handshake_timeout(Duration::from_secs(config.tls_handshake_timeout_secs));
            let server = axum_server::from_tcp(listener)
                .acceptor(conn::ConnAcceptor::new(tls))
                .handle(handle.clone());
            tokio::spawn(async move { server.serve(app).await })
        }
        _ => {
            let server = axum_server::from_tcp(listener)
                .acceptor(conn::ConnAcceptor::new(DefaultAcceptor))
                .handle(handle.clone());
            tokio::spawn(async move { server.serve(app).await })
        }
    };
    tracing::info!(url = %base_url, backend = store.backend().as_str(), data_dir = %config.data_dir.display(), tenant = %boot.tenant_id, max_connections, "Tessera is listening");
    Ok(RunningServer {
        local_addr,
        base_url,
        tenant_id: boot.tenant_id,
        store,
        data_dir: config.data_dir.clone(),
        bootstrap_file: boot.written,
        handle,
        task,
        follower,
        rotation,
        maintenance,
        rotator,
    })
}
