//! `/v1.0/applications`: app registrations — create, get (by object id),
//! list with OData options, patch, delete; `addPassword` (the secret text
//! is returned once, here only) and `removePassword`.
use super::auth::{Caller, Op};
use super::body;
use super::errors::GraphError;
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
use tessera_model::graph_permissions::GRAPH_APP_ID;
use tessera_model::{
    AppId, Application, ApplicationSettings, Clock, KeyCredential, ObjectId, PasswordCredential,
    SignInAudience, TenantId,
};
use tessera_oauth::registration::{check_application_uris, UriProblem, MAX_URI_LEN};
use tessera_store::IDENTIFIER_URI_TAKEN;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1.0/applications", get(list).post(create))
        .route(
            "/v1.0/applications/{id}",
            get(get_one).patch(update).delete(remove),
        )
        .route("/v1.0/applications/{id}/addPassword", post(add_password))
        .route(
            "/v1.0/applications/{id}/removePassword",
            post(remove_password),
        )
        .route("/v1.0/applications/{id}/addKey", post(add_key))
        .route("/v1.0/applications/{id}/removeKey", post(remove_key))
}

/// Properties a client may write.
const WRITABLE: &[&str] = &[
    "displayName",
    "signInAudience",
    "identifierUris",
    "web",
    "spa",
    "publicClient",
    "api",
    "appRoles",
    "requiredResourceAccess",
    "groupMembershipClaims",
    "optionalClaims",
    "isFallbackPublicClient",
    "tokenSigningAlg",
    "publisherDomain",
];

const KNOWN: &[&str] = &[
    "id",
    "appId",
    "createdDateTime",
    "passwordCredentials",
    "keyCredentials",
    "displayName",
    "signInAudience",
    "identifierUris",
    "web",
    "spa",
    "publicClient",
    "api",
    "appRoles",
    "requiredResourceAccess",
    "groupMembershipClaims",
    "optionalClaims",
    "isFallbackPublicClient",
    "tokenSigningAlg",
    "publisherDomain",
];

async fn render(
    s: &AppState,
    t: TenantId,
    a: &Application,
    select: &[String],
) -> Result<Value, GraphError> {
    let mut v = serde_json::to_value(a).unwrap_or(Value::Null);
    let wants = |p: &str| select.is_empty() || select.iter().any(|x| x == p);
    if wants("passwordCredentials") {
        let creds: Vec<Value> = s
            .store
            .list_password_credentials(t, a.id)
            .await?
            .into_iter()
            .map(|(c, _digest)| {
                let mut v = serde_json::to_value(c).unwrap_or(Value::Null);
                v["secretText"] = Value::Null;
                v["customKeyIdentifier"] = Value::Null;
                v
            })
            .collect();
        v["passwordCredentials"] = Value::Array(creds);
    }
    if wants("keyCredentials") {
        let keys: Vec<Value> = s
            .store
            .list_key_credentials(t, a.id)
            .await?
            .into_iter()
            .map(|k| render_key(&k))
            .collect();
        v["keyCredentials"] = Value::Array(keys);
    }
    let all: Vec<&str> = KNOWN.to_vec();
    query::project(v, select, &all, &|p| KNOWN.contains(&p), "application")
}

async fn find(s: &AppState, t: TenantId, key: &str) -> Result<Application, GraphError> {
    let found = match key.parse::<ObjectId>() {
        Ok(id) => s.store.get_application(t, id).await?,
        Err(_) => None,
    };
    found.ok_or_else(|| GraphError::not_found(key.chars().take(64).collect::<String>()))
}

fn bad(m: impl Into<String>) -> GraphError {
    GraphError::bad_request("Request_BadRequest", m)
}

/// Redirect, logout and identifier URIs by the registration rules; a
/// refusal names the property and the value. Uniqueness of identifier URIs
/// across applications is the store's, at write.
fn check_uris(app: &Application, w: &WriteContext) -> Result<(), GraphError> {
    check_application_uris(&app.settings, app.app_id, w.tenant, &w.reserved).map_err(|r| {
        match r.problem {
            // Entra's answer: the directory API is "another object" too.
            UriProblem::Reserved => bad(IDENTIFIER_URI_TAKEN),
            p => bad(format!(
                "Invalid value specified for property '{}' of resource 'application': '{}' {}.",
                r.property,
                r.value.chars().take(MAX_URI_LEN).collect::<String>(),
                p.reason()
            )),
        }
    })
}

