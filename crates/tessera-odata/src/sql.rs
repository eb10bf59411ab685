//! A parsed filter as a SQL condition with bound parameters. Values never
//! enter the SQL text: every literal becomes a `$n` placeholder and a
//! [`Param`]; property names enter only through the [`Schema`], which maps
//! the properties a resource allows to its own column expressions. Works
//! the same on SQLite and PostgreSQL (`LOWER`, `LIKE … ESCAPE`, `EXISTS`).
use crate::{CmpOp, Error, Expr, Literal, Path};

/// How a property is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Text; `ci`: compared case-insensitively (as Graph does for names).
    Text {
        ci: bool,
    },
    /// Text the column already holds lower-cased (a unique key such as
    /// `upn_key`): compared case-insensitively by lower-casing the value, so
    /// the column's plain index serves the comparison.
    Folded,
    Bool,
    Int,
    /// A GUID stored as lower-case text.
    Guid,
    /// A date-time stored as Unix milliseconds.
    Millis,
    /// A collection of text values for `any()`: `from` is a FROM clause
    /// with its correlation (`user_addresses c WHERE c.tenant_id = u.tenant_id
    /// AND c.user_id = u.id`), the element is `c.value`.
    TextCollection {
        from: String,
    },
}

/// A property the resource allows in `$filter`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// The column expression (written by Tessera, never by the client).
    pub sql: String,
    pub kind: Kind,
}

/// The filterable properties of a resource.
pub trait Schema {
    fn column(&self, path: &Path) -> Option<Column>;
}

#[derive(Clone, Debug, PartialEq)]
pub enum Param {
    Text(String),
    Int(i64),
    Bool(bool),
}

/// A SQL condition and its parameters, numbered from the caller's first.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub sql: String,
    pub params: Vec<Param>,
}

/// Translates `e`; placeholders start at `$first`.
pub fn translate(e: &Expr, schema: &dyn Schema, first: usize) -> Result<Condition, Error> {
    let mut t = Translator {
        params: Vec::new(),
        first,
    };
    let sql = t.expr(e, schema, None)?;
    Ok(Condition {
        sql,
        params: t.params,
    })
}

struct Translator {
    params: Vec<Param>,
    first: usize,
}

/// Inside `any()`: the lambda variable and its element column.
struct Lambda<'a> {
    var: &'a str,
}

fn bad(m: String) -> Error {
    Error { at: 0, message: m }
}

impl Translator {
    fn bind(&mut self, p: Param) -> String {
        self.params.push(p);
        format!("${}", self.first + self.params.len() - 1)
    }

    fn column(
        &self,
        path: &Path,
        schema: &dyn Schema,
        lambda: Option<&Lambda>,
    ) -> Result<Column, Error> {
        if let Some(l) = lambda {
            if path.len() == 1 && path[0] == l.var {
                return Ok(Column {
                    sql: "c.value".into(),
                    kind: Kind::Text { ci: true },
                });
            }
            return Err(bad(format!(
                "inside any(), only the variable '{}' may be used",
                l.var
            )));
        }
        schema.column(path).ok_or_else(|| {
            bad(format!(
                "could not find a property named '{}'",
                path.join("/")
            ))
        })
    }

