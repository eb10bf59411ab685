//! `/v1.0/groups`: create, get, list with OData options, `$count`, patch,
//! delete; `members` and `owners` with `$ref` add and remove (nested
//! groups, loops refused), `transitiveMembers`, `memberOf`,
//! `transitiveMemberOf`.
use super::auth::{Caller, Op};
use super::body::{self, Fields};
use super::errors::GraphError;
use super::extensions;
use super::query::{self, Listing};
use crate::clock::SystemClock;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde_json::{Map, Value};
use tessera_model::{Clock, Group, Member, ObjectId, ObjectKind, TenantId};
use tessera_store::{ExtensionProperty, Relation};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1.0/groups", get(list).post(create))
        .route("/v1.0/groups/$count", get(count))
        .route(
            "/v1.0/groups/{id}",
            get(get_one).patch(update).delete(remove),
        )
        .route("/v1.0/groups/{id}/members", get(members))
        .route(
            "/v1.0/groups/{id}/members/$ref",
            axum::routing::post(add_member),
        )
        .route(
            "/v1.0/groups/{id}/members/{member}/$ref",
            delete(remove_member),
        )
        .route(
            "/v1.0/groups/{id}/transitiveMembers",
            get(transitive_members),
        )
        .route("/v1.0/groups/{id}/owners", get(owners))
        .route(
            "/v1.0/groups/{id}/owners/$ref",
            axum::routing::post(add_owner),
        )
        .route(
            "/v1.0/groups/{id}/owners/{owner}/$ref",
            delete(remove_owner),
        )
        .route("/v1.0/groups/{id}/memberOf", get(member_of))
        .route(
            "/v1.0/groups/{id}/transitiveMemberOf",
            get(transitive_member_of),
        )
}

const DEFAULTS: &[&str] = &[
    "createdDateTime",
    "description",
    "displayName",
    "groupTypes",
    "mail",
    "mailEnabled",
    "mailNickname",
    "securityEnabled",
    "visibility",
];

const KNOWN: &[&str] = &[
    "id",
    "createdDateTime",
    "description",
    "displayName",
    "groupTypes",
    "mail",
    "mailEnabled",
    "mailNickname",
    "securityEnabled",
    "visibility",
];

pub(super) fn render(g: &Group, select: &[String]) -> Result<Value, GraphError> {
    render_with(g, select, &[])
}

fn render_with(
    g: &Group,
    select: &[String],
    declared: &[ExtensionProperty],
) -> Result<Value, GraphError> {
    let v = serde_json::to_value(g).unwrap_or(Value::Null);
    let known = |p: &str| KNOWN.contains(&p) || declared.iter().any(|d| d.name == p);
    query::project(v, select, DEFAULTS, &known, "group")
}

async fn full(
    s: &AppState,
    t: TenantId,
    g: &Group,
    select: &[String],
    declared: &[ExtensionProperty],
) -> Result<Value, GraphError> {
    let mut v = render_with(g, select, declared)?;
    extensions::attach(s, t, g.id, select, &mut v).await?;
    Ok(v)
}

pub(super) async fn find(s: &AppState, t: TenantId, key: &str) -> Result<Group, GraphError> {
    let found = match key.parse::<ObjectId>() {
        Ok(id) => s.store.get_group(t, id).await?,
        Err(_) => None,
    };
    found.ok_or_else(|| GraphError::not_found(key.chars().take(64).collect::<String>()))
}

/// Objects an expanded navigation property lists (Graph's limit).
pub(super) const MAX_EXPANDED: u32 = 20;

/// `rel`'s first [`MAX_EXPANDED`] objects, as an expanded property holds
/// them (`@odata.type`, `id`, `displayName`).
pub(super) async fn expanded(
    s: &AppState,
    t: TenantId,
    rel: Relation,
) -> Result<Value, GraphError> {
    let page = s.store.related(t, rel, None, MAX_EXPANDED).await?;
    let ids = |k: ObjectKind| -> Vec<ObjectId> {
        page.iter().filter(|m| m.kind == k).map(|m| m.id).collect()
    };
    let users = s.store.users_by_ids(t, &ids(ObjectKind::User)).await?;
    let groups = s.store.groups_by_ids(t, &ids(ObjectKind::Group)).await?;
    let sps = s
        .store
        .service_principals_by_ids(t, &ids(ObjectKind::ServicePrincipal))
        .await?;
    let mut out = Vec::new();
    for m in &page {
        let (ty, name) = match m.kind {
            ObjectKind::User => (
                "user",
                users
                    .iter()
                    .find(|u| u.id == m.id)
                    .map(|u| u.display_name.clone()),
            ),
            ObjectKind::Group => (
                "group",
                groups
                    .iter()
                    .find(|g| g.id == m.id)
                    .map(|g| g.display_name.clone()),
            ),
            ObjectKind::ServicePrincipal => (
                "servicePrincipal",
                sps.iter()
                    .find(|p| p.id == m.id)
                    .map(|p| p.display_name.clone()),
            ),
            _ => continue,
        };
        if let Some(name) = name {
            out.push(serde_json::json!({ "@odata.type": format!("#microsoft.graph.{ty}"), "id": m.id, "displayName": name }));
        }
    }
    Ok(Value::Array(out))
}

