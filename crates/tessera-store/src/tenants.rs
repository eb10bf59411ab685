//! A tenant's life cycle beyond the first one: further tenants written from
//! a plan (as the bootstrap writes the first, without its marker), and
//! deleting a tenant with every row it owns. Operator commands only
//! (`tessera admin create-tenant`, `delete-tenant`); see
//! docs/design/bootstrap.md ("Further tenants").
use crate::{BootstrapPlan, StoreResult};
use async_trait::async_trait;
use tessera_model::TenantId;
use time::OffsetDateTime;

/// Every table that holds rows of a tenant, in the order a deletion empties
/// them (rows that reference others first, `tenants` last). Each has a
/// `tenant_id` column except `tenants` (its `id`). A test compares this list
/// with the schema of both backends, so a new tenant-owned table cannot be
/// forgotten.
pub const TENANT_TABLES: &[&str] = &[
    "bootstrap_state",
    "refresh_tokens",
    "authorization_codes",
    "device_codes",
    "pushed_requests",
    "sso_sessions",
    "sign_in_throttle",
    "used_challenges",
    "sign_in_log",
    "auth_methods",
    "extension_values",
    "extension_properties",
    "application_identifier_uris",
    "group_owners",
    "group_members",
    "directory_groups",
    "app_role_assignments",
    "oauth2_permission_grants",
    "service_principals",
    "password_credentials",
    "key_credentials",
    "applications",
    "directory_role_assignments",
    "users",
    "used_assertions",
    "signing_keys",
    "tenant_settings",
    "tenant_policies",
    "domains",
    "change_log",
    "tenants",
];

/// What deleting the bootstrap tenant did to the database's default tenant
/// (`TenantStore::bootstrapped_tenant`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultTenant {
    /// The deleted tenant was not the default one.
    Unchanged,
    /// The oldest remaining tenant became the default.
    MovedTo(TenantId),
    /// No tenant remains: the next start bootstraps a new one.
    Cleared,
}

/// What a deletion removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantDeletion {
    /// Rows removed per table, in [`TENANT_TABLES`] order.
    pub rows: Vec<(&'static str, u64)>,
    pub default_tenant: DefaultTenant,
}

#[async_trait]
pub trait TenantLifecycleStore: Send + Sync {
    /// Creates a further tenant from `plan` in one transaction: what
    /// `TenantStore::bootstrap` writes, without the bootstrap marker. Fails
    /// with `Conflict` naming the initial domain when any tenant already
    /// has that domain name (verified or not).
    async fn provision_tenant(&self, plan: &BootstrapPlan) -> StoreResult<()>;
    /// The tenant's rows per table, in [`TENANT_TABLES`] order: what
    /// [`TenantLifecycleStore::delete_tenant`] would remove.
    async fn tenant_rows(&self, t: TenantId) -> StoreResult<Vec<(&'static str, u64)>>;
    /// Deletes the tenant and every row it owns in one transaction, plus
    /// device authorizations of other tenants that a user of this tenant
    /// approved or alone may approve. If it was the bootstrap (default)
    /// tenant, the oldest remaining tenant takes its place. One change-log
    /// entry under the nil tenant id (no tenant's; kind organization, type
    /// deleted, object id = the tenant) tells every node to drop its caches.
    /// `NotFound` when no row of the tenant exists; leftovers of an earlier
    /// deletion (rows without their tenant) are removed too.
    async fn delete_tenant(&self, t: TenantId, now: OffsetDateTime) -> StoreResult<TenantDeletion>;
}
