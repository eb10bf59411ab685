//! What the token endpoint reads about clients and resources. The server
//! implements it with a cache that the change log invalidates; `StoreDirectory`
//! reads the store directly.
use async_trait::async_trait;
use std::sync::Arc;
use tessera_model::{
    AppId, AppRoleAssignment, Application, KeyCredential, ObjectId, PasswordCredential,
    ServicePrincipal, TenantId,
};
use tessera_store::{Store, StoreResult};

/// An application with its home tenant and its client secrets (digests).
#[derive(Debug, Clone)]
pub struct ClientRecord {
    pub home_tenant: TenantId,
    pub app: Application,
    pub secrets: Vec<(PasswordCredential, Vec<u8>)>,
    /// Certificates (for private_key_jwt).
    pub certs: Vec<KeyCredential>,
}

#[async_trait]
pub trait Directory: Send + Sync {
    async fn client(&self, app_id: AppId) -> StoreResult<Option<Arc<ClientRecord>>>;
    async fn service_principal(
        &self,
        t: TenantId,
        app_id: AppId,
    ) -> StoreResult<Option<Arc<ServicePrincipal>>>;
    /// App role assignments held by `principal` in tenant `t`.
    async fn app_roles_held(
        &self,
        t: TenantId,
        principal: ObjectId,
    ) -> StoreResult<Arc<Vec<AppRoleAssignment>>>;
}

/// Reads straight from the store (no cache).
pub struct StoreDirectory<'a>(pub &'a dyn Store);

/// The lookups themselves, shared by every `Directory`.
pub async fn load_client(store: &dyn Store, app_id: AppId) -> StoreResult<Option<ClientRecord>> {
    let Some((home_tenant, app)) = store.application_by_app_id(app_id).await? else {
        return Ok(None);
    };
    let secrets = store.list_password_credentials(home_tenant, app.id).await?;
    let certs = store.list_key_credentials(home_tenant, app.id).await?;
    Ok(Some(ClientRecord {
        home_tenant,
        app,
        secrets,
        certs,
    }))
}

#[async_trait]
impl Directory for StoreDirectory<'_> {
    async fn client(&self, app_id: AppId) -> StoreResult<Option<Arc<ClientRecord>>> {
        Ok(load_client(self.0, app_id).await?.map(Arc::new))
    }
    async fn service_principal(
        &self,
        t: TenantId,
        app_id: AppId,
    ) -> StoreResult<Option<Arc<ServicePrincipal>>> {
        Ok(self
            .0
            .service_principal_by_app_id(t, app_id)
            .await?
            .map(Arc::new))
    }
    async fn app_roles_held(
        &self,
        t: TenantId,
        principal: ObjectId,
    ) -> StoreResult<Arc<Vec<AppRoleAssignment>>> {
        Ok(Arc::new(
            self.0.app_role_assignments_of(t, principal).await?,
        ))
    }
}
