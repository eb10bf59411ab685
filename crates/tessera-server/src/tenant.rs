//! The `{tenant}` path segment: a tenant id, a verified domain, or one of the
//! multi-tenant aliases.
use tessera_model::TenantId;
use tessera_store::{Store, StoreResult};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathTenant {
    /// A tenant that exists.
    Tenant(TenantId),
    /// `common` or `organizations`: the user's tenant is decided at sign-in.
    Common,
    /// A GUID or domain that names no tenant.
    Unknown,
}

pub async fn resolve(store: &dyn Store, segment: &str) -> StoreResult<PathTenant> {
    if segment.eq_ignore_ascii_case("common") || segment.eq_ignore_ascii_case("organizations") {
        return Ok(PathTenant::Common);
    }
    if let Ok(id) = segment.parse::<TenantId>() {
        return Ok(match store.get_tenant(id).await? {
            Some(_) => PathTenant::Tenant(id),
            None => PathTenant::Unknown,
        });
    }
    Ok(match store.tenant_by_domain(segment).await? {
        Some(id) => PathTenant::Tenant(id),
        None => PathTenant::Unknown,
    })
}
