//! `/v1.0/users` and `/v1.0/me`: create (with `passwordProfile`), get by id
//! or userPrincipalName, list with OData options, `$count`, patch, delete,
//! `memberOf`, `transitiveMemberOf`, `ownedObjects`, `revokeSignInSessions`.
use super::auth::{Caller, Op, Reach};
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
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Map, Value};
use tessera_model::{Clock, NewUser, ObjectId, TenantId, User, UserProfile};
use tessera_store::{ExtensionProperty, Relation};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1.0/users", get(list).post(create))
        .route("/v1.0/users/$count", get(count))
        .route(
            "/v1.0/users/{id}",
            get(get_one).patch(update).delete(remove),
        )
        .route("/v1.0/users/{id}/memberOf", get(member_of))
        .route(
            "/v1.0/users/{id}/transitiveMemberOf",
            get(transitive_member_of),
        )
        .route("/v1.0/users/{id}/ownedObjects", get(owned_objects))
        .route(
            "/v1.0/users/{id}/revokeSignInSessions",
            post(revoke_sessions),
        )
        .route("/v1.0/me", get(me))
        .route("/v1.0/me/memberOf", get(me_member_of))
        .route("/v1.0/me/transitiveMemberOf", get(me_transitive_member_of))
}

/// Properties `GET /users` returns without `$select` (Graph's default set).
const DEFAULTS: &[&str] = &[
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
];

/// Every property a user has here.
const KNOWN: &[&str] = &[
    "id",
    "userPrincipalName",
    "displayName",
    "givenName",
    "surname",
    "mail",
    "accountEnabled",
    "createdDateTime",
    "mailNickname",
    "jobTitle",
    "department",
    "officeLocation",
    "mobilePhone",
    "usageLocation",
    "employeeId",
    "companyName",
    "city",
    "country",
    "preferredLanguage",
    "userType",
    "otherMails",
    "businessPhones",
];

pub(super) fn render(u: &User, select: &[String]) -> Result<Value, GraphError> {
    render_with(u, select, &[])
}

/// `declared`: extension attributes that may be `$select`ed.
fn render_with(
    u: &User,
    select: &[String],
    declared: &[ExtensionProperty],
) -> Result<Value, GraphError> {
    let mut v = serde_json::to_value(u).unwrap_or(Value::Null);
    if v["userType"].is_null() {
        v["userType"] = "Member".into();
    }
    let known = |p: &str| KNOWN.contains(&p) || declared.iter().any(|d| d.name == p);
    query::project(v, select, DEFAULTS, &known, "user")
}

/// The user as selected, with its selected extension values.
async fn full(
    s: &AppState,
    t: TenantId,
    u: &User,
    select: &[String],
    declared: &[ExtensionProperty],
) -> Result<Value, GraphError> {
    let mut v = render_with(u, select, declared)?;
    extensions::attach(s, t, u.id, select, &mut v).await?;
    Ok(v)
}

/// A user named by id or by userPrincipalName, as Graph accepts both.
pub(super) async fn find(s: &AppState, t: TenantId, key: &str) -> Result<User, GraphError> {
    let found = match key.parse::<ObjectId>() {
        Ok(id) => s.store.get_user(t, id).await?,
        Err(_) if key.contains('@') && key.len() <= 256 => s.store.get_user_by_upn(t, key).await?,
        Err(_) => None,
    };
    found.ok_or_else(|| GraphError::not_found(key.chars().take(256).collect::<String>()))
}

async fn list(
    State(s): State<AppState>,
    caller: Caller,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadUsers)?;
    let l = Listing::parse(&uri, &headers)?;
    let expand = l.expansions(&["memberOf"], "user")?;
    let declared = extensions::declared(&s, caller.tenant, "User").await?;
    let q = l.store_query(&s, extensions::filterable(&declared))?;
    let page = s.store.query_users(caller.tenant, &q).await?;
    let mut value = Vec::with_capacity(page.items.len());
    for u in &page.items {
        let mut v = full(&s, caller.tenant, u, &l.opts.select, &declared).await?;
        if expand.is_some() {
            v["memberOf"] =
                super::groups::expanded(&s, caller.tenant, Relation::MemberOf(u.id)).await?;
        }
        value.push(v);
    }
    Ok(Json(query::collection(
        query::context(&s, "users", &l.opts.select),
        value,
        page.count,
        page.next.map(|c| l.next_link(&s, &c)),
    )))
}

