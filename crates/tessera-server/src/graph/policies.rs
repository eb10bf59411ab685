//! `/v1.0/policies/…`: the tenant's authentication methods policy (FIDO2,
//! software OATH and Temporary Access Pass configurations), security
//! defaults, and the built-in authentication strengths, in Graph's shapes.
//! A PATCH reads every property, refuses unknown and read-only ones and
//! validates the whole policy before anything is written.
use super::auth::{Caller, Op};
use super::auth_methods::date;
use super::body::{self, Fields};
use super::errors::GraphError;
use super::query::{self, Listing};
use crate::authn_policy::{self, MethodsPolicy};
use crate::clock::SystemClock;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use tessera_authn::strength::{self, Strength};
use tessera_authn::webauthn::EnforcementType;
use tessera_model::Clock;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1.0/policies/authenticationMethodsPolicy",
            get(methods_policy),
        )
        .route(
            "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{config}",
            get(configuration).patch(update_configuration),
        )
        .route(
            "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy",
            get(security_defaults).patch(update_security_defaults),
        )
        .route("/v1.0/policies/authenticationStrengthPolicies", get(strengths))
        .route(
            "/v1.0/policies/authenticationStrengthPolicies/{id}",
            get(strength_one),
        )
}

fn base(s: &AppState) -> String {
    format!("{}/v1.0/$metadata", s.public_url.trim_end_matches('/'))
}

/// The method configurations Tessera has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Config {
    Fido2,
    SoftwareOath,
    TemporaryAccessPass,
}

impl Config {
    const ALL: [Config; 3] = [Self::Fido2, Self::SoftwareOath, Self::TemporaryAccessPass];

    fn id(self) -> &'static str {
        match self {
            Self::Fido2 => "Fido2",
            Self::SoftwareOath => "SoftwareOath",
            Self::TemporaryAccessPass => "TemporaryAccessPass",
        }
    }

    /// Graph's type name, without the namespace.
    fn type_name(self) -> &'static str {
        match self {
            Self::Fido2 => "fido2AuthenticationMethodConfiguration",
            Self::SoftwareOath => "softwareOathAuthenticationMethodConfiguration",
            Self::TemporaryAccessPass => "temporaryAccessPassAuthenticationMethodConfiguration",
        }
    }

    /// By id, case-insensitively as Graph matches it.
    fn find(id: &str) -> Result<Self, GraphError> {
        Self::ALL
            .into_iter()
            .find(|c| c.id().eq_ignore_ascii_case(id))
            .ok_or_else(|| GraphError::not_found(id.chars().take(64).collect::<String>()))
    }
}

fn state(enabled: bool) -> &'static str {
    if enabled {
        "enabled"
    } else {
        "disabled"
    }
}

/// Tessera applies each configuration to every user (no group targeting).
fn all_users(fido2: bool) -> Value {
    if fido2 {
        json!([{ "targetType": "group", "id": "all_users", "isRegistrationRequired": false }])
    } else {
        json!([{ "targetType": "group", "id": "all_users" }])
    }
}

fn render_config(c: Config, p: &MethodsPolicy) -> Value {
    let mut v = match c {
        Config::Fido2 => {
            let k = &p.fido2.key_restrictions;
            json!({
                "id": c.id(),
                "state": state(p.fido2_enabled),
                "isSelfServiceRegistrationAllowed": p.fido2_self_service,
                "isAttestationEnforced": p.fido2.is_attestation_enforced,
                "keyRestrictions": {
                    "isEnforced": k.is_enforced,
                    "enforcementType": match k.enforcement_type { EnforcementType::Allow => "allow", EnforcementType::Block => "block" },
                    "aaGuids": k.aa_guids,
                },
            })
        }
        Config::SoftwareOath => json!({ "id": c.id(), "state": state(p.software_oath_enabled) }),
        Config::TemporaryAccessPass => json!({
            "id": c.id(),
            "state": state(p.tap.enabled),
            "defaultLifetimeInMinutes": p.tap.default_lifetime_minutes,
            "defaultLength": p.tap.length,
            "minimumLifetimeInMinutes": p.tap.min_lifetime_minutes,
            "maximumLifetimeInMinutes": p.tap.max_lifetime_minutes,
            "isUsableOnce": p.tap.is_usable_once,
        }),
    };
    v["@odata.type"] = format!("#microsoft.graph.{}", c.type_name()).into();
    v["includeTargets"] = all_users(c == Config::Fido2);
    v["excludeTargets"] = json!([]);
    v
}

