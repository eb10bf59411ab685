//! Assignments, permission grants, signing keys and the change log, written
//! once for both backends.

macro_rules! impl_grants {
    ($store:ty, $db:ty) => {
        impl $store {
            async fn tx_create_app_role_assignment(
                tx: &mut sqlx::Transaction<'static, $db>,
                t: tessera_model::TenantId,
                a: &tessera_model::AppRoleAssignment,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<()> {
                use tessera_model::*;
                sqlx::query(
                    "INSERT INTO app_role_assignments (tenant_id, id, app_role_id, principal_id, principal_kind, resource_id, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(t.to_string())
                .bind(a.id.to_string())
                .bind(a.app_role_id.to_string())
                .bind(a.principal_id.to_string())
                .bind(a.principal_type.as_str())
                .bind(a.resource_id.to_string())
                .bind(to_millis(now))
                .execute(&mut **tx)
                .await
                .map_err(|e| match $crate::StoreError::from(e) {
                    $crate::StoreError::Conflict(_) => $crate::StoreError::Conflict("the principal already holds this app role".into()),
                    other => other,
                })?;
                $crate::sql::log_change!(tx, t, ObjectKind::AppRoleAssignment, a.id, ChangeType::Created, now, a);
                Ok(())
            }

            async fn tx_insert_signing_key(
                tx: &mut sqlx::Transaction<'static, $db>,
                t: tessera_model::TenantId,
                k: &tessera_model::SigningKeyRecord,
            ) -> $crate::StoreResult<()> {
                use tessera_model::*;
                sqlx::query(
                    "INSERT INTO signing_keys (tenant_id, kid, alg, sealed_private_key, public_jwk, created_at, active_from, retired_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(t.to_string())
                .bind(&k.kid)
                .bind(&k.alg)
                .bind(k.sealed_private_key.clone())
                .bind($crate::sql::to_json(&k.public_jwk)?)
                .bind(to_millis(k.created_at))
                .bind(to_millis(k.active_from))
                .bind(k.retired_at.map(to_millis))
                .execute(&mut **tx)
                .await?;
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl $crate::GrantStore for $store {
            async fn create_app_role_assignment(&self, t: tessera_model::TenantId, a: &tessera_model::AppRoleAssignment, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                Self::tx_create_app_role_assignment(&mut tx, t, a, now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn app_role_assignments_of(&self, t: tessera_model::TenantId, principal: tessera_model::ObjectId) -> $crate::StoreResult<Vec<tessera_model::AppRoleAssignment>> {
                let rows = sqlx::query(
                    "SELECT id, app_role_id, principal_id, principal_kind, resource_id, created_at FROM app_role_assignments \
                     WHERE tenant_id = $1 AND principal_id = $2 ORDER BY id",
                )
                .bind(t.to_string())
                .bind(principal.to_string())
                .fetch_all(self.read())
                .await?;
                rows.iter().map($crate::sql::app_role_assignment).collect()
            }

            async fn app_role_assigned_to(&self, t: tessera_model::TenantId, resource: tessera_model::ObjectId) -> $crate::StoreResult<Vec<tessera_model::AppRoleAssignment>> {
                let rows = sqlx::query(
                    "SELECT id, app_role_id, principal_id, principal_kind, resource_id, created_at FROM app_role_assignments \
                     WHERE tenant_id = $1 AND resource_id = $2 ORDER BY id",
                )
                .bind(t.to_string())
                .bind(resource.to_string())
                .fetch_all(self.read())
                .await?;
                rows.iter().map($crate::sql::app_role_assignment).collect()
            }

            async fn delete_app_role_assignment(&self, t: tessera_model::TenantId, id: tessera_model::ObjectId, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let mut tx = self.begin_write().await?;
                let n = sqlx::query("DELETE FROM app_role_assignments WHERE tenant_id = $1 AND id = $2")
                    .bind(t.to_string())
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                $crate::sql::expect_one(n)?;
                $crate::sql::log_change!(&mut tx, t, ObjectKind::AppRoleAssignment, id, ChangeType::Deleted, now, serde_json::json!({}));
                tx.commit().await?;
                Ok(())
            }

            async fn create_oauth2_permission_grant(&self, t: tessera_model::TenantId, g: &tessera_model::OAuth2PermissionGrant, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO oauth2_permission_grants (tenant_id, id, client_id, consent_type, principal_id, resource_id, scope, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(t.to_string())
                .bind(g.id.to_string())
                .bind(g.client_id.to_string())
                .bind(&g.consent_type)
                .bind(g.principal_id.map(|p| p.to_string()))
                .bind(g.resource_id.to_string())
                .bind(&g.scope)
                .bind(to_millis(now))
                .execute(&mut *tx)
                .await?;
                $crate::sql::log_change!(&mut tx, t, ObjectKind::OAuth2PermissionGrant, g.id, ChangeType::Created, now, g);
                tx.commit().await?;
                Ok(())
            }

            async fn add_delegated_grant(
                &self,
                t: tessera_model::TenantId,
                client: tessera_model::ObjectId,
                principal: Option<tessera_model::ObjectId>,
                resource: tessera_model::ObjectId,
                scopes: &[String],
                new_id: tessera_model::ObjectId,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<tessera_model::OAuth2PermissionGrant> {
                use tessera_model::*;
                let consent_type = if principal.is_some() { "Principal" } else { "AllPrincipals" };
                let principal_key = principal.map(|p| p.to_string()).unwrap_or_default();
                let mut tx = self.begin_write().await?;
                let row = sqlx::query(
                    "SELECT id, client_id, consent_type, principal_id, resource_id, scope FROM oauth2_permission_grants \
                     WHERE tenant_id = $1 AND client_id = $2 AND resource_id = $3 AND consent_type = $4 AND COALESCE(principal_id, '') = $5 \
                     ORDER BY id LIMIT 1",
                )
                .bind(t.to_string())
                .bind(client.to_string())
                .bind(resource.to_string())
                .bind(consent_type)
                .bind(&principal_key)
                .fetch_optional(&mut *tx)
                .await?;
                let existing = row.as_ref().map($crate::sql::permission_grant).transpose()?;
                let grant = match existing {
                    Some(mut g) => {
                        let mut all: Vec<String> = g.scope.split_ascii_whitespace().map(str::to_string).collect();
                        let before = all.len();
                        for s in scopes {
                            if !all.iter().any(|a| a == s) {
                                all.push(s.clone());
                            }
                        }
                        if all.len() == before {
                            return Ok(g);
                        }
                        g.scope = all.join(" ");
                        sqlx::query("UPDATE oauth2_permission_grants SET scope = $3 WHERE tenant_id = $1 AND id = $2")
                            .bind(t.to_string())
                            .bind(g.id.to_string())
                            .bind(&g.scope)
                            .execute(&mut *tx)
                            .await?;
                        $crate::sql::log_change!(&mut tx, t, ObjectKind::OAuth2PermissionGrant, g.id, ChangeType::Updated, now, g);
                        g
                    }
                    None => {
                        let g = OAuth2PermissionGrant {
                            id: new_id,
                            client_id: client,
                            consent_type: consent_type.to_string(),
                            principal_id: principal,
                            resource_id: resource,
                            scope: scopes.join(" "),
                        };
                        sqlx::query(
                            "INSERT INTO oauth2_permission_grants (tenant_id, id, client_id, consent_type, principal_id, resource_id, scope, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        )
                        .bind(t.to_string())
                        .bind(g.id.to_string())
                        .bind(g.client_id.to_string())
                        .bind(&g.consent_type)
                        .bind(g.principal_id.map(|p| p.to_string()))
                        .bind(g.resource_id.to_string())
                        .bind(&g.scope)
                        .bind(to_millis(now))
                        .execute(&mut *tx)
                        .await?;
                        $crate::sql::log_change!(&mut tx, t, ObjectKind::OAuth2PermissionGrant, g.id, ChangeType::Created, now, g);
                        g
                    }
                };
                tx.commit().await?;
                Ok(grant)
            }

            async fn oauth2_permission_grants_for_client(&self, t: tessera_model::TenantId, client: tessera_model::ObjectId) -> $crate::StoreResult<Vec<tessera_model::OAuth2PermissionGrant>> {
                let rows = sqlx::query(
                    "SELECT id, client_id, consent_type, principal_id, resource_id, scope FROM oauth2_permission_grants \
                     WHERE tenant_id = $1 AND client_id = $2 ORDER BY id",
                )
                .bind(t.to_string())
                .bind(client.to_string())
                .fetch_all(self.read())
                .await?;
                rows.iter().map($crate::sql::permission_grant).collect()
            }

            async fn create_directory_role_assignment(&self, t: tessera_model::TenantId, a: &tessera_model::DirectoryRoleAssignment, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                Self::tx_create_role_assignment(&mut tx, t, a, now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn directory_role_assignments_of(&self, t: tessera_model::TenantId, principal: tessera_model::ObjectId) -> $crate::StoreResult<Vec<tessera_model::DirectoryRoleAssignment>> {
                let rows = sqlx::query(
                    "SELECT id, role_definition_id, principal_id, directory_scope_id FROM directory_role_assignments \
                     WHERE tenant_id = $1 AND principal_id = $2 ORDER BY id",
                )
                .bind(t.to_string())
                .bind(principal.to_string())
                .fetch_all(self.read())
                .await?;
                rows.iter().map($crate::sql::role_assignment).collect()
            }
        }

        #[async_trait::async_trait]
        impl $crate::KeyStore for $store {
            async fn insert_signing_key(&self, t: tessera_model::TenantId, k: &tessera_model::SigningKeyRecord) -> $crate::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                Self::tx_insert_signing_key(&mut tx, t, k).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn insert_signing_key_if_newest(
                &self,
                t: tessera_model::TenantId,
                k: &tessera_model::SigningKeyRecord,
                expected_newest: Option<time::OffsetDateTime>,
            ) -> $crate::StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                // Serialises rotations of this tenant across nodes.
                Self::tx_lock_tenant(&mut tx, t).await?;
                let row = sqlx::query("SELECT MAX(active_from) AS newest FROM signing_keys WHERE tenant_id = $1 AND alg = $2 AND retired_at IS NULL")
                    .bind(t.to_string())
                    .bind(&k.alg)
                    .fetch_one(&mut *tx)
                    .await?;
                let newest = $crate::sql::Get::opt_int(&row, "newest")?;
                if newest != expected_newest.map(tessera_model::to_millis) {
                    return Ok(false);
                }
                Self::tx_insert_signing_key(&mut tx, t, k).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn list_signing_keys(&self, t: tessera_model::TenantId) -> $crate::StoreResult<Vec<tessera_model::SigningKeyRecord>> {
                let rows = sqlx::query(
                    "SELECT kid, alg, sealed_private_key, public_jwk, created_at, active_from, retired_at FROM signing_keys \
                     WHERE tenant_id = $1 ORDER BY active_from DESC, kid",
                )
                .bind(t.to_string())
                .fetch_all(self.read())
                .await?;
                rows.iter().map($crate::sql::signing_key).collect()
            }

            async fn retire_signing_key(&self, t: tessera_model::TenantId, kid: &str, at: time::OffsetDateTime) -> $crate::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let n = sqlx::query("UPDATE signing_keys SET retired_at = $3 WHERE tenant_id = $1 AND kid = $2 AND retired_at IS NULL")
                    .bind(t.to_string())
                    .bind(kid)
                    .bind(tessera_model::to_millis(at))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                $crate::sql::expect_one(n)?;
                tx.commit().await?;
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl $crate::ChangeStore for $store {
            async fn changes_since(&self, t: tessera_model::TenantId, after: i64, limit: u32) -> $crate::StoreResult<Vec<tessera_model::Change>> {
                let rows = sqlx::query(
                    "SELECT seq, tenant_id, object_kind, object_id, change_type, changed_at, detail FROM change_log \
                     WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                )
                .bind(t.to_string())
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(self.read())
                .await?;
                rows.iter().map($crate::sql::change).collect()
            }

            async fn latest_change_seq(&self) -> $crate::StoreResult<i64> {
                let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS seq FROM change_log").fetch_one(self.read()).await?;
                $crate::sql::Get::int(&row, "seq")
            }
        }
    };
}
pub(crate) use impl_grants;
