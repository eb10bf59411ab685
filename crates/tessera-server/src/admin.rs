//! `tessera admin …`: operator commands that work on the database directly
//! (with or without a running server). Each new secret is printed once and
//! stored only as a hash or digest; the write goes through the store, so the
//! change log tells running nodes (their caches drop within ~200 ms).
use crate::clock::SystemClock;
use crate::config::Config;
use anyhow::Context;
use tessera_crypto::{ClientSecret, PasswordHasher};
use tessera_model::{new_guid, AppId, Clock, PasswordCredential, TenantId};
use tessera_store::Store;
use zeroize::Zeroizing;

async fn tenant_or_bootstrap(
    store: &dyn Store,
    tenant: Option<TenantId>,
) -> anyhow::Result<TenantId> {
    match tenant {
        Some(t) => Ok(t),
        None => store
            .bootstrapped_tenant()
            .await?
            .context("the database has no tenant yet: run `tessera serve` once"),
    }
}

/// Sets a new generated password for a user; returns it.
pub async fn reset_password(
    config: Config,
    upn: &str,
    tenant: Option<TenantId>,
) -> anyhow::Result<Zeroizing<String>> {
    crate::datadir::prepare(&config.data_dir)?;
    let store = crate::server::open_store(&config).await?;
    let t = tenant_or_bootstrap(store.as_ref(), tenant).await?;
    let user = store
        .get_user_by_upn(t, upn)
        .await?
        .with_context(|| format!("no user {upn:?} in tenant {t}"))?;
    let password = tessera_crypto::generate_password(&mut rand::rngs::OsRng);
    let p = password.clone();
    let hash = tokio::task::spawn_blocking(move || {
        PasswordHasher::default().hash(&p, &mut rand::rngs::OsRng)
    })
    .await??;
    store
        .set_user_password_hash(t, user.id, &hash, SystemClock.now())
        .await?;
    store.close().await;
    Ok(password)
}

/// Adds a generated client secret to an application; returns it.
pub async fn add_client_secret(
    config: Config,
    client_id: AppId,
    display_name: &str,
    days: u32,
) -> anyhow::Result<Zeroizing<String>> {
    crate::datadir::prepare(&config.data_dir)?;
    let store = crate::server::open_store(&config).await?;
    let (home, app) = store
        .application_by_app_id(client_id)
        .await?
        .with_context(|| format!("no application with client id {client_id}"))?;
    let now = SystemClock.now();
    let secret = ClientSecret::generate(&mut rand::rngs::OsRng);
    let cred = PasswordCredential {
        key_id: new_guid(&mut rand::rngs::OsRng),
        display_name: Some(display_name.to_string()),
        hint: Some(secret.hint()),
        start_date_time: now,
        end_date_time: now + time::Duration::days(days.clamp(1, 3650).into()),
    };
    store
        .add_password_credential(
            home,
            app.id,
            &cred,
            &tessera_crypto::secret_digest(secret.expose()),
            now,
        )
        .await?;
    store.close().await;
    Ok(Zeroizing::new(secret.expose().to_string()))
}

/// Chooses the algorithm the tenant's tokens are signed with (`None`: the
/// server's default). Running servers switch within seconds; the first
/// token of a new algorithm starts its key series.
pub async fn set_signing_alg(
    config: Config,
    alg: Option<&str>,
    tenant: Option<TenantId>,
) -> anyhow::Result<TenantId> {
    if let Some(a) = alg {
        a.parse::<tessera_crypto::SigningAlg>()
            .map_err(|_| anyhow::anyhow!("{a:?} is not one of RS256, ES256, EdDSA"))?;
    }
    crate::datadir::prepare(&config.data_dir)?;
    let store = crate::server::open_store(&config).await?;
    let t = tenant_or_bootstrap(store.as_ref(), tenant).await?;
    store
        .set_tenant_signing_alg(t, alg, SystemClock.now())
        .await
        .with_context(|| format!("no tenant {t}"))?;
    store.close().await;
    Ok(t)
}
