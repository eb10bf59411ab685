//! The system query options of a directory API request besides `$filter`:
//! `$select`, `$top`, `$orderby`, `$count`, `$skiptoken`, `$expand`, as
//! Graph accepts them. Unknown `$` options and repeated options are errors
//! (Graph answers 400 `BadRequest` for both); other parameters are left to
//! the caller.
use crate::{parse, Error, Expr, Path};

/// Graph's largest page of directory objects.
pub const MAX_TOP: u32 = 999;
/// Sort keys in one `$orderby`.
pub const MAX_ORDERBY: usize = 3;
/// Properties in one `$select`.
pub const MAX_SELECT: usize = 64;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueryOptions {
    pub filter: Option<Expr>,
    /// Empty: every default property.
    pub select: Vec<String>,
    pub top: Option<u32>,
    /// `(property, descending)`.
    pub orderby: Vec<(Path, bool)>,
    pub count: bool,
    pub skiptoken: Option<String>,
    /// Navigation properties to expand (one level, as Graph allows).
    pub expand: Vec<String>,
}

fn bad(m: impl Into<String>) -> Error {
    Error {
        at: 0,
        message: m.into(),
    }
}

fn identifier(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 120
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && s.as_bytes()[0].is_ascii_alphabetic()
}

impl QueryOptions {
    /// From the query's decoded pairs. Keys are matched without their `$`
    /// prefix too (`select=`), as Graph does for v1.0.
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, Error> {
        let mut o = Self::default();
        let mut seen: Vec<String> = Vec::new();
        for (k, v) in pairs {
            let name = k.strip_prefix('$').unwrap_or(k).to_ascii_lowercase();
            let known = matches!(
                name.as_str(),
                "filter" | "select" | "top" | "orderby" | "count" | "skiptoken" | "expand"
            );
            if !known {
                if k.starts_with('$') {
                    return Err(bad(format!("Query option '{k}' is not supported.")));
                }
                continue;
            }
            if seen.contains(&name) {
                return Err(bad(format!(
                    "Query option '${name}' was specified more than once."
                )));
            }
            seen.push(name.clone());
            match name.as_str() {
                "filter" => o.filter = Some(parse(v)?),
                "select" => o.select = list(v, "$select", MAX_SELECT)?,
                "expand" => o.expand = list(v, "$expand", 4)?,
                "top" => {
                    let n: u32 = v.trim().parse().map_err(|_| {
                        bad(format!(
                            "Invalid value '{v}' for $top: a whole number is needed."
                        ))
                    })?;
                    if n == 0 || n > MAX_TOP {
                        return Err(bad(format!("Invalid page size specified: '{n}'. Must be between 1 and {MAX_TOP} inclusive.")));
                    }
                    o.top = Some(n);
                }
                "count" => {
                    o.count = match v.trim() {
                        "true" => true,
                        "false" => false,
                        _ => {
                            return Err(bad(format!(
                                "Invalid value '{v}' for $count: true or false."
                            )))
                        }
                    }
                }
                "orderby" => {
                    for clause in v.split(',') {
                        let mut words = clause.split_whitespace();
                        let prop = words.next().ok_or_else(|| bad("Empty $orderby clause."))?;
                        let path: Path = prop.split('/').map(str::to_string).collect();
                        if path.len() > 2 || !path.iter().all(|p| identifier(p)) {
                            return Err(bad(format!("Invalid $orderby property '{prop}'.")));
                        }
                        let desc = match words.next() {
                            None | Some("asc") => false,
                            Some("desc") => true,
                            Some(w) => {
                                return Err(bad(format!("Invalid $orderby direction '{w}'.")))
                            }
                        };
                        if words.next().is_some() {
                            return Err(bad("Invalid $orderby clause."));
                        }
                        o.orderby.push((path, desc));
                        if o.orderby.len() > MAX_ORDERBY {
                            return Err(bad(format!(
                                "At most {MAX_ORDERBY} $orderby keys are supported."
                            )));
                        }
                    }
                }
                "skiptoken" => {
                    if v.is_empty() || v.len() > 512 {
                        return Err(bad("Invalid $skiptoken."));
                    }
                    o.skiptoken = Some(v.clone());
                }
                _ => {}
            }
        }
        Ok(o)
    }
}

fn list(v: &str, what: &str, max: usize) -> Result<Vec<String>, Error> {
    let items: Vec<String> = v.split(',').map(|s| s.trim().to_string()).collect();
    if items.len() > max {
        return Err(bad(format!("Too many properties in {what}.")));
    }
    for i in &items {
        if !identifier(i) {
            return Err(bad(format!("Invalid property '{i}' in {what}.")));
        }
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Result<QueryOptions, Error> {
        let v: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        QueryOptions::parse(&v)
    }

    #[test]
    fn graph_queries_parse() {
        let o = q(&[
            ("$filter", "startswith(displayName,'a')"),
            ("$select", "id,displayName, mail"),
            ("$top", "50"),
            ("$orderby", "displayName desc,id"),
            ("$count", "true"),
            ("api-version", "ignored"),
        ])
        .unwrap();
        assert!(o.filter.is_some());
        assert_eq!(o.select, ["id", "displayName", "mail"]);
        assert_eq!(o.top, Some(50));
        assert_eq!(
            o.orderby,
            vec![
                (vec!["displayName".to_string()], true),
                (vec!["id".to_string()], false)
            ]
        );
        assert!(o.count);
        assert_eq!(q(&[("top", "5")]).unwrap().top, Some(5));
        assert_eq!(q(&[]).unwrap(), QueryOptions::default());
    }

    #[test]
    fn bad_queries_are_refused() {
        for pairs in [
            vec![("$top", "0")],
            vec![("$top", "1000")],
            vec![("$top", "-1")],
            vec![("$top", "ten")],
            vec![("$count", "yes")],
            vec![("$select", "id,,mail")],
            vec![("$select", "id;drop")],
            vec![("$orderby", "displayName sideways")],
            vec![("$orderby", "a,b,c,d")],
            vec![("$orderby", "x y z")],
            vec![("$search", "\"ada\"")],
            vec![("$top", "1"), ("top", "2")],
            vec![("$filter", "a eq")],
            vec![("$skiptoken", "")],
        ] {
            let owned: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            assert!(QueryOptions::parse(&owned).is_err(), "{pairs:?}");
        }
    }
}
