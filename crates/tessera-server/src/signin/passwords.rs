//! Password verification off the async runtime, on a few dedicated threads
//! (one per core, at most 4) that each reuse one Argon2 work buffer. The
//! queue in front of them bounds concurrent Argon2 work (each verification
//! needs 19 MiB) and keeps memory flat under a login storm: with a fresh
//! buffer per verification on tokio's blocking pool, the process grew to
//! ~700 MiB in the login benchmark (allocator arenas keep freed memory).
use std::sync::{Arc, Mutex};
use tessera_crypto::{Argon2Block, PasswordHasher};
use tokio::sync::{mpsc, oneshot};
use zeroize::Zeroizing;

struct Job {
    password: Zeroizing<String>,
    /// `None`: no such user — spend the same work on a dummy hash.
    hash: Option<String>,
    reply: oneshot::Sender<bool>,
}

pub struct PasswordWorkers {
    tx: mpsc::Sender<Job>,
    pub hasher: PasswordHasher,
}

impl PasswordWorkers {
    /// Starts `workers` threads; they end when this is dropped.
    pub fn start(hasher: PasswordHasher, workers: usize) -> Self {
        let (tx, rx) = mpsc::channel::<Job>(256);
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..workers.max(1) {
            let (rx, hasher) = (rx.clone(), hasher.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    let mut memory: Vec<Argon2Block> = Vec::new();
                    loop {
                        let job = {
                            let mut guard = match rx.lock() {
                                Ok(g) => g,
                                Err(poisoned) => poisoned.into_inner(),
                            };
                            guard.blocking_recv()
                        };
                        let Some(job) = job else { break };
                        let ok = match &job.hash {
                            Some(h) => hasher
                                .verify_reusing(&job.password, h, &mut memory)
                                .unwrap_or(false),
                            None => {
                                hasher.dummy_verify_reusing(&job.password, &mut memory);
                                false
                            }
                        };
                        let _ = job.reply.send(ok);
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a password verification thread");
            }
        }
        Self { tx, hasher }
    }

    /// One worker per core, at most 4.
    pub fn default_workers() -> usize {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .clamp(1, 4)
    }

    /// Whether `password` matches `hash` (always `false`, after the same
    /// work, without a hash). `None` when the workers are gone.
    pub async fn verify(&self, hash: Option<String>, password: &str) -> Option<bool> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            password: Zeroizing::new(password.to_string()),
            hash,
            reply,
        };
        self.tx.send(job).await.ok()?;
        answer.await.ok()
    }
}
