//! `AdminStore`: service principal updates and deletes, grants and role
//! assignments by id, domains, directory extensions and their values.
//! Written once for both backends.

/// Extension values an object may hold (Entra's limit).
pub(crate) const MAX_EXTENSION_VALUES: i64 = 100;

macro_rules! impl_admin {
    ($store:ty, $db:ty) => {
        impl $store {
            /// Sets or clears extension values inside the caller's
            /// transaction, refusing more than the limit per object.
            async fn tx_set_extension_values(
                tx: &mut sqlx::Transaction<'static, $db>,
                t: tessera_model::TenantId,
                object: tessera_model::ObjectId,
                kind: tessera_model::ObjectKind,
                values: &[$crate::ExtensionWrite],
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<()> {
                use tessera_model::*;
                if values.is_empty() {
                    return Ok(());
                }
                let mut detail = serde_json::Map::new();
                for (name, v) in values {
                    sqlx::query("DELETE FROM extension_values WHERE tenant_id = $1 AND object_id = $2 AND name = $3")
                        .bind(t.to_string())
                        .bind(object.to_string())
                        .bind(name)
                        .execute(&mut **tx)
                        .await?;
                    if let Some((value, key)) = v {
                        sqlx::query("INSERT INTO extension_values (tenant_id, object_id, name, value, value_key) VALUES ($1, $2, $3, $4, $5)")
                            .bind(t.to_string())
                            .bind(object.to_string())
                            .bind(name)
                            .bind(value.to_string())
                            .bind(key)
                            .execute(&mut **tx)
                            .await?;
                    }
                    detail.insert(name.clone(), v.as_ref().map(|(v, _)| v.clone()).unwrap_or(serde_json::Value::Null));
                }
                let row = sqlx::query("SELECT COUNT(*) AS n FROM extension_values WHERE tenant_id = $1 AND object_id = $2")
                    .bind(t.to_string())
                    .bind(object.to_string())
                    .fetch_one(&mut **tx)
                    .await?;
                if $crate::sql::Get::int(&row, "n")? > $crate::sql::admin::MAX_EXTENSION_VALUES {
                    return Err($crate::StoreError::InvalidInput(format!(
                        "An object can hold at most {} extension values.", $crate::sql::admin::MAX_EXTENSION_VALUES
                    )));
                }
                $crate::sql::log_change!(tx, t, kind, object, ChangeType::Updated, now, serde_json::Value::Object(detail));
                Ok(())
            }

            /// Runs `sql` with `$1 = tenant, $2 = id`; `NotFound` when no row changed.
            async fn tx_by_id(
                tx: &mut sqlx::Transaction<'static, $db>,
                sql: &str,
                t: tessera_model::TenantId,
                id: &str,
            ) -> $crate::StoreResult<()> {
                let n = sqlx::query(sql).bind(t.to_string()).bind(id).execute(&mut **tx).await?.rows_affected();
                $crate::sql::expect_one(n)
            }
        }

        #[async_trait::async_trait]
        impl $crate::AdminStore for $store {
            async fn update_service_principal(&self, t: tessera_model::TenantId, sp: &tessera_model::ServicePrincipal, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let mut tx = self.begin_write().await?;
                let n = sqlx::query(
                    "UPDATE service_principals SET display_name = $3, account_enabled = $4, data = $5, updated_at = $6 \
                     WHERE tenant_id = $1 AND id = $2",
                )
                .bind(t.to_string())
                .bind(sp.id.to_string())
                .bind(&sp.display_name)
                .bind(sp.account_enabled)
                .bind($crate::sql::to_json(&$crate::sql::SpData::of(sp))?)
                .bind(to_millis(now))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                $crate::sql::expect_one(n)?;
                $crate::sql::log_change!(&mut tx, t, ObjectKind::ServicePrincipal, sp.id, ChangeType::Updated, now, sp);
                tx.commit().await?;
                Ok(())
            }

            async fn delete_service_principal(&self, t: tessera_model::TenantId, id: tessera_model::ObjectId, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let mut tx = self.begin_write().await?;
                for sql in [
                    "DELETE FROM app_role_assignments WHERE tenant_id = $1 AND (principal_id = $2 OR resource_id = $2)",
                    "DELETE FROM oauth2_permission_grants WHERE tenant_id = $1 AND (client_id = $2 OR resource_id = $2)",
                    "DELETE FROM group_members WHERE tenant_id = $1 AND member_id = $2",
                    "DELETE FROM group_owners WHERE tenant_id = $1 AND owner_id = $2",
                    "DELETE FROM directory_role_assignments WHERE tenant_id = $1 AND principal_id = $2",
                ] {
                    sqlx::query(sql).bind(t.to_string()).bind(id.to_string()).execute(&mut *tx).await?;
                }
                Self::tx_by_id(&mut tx, "DELETE FROM service_principals WHERE tenant_id = $1 AND id = $2", t, &id.to_string()).await?;
                $crate::sql::log_change!(&mut tx, t, ObjectKind::ServicePrincipal, id, ChangeType::Deleted, now, serde_json::json!({}));
                tx.commit().await?;
                Ok(())
            }

            async fn list_oauth2_permission_grants(&self, t: tessera_model::TenantId) -> $crate::StoreResult<Vec<tessera_model::OAuth2PermissionGrant>> {
                let rows = sqlx::query(
                    "SELECT id, client_id, consent_type, principal_id, resource_id, scope FROM oauth2_permission_grants \
                     WHERE tenant_id = $1 ORDER BY id LIMIT 10000",
                )
                .bind(t.to_string())
                .fetch_all(self.read())
                .await?;
                rows.iter().map($crate::sql::permission_grant).collect()
            }

            async fn update_oauth2_permission_grant(&self, t: tessera_model::TenantId, id: tessera_model::ObjectId, scope: &str, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let mut tx = self.begin_write().await?;
                let n = sqlx::query("UPDATE oauth2_permission_grants SET scope = $3 WHERE tenant_id = $1 AND id = $2")
                    .bind(t.to_string())
                    .bind(id.to_string())
                    .bind(scope)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                $crate::sql::expect_one(n)?;
                $crate::sql::log_change!(&mut tx, t, ObjectKind::OAuth2PermissionGrant, id, ChangeType::Updated, now, serde_json::json!({ "scope": scope }));
                tx.commit().await?;
                Ok(())
            }

            async fn delete_oauth2_permission_grant(&self, t: tessera_model::TenantId, id: tessera_model::ObjectId, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let mut tx = self.begin_write().await?;
                Self::tx_by_id(&mut tx, "DELETE FROM oauth2_permission_grants WHERE tenant_id = $1 AND id = $2", t, &id.to_string()).await?;
                $crate::sql::log_change!(&mut tx, t, ObjectKind::OAuth2PermissionGrant, id, ChangeType::Deleted, now, serde_json::json!({}));
                tx.commit().await?;
                Ok(())
            }

            async fn list_directory_role_assignments(&self, t: tessera_model::TenantId) -> $crate::StoreResult<Vec<tessera_model::DirectoryRoleAssignment>> {
                let rows = sqlx::query(
                    "SELECT id, role_definition_id, principal_id, directory_scope_id FROM directory_role_assignments \
                     WHERE tenant_id = $1 ORDER BY id LIMIT 10000",
                )
                .bind(t.to_string())
                .fetch_all(self.read())
                .await?;
                rows.iter().map($crate::sql::role_assignment).collect()
            }

            async fn delete_directory_role_assignment(&self, t: tessera_model::TenantId, id: tessera_model::ObjectId, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let mut tx = self.begin_write().await?;
                let admins = Self::tx_global_admins_before(&mut tx, t).await?;
                Self::tx_by_id(&mut tx, "DELETE FROM directory_role_assignments WHERE tenant_id = $1 AND id = $2", t, &id.to_string()).await?;
                Self::tx_keep_last_global_admin(&mut tx, t, admins).await?;
                $crate::sql::log_change!(&mut tx, t, ObjectKind::DirectoryRoleAssignment, id, ChangeType::Deleted, now, serde_json::json!({}));
                tx.commit().await?;
                Ok(())
            }

            async fn add_domain(&self, t: tessera_model::TenantId, name: &str, code: &str, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let name = normalize_domain(name)
                    .ok_or_else(|| $crate::StoreError::InvalidInput(format!("{name:?} is not a domain name")))?;
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO domains (name, tenant_id, is_default, is_initial, is_verified, created_at, verification_code) \
                     VALUES ($1, $2, $3, $3, $3, $4, $5)",
                )
                .bind(&name)
                .bind(t.to_string())
                .bind(false)
                .bind(to_millis(now))
                .bind(code)
                .execute(&mut *tx)
                .await
                .map_err(|e| match $crate::StoreError::from(e) {
                    $crate::StoreError::Conflict(_) => $crate::StoreError::Conflict("The organization has already added this domain.".into()),
                    other => other,
                })?;
                $crate::sql::log_change!(&mut tx, t, ObjectKind::Domain, ObjectId(t.0), ChangeType::Created, now, serde_json::json!({ "id": name }));
                tx.commit().await?;
                Ok(())
            }

            async fn domain_verification_code(&self, t: tessera_model::TenantId, name: &str) -> $crate::StoreResult<Option<String>> {
                let Some(name) = tessera_model::normalize_domain(name) else { return Ok(None) };
                let row = sqlx::query("SELECT verification_code FROM domains WHERE tenant_id = $1 AND name = $2 AND is_verified = $3")
                    .bind(t.to_string())
                    .bind(name)
                    .bind(false)
                    .fetch_optional(self.read())
                    .await?;
                match row {
                    Some(r) => $crate::sql::Get::opt_str(&r, "verification_code"),
                    None => Ok(None),
                }
            }

            async fn mark_domain_verified(&self, t: tessera_model::TenantId, name: &str, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let name = normalize_domain(name).ok_or($crate::StoreError::NotFound)?;
                let mut tx = self.begin_write().await?;
                let n = sqlx::query("UPDATE domains SET is_verified = $3, verification_code = NULL WHERE tenant_id = $1 AND name = $2")
                    .bind(t.to_string())
                    .bind(&name)
                    .bind(true)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| match $crate::StoreError::from(e) {
                        $crate::StoreError::Conflict(_) => $crate::StoreError::Conflict(
                            "Another organization has already verified this domain.".into(),
                        ),
                        other => other,
                    })?
                    .rows_affected();
                $crate::sql::expect_one(n)?;
                $crate::sql::log_change!(&mut tx, t, ObjectKind::Domain, ObjectId(t.0), ChangeType::Updated, now, serde_json::json!({ "id": name, "isVerified": true }));
                tx.commit().await?;
                Ok(())
            }

            async fn delete_domain(&self, t: tessera_model::TenantId, name: &str, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let name = normalize_domain(name).ok_or($crate::StoreError::NotFound)?;
                let mut tx = self.begin_write().await?;
                let row = sqlx::query("SELECT is_initial, is_default FROM domains WHERE tenant_id = $1 AND name = $2")
                    .bind(t.to_string())
                    .bind(&name)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or($crate::StoreError::NotFound)?;
                if $crate::sql::Get::flag(&row, "is_initial")? || $crate::sql::Get::flag(&row, "is_default")? {
                    return Err($crate::StoreError::InvalidReference("The initial or default domain cannot be deleted.".into()));
                }
                let users = sqlx::query("SELECT 1 AS one FROM users WHERE tenant_id = $1 AND upn_key LIKE $2 ESCAPE '\\' LIMIT 1")
                    .bind(t.to_string())
                    .bind(format!("%@{}", name.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")))
                    .fetch_optional(&mut *tx)
                    .await?;
                if users.is_some() {
                    return Err($crate::StoreError::InvalidReference(
                        "The domain is in use: users' userPrincipalNames use it. Rename them first.".into(),
                    ));
                }
                Self::tx_by_id(&mut tx, "DELETE FROM domains WHERE tenant_id = $1 AND name = $2", t, &name).await?;
                $crate::sql::log_change!(&mut tx, t, ObjectKind::Domain, ObjectId(t.0), ChangeType::Deleted, now, serde_json::json!({ "id": name }));
                tx.commit().await?;
                Ok(())
            }

            async fn create_extension_property(&self, t: tessera_model::TenantId, p: &$crate::ExtensionProperty, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO extension_properties (tenant_id, id, application_id, name, data_type, target_objects, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(t.to_string())
                .bind(p.id.to_string())
                .bind(p.application.to_string())
                .bind(&p.name)
                .bind(&p.data_type)
                .bind($crate::sql::to_json(&p.target_objects)?)
                .bind(to_millis(now))
                .execute(&mut *tx)
                .await
                .map_err(|e| match $crate::StoreError::from(e) {
                    $crate::StoreError::Conflict(_) => $crate::StoreError::Conflict("An extension property with this name already exists.".into()),
                    other => other,
                })?;
                $crate::sql::log_change!(&mut tx, t, ObjectKind::Application, p.application, ChangeType::Updated, now, serde_json::json!({ "extensionProperties@added": [p] }));
                tx.commit().await?;
                Ok(())
            }

            async fn list_extension_properties(&self, t: tessera_model::TenantId, application: Option<tessera_model::ObjectId>) -> $crate::StoreResult<Vec<$crate::ExtensionProperty>> {
                let rows = sqlx::query(
                    "SELECT id, application_id, name, data_type, target_objects FROM extension_properties \
                     WHERE tenant_id = $1 AND ($2 = '' OR application_id = $2) ORDER BY name",
                )
                .bind(t.to_string())
                .bind(application.map(|a| a.to_string()).unwrap_or_default())
                .fetch_all(self.read())
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok($crate::ExtensionProperty {
                            id: $crate::sql::guid(r, "id")?,
                            application: $crate::sql::guid(r, "application_id")?,
                            name: $crate::sql::Get::str(r, "name")?,
                            data_type: $crate::sql::Get::str(r, "data_type")?,
                            target_objects: $crate::sql::json(r, "target_objects")?,
                        })
                    })
                    .collect()
            }

            async fn delete_extension_property(&self, t: tessera_model::TenantId, id: tessera_model::ObjectId, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let mut tx = self.begin_write().await?;
                let row = sqlx::query("SELECT name, application_id FROM extension_properties WHERE tenant_id = $1 AND id = $2")
                    .bind(t.to_string())
                    .bind(id.to_string())
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or($crate::StoreError::NotFound)?;
                let name = $crate::sql::Get::str(&row, "name")?;
                let app: ObjectId = $crate::sql::guid(&row, "application_id")?;
                sqlx::query("DELETE FROM extension_values WHERE tenant_id = $1 AND name = $2")
                    .bind(t.to_string())
                    .bind(&name)
                    .execute(&mut *tx)
                    .await?;
                Self::tx_by_id(&mut tx, "DELETE FROM extension_properties WHERE tenant_id = $1 AND id = $2", t, &id.to_string()).await?;
                $crate::sql::log_change!(&mut tx, t, ObjectKind::Application, app, ChangeType::Updated, now, serde_json::json!({ "extensionProperties@removed": [name] }));
                tx.commit().await?;
                Ok(())
            }

            async fn set_extension_values(
                &self,
                t: tessera_model::TenantId,
                object: tessera_model::ObjectId,
                kind: tessera_model::ObjectKind,
                values: &[$crate::ExtensionWrite],
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<()> {
                if values.is_empty() {
                    return Ok(());
                }
                let mut tx = self.begin_write().await?;
                Self::tx_set_extension_values(&mut tx, t, object, kind, values, now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn create_user_with(&self, t: tessera_model::TenantId, u: &tessera_model::NewUser, ext: &[$crate::ExtensionWrite], now: time::OffsetDateTime) -> $crate::StoreResult<tessera_model::User> {
                let mut tx = self.begin_write().await?;
                let user = Self::tx_create_user(&mut tx, t, u, now).await?;
                Self::tx_set_extension_values(&mut tx, t, u.id, tessera_model::ObjectKind::User, ext, now).await?;
                tx.commit().await?;
                Ok(user)
            }

            async fn update_user_with(&self, t: tessera_model::TenantId, u: &tessera_model::User, password_hash: Option<&str>, ext: &[$crate::ExtensionWrite], now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let admins = Self::tx_global_admins_before(&mut tx, t).await?;
                Self::tx_update_user(&mut tx, t, u, now).await?;
                Self::tx_keep_last_global_admin(&mut tx, t, admins).await?;
                if let Some(h) = password_hash {
                    Self::tx_set_password_hash(&mut tx, t, u.id, h, now).await?;
                }
                // A reset password or a disabled account ends every session.
                if password_hash.is_some() || !u.account_enabled {
                    Self::tx_revoke_sessions(&mut tx, t, u.id, None, now).await?;
                }
                Self::tx_set_extension_values(&mut tx, t, u.id, tessera_model::ObjectKind::User, ext, now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn create_group_with(
                &self,
                t: tessera_model::TenantId,
                g: &tessera_model::Group,
                members: &[tessera_model::Member],
                owners: &[tessera_model::Member],
                ext: &[$crate::ExtensionWrite],
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                Self::tx_lock_tenant(&mut tx, t).await?;
                Self::tx_create_group(&mut tx, t, g, now).await?;
                for m in members {
                    Self::tx_add_link(&mut tx, t, g.id, *m, false, now).await?;
                }
                for o in owners {
                    Self::tx_add_link(&mut tx, t, g.id, *o, true, now).await?;
                }
                Self::tx_set_extension_values(&mut tx, t, g.id, tessera_model::ObjectKind::Group, ext, now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn remove_key_credential(&self, t: tessera_model::TenantId, app: tessera_model::ObjectId, key_id: uuid::Uuid, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let mut tx = self.begin_write().await?;
                let n = sqlx::query("DELETE FROM key_credentials WHERE tenant_id = $1 AND application_id = $2 AND key_id = $3")
                    .bind(t.to_string())
                    .bind(app.to_string())
                    .bind(key_id.to_string())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                $crate::sql::expect_one(n)?;
                $crate::sql::log_change!(&mut tx, t, ObjectKind::Application, app, ChangeType::Updated, now,
                    serde_json::json!({ "keyCredentials@removed": [key_id] }));
                tx.commit().await?;
                Ok(())
            }

            async fn set_key_credentials(&self, t: tessera_model::TenantId, app: tessera_model::ObjectId, keep: &[uuid::Uuid], add: &[tessera_model::KeyCredential], now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let mut tx = self.begin_write().await?;
                let rows = sqlx::query("SELECT key_id FROM key_credentials WHERE tenant_id = $1 AND application_id = $2")
                    .bind(t.to_string())
                    .bind(app.to_string())
                    .fetch_all(&mut *tx)
                    .await?;
                let have: Vec<uuid::Uuid> = rows.iter().map(|r| $crate::sql::guid(r, "key_id")).collect::<$crate::StoreResult<_>>()?;
                if let Some(k) = keep.iter().find(|k| !have.contains(k)) {
                    return Err($crate::StoreError::InvalidReference(format!("The application has no key credential with keyId {k}.")));
                }
                for k in have.iter().filter(|k| !keep.contains(k)) {
                    sqlx::query("DELETE FROM key_credentials WHERE tenant_id = $1 AND application_id = $2 AND key_id = $3")
                        .bind(t.to_string())
                        .bind(app.to_string())
                        .bind(k.to_string())
                        .execute(&mut *tx)
                        .await?;
                }
                for c in add {
                    Self::tx_insert_key_credential(&mut tx, t, app, c).await?;
                }
                $crate::sql::log_change!(&mut tx, t, ObjectKind::Application, app, ChangeType::Updated, now,
                    serde_json::json!({ "keyCredentials": { "kept": keep, "added": add } }));
                tx.commit().await?;
                Ok(())
            }

            async fn update_group_with(&self, t: tessera_model::TenantId, g: &tessera_model::Group, ext: &[$crate::ExtensionWrite], now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                Self::tx_update_group(&mut tx, t, g, now).await?;
                Self::tx_set_extension_values(&mut tx, t, g.id, tessera_model::ObjectKind::Group, ext, now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn extension_values(&self, t: tessera_model::TenantId, object: tessera_model::ObjectId) -> $crate::StoreResult<Vec<(String, serde_json::Value)>> {
                let rows = sqlx::query("SELECT name, value FROM extension_values WHERE tenant_id = $1 AND object_id = $2 ORDER BY name")
                    .bind(t.to_string())
                    .bind(object.to_string())
                    .fetch_all(self.read())
                    .await?;
                rows.iter()
                    .map(|r| Ok(($crate::sql::Get::str(r, "name")?, $crate::sql::json(r, "value")?)))
                    .collect()
            }
        }
    };
}
pub(crate) use impl_admin;