async fn methods_policy(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadAuthPolicies)?;
    let p = authn_policy::load(&*s.store, caller.tenant).await?;
    Ok(Json(json!({
        "@odata.context": format!("{}#authenticationMethodsPolicy", base(&s)),
        "id": "authenticationMethodsPolicy",
        "displayName": "Authentication Methods Policy",
        "description": "The tenant-wide policy that controls which authentication methods are allowed in the tenant, authentication method registration requirements, and self-service password reset settings",
        "lastModifiedDateTime": p.modified.map_or(Value::Null, date),
        "policyVersion": "1.5",
        "authenticationMethodConfigurations": Config::ALL.iter().map(|c| render_config(*c, &p)).collect::<Vec<_>>(),
    })))
}

fn config_context(s: &AppState) -> String {
    format!(
        "{}#policies/authenticationMethodsPolicy/authenticationMethodConfigurations",
        base(s)
    )
}

async fn configuration(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadAuthPolicies)?;
    let c = Config::find(&id)?;
    let p = authn_policy::load(&*s.store, caller.tenant).await?;
    Ok(Json(query::entity(
        config_context(&s),
        render_config(c, &p),
    )))
}

fn invalid(m: impl Into<String>) -> GraphError {
    GraphError::bad_request("badRequest", m)
}

fn read_only(k: &str) -> GraphError {
    GraphError::bad_request(
        "Request_BadRequest",
        format!("Property '{k}' is read-only and cannot be set."),
    )
}

/// A whole number (not a float, a string or null).
fn int(k: &str, v: &Value) -> Result<i64, GraphError> {
    v.as_i64().ok_or_else(|| {
        GraphError::bad_request(
            "Request_BadRequest",
            format!("Invalid value for property '{k}': a whole number expected."),
        )
    })
}

fn state_of(f: &Fields, k: &str, v: &Value) -> Result<bool, GraphError> {
    match f.str(k, v, 16)?.as_str() {
        "enabled" => Ok(true),
        "disabled" => Ok(false),
        _ => Err(invalid("state must be 'enabled' or 'disabled'.")),
    }
}

/// `includeTargets` may only say what Tessera does: every user.
fn check_targets(k: &str, v: &Value) -> Result<(), GraphError> {
    let ok = match (k, v) {
        ("excludeTargets", Value::Array(a)) => a.is_empty(),
        ("includeTargets", Value::Array(a)) => {
            a.len() == 1
                && a[0].as_object().is_some_and(|t| {
                    t.iter().all(|(tk, tv)| match tk.as_str() {
                        "targetType" => tv == "group",
                        "id" => tv == "all_users",
                        "isRegistrationRequired" => tv == false,
                        "@odata.type" => tv.is_string(),
                        _ => false,
                    }) && t.get("id").is_some()
                })
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "{k}: Tessera applies authentication method configurations to all users; only [{{\"targetType\": \"group\", \"id\": \"all_users\"}}] is accepted (and no excludeTargets)."
        )))
    }
}

fn key_restrictions(p: &mut MethodsPolicy, v: &Value) -> Result<(), GraphError> {
    let f = Fields {
        type_name: "fido2KeyRestrictions",
    };
    let Value::Object(o) = v else {
        return Err(invalid("keyRestrictions must be an object."));
    };
    let k = &mut p.fido2.key_restrictions;
    for (name, v) in o {
        match name.as_str() {
            "@odata.type" => {
                if v.as_str() != Some("#microsoft.graph.fido2KeyRestrictions") {
                    return Err(f.unknown(name));
                }
            }
            "isEnforced" => k.is_enforced = f.bool(name, v)?,
            "enforcementType" => {
                k.enforcement_type = match f.str(name, v, 16)?.as_str() {
                    "allow" => EnforcementType::Allow,
                    "block" => EnforcementType::Block,
                    _ => return Err(invalid("enforcementType must be 'allow' or 'block'.")),
                }
            }
            "aaGuids" => {
                let Value::Array(items) = v else {
                    return Err(invalid("aaGuids must be an array of GUIDs."));
                };
                k.aa_guids = items
                    .iter()
                    .map(|i| {
                        i.as_str()
                            .and_then(|s| s.parse::<uuid::Uuid>().ok())
                            .ok_or_else(|| invalid("Each of aaGuids must be a GUID."))
                    })
                    .collect::<Result<_, _>>()?;
            }
            _ => return Err(f.unknown(name)),
        }
    }
    Ok(())
}

