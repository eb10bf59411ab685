//! Sign-in state, written once for both backends: SSO sessions, authorization
//! codes, refresh tokens and failed-sign-in throttling. None of it is a
//! directory object, so none of it goes to the change log (a sign-in must not
//! empty every node's token cache). What a sign-in creates is written with
//! `begin_ephemeral_write` (a power loss may undo the last moments of it);
//! what ends access — sign-out, revocation, reuse detection — durably.

/// How long the sign-in log keeps an attempt.
pub const SIGN_IN_LOG_DAYS: i64 = 30;

macro_rules! impl_signin {
    ($store:ty, $db:ty) => {
        impl $store {
            async fn tx_insert_refresh(
                tx: &mut sqlx::Transaction<'static, $db>,
                t: tessera_model::TenantId,
                r: &tessera_model::RefreshTokenRecord,
            ) -> $crate::StoreResult<()> {
                use tessera_model::*;
                sqlx::query(
                    "INSERT INTO refresh_tokens (tenant_id, digest, family_id, client_id, user_id, session_id, public_client, scope, \
                     auth_time, amr, created_at, expires_at, used_at, revoked_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, NULL)",
                )
                .bind(t.to_string())
                .bind(r.digest.clone())
                .bind(r.family_id.to_string())
                .bind(r.client_id.to_string())
                .bind(r.user_id.to_string())
                .bind(r.session_id.map(|s| s.to_string()))
                .bind(r.public_client)
                .bind(&r.scope)
                .bind(to_millis(r.auth_time))
                .bind($crate::sql::to_json(&r.amr)?)
                .bind(to_millis(r.created_at))
                .bind(to_millis(r.expires_at))
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            async fn tx_revoke_family(
                tx: &mut sqlx::Transaction<'static, $db>,
                t: tessera_model::TenantId,
                family: tessera_model::ObjectId,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<u64> {
                Ok(sqlx::query(
                    "UPDATE refresh_tokens SET revoked_at = $3 WHERE tenant_id = $1 AND family_id = $2 AND revoked_at IS NULL",
                )
                .bind(t.to_string())
                .bind(family.to_string())
                .bind(tessera_model::to_millis(now))
                .execute(&mut **tx)
                .await?
                .rows_affected())
            }
        }

        #[async_trait::async_trait]
        impl $crate::SignInStore for $store {
            async fn create_session(&self, t: tessera_model::TenantId, s: &tessera_model::SsoSession) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let mut tx = self.begin_ephemeral_write().await?;
                sqlx::query(
                    "INSERT INTO sso_sessions (tenant_id, id, user_id, secret_digest, auth_time, amr, created_at, expires_at, ended_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)",
                )
                .bind(t.to_string())
                .bind(s.id.to_string())
                .bind(s.user_id.to_string())
                .bind(s.secret_digest.clone())
                .bind(to_millis(s.auth_time))
                .bind($crate::sql::to_json(&s.amr)?)
                .bind(to_millis(s.created_at))
                .bind(to_millis(s.expires_at))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_session(&self, t: tessera_model::TenantId, id: tessera_model::ObjectId) -> $crate::StoreResult<Option<tessera_model::SsoSession>> {
                let row = sqlx::query(
                    "SELECT id, user_id, secret_digest, auth_time, amr, created_at, expires_at, ended_at FROM sso_sessions \
                     WHERE tenant_id = $1 AND id = $2",
                )
                .bind(t.to_string())
                .bind(id.to_string())
                .fetch_optional(self.read())
                .await?;
                row.as_ref().map($crate::sql::sso_session).transpose()
            }

            async fn end_session(&self, t: tessera_model::TenantId, id: tessera_model::ObjectId, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let at = tessera_model::to_millis(now);
                sqlx::query("UPDATE sso_sessions SET ended_at = $3 WHERE tenant_id = $1 AND id = $2 AND ended_at IS NULL")
                    .bind(t.to_string())
                    .bind(id.to_string())
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE refresh_tokens SET revoked_at = $3 WHERE tenant_id = $1 AND session_id = $2 AND revoked_at IS NULL")
                    .bind(t.to_string())
                    .bind(id.to_string())
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn insert_code(&self, t: tessera_model::TenantId, c: &tessera_model::AuthCodeRecord) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let mut tx = self.begin_ephemeral_write().await?;
                sqlx::query(
                    "INSERT INTO authorization_codes (tenant_id, digest, id, client_id, user_id, session_id, redirect_uri, scope, \
                     nonce, code_challenge, auth_time, amr, created_at, expires_at, consumed_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, NULL)",
                )
                .bind(t.to_string())
                .bind(c.digest.clone())
                .bind(c.id.to_string())
                .bind(c.client_id.to_string())
                .bind(c.user_id.to_string())
                .bind(c.session_id.map(|s| s.to_string()))
                .bind(&c.redirect_uri)
                .bind(&c.scope)
                .bind(&c.nonce)
                .bind(&c.code_challenge)
                .bind(to_millis(c.auth_time))
                .bind($crate::sql::to_json(&c.amr)?)
                .bind(to_millis(c.created_at))
                .bind(to_millis(c.expires_at))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_code(&self, t: tessera_model::TenantId, digest: &[u8]) -> $crate::StoreResult<Option<tessera_model::AuthCodeRecord>> {
                let row = sqlx::query(
                    "SELECT digest, id, client_id, user_id, session_id, redirect_uri, scope, nonce, code_challenge, auth_time, amr, \
                     created_at, expires_at, consumed_at FROM authorization_codes WHERE tenant_id = $1 AND digest = $2",
                )
                .bind(t.to_string())
                .bind(digest.to_vec())
                .fetch_optional(self.read())
                .await?;
                row.as_ref().map($crate::sql::auth_code).transpose()
            }

            async fn redeem_code(
                &self,
                t: tessera_model::TenantId,
                code: &tessera_model::AuthCodeRecord,
                refresh: Option<&tessera_model::RefreshTokenRecord>,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<bool> {
                let mut tx = self.begin_ephemeral_write().await?;
                let n = sqlx::query(
                    "UPDATE authorization_codes SET consumed_at = $3 WHERE tenant_id = $1 AND digest = $2 AND consumed_at IS NULL",
                )
                .bind(t.to_string())
                .bind(code.digest.clone())
                .bind(tessera_model::to_millis(now))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n == 0 {
                    // Replayed: what the code issued is revoked too (RFC 6749
                    // §4.1.2), durably.
                    tx.rollback().await?;
                    let mut tx = self.begin_write().await?;
                    Self::tx_revoke_family(&mut tx, t, code.id, now).await?;
                    tx.commit().await?;
                    return Ok(false);
                }
                if let Some(r) = refresh {
                    Self::tx_insert_refresh(&mut tx, t, r).await?;
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn get_refresh_token(&self, t: tessera_model::TenantId, digest: &[u8]) -> $crate::StoreResult<Option<tessera_model::RefreshTokenRecord>> {
                let row = sqlx::query(
                    "SELECT digest, family_id, client_id, user_id, session_id, public_client, scope, auth_time, amr, created_at, expires_at, \
                     used_at, revoked_at FROM refresh_tokens WHERE tenant_id = $1 AND digest = $2",
                )
                .bind(t.to_string())
                .bind(digest.to_vec())
                .fetch_optional(self.read())
                .await?;
                row.as_ref().map($crate::sql::refresh_token).transpose()
            }

            async fn rotate_refresh_token(
                &self,
                t: tessera_model::TenantId,
                old: &tessera_model::RefreshTokenRecord,
                new: &tessera_model::RefreshTokenRecord,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<bool> {
                let mut tx = self.begin_ephemeral_write().await?;
                let n = sqlx::query(
                    "UPDATE refresh_tokens SET used_at = $3 WHERE tenant_id = $1 AND digest = $2 AND used_at IS NULL AND revoked_at IS NULL",
                )
                .bind(t.to_string())
                .bind(old.digest.clone())
                .bind(tessera_model::to_millis(now))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n == 0 {
                    // Lost a race with another use of the same token: reuse,
                    // revoked durably.
                    tx.rollback().await?;
                    let mut tx = self.begin_write().await?;
                    Self::tx_revoke_family(&mut tx, t, old.family_id, now).await?;
                    tx.commit().await?;
                    return Ok(false);
                }
                Self::tx_insert_refresh(&mut tx, t, new).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn revoke_refresh_family(&self, t: tessera_model::TenantId, family: tessera_model::ObjectId, now: time::OffsetDateTime) -> $crate::StoreResult<u64> {
                let mut tx = self.begin_write().await?;
                let n = Self::tx_revoke_family(&mut tx, t, family, now).await?;
                tx.commit().await?;
                Ok(n)
            }

            async fn throttle(&self, t: tessera_model::TenantId, key: &str) -> $crate::StoreResult<tessera_model::Throttle> {
                let row = sqlx::query("SELECT failures, locked_until FROM sign_in_throttle WHERE tenant_id = $1 AND account_key = $2")
                    .bind(t.to_string())
                    .bind(key)
                    .fetch_optional(self.read())
                    .await?;
                match row {
                    None => Ok(tessera_model::Throttle::default()),
                    Some(r) => Ok(tessera_model::Throttle {
                        failures: u32::try_from($crate::sql::Get::int(&r, "failures")?).unwrap_or(u32::MAX),
                        locked_until: $crate::sql::Get::opt_int(&r, "locked_until")?.map(tessera_model::from_millis),
                    }),
                }
            }

            async fn record_sign_in_failure(
                &self,
                t: tessera_model::TenantId,
                key: &str,
                now: time::OffsetDateTime,
                lock_for: &(dyn Fn(u32) -> Option<time::Duration> + Send + Sync),
            ) -> $crate::StoreResult<tessera_model::Throttle> {
                let mut tx = self.begin_ephemeral_write().await?;
                let row = sqlx::query(
                    "INSERT INTO sign_in_throttle (tenant_id, account_key, failures, locked_until, updated_at) VALUES ($1, $2, 1, NULL, $3) \
                     ON CONFLICT (tenant_id, account_key) DO UPDATE SET failures = sign_in_throttle.failures + 1, updated_at = $3 \
                     RETURNING failures",
                )
                .bind(t.to_string())
                .bind(key)
                .bind(tessera_model::to_millis(now))
                .fetch_one(&mut *tx)
                .await?;
                let failures = u32::try_from($crate::sql::Get::int(&row, "failures")?).unwrap_or(u32::MAX);
                let locked_until = lock_for(failures).map(|d| now + d);
                if let Some(until) = locked_until {
                    sqlx::query("UPDATE sign_in_throttle SET locked_until = $3 WHERE tenant_id = $1 AND account_key = $2")
                        .bind(t.to_string())
                        .bind(key)
                        .bind(tessera_model::to_millis(until))
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(tessera_model::Throttle { failures, locked_until })
            }

            async fn purge_expired(&self, now: time::OffsetDateTime, keep: time::Duration) -> $crate::StoreResult<u64> {
                let cutoff = tessera_model::to_millis(now - keep);
                let now_ms = tessera_model::to_millis(now);
                let mut n = 0;
                // Refresh tokens before sessions: nothing references sessions
                // by foreign key, but a session's tokens are gone with it.
                for sql in [
                    "DELETE FROM authorization_codes WHERE expires_at < $1",
                    "DELETE FROM device_codes WHERE expires_at < $1",
                    "DELETE FROM pushed_requests WHERE expires_at < $1",
                    "DELETE FROM refresh_tokens WHERE expires_at < $1",
                    "DELETE FROM sso_sessions WHERE expires_at < $1 OR ended_at < $1",
                    "DELETE FROM used_challenges WHERE expires_at < $1",
                    "DELETE FROM used_assertions WHERE expires_at < $1",
                ] {
                    let mut tx = self.begin_ephemeral_write().await?;
                    n += sqlx::query(sql).bind(cutoff).execute(&mut *tx).await?.rows_affected();
                    tx.commit().await?;
                }
                let mut tx = self.begin_ephemeral_write().await?;
                n += sqlx::query(
                    "DELETE FROM sign_in_throttle WHERE updated_at < $1 AND (locked_until IS NULL OR locked_until < $2)",
                )
                .bind(cutoff)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                tx.commit().await?;
                // The sign-in log is kept for 30 days (as Entra's, free tier).
                let mut tx = self.begin_ephemeral_write().await?;
                n += sqlx::query("DELETE FROM sign_in_log WHERE created_at < $1")
                    .bind(tessera_model::to_millis(now - time::Duration::days($crate::sql::signin::SIGN_IN_LOG_DAYS)))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                tx.commit().await?;
                Ok(n)
            }

            async fn session_clients(&self, t: tessera_model::TenantId, session: tessera_model::ObjectId) -> $crate::StoreResult<Vec<tessera_model::AppId>> {
                let rows = sqlx::query(
                    "SELECT client_id FROM authorization_codes WHERE tenant_id = $1 AND session_id = $2 \
                     UNION SELECT client_id FROM device_codes WHERE approved_tenant = $1 AND session_id = $2",
                )
                .bind(t.to_string())
                .bind(session.to_string())
                .fetch_all(self.read())
                .await?;
                rows.iter().map(|r| $crate::sql::rows::guid(r, "client_id")).collect()
            }

            async fn clear_sign_in_failures(&self, t: tessera_model::TenantId, key: &str) -> $crate::StoreResult<()> {
                let mut tx = self.begin_ephemeral_write().await?;
                sqlx::query("DELETE FROM sign_in_throttle WHERE tenant_id = $1 AND account_key = $2")
                    .bind(t.to_string())
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}
pub(crate) use impl_signin;
