//! Applications, their credentials, and service principals, written once for
//! both backends.

macro_rules! impl_apps {
    ($store:ty, $db:ty) => {
        impl $store {
            async fn tx_create_application(
                tx: &mut sqlx::Transaction<'static, $db>,
                t: tessera_model::TenantId,
                app: &tessera_model::Application,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<()> {
                use tessera_model::*;
                if app.display_name.trim().is_empty() {
                    return Err($crate::StoreError::InvalidInput("displayName is required".into()));
                }
                sqlx::query(
                    "INSERT INTO applications (tenant_id, id, app_id, display_name, sign_in_audience, settings, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
                )
                .bind(t.to_string())
                .bind(app.id.to_string())
                .bind(app.app_id.to_string())
                .bind(&app.display_name)
                .bind($crate::sql::audience_str(app.sign_in_audience)?)
                .bind($crate::sql::to_json(&app.settings)?)
                .bind(to_millis(now))
                .execute(&mut **tx)
                .await?;
                Self::tx_claim_identifier_uris(tx, t, app.id, &app.settings.identifier_uris).await?;
                $crate::sql::log_change!(tx, t, ObjectKind::Application, app.id, ChangeType::Created, now, app);
                Ok(())
            }

            /// Makes `uris` the application's identifier URIs in the
            /// tenant-wide unique index (`application_identifier_uris`, one
            /// row per [`identifier_uri_key`](crate::identifier_uri_key)):
            /// a key another application holds — committed, or in a
            /// concurrent transaction that then commits — fails the whole
            /// write with `Conflict`.
            async fn tx_claim_identifier_uris(
                tx: &mut sqlx::Transaction<'static, $db>,
                t: tessera_model::TenantId,
                app: tessera_model::ObjectId,
                uris: &[String],
            ) -> $crate::StoreResult<()> {
                sqlx::query("DELETE FROM application_identifier_uris WHERE tenant_id = $1 AND application_id = $2")
                    .bind(t.to_string())
                    .bind(app.to_string())
                    .execute(&mut **tx)
                    .await?;
                let keys: std::collections::BTreeSet<String> =
                    uris.iter().map(|u| $crate::identifier_uri_key(u)).collect();
                for key in keys {
                    sqlx::query("INSERT INTO application_identifier_uris (tenant_id, uri_key, application_id) VALUES ($1, $2, $3)")
                        .bind(t.to_string())
                        .bind(key)
                        .bind(app.to_string())
                        .execute(&mut **tx)
                        .await
                        .map_err(|e| match $crate::StoreError::from(e) {
                            $crate::StoreError::Conflict(_) => {
                                $crate::StoreError::Conflict($crate::IDENTIFIER_URI_TAKEN.into())
                            }
                            other => other,
                        })?;
                }
                Ok(())
            }

            async fn tx_add_password_credential(
                tx: &mut sqlx::Transaction<'static, $db>,
                t: tessera_model::TenantId,
                app: tessera_model::ObjectId,
                c: &tessera_model::PasswordCredential,
                digest: &[u8; 32],
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<()> {
                use tessera_model::*;
                sqlx::query(
                    "INSERT INTO password_credentials (tenant_id, application_id, key_id, display_name, hint, secret_digest, start_at, end_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(t.to_string())
                .bind(app.to_string())
                .bind(c.key_id.to_string())
                .bind(&c.display_name)
                .bind(&c.hint)
                .bind(digest.to_vec())
                .bind(to_millis(c.start_date_time))
                .bind(to_millis(c.end_date_time))
                .execute(&mut **tx)
                .await?;
                // The change names the credential, never the secret or its digest.
                $crate::sql::log_change!(tx, t, ObjectKind::Application, app, ChangeType::Updated, now,
                    serde_json::json!({ "passwordCredentials@added": [c] }));
                Ok(())
            }

            /// The certificate's row (the caller logs the change).
            async fn tx_insert_key_credential(
                tx: &mut sqlx::Transaction<'static, $db>,
                t: tessera_model::TenantId,
                app: tessera_model::ObjectId,
                c: &tessera_model::KeyCredential,
            ) -> $crate::StoreResult<()> {
                use tessera_model::*;
                sqlx::query(
                    "INSERT INTO key_credentials (tenant_id, application_id, key_id, display_name, kind, usage, key_der, thumbprint, start_at, end_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(t.to_string())
                .bind(app.to_string())
                .bind(c.key_id.to_string())
                .bind(&c.display_name)
                .bind(&c.kind)
                .bind(&c.usage)
                .bind(c.key.clone())
                .bind(c.thumbprint.clone())
                .bind(to_millis(c.start_date_time))
                .bind(to_millis(c.end_date_time))
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            async fn tx_create_service_principal(
                tx: &mut sqlx::Transaction<'static, $db>,
                t: tessera_model::TenantId,
                sp: &tessera_model::ServicePrincipal,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<()> {
                use tessera_model::*;
                sqlx::query(
                    "INSERT INTO service_principals (tenant_id, id, app_id, display_name, account_enabled, data, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
                )
                .bind(t.to_string())
                .bind(sp.id.to_string())
                .bind(sp.app_id.to_string())
                .bind(&sp.display_name)
                .bind(sp.account_enabled)
                .bind($crate::sql::to_json(&$crate::sql::SpData::of(sp))?)
                .bind(to_millis(now))
                .execute(&mut **tx)
                .await
                .map_err(|e| match $crate::StoreError::from(e) {
                    $crate::StoreError::Conflict(_) => $crate::StoreError::Conflict(
                        "the tenant already has a service principal for this appId".into(),
                    ),
                    other => other,
                })?;
                $crate::sql::log_change!(tx, t, ObjectKind::ServicePrincipal, sp.id, ChangeType::Created, now, sp);
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl $crate::AppStore for $store {
            async fn create_application(&self, t: tessera_model::TenantId, app: &tessera_model::Application, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                Self::tx_create_application(&mut tx, t, app, now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_application(&self, t: tessera_model::TenantId, id: tessera_model::ObjectId) -> $crate::StoreResult<Option<tessera_model::Application>> {
                let sql = format!("SELECT {} FROM applications WHERE tenant_id = $1 AND id = $2", $crate::sql::APP_COLUMNS);
                let row = sqlx::query(&sql).bind(t.to_string()).bind(id.to_string()).fetch_optional(self.read()).await?;
                row.map(|r| $crate::sql::application(&r)).transpose()
            }

            async fn application_by_app_id(&self, app_id: tessera_model::AppId) -> $crate::StoreResult<Option<(tessera_model::TenantId, tessera_model::Application)>> {
                let sql = format!("SELECT {} FROM applications WHERE app_id = $1", $crate::sql::APP_COLUMNS);
                let row = sqlx::query(&sql).bind(app_id.to_string()).fetch_optional(self.read()).await?;
                row.map(|r| Ok(($crate::sql::guid(&r, "tenant_id")?, $crate::sql::application(&r)?))).transpose()
            }

            async fn list_applications(&self, t: tessera_model::TenantId, after: Option<tessera_model::ObjectId>, limit: u32) -> $crate::StoreResult<Vec<tessera_model::Application>> {
                $crate::sql::keyset_page!(self, $crate::sql::APP_COLUMNS, "applications", t, after, limit, $crate::sql::application)
            }

            async fn update_application(&self, t: tessera_model::TenantId, app: &tessera_model::Application, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let mut tx = self.begin_write().await?;
                let n = sqlx::query(
                    "UPDATE applications SET display_name = $3, sign_in_audience = $4, settings = $5, updated_at = $6 \
                     WHERE tenant_id = $1 AND id = $2",
                )
                .bind(t.to_string())
                .bind(app.id.to_string())
                .bind(&app.display_name)
                .bind($crate::sql::audience_str(app.sign_in_audience)?)
                .bind($crate::sql::to_json(&app.settings)?)
                .bind(to_millis(now))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                $crate::sql::expect_one(n)?;
                Self::tx_claim_identifier_uris(&mut tx, t, app.id, &app.settings.identifier_uris).await?;
                $crate::sql::log_change!(&mut tx, t, ObjectKind::Application, app.id, ChangeType::Updated, now, app);
                tx.commit().await?;
                Ok(())
            }

            async fn delete_application(&self, t: tessera_model::TenantId, id: tessera_model::ObjectId, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let mut tx = self.begin_write().await?;
                let row = sqlx::query("SELECT app_id FROM applications WHERE tenant_id = $1 AND id = $2")
                    .bind(t.to_string())
                    .bind(id.to_string())
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or($crate::StoreError::NotFound)?;
                let app_id: String = $crate::sql::Get::str(&row, "app_id")?;
                let sp = sqlx::query("SELECT id FROM service_principals WHERE tenant_id = $1 AND app_id = $2")
                    .bind(t.to_string())
                    .bind(&app_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if let Some(sp) = sp {
                    let sp_id: ObjectId = $crate::sql::guid(&sp, "id")?;
                    for sql in [
                        "DELETE FROM app_role_assignments WHERE tenant_id = $1 AND (principal_id = $2 OR resource_id = $2)",
                        "DELETE FROM oauth2_permission_grants WHERE tenant_id = $1 AND (client_id = $2 OR resource_id = $2)",
                        "DELETE FROM group_members WHERE tenant_id = $1 AND member_id = $2",
                        "DELETE FROM directory_role_assignments WHERE tenant_id = $1 AND principal_id = $2",
                        "DELETE FROM service_principals WHERE tenant_id = $1 AND id = $2",
                    ] {
                        sqlx::query(sql).bind(t.to_string()).bind(sp_id.to_string()).execute(&mut *tx).await?;
                    }
                    $crate::sql::log_change!(&mut tx, t, ObjectKind::ServicePrincipal, sp_id, ChangeType::Deleted, now, serde_json::json!({}));
                }
                for sql in [
                    "DELETE FROM password_credentials WHERE tenant_id = $1 AND application_id = $2",
                    "DELETE FROM key_credentials WHERE tenant_id = $1 AND application_id = $2",
                    "DELETE FROM application_identifier_uris WHERE tenant_id = $1 AND application_id = $2",
                    "DELETE FROM applications WHERE tenant_id = $1 AND id = $2",
                ] {
                    sqlx::query(sql).bind(t.to_string()).bind(id.to_string()).execute(&mut *tx).await?;
                }
                $crate::sql::log_change!(&mut tx, t, ObjectKind::Application, id, ChangeType::Deleted, now, serde_json::json!({}));
                tx.commit().await?;
                Ok(())
            }

            async fn add_password_credential(&self, t: tessera_model::TenantId, app: tessera_model::ObjectId, c: &tessera_model::PasswordCredential, digest: &[u8; 32], now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                Self::tx_add_password_credential(&mut tx, t, app, c, digest, now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn remove_password_credential(&self, t: tessera_model::TenantId, app: tessera_model::ObjectId, key_id: uuid::Uuid, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let mut tx = self.begin_write().await?;
                let n = sqlx::query("DELETE FROM password_credentials WHERE tenant_id = $1 AND application_id = $2 AND key_id = $3")
                    .bind(t.to_string())
                    .bind(app.to_string())
                    .bind(key_id.to_string())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                $crate::sql::expect_one(n)?;
                $crate::sql::log_change!(&mut tx, t, ObjectKind::Application, app, ChangeType::Updated, now,
                    serde_json::json!({ "passwordCredentials@removed": [{ "keyId": key_id }] }));
                tx.commit().await?;
                Ok(())
            }

            async fn list_password_credentials(&self, t: tessera_model::TenantId, app: tessera_model::ObjectId) -> $crate::StoreResult<Vec<(tessera_model::PasswordCredential, Vec<u8>)>> {
                let rows = sqlx::query(
                    "SELECT key_id, display_name, hint, secret_digest, start_at, end_at FROM password_credentials \
                     WHERE tenant_id = $1 AND application_id = $2 ORDER BY start_at, key_id",
                )
                .bind(t.to_string())
                .bind(app.to_string())
                .fetch_all(self.read())
                .await?;
                rows.iter().map($crate::sql::password_credential).collect()
            }

            async fn add_key_credential(&self, t: tessera_model::TenantId, app: tessera_model::ObjectId, c: &tessera_model::KeyCredential, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let mut tx = self.begin_write().await?;
                Self::tx_insert_key_credential(&mut tx, t, app, c).await?;
                $crate::sql::log_change!(&mut tx, t, ObjectKind::Application, app, ChangeType::Updated, now,
                    serde_json::json!({ "keyCredentials@added": [c] }));
                tx.commit().await?;
                Ok(())
            }

            async fn list_key_credentials(&self, t: tessera_model::TenantId, app: tessera_model::ObjectId) -> $crate::StoreResult<Vec<tessera_model::KeyCredential>> {
                let rows = sqlx::query(
                    "SELECT key_id, display_name, kind, usage, key_der, thumbprint, start_at, end_at FROM key_credentials \
                     WHERE tenant_id = $1 AND application_id = $2 ORDER BY start_at, key_id",
                )
                .bind(t.to_string())
                .bind(app.to_string())
                .fetch_all(self.read())
                .await?;
                rows.iter().map($crate::sql::key_credential).collect()
            }

            async fn create_service_principal(&self, t: tessera_model::TenantId, sp: &tessera_model::ServicePrincipal, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                Self::tx_create_service_principal(&mut tx, t, sp, now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_service_principal(&self, t: tessera_model::TenantId, id: tessera_model::ObjectId) -> $crate::StoreResult<Option<tessera_model::ServicePrincipal>> {
                let sql = format!("SELECT {} FROM service_principals WHERE tenant_id = $1 AND id = $2", $crate::sql::SP_COLUMNS);
                let row = sqlx::query(&sql).bind(t.to_string()).bind(id.to_string()).fetch_optional(self.read()).await?;
                row.map(|r| $crate::sql::service_principal(&r)).transpose()
            }

            async fn service_principal_by_app_id(&self, t: tessera_model::TenantId, app_id: tessera_model::AppId) -> $crate::StoreResult<Option<tessera_model::ServicePrincipal>> {
                let sql = format!("SELECT {} FROM service_principals WHERE tenant_id = $1 AND app_id = $2", $crate::sql::SP_COLUMNS);
                let row = sqlx::query(&sql).bind(t.to_string()).bind(app_id.to_string()).fetch_optional(self.read()).await?;
                row.map(|r| $crate::sql::service_principal(&r)).transpose()
            }

            async fn list_service_principals(&self, t: tessera_model::TenantId, after: Option<tessera_model::ObjectId>, limit: u32) -> $crate::StoreResult<Vec<tessera_model::ServicePrincipal>> {
                $crate::sql::keyset_page!(self, $crate::sql::SP_COLUMNS, "service_principals", t, after, limit, $crate::sql::service_principal)
            }
        }
    };
}
pub(crate) use impl_apps;
