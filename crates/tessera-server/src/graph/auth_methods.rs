//! `/v1.0/users/{id}/authentication/…` and `/v1.0/me/authentication/…`:
//! a user's authentication methods in Graph's shapes — the password (never
//! its value), FIDO2 passkeys, software OATH apps (never the seed) and
//! Temporary Access Passes (the pass itself only in the answer that
//! creates it) — listed, read, deleted, and Temporary Access Passes issued.
//!
//! Who may: the signed-in user on their own methods with
//! `UserAuthenticationMethod.Read`/`.ReadWrite`; on other users'
//! `UserAuthenticationMethod.Read.All`/`.ReadWrite.All` (app-only, or
//! delegated with an administrator role), and a delegated Authentication
//! Administrator only on users without administrator roles. A Temporary
//! Access Pass is issued by someone else, never by its owner.
use super::auth::{Caller, Op};
use super::body::{self, Fields};
use super::errors::GraphError;
use super::query::{self, Listing};
use crate::authn_policy::{self, MethodsPolicy};
use crate::clock::SystemClock;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use tessera_authn::tap::{self, TapState, TapWindow};
use tessera_model::directory_roles as dr;
use tessera_model::{AuthMethod, Clock, MethodDetail, ObjectId, User};
use time::OffsetDateTime;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1.0/users/{id}/authentication/{kind}",
            get(list).post(create),
        )
        .route(
            "/v1.0/users/{id}/authentication/{kind}/{method}",
            get(get_one).delete(remove),
        )
        .route("/v1.0/me/authentication/{kind}", get(list).post(create))
        .route(
            "/v1.0/me/authentication/{kind}/{method}",
            get(get_one).delete(remove),
        )
}

/// Graph's fixed id of every user's password method.
pub const PASSWORD_METHOD_ID: &str = "28c10230-6103-485e-b985-444c60001490";

/// The collection a path names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    All,
    Password,
    Fido2,
    SoftwareOath,
    Tap,
}

impl Kind {
    fn parse(segment: &str) -> Result<Self, GraphError> {
        Ok(match segment {
            "methods" => Self::All,
            "passwordMethods" => Self::Password,
            "fido2Methods" => Self::Fido2,
            "softwareOathMethods" => Self::SoftwareOath,
            "temporaryAccessPassMethods" => Self::Tap,
            other => {
                let seg: String = other.chars().take(64).collect();
                return Err(GraphError::bad_request(
                    "BadRequest",
                    format!("Resource not found for the segment '{seg}'."),
                ));
            }
        })
    }

