//! Request bodies of the directory API: JSON objects read by hand, property
//! by property, so that each bad input gets Graph's own answer — malformed
//! JSON, a property the type does not have, a value of the wrong type,
//! `null` where a value is required — and nothing is written.
use super::errors::GraphError;
use axum::body::Bytes;
use axum::http::HeaderMap;
use serde_json::{Map, Value};

/// The largest JSON body the directory API reads.
pub const MAX_BODY: usize = 256 * 1024;

/// A JSON object body.
pub fn object(headers: &HeaderMap, body: &Bytes) -> Result<Map<String, Value>, GraphError> {
    let ct = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let unreadable = || {
        GraphError::bad_request(
            "BadRequest",
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        )
    };
    if !ct.to_ascii_lowercase().starts_with("application/json") {
        return Err(unreadable());
    }
    if body.len() > MAX_BODY {
        return Err(GraphError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "Request_EntityTooLarge",
            "The request body is larger than the server accepts.",
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(unreadable()),
    }
}

/// Property-by-property reading of one object of type `type_name`.
pub struct Fields<'a> {
    pub type_name: &'a str,
}

impl Fields<'_> {
    pub fn unknown(&self, key: &str) -> GraphError {
        let key: String = key.chars().take(120).collect();
        GraphError::bad_request(
            "Request_BadRequest",
            format!(
                "Property '{key}' does not exist on type 'microsoft.graph.{}' or is not writable.",
                self.type_name
            ),
        )
    }

    fn wrong(&self, key: &str, want: &str) -> GraphError {
        GraphError::bad_request(
            "Request_BadRequest",
            format!(
                "Invalid value for property '{key}' of type 'microsoft.graph.{}': {want} expected.",
                self.type_name
            ),
        )
    }

    /// A string of at most `max` characters, or null.
    pub fn opt_str(&self, key: &str, v: &Value, max: usize) -> Result<Option<String>, GraphError> {
        match v {
            Value::Null => Ok(None),
            // NUL: PostgreSQL text cannot hold it; refused on both backends alike.
            Value::String(s) if s.contains('\0') => Err(GraphError::bad_request(
                "Request_BadRequest",
                format!("The value of property '{key}' contains a NUL character."),
            )),
            Value::String(s) if s.chars().count() <= max => Ok(Some(s.clone())),
            Value::String(_) => Err(GraphError::bad_request(
                "Request_BadRequest",
                format!("The value of property '{key}' is longer than {max} characters."),
            )),
            _ => Err(self.wrong(key, "a string")),
        }
    }

    /// A non-empty string of at most `max` characters.
    pub fn str(&self, key: &str, v: &Value, max: usize) -> Result<String, GraphError> {
        match self.opt_str(key, v, max)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            _ => Err(GraphError::bad_request(
                "Request_BadRequest",
                format!(
                    "Invalid value specified for property '{key}' of resource '{}'.",
                    capitalize(self.type_name)
                ),
            )),
        }
    }

    pub fn bool(&self, key: &str, v: &Value) -> Result<bool, GraphError> {
        v.as_bool().ok_or_else(|| self.wrong(key, "true or false"))
    }

    /// An array of at most `max_items` strings of at most `max` characters.
    pub fn strings(
        &self,
        key: &str,
        v: &Value,
        max_items: usize,
        max: usize,
    ) -> Result<Vec<String>, GraphError> {
        let items = match v {
            Value::Null => return Ok(vec![]),
            Value::Array(a) if a.len() <= max_items => a,
            Value::Array(_) => {
                return Err(GraphError::bad_request(
                    "Request_BadRequest",
                    format!("Property '{key}' has more than {max_items} values."),
                ))
            }
            _ => return Err(self.wrong(key, "an array of strings")),
        };
        items.iter().map(|i| self.str(key, i, max)).collect()
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The object id at the end of an `@odata.id` reference
/// (`https://graph.microsoft.com/v1.0/directoryObjects/{id}`, or `users/`,
/// `groups/`, `servicePrincipals/`; the host is not checked, as SDKs write
/// Microsoft's). `None` if it is not such a reference.
pub fn reference(body: &Map<String, Value>) -> Option<tessera_model::ObjectId> {
    if body.len() != 1 {
        return None;
    }
    let url = body.get("@odata.id")?.as_str()?;
    if url.len() > 2048 {
        return None;
    }
    let path = url.split(['?', '#']).next()?;
    let mut segs = path.trim_end_matches('/').rsplit('/');
    let id = segs.next()?;
    let set = segs.next()?;
    if !matches!(
        set,
        "directoryObjects" | "users" | "groups" | "servicePrincipals" | "devices" | "orgContacts"
    ) {
        return None;
    }
    id.parse().ok()
}
