//! Tenants, bootstrap, users and groups, written once for both backends.

/// Implements `TenantStore`, `UserStore` and `GroupStore` for a store type with
/// `fn read(&self) -> &Pool<DB>` and `async fn begin_write(&self) -> Transaction`.
macro_rules! impl_directory {
    ($store:ty, $db:ty) => {
        impl $store {
            async fn tx_create_tenant(
                tx: &mut sqlx::Transaction<'static, $db>,
                tenant: &tessera_model::Tenant,
                domain: &tessera_model::Domain,
            ) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let now = tenant.created_date_time;
                sqlx::query("INSERT INTO tenants (id, display_name, created_at) VALUES ($1, $2, $3)")
                    .bind(tenant.id.to_string())
                    .bind(&tenant.display_name)
                    .bind(to_millis(now))
                    .execute(&mut **tx)
                    .await?;
                let name = normalize_domain(&domain.name).ok_or_else(|| {
                    $crate::StoreError::InvalidInput(format!("{:?} is not a domain name", domain.name))
                })?;
                sqlx::query(
                    "INSERT INTO domains (name, tenant_id, is_default, is_initial, is_verified, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&name)
                .bind(tenant.id.to_string())
                .bind(domain.is_default)
                .bind(domain.is_initial)
                .bind(domain.is_verified)
                .bind(to_millis(now))
                .execute(&mut **tx)
                .await?;
                $crate::sql::log_change!(tx, tenant.id, ObjectKind::Organization, ObjectId(tenant.id.0), ChangeType::Created, now, tenant);
                $crate::sql::log_change!(tx, tenant.id, ObjectKind::Domain, ObjectId(tenant.id.0), ChangeType::Created, now, serde_json::json!({ "id": name }));
                Ok(())
            }

            async fn tx_create_user(
                tx: &mut sqlx::Transaction<'static, $db>,
                t: tessera_model::TenantId,
                u: &tessera_model::NewUser,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<tessera_model::User> {
                use tessera_model::*;
                if u.user_principal_name.trim().is_empty() || u.display_name.trim().is_empty() {
                    return Err($crate::StoreError::InvalidInput("userPrincipalName and displayName are required".into()));
                }
                let p = &u.profile;
                sqlx::query(
                    "INSERT INTO users (tenant_id, id, user_principal_name, upn_key, display_name, given_name, surname, \
                     mail, account_enabled, password_hash, password_changed_at, created_at, updated_at, \
                     mail_nickname, job_title, department, office_location, mobile_phone, usage_location, employee_id, \
                     company_name, city, country, preferred_language, user_type, other_mails, business_phones, \
                     force_change_password) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14, $15, $16, $17, $18, $19, \
                     $20, $21, $22, $23, $24, $25, $26, $27)",
                )
                .bind(t.to_string())
                .bind(u.id.to_string())
                .bind(&u.user_principal_name)
                .bind($crate::sql::upn_key(&u.user_principal_name))
                .bind(&u.display_name)
                .bind(&u.given_name)
                .bind(&u.surname)
                .bind(&u.mail)
                .bind(u.account_enabled)
                .bind(&u.password_hash)
                .bind(u.password_hash.as_ref().map(|_| to_millis(now)))
                .bind(to_millis(now))
                .bind(&p.mail_nickname)
                .bind(&p.job_title)
                .bind(&p.department)
                .bind(&p.office_location)
                .bind(&p.mobile_phone)
                .bind(&p.usage_location)
                .bind(&p.employee_id)
                .bind(&p.company_name)
                .bind(&p.city)
                .bind(&p.country)
                .bind(&p.preferred_language)
                .bind(&p.user_type)
                .bind($crate::sql::to_json(&p.other_mails)?)
                .bind($crate::sql::to_json(&p.business_phones)?)
                .bind(u.force_change_password)
                .execute(&mut **tx)
                .await
                .map_err(|e| match $crate::StoreError::from(e) {
                    $crate::StoreError::Conflict(_) => $crate::StoreError::Conflict(
                        "Another object with the same value for property userPrincipalName already exists.".into(),
                    ),
                    other => other,
                })?;
                let user = User {
                    id: u.id,
                    user_principal_name: u.user_principal_name.clone(),
                    display_name: u.display_name.clone(),
                    given_name: u.given_name.clone(),
                    surname: u.surname.clone(),
                    mail: u.mail.clone(),
                    account_enabled: u.account_enabled,
                    created_date_time: from_millis(to_millis(now)),
                    profile: u.profile.clone(),
                };
                $crate::sql::log_change!(tx, t, ObjectKind::User, u.id, ChangeType::Created, now, user);
                Ok(user)
            }

            async fn tx_create_role_assignment(
                tx: &mut sqlx::Transaction<'static, $db>,
                t: tessera_model::TenantId,
                a: &tessera_model::DirectoryRoleAssignment,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<()> {
                use tessera_model::*;
                sqlx::query(
                    "INSERT INTO directory_role_assignments (tenant_id, id, role_definition_id, principal_id, \
                     directory_scope_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(t.to_string())
                .bind(a.id.to_string())
                .bind(a.role_definition_id.to_string())
                .bind(a.principal_id.to_string())
                .bind(&a.directory_scope_id)
                .bind(to_millis(now))
                .execute(&mut **tx)
                .await?;
                $crate::sql::log_change!(tx, t, ObjectKind::DirectoryRoleAssignment, a.id, ChangeType::Created, now, a);
                Ok(())
            }

            async fn tx_update_user(
                tx: &mut sqlx::Transaction<'static, $db>,
                t: tessera_model::TenantId,
                u: &tessera_model::User,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let p = &u.profile;
                let n = sqlx::query(
                    "UPDATE users SET user_principal_name = $3, upn_key = $4, display_name = $5, given_name = $6, \
                     surname = $7, mail = $8, account_enabled = $9, updated_at = $10, mail_nickname = $11, \
                     job_title = $12, department = $13, office_location = $14, mobile_phone = $15, usage_location = $16, \
                     employee_id = $17, company_name = $18, city = $19, country = $20, preferred_language = $21, \
                     user_type = $22, other_mails = $23, business_phones = $24 WHERE tenant_id = $1 AND id = $2",
                )
                .bind(t.to_string())
                .bind(u.id.to_string())
                .bind(&u.user_principal_name)
                .bind($crate::sql::upn_key(&u.user_principal_name))
                .bind(&u.display_name)
                .bind(&u.given_name)
                .bind(&u.surname)
                .bind(&u.mail)
                .bind(u.account_enabled)
                .bind(to_millis(now))
                .bind(&p.mail_nickname)
                .bind(&p.job_title)
                .bind(&p.department)
                .bind(&p.office_location)
                .bind(&p.mobile_phone)
                .bind(&p.usage_location)
                .bind(&p.employee_id)
                .bind(&p.company_name)
                .bind(&p.city)
                .bind(&p.country)
                .bind(&p.preferred_language)
                .bind(&p.user_type)
                .bind($crate::sql::to_json(&p.other_mails)?)
                .bind($crate::sql::to_json(&p.business_phones)?)
                .execute(&mut **tx)
                .await
                .map_err(|e| match $crate::StoreError::from(e) {
                    $crate::StoreError::Conflict(_) => $crate::StoreError::Conflict(
                        "Another object with the same value for property userPrincipalName already exists.".into(),
                    ),
                    other => other,
                })?
                .rows_affected();
                $crate::sql::expect_one(n)?;
                $crate::sql::log_change!(tx, t, ObjectKind::User, u.id, ChangeType::Updated, now, u);
                Ok(())
            }

            async fn tx_set_password_hash(
                tx: &mut sqlx::Transaction<'static, $db>,
                t: tessera_model::TenantId,
                id: tessera_model::ObjectId,
                phc: &str,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let n = sqlx::query(
                    "UPDATE users SET password_hash = $3, password_changed_at = $4, updated_at = $4 WHERE tenant_id = $1 AND id = $2",
                )
                .bind(t.to_string())
                .bind(id.to_string())
                .bind(phc)
                .bind(to_millis(now))
                .execute(&mut **tx)
                .await?
                .rows_affected();
                $crate::sql::expect_one(n)?;
                $crate::sql::log_change!(tx, t, ObjectKind::User, id, ChangeType::Updated, now, serde_json::json!({ "passwordProfile": "changed" }));
                Ok(())
            }

            async fn tx_create_group(
                tx: &mut sqlx::Transaction<'static, $db>,
                t: tessera_model::TenantId,
                g: &tessera_model::Group,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<()> {
                use tessera_model::*;
                if g.display_name.trim().is_empty() {
                    return Err($crate::StoreError::InvalidInput("displayName is required".into()));
                }
                sqlx::query(
                    "INSERT INTO directory_groups (tenant_id, id, display_name, description, mail_nickname, \
                     security_enabled, mail_enabled, created_at, updated_at, group_types, visibility, mail) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $11)",
                )
                .bind(t.to_string())
                .bind(g.id.to_string())
                .bind(&g.display_name)
                .bind(&g.description)
                .bind(&g.mail_nickname)
                .bind(g.security_enabled)
                .bind(g.mail_enabled)
                .bind(to_millis(now))
                .bind($crate::sql::to_json(&g.group_types)?)
                .bind(&g.visibility)
                .bind(&g.mail)
                .execute(&mut **tx)
                .await?;
                $crate::sql::log_change!(tx, t, ObjectKind::Group, g.id, ChangeType::Created, now, g);
                Ok(())
            }

            async fn tx_update_group(
                tx: &mut sqlx::Transaction<'static, $db>,
                t: tessera_model::TenantId,
                g: &tessera_model::Group,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<()> {
                use tessera_model::*;
                if g.display_name.trim().is_empty() {
                    return Err($crate::StoreError::InvalidInput("displayName is required".into()));
                }
                let n = sqlx::query(
                    "UPDATE directory_groups SET display_name = $3, description = $4, mail_nickname = $5, \
                     security_enabled = $6, mail_enabled = $7, group_types = $8, visibility = $9, mail = $10, \
                     updated_at = $11 WHERE tenant_id = $1 AND id = $2",
                )
                .bind(t.to_string())
                .bind(g.id.to_string())
                .bind(&g.display_name)
                .bind(&g.description)
                .bind(&g.mail_nickname)
                .bind(g.security_enabled)
                .bind(g.mail_enabled)
                .bind($crate::sql::to_json(&g.group_types)?)
                .bind(&g.visibility)
                .bind(&g.mail)
                .bind(to_millis(now))
                .execute(&mut **tx)
                .await?
                .rows_affected();
                $crate::sql::expect_one(n)?;
                $crate::sql::log_change!(tx, t, ObjectKind::Group, g.id, ChangeType::Updated, now, g);
                Ok(())
            }

            /// Adds a direct member or owner row (`owner`) after checking the
            /// group and the object exist (and, for a group member, that no
            /// membership loop closes).
            async fn tx_add_link(
                tx: &mut sqlx::Transaction<'static, $db>,
                t: tessera_model::TenantId,
                group: tessera_model::ObjectId,
                m: tessera_model::Member,
                owner: bool,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let table = match (m.kind, owner) {
                    (ObjectKind::User, _) => "users",
                    (ObjectKind::Group, false) => "directory_groups",
                    (ObjectKind::ServicePrincipal, _) => "service_principals",
                    (_, false) => return Err($crate::StoreError::InvalidReference("only users, groups and service principals can be members".into())),
                    (_, true) => return Err($crate::StoreError::InvalidReference("only users and service principals can own groups".into())),
                };
                let exists = |tbl: &str| format!("SELECT 1 AS one FROM {tbl} WHERE tenant_id = $1 AND id = $2");
                if sqlx::query(&exists("directory_groups")).bind(t.to_string()).bind(group.to_string()).fetch_optional(&mut **tx).await?.is_none() {
                    return Err($crate::StoreError::NotFound);
                }
                if sqlx::query(&exists(table)).bind(t.to_string()).bind(m.id.to_string()).fetch_optional(&mut **tx).await?.is_none() {
                    return Err($crate::StoreError::InvalidReference(if owner { "the owner does not exist" } else { "the member does not exist" }.into()));
                }
                if !owner && m.kind == ObjectKind::Group {
                    // Adding `m` under `group` closes a loop if `group` is
                    // `m` itself or already (transitively) inside it.
                    let looped = group == m.id
                        || sqlx::query(
                            "WITH RECURSIVE inside(id) AS ( \
                               SELECT member_id FROM group_members WHERE tenant_id = $1 AND group_id = $2 \
                               UNION SELECT gm.member_id FROM inside i CROSS JOIN group_members gm \
                               WHERE gm.tenant_id = $1 AND gm.group_id = i.id) \
                             SELECT 1 AS one FROM inside WHERE id = $3",
                        )
                        .bind(t.to_string())
                        .bind(m.id.to_string())
                        .bind(group.to_string())
                        .fetch_optional(&mut **tx)
                        .await?
                        .is_some();
                    if looped {
                        return Err($crate::StoreError::InvalidReference("adding this member would create a membership loop".into()));
                    }
                }
                let sql = if owner {
                    "INSERT INTO group_owners (tenant_id, group_id, owner_id, owner_kind, created_at) VALUES ($1, $2, $3, $4, $5)"
                } else {
                    "INSERT INTO group_members (tenant_id, group_id, member_id, member_kind, created_at) VALUES ($1, $2, $3, $4, $5)"
                };
                sqlx::query(sql)
                    .bind(t.to_string())
                    .bind(group.to_string())
                    .bind(m.id.to_string())
                    .bind(m.kind.as_str())
                    .bind(to_millis(now))
                    .execute(&mut **tx)
                    .await
                    .map_err(|e| match $crate::StoreError::from(e) {
                        $crate::StoreError::Conflict(_) => $crate::StoreError::Conflict(
                            if owner { "the object is already an owner" } else { "the object is already a member" }.into(),
                        ),
                        other => other,
                    })?;
                let key = if owner { "owners@delta" } else { "members@delta" };
                $crate::sql::log_change!(tx, t, ObjectKind::Group, group, ChangeType::Updated, now,
                    serde_json::json!({ key: [{ "id": m.id, "@odata.type": m.kind.as_str() }] }));
                Ok(())
            }

            /// Ends the user's sign-in sessions and refresh-token families
            /// and refuses their access tokens issued until now (Graph's
            /// `revokeSignInSessions`; also every password change or reset,
            /// disabling and deleting). `keep`: the session that made a
            /// self-service password change goes on. Returns the cutoff
            /// (ms); the caller's own write logs the change.
            async fn tx_revoke_sessions(
                tx: &mut sqlx::Transaction<'static, $db>,
                t: tessera_model::TenantId,
                id: tessera_model::ObjectId,
                keep: Option<tessera_model::ObjectId>,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<i64> {
                let ms = tessera_model::to_millis(now);
                // Tokens carry `iat` in whole seconds: refuse every token of
                // the revocation's second too (one issued just after it is
                // refused as well; that errs on the safe side).
                let cutoff = ms - ms.rem_euclid(1000) + 1000;
                let n = sqlx::query("UPDATE users SET sessions_valid_from = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2")
                    .bind(t.to_string())
                    .bind(id.to_string())
                    .bind(cutoff)
                    .bind(ms)
                    .execute(&mut **tx)
                    .await?
                    .rows_affected();
                $crate::sql::expect_one(n)?;
                Self::tx_end_sessions(tx, t, id, keep, now).await?;
                Ok(cutoff)
            }

            /// Ends the user's sign-in sessions and revokes its refresh
            /// tokens, but `keep`'s.
            async fn tx_end_sessions(
                tx: &mut sqlx::Transaction<'static, $db>,
                t: tessera_model::TenantId,
                id: tessera_model::ObjectId,
                keep: Option<tessera_model::ObjectId>,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<()> {
                let ms = tessera_model::to_millis(now);
                let keep = keep.map(|k| k.to_string()).unwrap_or_default();
                sqlx::query("UPDATE sso_sessions SET ended_at = $3 WHERE tenant_id = $1 AND user_id = $2 AND ended_at IS NULL AND id <> $4")
                    .bind(t.to_string())
                    .bind(id.to_string())
                    .bind(ms)
                    .bind(&keep)
                    .execute(&mut **tx)
                    .await?;
                sqlx::query("UPDATE refresh_tokens SET revoked_at = $3 WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL \
                             AND (session_id IS NULL OR session_id <> $4)")
                    .bind(t.to_string())
                    .bind(id.to_string())
                    .bind(ms)
                    .bind(&keep)
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }

            /// The tenant's enabled users holding Global Administrator.
            async fn tx_enabled_global_admins(
                tx: &mut sqlx::Transaction<'static, $db>,
                t: tessera_model::TenantId,
            ) -> $crate::StoreResult<i64> {
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM directory_role_assignments a JOIN users u \
                     ON u.tenant_id = a.tenant_id AND u.id = a.principal_id \
                     WHERE a.tenant_id = $1 AND a.role_definition_id = $2 AND u.account_enabled = $3",
                )
                .bind(t.to_string())
                .bind(tessera_model::directory_roles::GLOBAL_ADMINISTRATOR.id.to_string())
                .bind(true)
                .fetch_one(&mut **tx)
                .await?;
                Ok(n)
            }

            /// Starts a write that may take away a Global Administrator:
            /// locks the tenant (so that two such writes cannot each remove
            /// a different one) and counts them. Pass the count to
            /// `tx_keep_last_global_admin` after the write, before commit.
            async fn tx_global_admins_before(
                tx: &mut sqlx::Transaction<'static, $db>,
                t: tessera_model::TenantId,
            ) -> $crate::StoreResult<i64> {
                Self::tx_lock_tenant(tx, t).await?;
                Self::tx_enabled_global_admins(tx, t).await
            }

            /// Refuses (and so rolls back) a write that took away the
            /// tenant's last enabled Global Administrator.
            async fn tx_keep_last_global_admin(
                tx: &mut sqlx::Transaction<'static, $db>,
                t: tessera_model::TenantId,
                before: i64,
            ) -> $crate::StoreResult<()> {
                if before > 0 && Self::tx_enabled_global_admins(tx, t).await? == 0 {
                    return Err($crate::StoreError::LastGlobalAdministrator);
                }
                Ok(())
            }

            /// Serialises writes that must not interleave within a tenant
            /// (nested-group edits): a row lock on PostgreSQL, a no-op cost on
            /// SQLite, whose writer is already single.
            async fn tx_lock_tenant(
                tx: &mut sqlx::Transaction<'static, $db>,
                t: tessera_model::TenantId,
            ) -> $crate::StoreResult<()> {
                let n = sqlx::query("UPDATE tenants SET lock_version = lock_version + 1 WHERE id = $1")
                    .bind(t.to_string())
                    .execute(&mut **tx)
                    .await?
                    .rows_affected();
                if n == 0 {
                    return Err($crate::StoreError::InvalidReference("unknown tenant".into()));
                }
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl $crate::TenantStore for $store {
            async fn bootstrap(&self, plan: &$crate::BootstrapPlan) -> $crate::StoreResult<$crate::BootstrapOutcome> {
                use tessera_model::*;
                let mut tx = self.begin_write().await?;
                if let Some(row) = sqlx::query("SELECT tenant_id FROM bootstrap_state WHERE id = 1")
                    .fetch_optional(&mut *tx)
                    .await?
                {
                    return Ok($crate::BootstrapOutcome::AlreadyBootstrapped($crate::sql::guid(&row, "tenant_id")?));
                }
                Self::tx_write_plan(&mut tx, plan).await?;
                // The bootstrap marker: a second node racing us fails here on the
                // primary key and rolls back everything it wrote.
                let marked = sqlx::query("INSERT INTO bootstrap_state (id, tenant_id, created_at) VALUES (1, $1, $2)")
                    .bind(plan.tenant.id.to_string())
                    .bind(to_millis(plan.now))
                    .execute(&mut *tx)
                    .await;
                match marked.map_err($crate::StoreError::from) {
                    Ok(_) => {}
                    Err($crate::StoreError::Conflict(_)) => {
                        drop(tx);
                        let winner = self.bootstrapped_tenant().await?.ok_or($crate::StoreError::NotFound)?;
                        return Ok($crate::BootstrapOutcome::AlreadyBootstrapped(winner));
                    }
                    Err(e) => return Err(e),
                }
                tx.commit().await?;
                Ok($crate::BootstrapOutcome::Created)
            }

            async fn bootstrapped_tenant(&self) -> $crate::StoreResult<Option<tessera_model::TenantId>> {
                let row = sqlx::query("SELECT tenant_id FROM bootstrap_state WHERE id = 1")
                    .fetch_optional(self.read())
                    .await?;
                row.map(|r| $crate::sql::guid(&r, "tenant_id")).transpose()
            }

            async fn create_tenant(&self, tenant: &tessera_model::Tenant, initial_domain: &tessera_model::Domain) -> $crate::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                Self::tx_create_tenant(&mut tx, tenant, initial_domain).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_tenant(&self, t: tessera_model::TenantId) -> $crate::StoreResult<Option<tessera_model::Tenant>> {
                let row = sqlx::query("SELECT id, display_name, created_at FROM tenants WHERE id = $1")
                    .bind(t.to_string())
                    .fetch_optional(self.read())
                    .await?;
                row.map(|r| $crate::sql::tenant(&r)).transpose()
            }

            async fn tenant_signing_alg(&self, t: tessera_model::TenantId) -> $crate::StoreResult<Option<String>> {
                let row = sqlx::query("SELECT token_signing_alg FROM tenant_settings WHERE tenant_id = $1")
                    .bind(t.to_string())
                    .fetch_optional(self.read())
                    .await?;
                match row {
                    Some(r) => $crate::sql::Get::opt_str(&r, "token_signing_alg"),
                    None => Ok(None),
                }
            }

            async fn set_tenant_signing_alg(&self, t: tessera_model::TenantId, alg: Option<&str>, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let mut tx = self.begin_write().await?;
                let n = sqlx::query(
                    "INSERT INTO tenant_settings (tenant_id, token_signing_alg) SELECT id, $2 FROM tenants WHERE id = $1 \
                     ON CONFLICT (tenant_id) DO UPDATE SET token_signing_alg = $2",
                )
                .bind(t.to_string())
                .bind(alg)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                $crate::sql::expect_one(n)?;
                $crate::sql::log_change!(&mut tx, t, ObjectKind::Organization, ObjectId(t.0), ChangeType::Updated, now, serde_json::json!({ "tokenSigningAlg": alg }));
                tx.commit().await?;
                Ok(())
            }

            async fn list_tenant_ids(&self) -> $crate::StoreResult<Vec<tessera_model::TenantId>> {
                let rows = sqlx::query("SELECT id FROM tenants ORDER BY id").fetch_all(self.read()).await?;
                rows.iter().map(|r| $crate::sql::guid(r, "id")).collect()
            }

            async fn tenant_by_domain(&self, domain: &str) -> $crate::StoreResult<Option<tessera_model::TenantId>> {
                let Some(name) = tessera_model::normalize_domain(domain) else { return Ok(None) };
                let row = sqlx::query("SELECT tenant_id FROM domains WHERE name = $1 AND is_verified = $2")
                    .bind(name)
                    .bind(true)
                    .fetch_optional(self.read())
                    .await?;
                row.map(|r| $crate::sql::guid(&r, "tenant_id")).transpose()
            }

            async fn list_domains(&self, t: tessera_model::TenantId) -> $crate::StoreResult<Vec<tessera_model::Domain>> {
                let rows = sqlx::query(
                    "SELECT name, tenant_id, is_default, is_initial, is_verified FROM domains WHERE tenant_id = $1 ORDER BY name",
                )
                .bind(t.to_string())
                .fetch_all(self.read())
                .await?;
                rows.iter().map($crate::sql::domain).collect()
            }
        }

        #[async_trait::async_trait]
        impl $crate::UserStore for $store {
            async fn create_user(&self, t: tessera_model::TenantId, u: &tessera_model::NewUser, now: time::OffsetDateTime) -> $crate::StoreResult<tessera_model::User> {
                let mut tx = self.begin_write().await?;
                let user = Self::tx_create_user(&mut tx, t, u, now).await?;
                tx.commit().await?;
                Ok(user)
            }

            async fn get_user(&self, t: tessera_model::TenantId, id: tessera_model::ObjectId) -> $crate::StoreResult<Option<tessera_model::User>> {
                let sql = format!("SELECT {} FROM users WHERE tenant_id = $1 AND id = $2", $crate::sql::USER_COLUMNS);
                let row = sqlx::query(&sql).bind(t.to_string()).bind(id.to_string()).fetch_optional(self.read()).await?;
                row.map(|r| $crate::sql::user(&r)).transpose()
            }

            async fn get_user_by_upn(&self, t: tessera_model::TenantId, upn: &str) -> $crate::StoreResult<Option<tessera_model::User>> {
                let sql = format!("SELECT {} FROM users WHERE tenant_id = $1 AND upn_key = $2", $crate::sql::USER_COLUMNS);
                let row = sqlx::query(&sql)
                    .bind(t.to_string())
                    .bind($crate::sql::upn_key(upn))
                    .fetch_optional(self.read())
                    .await?;
                row.map(|r| $crate::sql::user(&r)).transpose()
            }

            async fn list_users(&self, t: tessera_model::TenantId, after: Option<tessera_model::ObjectId>, limit: u32) -> $crate::StoreResult<Vec<tessera_model::User>> {
                $crate::sql::keyset_page!(self, $crate::sql::USER_COLUMNS, "users", t, after, limit, $crate::sql::user)
            }

            async fn update_user(&self, t: tessera_model::TenantId, u: &tessera_model::User, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let admins = Self::tx_global_admins_before(&mut tx, t).await?;
                Self::tx_update_user(&mut tx, t, u, now).await?;
                if !u.account_enabled {
                    Self::tx_revoke_sessions(&mut tx, t, u.id, None, now).await?;
                }
                Self::tx_keep_last_global_admin(&mut tx, t, admins).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn delete_user(&self, t: tessera_model::TenantId, id: tessera_model::ObjectId, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let mut tx = self.begin_write().await?;
                let admins = Self::tx_global_admins_before(&mut tx, t).await?;
                Self::tx_end_sessions(&mut tx, t, id, None, now).await?;
                for sql in [
                    "DELETE FROM group_members WHERE tenant_id = $1 AND member_id = $2",
                    "DELETE FROM group_owners WHERE tenant_id = $1 AND owner_id = $2",
                    "DELETE FROM extension_values WHERE tenant_id = $1 AND object_id = $2",
                    "DELETE FROM app_role_assignments WHERE tenant_id = $1 AND principal_id = $2",
                    "DELETE FROM directory_role_assignments WHERE tenant_id = $1 AND principal_id = $2",
                    "DELETE FROM oauth2_permission_grants WHERE tenant_id = $1 AND principal_id = $2",
                    "DELETE FROM auth_methods WHERE tenant_id = $1 AND user_id = $2",
                ] {
                    sqlx::query(sql).bind(t.to_string()).bind(id.to_string()).execute(&mut *tx).await?;
                }
                let n = sqlx::query("DELETE FROM users WHERE tenant_id = $1 AND id = $2")
                    .bind(t.to_string())
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                $crate::sql::expect_one(n)?;
                Self::tx_keep_last_global_admin(&mut tx, t, admins).await?;
                $crate::sql::log_change!(&mut tx, t, ObjectKind::User, id, ChangeType::Deleted, now, serde_json::json!({}));
                tx.commit().await?;
                Ok(())
            }

            async fn user_password_hash(&self, t: tessera_model::TenantId, id: tessera_model::ObjectId) -> $crate::StoreResult<Option<String>> {
                let row = sqlx::query("SELECT password_hash FROM users WHERE tenant_id = $1 AND id = $2")
                    .bind(t.to_string())
                    .bind(id.to_string())
                    .fetch_optional(self.read())
                    .await?;
                match row {
                    Some(r) => $crate::sql::Get::opt_str(&r, "password_hash"),
                    None => Ok(None),
                }
            }

            async fn set_user_password_hash(&self, t: tessera_model::TenantId, id: tessera_model::ObjectId, phc: &str, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                Self::tx_set_password_hash(&mut tx, t, id, phc, now).await?;
                Self::tx_revoke_sessions(&mut tx, t, id, None, now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn revoke_user_sessions(&self, t: tessera_model::TenantId, id: tessera_model::ObjectId, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let mut tx = self.begin_write().await?;
                let cutoff = Self::tx_revoke_sessions(&mut tx, t, id, None, now).await?;
                $crate::sql::log_change!(&mut tx, t, ObjectKind::User, id, ChangeType::Updated, now,
                    serde_json::json!({ "signInSessionsValidFromDateTime": from_millis(cutoff).unix_timestamp() }));
                tx.commit().await?;
                Ok(())
            }

            async fn user_access(&self, t: tessera_model::TenantId, id: tessera_model::ObjectId) -> $crate::StoreResult<Option<(bool, Option<time::OffsetDateTime>)>> {
                let row = sqlx::query("SELECT account_enabled, sessions_valid_from FROM users WHERE tenant_id = $1 AND id = $2")
                    .bind(t.to_string())
                    .bind(id.to_string())
                    .fetch_optional(self.read())
                    .await?;
                match row {
                    None => Ok(None),
                    Some(r) => Ok(Some((
                        $crate::sql::Get::flag(&r, "account_enabled")?,
                        $crate::sql::Get::opt_int(&r, "sessions_valid_from")?.map(tessera_model::from_millis),
                    ))),
                }
            }
        }

        #[async_trait::async_trait]
        impl $crate::GroupStore for $store {
            async fn create_group(&self, t: tessera_model::TenantId, g: &tessera_model::Group, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                Self::tx_create_group(&mut tx, t, g, now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_group(&self, t: tessera_model::TenantId, id: tessera_model::ObjectId) -> $crate::StoreResult<Option<tessera_model::Group>> {
                let sql = format!("SELECT {} FROM directory_groups WHERE tenant_id = $1 AND id = $2", $crate::sql::GROUP_COLUMNS);
                let row = sqlx::query(&sql).bind(t.to_string()).bind(id.to_string()).fetch_optional(self.read()).await?;
                row.map(|r| $crate::sql::group(&r)).transpose()
            }

            async fn list_groups(&self, t: tessera_model::TenantId, after: Option<tessera_model::ObjectId>, limit: u32) -> $crate::StoreResult<Vec<tessera_model::Group>> {
                $crate::sql::keyset_page!(self, $crate::sql::GROUP_COLUMNS, "directory_groups", t, after, limit, $crate::sql::group)
            }

            async fn delete_group(&self, t: tessera_model::TenantId, id: tessera_model::ObjectId, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let mut tx = self.begin_write().await?;
                for sql in [
                    "DELETE FROM group_members WHERE tenant_id = $1 AND (group_id = $2 OR member_id = $2)",
                    "DELETE FROM group_owners WHERE tenant_id = $1 AND group_id = $2",
                    "DELETE FROM extension_values WHERE tenant_id = $1 AND object_id = $2",
                    "DELETE FROM app_role_assignments WHERE tenant_id = $1 AND principal_id = $2",
                    "DELETE FROM directory_role_assignments WHERE tenant_id = $1 AND principal_id = $2",
                ] {
                    sqlx::query(sql).bind(t.to_string()).bind(id.to_string()).execute(&mut *tx).await?;
                }
                let n = sqlx::query("DELETE FROM directory_groups WHERE tenant_id = $1 AND id = $2")
                    .bind(t.to_string())
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                $crate::sql::expect_one(n)?;
                $crate::sql::log_change!(&mut tx, t, ObjectKind::Group, id, ChangeType::Deleted, now, serde_json::json!({}));
                tx.commit().await?;
                Ok(())
            }

            async fn update_group(&self, t: tessera_model::TenantId, g: &tessera_model::Group, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                Self::tx_update_group(&mut tx, t, g, now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn add_group_owner(&self, t: tessera_model::TenantId, group: tessera_model::ObjectId, owner: tessera_model::Member, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                Self::tx_add_link(&mut tx, t, group, owner, true, now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn remove_group_owner(&self, t: tessera_model::TenantId, group: tessera_model::ObjectId, owner: tessera_model::ObjectId, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let mut tx = self.begin_write().await?;
                let n = sqlx::query("DELETE FROM group_owners WHERE tenant_id = $1 AND group_id = $2 AND owner_id = $3")
                    .bind(t.to_string())
                    .bind(group.to_string())
                    .bind(owner.to_string())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                $crate::sql::expect_one(n)?;
                $crate::sql::log_change!(&mut tx, t, ObjectKind::Group, group, ChangeType::Updated, now,
                    serde_json::json!({ "owners@delta": [{ "id": owner, "@removed": { "reason": "deleted" } }] }));
                tx.commit().await?;
                Ok(())
            }

            async fn add_group_member(&self, t: tessera_model::TenantId, group: tessera_model::ObjectId, member: tessera_model::Member, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                Self::tx_lock_tenant(&mut tx, t).await?;
                Self::tx_add_link(&mut tx, t, group, member, false, now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn remove_group_member(&self, t: tessera_model::TenantId, group: tessera_model::ObjectId, member: tessera_model::ObjectId, now: time::OffsetDateTime) -> $crate::StoreResult<()> {
                use tessera_model::*;
                let mut tx = self.begin_write().await?;
                let n = sqlx::query("DELETE FROM group_members WHERE tenant_id = $1 AND group_id = $2 AND member_id = $3")
                    .bind(t.to_string())
                    .bind(group.to_string())
                    .bind(member.to_string())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                $crate::sql::expect_one(n)?;
                $crate::sql::log_change!(&mut tx, t, ObjectKind::Group, group, ChangeType::Updated, now,
                    serde_json::json!({ "members@delta": [{ "id": member, "@removed": { "reason": "deleted" } }] }));
                tx.commit().await?;
                Ok(())
            }

            async fn list_group_members(&self, t: tessera_model::TenantId, group: tessera_model::ObjectId) -> $crate::StoreResult<Vec<tessera_model::Member>> {
                let rows = sqlx::query(
                    "SELECT member_id, member_kind FROM group_members WHERE tenant_id = $1 AND group_id = $2 ORDER BY member_id",
                )
                .bind(t.to_string())
                .bind(group.to_string())
                .fetch_all(self.read())
                .await?;
                rows.iter().map($crate::sql::member).collect()
            }

            async fn transitive_member_of(&self, t: tessera_model::TenantId, member: tessera_model::ObjectId) -> $crate::StoreResult<Vec<tessera_model::ObjectId>> {
                let rows = sqlx::query(
                    "WITH RECURSIVE up(id) AS ( \
                       SELECT group_id FROM group_members WHERE tenant_id = $1 AND member_id = $2 \
                       UNION SELECT m.group_id FROM up u CROSS JOIN group_members m \
                       WHERE m.tenant_id = $1 AND m.member_id = u.id) \
                     SELECT id FROM up ORDER BY id",
                )
                .bind(t.to_string())
                .bind(member.to_string())
                .fetch_all(self.read())
                .await?;
                rows.iter().map(|r| $crate::sql::guid(r, "id")).collect()
            }
        }
    };
}
pub(crate) use impl_directory;
