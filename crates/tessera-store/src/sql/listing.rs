//! `QueryStore` (directory API listings) and the group-owner and session
//! writes that arrived with the directory API, written once for both backends.

macro_rules! impl_listing {
    ($store:ty, $db:ty) => {
        impl $store {
            async fn list_page<T>(
                &self,
                res: $crate::sql::query::Res,
                t: tessera_model::TenantId,
                columns: &str,
                q: &$crate::ListQuery,
                map: impl Fn(&<$db as sqlx::Database>::Row) -> $crate::StoreResult<T>,
                id_of: impl Fn(&T) -> tessera_model::ObjectId,
            ) -> $crate::StoreResult<$crate::Page<T>> {
                let b = $crate::sql::query::build(res, self.backend(), &t.to_string(), columns, q)?;
                let rows = $crate::sql::query::bind_params!(sqlx::query(&b.sql), b.params)
                    .fetch_all(self.read())
                    .await?;
                let limit = q.limit.clamp(1, 999) as usize;
                let more = rows.len() > limit;
                let mut items = Vec::with_capacity(rows.len().min(limit));
                let mut next = None;
                for (i, r) in rows.iter().take(limit).enumerate() {
                    let item = map(r)?;
                    if more && i + 1 == limit {
                        next = Some($crate::sql::query::cursor_of(r, &b.keys, id_of(&item))?);
                    }
                    items.push(item);
                }
                let count = match &b.count_sql {
                    Some(sql) => {
                        let r = $crate::sql::query::bind_params!(sqlx::query(sql), b.count_params)
                            .fetch_one(self.read())
                            .await?;
                        Some(u64::try_from($crate::sql::Get::int(&r, "n")?).unwrap_or(0))
                    }
                    None => None,
                };
                Ok($crate::Page { items, next, count })
            }

            /// `SELECT … WHERE tenant_id = $1 AND id IN ($2, …)`.
            async fn by_ids<T>(
                &self,
                table: &str,
                columns: &str,
                t: tessera_model::TenantId,
                ids: &[tessera_model::ObjectId],
                map: impl Fn(&<$db as sqlx::Database>::Row) -> $crate::StoreResult<T>,
            ) -> $crate::StoreResult<Vec<T>> {
                let mut out = Vec::with_capacity(ids.len());
                for chunk in ids.chunks(500) {
                    let ph: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
                    let sql = format!(
                        "SELECT {columns} FROM {table} WHERE tenant_id = $1 AND id IN ({})",
                        ph.join(", ")
                    );
                    let mut q = sqlx::query(&sql).bind(t.to_string());
                    for id in chunk {
                        q = q.bind(id.to_string());
                    }
                    for r in q.fetch_all(self.read()).await? {
                        out.push(map(&r)?);
                    }
                }
                Ok(out)
            }
        }

        #[async_trait::async_trait]
        impl $crate::QueryStore for $store {
            async fn query_users(&self, t: tessera_model::TenantId, q: &$crate::ListQuery) -> $crate::StoreResult<$crate::Page<tessera_model::User>> {
                self.list_page($crate::sql::query::Res::Users, t, $crate::sql::USER_COLUMNS, q, |r| $crate::sql::user(r), |u| u.id).await
            }

            async fn query_groups(&self, t: tessera_model::TenantId, q: &$crate::ListQuery) -> $crate::StoreResult<$crate::Page<tessera_model::Group>> {
                self.list_page($crate::sql::query::Res::Groups, t, $crate::sql::GROUP_COLUMNS, q, |r| $crate::sql::group(r), |g| g.id).await
            }

            async fn query_applications(&self, t: tessera_model::TenantId, q: &$crate::ListQuery) -> $crate::StoreResult<$crate::Page<tessera_model::Application>> {
                self.list_page($crate::sql::query::Res::Applications, t, $crate::sql::APP_COLUMNS, q, |r| $crate::sql::application(r), |a| a.id).await
            }

            async fn query_service_principals(&self, t: tessera_model::TenantId, q: &$crate::ListQuery) -> $crate::StoreResult<$crate::Page<tessera_model::ServicePrincipal>> {
                self.list_page($crate::sql::query::Res::ServicePrincipals, t, $crate::sql::SP_COLUMNS, q, |r| $crate::sql::service_principal(r), |s| s.id).await
            }

            async fn related(
                &self,
                t: tessera_model::TenantId,
                rel: $crate::Relation,
                after: Option<tessera_model::ObjectId>,
                limit: u32,
            ) -> $crate::StoreResult<Vec<tessera_model::Member>> {
                use $crate::Relation::*;
                let (sql, of) = match rel {
                    Members(g) => (
                        "SELECT member_id, member_kind FROM group_members \
                         WHERE tenant_id = $1 AND group_id = $2 AND member_id > $3 ORDER BY member_id LIMIT $4",
                        g,
                    ),
                    TransitiveMembers(g) => (
                        "WITH RECURSIVE down(id, kind) AS ( \
                           SELECT member_id, member_kind FROM group_members WHERE tenant_id = $1 AND group_id = $2 \
                           UNION SELECT m.member_id, m.member_kind FROM down d CROSS JOIN group_members m \
                           WHERE m.tenant_id = $1 AND m.group_id = d.id) \
                         SELECT id AS member_id, kind AS member_kind FROM down WHERE id > $3 ORDER BY id LIMIT $4",
                        g,
                    ),
                    MemberOf(x) => (
                        "SELECT group_id AS member_id, 'group' AS member_kind FROM group_members \
                         WHERE tenant_id = $1 AND member_id = $2 AND group_id > $3 ORDER BY group_id LIMIT $4",
                        x,
                    ),
                    TransitiveMemberOf(x) => (
                        "WITH RECURSIVE up(id) AS ( \
                           SELECT group_id FROM group_members WHERE tenant_id = $1 AND member_id = $2 \
                           UNION SELECT m.group_id FROM up u CROSS JOIN group_members m \
                           WHERE m.tenant_id = $1 AND m.member_id = u.id) \
                         SELECT id AS member_id, 'group' AS member_kind FROM up WHERE id > $3 ORDER BY id LIMIT $4",
                        x,
                    ),
                    Owners(g) => (
                        "SELECT owner_id AS member_id, owner_kind AS member_kind FROM group_owners \
                         WHERE tenant_id = $1 AND group_id = $2 AND owner_id > $3 ORDER BY owner_id LIMIT $4",
                        g,
                    ),
                    OwnedObjects(x) => (
                        "SELECT group_id AS member_id, 'group' AS member_kind FROM group_owners \
                         WHERE tenant_id = $1 AND owner_id = $2 AND group_id > $3 ORDER BY group_id LIMIT $4",
                        x,
                    ),
                };
                let rows = sqlx::query(sql)
                    .bind(t.to_string())
                    .bind(of.to_string())
                    .bind(after.map(|a| a.to_string()).unwrap_or_default())
                    .bind(i64::from(limit.clamp(1, 1000)))
                    .fetch_all(self.read())
                    .await?;
                rows.iter().map($crate::sql::member).collect()
            }

            async fn users_by_ids(&self, t: tessera_model::TenantId, ids: &[tessera_model::ObjectId]) -> $crate::StoreResult<Vec<tessera_model::User>> {
                self.by_ids("users", $crate::sql::USER_COLUMNS, t, ids, |r| $crate::sql::user(r)).await
            }

            async fn groups_by_ids(&self, t: tessera_model::TenantId, ids: &[tessera_model::ObjectId]) -> $crate::StoreResult<Vec<tessera_model::Group>> {
                self.by_ids("directory_groups", $crate::sql::GROUP_COLUMNS, t, ids, |r| $crate::sql::group(r)).await
            }

            async fn service_principals_by_ids(&self, t: tessera_model::TenantId, ids: &[tessera_model::ObjectId]) -> $crate::StoreResult<Vec<tessera_model::ServicePrincipal>> {
                self.by_ids("service_principals", $crate::sql::SP_COLUMNS, t, ids, |r| $crate::sql::service_principal(r)).await
            }

            async fn object_kind(&self, t: tessera_model::TenantId, id: tessera_model::ObjectId) -> $crate::StoreResult<Option<tessera_model::ObjectKind>> {
                let row = sqlx::query(
                    "SELECT 'user' AS member_kind FROM users WHERE tenant_id = $1 AND id = $2 \
                     UNION ALL SELECT 'group' FROM directory_groups WHERE tenant_id = $1 AND id = $2 \
                     UNION ALL SELECT 'servicePrincipal' FROM service_principals WHERE tenant_id = $1 AND id = $2 \
                     UNION ALL SELECT 'application' FROM applications WHERE tenant_id = $1 AND id = $2",
                )
                .bind(t.to_string())
                .bind(id.to_string())
                .fetch_optional(self.read())
                .await?;
                row.map(|r| $crate::sql::kind(&r, "member_kind")).transpose()
            }
        }
    };
}
pub(crate) use impl_listing;
