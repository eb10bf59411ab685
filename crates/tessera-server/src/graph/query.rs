//! OData query options on the directory API: parsing them (with Graph's
//! rules for `$count` and advanced queries), the opaque `$skiptoken`,
//! `$select` projection, and the collection envelope with
//! `@odata.context`, `@odata.count` and `@odata.nextLink`.
use super::errors::GraphError;
use crate::state::AppState;
use axum::http::{HeaderMap, Uri};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{Map, Value};
use tessera_odata::options::QueryOptions;
use tessera_store::{Cursor, ListQuery};

/// Rows per page when the client does not say (Graph's default for
/// directory objects).
pub const DEFAULT_TOP: u32 = 100;

/// A parsed request: the options and what paging needs to write the next link.
pub struct Listing {
    pub opts: QueryOptions,
    pub pairs: Vec<(String, String)>,
    pub path: String,
    pub eventual: bool,
}

impl Listing {
    pub fn parse(uri: &Uri, headers: &HeaderMap) -> Result<Self, GraphError> {
        let raw = uri.query().unwrap_or("");
        if raw.len() > 8192 {
            return Err(GraphError::bad_request(
                "Request_BadRequest",
                "The query string is too long.",
            ));
        }
        let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let opts = QueryOptions::parse(&pairs).map_err(|e| {
            let m = e.message;
            if m.contains("$top") || m.contains("page size") {
                GraphError::bad_request("Request_BadRequest", m)
            } else if m.starts_with("Query option") {
                GraphError::bad_request("BadRequest", m)
            } else {
                GraphError::bad_request("BadRequest", format!("Invalid filter clause: {m}"))
            }
        })?;
        let eventual = headers
            .get("consistencylevel")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("eventual"));
        if opts.count && !eventual {
            return Err(GraphError::bad_request(
                "Request_BadRequest",
                "$count is only supported with the 'ConsistencyLevel: eventual' header.",
            ));
        }
        // $expand is offered where Graph offers it on these resources: a
        // user or group, single or listed (the handler names which
        // properties); everywhere else it is refused, not ignored.
        let segs: Vec<&str> = uri.path().trim_start_matches("/v1.0/").split('/').collect();
        let expandable = matches!(
            segs.as_slice(),
            ["users" | "groups"] | ["users" | "groups", _]
        ) && !segs.iter().any(|s| s.starts_with('$'));
        if !opts.expand.is_empty() && !expandable {
            return Err(GraphError::bad_request(
                "Request_BadRequest",
                "$expand is not supported on this resource.",
            ));
        }
        Ok(Self {
            opts,
            pairs,
            path: uri.path().to_string(),
            eventual,
        })
    }

    /// The store query: filter, sort keys, page size, and the position the
    /// `$skiptoken` names (checked to belong to this same query).
    pub fn store_query(
        &self,
        s: &AppState,
        extensions: Vec<(String, String)>,
    ) -> Result<ListQuery, GraphError> {
        let after = match &self.opts.skiptoken {
            None => None,
            Some(t) => Some(open_token(s, &self.fingerprint(), t)?),
        };
        Ok(ListQuery {
            filter: self.opts.filter.clone(),
            orderby: self.opts.orderby.clone(),
            after,
            limit: self.opts.top.unwrap_or(DEFAULT_TOP),
            count: self.opts.count,
            extensions,
        })
    }

    /// The store query of `/$count`: `ConsistencyLevel: eventual` needed,
    /// as Graph; one row fetched, every match counted.
    pub fn count_query(
        &self,
        s: &AppState,
        extensions: Vec<(String, String)>,
    ) -> Result<ListQuery, GraphError> {
        if !self.eventual {
            return Err(GraphError::bad_request(
                "Request_BadRequest",
                "$count is only supported with the 'ConsistencyLevel: eventual' header.",
            ));
        }
        let mut q = self.store_query(s, extensions)?;
        q.count = true;
        q.limit = 1;
        Ok(q)
    }

    /// What a skiptoken is bound to: the path and every option but itself.
    fn fingerprint(&self) -> String {
        let mut f = self.path.clone();
        for (k, v) in &self.pairs {
            if !k.trim_start_matches('$').eq_ignore_ascii_case("skiptoken") {
                f.push('\n');
                f.push_str(k);
                f.push('=');
                f.push_str(v);
            }
        }
        f
    }

    /// The absolute link to the page after `cursor`.
    pub fn next_link(&self, s: &AppState, cursor: &Cursor) -> String {
        let token = seal_token(s, &self.fingerprint(), cursor);
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.pairs {
            if !k.trim_start_matches('$').eq_ignore_ascii_case("skiptoken") {
                q.append_pair(k, v);
            }
        }
        q.append_pair("$skiptoken", &token);
        format!(
            "{}{}?{}",
            s.public_url.trim_end_matches('/'),
            self.path,
            q.finish()
        )
    }

    /// The `$expand`ed navigation properties, each one of `allowed` (at
    /// most one, as Graph allows on directory objects).
    pub fn expansions(
        &self,
        allowed: &[&str],
        type_name: &str,
    ) -> Result<Option<String>, GraphError> {
        match self.opts.expand.as_slice() {
            [] => Ok(None),
            [one] if allowed.contains(&one.as_str()) => Ok(Some(one.clone())),
            [one] => Err(GraphError::bad_request(
                "BadRequest",
                format!("Parsing OData Select and Expand failed: Could not find a navigation property named '{one}' on type 'microsoft.graph.{type_name}' that can be expanded."),
            )),
            _ => Err(GraphError::bad_request(
                "Request_BadRequest",
                "Only one navigation property can be expanded at a time.",
            )),
        }
    }

    /// A page of a relation (paged by id only): filters and sorting are
    /// not offered there.
    pub fn relation_page(
        &self,
        s: &AppState,
    ) -> Result<(Option<tessera_model::ObjectId>, u32), GraphError> {
        if self.opts.filter.is_some() || !self.opts.orderby.is_empty() || self.opts.count {
            return Err(GraphError::bad_request(
                "Request_UnsupportedQuery",
                "$filter, $orderby and $count are not supported on this relationship.",
            ));
        }
        let after = match &self.opts.skiptoken {
            None => None,
            Some(t) => Some(open_token(s, &self.fingerprint(), t)?.id),
        };
        Ok((after, self.opts.top.unwrap_or(DEFAULT_TOP)))
    }
}

