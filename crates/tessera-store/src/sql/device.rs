//! Device authorizations (RFC 8628) and pushed authorization requests
//! (RFC 9126), written once for both backends. Like
//! the rest of sign-in state, nothing here goes to the change log.

macro_rules! impl_device {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::DeviceStore for $store {
            async fn insert_pushed_request(&self, t: tessera_model::TenantId, p: &tessera_model::PushedRequest) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let mut tx = self.begin_ephemeral_write().await?;
                sqlx::query(
                    "INSERT INTO pushed_requests (tenant_id, digest, client_id, params, created_at, expires_at, used_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, NULL)",
                )
                .bind(t.to_string())
                .bind(p.digest.clone())
                .bind(p.client_id.to_string())
                .bind(&p.params)
                .bind(to_millis(p.created_at))
                .bind(to_millis(p.expires_at))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_pushed_request(&self, t: tessera_model::TenantId, digest: &[u8]) -> $crate::StoreResult<Option<tessera_model::PushedRequest>> {
                let row = sqlx::query(
                    "SELECT digest, client_id, params, created_at, expires_at, used_at FROM pushed_requests WHERE tenant_id = $1 AND digest = $2",
                )
                .bind(t.to_string())
                .bind(digest.to_vec())
                .fetch_optional(self.read())
                .await?;
                row.as_ref().map($crate::sql::pushed_request).transpose()
            }

            async fn use_pushed_request(&self, t: tessera_model::TenantId, digest: &[u8], now: time::OffsetDateTime) -> $crate::StoreResult<bool> {
                let mut tx = self.begin_ephemeral_write().await?;
                let n = sqlx::query("UPDATE pushed_requests SET used_at = $3 WHERE tenant_id = $1 AND digest = $2 AND used_at IS NULL")
                    .bind(t.to_string())
                    .bind(digest.to_vec())
                    .bind(tessera_model::to_millis(now))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                tx.commit().await?;
                Ok(n == 1)
            }

            async fn insert_device_code(&self, t: tessera_model::TenantId, d: &tessera_model::DeviceCodeRecord) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let mut tx = self.begin_ephemeral_write().await?;
                sqlx::query(
                    "INSERT INTO device_codes (tenant_id, id, digest, user_code, client_id, scope, user_tenant, created_at, expires_at, status) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending')",
                )
                .bind(t.to_string())
                .bind(d.id.to_string())
                .bind(d.digest.clone())
                .bind(&d.user_code)
                .bind(d.client_id.to_string())
                .bind(&d.scope)
                .bind(d.user_tenant.map(|u| u.to_string()))
                .bind(to_millis(d.created_at))
                .bind(to_millis(d.expires_at))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn device_code_by_user_code(
                &self,
                user_code: &str,
            ) -> $crate::StoreResult<Option<(tessera_model::TenantId, tessera_model::DeviceCodeRecord)>> {
                let sql = format!("SELECT tenant_id, {} FROM device_codes WHERE user_code = $1", $crate::sql::DEVICE_COLUMNS);
                let row = sqlx::query(&sql).bind(user_code).fetch_optional(self.read()).await?;
                match row {
                    None => Ok(None),
                    Some(r) => Ok(Some(($crate::sql::guid(&r, "tenant_id")?, $crate::sql::device_code(&r)?))),
                }
            }

            async fn get_device_code(&self, t: tessera_model::TenantId, digest: &[u8]) -> $crate::StoreResult<Option<tessera_model::DeviceCodeRecord>> {
                let sql = format!("SELECT {} FROM device_codes WHERE tenant_id = $1 AND digest = $2", $crate::sql::DEVICE_COLUMNS);
                let row = sqlx::query(&sql)
                    .bind(t.to_string())
                    .bind(digest.to_vec())
                    .fetch_optional(self.read())
                    .await?;
                row.as_ref().map($crate::sql::device_code).transpose()
            }

            async fn decide_device_code(
                &self,
                t: tessera_model::TenantId,
                id: tessera_model::ObjectId,
                approval: Option<&tessera_model::DeviceApproval>,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<bool> {
                use tessera_model::*;
                let mut tx = self.begin_ephemeral_write().await?;
                let q = match approval {
                    Some(a) => sqlx::query(
                        "UPDATE device_codes SET status = 'approved', approved_tenant = $4, user_id = $5, session_id = $6, auth_time = $7, amr = $8 \
                         WHERE tenant_id = $1 AND id = $2 AND status = 'pending' AND expires_at > $3",
                    )
                    .bind(t.to_string())
                    .bind(id.to_string())
                    .bind(to_millis(now))
                    .bind(a.tenant.to_string())
                    .bind(a.user_id.to_string())
                    .bind(a.session_id.to_string())
                    .bind(to_millis(a.auth_time))
                    .bind($crate::sql::to_json(&a.amr)?),
                    None => sqlx::query(
                        "UPDATE device_codes SET status = 'denied' WHERE tenant_id = $1 AND id = $2 AND status = 'pending' AND expires_at > $3",
                    )
                    .bind(t.to_string())
                    .bind(id.to_string())
                    .bind(to_millis(now)),
                };
                let n = q.execute(&mut *tx).await?.rows_affected();
                tx.commit().await?;
                Ok(n == 1)
            }

            async fn poll_device_code(
                &self,
                t: tessera_model::TenantId,
                id: tessera_model::ObjectId,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<Option<time::OffsetDateTime>> {
                let mut tx = self.begin_ephemeral_write().await?;
                let row = sqlx::query("SELECT last_poll_at FROM device_codes WHERE tenant_id = $1 AND id = $2")
                    .bind(t.to_string())
                    .bind(id.to_string())
                    .fetch_optional(&mut *tx)
                    .await?;
                let before = match &row {
                    Some(r) => $crate::sql::Get::opt_int(r, "last_poll_at")?.map(tessera_model::from_millis),
                    None => None,
                };
                sqlx::query("UPDATE device_codes SET last_poll_at = $3 WHERE tenant_id = $1 AND id = $2")
                    .bind(t.to_string())
                    .bind(id.to_string())
                    .bind(tessera_model::to_millis(now))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(before)
            }

            async fn redeem_device_code(
                &self,
                t: tessera_model::TenantId,
                id: tessera_model::ObjectId,
                refresh: Option<(tessera_model::TenantId, &tessera_model::RefreshTokenRecord)>,
            ) -> $crate::StoreResult<bool> {
                let mut tx = self.begin_ephemeral_write().await?;
                let n = sqlx::query("UPDATE device_codes SET status = 'redeemed' WHERE tenant_id = $1 AND id = $2 AND status = 'approved'")
                    .bind(t.to_string())
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n == 0 {
                    return Ok(false);
                }
                if let Some((ut, r)) = refresh {
                    Self::tx_insert_refresh(&mut tx, ut, r).await?;
                }
                tx.commit().await?;
                Ok(true)
            }
        }
    };
}
pub(crate) use impl_device;
