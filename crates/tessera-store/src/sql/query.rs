//! Directory listings: the per-resource table of filterable and sortable
//! properties, and the builder that turns a [`ListQuery`] into one
//! parameterised SELECT (plus a COUNT when asked). Written once for both
//! backends; only JSON collections differ (`json_each` on SQLite,
//! `jsonb_array_elements_text` on PostgreSQL).
use crate::{Backend, Cursor, ListQuery, StoreError, StoreResult};
use tessera_odata::sql::{translate, Column, Kind, Param, Schema};
use tessera_odata::Path;

/// A listable resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Res {
    Users,
    Groups,
    Applications,
    ServicePrincipals,
}

#[derive(Clone, Copy)]
enum K {
    /// Compared case-insensitively.
    Ci,
    /// Compared exactly.
    Exact,
    /// The column holds the lower-cased value.
    Folded,
    Bool,
    Millis,
    Guid,
    /// A JSON array of strings in the column (or at a key of a JSON column).
    Coll,
}

/// `(Graph property, column expression, kind, sortable)`. Sortable columns
/// are NOT NULL, so keyset comparisons never meet a null.
type Prop = (&'static str, &'static str, K, bool);

const USERS: &[Prop] = &[
    ("id", "u.id", K::Guid, false),
    ("userPrincipalName", "u.upn_key", K::Folded, true),
    ("displayName", "u.display_name", K::Ci, true),
    ("givenName", "u.given_name", K::Ci, false),
    ("surname", "u.surname", K::Ci, false),
    ("mail", "u.mail", K::Ci, false),
    ("mailNickname", "u.mail_nickname", K::Ci, false),
    ("jobTitle", "u.job_title", K::Ci, false),
    ("department", "u.department", K::Ci, false),
    ("officeLocation", "u.office_location", K::Ci, false),
    ("mobilePhone", "u.mobile_phone", K::Ci, false),
    ("usageLocation", "u.usage_location", K::Ci, false),
    ("employeeId", "u.employee_id", K::Ci, false),
    ("companyName", "u.company_name", K::Ci, false),
    ("city", "u.city", K::Ci, false),
    ("country", "u.country", K::Ci, false),
    ("preferredLanguage", "u.preferred_language", K::Ci, false),
    ("userType", "u.user_type", K::Ci, false),
    ("accountEnabled", "u.account_enabled", K::Bool, false),
    ("createdDateTime", "u.created_at", K::Millis, true),
    ("otherMails", "u.other_mails", K::Coll, false),
    ("businessPhones", "u.business_phones", K::Coll, false),
];

const GROUPS: &[Prop] = &[
    ("id", "g.id", K::Guid, false),
    ("displayName", "g.display_name", K::Ci, true),
    ("description", "g.description", K::Ci, false),
    ("mailNickname", "g.mail_nickname", K::Ci, false),
    ("mail", "g.mail", K::Ci, false),
    ("visibility", "g.visibility", K::Ci, false),
    ("securityEnabled", "g.security_enabled", K::Bool, false),
    ("mailEnabled", "g.mail_enabled", K::Bool, false),
    ("createdDateTime", "g.created_at", K::Millis, true),
    ("groupTypes", "g.group_types", K::Coll, false),
];

const APPLICATIONS: &[Prop] = &[
    ("id", "a.id", K::Guid, false),
    ("appId", "a.app_id", K::Guid, false),
    ("displayName", "a.display_name", K::Ci, true),
    ("signInAudience", "a.sign_in_audience", K::Exact, false),
    ("createdDateTime", "a.created_at", K::Millis, true),
    (
        "identifierUris",
        "a.settings:identifierUris",
        K::Coll,
        false,
    ),
];

const SERVICE_PRINCIPALS: &[Prop] = &[
    ("id", "s.id", K::Guid, false),
    ("appId", "s.app_id", K::Guid, false),
    ("displayName", "s.display_name", K::Ci, true),
    ("accountEnabled", "s.account_enabled", K::Bool, false),
    ("createdDateTime", "s.created_at", K::Millis, true),
    (
        "servicePrincipalNames",
        "s.data:servicePrincipalNames",
        K::Coll,
        false,
    ),
];

impl Res {
    fn props(self) -> &'static [Prop] {
        match self {
            Self::Users => USERS,
            Self::Groups => GROUPS,
            Self::Applications => APPLICATIONS,
            Self::ServicePrincipals => SERVICE_PRINCIPALS,
        }
    }

    /// `FROM` target and alias.
    fn table(self) -> (&'static str, &'static str) {
        match self {
            Self::Users => ("users", "u"),
            Self::Groups => ("directory_groups", "g"),
            Self::Applications => ("applications", "a"),
            Self::ServicePrincipals => ("service_principals", "s"),
        }
    }
}

struct Props {
    res: Res,
    backend: Backend,
    extensions: Vec<(String, String)>,
}

