//! Graph's membership checks on users, groups and service principals —
//! `getMemberObjects`, `getMemberGroups`, `checkMemberGroups`,
//! `checkMemberObjects` (each also on `/me`) — and
//! `/directoryObjects/getByIds`. The `groups` claim's overage pointer sends
//! apps to `getMemberObjects` when a user is in too many groups to list in
//! a token. Membership is transitive, as in Graph; directory roles are not
//! directory objects here (Tessera has no `directoryRole` instances), so
//! `getMemberObjects` returns groups only.
use super::auth::{Caller, Op};
use super::body::{self, Fields};
use super::errors::GraphError;
use super::query::{self, Listing};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use tessera_model::{Member, ObjectId, ObjectKind};

pub fn routes() -> Router<AppState> {
    let mut r = Router::new();
    for (base, kind) in [
        ("/v1.0/users/{id}", Kind::User),
        ("/v1.0/groups/{id}", Kind::Group),
        ("/v1.0/servicePrincipals/{id}", Kind::ServicePrincipal),
    ] {
        for (action, check) in ACTIONS {
            r = r.route(
                &format!("{base}/{action}"),
                post(
                    move |s: State<AppState>,
                          c: Caller,
                          p: Path<String>,
                          h: HeaderMap,
                          b: Bytes| { on_object(s, c, p, h, b, kind, *check) },
                ),
            );
        }
    }
    for (action, check) in ACTIONS {
        r = r.route(
            &format!("/v1.0/me/{action}"),
            post(
                move |s: State<AppState>, c: Caller, h: HeaderMap, b: Bytes| {
                    on_me(s, c, h, b, *check)
                },
            ),
        );
    }
    r.route("/v1.0/directoryObjects/getByIds", post(get_by_ids))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    User,
    Group,
    ServicePrincipal,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    /// Every group (and, in Graph, role) the object is in.
    GetMemberObjects,
    GetMemberGroups,
    /// Which of up to 20 given group ids the object is in.
    CheckMemberGroups,
    CheckMemberObjects,
}

const ACTIONS: &[(&str, Action)] = &[
    ("getMemberObjects", Action::GetMemberObjects),
    ("getMemberGroups", Action::GetMemberGroups),
    ("checkMemberGroups", Action::CheckMemberGroups),
    ("checkMemberObjects", Action::CheckMemberObjects),
];

/// Graph's limits: ids per check, ids per getByIds.
const MAX_CHECK_IDS: usize = 20;
const MAX_BY_IDS: usize = 1000;

async fn on_object(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
    kind: Kind,
    check: Action,
) -> Result<Json<Value>, GraphError> {
    let t = caller.tenant;
    let object = match kind {
        Kind::User => {
            let u = super::users::find(&s, t, &id).await;
            let own = matches!(&u, Ok(u) if Some(u.id) == caller.user());
            if !(own && super::users::reads_self(&caller)) {
                caller.require(Op::ReadUsers)?;
            }
            u?.id
        }
        Kind::Group => {
            caller.require(Op::ReadGroups)?;
            super::groups::find(&s, t, &id).await?.id
        }
        Kind::ServicePrincipal => {
            caller.require(Op::ReadApps)?;
            super::service_principals::find(&s, t, &id).await?.id
        }
    };
    answer(&s, &caller, object, &headers, &body, check).await
}

async fn on_me(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
    check: Action,
) -> Result<Json<Value>, GraphError> {
    let me = super::users::me_only(&caller)?;
    answer(&s, &caller, me, &headers, &body, check).await
}