/// `base64url(cursor JSON) . base64url(HMAC(key, query fingerprint, cursor)[..16])`:
/// opaque to clients, bound to the query it continues, and not forgeable
/// (a forged position could only reorder the caller's own tenant's rows,
/// but a stable contract beats a leaky one).
fn seal_token(s: &AppState, fingerprint: &str, c: &Cursor) -> String {
    let body = serde_json::to_vec(c).unwrap_or_default();
    let mac = tessera_crypto::hmac_sha256(
        s.signin.paging_key.as_ref(),
        &[fingerprint.as_bytes(), b"\0", &body],
    );
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(&body),
        URL_SAFE_NO_PAD.encode(&mac[..16])
    )
}

fn open_token(s: &AppState, fingerprint: &str, token: &str) -> Result<Cursor, GraphError> {
    let bad = || {
        GraphError::bad_request(
            "Request_BadRequest",
            "The $skiptoken is not valid for this request.",
        )
    };
    let (body, mac) = token.split_once('.').ok_or_else(bad)?;
    if token.len() > 4096 {
        return Err(bad());
    }
    let body = URL_SAFE_NO_PAD.decode(body).map_err(|_| bad())?;
    let mac = URL_SAFE_NO_PAD.decode(mac).map_err(|_| bad())?;
    let want = tessera_crypto::hmac_sha256(
        s.signin.paging_key.as_ref(),
        &[fingerprint.as_bytes(), b"\0", &body],
    );
    if !tessera_crypto::ct_eq(&mac, &want[..16]) {
        return Err(bad());
    }
    serde_json::from_slice(&body).map_err(|_| bad())
}

/// Keeps only the `$select`ed properties (and `id`, always; and
/// `@odata.type`), or the resource's default set when nothing was selected.
/// Unknown names in `$select` are refused as Graph does.
pub fn project(
    v: Value,
    select: &[String],
    defaults: &[&str],
    known: &dyn Fn(&str) -> bool,
    type_name: &str,
) -> Result<Value, GraphError> {
    for p in select {
        if !known(p) {
            return Err(GraphError::bad_request(
                "BadRequest",
                format!("Parsing OData Select and Expand failed: Could not find a property named '{p}' on type 'microsoft.graph.{type_name}'."),
            ));
        }
    }
    let Value::Object(mut all) = v else {
        return Ok(v);
    };
    let mut out = Map::new();
    if let Some(t) = all.remove("@odata.type") {
        out.insert("@odata.type".into(), t);
    }
    let keep: Vec<&str> = if select.is_empty() {
        defaults.to_vec()
    } else {
        select.iter().map(String::as_str).collect()
    };
    for k in keep.iter().chain(std::iter::once(&"id")) {
        if out.contains_key(*k) {
            continue;
        }
        out.insert((*k).to_string(), all.remove(*k).unwrap_or(Value::Null));
    }
    Ok(Value::Object(out))
}