/// What a write is checked against besides the body: the tenant, its
/// verified domains, and the directory API's names.
struct WriteContext {
    tenant: TenantId,
    verified: Vec<String>,
    reserved: Vec<String>,
}

impl WriteContext {
    async fn load(s: &AppState, t: TenantId) -> Result<Self, GraphError> {
        let verified = s
            .store
            .list_domains(t)
            .await?
            .into_iter()
            .filter(|d| d.is_verified)
            .map(|d| d.name)
            .collect();
        let mut reserved = vec![s.public_url.to_string()];
        if let Some(sp) = s.store.service_principal_by_app_id(t, GRAPH_APP_ID).await? {
            reserved.extend(sp.service_principal_names);
        }
        Ok(Self {
            tenant: t,
            verified,
            reserved,
        })
    }
}

/// Overlays `body` on `app` and checks the result; nothing is written here.
fn apply(
    app: &mut Application,
    body: &Map<String, Value>,
    w: &WriteContext,
) -> Result<(), GraphError> {
    let mut doc = serde_json::to_value(&*app).unwrap_or(Value::Null);
    for (k, v) in body {
        if k == "@odata.type" {
            if v.as_str() != Some("#microsoft.graph.application") {
                return Err(body::Fields {
                    type_name: "application",
                }
                .unknown(k));
            }
            continue;
        }
        if !WRITABLE.contains(&k.as_str()) {
            return Err(body::Fields {
                type_name: "application",
            }
            .unknown(k));
        }
        doc[k] = v.clone();
    }
    let next: Application = serde_json::from_value(doc).map_err(|e| {
        bad(format!(
            "Invalid value in the application: {}",
            e.to_string().chars().take(200).collect::<String>()
        ))
    })?;
    let st: &ApplicationSettings = &next.settings;
    // Optional claims and the access-token version take effect at the next
    // token; what Tessera cannot apply is refused here, named.
    tessera_oauth::optional_claims::parse(st.optional_claims.as_ref()).map_err(bad)?;
    tessera_oauth::optional_claims::check_token_version(st.api.requested_access_token_version)
        .map_err(bad)?;
    if next.display_name.trim().is_empty() || next.display_name.chars().count() > 256 {
        return Err(bad("displayName must be 1 to 256 characters."));
    }
    check_uris(&next, w)?;
    let mut role_ids = std::collections::HashSet::new();
    let mut role_values = std::collections::HashSet::new();
    for r in &st.app_roles {
        if !role_ids.insert(r.id)
            || r.value
                .as_ref()
                .is_some_and(|v| !role_values.insert(v.clone()))
        {
            return Err(bad("appRoles ids and values must be unique."));
        }
        if r.allowed_member_types.is_empty()
            || r.allowed_member_types
                .iter()
                .any(|m| m != "User" && m != "Application")
        {
            return Err(bad(
                "allowedMemberTypes must be 'User' and/or 'Application'.",
            ));
        }
    }
    let mut scope_values = std::collections::HashSet::new();
    for sc in &st.api.oauth2_permission_scopes {
        if !scope_values.insert(sc.value.clone())
            || sc.value.trim().is_empty()
            || sc.value.contains(' ')
        {
            return Err(bad(
                "oauth2PermissionScopes values must be unique, non-empty and without spaces.",
            ));
        }
        if sc.kind != "User" && sc.kind != "Admin" {
            return Err(bad("A permission scope's type must be 'User' or 'Admin'."));
        }
    }
    if let Some(g) = st.group_membership_claims.as_deref() {
        if ![
            "None",
            "SecurityGroup",
            "DirectoryRole",
            "ApplicationGroup",
            "All",
        ]
        .contains(&g)
        {
            return Err(bad("groupMembershipClaims must be None, SecurityGroup, DirectoryRole, ApplicationGroup or All."));
        }
    }
    if let Some(a) = st.token_signing_alg.as_deref() {
        if !["RS256", "ES256", "EdDSA"].contains(&a) {
            return Err(bad("tokenSigningAlg must be RS256, ES256 or EdDSA."));
        }
    }
    if let Some(d) = st.publisher_domain.as_deref() {
        if !w.verified.iter().any(|v| v.eq_ignore_ascii_case(d)) {
            return Err(bad(
                "publisherDomain must be one of the tenant's verified domains.",
            ));
        }
    }
    *app = next;
    Ok(())
}

