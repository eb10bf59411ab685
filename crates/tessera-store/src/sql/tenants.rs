//! `TenantLifecycleStore`: further tenants from a plan, a tenant's rows, and
//! deleting a tenant with all of them. Written once for both backends.

/// The rows of tenant `$1` in `table` (a name from `TENANT_TABLES`). Device
/// authorizations count also where one of the tenant's users approved them
/// or alone may approve them (they live in the client's tenant).
pub(crate) fn tenant_condition(table: &str) -> &'static str {
    match table {
        "tenants" => "id = $1",
        "device_codes" => "tenant_id = $1 OR approved_tenant = $1 OR user_tenant = $1",
        _ => "tenant_id = $1",
    }
}

/// Implements `TenantLifecycleStore` (and the plan writer `TenantStore::bootstrap`
/// shares) for a store type with `fn read(&self) -> &Pool<DB>` and
/// `async fn begin_write(&self) -> Transaction`.
macro_rules! impl_tenants {
    ($store:ty, $db:ty) => {
        impl $store {
            /// Writes everything a plan names — tenant, initial domain,
            /// admin and role, client application, secret, service
            /// principals, app role assignments, signing key — inside the
            /// caller's transaction. The initial domain must be new to the
            /// database.
            async fn tx_write_plan(
                tx: &mut sqlx::Transaction<'static, $db>,
                plan: &$crate::BootstrapPlan,
            ) -> $crate::StoreResult<()> {
                let (t, now) = (plan.tenant.id, plan.now);
                let name = tessera_model::normalize_domain(&plan.initial_domain.name).ok_or_else(|| {
                    $crate::StoreError::InvalidInput(format!("{:?} is not a domain name", plan.initial_domain.name))
                })?;
                if let Some(row) = sqlx::query("SELECT tenant_id FROM domains WHERE name = $1 ORDER BY tenant_id LIMIT 1")
                    .bind(&name)
                    .fetch_optional(&mut **tx)
                    .await?
                {
                    let owner: tessera_model::TenantId = $crate::sql::guid(&row, "tenant_id")?;
                    return Err($crate::StoreError::Conflict(format!("the domain {name} is already used by tenant {owner}")));
                }
                // A concurrent writer of the same verified name fails on the
                // unique index instead.
                Self::tx_create_tenant(tx, &plan.tenant, &plan.initial_domain)
                    .await
                    .map_err(|e| match e {
                        $crate::StoreError::Conflict(_) => {
                            $crate::StoreError::Conflict(format!("the domain {name} is already used by another tenant"))
                        }
                        other => other,
                    })?;
                Self::tx_create_user(tx, t, &plan.admin, now).await?;
                Self::tx_create_role_assignment(tx, t, &plan.admin_role, now).await?;
                Self::tx_create_application(tx, t, &plan.client_app, now).await?;
                Self::tx_add_password_credential(tx, t, plan.client_app.id, &plan.client_secret, &plan.client_secret_digest, now).await?;
                Self::tx_create_service_principal(tx, t, &plan.client_sp, now).await?;
                Self::tx_create_service_principal(tx, t, &plan.graph_sp, now).await?;
                for a in &plan.client_app_roles {
                    Self::tx_create_app_role_assignment(tx, t, a, now).await?;
                }
                Self::tx_insert_signing_key(tx, t, &plan.signing_key).await?;
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl $crate::TenantLifecycleStore for $store {
            async fn provision_tenant(&self, plan: &$crate::BootstrapPlan) -> $crate::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                Self::tx_write_plan(&mut tx, plan).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn tenant_rows(&self, t: tessera_model::TenantId) -> $crate::StoreResult<Vec<(&'static str, u64)>> {
                let mut out = Vec::with_capacity($crate::TENANT_TABLES.len());
                for table in $crate::TENANT_TABLES {
                    let sql = format!(
                        "SELECT COUNT(*) AS n FROM {table} WHERE {}",
                        $crate::sql::tenants::tenant_condition(table)
                    );
                    let row = sqlx::query(&sql).bind(t.to_string()).fetch_one(self.read()).await?;
                    let n = $crate::sql::Get::int(&row, "n")?;
                    out.push((*table, u64::try_from(n).unwrap_or(0)));
                }
                Ok(out)
            }

            async fn delete_tenant(&self, t: tessera_model::TenantId, now: time::OffsetDateTime) -> $crate::StoreResult<$crate::TenantDeletion> {
                use tessera_model::*;
                let mut tx = self.begin_write().await?;
                // The default tenant's marker moves to the oldest remaining
                // tenant (or goes) before its tenant row can be deleted.
                let marked = sqlx::query("SELECT tenant_id FROM bootstrap_state WHERE id = 1 AND tenant_id = $1")
                    .bind(t.to_string())
                    .fetch_optional(&mut *tx)
                    .await?
                    .is_some();
                let mut default_tenant = $crate::DefaultTenant::Unchanged;
                if marked {
                    let next = sqlx::query("SELECT id FROM tenants WHERE id <> $1 ORDER BY created_at, id LIMIT 1")
                        .bind(t.to_string())
                        .fetch_optional(&mut *tx)
                        .await?;
                    default_tenant = match next {
                        Some(row) => {
                            let next: TenantId = $crate::sql::guid(&row, "id")?;
                            sqlx::query("UPDATE bootstrap_state SET tenant_id = $1 WHERE id = 1")
                                .bind(next.to_string())
                                .execute(&mut *tx)
                                .await?;
                            $crate::DefaultTenant::MovedTo(next)
                        }
                        None => $crate::DefaultTenant::Cleared,
                    };
                }
                let mut rows = Vec::with_capacity($crate::TENANT_TABLES.len());
                let mut total = 0;
                for table in $crate::TENANT_TABLES {
                    let sql = format!("DELETE FROM {table} WHERE {}", $crate::sql::tenants::tenant_condition(table));
                    let n = sqlx::query(&sql).bind(t.to_string()).execute(&mut *tx).await?.rows_affected();
                    total += n;
                    rows.push((*table, n));
                }
                if total == 0 {
                    return Err($crate::StoreError::NotFound);
                }
                // Under no tenant: every node's cache follower sees the
                // sequence move and drops what it knew of this tenant.
                let nobody = TenantId(uuid::Uuid::nil());
                $crate::sql::log_change!(&mut tx, nobody, ObjectKind::Organization, ObjectId(t.0), ChangeType::Deleted, now, serde_json::json!({ "id": t }));
                tx.commit().await?;
                Ok($crate::TenantDeletion { rows, default_tenant })
            }
        }
    };
}
pub(crate) use impl_tenants;
