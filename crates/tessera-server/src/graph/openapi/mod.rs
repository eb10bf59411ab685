//! The directory API's OpenAPI 3.0 document, served at
//! `/v1.0/$openapi.json` (no token needed: it describes, it does not
//! reveal). Built from one route table here; the test suite runs
//! schemathesis against it (every operation, generated inputs, no server
//! errors allowed) and checks every route it lists answers.
//!
//! The operation tables are split by area (`directory.rs`, `authn.rs`),
//! the schemas they name are in `schemas.rs`.
//!
//! Written as data rather than derived with utoipa annotations: the
//! handlers read bodies by hand (for Graph's per-property errors), so
//! there are no typed request structs to derive from, and one table is
//! easier to keep true than forty annotations. Keeping it in step with the
//! routes is the risk; `graph::openapi::every_documented_route_exists`
//! (integration test) catches a documented route that is gone.
mod authn;
mod directory;
mod membership;
mod schemas;

use crate::state::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1.0/$openapi.json", get(document))
}

async fn document(State(s): State<AppState>) -> Json<Value> {
    Json(build(&s.public_url))
}

/// `(method, path, summary, request schema, success status, response schema)`.
type Op = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    u16,
    Option<&'static str>,
);

/// Every documented operation, all areas.
fn all_ops() -> impl Iterator<Item = &'static Op> {
    directory::OPS
        .iter()
        .chain(authn::ops())
        .chain(membership::OPS)
        .chain(membership::BY_IDS)
}

/// Every documented `(method, path)` (for the route test).
pub fn operations() -> Vec<(&'static str, &'static str)> {
    all_ops().map(|o| (o.0, o.1)).collect()
}

fn string() -> Value {
    json!({ "type": "string" })
}
fn nullable_string() -> Value {
    json!({ "type": "string", "nullable": true })
}
fn uuid() -> Value {
    json!({ "type": "string", "format": "uuid" })
}
fn strings() -> Value {
    json!({ "type": "array", "items": { "type": "string" } })
}
fn object(props: &[(&str, Value)], required: &[&str]) -> Value {
    let mut p = Map::new();
    for (k, v) in props {
        p.insert((*k).into(), v.clone());
    }
    let mut o = json!({ "type": "object", "properties": p });
    if !required.is_empty() {
        o["required"] = json!(required);
    }
    o
}
fn collection(item: &str) -> Value {
    object(
        &[
            ("@odata.context", string()),
            ("@odata.nextLink", string()),
            ("@odata.count", json!({ "type": "integer" })),
            (
                "value",
                json!({ "type": "array", "items": { "$ref": format!("#/components/schemas/{item}") } }),
            ),
        ],
        &["value"],
    )
}

fn params_for(path: &str, method: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for seg in path.split('/') {
        if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            out.push(json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }));
        }
    }
    let listing = method == "get"
        && !path.ends_with('}')
        && !path.ends_with("$count")
        && path != "/me"
        && !authn::SINGLE_OR_FIXED.iter().any(|p| path.starts_with(p));
    if method == "get" {
        out.push(json!({ "name": "$select", "in": "query", "required": false, "schema": { "type": "string" } }));
    }
    if listing {
        for (name, schema) in [
            ("$filter", json!({ "type": "string" })),
            (
                "$top",
                json!({ "type": "integer", "minimum": 1, "maximum": 999 }),
            ),
            ("$orderby", json!({ "type": "string" })),
            ("$count", json!({ "type": "boolean" })),
            ("$skiptoken", json!({ "type": "string" })),
        ] {
            out.push(json!({ "name": name, "in": "query", "required": false, "schema": schema }));
        }
        out.push(json!({ "name": "ConsistencyLevel", "in": "header", "required": false, "schema": { "type": "string", "enum": ["eventual"] } }));
    }
    out
}

/// Every area's schemas, in one map.
fn schemas() -> Value {
    let mut all = schemas::schemas();
    if let Value::Object(m) = &mut all {
        m.extend(authn::schemas());
        m.extend(membership::schemas());
    }
    all
}

pub fn build(public_url: &str) -> Value {
    let mut paths = Map::new();
    for (method, path, summary, request, status, response) in all_ops() {
        let mut op = json!({
            "summary": summary,
            "operationId": format!("{method}{}", path.replace(['/', '{', '}', '$'], "_")),
            "parameters": params_for(path, method),
            "responses": {
                "400": { "description": "Bad request", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ODataError" } } } },
                "401": { "description": "Missing or invalid token", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ODataError" } } } },
                "403": { "description": "Insufficient privileges", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ODataError" } } } },
                "404": { "description": "Not found", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ODataError" } } } },
            },
        });
        let ok = match (response, path.ends_with("$count")) {
            (_, true) => {
                json!({ "description": "The count", "content": { "text/plain": { "schema": { "type": "integer" } } } })
            }
            (Some(r), _) => {
                json!({ "description": "Success", "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{r}") } } } })
            }
            (None, _) if *status == 204 => json!({ "description": "Done" }),
            (None, _) => {
                json!({ "description": "Success", "content": { "application/json": { "schema": { "type": "object" } } } })
            }
        };
        op["responses"][status.to_string()] = ok;
        if let Some(r) = request {
            op["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{r}") } } } });
        }
        let entry = paths
            .entry(format!("/v1.0{path}"))
            .or_insert_with(|| json!({}));
        entry[*method] = op;
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Tessera directory API",
            "version": "v1.0",
            "description": "Microsoft Graph v1.0-shaped directory API. Authorization: a Bearer token for https://graph.microsoft.com from this server's token endpoint.",
        },
        "servers": [{ "url": public_url.trim_end_matches('/') }],
        "security": [{ "bearer": [] }],
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" } },
            "schemas": schemas(),
        },
        "paths": paths,
    })
}