    fn segment(self) -> &'static str {
        match self {
            Self::All => "methods",
            Self::Password => "passwordMethods",
            Self::Fido2 => "fido2Methods",
            Self::SoftwareOath => "softwareOathMethods",
            Self::Tap => "temporaryAccessPassMethods",
        }
    }

    fn has_password(self) -> bool {
        matches!(self, Self::All | Self::Password)
    }

    fn holds(self, m: &AuthMethod) -> bool {
        matches!(
            (self, &m.detail),
            (Self::All, _)
                | (Self::Fido2, MethodDetail::Fido2 { .. })
                | (Self::SoftwareOath, MethodDetail::SoftwareOath { .. })
                | (Self::Tap, MethodDetail::TemporaryAccessPass { .. })
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Access {
    Read,
    Write,
    IssuePass,
}

fn not_allowed() -> GraphError {
    GraphError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "Request_BadRequest",
        "The HTTP method is not supported on this resource.",
    )
}

/// The user a request is about, once the caller may do `access` to their
/// methods (403 before 404, so a caller without permission learns nothing).
async fn target(
    s: &AppState,
    caller: &Caller,
    p: &HashMap<String, String>,
    access: Access,
) -> Result<User, GraphError> {
    let t = caller.tenant;
    let found = match p.get("id") {
        None => {
            let id = caller.user().ok_or_else(|| {
                GraphError::bad_request(
                    "BadRequest",
                    "/me request is only valid with delegated authentication flow.",
                )
            })?;
            s.store
                .get_user(t, id)
                .await?
                .ok_or_else(|| GraphError::not_found(id))
        }
        Some(key) => super::users::find(s, t, key).await,
    };
    let own = matches!(&found, Ok(u) if Some(u.id) == caller.user());
    let as_self = own
        && match access {
            Access::Read => caller.may(Op::ReadOwnAuthMethods),
            Access::Write => caller.may(Op::WriteOwnAuthMethods),
            Access::IssuePass => false,
        };
    if as_self {
        // Changing one's own methods needs a multifactor sign-in (as the
        // security info page needs one): a stolen password alone must not
        // remove the second factor.
        if access == Access::Write && !caller.did_mfa() {
            return Err(GraphError::new(
                StatusCode::FORBIDDEN,
                "Authorization_RequestDenied",
                "Changing your own authentication methods requires multifactor authentication. Sign in again with a second factor.",
            ));
        }
        return found;
    }
    caller.require(match access {
        Access::Read => Op::ReadAuthMethods,
        Access::Write | Access::IssuePass => Op::WriteAuthMethods,
    })?;
    let u = found?;
    if access == Access::IssuePass && own {
        return Err(GraphError::new(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            "A Temporary Access Pass cannot be issued to oneself.",
        ));
    }
    if access != Access::Read && caller.user().is_some() {
        let roles: Vec<uuid::Uuid> = s
            .store
            .directory_role_assignments_of(t, u.id)
            .await?
            .into_iter()
            .map(|a| a.role_definition_id)
            .collect();
        if !dr::may_manage_methods_of(caller.roles(), &roles) {
            return Err(GraphError::denied());
        }
    }
    Ok(u)
}

/// An RFC 3339 instant, as Graph writes them.
pub(super) fn date(t: OffsetDateTime) -> Value {
    t.format(&time::format_description::well_known::Rfc3339)
        .map_or(Value::Null, Value::String)
}

fn render_password() -> Value {
    json!({
        "@odata.type": "#microsoft.graph.passwordAuthenticationMethod",
        "id": PASSWORD_METHOD_ID,
        // Graph documents this as not populated; Tessera keeps no password date.
        "createdDateTime": null,
        "password": null,
    })
}

/// A Temporary Access Pass's `(isUsable, methodUsabilityReason)` now.
fn usability(policy: &MethodsPolicy, w: &TapWindow, now: OffsetDateTime) -> (bool, &'static str) {
    if !policy.tap.enabled {
        return (false, "DisabledByPolicy");
    }
    let state = w.state(now);
    (state == TapState::Active, state.usability_reason())
}

fn render(m: &AuthMethod, policy: &MethodsPolicy, now: OffsetDateTime) -> Value {
    match &m.detail {
        MethodDetail::Fido2 {
            aaguid,
            attestation_format,
            ..
        } => json!({
            "@odata.type": "#microsoft.graph.fido2AuthenticationMethod",
            "id": m.id,
            "displayName": m.display_name,
            "createdDateTime": date(m.created_at),
            "aaGuid": aaguid,
            "model": null,
            "attestationCertificates": [],
            "attestationLevel": if attestation_format == "none" { "notAttested" } else { "attested" },
        }),
        MethodDetail::SoftwareOath { .. } => json!({
            "@odata.type": "#microsoft.graph.softwareOathAuthenticationMethod",
            "id": m.id,
            "secretKey": null,
        }),
        detail @ MethodDetail::TemporaryAccessPass { .. } => {
            let Some(w) = TapWindow::of(detail) else {
                return Value::Null;
            };
            let (usable, reason) = usability(policy, &w, now);
            json!({
                "@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethod",
                "id": m.id,
                "createdDateTime": date(m.created_at),
                "startDateTime": date(w.start),
                "lifetimeInMinutes": w.lifetime_minutes,
                "isUsableOnce": w.is_usable_once,
                "isUsable": usable,
                "methodUsabilityReason": reason,
                "temporaryAccessPass": null,
            })
        }
    }
}

/// Every property any method type has, for `$select`.
const KNOWN: &[&str] = &[
    "id",
    "createdDateTime",
    "password",
    "displayName",
    "aaGuid",
    "model",
    "attestationCertificates",
    "attestationLevel",
    "secretKey",
    "startDateTime",
    "lifetimeInMinutes",
    "isUsableOnce",
    "isUsable",
    "methodUsabilityReason",
    "temporaryAccessPass",
];

/// `$select` is offered; filtering, sorting, counting and paging are not
/// (a user has a handful of methods).
fn selection(uri: &Uri, headers: &HeaderMap) -> Result<Vec<String>, GraphError> {
    let l = Listing::parse(uri, headers)?;
    let o = &l.opts;
    if o.filter.is_some()
        || !o.orderby.is_empty()
        || o.count
        || o.skiptoken.is_some()
        || o.top.is_some()
    {
        return Err(GraphError::bad_request(
            "Request_UnsupportedQuery",
            "Only $select is supported on authentication methods.",
        ));
    }
    Ok(o.select.clone())
}

fn select(v: Value, select: &[String]) -> Result<Value, GraphError> {
    if select.is_empty() {
        return Ok(v);
    }
    query::project(
        v,
        select,
        &[],
        &|p| KNOWN.contains(&p),
        "authenticationMethod",
    )
}

fn context(s: &AppState, u: &User, kind: Kind) -> String {
    format!(
        "{}/v1.0/$metadata#users('{}')/authentication/{}",
        s.public_url.trim_end_matches('/'),
        u.id,
        kind.segment()
    )
}

/// The user's methods of `kind`, rendered, the password first.
async fn methods_of(
    s: &AppState,
    caller: &Caller,
    u: &User,
    kind: Kind,
) -> Result<Vec<(String, Value)>, GraphError> {
    let t = caller.tenant;
    let policy = authn_policy::load(&*s.store, t).await?;
    let now = SystemClock.now();
    let mut out = Vec::new();
    if kind.has_password() && s.store.user_password_hash(t, u.id).await?.is_some() {
        out.push((PASSWORD_METHOD_ID.to_string(), render_password()));
    }
    for m in s.store.auth_methods(t, u.id).await? {
        if kind.holds(&m) {
            out.push((m.id.to_string(), render(&m, &policy, now)));
        }
    }
    Ok(out)
}

async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Path(p): Path<HashMap<String, String>>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    let kind = Kind::parse(p.get("kind").map_or("", String::as_str))?;
    let u = target(&s, &caller, &p, Access::Read).await?;
    let sel = selection(&uri, &headers)?;
    let value = methods_of(&s, &caller, &u, kind)
        .await?
        .into_iter()
        .map(|(_, v)| select(v, &sel))
        .collect::<Result<_, _>>()?;
    Ok(Json(query::collection(
        context(&s, &u, kind),
        value,
        None,
        None,
    )))
}

