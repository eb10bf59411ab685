//! The SQL both backends share. The bodies are written once, as macros that
//! `sqlite.rs` and `postgres.rs` instantiate for their own pool type: the
//! queries use only SQL that SQLite, PostgreSQL (and CockroachDB) all accept,
//! with `$n` placeholders (SQLite binds `$n` by number too).
//!
//! Why macros and not generics: a function generic over `sqlx::Database`
//! needs a dozen higher-ranked bounds per type bound (`for<'q> String:
//! Encode<'q, DB>`, executor bounds for `&mut DB::Connection`, …); the
//! macro keeps one copy of each query with concrete types.

/// Appends one change-log entry inside the caller's transaction.
macro_rules! log_change {
    ($tx:expr, $t:expr, $kind:expr, $id:expr, $ct:expr, $now:expr, $detail:expr) => {
        sqlx::query(
            "INSERT INTO change_log (tenant_id, object_kind, object_id, change_type, changed_at, detail) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind($t.to_string())
        .bind($kind.as_str())
        .bind($id.to_string())
        .bind($ct.as_str())
        .bind(tessera_model::to_millis($now))
        .bind($crate::sql::to_json(&$detail)?)
        .execute(&mut **$tx)
        .await?
    };
}
pub(crate) use log_change;

/// One page of a tenant's objects in id order, after `after` (keyset paging:
/// stable under concurrent inserts, unlike OFFSET).
macro_rules! keyset_page {
    ($self:ident, $columns:expr, $table:literal, $t:expr, $after:expr, $limit:expr, $map:path) => {{
        let sql = format!(
            "SELECT {} FROM {} WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3",
            $columns, $table
        );
        let rows = sqlx::query(&sql)
            .bind($t.to_string())
            .bind($after.map(|a| a.to_string()).unwrap_or_default())
            .bind(i64::from($limit))
            .fetch_all($self.read())
            .await?;
        rows.iter().map($map).collect()
    }};
}
pub(crate) use keyset_page;

/// Maps "no row changed" to `NotFound`.
pub(crate) fn expect_one(rows: u64) -> crate::StoreResult<()> {
    if rows == 0 {
        Err(crate::StoreError::NotFound)
    } else {
        Ok(())
    }
}

pub(crate) mod admin;
pub(crate) mod apps;
pub(crate) mod authn;
pub(crate) mod device;
pub(crate) mod directory;
pub(crate) mod grants;
pub(crate) mod listing;
pub(crate) mod query;
pub(crate) mod replay;
pub(crate) mod rows;
pub(crate) mod signin;
pub(crate) mod tenants;

pub(crate) use admin::impl_admin;
pub(crate) use apps::impl_apps;
pub(crate) use authn::impl_authn;
pub(crate) use device::impl_device;
pub(crate) use directory::impl_directory;
pub(crate) use grants::impl_grants;
pub(crate) use listing::impl_listing;
pub(crate) use replay::impl_replay;
pub(crate) use rows::*;
pub(crate) use signin::impl_signin;
pub(crate) use tenants::impl_tenants;
