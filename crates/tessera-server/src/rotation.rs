//! Signing-key rotation: every node runs the job; the plan is
//! `tessera_oauth::keys::plan` and the store's compare-and-set makes sure
//! nodes acting at once create one successor. Each run also reloads the key
//! ring, so keys another node created reach this node within one interval.
//! Design note: docs/design/key-rotation.md.
use crate::keys::{aad, KeyRing};
use std::sync::Arc;
use std::time::Duration;
use tessera_crypto::{MasterKey, SigningAlg};
use tessera_model::{Clock, SigningKeyRecord, TenantId};
use tessera_oauth::keys::{plan, KeyAction, KeyMeta, RotationPolicy};
use tessera_store::{Store, StoreError};
use time::OffsetDateTime;

/// How often each node checks (and reloads) its keys.
pub const INTERVAL: Duration = Duration::from_secs(60);

pub struct Rotator {
    pub store: Arc<dyn Store>,
    pub master: MasterKey,
    pub keys: Arc<KeyRing>,
    pub policy: RotationPolicy,
    /// The server's default algorithm (tenants may choose another).
    pub alg: SigningAlg,
}

impl Rotator {
    /// Applies the rotation plan for each of `tenant`'s key series — its
    /// chosen algorithm and every other algorithm it has an unretired key
    /// of (chosen by an application) — at `now`, then reloads its keys.
    pub async fn rotate(&self, tenant: TenantId, now: OffsetDateTime) -> anyhow::Result<()> {
        let records = self.store.list_signing_keys(tenant).await?;
        let mut algs = vec![self.keys.stored_alg(tenant).await?];
        for r in records.iter().filter(|r| r.retired_at.is_none()) {
            if let Ok(a) = r.alg.parse::<SigningAlg>() {
                if !algs.contains(&a) {
                    algs.push(a);
                }
            }
        }
        for alg in algs {
            self.rotate_series(tenant, alg, &records, now).await?;
        }
        self.keys.load(tenant).await?;
        Ok(())
    }

    /// Starts the `alg` series of `tenant` if it has none (its first key
    /// signs at once), e.g. when an application first asks for `alg`.
    pub async fn ensure(
        &self,
        tenant: TenantId,
        alg: SigningAlg,
        now: OffsetDateTime,
    ) -> anyhow::Result<()> {
        let records = self.store.list_signing_keys(tenant).await?;
        self.rotate_series(tenant, alg, &records, now).await?;
        self.keys.load(tenant).await?;
        Ok(())
    }

    async fn rotate_series(
        &self,
        tenant: TenantId,
        alg: SigningAlg,
        records: &[SigningKeyRecord],
        now: OffsetDateTime,
    ) -> anyhow::Result<()> {
        let metas: Vec<KeyMeta> = records
            .iter()
            .filter(|r| r.alg == alg.as_str())
            .map(|r| KeyMeta {
                kid: r.kid.clone(),
                active_from: r.active_from,
                retired_at: r.retired_at,
            })
            .collect();
        for action in plan(&metas, now, &self.policy) {
            match action {
                KeyAction::Create {
                    active_from,
                    expected_newest,
                } => {
                    let key = tokio::task::spawn_blocking(move || {
                        tessera_crypto::generate_signing_key(alg)
                    })
                    .await??;
                    let record = SigningKeyRecord {
                        kid: key.kid.clone(),
                        alg: key.alg.as_str().into(),
                        sealed_private_key: self.master.seal(
                            &key.private_pkcs8,
                            &aad(tenant, &key.kid),
                            &mut rand::rngs::OsRng,
                        )?,
                        public_jwk: key.public_jwk.clone(),
                        created_at: now,
                        active_from,
                        retired_at: None,
                    };
                    if self
                        .store
                        .insert_signing_key_if_newest(tenant, &record, expected_newest)
                        .await?
                    {
                        tracing::info!(%tenant, kid = %record.kid, alg = alg.as_str(), %active_from, "created a signing key");
                    }
                }
                KeyAction::Retire { kid } => {
                    match self.store.retire_signing_key(tenant, &kid, now).await {
                        Ok(()) => tracing::info!(%tenant, %kid, "retired a signing key"),
                        Err(StoreError::NotFound) => {} // another node did it
                        Err(e) => return Err(e.into()),
                    }
                }
            }
        }
        Ok(())
    }

    /// The job: every `INTERVAL`, rotate the keys of every tenant, until aborted.
    pub async fn run(self: Arc<Self>) {
        loop {
            tokio::time::sleep(INTERVAL).await;
            let tenants = match self.store.list_tenant_ids().await {
                Ok(t) => t,
                Err(e) => {
                    tracing::warn!(error = %e, "key rotation: cannot list tenants; will retry");
                    continue;
                }
            };
            for t in tenants {
                if let Err(e) = self.rotate(t, crate::clock::SystemClock.now()).await {
                    tracing::warn!(tenant = %t, error = %e, "key rotation failed; will retry");
                }
            }
        }
    }
}
