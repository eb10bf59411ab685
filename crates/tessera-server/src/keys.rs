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
#[derive(Clone)]
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

/// A tenant's parsed keys (every algorithm in use) and its chosen algorithm.
pub struct TenantKeys {
    pub alg: SigningAlg,
    pub keys: Vec<ActiveKey>,
    /// When `alg` was last read from the store.
    checked_at: std::time::Instant,
}

/// How long a tenant's algorithm choice is trusted before it is read again
/// (so `tessera admin set-signing-alg` reaches running nodes in seconds).
pub const ALG_RECHECK: std::time::Duration = std::time::Duration::from_secs(5);

/// Parsed signing keys of every tenant that has signed something.
pub struct KeyRing {
    store: Arc<dyn Store>,
    master: MasterKey,
    /// The server's default algorithm, for tenants that chose none.
    pub default_alg: SigningAlg,
    tenants: RwLock<HashMap<TenantId, Arc<TenantKeys>>>,
}

impl KeyRing {
    pub fn new(store: Arc<dyn Store>, master: MasterKey, default_alg: SigningAlg) -> Self {
        Self {
            store,
            master,
            default_alg,
            tenants: RwLock::new(HashMap::new()),
        }
    }

    /// The tenant's algorithm as stored (an unknown value: the default).
    pub async fn stored_alg(&self, tenant: TenantId) -> anyhow::Result<SigningAlg> {
        Ok(match self.store.tenant_signing_alg(tenant).await? {
            Some(a) => a.parse().unwrap_or_else(|_| {
                tracing::warn!(%tenant, alg = %a, "unknown tenant signing algorithm; using the default");
                self.default_alg
            }),
            None => self.default_alg,
        })
    }

    /// Loads (or reloads) a tenant's keys and chosen algorithm.
    pub async fn load(&self, tenant: TenantId) -> anyhow::Result<Arc<TenantKeys>> {
        let alg = self.stored_alg(tenant).await?;
        let keys = load(self.store.as_ref(), tenant, &self.master).await?;
        let entry = Arc::new(TenantKeys {
            alg,
            keys,
            checked_at: std::time::Instant::now(),
        });
        self.tenants.write().await.insert(tenant, entry.clone());
        Ok(entry)
    }

    async fn entry(&self, tenant: TenantId) -> anyhow::Result<Arc<TenantKeys>> {
        let cached = self.tenants.read().await.get(&tenant).cloned();
        match cached {
            Some(k) if k.checked_at.elapsed() < ALG_RECHECK => Ok(k),
            Some(k) => {
                // One small query every few seconds; keys are parsed again
                // only when the choice changed.
                let alg = self.stored_alg(tenant).await?;
                if alg != k.alg {
                    return self.load(tenant).await;
                }
                let fresh = Arc::new(TenantKeys {
                    alg,
                    keys: k.keys.clone(),
                    checked_at: std::time::Instant::now(),
                });
                self.tenants.write().await.insert(tenant, fresh.clone());
                Ok(fresh)
            }
            None => self.load(tenant).await,
        }
    }

    /// The tenant's chosen algorithm (or the server's default).
    pub async fn tenant_alg(&self, tenant: TenantId) -> anyhow::Result<SigningAlg> {
        Ok(self.entry(tenant).await?.alg)
    }

    /// The key that signs for `tenant` at `now` with the tenant's algorithm.
    pub async fn current(
        &self,
        tenant: TenantId,
        now: OffsetDateTime,
    ) -> anyhow::Result<Arc<SigningKey>> {
        let alg = self.tenant_alg(tenant).await?;
        self.current_alg(tenant, alg, now)
            .await?
            .ok_or_else(|| anyhow::anyhow!("tenant {tenant} has no active {} key", alg.as_str()))
    }

    /// The key that signs with `alg` for `tenant` at `now`: the newest of
    /// that algorithm already active, if the tenant has one.
    pub async fn current_alg(
        &self,
        tenant: TenantId,
        alg: SigningAlg,
        now: OffsetDateTime,
    ) -> anyhow::Result<Option<Arc<SigningKey>>> {
        Ok(self
            .entry(tenant)
            .await?
            .keys
            .iter()
            .find(|k| k.key.alg() == alg && k.active_from <= now)
            .map(|k| k.key.clone()))
    }
}

/// A tenant's keys as the OAuth engine asks for them: the current key of an
/// algorithm, its series started at once when the tenant has none (an
/// application chose an algorithm the tenant does not use yet).
pub struct TenantKeySource<'a> {
    pub ring: &'a KeyRing,
    pub rotator: &'a crate::rotation::Rotator,
    pub tenant: TenantId,
    pub now: OffsetDateTime,
}

impl TenantKeySource<'_> {
    pub async fn get(&self, alg: SigningAlg) -> anyhow::Result<Arc<SigningKey>> {
        if let Some(k) = self.ring.current_alg(self.tenant, alg, self.now).await? {
            return Ok(k);
        }
        self.rotator.ensure(self.tenant, alg, self.now).await?;
        self.ring
            .current_alg(self.tenant, alg, self.now)
            .await?
            .ok_or_else(|| {
                anyhow::anyhow!("tenant {} has no active {} key", self.tenant, alg.as_str())
            })
    }
}

#[async_trait::async_trait]
impl tessera_oauth::KeySource for TenantKeySource<'_> {
    async fn key(&self, alg: SigningAlg) -> Result<Arc<SigningKey>, tessera_oauth::OAuthError> {
        self.get(alg).await.map_err(|err| {
            tracing::error!(error = %err, tenant = %self.tenant, "no signing key");
            tessera_oauth::OAuthError::new(tessera_oauth::error::SERVER_ERROR)
        })
    }
}