/// Applies a PATCH body to `p` (nothing is written here).
fn apply(c: Config, p: &mut MethodsPolicy, b: &Map<String, Value>) -> Result<(), GraphError> {
    let f = Fields {
        type_name: c.type_name(),
    };
    for (k, v) in b {
        match (c, k.as_str()) {
            (_, "@odata.type") => {
                if v.as_str() != Some(&format!("#microsoft.graph.{}", c.type_name())) {
                    return Err(f.unknown(k));
                }
            }
            (_, "id") => {
                if !v.as_str().is_some_and(|id| id.eq_ignore_ascii_case(c.id())) {
                    return Err(read_only(k));
                }
            }
            (_, "includeTargets" | "excludeTargets") => check_targets(k, v)?,
            (Config::Fido2, "state") => p.fido2_enabled = state_of(&f, k, v)?,
            (Config::SoftwareOath, "state") => p.software_oath_enabled = state_of(&f, k, v)?,
            (Config::TemporaryAccessPass, "state") => p.tap.enabled = state_of(&f, k, v)?,
            (Config::Fido2, "isSelfServiceRegistrationAllowed") => {
                p.fido2_self_service = f.bool(k, v)?
            }
            (Config::Fido2, "isAttestationEnforced") => {
                p.fido2.is_attestation_enforced = f.bool(k, v)?
            }
            (Config::Fido2, "keyRestrictions") => key_restrictions(p, v)?,
            (Config::TemporaryAccessPass, "defaultLifetimeInMinutes") => {
                p.tap.default_lifetime_minutes = int(k, v)?
            }
            (Config::TemporaryAccessPass, "minimumLifetimeInMinutes") => {
                p.tap.min_lifetime_minutes = int(k, v)?
            }
            (Config::TemporaryAccessPass, "maximumLifetimeInMinutes") => {
                p.tap.max_lifetime_minutes = int(k, v)?
            }
            (Config::TemporaryAccessPass, "defaultLength") => {
                p.tap.length = usize::try_from(int(k, v)?)
                    .map_err(|_| invalid("defaultLength must be between 8 and 48."))?
            }
            (Config::TemporaryAccessPass, "isUsableOnce") => p.tap.is_usable_once = f.bool(k, v)?,
            _ => return Err(f.unknown(k)),
        }
    }
    p.validate_methods().map_err(invalid)
}

