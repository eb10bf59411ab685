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
    /// Starts a tenant's key series of an algorithm on first use.
    pub rotator: Arc<crate::rotation::Rotator>,
    /// Which keys the JWKS publishes.
    pub rotation_policy: tessera_oauth::keys::RotationPolicy,
    pub tls: bool,
    /// Cached client and resource lookups for the token endpoint.
    pub directory: Arc<crate::cache::CachedDirectory>,
    /// Keys and limits of the sign-in pages.
    pub signin: Arc<SignInKit>,
    /// TXT lookups for domain verification.
    pub dns: Arc<crate::dns::Dns>,
    /// The WebAuthn relying party (passkeys): `None` when the public URL's
    /// host is an IP address, which WebAuthn cannot name.
    pub webauthn: Option<Arc<tessera_authn::webauthn::Relying>>,
}

/// What the sign-in pages need beside the store: keys derived from the
/// master key, the password hasher and the bound on concurrent Argon2 work.
pub struct SignInKit {
    /// Binds CSRF tokens to the browser's CSRF cookie.
    pub csrf_key: zeroize::Zeroizing<[u8; 32]>,
    /// Keys the pairwise `sub`.
    pub pairwise_key: zeroize::Zeroizing<[u8; 32]>,
    /// Authenticates the directory API's `$skiptoken`s.
    pub paging_key: zeroize::Zeroizing<[u8; 32]>,
    /// Argon2id verification on dedicated threads (bounded, memory reused).
    pub passwords: crate::signin::passwords::PasswordWorkers,
    /// Seals TOTP seeds at rest and WebAuthn ceremony state in pages
    /// (AES-256-GCM; the associated data names the purpose and owner).
    pub sealer: tessera_crypto::MasterKey,
    /// Keys Temporary Access Pass digests (a stolen database alone cannot
    /// test guesses).
    pub tap_key: zeroize::Zeroizing<[u8; 32]>,
}

impl SignInKit {
    pub fn new(master: &tessera_crypto::MasterKey) -> Self {
        Self {
            csrf_key: master.derive("csrf"),
            pairwise_key: master.derive("pairwise-sub"),
            paging_key: master.derive("graph-skiptoken"),
            sealer: master.clone(),
            tap_key: master.derive("temporary-access-pass"),
            passwords: crate::signin::passwords::PasswordWorkers::start(
                tessera_crypto::PasswordHasher::default(),
                crate::signin::passwords::PasswordWorkers::default_workers(),
            ),
        }
    }
}
