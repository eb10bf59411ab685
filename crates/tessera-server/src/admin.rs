//! `tessera admin …`: operator commands that work on the database directly
//! (with or without a running server). Each new secret is printed once and
//! stored only as a hash or digest; the write goes through the store, so the
//! change log tells running nodes (their caches drop within ~200 ms).
//! Tenants: `create-tenant` reuses the first start's plan
//! (`bootstrap::new_tenant`), `delete-tenant` removes every row a tenant
//! owns (docs/design/bootstrap.md, "Further tenants").
use crate::bootstrap::{self, BootstrapFile, TenantNaming};
use crate::clock::SystemClock;
use crate::config::Config;
use crate::datadir::MASTER_KEY_FILE;
use crate::load::ConfigError;
use anyhow::Context;
use tessera_crypto::{ClientSecret, PasswordHasher};
use tessera_model::{new_guid, normalize_domain, AppId, Clock, PasswordCredential, TenantId};
pub use tessera_store::DefaultTenant;
use tessera_store::{Store, StoreError, TenantDeletion};
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

/// An operator command refused because of what it would do (exit status 2):
/// a missing confirmation, or the bootstrap tenant without its flag.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// A `--tenant` argument.
pub fn tenant_arg(s: &str) -> Result<TenantId, ConfigError> {
    s.parse().map_err(|_| ConfigError {
        key: "tenant".into(),
        message: "must be a tenant id (GUID)".into(),
    })
}

/// New credentials as printed once: JSON with `bootstrap.json`'s keys.
pub fn credentials_json(file: &BootstrapFile) -> anyhow::Result<Zeroizing<String>> {
    Ok(Zeroizing::new(serde_json::to_string_pretty(file)?))
}

fn usage(key: &str, message: String) -> anyhow::Error {
    ConfigError {
        key: key.into(),
        message,
    }
    .into()
}

/// Checks a new tenant's display name and initial domain (normalised).
pub fn tenant_naming(display_name: &str, domain: Option<&str>) -> anyhow::Result<TenantNaming> {
    let name = display_name.trim();
    if name.is_empty() || name.chars().count() > 256 || name.chars().any(char::is_control) {
        return Err(usage(
            "name",
            "must be 1-256 characters without control characters".into(),
        ));
    }
    let domain = domain
        .map(|d| {
            normalize_domain(d).ok_or_else(|| {
                usage(
                    "domain",
                    format!("{d:?} is not a domain name (letters, digits and hyphens in dot-separated labels, e.g. contoso.example)"),
                )
            })
        })
        .transpose()?;
    Ok(TenantNaming {
        display_name: name.to_string(),
        domain,
    })
}

/// Creates a further tenant as the first start creates one (admin, bootstrap
/// client, directory API service principal, signing key sealed under the
/// master key that `serve` would use); returns its credentials, to be shown
/// once. Running servers serve it at once (no per-process tenant list).
pub async fn create_tenant(config: Config, naming: &TenantNaming) -> anyhow::Result<BootstrapFile> {
    let alg: tessera_crypto::SigningAlg = config.token_signing_alg.parse().map_err(|_| {
        usage(
            "token_signing_alg",
            format!(
                "{:?} is not one of RS256, ES256, EdDSA",
                config.token_signing_alg
            ),
        )
    })?;
    crate::datadir::prepare(&config.data_dir)?;
    // The servers' key, never a new one: a key file created here would seal
    // the tenant's signing key under a key no server has.
    if config.master_key.is_none() && !config.data_dir.join(MASTER_KEY_FILE).exists() {
        return Err(usage(
            "master_key",
            format!(
                "no master key: {} does not exist; set TESSERA_MASTER_KEY (or --data-dir) as for `tessera serve`",
                config.data_dir.join(MASTER_KEY_FILE).display()
            ),
        ));
    }
    let master = crate::datadir::master_key(config.master_key.as_deref(), &config.data_dir)?;
    let store = crate::server::open_store(&config).await?;
    let home = tenant_or_bootstrap(store.as_ref(), None).await?;
    // The same check as a server's start: the master key opens the keys
    // already in the database.
    crate::keys::load(store.as_ref(), home, &master).await?;
    let (plan, file) = bootstrap::new_tenant(naming, alg, &master, SystemClock.now()).await?;
    store.provision_tenant(&plan).await.map_err(|e| match e {
        StoreError::Conflict(m) => anyhow::anyhow!(m),
        other => other.into(),
    })?;
    store.close().await;
    Ok(file)
}