/// The directory extension attributes that `app`'s optional claims name
/// must exist (declared for users).
async fn check_claim_extensions(
    s: &AppState,
    t: TenantId,
    app: &Application,
) -> Result<(), GraphError> {
    let oc = tessera_oauth::optional_claims::parse(app.settings.optional_claims.as_ref())
        .map_err(bad)?;
    let names = oc.extensions();
    if names.is_empty() {
        return Ok(());
    }
    let declared = s.store.list_extension_properties(t, None).await?;
    for n in names {
        let known = declared.iter().any(|d| {
            d.name.eq_ignore_ascii_case(n) && d.target_objects.iter().any(|o| o == "User")
        });
        if !known {
            return Err(bad(format!(
                "The optional claim '{}' names no directory extension attribute declared for users.",
                n.chars().take(120).collect::<String>()
            )));
        }
    }
    Ok(())
}

async fn list(
    State(s): State<AppState>,
    caller: Caller,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadApps)?;
    let l = Listing::parse(&uri, &headers)?;
    let q = l.store_query(&s, vec![])?;
    let page = s.store.query_applications(caller.tenant, &q).await?;
    let mut value = Vec::with_capacity(page.items.len());
    for a in &page.items {
        value.push(render(&s, caller.tenant, a, &l.opts.select).await?);
    }
    Ok(Json(query::collection(
        query::context(&s, "applications", &l.opts.select),
        value,
        page.count,
        page.next.map(|c| l.next_link(&s, &c)),
    )))
}

async fn get_one(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadApps)?;
    let l = Listing::parse(&uri, &headers)?;
    let a = find(&s, caller.tenant, &id).await?;
    Ok(Json(query::entity(
        query::context(&s, "applications", &l.opts.select),
        render(&s, caller.tenant, &a, &l.opts.select).await?,
    )))
}