/// An extension attribute name as Graph spells it: `extension_`, 32 hex
/// digits, `_`, then letters, digits and underscores. Only names of this
/// shape (and registered for the resource) reach the SQL text.
pub(crate) fn is_extension_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("extension_") else {
        return false;
    };
    let Some((app, prop)) = rest.split_once('_') else {
        return false;
    };
    app.len() == 32
        && app.bytes().all(|b| b.is_ascii_hexdigit())
        && !prop.is_empty()
        && prop.len() <= 120
        && prop.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

impl Props {
    fn collection_from(&self, expr: &str) -> String {
        let (col, key) = match expr.split_once(':') {
            Some((c, k)) => (c, Some(k)),
            None => (expr, None),
        };
        match (self.backend, key) {
            (Backend::Sqlite, None) => format!("json_each({col}) c WHERE 1 = 1"),
            (Backend::Sqlite, Some(k)) => {
                format!("json_each(json_extract({col}, '$.{k}')) c WHERE 1 = 1")
            }
            (Backend::Postgres, None) => {
                format!("jsonb_array_elements_text(CAST({col} AS jsonb)) AS c(value) WHERE 1 = 1")
            }
            (Backend::Postgres, Some(k)) => format!(
                "jsonb_array_elements_text(CAST({col} AS jsonb) -> '{k}') AS c(value) WHERE 1 = 1"
            ),
        }
    }

    fn find(&self, name: &str) -> Option<&'static Prop> {
        self.res.props().iter().find(|p| p.0 == name)
    }
}

impl Schema for Props {
    fn column(&self, path: &Path) -> Option<Column> {
        let [name] = path.as_slice() else {
            return None;
        };
        if let Some((_, data_type)) = self.extensions.iter().find(|(e, _)| e == name) {
            if !is_extension_name(name) {
                return None;
            }
            let (_, alias) = self.res.table();
            let value = format!(
                "(SELECT ev.value_key FROM extension_values ev WHERE ev.tenant_id = {alias}.tenant_id \
                 AND ev.object_id = {alias}.id AND ev.name = '{name}')"
            );
            let (sql, kind) = match data_type.as_str() {
                "Integer" | "LargeInteger" => (format!("CAST({value} AS BIGINT)"), Kind::Int),
                "Boolean" => (format!("({value} = 'true')"), Kind::Bool),
                _ => (value, Kind::Folded),
            };
            return Some(Column { sql, kind });
        }
        let (_, sql, k, _) = self.find(name)?;
        let kind = match k {
            K::Ci => Kind::Text { ci: true },
            K::Exact => Kind::Text { ci: false },
            K::Folded => Kind::Folded,
            K::Bool => Kind::Bool,
            K::Millis => Kind::Millis,
            K::Guid => Kind::Guid,
            K::Coll => Kind::TextCollection {
                from: self.collection_from(sql),
            },
        };
        Some(Column {
            sql: (*sql).into(),
            kind,
        })
    }
}

/// How a sort key's value is read back from a row and bound again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Text,
    Int,
}

pub(crate) struct Built {
    pub sql: String,
    pub params: Vec<Param>,
    pub count_sql: Option<String>,
    pub count_params: Vec<Param>,
    /// One per sort key, selected as `k0`, `k1`, …
    pub keys: Vec<KeyKind>,
}

fn bad(m: impl Into<String>) -> StoreError {
    StoreError::InvalidInput(m.into())
}

/// The SELECT for one page of `q` (it fetches `limit + 1` rows: the extra
/// one says whether another page follows).
pub(crate) fn build(
    res: Res,
    backend: Backend,
    tenant: &str,
    columns: &str,
    q: &ListQuery,
) -> StoreResult<Built> {
    let (table, alias) = res.table();
    let props = Props {
        res,
        backend,
        extensions: q.extensions.clone(),
    };
    let mut params = vec![Param::Text(tenant.to_string())];
    let mut wheres = vec![format!("{alias}.tenant_id = $1")];
    if let Some(f) = &q.filter {
        let c = translate(f, &props, params.len() + 1).map_err(|e| bad(e.message))?;
        wheres.push(c.sql);
        params.extend(c.params);
    }
    let count = q.count.then(|| {
        (
            format!(
                "SELECT COUNT(*) AS n FROM {table} {alias} WHERE {}",
                wheres.join(" AND ")
            ),
            params.clone(),
        )
    });

    let mut keys = Vec::new();
    let mut key_sql = Vec::new();
    let desc = q.orderby.first().is_some_and(|(_, d)| *d);
    for (path, d) in &q.orderby {
        let name = path.join("/");
        let prop = match path.as_slice() {
            [one] => props.find(one),
            _ => None,
        };
        let Some((_, sql, k, true)) = prop else {
            return Err(bad(format!("Sorting by '{name}' is not supported.")));
        };
        if *d != desc {
            return Err(bad(
                "Sorting in both directions at once is not supported: every $orderby key must be asc, or every one desc.",
            ));
        }
        keys.push(match k {
            K::Millis | K::Bool => KeyKind::Int,
            _ => KeyKind::Text,
        });
        key_sql.push(sql.to_string());
    }
    if let Some(after) = &q.after {
        if after.keys.len() != keys.len() {
            return Err(bad("The $skiptoken does not belong to this query."));
        }
        let mut lhs = key_sql.clone();
        lhs.push(format!("{alias}.id"));
        let mut rhs = Vec::new();
        for (v, kind) in after.keys.iter().zip(&keys) {
            let p = match (kind, v) {
                (KeyKind::Text, serde_json::Value::String(s)) => Param::Text(s.clone()),
                (KeyKind::Int, serde_json::Value::Number(n)) => {
                    Param::Int(n.as_i64().ok_or_else(|| bad("Invalid $skiptoken."))?)
                }
                _ => return Err(bad("Invalid $skiptoken.")),
            };
            params.push(p);
            rhs.push(format!("${}", params.len()));
        }
        params.push(Param::Text(after.id.to_string()));
        rhs.push(format!("${}", params.len()));
        let op = if desc { "<" } else { ">" };
        wheres.push(format!("({}) {op} ({})", lhs.join(", "), rhs.join(", ")));
    }
    let dir = if desc { " DESC" } else { "" };
    let mut order: Vec<String> = key_sql.iter().map(|k| format!("{k}{dir}")).collect();
    order.push(format!("{alias}.id{dir}"));
    let selected: String = key_sql
        .iter()
        .enumerate()
        .map(|(i, k)| format!(", {k} AS k{i}"))
        .collect();
    let sql = format!(
        "SELECT {columns}{selected} FROM {table} {alias} WHERE {} ORDER BY {} LIMIT {}",
        wheres.join(" AND "),
        order.join(", "),
        u64::from(q.limit.clamp(1, 999)) + 1
    );
    let (count_sql, count_params) = match count {
        Some((s, p)) => (Some(s), p),
        None => (None, Vec::new()),
    };
    Ok(Built {
        sql,
        params,
        count_sql,
        count_params,
        keys,
    })
}