    fn expr(
        &mut self,
        e: &Expr,
        schema: &dyn Schema,
        lambda: Option<&Lambda>,
    ) -> Result<String, Error> {
        Ok(match e {
            Expr::And(a, b) => format!(
                "({} AND {})",
                self.expr(a, schema, lambda)?,
                self.expr(b, schema, lambda)?
            ),
            Expr::Or(a, b) => format!(
                "({} OR {})",
                self.expr(a, schema, lambda)?,
                self.expr(b, schema, lambda)?
            ),
            Expr::Not(a) => format!("(NOT {})", self.expr(a, schema, lambda)?),
            Expr::Cmp(path, op, lit) => {
                let col = self.column(path, schema, lambda)?;
                self.compare(path, &col, *op, lit)?
            }
            Expr::In(path, values) => {
                let col = self.column(path, schema, lambda)?;
                let mut items = Vec::new();
                for v in values {
                    let (lhs, param) = self.value(path, &col, v)?;
                    items.push((lhs, param));
                }
                let lhs = items.first().map(|i| i.0.clone()).unwrap_or_default();
                let placeholders: Vec<String> =
                    items.into_iter().map(|(_, p)| self.bind(p)).collect();
                format!("{lhs} IN ({})", placeholders.join(", "))
            }
            Expr::StartsWith(path, prefix) => {
                let col = self.column(path, schema, lambda)?;
                let (ci, folded) = match col.kind {
                    Kind::Text { ci } => (ci, false),
                    Kind::Folded => (true, true),
                    _ => {
                        return Err(bad(format!(
                            "startswith needs a text property; '{}' is not",
                            path.join("/")
                        )))
                    }
                };
                let prefix = if ci {
                    prefix.to_lowercase()
                } else {
                    prefix.clone()
                };
                let pattern = format!("{}%", escape_like(&prefix));
                let ph = self.bind(Param::Text(pattern));
                let lhs = if ci && !folded {
                    format!("LOWER({})", col.sql)
                } else {
                    col.sql
                };
                format!("{lhs} LIKE {ph} ESCAPE '\\'")
            }
            Expr::Any {
                collection,
                var,
                body,
            } => {
                if lambda.is_some() {
                    return Err(bad("any() cannot be nested".into()));
                }
                let col = self.column(collection, schema, None)?;
                let Kind::TextCollection { from } = col.kind else {
                    return Err(bad(format!(
                        "'{}' is not a collection",
                        collection.join("/")
                    )));
                };
                let inner = self.expr(body, schema, Some(&Lambda { var }))?;
                format!("EXISTS (SELECT 1 FROM {from} AND {inner})")
            }
        })
    }

    /// The left-hand side for `col` and the parameter for `lit`.
    fn value(&self, path: &Path, col: &Column, lit: &Literal) -> Result<(String, Param), Error> {
        let name = path.join("/");
        let mismatch = |want: &str| bad(format!("'{name}' needs {want}"));
        Ok(match (&col.kind, lit) {
            (Kind::Text { ci: true }, Literal::String(s)) => {
                (format!("LOWER({})", col.sql), Param::Text(s.to_lowercase()))
            }
            (Kind::Text { ci: false }, Literal::String(s)) => {
                (col.sql.clone(), Param::Text(s.clone()))
            }
            (Kind::Folded, Literal::String(s)) => (col.sql.clone(), Param::Text(s.to_lowercase())),
            (Kind::Text { .. } | Kind::Folded, _) => return Err(mismatch("a quoted string")),
            (Kind::Bool, Literal::Bool(b)) => (col.sql.clone(), Param::Bool(*b)),
            (Kind::Bool, _) => return Err(mismatch("true or false")),
            (Kind::Int, Literal::Int(n)) => (col.sql.clone(), Param::Int(*n)),
            (Kind::Int, _) => return Err(mismatch("a number")),
            (Kind::Guid, Literal::Guid(g)) => (col.sql.clone(), Param::Text(g.clone())),
            (Kind::Guid, Literal::String(s)) if is_guid(s) => {
                (col.sql.clone(), Param::Text(s.to_lowercase()))
            }
            (Kind::Guid, _) => return Err(mismatch("a GUID")),
            (Kind::Millis, Literal::DateTime(d)) => {
                let t =
                    time::OffsetDateTime::parse(d, &time::format_description::well_known::Rfc3339)
                        .map_err(|_| mismatch("a valid date-time (2024-01-31T12:00:00Z)"))?;
                let ms = i64::try_from(t.unix_timestamp_nanos() / 1_000_000)
                    .map_err(|_| mismatch("a date-time in range"))?;
                (col.sql.clone(), Param::Int(ms))
            }
            (Kind::Millis, _) => return Err(mismatch("a date-time")),
            (Kind::TextCollection { .. }, _) => {
                return Err(bad(format!("'{name}' is a collection: use {name}/any(…)")))
            }
        })
    }

    fn compare(
        &mut self,
        path: &Path,
        col: &Column,
        op: CmpOp,
        lit: &Literal,
    ) -> Result<String, Error> {
        if *lit == Literal::Null {
            return match op {
                CmpOp::Eq => Ok(format!("{} IS NULL", col.sql)),
                CmpOp::Ne => Ok(format!("{} IS NOT NULL", col.sql)),
                _ => Err(bad("null can only be compared with eq or ne".into())),
            };
        }
        let (lhs, param) = self.value(path, col, lit)?;
        let ph = self.bind(param);
        Ok(match op {
            CmpOp::Eq => format!("{lhs} = {ph}"),
            // OData: a null property is "not equal" to any value.
            CmpOp::Ne => format!("({} IS NULL OR {lhs} <> {ph})", col.sql),
            CmpOp::Gt => format!("{lhs} > {ph}"),
            CmpOp::Ge => format!("{lhs} >= {ph}"),
            CmpOp::Lt => format!("{lhs} < {ph}"),
            CmpOp::Le => format!("{lhs} <= {ph}"),
        })
    }
}