async fn create(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, GraphError> {
    caller.require(Op::WriteApps)?;
    let body = body::object(&headers, &body)?;
    if !body.contains_key("displayName") {
        return Err(bad(
            "Property 'displayName' is required when creating the object.",
        ));
    }
    let now = SystemClock.now();
    let mut rng = rand::rngs::OsRng;
    let mut app = Application {
        id: ObjectId::random(&mut rng),
        app_id: AppId::random(&mut rng),
        display_name: String::new(),
        sign_in_audience: SignInAudience::AzureADMyOrg,
        settings: ApplicationSettings::default(),
        created_date_time: now,
    };
    let mut body = body;
    let keys = match body.remove("keyCredentials") {
        Some(v) => key_changes(&v, &[], now)?,
        None => KeyChanges::default(),
    };
    // Placeholder so the overlay's own check sees a name only if given.
    app.display_name = "-".into();
    apply(
        &mut app,
        &body,
        &WriteContext::load(&s, caller.tenant).await?,
    )?;
    check_claim_extensions(&s, caller.tenant, &app).await?;
    s.store.create_application(caller.tenant, &app, now).await?;
    if !keys.add.is_empty() {
        s.store
            .set_key_credentials(caller.tenant, app.id, &[], &keys.add, now)
            .await?;
    }
    let v = render(&s, caller.tenant, &app, &[]).await?;
    Ok((
        StatusCode::CREATED,
        Json(query::entity(query::context(&s, "applications", &[]), v)),
    )
        .into_response())
}

async fn update(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, GraphError> {
    caller.require(Op::WriteApps)?;
    let mut body = body::object(&headers, &body)?;
    let mut app = find(&s, caller.tenant, &id).await?;
    let now = SystemClock.now();
    let keys = match body.remove("keyCredentials") {
        Some(v) => {
            super::service_principals::check_credential_writer(&s, &caller, app.app_id).await?;
            let have = s.store.list_key_credentials(caller.tenant, app.id).await?;
            Some(key_changes(&v, &have, now)?)
        }
        None => None,
    };
    apply(
        &mut app,
        &body,
        &WriteContext::load(&s, caller.tenant).await?,
    )?;
    check_claim_extensions(&s, caller.tenant, &app).await?;
    // Certificates first: the step that can still be refused (an unknown
    // keyId) comes before the application's own update.
    if let Some(k) = keys {
        s.store
            .set_key_credentials(caller.tenant, app.id, &k.keep, &k.add, now)
            .await?;
    }
    s.store.update_application(caller.tenant, &app, now).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, GraphError> {
    caller.require(Op::WriteApps)?;
    let app = find(&s, caller.tenant, &id).await?;
    if app.app_id == caller.client {
        return Err(GraphError::new(
            StatusCode::CONFLICT,
            "Request_BadRequest",
            "An application cannot delete itself while it is the caller.",
        ));
    }
    s.store
        .delete_application(caller.tenant, app.id, SystemClock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Secrets an application may hold at once.
const MAX_SECRETS: usize = 16;

async fn add_password(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::WriteApps)?;
    let app = find(&s, caller.tenant, &id).await?;
    super::service_principals::check_credential_writer(&s, &caller, app.app_id).await?;
    let body = if body.is_empty() {
        Map::new()
    } else {
        body::object(&headers, &body)?
    };
    let now = SystemClock.now();
    let mut display_name = None;
    let mut end = now + time::Duration::days(730);
    for (k, v) in &body {
        if k != "passwordCredential" {
            return Err(body::Fields {
                type_name: "addPasswordRequest",
            }
            .unknown(k));
        }
        let Some(pc) = v.as_object() else {
            return Err(bad("passwordCredential must be an object."));
        };
        let f = body::Fields {
            type_name: "passwordCredential",
        };
        for (pk, pv) in pc {
            match pk.as_str() {
                "@odata.type" => {}
                "displayName" => display_name = f.opt_str(pk, pv, 128)?,
                "endDateTime" => {
                    if let Some(e) = f.opt_str(pk, pv, 64)? {
                        end = time::OffsetDateTime::parse(
                            &e,
                            &time::format_description::well_known::Rfc3339,
                        )
                        .map_err(|_| bad("endDateTime must be an ISO 8601 date-time."))?;
                    }
                }
                // Graph sets these itself.
                "startDateTime" | "keyId" | "hint" | "secretText" | "customKeyIdentifier" => {}
                _ => return Err(f.unknown(pk)),
            }
        }
    }
    if end <= now || end > now + time::Duration::days(3650) {
        return Err(bad(
            "endDateTime must be in the future and within ten years.",
        ));
    }
    if s.store
        .list_password_credentials(caller.tenant, app.id)
        .await?
        .len()
        >= MAX_SECRETS
    {
        return Err(bad(format!(
            "An application can hold at most {MAX_SECRETS} secrets."
        )));
    }
    let secret = tessera_crypto::ClientSecret::generate(&mut rand::rngs::OsRng);
    let cred = PasswordCredential {
        key_id: uuid::Uuid::new_v4(),
        display_name,
        hint: Some(secret.hint()),
        start_date_time: now,
        end_date_time: end,
    };
    s.store
        .add_password_credential(
            caller.tenant,
            app.id,
            &cred,
            &tessera_crypto::secret_digest(secret.expose()),
            now,
        )
        .await?;
    let mut v = serde_json::to_value(&cred).unwrap_or(Value::Null);
    v["secretText"] = secret.expose().into();
    v["customKeyIdentifier"] = Value::Null;
    v["@odata.context"] = format!(
        "{}/v1.0/$metadata#microsoft.graph.passwordCredential",
        s.public_url.trim_end_matches('/')
    )
    .into();
    Ok(Json(v))
}

async fn remove_password(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, GraphError> {
    caller.require(Op::WriteApps)?;
    let app = find(&s, caller.tenant, &id).await?;
    let body = body::object(&headers, &body)?;
    let key_id: uuid::Uuid = match (body.len(), body.get("keyId").and_then(Value::as_str)) {
        (1, Some(k)) => k.parse().map_err(|_| bad("keyId must be a GUID."))?,
        _ => return Err(bad("The body must be {\"keyId\": \"…\"}.")),
    };
    s.store
        .remove_password_credential(caller.tenant, app.id, key_id, SystemClock.now())
        .await
        .map_err(|e| match e {
            tessera_store::StoreError::NotFound => {
                bad(format!("No password credential with keyId '{key_id}'."))
            }
            other => other.into(),
        })?;
    Ok(StatusCode::NO_CONTENT)
}

/// A key credential as Graph writes it: never the key itself.
fn render_key(k: &KeyCredential) -> Value {
    let mut v = serde_json::to_value(k).unwrap_or(Value::Null);
    v["key"] = Value::Null;
    v["customKeyIdentifier"] =
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &k.thumbprint).into();
    v
}

/// Certificates an application may hold at once.
const MAX_KEYS: usize = 16;

#[derive(Default)]
struct KeyChanges {
    keep: Vec<uuid::Uuid>,
    add: Vec<KeyCredential>,
}

/// One new certificate from a `keyCredential` object with a `key`.
fn new_key(o: &Map<String, Value>, now: time::OffsetDateTime) -> Result<KeyCredential, GraphError> {
    let f = body::Fields {
        type_name: "keyCredential",
    };
    let mut key_id = None;
    let (mut kind, mut usage, mut der, mut name, mut start, mut end) =
        (None, None, None, None, None, None);
    let instant = |k: &str, v: &Value| -> Result<Option<time::OffsetDateTime>, GraphError> {
        match f.opt_str(k, v, 64)? {
            None => Ok(None),
            Some(t) => {
                time::OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339)
                    .map(Some)
                    .map_err(|_| bad(format!("{k} must be an ISO 8601 date-time.")))
            }
        }
    };
    for (k, v) in o {
        match k.as_str() {
            "@odata.type" | "customKeyIdentifier" => {}
            "keyId" => {
                key_id = f
                    .opt_str(k, v, 64)?
                    .map(|s| s.parse::<uuid::Uuid>())
                    .transpose()
                    .map_err(|_| bad("keyId must be a GUID."))?
            }
            "type" => kind = Some(f.str(k, v, 32)?),
            "usage" => usage = Some(f.str(k, v, 16)?),
            "key" => {
                let b64 = f.str(k, v, 16 * 1024)?;
                der = Some(
                    base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b64.trim())
                        .map_err(|_| bad("key must be the certificate's DER bytes in base64."))?,
                )
            }
            "displayName" => name = f.opt_str(k, v, 128)?,
            "startDateTime" => start = instant(k, v)?,
            "endDateTime" => end = instant(k, v)?,
            _ => return Err(f.unknown(k)),
        }
    }
    if kind.as_deref() != Some("AsymmetricX509Cert") {
        return Err(bad("type must be AsymmetricX509Cert."));
    }
    if usage.as_deref() != Some("Verify") {
        return Err(bad(
            "usage must be Verify (certificates authenticate the application).",
        ));
    }
    let der = der.ok_or_else(|| bad("key is required for a new certificate."))?;
    let facts = tessera_oauth::key_proof::check_certificate(&der).map_err(bad)?;
    let start = start.unwrap_or(facts.not_before).max(facts.not_before);
    let end = end.unwrap_or(facts.not_after).min(facts.not_after);
    if end <= start || end <= now {
        return Err(bad(
            "The certificate is expired, or its validity window is empty.",
        ));
    }
    Ok(KeyCredential {
        key_id: key_id.unwrap_or_else(uuid::Uuid::new_v4),
        display_name: name,
        kind: "AsymmetricX509Cert".into(),
        usage: "Verify".into(),
        key: der,
        thumbprint: facts.thumbprint,
        start_date_time: start,
        end_date_time: end,
    })
}

/// PATCH `keyCredentials`: the full new set. An entry with a `key` is a new
/// certificate; one without names an existing `keyId` to keep.
fn key_changes(
    v: &Value,
    have: &[KeyCredential],
    now: time::OffsetDateTime,
) -> Result<KeyChanges, GraphError> {
    let items = v
        .as_array()
        .filter(|a| a.len() <= MAX_KEYS)
        .ok_or_else(|| {
            bad(format!(
                "keyCredentials must be an array of at most {MAX_KEYS} key credentials."
            ))
        })?;
    let mut out = KeyChanges::default();
    for item in items {
        let o = item
            .as_object()
            .ok_or_else(|| bad("Each key credential must be an object."))?;
        if o.get("key").is_some_and(|k| !k.is_null()) {
            let k = new_key(o, now)?;
            if have.iter().any(|h| h.key_id == k.key_id)
                || out.add.iter().any(|a| a.key_id == k.key_id)
            {
                return Err(bad("Two key credentials have the same keyId."));
            }
            out.add.push(k);
        } else {
            let id = o
                .get("keyId")
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<uuid::Uuid>().ok())
                .ok_or_else(|| bad("A key credential without key must name an existing keyId."))?;
            if !have.iter().any(|h| h.key_id == id) {
                return Err(bad(format!(
                    "The application has no key credential with keyId {id}."
                )));
            }
            out.keep.push(id);
        }
    }
    Ok(out)
}

/// The body's `proof`, checked against the application's current certificates.
async fn proven(
    s: &AppState,
    t: TenantId,
    app: &Application,
    body: &Map<String, Value>,
) -> Result<(), GraphError> {
    let proof = body
        .get("proof")
        .and_then(Value::as_str)
        .filter(|p| p.len() <= 16 * 1024)
        .ok_or_else(|| bad("proof is required: a JWT signed with one of the application's current certificates."))?;
    let certs = s.store.list_key_credentials(t, app.id).await?;
    tessera_oauth::key_proof::verify_proof(proof, app.id, &certs, SystemClock.now())
        .map(|_| ())
        .map_err(bad)
}

/// `addKey`: a new certificate, proven by one the application holds (the
/// first certificate is registered with PATCH `keyCredentials`).
async fn add_key(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::WriteApps)?;
    let app = find(&s, caller.tenant, &id).await?;
    super::service_principals::check_credential_writer(&s, &caller, app.app_id).await?;
    let body = body::object(&headers, &body)?;
    for k in body.keys() {
        if !matches!(k.as_str(), "keyCredential" | "passwordCredential" | "proof") {
            return Err(body::Fields {
                type_name: "addKeyRequest",
            }
            .unknown(k));
        }
    }
    if body.get("passwordCredential").is_some_and(|p| !p.is_null()) {
        return Err(bad("Password credentials are added with addPassword."));
    }
    proven(&s, caller.tenant, &app, &body).await?;
    let now = SystemClock.now();
    let o = body
        .get("keyCredential")
        .and_then(Value::as_object)
        .ok_or_else(|| bad("keyCredential is required."))?;
    let k = new_key(o, now)?;
    let have = s.store.list_key_credentials(caller.tenant, app.id).await?;
    if have.len() >= MAX_KEYS {
        return Err(bad(format!(
            "An application can hold at most {MAX_KEYS} certificates."
        )));
    }
    if have.iter().any(|h| h.key_id == k.key_id) {
        return Err(bad(
            "The application already has a key credential with this keyId.",
        ));
    }
    let keep: Vec<uuid::Uuid> = have.iter().map(|h| h.key_id).collect();
    s.store
        .set_key_credentials(caller.tenant, app.id, &keep, std::slice::from_ref(&k), now)
        .await?;
    Ok(Json(render_key(&k)))
}

/// `removeKey`: drops a certificate, proven by one the application holds.
async fn remove_key(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, GraphError> {
    caller.require(Op::WriteApps)?;
    let app = find(&s, caller.tenant, &id).await?;
    let body = body::object(&headers, &body)?;
    for k in body.keys() {
        if !matches!(k.as_str(), "keyId" | "proof") {
            return Err(body::Fields {
                type_name: "removeKeyRequest",
            }
            .unknown(k));
        }
    }
    let key_id: uuid::Uuid = body
        .get("keyId")
        .and_then(Value::as_str)
        .and_then(|k| k.parse().ok())
        .ok_or_else(|| bad("keyId must be a GUID."))?;
    proven(&s, caller.tenant, &app, &body).await?;
    s.store
        .remove_key_credential(caller.tenant, app.id, key_id, SystemClock.now())
        .await
        .map_err(|e| match e {
            tessera_store::StoreError::NotFound => {
                bad(format!("No key credential with keyId '{key_id}'."))
            }
            other => other.into(),
        })?;
    Ok(StatusCode::NO_CONTENT)
}