/// `GET /users/$count`: a plain-text number (needs `ConsistencyLevel: eventual`).
async fn count(
    State(s): State<AppState>,
    caller: Caller,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, GraphError> {
    caller.require(Op::ReadUsers)?;
    let l = Listing::parse(&uri, &headers)?;
    let declared = extensions::declared(&s, caller.tenant, "User").await?;
    let q = l.count_query(&s, extensions::filterable(&declared))?;
    Ok(query::count_text(
        s.store.query_users(caller.tenant, &q).await?.count,
    ))
}

async fn get_one(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    let l = Listing::parse(&uri, &headers)?;
    let u = find(&s, caller.tenant, &id).await;
    // A delegated caller may always read itself (User.Read).
    let own = matches!(&u, Ok(u) if Some(u.id) == caller.user());
    if !(own && reads_self(&caller)) {
        caller.require(Op::ReadUsers)?;
    }
    let u = u?;
    let expand = l.expansions(&["memberOf"], "user")?;
    let declared = extensions::declared(&s, caller.tenant, "User").await?;
    let mut v = full(&s, caller.tenant, &u, &l.opts.select, &declared).await?;
    if expand.is_some() {
        v["memberOf"] =
            super::groups::expanded(&s, caller.tenant, Relation::MemberOf(u.id)).await?;
    }
    Ok(Json(query::entity(
        query::context(&s, "users", &l.opts.select),
        v,
    )))
}

pub(super) fn reads_self(caller: &Caller) -> bool {
    caller.scopes().iter().any(|s| {
        matches!(
            s.as_str(),
            "User.Read"
                | "User.ReadWrite"
                | "User.Read.All"
                | "User.ReadWrite.All"
                | "Directory.Read.All"
                | "Directory.ReadWrite.All"
        )
    })
}

pub(super) fn me_only(caller: &Caller) -> Result<ObjectId, GraphError> {
    let Some(id) = caller.user() else {
        return Err(GraphError::bad_request(
            "BadRequest",
            "/me request is only valid with delegated authentication flow.",
        ));
    };
    if !reads_self(caller) {
        return Err(GraphError::denied());
    }
    Ok(id)
}

async fn me(
    State(s): State<AppState>,
    caller: Caller,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    let id = me_only(&caller)?;
    let l = Listing::parse(&uri, &headers)?;
    let u = s
        .store
        .get_user(caller.tenant, id)
        .await?
        .ok_or_else(|| GraphError::not_found(id))?;
    let declared = extensions::declared(&s, caller.tenant, "User").await?;
    Ok(Json(query::entity(
        query::context(&s, "users", &l.opts.select),
        full(&s, caller.tenant, &u, &l.opts.select, &declared).await?,
    )))
}

/// Reads a create or patch body into `u` (and the password, if one is set).
struct UserWrite {
    password: Option<String>,
    force_change: bool,
}

fn apply(u: &mut User, body: &Map<String, Value>, creating: bool) -> Result<UserWrite, GraphError> {
    let f = Fields { type_name: "user" };
    let mut w = UserWrite {
        password: None,
        force_change: false,
    };
    let p: &mut UserProfile = &mut u.profile;
    for (k, v) in body {
        match k.as_str() {
            "@odata.type" => {
                if v.as_str() != Some("#microsoft.graph.user") {
                    return Err(f.unknown(k));
                }
            }
            "id" | "createdDateTime" if creating => {
                return Err(GraphError::bad_request(
                    "Request_BadRequest",
                    format!("Property '{k}' is read-only and cannot be set."),
                ))
            }
            // Read by `extensions::values_in`.
            k if k.starts_with("extension_") => {}
            "userPrincipalName" => u.user_principal_name = f.str(k, v, 113)?,
            "displayName" => u.display_name = f.str(k, v, 256)?,
            "givenName" => u.given_name = f.opt_str(k, v, 64)?,
            "surname" => u.surname = f.opt_str(k, v, 64)?,
            "mail" => u.mail = f.opt_str(k, v, 256)?,
            "accountEnabled" => u.account_enabled = f.bool(k, v)?,
            "mailNickname" => p.mail_nickname = f.opt_str(k, v, 64)?,
            "jobTitle" => p.job_title = f.opt_str(k, v, 128)?,
            "department" => p.department = f.opt_str(k, v, 64)?,
            "officeLocation" => p.office_location = f.opt_str(k, v, 128)?,
            "mobilePhone" => p.mobile_phone = f.opt_str(k, v, 64)?,
            "usageLocation" => p.usage_location = f.opt_str(k, v, 2)?,
            "employeeId" => p.employee_id = f.opt_str(k, v, 16)?,
            "companyName" => p.company_name = f.opt_str(k, v, 64)?,
            "city" => p.city = f.opt_str(k, v, 128)?,
            "country" => p.country = f.opt_str(k, v, 128)?,
            "preferredLanguage" => p.preferred_language = f.opt_str(k, v, 16)?,
            "userType" => {
                let t = f.opt_str(k, v, 16)?;
                if !matches!(t.as_deref(), None | Some("Member") | Some("Guest")) {
                    return Err(GraphError::bad_request(
                        "Request_BadRequest",
                        "userType must be 'Member' or 'Guest'.",
                    ));
                }
                p.user_type = t;
            }
            "otherMails" => p.other_mails = f.strings(k, v, 50, 256)?,
            "businessPhones" => p.business_phones = f.strings(k, v, 1, 64)?,
            "passwordProfile" => {
                let Value::Object(pp) = v else {
                    return Err(GraphError::bad_request(
                        "Request_BadRequest",
                        "passwordProfile must be an object.",
                    ));
                };
                let pf = Fields {
                    type_name: "passwordProfile",
                };
                for (pk, pv) in pp {
                    match pk.as_str() {
                        "@odata.type" => {}
                        "password" => w.password = Some(pf.str(pk, pv, 256)?),
                        "forceChangePasswordNextSignIn" => w.force_change = pf.bool(pk, pv)?,
                        "forceChangePasswordNextSignInWithMfa" => {
                            pf.bool(pk, pv)?;
                        }
                        _ => return Err(pf.unknown(pk)),
                    }
                }
            }
            _ => return Err(f.unknown(k)),
        }
    }
    Ok(w)
}

/// Entra's rule: 8–256 characters from at least three of lower case, upper
/// case, digits and symbols.
fn complex_enough(p: &str) -> bool {
    let n = p.chars().count();
    let classes = [
        p.chars().any(|c| c.is_lowercase()),
        p.chars().any(|c| c.is_uppercase()),
        p.chars().any(|c| c.is_ascii_digit()),
        p.chars().any(|c| !c.is_alphanumeric()),
    ];
    (8..=256).contains(&n) && classes.iter().filter(|b| **b).count() >= 3
}

/// The userPrincipalName's shape, and its domain one of the tenant's
/// verified domains.
async fn check_upn(s: &AppState, t: TenantId, upn: &str) -> Result<(), GraphError> {
    let bad = |m: &str| GraphError::bad_request("Request_BadRequest", m.to_string());
    let Some((local, domain)) = upn.rsplit_once('@') else {
        return Err(bad(
            "The userPrincipalName must be of the form alias@domain.",
        ));
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "'.-_!#^~".contains(c));
    if !local_ok {
        return Err(bad(
            "The alias of the userPrincipalName contains characters that are not allowed.",
        ));
    }
    let verified = s
        .store
        .list_domains(t)
        .await?
        .into_iter()
        .any(|d| d.is_verified && d.name.eq_ignore_ascii_case(domain));
    if !verified {
        return Err(bad("The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization."));
    }
    Ok(())
}

/// Checks a password an administrator sets against Entra's complexity rule
/// and the tenant's password policy (banned passwords apply to admin resets
/// too, as in Entra), then hashes it.
async fn hash_password(
    s: &AppState,
    tenant: tessera_model::TenantId,
    upn: &str,
    display_name: &str,
    password: String,
) -> Result<String, GraphError> {
    let policy = crate::authn_policy::load(s.store.as_ref(), tenant).await?;
    let tenant_name = s
        .store
        .get_tenant(tenant)
        .await?
        .map(|t| t.display_name)
        .unwrap_or_default();
    let ctx = tessera_authn::password_policy::PasswordContext {
        tenant_name: &tenant_name,
        user_principal_name: upn,
        display_name,
    };
    let policy_ok =
        tessera_authn::password_policy::check(&policy.password, &password, &ctx).is_ok();
    if !complex_enough(&password) || !policy_ok {
        return Err(GraphError::bad_request(
            "Request_BadRequest",
            "The specified password does not comply with password complexity requirements. Please provide a different password.",
        ));
    }
    let hasher = s.signin.passwords.hasher.clone();
    let pw = zeroize::Zeroizing::new(password);
    tokio::task::spawn_blocking(move || hasher.hash(&pw, &mut rand::rngs::OsRng))
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(|| {
            GraphError::from(tessera_store::StoreError::Internal(
                "password hashing failed".into(),
            ))
        })
}

async fn create(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, GraphError> {
    caller.require(Op::WriteUsers)?;
    let body = body::object(&headers, &body)?;
    let now = SystemClock.now();
    let mut u = User {
        id: ObjectId::random(&mut rand::rngs::OsRng),
        user_principal_name: String::new(),
        display_name: String::new(),
        given_name: None,
        surname: None,
        mail: None,
        account_enabled: false,
        created_date_time: now,
        profile: UserProfile::default(),
    };
    let w = apply(&mut u, &body, true)?;
    for required in [
        "accountEnabled",
        "displayName",
        "mailNickname",
        "userPrincipalName",
    ] {
        if !body.contains_key(required) {
            return Err(GraphError::bad_request(
                "Request_BadRequest",
                format!("Property '{required}' is required when creating the object."),
            ));
        }
    }
    check_upn(&s, caller.tenant, &u.user_principal_name).await?;
    let declared = extensions::declared(&s, caller.tenant, "User").await?;
    let ext = extensions::values_in(&body, &declared, "user")?;
    let password_hash = match w.password {
        Some(p) => Some(
            hash_password(
                &s,
                caller.tenant,
                &u.user_principal_name,
                &u.display_name,
                p,
            )
            .await?,
        ),
        None => None,
    };
    let new = NewUser {
        id: u.id,
        user_principal_name: u.user_principal_name,
        display_name: u.display_name,
        given_name: u.given_name,
        surname: u.surname,
        mail: u.mail,
        account_enabled: u.account_enabled,
        password_hash,
        profile: u.profile,
        force_change_password: w.force_change,
    };
    let created = s
        .store
        .create_user_with(caller.tenant, &new, &ext, now)
        .await?;
    let mut v = render(
        &created,
        &KNOWN.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
    )?;
    v = query::entity(query::context(&s, "users", &[]), v);
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

async fn update(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, GraphError> {
    let body = body::object(&headers, &body)?;
    let u = find(&s, caller.tenant, &id).await;
    authorize_update(&s, &caller, &body, u.as_ref().ok()).await?;
    let mut u = u?;
    let before_upn = u.user_principal_name.clone();
    let w = apply(&mut u, &body, false)?;
    if u.user_principal_name != before_upn {
        check_upn(&s, caller.tenant, &u.user_principal_name).await?;
        if let Some(other) = s
            .store
            .get_user_by_upn(caller.tenant, &u.user_principal_name)
            .await?
        {
            if other.id != u.id {
                return Err(GraphError::bad_request(
                    "Request_BadRequest",
                    "Another object with the same value for property userPrincipalName already exists.",
                ));
            }
        }
    }
    let declared = extensions::declared(&s, caller.tenant, "User").await?;
    let ext = extensions::values_in(&body, &declared, "user")?;
    let now = SystemClock.now();
    // The password is hashed (and checked) before anything is written.
    let hash = match w.password {
        Some(p) => Some(
            hash_password(
                &s,
                caller.tenant,
                &u.user_principal_name,
                &u.display_name,
                p,
            )
            .await?,
        ),
        None => None,
    };
    // One transaction: properties, password and extension values (whose
    // 100-value limit is checked inside it) are written together or not at all.
    s.store
        .update_user_with(caller.tenant, &u, hash.as_deref(), &ext, now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Properties whose change is one of Entra's sensitive actions.
const SENSITIVE: &[&str] = &["accountEnabled", "userPrincipalName"];
/// Properties that whoever may reset the user's password may change
/// (self-service password reset uses them).
const PASSWORD_RESET: &[&str] = &[
    "passwordProfile",
    "businessPhones",
    "mobilePhone",
    "otherMails",
];

/// The directory roles a user holds: what decides who may act on them.
pub(super) async fn roles_of(
    s: &AppState,
    t: TenantId,
    user: ObjectId,
) -> Result<Vec<uuid::Uuid>, GraphError> {
    Ok(s.store
        .directory_role_assignments_of(t, user)
        .await?
        .into_iter()
        .map(|a| a.role_definition_id)
        .collect())
}

/// Who may PATCH what of whom: basic properties need `WriteUsers`; the
/// password-reset properties need `ResetPasswords` and the target within
/// the caller's password-reset reach; disabling and renaming need
/// `SensitiveUsers` and the target within its sensitive-action reach
/// (Entra's tables, `directory_roles`). Checked before the target's
/// existence is revealed.
async fn authorize_update(
    s: &AppState,
    caller: &Caller,
    body: &Map<String, Value>,
    target: Option<&User>,
) -> Result<(), GraphError> {
    let has = |set: &[&str]| body.keys().any(|k| set.contains(&k.as_str()));
    let basic = body
        .keys()
        .any(|k| !SENSITIVE.contains(&k.as_str()) && !PASSWORD_RESET.contains(&k.as_str()));
    let (reset, sensitive) = (has(PASSWORD_RESET), has(SENSITIVE));
    if basic || !(reset || sensitive) {
        caller.require(Op::WriteUsers)?;
    }
    if reset {
        caller.require(Op::ResetPasswords)?;
    }
    if sensitive {
        caller.require(Op::SensitiveUsers)?;
    }
    if let Some(u) = target {
        let roles = roles_of(s, caller.tenant, u.id).await?;
        if reset {
            caller.require_reach(Reach::PasswordReset, &roles)?;
        }
        if sensitive {
            caller.require_reach(Reach::Sensitive, &roles)?;
        }
    }
    Ok(())
}

async fn remove(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, GraphError> {
    caller.require(Op::DeleteUsers)?;
    let u = find(&s, caller.tenant, &id).await?;
    caller.require_reach(Reach::Sensitive, &roles_of(&s, caller.tenant, u.id).await?)?;
    if Some(u.id) == caller.user() {
        return Err(GraphError::bad_request(
            "Request_BadRequest",
            "A user cannot delete itself.",
        ));
    }
    s.store
        .delete_user(caller.tenant, u.id, SystemClock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn revoke_sessions(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ResetPasswords)?;
    let u = find(&s, caller.tenant, &id).await?;
    caller.require_reach(
        Reach::PasswordReset,
        &roles_of(&s, caller.tenant, u.id).await?,
    )?;
    s.store
        .revoke_user_sessions(caller.tenant, u.id, SystemClock.now())
        .await?;
    Ok(Json(serde_json::json!({
        "@odata.context": format!("{}/v1.0/$metadata#Edm.Boolean", s.public_url.trim_end_matches('/')),
        "value": true,
    })))
}

async fn related(
    s: &AppState,
    caller: &Caller,
    l: &Listing,
    rel: Relation,
) -> Result<Json<Value>, GraphError> {
    let (after, top) = l.relation_page(s)?;
    let page = s.store.related(caller.tenant, rel, after, top + 1).await?;
    super::groups::directory_objects(s, caller, l, page, top, "directoryObjects").await
}

async fn member_of(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadUsers)?;
    let l = Listing::parse(&uri, &headers)?;
    let u = find(&s, caller.tenant, &id).await?;
    related(&s, &caller, &l, Relation::MemberOf(u.id)).await
}

async fn transitive_member_of(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadUsers)?;
    let l = Listing::parse(&uri, &headers)?;
    let u = find(&s, caller.tenant, &id).await?;
    related(&s, &caller, &l, Relation::TransitiveMemberOf(u.id)).await
}

async fn owned_objects(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadUsers)?;
    let l = Listing::parse(&uri, &headers)?;
    let u = find(&s, caller.tenant, &id).await?;
    related(&s, &caller, &l, Relation::OwnedObjects(u.id)).await
}

async fn me_member_of(
    State(s): State<AppState>,
    caller: Caller,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    let id = me_only(&caller)?;
    let l = Listing::parse(&uri, &headers)?;
    related(&s, &caller, &l, Relation::MemberOf(id)).await
}

async fn me_transitive_member_of(
    State(s): State<AppState>,
    caller: Caller,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    let id = me_only(&caller)?;
    let l = Listing::parse(&uri, &headers)?;
    related(&s, &caller, &l, Relation::TransitiveMemberOf(id)).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn password_complexity() {
        assert!(super::complex_enough("Correct-Horse-42"));
        assert!(super::complex_enough("abcdEFGH1"));
        for weak in ["short1A", "alllowercase", "ALLUPPER123", "12345678901"] {
            assert!(!super::complex_enough(weak), "{weak}");
        }
    }
}
