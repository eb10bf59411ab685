//! Entra's `appRoleAssignmentRequired` on a service principal: when set,
//! only principals assigned to the application (any of its app roles, or
//! the default access role, directly or through a group the user is a
//! member of, transitively) may use it. A user signing in to a client that
//! requires assignment, and an app asking for an app-only token for a
//! resource that requires assignment, are refused with AADSTS50105. Checked
//! at every token a user's grant yields (sign-in code, refresh, device code,
//! on-behalf-of), so removing an assignment takes effect at the next token.
use crate::error::*;
use tessera_model::{ObjectId, ServicePrincipal, TenantId};
use tessera_store::Store;

/// Whether any of `holders` (a user and its groups, or a service
/// principal) holds an assignment to `sp`. Read from the store, not the
/// directory cache: an assignment made or removed counts at once.
pub async fn holds_assignment(
    store: &dyn Store,
    t: TenantId,
    sp: &ServicePrincipal,
    holders: &[ObjectId],
) -> Result<bool, OAuthError> {
    for h in holders {
        if store
            .app_role_assignments_of(t, *h)
            .await?
            .iter()
            .any(|a| a.resource_id == sp.id)
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `Ok` unless `sp` requires assignment and none of `holders` is assigned.
pub async fn require(
    store: &dyn Store,
    t: TenantId,
    sp: &ServicePrincipal,
    holders: &[ObjectId],
    who: &str,
) -> Result<(), OAuthError> {
    if !sp.app_role_assignment_required || holds_assignment(store, t, sp, holders).await? {
        return Ok(());
    }
    Err(OAuthError::with(
        NOT_ASSIGNED,
        format!(
            "{who} is not assigned to a role for the application '{}' ({}).",
            sp.app_id,
            crate::request::printable(&sp.display_name)
        ),
    ))
}
