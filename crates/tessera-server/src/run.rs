//! What the `tessera` subcommands do.
use crate::clock::SystemClock;
use crate::config::Config;
use crate::server;
use anyhow::Context;
use std::path::{Path, PathBuf};
use tessera_model::Clock;

/// `tessera serve`: runs until SIGTERM or SIGINT, then shuts down gracefully.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    crate::telemetry::init_logging(config.log_format, &config.log_level);
    // The handlers are installed before the listener is bound, so a signal
    // that comes as soon as the server answers is a graceful shutdown, and
    // one during start-up (e.g. while the database is retried) stops it.
    let mut stop = Box::pin(shutdown_signal()?);
    let running = tokio::select! {
        started = server::start(config) => started?,
        _ = &mut stop => {
            tracing::info!("stopped during start-up");
            return Ok(());
        }
    };
    println!(
        "Tessera is running at {} (tenant {}).",
        running.base_url, running.tenant_id
    );
    match &running.bootstrap_file {
        Some(path) => println!(
            "First start: credentials for the admin user and a directory API client were written to {} (mode 0600).\n\
             Keep them safe; the file is never rewritten.",
            path.display()
        ),
        None => println!("Data directory: {}", running.data_dir.display()),
    }
    release_freed_memory();
    let handle = running.handle();
    tokio::spawn(async move {
        stop.await;
        tracing::info!("shutting down: finishing in-flight requests");
        handle.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
    });
    running.wait().await;
    tracing::info!("stopped");
    Ok(())
}

/// Hands the heap that start-up used and freed back to the system. The
/// first start hashes the administrator's password with Argon2id (a 19 MiB
/// working buffer) and loads TLS material; glibc keeps such freed memory in
/// its arenas, which showed as ~1.5 MB more idle RSS after a first start
/// than after a restart. `malloc_trim` is glibc's own call for this (no
/// crate wraps it beyond `libc`); elsewhere this does nothing.
#[allow(unsafe_code)] // one FFI call, below; nothing else in Tessera is unsafe
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory at the top of glibc's
    // heaps to the kernel; it touches no live allocation.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// SIGTERM or SIGINT, whichever comes first; the handlers are installed
/// when this is called, not when the future is first polled.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! { _ = term.recv() => {}, _ = int.recv() => {} }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

/// `tessera migrate`: opens the store (applying migrations) and reports.
pub async fn migrate(config: Config) -> anyhow::Result<tessera_store::SchemaStatus> {
    crate::telemetry::init_logging(config.log_format, &config.log_level);
    crate::datadir::prepare(&config.data_dir)?;
    let store = server::open_store(&config).await?;
    let status = store.schema_status().await?;
    store.close().await;
    Ok(status)
}

/// `tessera dev-cert --out DIR`: a local CA and a certificate for localhost.
pub fn dev_cert(out: &Path, force: bool) -> anyhow::Result<Vec<PathBuf>> {
    let cert = tessera_crypto::generate_dev_cert(SystemClock.now())?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let files = [
        (out.join("ca.pem"), cert.ca_pem.as_bytes(), false),
        (out.join("cert.pem"), cert.cert_pem.as_bytes(), false),
        (out.join("key.pem"), cert.key_pem.as_bytes(), true),
    ];
    if !force {
        if let Some((p, _, _)) = files.iter().find(|(p, _, _)| p.exists()) {
            anyhow::bail!(
                "{} exists; pass --force to replace the development certificate",
                p.display()
            );
        }
    }
    let mut written = Vec::new();
    for (path, contents, private) in files {
        write_file(&path, contents, private)
            .with_context(|| format!("writing {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

fn write_file(path: &Path, contents: &[u8], private: bool) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mode = if private { 0o600 } else { 0o644 };
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(path)?;
    f.set_permissions(std::fs::Permissions::from_mode(mode))?;
    f.write_all(contents)?;
    f.sync_all()
}
