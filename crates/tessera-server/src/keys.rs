//! Signing keys: unsealed once at start and kept parsed (re-parsing an RSA key
//! per token costs 2.4x), so a wrong master key is found at start, not at the
//! first sign-in.
use anyhow::Context;
use tessera_crypto::{MasterKey, SigningAlg, SigningKey};
use tessera_model::TenantId;
use tessera_store::Store;

/// The additional data that binds a sealed private key to its tenant and kid,
/// so a sealed blob copied to another row does not open.
pub fn aad(tenant: TenantId, kid: &str) -> Vec<u8> {
    format!("signing-key:{tenant}:{kid}").into_bytes()
}

/// Unseals and parses the tenant's signing keys that are not retired.
pub async fn load(
    store: &dyn Store,
    tenant: TenantId,
    master: &MasterKey,
) -> anyhow::Result<Vec<SigningKey>> {
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
        keys.push(
            SigningKey::from_pkcs8(alg, record.kid.clone(), &der)
                .context("parsing a signing key")?,
        );
    }
    Ok(keys)
}
