//! First start on an empty database: create the initial tenant, an admin, a
//! confidential client with full application permissions on the directory API,
//! and a signing key; then tell the operator through `bootstrap.json`. The same
//! plan (`new_tenant`) makes further tenants for `tessera admin create-tenant`.
//! Design and risks: docs/design/bootstrap.md.
use crate::datadir::{self, BOOTSTRAP_FILE};
use anyhow::Context;
use rand::{CryptoRng, RngCore};
use serde::Serialize;
use std::path::{Path, PathBuf};
use tessera_crypto::{ClientSecret, MasterKey, PasswordHasher, SigningAlg};
use tessera_model::*;
use tessera_store::{BootstrapOutcome, BootstrapPlan, Store};
use time::OffsetDateTime;
use zeroize::Zeroizing;

/// The contents of `bootstrap.json`: exactly these keys.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BootstrapFile {
    pub tenant_id: TenantId,
    pub client_id: AppId,
    pub client_secret: String,
    pub admin_user_principal_name: String,
    pub admin_password: String,
}

impl Drop for BootstrapFile {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.client_secret.zeroize();
        self.admin_password.zeroize();
    }
}

/// What happened at start-up.
#[derive(Debug)]
pub struct Bootstrapped {
    pub tenant_id: TenantId,
    /// Set when this start created the tenant and wrote the credentials file.
    pub written: Option<PathBuf>,
}

/// Bootstraps the database if nobody has, and writes the credentials file if
/// this node did it.
pub async fn ensure(
    store: &dyn Store,
    master: &MasterKey,
    alg: SigningAlg,
    data_dir: &Path,
    now: OffsetDateTime,
) -> anyhow::Result<Bootstrapped> {
    if let Some(t) = store.bootstrapped_tenant().await? {
        warn_if_exposed(data_dir);
        return Ok(Bootstrapped {
            tenant_id: t,
            written: None,
        });
    }
    let (plan, file) = new_tenant(&TenantNaming::default(), alg, master, now).await?;
    match store.bootstrap(&plan).await? {
        BootstrapOutcome::AlreadyBootstrapped(t) => {
            tracing::info!(tenant = %t, "database was bootstrapped by another node");
            Ok(Bootstrapped {
                tenant_id: t,
                written: None,
            })
        }
        BootstrapOutcome::Created => {
            let path = write_file(data_dir, &file)?;
            tracing::info!(tenant = %plan.tenant.id, path = %path.display(), "bootstrapped a new tenant; first-start credentials written");
            Ok(Bootstrapped {
                tenant_id: plan.tenant.id,
                written: Some(path),
            })
        }
    }
}