/// The context URL of a collection (`$metadata#users`, with the selected
/// properties in parentheses as Graph writes them).
pub fn context(s: &AppState, entity_set: &str, select: &[String]) -> String {
    let base = s.public_url.trim_end_matches('/');
    if select.is_empty() {
        format!("{base}/v1.0/$metadata#{entity_set}")
    } else {
        format!("{base}/v1.0/$metadata#{entity_set}({})", select.join(","))
    }
}

/// `{"@odata.context", ["@odata.count"], "value", ["@odata.nextLink"]}`.
pub fn collection(
    context: String,
    value: Vec<Value>,
    count: Option<u64>,
    next: Option<String>,
) -> Value {
    let mut m = Map::new();
    m.insert("@odata.context".into(), context.into());
    if let Some(c) = count {
        m.insert("@odata.count".into(), c.into());
    }
    m.insert("value".into(), Value::Array(value));
    if let Some(n) = next {
        m.insert("@odata.nextLink".into(), n.into());
    }
    Value::Object(m)
}

/// An entity with its `@odata.context` first.
pub fn entity(context: String, v: Value) -> Value {
    let mut m = Map::new();
    m.insert("@odata.context".into(), format!("{context}/$entity").into());
    if let Value::Object(o) = v {
        m.extend(o);
    }
    Value::Object(m)
}

/// Evaluates the request's `$filter` against one small-collection item
/// (grants, role assignments): `eq ne in startswith and or not` on its
/// string, boolean and null properties, names compared case-insensitively.
/// `$orderby`, `$count` and `$skiptoken` are refused there.
pub fn matches(l: &Listing, item: &Value) -> Result<bool, GraphError> {
    if !l.opts.orderby.is_empty() || l.opts.count || l.opts.skiptoken.is_some() {
        return Err(GraphError::bad_request(
            "Request_UnsupportedQuery",
            "$orderby, $count and $skiptoken are not supported on this collection.",
        ));
    }
    match &l.opts.filter {
        None => Ok(true),
        Some(e) => eval(e, item),
    }
}

fn eval(e: &tessera_odata::Expr, item: &Value) -> Result<bool, GraphError> {
    use tessera_odata::{CmpOp, Expr, Literal};
    let unsupported = |m: String| GraphError::bad_request("Request_UnsupportedQuery", m);
    let prop = |p: &tessera_odata::Path| -> Result<Value, GraphError> {
        match p.as_slice() {
            [one] if item.get(one).is_some() => Ok(item[one].clone()),
            _ => Err(GraphError::bad_request(
                "BadRequest",
                format!(
                    "Invalid filter clause: could not find a property named '{}'",
                    p.join("/")
                ),
            )),
        }
    };
    let lit = |l: &Literal| -> Value {
        match l {
            Literal::String(s) | Literal::Guid(s) | Literal::DateTime(s) => {
                Value::String(s.to_lowercase())
            }
            Literal::Int(n) => Value::from(*n),
            Literal::Bool(b) => Value::Bool(*b),
            Literal::Null => Value::Null,
        }
    };
    let norm = |v: Value| match v {
        Value::String(s) => Value::String(s.to_lowercase()),
        other => other,
    };
    Ok(match e {
        Expr::And(a, b) => eval(a, item)? && eval(b, item)?,
        Expr::Or(a, b) => eval(a, item)? || eval(b, item)?,
        Expr::Not(a) => !eval(a, item)?,
        Expr::Cmp(p, op, l) => {
            let (v, want) = (norm(prop(p)?), lit(l));
            match op {
                CmpOp::Eq => v == want,
                CmpOp::Ne => v != want,
                _ => {
                    return Err(unsupported(
                        "Only eq and ne comparisons are supported on this collection.".into(),
                    ))
                }
            }
        }
        Expr::In(p, ls) => {
            let v = norm(prop(p)?);
            ls.iter().any(|l| lit(l) == v)
        }
        Expr::StartsWith(p, prefix) => match prop(p)? {
            Value::String(s) => s.to_lowercase().starts_with(&prefix.to_lowercase()),
            _ => false,
        },
        Expr::Any { .. } => {
            return Err(unsupported(
                "any() is not supported on this collection.".into(),
            ))
        }
    })
}

/// A `/$count` answer: the number as plain text.
pub fn count_text(n: Option<u64>) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [(axum::http::header::CONTENT_TYPE, "text/plain")],
        n.unwrap_or(0).to_string(),
    )
        .into_response()
}
