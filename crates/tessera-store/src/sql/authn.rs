//! Authentication methods, answered challenges, tenant policies and the
//! sign-in log, written once for both backends.
use crate::sql::rows::{guid, instant, opt_guid, Get};
use crate::{StoreError, StoreResult};
use tessera_model::*;

/// A method's columns: `secret`, `credential_id`, `details` (the non-secret
/// facts, JSON), `counter`, `used_at`.
pub(crate) type MethodColumns = (Option<Vec<u8>>, Option<Vec<u8>>, String, i64, Option<i64>);

/// The row's columns for each kind.
pub(crate) fn method_columns(m: &AuthMethod) -> StoreResult<MethodColumns> {
    Ok(match &m.detail {
        MethodDetail::SoftwareOath {
            sealed_secret,
            last_step,
        } => (
            Some(sealed_secret.clone()),
            None,
            "{}".into(),
            *last_step,
            None,
        ),
        MethodDetail::Fido2 {
            credential_id,
            aaguid,
            attestation_format,
            passkey,
            counter,
        } => (
            None,
            Some(credential_id.clone()),
            crate::sql::to_json(&serde_json::json!({
                "aaguid": aaguid, "attestationFormat": attestation_format, "passkey": passkey,
            }))?,
            *counter,
            None,
        ),
        MethodDetail::TemporaryAccessPass {
            digest,
            start,
            lifetime_minutes,
            is_usable_once,
            used_at,
        } => (
            Some(digest.clone()),
            None,
            crate::sql::to_json(&serde_json::json!({
                "start": to_millis(*start), "lifetimeMinutes": lifetime_minutes, "isUsableOnce": is_usable_once,
            }))?,
            0,
            used_at.map(to_millis),
        ),
    })
}

pub(crate) fn auth_method(r: &impl Get) -> StoreResult<AuthMethod> {
    let details: serde_json::Value = crate::sql::rows::json(r, "details")?;
    let corrupt = |what: &str| StoreError::Corrupt(format!("auth method {what}"));
    let kind = r.str("kind")?;
    let detail = match kind.as_str() {
        "softwareOath" => MethodDetail::SoftwareOath {
            sealed_secret: r.bytes("secret")?,
            last_step: r.int("counter")?,
        },
        "fido2" => MethodDetail::Fido2 {
            credential_id: r.bytes("credential_id")?,
            aaguid: details["aaguid"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| corrupt("aaguid"))?,
            attestation_format: details["attestationFormat"]
                .as_str()
                .unwrap_or("none")
                .to_string(),
            passkey: details["passkey"]
                .as_str()
                .ok_or_else(|| corrupt("passkey"))?
                .to_string(),
            counter: r.int("counter")?,
        },
        "temporaryAccessPass" => MethodDetail::TemporaryAccessPass {
            digest: r.bytes("secret")?,
            start: from_millis(details["start"].as_i64().ok_or_else(|| corrupt("start"))?),
            lifetime_minutes: details["lifetimeMinutes"]
                .as_i64()
                .ok_or_else(|| corrupt("lifetime"))?,
            is_usable_once: details["isUsableOnce"].as_bool().unwrap_or(true),
            used_at: r.opt_int("used_at")?.map(from_millis),
        },
        other => return Err(corrupt(other)),
    };
    Ok(AuthMethod {
        id: guid(r, "id")?,
        user_id: guid(r, "user_id")?,
        display_name: r.str("display_name")?,
        created_at: instant(r, "created_at")?,
        last_used_at: r.opt_int("last_used_at")?.map(from_millis),
        detail,
    })
}

pub(crate) fn sign_in_event(r: &impl Get) -> StoreResult<SignInEvent> {
    Ok(SignInEvent {
        id: guid(r, "id")?,
        created_at: instant(r, "created_at")?,
        user_id: opt_guid(r, "user_id")?,
        user_principal_name: r.str("user_principal_name")?,
        app_id: opt_guid(r, "app_id")?,
        app_display_name: r.str("app_display_name")?,
        ip_address: r.str("ip_address")?,
        error_code: i32::try_from(r.int("error_code")?).unwrap_or(i32::MAX),
        failure_reason: r.str("failure_reason")?,
        requirement: r.str("requirement")?,
        steps: crate::sql::rows::json(r, "steps")?,
    })
}