/// Reads the action's body, computes the answer from the object's
/// transitive groups.
async fn answer(
    s: &AppState,
    caller: &Caller,
    object: ObjectId,
    headers: &HeaderMap,
    body: &Bytes,
    check: Action,
) -> Result<Json<Value>, GraphError> {
    let body = if body.is_empty() {
        Map::new()
    } else {
        body::object(headers, body)?
    };
    let (type_name, list_key) = match check {
        Action::GetMemberObjects => ("getMemberObjectsRequest", None),
        Action::GetMemberGroups => ("getMemberGroupsRequest", None),
        Action::CheckMemberGroups => ("checkMemberGroupsRequest", Some("groupIds")),
        Action::CheckMemberObjects => ("checkMemberObjectsRequest", Some("ids")),
    };
    let f = Fields { type_name };
    let mut security_only = false;
    let mut asked: Option<Vec<String>> = None;
    for (k, v) in &body {
        match (k.as_str(), list_key) {
            ("securityEnabledOnly", None) => security_only = f.bool(k, v)?,
            (key, Some(want)) if key == want => asked = Some(f.strings(k, v, MAX_CHECK_IDS, 64)?),
            _ => return Err(f.unknown(k)),
        }
    }
    let t = caller.tenant;
    let groups = s.store.transitive_member_of(t, object).await?;
    let value: Vec<String> = match (check, asked) {
        (Action::GetMemberObjects | Action::GetMemberGroups, _) => {
            if security_only {
                s.store
                    .groups_by_ids(t, &groups)
                    .await?
                    .into_iter()
                    .filter(|g| g.security_enabled)
                    .map(|g| g.id.to_string())
                    .collect()
            } else {
                groups.iter().map(ToString::to_string).collect()
            }
        }
        (_, None) => {
            return Err(GraphError::bad_request(
                "Request_BadRequest",
                format!("Property '{}' is required.", list_key.unwrap_or("ids")),
            ))
        }
        (_, Some(ids)) => ids
            .into_iter()
            .filter(|id| id.parse::<ObjectId>().is_ok_and(|id| groups.contains(&id)))
            .collect(),
    };
    Ok(Json(json!({
        "@odata.context": format!("{}/v1.0/$metadata#Collection(Edm.String)", s.public_url.trim_end_matches('/')),
        "value": value,
    })))
}

/// `POST /directoryObjects/getByIds` `{"ids": [...], "types": [...]}`: the
/// objects (users, groups, service principals) with these ids, in the
/// order asked; unknown ids are left out, as in Graph.
async fn get_by_ids(
    State(s): State<AppState>,
    caller: Caller,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, GraphError> {
    for op in [Op::ReadUsers, Op::ReadGroups, Op::ReadApps] {
        caller.require(op)?;
    }
    let l = Listing::parse(&uri, &headers)?;
    let body = body::object(&headers, &body)?;
    let f = Fields {
        type_name: "getByIdsRequest",
    };
    let (mut ids, mut types) = (None, None);
    for (k, v) in &body {
        match k.as_str() {
            "ids" => ids = Some(f.strings(k, v, MAX_BY_IDS, 64)?),
            "types" => types = Some(f.strings(k, v, 16, 64)?),
            _ => return Err(f.unknown(k)),
        }
    }
    let ids = ids.ok_or_else(|| {
        GraphError::bad_request("Request_BadRequest", "Property 'ids' is required.")
    })?;
    let kinds: Vec<ObjectKind> = match types {
        None => vec![
            ObjectKind::User,
            ObjectKind::Group,
            ObjectKind::ServicePrincipal,
        ],
        Some(ts) => ts
            .iter()
            .map(|ty| {
                match ty
                    .trim_start_matches("microsoft.graph.")
                    .to_ascii_lowercase()
                    .as_str()
                {
                    "user" => Ok(ObjectKind::User),
                    "group" => Ok(ObjectKind::Group),
                    "serviceprincipal" => Ok(ObjectKind::ServicePrincipal),
                    _ => Err(GraphError::bad_request(
                        "Request_BadRequest",
                        format!(
                            "Type '{}' is not supported: use user, group or servicePrincipal.",
                            ty.chars().take(64).collect::<String>()
                        ),
                    )),
                }
            })
            .collect::<Result<_, _>>()?,
    };
    let wanted: Vec<ObjectId> = ids.iter().filter_map(|i| i.parse().ok()).collect();
    let t = caller.tenant;
    let mut found: Vec<Member> = Vec::new();
    if kinds.contains(&ObjectKind::User) {
        found.extend(
            s.store
                .users_by_ids(t, &wanted)
                .await?
                .iter()
                .map(|u| Member {
                    id: u.id,
                    kind: ObjectKind::User,
                }),
        );
    }
    if kinds.contains(&ObjectKind::Group) {
        found.extend(
            s.store
                .groups_by_ids(t, &wanted)
                .await?
                .iter()
                .map(|g| Member {
                    id: g.id,
                    kind: ObjectKind::Group,
                }),
        );
    }
    if kinds.contains(&ObjectKind::ServicePrincipal) {
        found.extend(
            s.store
                .service_principals_by_ids(t, &wanted)
                .await?
                .iter()
                .map(|p| Member {
                    id: p.id,
                    kind: ObjectKind::ServicePrincipal,
                }),
        );
    }
    let ordered: Vec<Member> = wanted
        .iter()
        .filter_map(|id| found.iter().find(|m| m.id == *id).cloned())
        .collect();
    let n = ordered.len() as u32;
    let mut page =
        super::groups::directory_objects(&s, &caller, &l, ordered, n, "directoryObjects").await?;
    page.0["@odata.context"] = query::context(&s, "directoryObjects", &[]).into();
    Ok(page)
}