fn is_guid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// `%`, `_` and the escape character itself, escaped for `LIKE … ESCAPE '\'`.
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    pub(crate) struct Users;

    impl Schema for Users {
        fn column(&self, path: &Path) -> Option<Column> {
            let (sql, kind) = match path.join("/").as_str() {
                "userPrincipalName" => ("u.user_principal_name", Kind::Text { ci: true }),
                "upnKey" => ("u.upn_key", Kind::Folded),
                "displayName" => ("u.display_name", Kind::Text { ci: true }),
                "accountEnabled" => ("u.account_enabled", Kind::Bool),
                "id" => ("u.id", Kind::Guid),
                "createdDateTime" => ("u.created_at", Kind::Millis),
                "proxyAddresses" => (
                    "u_proxy",
                    Kind::TextCollection {
                        from: "user_proxy_addresses c WHERE c.tenant_id = u.tenant_id AND c.user_id = u.id".into(),
                    },
                ),
                _ => return None,
            };
            Some(Column {
                sql: sql.into(),
                kind,
            })
        }
    }

    fn sql(f: &str) -> Condition {
        translate(&parse(f).unwrap(), &Users, 3).unwrap()
    }

    #[test]
    fn translations() {
        let c = sql("userPrincipalName eq 'Ada@Contoso.example'");
        assert_eq!(c.sql, "LOWER(u.user_principal_name) = $3");
        assert_eq!(c.params, vec![Param::Text("ada@contoso.example".into())]);
        let c = sql("startswith(displayName, '50%_off\\') and accountEnabled eq true");
        assert_eq!(
            c.sql,
            "(LOWER(u.display_name) LIKE $3 ESCAPE '\\' AND u.account_enabled = $4)"
        );
        assert_eq!(
            c.params,
            vec![Param::Text("50\\%\\_off\\\\%".into()), Param::Bool(true)]
        );
        let c = sql("displayName ne 'x' or displayName eq null");
        assert_eq!(
            c.sql,
            "((u.display_name IS NULL OR LOWER(u.display_name) <> $3) OR u.display_name IS NULL)"
        );
        let c = sql(
            "id in ('8F3C0000-0000-0000-0000-000000000001', 8f3c0000-0000-0000-0000-000000000002)",
        );
        assert_eq!(c.sql, "u.id IN ($3, $4)");
        assert_eq!(
            c.params[0],
            Param::Text("8f3c0000-0000-0000-0000-000000000001".into())
        );
        let c = sql("upnKey eq 'Ada@X' or startswith(upnKey, 'AD')");
        assert_eq!(c.sql, "(u.upn_key = $3 OR u.upn_key LIKE $4 ESCAPE '\\')");
        assert_eq!(
            c.params,
            vec![Param::Text("ada@x".into()), Param::Text("ad%".into())]
        );
        let c = sql("createdDateTime ge 2024-01-01T00:00:00Z");
        assert_eq!(c.params, vec![Param::Int(1_704_067_200_000)]);
        let c = sql("not (proxyAddresses/any(p:startswith(p, 'SMTP:')))");
        assert_eq!(
            c.sql,
            "(NOT EXISTS (SELECT 1 FROM user_proxy_addresses c WHERE c.tenant_id = u.tenant_id AND c.user_id = u.id AND LOWER(c.value) LIKE $3 ESCAPE '\\'))"
        );
    }

    #[test]
    fn refusals() {
        for f in [
            "nickname eq 'x'",
            "accountEnabled eq 'yes'",
            "displayName eq 1",
            "id eq 'not-a-guid'",
            "createdDateTime ge 2024-13-45T99:00:00Z",
            "startswith(accountEnabled, 'x')",
            "proxyAddresses eq 'x'",
            "displayName/any(p: p eq 'x')",
            "proxyAddresses/any(p: displayName eq 'x')",
            "displayName gt null",
        ] {
            let r = parse(f).and_then(|e| translate(&e, &Users, 1));
            assert!(r.is_err(), "{f}");
        }
    }
}