/// The cursor after `row`: its sort-key values and id.
pub(crate) fn cursor_of(
    row: &impl crate::sql::Get,
    keys: &[KeyKind],
    id: tessera_model::ObjectId,
) -> StoreResult<Cursor> {
    let mut values = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        let col = format!("k{i}");
        values.push(match k {
            KeyKind::Text => serde_json::Value::String(row.str(&col)?),
            KeyKind::Int => serde_json::Value::from(row.int(&col)?),
        });
    }
    Ok(Cursor { keys: values, id })
}

/// Binds [`Param`]s in order.
macro_rules! bind_params {
    ($q:expr, $params:expr) => {{
        let mut q = $q;
        for p in $params.iter() {
            q = match p {
                tessera_odata::sql::Param::Text(s) => q.bind(s.clone()),
                tessera_odata::sql::Param::Int(n) => q.bind(*n),
                tessera_odata::sql::Param::Bool(b) => q.bind(*b),
            };
        }
        q
    }};
}
pub(crate) use bind_params;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_names() {
        assert!(is_extension_name(
            "extension_0123456789abcdef0123456789abcdef_costCenter"
        ));
        for bad in [
            "extension_0123_costCenter",
            "extension_0123456789abcdef0123456789abcdef_",
            "extension_0123456789abcdef0123456789abcdef_a'b",
            "extension_0123456789abcdef0123456789abcdeg_x",
            "displayName",
        ] {
            assert!(!is_extension_name(bad), "{bad}");
        }
    }

    #[test]
    fn pages_continue_after_the_cursor() {
        let q = ListQuery {
            filter: Some(tessera_odata::parse("startswith(displayName, 'a')").unwrap()),
            orderby: vec![(vec!["displayName".into()], true)],
            after: Some(Cursor {
                keys: vec![serde_json::json!("Ann")],
                id: tessera_model::ObjectId(uuid::Uuid::nil()),
            }),
            limit: 10,
            count: true,
            extensions: vec![],
        };
        let b = build(Res::Users, Backend::Sqlite, "t", "id", &q).unwrap();
        assert_eq!(
            b.sql,
            "SELECT id, u.display_name AS k0 FROM users u WHERE u.tenant_id = $1 AND \
             LOWER(u.display_name) LIKE $2 ESCAPE '\\' AND (u.display_name, u.id) < ($3, $4) \
             ORDER BY u.display_name DESC, u.id DESC LIMIT 11"
        );
        assert_eq!(b.params.len(), 4);
        assert_eq!(
            b.count_sql.unwrap(),
            "SELECT COUNT(*) AS n FROM users u WHERE u.tenant_id = $1 AND LOWER(u.display_name) LIKE $2 ESCAPE '\\'"
        );
        for (orderby, after) in [
            (vec![(vec!["mail".to_string()], false)], None),
            (
                vec![
                    (vec!["displayName".to_string()], false),
                    (vec!["createdDateTime".to_string()], true),
                ],
                None,
            ),
            (
                vec![(vec!["createdDateTime".to_string()], false)],
                Some(Cursor {
                    keys: vec![serde_json::json!("not a number")],
                    id: tessera_model::ObjectId(uuid::Uuid::nil()),
                }),
            ),
        ] {
            let q = ListQuery {
                orderby,
                after,
                limit: 5,
                ..Default::default()
            };
            assert!(build(Res::Users, Backend::Postgres, "t", "id", &q).is_err());
        }
    }
}
