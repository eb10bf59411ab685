//! Delegated access: which resource and scopes a user-facing request is for,
//! and which of them still need the user's (or an admin's) consent. Used by
//! the authorization endpoint before it issues a code, and by the refresh
//! grant when a client asks for other scopes than before.
use crate::error::*;
use crate::scope::{self, Requested, ScopeError};
use std::sync::Arc;
use tessera_model::graph_permissions::GRAPH_APP_ID;
use tessera_model::{Application, ObjectId, ServicePrincipal, TenantId};

/// A resolved scope request.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub requested: Requested,
    pub resource_sp: Arc<ServicePrincipal>,
    /// The directory API's service principal (home of the OIDC scopes).
    pub graph_sp: Arc<ServicePrincipal>,
    /// Scope values on the resource, `.default` expanded.
    pub values: Vec<String>,
}

impl Resolved {
    fn graph_is_resource(&self) -> bool {
        self.requested.resource == GRAPH_APP_ID
    }

    /// The access token's `scp`.
    pub fn scp(&self) -> Vec<String> {
        let mut out = self.values.clone();
        if self.graph_is_resource() {
            for o in &self.requested.oidc {
                if o != "offline_access" && !out.contains(o) {
                    out.push(o.clone());
                }
            }
        }
        out
    }

    /// The `scope` of the token response: resource scopes as the client named
    /// their resource (short names for the directory API), then OIDC scopes.
    pub fn answer(&self) -> String {
        let mut out: Vec<String> = match (&self.requested.prefix, self.graph_is_resource()) {
            (Some(p), false) => self.values.iter().map(|v| format!("{p}/{v}")).collect(),
            _ => self.values.clone(),
        };
        out.extend(self.requested.oidc.iter().cloned());
        out.join(" ")
    }

    /// What consent must cover: (resource service principal, scope values).
    pub fn consent_needed(&self) -> Vec<(Arc<ServicePrincipal>, Vec<String>)> {
        if self.graph_is_resource() {
            let mut all = self.values.clone();
            all.extend(self.requested.oidc.iter().cloned());
            vec![(self.resource_sp.clone(), all)]
        } else {
            let mut v = vec![(self.resource_sp.clone(), self.values.clone())];
            if !self.requested.oidc.is_empty() {
                v.push((self.graph_sp.clone(), self.requested.oidc.clone()));
            }
            v.retain(|(_, s)| !s.is_empty());
            v
        }
    }
}

/// Resolves `scope` for `client` in `tenant`.
pub async fn resolve(
    directory: &dyn crate::directory::Directory,
    public_url: &str,
    tenant: TenantId,
    client: &Application,
    scope: &str,
) -> Result<Resolved, OAuthError> {
    let requested = scope::parse(scope, public_url).map_err(|e| match e {
        ScopeError::SeveralResources => OAuthError::new(SCOPE_SEVERAL_RESOURCES),
        ScopeError::UnknownResource(r) => OAuthError::with(
            SCOPE_INVALID,
            format!("Unknown resource: '{}'.", crate::request::printable(&r)),
        ),
        ScopeError::Empty => crate::request::missing("scope"),
    })?;
    let graph_sp = directory
        .service_principal(tenant, GRAPH_APP_ID)
        .await?
        .ok_or_else(|| OAuthError::new(RESOURCE_NOT_FOUND))?;
    let resource_sp = if requested.resource == GRAPH_APP_ID {
        graph_sp.clone()
    } else {
        directory
            .service_principal(tenant, requested.resource)
            .await?
            .ok_or_else(|| {
                OAuthError::with(
                    RESOURCE_NOT_FOUND,
                    format!("Resource: '{}'.", requested.resource),
                )
            })?
    };
    let values = scope::expand(&requested, client, &resource_sp.oauth2_permission_scopes);
    let unknown = scope::unknown(&values, &resource_sp.oauth2_permission_scopes);
    if let Some(u) = unknown.first() {
        return Err(OAuthError::with(
            SCOPE_INVALID,
            format!(
                "The resource has no scope '{}'.",
                crate::request::printable(u)
            ),
        ));
    }
    Ok(Resolved {
        requested,
        resource_sp,
        graph_sp,
        values,
    })
}

/// What consent is missing for `user` (or, with `None`, for everyone).
/// `client_sp` is `None` when the client has no service principal in the
/// tenant yet (a multi-tenant app's first use there): then everything is.
pub async fn missing_consent(
    store: &dyn tessera_store::Store,
    tenant: TenantId,
    client_sp: Option<ObjectId>,
    user: Option<ObjectId>,
    r: &Resolved,
) -> Result<Vec<(Arc<ServicePrincipal>, Vec<String>)>, OAuthError> {
    let grants = match client_sp {
        Some(sp) => {
            store
                .oauth2_permission_grants_for_client(tenant, sp)
                .await?
        }
        None => vec![],
    };
    let mut missing = Vec::new();
    for (resource, values) in r.consent_needed() {
        let covered = |v: &String| {
            grants.iter().any(|g| {
                g.resource_id == resource.id
                    && (g.consent_type == "AllPrincipals"
                        || (user.is_some() && g.principal_id == user))
                    && g.scope.split_ascii_whitespace().any(|s| s == v)
            })
        };
        let lacking: Vec<String> = values.into_iter().filter(|v| !covered(v)).collect();
        if !lacking.is_empty() {
            missing.push((resource, lacking));
        }
    }
    Ok(missing)
}

/// Whether a scope needs an administrator to consent to it.
pub fn admin_only(resource: &ServicePrincipal, value: &str) -> bool {
    resource
        .oauth2_permission_scopes
        .iter()
        .find(|s| s.value == value)
        .is_some_and(|s| s.kind == "Admin")
}
