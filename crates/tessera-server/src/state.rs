use crate::config::Config;
use std::sync::Arc;
use tessera_model::TenantId;
use tessera_store::Store;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Arc<Config>,
    pub public_url: Arc<str>,
    /// The tenant created at bootstrap.
    pub home_tenant: TenantId,
    /// Parsed, ready-to-sign keys per tenant.
    pub keys: Arc<crate::keys::KeyRing>,
    /// Which keys the JWKS publishes.
    pub rotation_policy: tessera_oauth::keys::RotationPolicy,
    pub tls: bool,
    /// Cached client and resource lookups for the token endpoint.
    pub directory: Arc<crate::cache::CachedDirectory>,
    /// Client-assertion ids already used.
    pub replay: Arc<crate::replay::SeenAssertions>,
}