/// One line of `tessera admin list-tenants`.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantSummary {
    pub id: TenantId,
    pub display_name: String,
    pub initial_domain: Option<String>,
    /// RFC 3339, UTC.
    pub created_date_time: String,
    /// The bootstrap (default) tenant.
    pub bootstrap: bool,
}

/// Every tenant, oldest first.
pub async fn list_tenants(config: Config) -> anyhow::Result<Vec<TenantSummary>> {
    crate::datadir::prepare(&config.data_dir)?;
    let store = crate::server::open_store(&config).await?;
    let default = store.bootstrapped_tenant().await?;
    let mut out = Vec::new();
    for id in store.list_tenant_ids().await? {
        // Deleted since the listing: skip.
        let Some(t) = store.get_tenant(id).await? else {
            continue;
        };
        let initial_domain = store
            .list_domains(id)
            .await?
            .into_iter()
            .find(|d| d.is_initial)
            .map(|d| d.name);
        out.push((
            t.created_date_time,
            TenantSummary {
                id,
                display_name: t.display_name,
                initial_domain,
                created_date_time: t
                    .created_date_time
                    .format(&time::format_description::well_known::Rfc3339)?,
                bootstrap: default == Some(id),
            },
        ));
    }
    store.close().await;
    out.sort_by_key(|a| (a.0, a.1.id.to_string()));
    Ok(out.into_iter().map(|(_, s)| s).collect())
}

/// `list-tenants` output: one JSON array, or one tab-separated line per
/// tenant (id, display name, initial domain or `-`, created, `bootstrap`
/// or `-`).
pub fn tenant_listing(tenants: &[TenantSummary], json: bool) -> anyhow::Result<String> {
    if json {
        return Ok(serde_json::to_string_pretty(tenants)? + "\n");
    }
    let mut out = String::new();
    for t in tenants {
        let name: String = t
            .display_name
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\n",
            t.id,
            name,
            t.initial_domain.as_deref().unwrap_or("-"),
            t.created_date_time,
            if t.bootstrap { "bootstrap" } else { "-" }
        ));
    }
    Ok(out)
}

/// The operator's confirmations for [`delete_tenant`].
#[derive(Clone, Copy, Debug)]
pub struct DeleteConfirmation {
    /// `--yes`.
    pub yes: bool,
    /// `--including-bootstrap`.
    pub including_bootstrap: bool,
}

/// Deletes a tenant and every row it owns, in one transaction. Refused
/// ([`Refused`]) without `yes` (the message says what would go), and for
/// the bootstrap tenant without `including_bootstrap`.
pub async fn delete_tenant(
    config: Config,
    t: TenantId,
    confirm: DeleteConfirmation,
) -> anyhow::Result<TenantDeletion> {
    crate::datadir::prepare(&config.data_dir)?;
    let store = crate::server::open_store(&config).await?;
    let rows = store.tenant_rows(t).await?;
    if rows.iter().all(|(_, n)| *n == 0) {
        anyhow::bail!("no tenant {t}");
    }
    let what = describe(store.as_ref(), t, &rows).await?;
    if store.bootstrapped_tenant().await? == Some(t) && !confirm.including_bootstrap {
        return Err(Refused(format!(
            "tenant {t} is the bootstrap tenant, the servers' default (for `common`, \
             `organizations` and admin commands without --tenant); to delete it anyway add \
             --including-bootstrap: the oldest remaining tenant becomes the default, and every \
             server must then be restarted. It has {what}"
        ))
        .into());
    }
    if !confirm.yes {
        return Err(Refused(format!(
            "not deleting without --yes: this would delete tenant {t} and everything it owns: {what}"
        ))
        .into());
    }
    let deleted = store.delete_tenant(t, SystemClock.now()).await?;
    store.close().await;
    Ok(deleted)
}

/// "tenant "Name" (domains a, b): 3 users, 2 applications, …".
async fn describe(
    store: &dyn Store,
    t: TenantId,
    rows: &[(&'static str, u64)],
) -> anyhow::Result<String> {
    let name = store.get_tenant(t).await?.map(|x| x.display_name);
    let domains: Vec<String> = store
        .list_domains(t)
        .await?
        .into_iter()
        .map(|d| d.name)
        .collect();
    let counts: Vec<String> = rows
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(table, n)| format!("{n} {table}"))
        .collect();
    Ok(format!(
        "{} (domains: {}): {} rows ({})",
        name.map_or_else(|| "(tenant row already gone)".into(), |n| format!("{n:?}")),
        if domains.is_empty() {
            "none".into()
        } else {
            domains.join(", ")
        },
        rows.iter().map(|(_, n)| n).sum::<u64>(),
        counts.join(", ")
    ))
}