async fn update_configuration(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    b: Bytes,
) -> Result<StatusCode, GraphError> {
    caller.require(Op::WriteAuthPolicies)?;
    let c = Config::find(&id)?;
    let b = body::object(&headers, &b)?;
    let mut p = authn_policy::load(&*s.store, caller.tenant).await?;
    apply(c, &mut p, &b)?;
    authn_policy::save_methods(&*s.store, caller.tenant, &p, SystemClock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

const SECURITY_DEFAULTS_ID: &str = "00000000-0000-0000-0000-000000000005";

async fn security_defaults(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadSecurityDefaults)?;
    let p = authn_policy::load(&*s.store, caller.tenant).await?;
    Ok(Json(json!({
        "@odata.context": format!("{}#policies/identitySecurityDefaultsEnforcementPolicy/$entity", base(&s)),
        "id": SECURITY_DEFAULTS_ID,
        "displayName": "Security Defaults",
        "description": "Security defaults is a set of basic identity security mechanisms recommended by Microsoft. When enabled, these recommendations will be automatically enforced in your organization. Administrators and users will be better protected from common identity related attacks.",
        "isEnabled": p.security_defaults,
    })))
}

async fn update_security_defaults(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    b: Bytes,
) -> Result<StatusCode, GraphError> {
    caller.require(Op::WriteSecurityDefaults)?;
    let f = Fields {
        type_name: "identitySecurityDefaultsEnforcementPolicy",
    };
    let mut enabled = None;
    for (k, v) in body::object(&headers, &b)? {
        match k.as_str() {
            "@odata.type" => {
                if v.as_str() != Some("#microsoft.graph.identitySecurityDefaultsEnforcementPolicy")
                {
                    return Err(f.unknown(&k));
                }
            }
            "isEnabled" => enabled = Some(f.bool(&k, &v)?),
            "id" | "displayName" | "description" => return Err(read_only(&k)),
            _ => return Err(f.unknown(&k)),
        }
    }
    if let Some(on) = enabled {
        authn_policy::save_security_defaults(&*s.store, caller.tenant, on, SystemClock.now())
            .await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// When Entra's built-in strengths appeared; Tessera's never change.
const STRENGTHS_DATE: &str = "2021-12-01T00:00:00Z";

fn render_strength(st: &Strength) -> Value {
    json!({
        "id": st.id,
        "createdDateTime": STRENGTHS_DATE,
        "modifiedDateTime": STRENGTHS_DATE,
        "displayName": st.display_name,
        "description": st.description,
        "policyType": "builtIn",
        "requirementsSatisfied": "mfa",
        "allowedCombinations": st.allowed_combinations(),
    })
}

async fn strengths(
    State(s): State<AppState>,
    caller: Caller,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadAuthPolicies)?;
    let l = Listing::parse(&uri, &headers)?;
    let mut value = Vec::new();
    for st in &strength::BUILT_IN {
        let v = render_strength(st);
        if query::matches(&l, &v)? {
            value.push(v);
        }
    }
    Ok(Json(query::collection(
        format!("{}#policies/authenticationStrengthPolicies", base(&s)),
        value,
        None,
        None,
    )))
}

async fn strength_one(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadAuthPolicies)?;
    let st = strength::by_id(&id)
        .ok_or_else(|| GraphError::not_found(id.chars().take(64).collect::<String>()))?;
    Ok(Json(query::entity(
        format!("{}#policies/authenticationStrengthPolicies", base(&s)),
        render_strength(st),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patch(c: Config, v: Value) -> Result<MethodsPolicy, GraphError> {
        let mut p = MethodsPolicy::default();
        let b: Map<String, Value> = serde_json::from_value(v).unwrap();
        apply(c, &mut p, &b).map(|()| p)
    }

    #[test]
    fn a_configuration_renders_and_patches_back() {
        let p = MethodsPolicy::default();
        for c in Config::ALL {
            let mut v = render_config(c, &p);
            let o = v.as_object_mut().unwrap();
            o.remove("includeTargets");
            assert_eq!(patch(c, v).unwrap(), p, "{c:?}");
        }
    }

    #[test]
    fn bad_patches_are_refused() {
        let g = "cb69481e-8ff7-4039-93ec-0a2729a154a8";
        assert!(patch(
            Config::Fido2,
            json!({ "keyRestrictions": { "aaGuids": [g] } })
        )
        .is_ok());
        for (c, bad) in [
            (Config::Fido2, json!({ "colour": "blue" })),
            (Config::Fido2, json!({ "state": true })),
            (Config::Fido2, json!({ "state": "on" })),
            (
                Config::Fido2,
                json!({ "keyRestrictions": { "aaGuids": ["not-a-guid"] } }),
            ),
            (
                Config::Fido2,
                json!({ "keyRestrictions": { "enforcementType": "deny" } }),
            ),
            (Config::Fido2, json!({ "id": "SoftwareOath" })),
            (
                Config::Fido2,
                json!({ "includeTargets": [{ "targetType": "group", "id": "sales" }] }),
            ),
            (Config::SoftwareOath, json!({ "isUsableOnce": true })),
            (
                Config::TemporaryAccessPass,
                json!({ "minimumLifetimeInMinutes": 600, "maximumLifetimeInMinutes": 60 }),
            ),
            (
                Config::TemporaryAccessPass,
                json!({ "defaultLifetimeInMinutes": "60" }),
            ),
            (Config::TemporaryAccessPass, json!({ "defaultLength": -1 })),
            (Config::TemporaryAccessPass, json!({ "defaultLength": 4 })),
        ] {
            assert!(patch(c, bad.clone()).is_err(), "{c:?} {bad}");
        }
    }
}