/// Writes `bootstrap.json` (0600, never overwriting); if one is already there
/// (a data directory reused with a fresh database), `bootstrap-{tenant}.json`.
fn write_file(data_dir: &Path, file: &BootstrapFile) -> anyhow::Result<PathBuf> {
    let json = Zeroizing::new(serde_json::to_vec_pretty(file)?);
    let primary = data_dir.join(BOOTSTRAP_FILE);
    let path = if primary.exists() {
        let alt = data_dir.join(format!("bootstrap-{}.json", file.tenant_id));
        tracing::warn!(existing = %primary.display(), path = %alt.display(), "bootstrap.json exists and is never overwritten; writing the new tenant's credentials beside it");
        alt
    } else {
        primary
    };
    datadir::write_new_private(&path, &json)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

fn warn_if_exposed(data_dir: &Path) {
    let path = data_dir.join(BOOTSTRAP_FILE);
    if let Some(problem) = datadir::private_file_problem(&path) {
        tracing::warn!(path = %path.display(), "unsafe permissions on the bootstrap credentials file: {problem}");
    }
}

/// A new tenant's name and initial domain.
#[derive(Clone, Debug)]
pub struct TenantNaming {
    pub display_name: String,
    /// The initial (default, verified) domain, normalised; `None`:
    /// `tenant-{first 8 hex of the id}.tessera.test`.
    pub domain: Option<String>,
}

impl Default for TenantNaming {
    /// What the first start creates.
    fn default() -> Self {
        Self {
            display_name: "Tessera".into(),
            domain: None,
        }
    }
}

/// A plan for a new tenant with fresh credentials (admin password hashed off
/// the async runtime, client secret, a signing key of `alg` sealed under
/// `master`), and the credentials to show once.
pub async fn new_tenant(
    naming: &TenantNaming,
    alg: SigningAlg,
    master: &MasterKey,
    now: OffsetDateTime,
) -> anyhow::Result<(BootstrapPlan, BootstrapFile)> {
    let admin_password = tessera_crypto::generate_password(&mut rand::rngs::OsRng);
    let password_for_hash = admin_password.clone();
    let admin_hash = tokio::task::spawn_blocking(move || {
        PasswordHasher::default().hash(&password_for_hash, &mut rand::rngs::OsRng)
    })
    .await
    .context("password hashing task")??;
    let secret = ClientSecret::generate(&mut rand::rngs::OsRng);
    let signing_key = tessera_crypto::generate_signing_key(alg)?;
    let plan = plan(
        &mut rand::rngs::OsRng,
        now,
        naming,
        admin_hash,
        &secret,
        &signing_key,
        master,
    )?;
    let file = BootstrapFile {
        tenant_id: plan.tenant.id,
        client_id: plan.client_app.app_id,
        client_secret: secret.expose().to_string(),
        admin_user_principal_name: plan.admin.user_principal_name.clone(),
        admin_password: admin_password.to_string(),
    };
    Ok((plan, file))
}

/// Everything a new tenant starts with (the first start's, and
/// `tessera admin create-tenant`'s). Pure: ids from `rng`, time from `now`.
pub fn plan(
    rng: &mut (impl RngCore + CryptoRng),
    now: OffsetDateTime,
    naming: &TenantNaming,
    admin_password_hash: String,
    secret: &ClientSecret,
    key: &tessera_crypto::GeneratedKey,
    master: &MasterKey,
) -> Result<BootstrapPlan, tessera_crypto::CryptoError> {
    let tenant = Tenant {
        id: TenantId::random(rng),
        display_name: naming.display_name.clone(),
        created_date_time: now,
    };
    let domain_name = match &naming.domain {
        Some(d) => d.clone(),
        None => format!("tenant-{}.tessera.test", &tenant.id.to_string()[..8]),
    };
    let initial_domain = Domain {
        name: domain_name.clone(),
        tenant_id: Some(tenant.id),
        is_default: true,
        is_initial: true,
        is_verified: true,
    };
    let admin = NewUser {
        id: ObjectId::random(rng),
        user_principal_name: format!("admin@{domain_name}"),
        display_name: "Administrator".into(),
        given_name: None,
        surname: None,
        mail: None,
        account_enabled: true,
        password_hash: Some(admin_password_hash),
        profile: Default::default(),
        force_change_password: false,
    };
    let admin_role = DirectoryRoleAssignment {
        id: ObjectId::random(rng),
        role_definition_id: directory_roles::GLOBAL_ADMINISTRATOR.id,
        principal_id: admin.id,
        directory_scope_id: "/".into(),
    };
    let client_app = Application {
        id: ObjectId::random(rng),
        app_id: AppId::random(rng),
        display_name: "Tessera bootstrap client".into(),
        sign_in_audience: SignInAudience::AzureADMyOrg,
        settings: ApplicationSettings {
            required_resource_access: vec![RequiredResourceAccess {
                resource_app_id: graph_permissions::GRAPH_APP_ID,
                resource_access: graph_permissions::APPLICATION_PERMISSIONS
                    .iter()
                    .map(|p| ResourceAccess {
                        id: p.id,
                        kind: "Role".into(),
                    })
                    .collect(),
            }],
            ..Default::default()
        },
        created_date_time: now,
    };
    let client_secret = PasswordCredential {
        key_id: new_guid(rng),
        display_name: Some("bootstrap".into()),
        hint: Some(secret.hint()),
        start_date_time: now,
        end_date_time: now + time::Duration::days(730),
    };
    let client_sp = ServicePrincipal {
        id: ObjectId::random(rng),
        app_id: client_app.app_id,
        app_owner_organization_id: Some(tenant.id),
        display_name: client_app.display_name.clone(),
        account_enabled: true,
        service_principal_type: "Application".into(),
        service_principal_names: vec![client_app.app_id.to_string()],
        app_roles: vec![],
        oauth2_permission_scopes: vec![],
        app_role_assignment_required: false,
        created_date_time: now,
    };
    let graph_sp = graph_service_principal(ObjectId::random(rng), now);
    let client_app_roles = graph_permissions::APPLICATION_PERMISSIONS
        .iter()
        .map(|p| AppRoleAssignment {
            id: ObjectId::random(rng),
            app_role_id: p.id,
            principal_id: client_sp.id,
            principal_type: ObjectKind::ServicePrincipal,
            resource_id: graph_sp.id,
            created_date_time: now,
        })
        .collect();
    let signing_key = SigningKeyRecord {
        kid: key.kid.clone(),
        alg: key.alg.as_str().into(),
        sealed_private_key: master.seal(
            &key.private_pkcs8,
            &crate::keys::aad(tenant.id, &key.kid),
            rng,
        )?,
        public_jwk: key.public_jwk.clone(),
        created_at: now,
        active_from: now,
        retired_at: None,
    };
    Ok(BootstrapPlan {
        tenant,
        initial_domain,
        admin,
        admin_role,
        client_app,
        client_secret_digest: tessera_crypto::secret_digest(secret.expose()),
        client_secret,
        client_sp,
        graph_sp,
        client_app_roles,
        signing_key,
        now,
    })
}

/// Brings every tenant's directory API service principal up to this
/// version's permissions (app roles and delegated scopes), so that
/// permissions added in a release (e.g. `UserAuthenticationMethod.*`) can
/// be granted in tenants bootstrapped before it. Idempotent; runs at start.
pub async fn sync_graph_permissions(
    store: &dyn tessera_store::Store,
    now: OffsetDateTime,
) -> tessera_store::StoreResult<usize> {
    let mut updated = 0;
    for t in store.list_tenant_ids().await? {
        let Some(mut sp) = store
            .service_principal_by_app_id(t, graph_permissions::GRAPH_APP_ID)
            .await?
        else {
            continue;
        };
        let (roles, scopes) = (graph_permissions::app_roles(), graph_permissions::scopes());
        if sp.app_roles != roles || sp.oauth2_permission_scopes != scopes {
            sp.app_roles = roles;
            sp.oauth2_permission_scopes = scopes;
            store.update_service_principal(t, &sp, now).await?;
            updated += 1;
        }
    }
    Ok(updated)
}

/// The built-in directory API's service principal, as every tenant has it.
pub fn graph_service_principal(id: ObjectId, now: OffsetDateTime) -> ServicePrincipal {
    ServicePrincipal {
        id,
        app_id: graph_permissions::GRAPH_APP_ID,
        app_owner_organization_id: None,
        display_name: graph_permissions::GRAPH_DISPLAY_NAME.into(),
        account_enabled: true,
        service_principal_type: "Application".into(),
        service_principal_names: vec![
            graph_permissions::GRAPH_IDENTIFIER_URI.into(),
            graph_permissions::GRAPH_APP_ID.to_string(),
        ],
        app_roles: graph_permissions::app_roles(),
        oauth2_permission_scopes: graph_permissions::scopes(),
        app_role_assignment_required: false,
        created_date_time: now,
    }
}