/// A page of a relation rendered as directory objects with `@odata.type`
/// (fetching `top + 1` ids tells whether another page follows).
pub(super) async fn directory_objects(
    s: &AppState,
    caller: &Caller,
    l: &Listing,
    mut page: Vec<Member>,
    top: u32,
    entity_set: &str,
) -> Result<Json<Value>, GraphError> {
    let more = page.len() > top as usize;
    page.truncate(top as usize);
    let ids = |k: ObjectKind| -> Vec<ObjectId> {
        page.iter().filter(|m| m.kind == k).map(|m| m.id).collect()
    };
    let t = caller.tenant;
    let users = s.store.users_by_ids(t, &ids(ObjectKind::User)).await?;
    let groups = s.store.groups_by_ids(t, &ids(ObjectKind::Group)).await?;
    let sps = s
        .store
        .service_principals_by_ids(t, &ids(ObjectKind::ServicePrincipal))
        .await?;
    let mut value = Vec::with_capacity(page.len());
    for m in &page {
        let (ty, v) = match m.kind {
            ObjectKind::User => match users.iter().find(|u| u.id == m.id) {
                Some(u) => ("user", super::users::render(u, &l.opts.select)?),
                None => continue,
            },
            ObjectKind::Group => match groups.iter().find(|g| g.id == m.id) {
                Some(g) => ("group", render(g, &l.opts.select)?),
                None => continue,
            },
            ObjectKind::ServicePrincipal => match sps.iter().find(|p| p.id == m.id) {
                Some(p) => (
                    "servicePrincipal",
                    serde_json::json!({
                        "id": p.id, "appId": p.app_id, "displayName": p.display_name,
                        "accountEnabled": p.account_enabled,
                        "servicePrincipalType": p.service_principal_type,
                    }),
                ),
                None => continue,
            },
            _ => continue,
        };
        let mut o = Map::new();
        o.insert(
            "@odata.type".into(),
            format!("#microsoft.graph.{ty}").into(),
        );
        if let Value::Object(rest) = v {
            o.extend(rest);
        }
        value.push(Value::Object(o));
    }
    let next = match (more, page.last()) {
        (true, Some(last)) => Some(l.next_link(
            s,
            &tessera_store::Cursor {
                keys: vec![],
                id: last.id,
            },
        )),
        _ => None,
    };
    Ok(Json(query::collection(
        query::context(s, entity_set, &l.opts.select),
        value,
        None,
        next,
    )))
}

async fn list(
    State(s): State<AppState>,
    caller: Caller,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadGroups)?;
    let l = Listing::parse(&uri, &headers)?;
    let expand = l.expansions(&["members", "owners"], "group")?;
    let declared = extensions::declared(&s, caller.tenant, "Group").await?;
    let q = l.store_query(&s, extensions::filterable(&declared))?;
    let page = s.store.query_groups(caller.tenant, &q).await?;
    let mut value = Vec::with_capacity(page.items.len());
    for g in &page.items {
        let mut v = full(&s, caller.tenant, g, &l.opts.select, &declared).await?;
        expand_into(&s, caller.tenant, g.id, expand.as_deref(), &mut v).await?;
        value.push(v);
    }
    Ok(Json(query::collection(
        query::context(&s, "groups", &l.opts.select),
        value,
        page.count,
        page.next.map(|c| l.next_link(&s, &c)),
    )))
}

async fn count(
    State(s): State<AppState>,
    caller: Caller,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, GraphError> {
    caller.require(Op::ReadGroups)?;
    let l = Listing::parse(&uri, &headers)?;
    let declared = extensions::declared(&s, caller.tenant, "Group").await?;
    let q = l.count_query(&s, extensions::filterable(&declared))?;
    Ok(query::count_text(
        s.store.query_groups(caller.tenant, &q).await?.count,
    ))
}

async fn get_one(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadGroups)?;
    let l = Listing::parse(&uri, &headers)?;
    let expand = l.expansions(&["members", "owners"], "group")?;
    let g = find(&s, caller.tenant, &id).await?;
    let declared = extensions::declared(&s, caller.tenant, "Group").await?;
    let mut v = full(&s, caller.tenant, &g, &l.opts.select, &declared).await?;
    expand_into(&s, caller.tenant, g.id, expand.as_deref(), &mut v).await?;
    Ok(Json(query::entity(
        query::context(&s, "groups", &l.opts.select),
        v,
    )))
}

