//! Housekeeping every node runs: deleting sign-in state that ended a day
//! ago or more (expired codes, device codes, pushed requests, sessions,
//! refresh tokens and used client-assertion ids, idle failed-sign-in
//! counters), so the tables stay the
//! size of what is live; and refreshing the query planner's statistics
//! (SQLite). Both are idempotent: nodes running them at once do no harm.
use std::sync::Arc;
use std::time::Duration;
use tessera_model::Clock;
use tessera_store::Store;

/// How often each node purges.
pub const INTERVAL: Duration = Duration::from_secs(600);
/// How long ended state is kept (for investigation) before it goes.
pub const KEEP: time::Duration = time::Duration::days(1);

/// The job: purge at once, then every `INTERVAL`, until aborted.
pub async fn run(store: Arc<dyn Store>) {
    loop {
        match store
            .purge_expired(crate::clock::SystemClock.now(), KEEP)
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "purged expired sign-in state"),
            Err(e) => {
                tracing::warn!(error = %e, "purging expired sign-in state failed; will retry")
            }
        }
        if let Err(e) = store.refresh_statistics().await {
            tracing::warn!(error = %e, "refreshing planner statistics failed; will retry");
        }
        tokio::time::sleep(INTERVAL).await;
    }
}
