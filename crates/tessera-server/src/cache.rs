//! A cache of what the token endpoint reads (clients, their secrets' digests,
//! service principals, app role assignments), so a token costs no database
//! round trip in the steady state.
//!
//! Invalidation: every node polls the shared change log's newest sequence
//! number (`POLL`); any directory write anywhere empties the cache, so a
//! removed secret or disabled app stops working on every node within about
//! `POLL` plus one query. Coarse on purpose: correct first, finer keys later.
//! A generation counter keeps a lookup that raced an invalidation from putting
//! stale data back. Design note: docs/design/token-cache.md.
use async_trait::async_trait;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tessera_model::{AppId, AppRoleAssignment, ObjectId, ServicePrincipal, TenantId};
use tessera_oauth::directory::{load_client, ClientRecord, Directory};
use tessera_store::{Store, StoreResult};

pub const POLL: Duration = Duration::from_millis(200);
/// Entries per map before it is simply emptied (bounds memory).
const MAX_ENTRIES: usize = 50_000;

/// One map with the generation rule.
struct Map<K, V> {
    entries: Mutex<HashMap<K, V>>,
}

impl<K: Eq + Hash, V: Clone> Map<K, V> {
    fn new() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }
    fn get(&self, k: &K) -> Option<V> {
        self.entries.lock().ok()?.get(k).cloned()
    }
    fn put(&self, k: K, v: V, generation: u64, current: &AtomicU64) {
        if let Ok(mut m) = self.entries.lock() {
            // Under the lock: `clear` bumps the generation under the same lock.
            if current.load(Ordering::SeqCst) == generation {
                if m.len() >= MAX_ENTRIES {
                    m.clear();
                }
                m.insert(k, v);
            }
        }
    }
    fn clear(&self) {
        if let Ok(mut m) = self.entries.lock() {
            m.clear();
        }
    }
}

pub struct CachedDirectory {
    store: Arc<dyn Store>,
    generation: AtomicU64,
    clients: Map<AppId, Option<Arc<ClientRecord>>>,
    sps: Map<(TenantId, AppId), Option<Arc<ServicePrincipal>>>,
    roles: Map<(TenantId, ObjectId), Arc<Vec<AppRoleAssignment>>>,
    tenants: Map<String, crate::tenant::PathTenant>,
    /// Each tenant's signing keys (public parts) for verifying its tokens,
    /// read again after `KEYS_TTL`, or at once when a token names a key id
    /// not among them (a key another node just created).
    keys: Mutex<HashMap<TenantId, KeysAt>>,
}

/// A tenant's verification keys and when they were read.
type KeysAt = (std::time::Instant, Arc<Vec<VerifyKey>>);

/// How long verification trusts its copy of a tenant's keys (a retired key
/// keeps verifying on other nodes for at most this long).
pub const KEYS_TTL: Duration = Duration::from_secs(5);

/// A signing key's public JWK and the instants that decide whether the
/// JWKS publishes it.
#[derive(Clone, Debug)]
pub struct VerifyKey {
    pub kid: String,
    pub active_from: time::OffsetDateTime,
    pub retired_at: Option<time::OffsetDateTime>,
    pub public_jwk: serde_json::Value,
}

impl CachedDirectory {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            generation: AtomicU64::new(0),
            clients: Map::new(),
            sps: Map::new(),
            roles: Map::new(),
            tenants: Map::new(),
            keys: Mutex::new(HashMap::new()),
        }
    }

    /// The tenant's signing keys for verification (see `keys`).
    pub async fn verify_keys(
        &self,
        t: TenantId,
        kid: Option<&str>,
    ) -> StoreResult<Arc<Vec<VerifyKey>>> {
        let now = std::time::Instant::now();
        if let Ok(m) = self.keys.lock() {
            if let Some((at, keys)) = m.get(&t) {
                let fresh = now.duration_since(*at) < KEYS_TTL;
                let known = kid.is_none_or(|k| keys.iter().any(|x| x.kid == k));
                if fresh && known {
                    return Ok(keys.clone());
                }
            }
        }
        let keys: Arc<Vec<VerifyKey>> = Arc::new(
            self.store
                .list_signing_keys(t)
                .await?
                .into_iter()
                .map(|r| VerifyKey {
                    kid: r.kid,
                    active_from: r.active_from,
                    retired_at: r.retired_at,
                    public_jwk: r.public_jwk,
                })
                .collect(),
        );
        if let Ok(mut m) = self.keys.lock() {
            if m.len() >= MAX_ENTRIES {
                m.clear();
            }
            m.insert(t, (now, keys.clone()));
        }
        Ok(keys)
    }

    /// Empties every map; lookups in flight will not re-insert what they read.
    pub fn invalidate(&self) {
        // Bump first: a loader that read before this point cannot insert after.
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.clients.clear();
        self.sps.clear();
        self.roles.clear();
        self.tenants.clear();
    }

    /// Polls the change log until the task is aborted.
    pub async fn follow_changes(self: Arc<Self>) {
        let mut last = self.store.latest_change_seq().await.ok();
        loop {
            tokio::time::sleep(POLL).await;
            match self.store.latest_change_seq().await {
                Ok(seq) if Some(seq) != last => {
                    self.invalidate();
                    last = Some(seq);
                }
                Ok(_) => {}
                // Database unreachable: cached answers may be stale, so drop
                // them; requests then fail as unavailable until it returns.
                Err(_) => {
                    self.invalidate();
                    last = None;
                }
            }
        }
    }

    fn gen(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// The `{tenant}` path segment, resolved (see `tenant::resolve`).
    pub async fn tenant(&self, segment: &str) -> StoreResult<crate::tenant::PathTenant> {
        // Only plausible segments are cached, so junk cannot fill the map.
        let key = segment.to_ascii_lowercase();
        if let Some(hit) = self.tenants.get(&key) {
            return Ok(hit);
        }
        let g = self.gen();
        let v = crate::tenant::resolve(self.store.as_ref(), segment).await?;
        if v != crate::tenant::PathTenant::Unknown {
            self.tenants.put(key, v, g, &self.generation);
        }
        Ok(v)
    }
}

#[async_trait]
impl Directory for CachedDirectory {
    async fn client(&self, app_id: AppId) -> StoreResult<Option<Arc<ClientRecord>>> {
        if let Some(hit) = self.clients.get(&app_id) {
            return Ok(hit);
        }
        let g = self.gen();
        let v = load_client(self.store.as_ref(), app_id)
            .await?
            .map(Arc::new);
        self.clients.put(app_id, v.clone(), g, &self.generation);
        Ok(v)
    }

    async fn service_principal(
        &self,
        t: TenantId,
        app_id: AppId,
    ) -> StoreResult<Option<Arc<ServicePrincipal>>> {
        if let Some(hit) = self.sps.get(&(t, app_id)) {
            return Ok(hit);
        }
        let g = self.gen();
        let v = self
            .store
            .service_principal_by_app_id(t, app_id)
            .await?
            .map(Arc::new);
        self.sps.put((t, app_id), v.clone(), g, &self.generation);
        Ok(v)
    }

    async fn app_roles_held(
        &self,
        t: TenantId,
        principal: ObjectId,
    ) -> StoreResult<Arc<Vec<AppRoleAssignment>>> {
        if let Some(hit) = self.roles.get(&(t, principal)) {
            return Ok(hit);
        }
        let g = self.gen();
        let v = Arc::new(self.store.app_role_assignments_of(t, principal).await?);
        self.roles
            .put((t, principal), v.clone(), g, &self.generation);
        Ok(v)
    }
}