async fn get_one(
    State(s): State<AppState>,
    caller: Caller,
    Path(p): Path<HashMap<String, String>>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    let kind = Kind::parse(p.get("kind").map_or("", String::as_str))?;
    let u = target(&s, &caller, &p, Access::Read).await?;
    let sel = selection(&uri, &headers)?;
    let id = p.get("method").map_or("", String::as_str);
    let (_, v) = methods_of(&s, &caller, &u, kind)
        .await?
        .into_iter()
        .find(|(mid, _)| mid.eq_ignore_ascii_case(id))
        .ok_or_else(|| GraphError::not_found(id.chars().take(64).collect::<String>()))?;
    Ok(Json(query::entity(context(&s, &u, kind), select(v, &sel)?)))
}

async fn remove(
    State(s): State<AppState>,
    caller: Caller,
    Path(p): Path<HashMap<String, String>>,
) -> Result<StatusCode, GraphError> {
    let kind = Kind::parse(p.get("kind").map_or("", String::as_str))?;
    if matches!(kind, Kind::All | Kind::Password) {
        return Err(not_allowed());
    }
    let u = target(&s, &caller, &p, Access::Write).await?;
    let key = p.get("method").map_or("", String::as_str);
    let missing = || GraphError::not_found(key.chars().take(64).collect::<String>());
    let id: ObjectId = key.parse().map_err(|_| missing())?;
    let t = caller.tenant;
    let m = s
        .store
        .auth_methods(t, u.id)
        .await?
        .into_iter()
        .find(|m| m.id == id && kind.holds(m))
        .ok_or_else(missing)?;
    s.store
        .delete_auth_method(t, u.id, m.id, SystemClock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A request for a new pass: what the body asks for, checked for shape.
struct PassRequest {
    start: Option<OffsetDateTime>,
    lifetime: Option<i64>,
    once: Option<bool>,
}

fn pass_request(b: &Map<String, Value>) -> Result<PassRequest, GraphError> {
    let f = Fields {
        type_name: "temporaryAccessPassAuthenticationMethod",
    };
    let mut r = PassRequest {
        start: None,
        lifetime: None,
        once: None,
    };
    for (k, v) in b {
        match k.as_str() {
            "@odata.type" => {
                if v.as_str() != Some("#microsoft.graph.temporaryAccessPassAuthenticationMethod") {
                    return Err(f.unknown(k));
                }
            }
            "startDateTime" => {
                r.start = match f.opt_str(k, v, 64)? {
                    None => None,
                    Some(t) => Some(
                        OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339)
                            .map_err(|_| {
                                GraphError::bad_request(
                                    "badRequest",
                                    "startDateTime must be an ISO 8601 date-time.",
                                )
                            })?,
                    ),
                }
            }
            "lifetimeInMinutes" => {
                r.lifetime = match v {
                    Value::Null => None,
                    _ => Some(v.as_i64().filter(|_| v.is_i64() || v.is_u64()).ok_or_else(
                        || {
                            GraphError::bad_request(
                                "Request_BadRequest",
                                "Invalid value for property 'lifetimeInMinutes': a whole number expected.",
                            )
                        },
                    )?),
                }
            }
            "isUsableOnce" => {
                r.once = match v {
                    Value::Null => None,
                    _ => Some(f.bool(k, v)?),
                }
            }
            "id" | "createdDateTime" | "isUsable" | "methodUsabilityReason"
            | "temporaryAccessPass" => {
                return Err(GraphError::bad_request(
                    "Request_BadRequest",
                    format!("Property '{k}' is read-only and cannot be set."),
                ))
            }
            _ => return Err(f.unknown(k)),
        }
    }
    Ok(r)
}

/// `POST …/temporaryAccessPassMethods`: a new pass, shown in this answer
/// only. One live pass per user: a pass that is usable or not yet valid
/// must be deleted first; an expired or spent one is replaced.
async fn create(
    State(s): State<AppState>,
    caller: Caller,
    Path(p): Path<HashMap<String, String>>,
    headers: HeaderMap,
    b: Bytes,
) -> Result<Response, GraphError> {
    let kind = Kind::parse(p.get("kind").map_or("", String::as_str))?;
    if kind != Kind::Tap {
        return Err(not_allowed());
    }
    let u = target(&s, &caller, &p, Access::IssuePass).await?;
    let req = pass_request(&body::object(&headers, &b)?)?;
    let t = caller.tenant;
    let policy = authn_policy::load(&*s.store, t).await?;
    let now = SystemClock.now();
    let bad = |m: String| GraphError::bad_request("badRequest", m);
    let w = tap::check_request(&policy.tap, req.start, req.lifetime, req.once, now).map_err(bad)?;
    let mut spent = Vec::new();
    for m in s.store.auth_methods(t, u.id).await? {
        if let Some(old) = TapWindow::of(&m.detail) {
            match old.state(now) {
                TapState::Active | TapState::NotYetValid => {
                    return Err(bad(
                        "The user already has a Temporary Access Pass. Delete it before creating a new one."
                            .into(),
                    ))
                }
                TapState::Expired | TapState::Used => spent.push(m.id),
            }
        }
    }
    // Everything is checked: now the writes.
    for id in spent {
        s.store.delete_auth_method(t, u.id, id, now).await?;
    }
    let pass = tap::generate(&mut rand::rngs::OsRng, policy.tap.length);
    let m = AuthMethod {
        id: ObjectId::random(&mut rand::rngs::OsRng),
        user_id: u.id,
        display_name: "Temporary Access Pass".into(),
        created_at: now,
        last_used_at: None,
        detail: MethodDetail::TemporaryAccessPass {
            digest: tap::digest(s.signin.tap_key.as_ref(), &pass).to_vec(),
            start: w.start,
            lifetime_minutes: w.lifetime_minutes,
            is_usable_once: w.is_usable_once,
            used_at: None,
        },
    };
    // A unique index allows one pass per user: a concurrent issue loses here.
    match s.store.insert_auth_method(t, &m, now).await {
        Err(tessera_store::StoreError::Conflict(_)) => return Err(bad(
            "The user already has a Temporary Access Pass. Delete it before creating a new one."
                .into(),
        )),
        r => r?,
    }
    let mut v = render(&m, &policy, now);
    // The one place the pass is ever shown.
    v["temporaryAccessPass"] = Value::String(pass.as_str().to_string());
    Ok((
        StatusCode::CREATED,
        Json(query::entity(context(&s, &u, Kind::Tap), v)),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_round_trip_and_unknown_ones_are_graphs_400() {
        for k in [
            Kind::All,
            Kind::Password,
            Kind::Fido2,
            Kind::SoftwareOath,
            Kind::Tap,
        ] {
            assert_eq!(Kind::parse(k.segment()).unwrap(), k);
        }
        let e = Kind::parse("phoneMethods").unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert!(e.message.contains("Resource not found for the segment"));
    }

    #[test]
    fn pass_requests_are_read_strictly() {
        let ok: Map<String, Value> = serde_json::from_value(
            json!({ "lifetimeInMinutes": 60, "isUsableOnce": true, "startDateTime": "2030-01-01T00:00:00Z" }),
        )
        .unwrap();
        let r = pass_request(&ok).unwrap();
        assert_eq!((r.lifetime, r.once), (Some(60), Some(true)));
        assert!(r.start.is_some());
        for bad in [
            json!({ "lifetimeInMinutes": 60.5 }),
            json!({ "lifetimeInMinutes": "60" }),
            json!({ "isUsableOnce": "yes" }),
            json!({ "startDateTime": "tomorrow" }),
            json!({ "temporaryAccessPass": "chosen-by-me" }),
            json!({ "colour": "blue" }),
        ] {
            let b: Map<String, Value> = serde_json::from_value(bad.clone()).unwrap();
            assert!(pass_request(&b).is_err(), "{bad}");
        }
    }
}