async fn expand_into(
    s: &AppState,
    t: TenantId,
    id: ObjectId,
    expand: Option<&str>,
    v: &mut Value,
) -> Result<(), GraphError> {
    let rel = match expand {
        Some("members") => Relation::Members(id),
        Some("owners") => Relation::Owners(id),
        _ => return Ok(()),
    };
    if let Some(name) = expand {
        v[name] = expanded(s, t, rel).await?;
    }
    Ok(())
}

fn apply(g: &mut Group, body: &Map<String, Value>, creating: bool) -> Result<(), GraphError> {
    let f = Fields { type_name: "group" };
    for (k, v) in body {
        match k.as_str() {
            "@odata.type" => {
                if v.as_str() != Some("#microsoft.graph.group") {
                    return Err(f.unknown(k));
                }
            }
            // Read by `extensions::values_in`.
            k if k.starts_with("extension_") => {}
            "displayName" => g.display_name = f.str(k, v, 256)?,
            "description" => g.description = f.opt_str(k, v, 1024)?,
            "mailNickname" => g.mail_nickname = f.opt_str(k, v, 64)?,
            "securityEnabled" => g.security_enabled = f.bool(k, v)?,
            "mailEnabled" => g.mail_enabled = f.bool(k, v)?,
            "visibility" => {
                let vis = f.opt_str(k, v, 16)?;
                if !matches!(
                    vis.as_deref(),
                    None | Some("Public") | Some("Private") | Some("HiddenMembership")
                ) {
                    return Err(GraphError::bad_request(
                        "Request_BadRequest",
                        "visibility must be Public, Private or HiddenMembership.",
                    ));
                }
                g.visibility = vis;
            }
            "groupTypes" if creating => {
                let types = f.strings(k, v, 2, 32)?;
                if types.iter().any(|t| t != "Unified") {
                    return Err(GraphError::bad_request(
                        "Request_BadRequest",
                        "groupTypes may only contain 'Unified' (dynamic membership is not supported).",
                    ));
                }
                g.group_types = types;
            }
            "groupTypes" => {
                return Err(GraphError::bad_request(
                    "Request_BadRequest",
                    "groupTypes cannot be changed after the group is created.",
                ))
            }
            "members@odata.bind" | "owners@odata.bind" if creating => {
                // Read by `binds`.
            }
            _ => return Err(f.unknown(k)),
        }
    }
    Ok(())
}

/// `members@odata.bind` / `owners@odata.bind` on create: references to add.
fn binds(body: &Map<String, Value>, key: &str) -> Result<Vec<ObjectId>, GraphError> {
    let Some(v) = body.get(key) else {
        return Ok(vec![]);
    };
    let bad = || {
        GraphError::bad_request(
            "Request_BadRequest",
            format!("'{key}' must be an array of at most 20 directory object URLs."),
        )
    };
    let items = v.as_array().filter(|a| a.len() <= 20).ok_or_else(bad)?;
    items
        .iter()
        .map(|i| {
            let mut m = Map::new();
            m.insert("@odata.id".into(), i.clone());
            body::reference(&m).ok_or_else(bad)
        })
        .collect()
}