pub(crate) const METHOD_COLUMNS: &str =
    "id, user_id, kind, display_name, created_at, last_used_at, secret, credential_id, details, counter, used_at";
pub(crate) const SIGN_IN_COLUMNS: &str =
    "id, created_at, user_id, user_principal_name, app_id, app_display_name, ip_address, \
     error_code, failure_reason, requirement, steps";

macro_rules! impl_authn {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::AuthMethodStore for $store {
            async fn insert_auth_method(&self, t: tessera_model::TenantId, m: &tessera_model::AuthMethod, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let (secret, credential_id, details, counter, used_at) = $crate::sql::authn::method_columns(m)?;
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO auth_methods (tenant_id, id, user_id, kind, display_name, created_at, last_used_at, secret, credential_id, details, counter, used_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8, $9, $10, $11)",
                )
                .bind(t.to_string())
                .bind(m.id.to_string())
                .bind(m.user_id.to_string())
                .bind(m.detail.kind())
                .bind(&m.display_name)
                .bind(to_millis(m.created_at))
                .bind(secret)
                .bind(credential_id)
                .bind(details)
                .bind(counter)
                .bind(used_at)
                .execute(&mut *tx)
                .await?;
                $crate::sql::log_change!(&mut tx, t, ObjectKind::User, m.user_id, ChangeType::Updated, now,
                    serde_json::json!({"authenticationMethods": {"added": m.detail.kind(), "id": m.id}}));
                tx.commit().await?;
                Ok(())
            }

            async fn auth_methods(&self, t: tessera_model::TenantId, user: tessera_model::ObjectId) -> $crate::StoreResult<Vec<tessera_model::AuthMethod>> {
                let sql = format!(
                    "SELECT {} FROM auth_methods WHERE tenant_id = $1 AND user_id = $2 ORDER BY created_at, id",
                    $crate::sql::authn::METHOD_COLUMNS
                );
                let rows = sqlx::query(&sql)
                    .bind(t.to_string())
                    .bind(user.to_string())
                    .fetch_all(self.read())
                    .await?;
                rows.iter().map($crate::sql::authn::auth_method).collect()
            }

            async fn delete_auth_method(&self, t: tessera_model::TenantId, user: tessera_model::ObjectId, id: tessera_model::ObjectId, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let mut tx = self.begin_write().await?;
                let n = sqlx::query("DELETE FROM auth_methods WHERE tenant_id = $1 AND user_id = $2 AND id = $3")
                    .bind(t.to_string())
                    .bind(user.to_string())
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                $crate::sql::expect_one(n)?;
                $crate::sql::log_change!(&mut tx, t, ObjectKind::User, user, ChangeType::Updated, now,
                    serde_json::json!({"authenticationMethods": {"removed": id}}));
                tx.commit().await?;
                Ok(())
            }

            async fn passkey_tenant(&self, credential_id: &[u8]) -> $crate::StoreResult<Option<tessera_model::TenantId>> {
                let row = sqlx::query("SELECT tenant_id FROM auth_methods WHERE credential_id = $1 AND kind = 'fido2'")
                    .bind(credential_id.to_vec())
                    .fetch_optional(self.read())
                    .await?;
                row.as_ref().map(|r| $crate::sql::rows::guid(r, "tenant_id")).transpose()
            }

            async fn password_state(&self, t: tessera_model::TenantId, user: tessera_model::ObjectId) -> $crate::StoreResult<Option<$crate::PasswordState>> {
                use $crate::sql::rows::Get;
                let row = sqlx::query("SELECT password_hash, force_change_password FROM users WHERE tenant_id = $1 AND id = $2")
                    .bind(t.to_string())
                    .bind(user.to_string())
                    .fetch_optional(self.read())
                    .await?;
                row.map(|r| -> $crate::StoreResult<$crate::PasswordState> {
                    Ok($crate::PasswordState { hash: r.opt_str("password_hash")?, force_change: r.flag("force_change_password")? })
                })
                .transpose()
            }

            async fn change_password(&self, t: tessera_model::TenantId, user: tessera_model::ObjectId, phc: &str, force_change: bool, keep_session: Option<tessera_model::ObjectId>, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                Self::tx_set_password_hash(&mut tx, t, user, phc, now).await?;
                Self::tx_revoke_sessions(&mut tx, t, user, keep_session, now).await?;
                sqlx::query("UPDATE users SET force_change_password = $3 WHERE tenant_id = $1 AND id = $2")
                    .bind(t.to_string())
                    .bind(user.to_string())
                    .bind(force_change)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn passkey_by_credential(&self, t: tessera_model::TenantId, credential_id: &[u8]) -> $crate::StoreResult<Option<tessera_model::AuthMethod>> {
                let sql = format!(
                    "SELECT {} FROM auth_methods WHERE tenant_id = $1 AND credential_id = $2 AND kind = 'fido2'",
                    $crate::sql::authn::METHOD_COLUMNS
                );
                let row = sqlx::query(&sql)
                    .bind(t.to_string())
                    .bind(credential_id.to_vec())
                    .fetch_optional(self.read())
                    .await?;
                row.as_ref().map($crate::sql::authn::auth_method).transpose()
            }

            async fn use_totp_step(&self, t: tessera_model::TenantId, id: tessera_model::ObjectId, step: i64, now: time::OffsetDateTime) -> $crate::StoreResult<bool> {
                let mut tx = self.begin_ephemeral_write().await?;
                let n = sqlx::query(
                    "UPDATE auth_methods SET counter = $3, last_used_at = $4 \
                     WHERE tenant_id = $1 AND id = $2 AND kind = 'softwareOath' AND counter < $3",
                )
                .bind(t.to_string())
                .bind(id.to_string())
                .bind(step)
                .bind(tessera_model::to_millis(now))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                tx.commit().await?;
                Ok(n == 1)
            }

            async fn use_passkey(&self, t: tessera_model::TenantId, id: tessera_model::ObjectId, counter: i64, passkey: &str, now: time::OffsetDateTime) -> $crate::StoreResult<bool> {
                let mut tx = self.begin_ephemeral_write().await?;
                let row = sqlx::query("SELECT details FROM auth_methods WHERE tenant_id = $1 AND id = $2 AND kind = 'fido2'")
                    .bind(t.to_string())
                    .bind(id.to_string())
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(row) = row else { return Ok(false) };
                let mut details: serde_json::Value = $crate::sql::rows::json(&row, "details")?;
                details["passkey"] = serde_json::Value::String(passkey.to_string());
                let n = sqlx::query(
                    "UPDATE auth_methods SET counter = $3, details = $4, last_used_at = $5 \
                     WHERE tenant_id = $1 AND id = $2 AND kind = 'fido2' AND (counter < $3 OR $3 = 0)",
                )
                .bind(t.to_string())
                .bind(id.to_string())
                .bind(counter)
                .bind($crate::sql::to_json(&details)?)
                .bind(tessera_model::to_millis(now))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                tx.commit().await?;
                Ok(n == 1)
            }

            async fn use_temporary_access_pass(&self, t: tessera_model::TenantId, id: tessera_model::ObjectId, once: bool, now: time::OffsetDateTime) -> $crate::StoreResult<bool> {
                let n = if once {
                    let mut tx = self.begin_write().await?;
                    let n = sqlx::query(
                        "UPDATE auth_methods SET used_at = $3, last_used_at = $3 \
                         WHERE tenant_id = $1 AND id = $2 AND kind = 'temporaryAccessPass' AND used_at IS NULL",
                    )
                    .bind(t.to_string())
                    .bind(id.to_string())
                    .bind(tessera_model::to_millis(now))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    tx.commit().await?;
                    n
                } else {
                    let mut tx = self.begin_ephemeral_write().await?;
                    let n = sqlx::query(
                        "UPDATE auth_methods SET last_used_at = $3 WHERE tenant_id = $1 AND id = $2 AND kind = 'temporaryAccessPass'",
                    )
                    .bind(t.to_string())
                    .bind(id.to_string())
                    .bind(tessera_model::to_millis(now))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    tx.commit().await?;
                    n
                };
                Ok(n == 1)
            }

            async fn consume_challenge(&self, t: tessera_model::TenantId, digest: &[u8], expires_at: time::OffsetDateTime) -> $crate::StoreResult<bool> {
                let mut tx = self.begin_ephemeral_write().await?;
                let n = sqlx::query(
                    "INSERT INTO used_challenges (tenant_id, digest, expires_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (tenant_id, digest) DO NOTHING",
                )
                .bind(t.to_string())
                .bind(digest.to_vec())
                .bind(tessera_model::to_millis(expires_at))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                tx.commit().await?;
                Ok(n == 1)
            }

            async fn tenant_policy(&self, t: tessera_model::TenantId, name: &str) -> $crate::StoreResult<Option<String>> {
                let row = sqlx::query("SELECT value FROM tenant_policies WHERE tenant_id = $1 AND name = $2")
                    .bind(t.to_string())
                    .bind(name)
                    .fetch_optional(self.read())
                    .await?;
                use $crate::sql::rows::Get;
                row.map(|r| r.str("value")).transpose()
            }

            async fn set_tenant_policy(&self, t: tessera_model::TenantId, name: &str, value: &str, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO tenant_policies (tenant_id, name, value, updated_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (tenant_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                )
                .bind(t.to_string())
                .bind(name)
                .bind(value)
                .bind(tessera_model::to_millis(now))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn upgrade_session(&self, t: tessera_model::TenantId, session: tessera_model::ObjectId, amr: &[String], auth_time: time::OffsetDateTime) -> $crate::StoreResult<()> {
                let mut tx = self.begin_ephemeral_write().await?;
                let n = sqlx::query(
                    "UPDATE sso_sessions SET amr = $3, auth_time = $4 WHERE tenant_id = $1 AND id = $2 AND ended_at IS NULL",
                )
                .bind(t.to_string())
                .bind(session.to_string())
                .bind($crate::sql::to_json(&amr)?)
                .bind(tessera_model::to_millis(auth_time))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                $crate::sql::expect_one(n)?;
                tx.commit().await?;
                Ok(())
            }

            async fn record_sign_in(&self, t: tessera_model::TenantId, e: &tessera_model::SignInEvent) -> $crate::StoreResult<()> {
                let mut tx = self.begin_ephemeral_write().await?;
                sqlx::query(
                    "INSERT INTO sign_in_log (tenant_id, id, created_at, user_id, user_principal_name, app_id, app_display_name, ip_address, \
                     error_code, failure_reason, requirement, steps) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind(t.to_string())
                .bind(e.id.to_string())
                .bind(tessera_model::to_millis(e.created_at))
                .bind(e.user_id.map(|u| u.to_string()))
                .bind(&e.user_principal_name)
                .bind(e.app_id.map(|a| a.to_string()))
                .bind(&e.app_display_name)
                .bind(&e.ip_address)
                .bind(i64::from(e.error_code))
                .bind(&e.failure_reason)
                .bind(&e.requirement)
                .bind($crate::sql::to_json(&e.steps)?)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn sign_in(&self, t: tessera_model::TenantId, id: tessera_model::ObjectId) -> $crate::StoreResult<Option<tessera_model::SignInEvent>> {
                let sql = format!(
                    "SELECT {} FROM sign_in_log WHERE tenant_id = $1 AND id = $2",
                    $crate::sql::authn::SIGN_IN_COLUMNS
                );
                let row = sqlx::query(&sql)
                    .bind(t.to_string())
                    .bind(id.to_string())
                    .fetch_optional(self.read())
                    .await?;
                row.as_ref().map($crate::sql::authn::sign_in_event).transpose()
            }

            async fn sign_ins(&self, t: tessera_model::TenantId, user: Option<tessera_model::ObjectId>, before: Option<(time::OffsetDateTime, tessera_model::ObjectId)>, limit: u32) -> $crate::StoreResult<Vec<tessera_model::SignInEvent>> {
                let (at, id) = match before {
                    Some((at, id)) => (tessera_model::to_millis(at), id.to_string()),
                    None => (i64::MAX, String::new()),
                };
                let sql = format!(
                    "SELECT {} FROM sign_in_log WHERE tenant_id = $1 AND ($2 = '' OR user_id = $2) \
                     AND (created_at < $3 OR (created_at = $3 AND ($4 = '' OR id < $4))) \
                     ORDER BY created_at DESC, id DESC LIMIT $5",
                    $crate::sql::authn::SIGN_IN_COLUMNS
                );
                let rows = sqlx::query(&sql)
                    .bind(t.to_string())
                    .bind(user.map(|u| u.to_string()).unwrap_or_default())
                    .bind(at)
                    .bind(id)
                    .bind(i64::from(limit))
                    .fetch_all(self.read())
                    .await?;
                rows.iter().map($crate::sql::authn::sign_in_event).collect()
            }
        }
    };
}
pub(crate) use impl_authn;