async fn create(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, GraphError> {
    caller.require(Op::WriteGroups)?;
    let body = body::object(&headers, &body)?;
    let now = SystemClock.now();
    let mut g = Group {
        id: ObjectId::random(&mut rand::rngs::OsRng),
        display_name: String::new(),
        description: None,
        mail_nickname: None,
        security_enabled: false,
        mail_enabled: false,
        created_date_time: now,
        group_types: vec![],
        visibility: None,
        mail: None,
    };
    apply(&mut g, &body, true)?;
    for required in [
        "displayName",
        "mailEnabled",
        "mailNickname",
        "securityEnabled",
    ] {
        if !body.contains_key(required) {
            return Err(GraphError::bad_request(
                "Request_BadRequest",
                format!("Property '{required}' is required when creating the object."),
            ));
        }
    }
    let declared = extensions::declared(&s, caller.tenant, "Group").await?;
    let ext = extensions::values_in(&body, &declared, "group")?;
    let members = binds(&body, "members@odata.bind")?;
    let owners = binds(&body, "owners@odata.bind")?;
    // Resolve every reference, then write the group, its links and its
    // extension values in one transaction.
    let mut resolve = Vec::new();
    for id in members.iter().chain(owners.iter()) {
        let kind = s
            .store
            .object_kind(caller.tenant, *id)
            .await?
            .ok_or_else(|| GraphError::not_found(id))?;
        resolve.push(Member { id: *id, kind });
    }
    let (m, o) = resolve.split_at(members.len());
    s.store
        .create_group_with(caller.tenant, &g, m, o, &ext, now)
        .await?;
    let v = query::entity(query::context(&s, "groups", &[]), render(&g, &[])?);
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

async fn update(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, GraphError> {
    caller.require(Op::WriteGroups)?;
    let body = body::object(&headers, &body)?;
    let mut g = find(&s, caller.tenant, &id).await?;
    apply(&mut g, &body, false)?;
    let declared = extensions::declared(&s, caller.tenant, "Group").await?;
    let ext = extensions::values_in(&body, &declared, "group")?;
    s.store
        .update_group_with(caller.tenant, &g, &ext, SystemClock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, GraphError> {
    caller.require(Op::DeleteGroups)?;
    let g = find(&s, caller.tenant, &id).await?;
    s.store
        .delete_group(caller.tenant, g.id, SystemClock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The object a `$ref` body names, with its kind.
async fn referenced(
    s: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Member, GraphError> {
    let body = body::object(headers, body)?;
    let id = body::reference(&body).ok_or_else(|| {
        GraphError::bad_request(
            "Request_BadRequest",
            "The request body must be {\"@odata.id\": \"https://…/v1.0/directoryObjects/{id}\"}.",
        )
    })?;
    let kind = s
        .store
        .object_kind(caller.tenant, id)
        .await?
        .ok_or_else(|| GraphError::not_found(id))?;
    Ok(Member { id, kind })
}

/// `POST members/$ref` or `owners/$ref`.
async fn add_link(
    s: &AppState,
    caller: &Caller,
    id: &str,
    headers: &HeaderMap,
    body: &Bytes,
    owner: bool,
) -> Result<StatusCode, GraphError> {
    caller.require(if owner {
        Op::WriteGroups
    } else {
        Op::WriteMembers
    })?;
    let g = find(s, caller.tenant, id).await?;
    let m = referenced(s, caller, headers, body).await?;
    let now = SystemClock.now();
    let r = if owner {
        s.store.add_group_owner(caller.tenant, g.id, m, now).await
    } else {
        s.store.add_group_member(caller.tenant, g.id, m, now).await
    };
    r.map_err(|e| match e {
        tessera_store::StoreError::Conflict(_) => GraphError::bad_request(
            "Request_BadRequest",
            format!(
                "One or more added object references already exist for the following modified properties: '{}'.",
                if owner { "owners" } else { "members" }
            ),
        ),
        other => other.into(),
    })?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE members/{id}/$ref` or `owners/{id}/$ref`.
async fn remove_link(
    s: &AppState,
    caller: &Caller,
    id: &str,
    other: &str,
    owner: bool,
) -> Result<StatusCode, GraphError> {
    caller.require(if owner {
        Op::WriteGroups
    } else {
        Op::WriteMembers
    })?;
    let g = find(s, caller.tenant, id).await?;
    let o: ObjectId = other.parse().map_err(|_| GraphError::not_found(other))?;
    let now = SystemClock.now();
    let r = if owner {
        s.store
            .remove_group_owner(caller.tenant, g.id, o, now)
            .await
    } else {
        s.store
            .remove_group_member(caller.tenant, g.id, o, now)
            .await
    };
    r.map_err(|e| match e {
        tessera_store::StoreError::NotFound => GraphError::not_found(o),
        other => other.into(),
    })?;
    Ok(StatusCode::NO_CONTENT)
}

async fn add_member(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, GraphError> {
    add_link(&s, &caller, &id, &headers, &body, false).await
}

async fn remove_member(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, member)): Path<(String, String)>,
) -> Result<StatusCode, GraphError> {
    remove_link(&s, &caller, &id, &member, false).await
}

async fn add_owner(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, GraphError> {
    add_link(&s, &caller, &id, &headers, &body, true).await
}

async fn remove_owner(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, owner)): Path<(String, String)>,
) -> Result<StatusCode, GraphError> {
    remove_link(&s, &caller, &id, &owner, true).await
}

async fn relation(
    s: AppState,
    caller: Caller,
    id: String,
    uri: Uri,
    headers: HeaderMap,
    rel: fn(ObjectId) -> Relation,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadGroups)?;
    let l = Listing::parse(&uri, &headers)?;
    let g = find(&s, caller.tenant, &id).await?;
    let (after, top) = l.relation_page(&s)?;
    let page = s
        .store
        .related(caller.tenant, rel(g.id), after, top + 1)
        .await?;
    directory_objects(&s, &caller, &l, page, top, "directoryObjects").await
}

async fn members(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    relation(s, caller, id, uri, headers, Relation::Members).await
}

async fn transitive_members(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    relation(s, caller, id, uri, headers, Relation::TransitiveMembers).await
}

async fn owners(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    relation(s, caller, id, uri, headers, Relation::Owners).await
}

async fn member_of(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    relation(s, caller, id, uri, headers, Relation::MemberOf).await
}

async fn transitive_member_of(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    relation(s, caller, id, uri, headers, Relation::TransitiveMemberOf).await
}
