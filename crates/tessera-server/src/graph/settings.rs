//! `/v1.0/groupSettingTemplates` and `/v1.0/groupSettings`: Entra's
//! directory settings, of which Tessera has one — "Password Rule Settings",
//! the tenant's banned-password list and smart-lockout values, mapped onto
//! the password policy sign-in enforces. Values travel as strings, as in
//! Graph; every value is checked and the resulting policy validated before
//! anything is written.
use super::auth::{Caller, Op};
use super::body::{self, Fields};
use super::errors::GraphError;
use super::query;
use crate::authn_policy::{self, PasswordRules};
use crate::clock::SystemClock;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use tessera_model::Clock;
use uuid::{uuid, Uuid};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1.0/groupSettingTemplates", get(templates))
        .route("/v1.0/groupSettingTemplates/{id}", get(template))
        .route("/v1.0/groupSettings", get(list).post(create))
        .route(
            "/v1.0/groupSettings/{id}",
            get(get_one).patch(update).delete(remove),
        )
}

/// Entra's template id of "Password Rule Settings".
pub const PASSWORD_RULES_TEMPLATE: Uuid = uuid!("5cf42378-d67d-4f36-ba46-e8b86229381d");
const DISPLAY_NAME: &str = "Password Rule Settings";

/// The template's values: name, type, default, description (Entra's).
const VALUES: [(&str, &str, &str, &str); 6] = [
    (
        "BannedPasswordCheckOnPremisesMode",
        "System.String",
        "Audit",
        "How should we enforce password policy check in on-premises system.",
    ),
    (
        "EnableBannedPasswordCheckOnPremises",
        "System.Boolean",
        "True",
        "Flag indicating if the banned password check is turned on or not for on-premises system.",
    ),
    (
        "EnableBannedPasswordCheck",
        "System.Boolean",
        "True",
        "Flag indicating if the banned password check for tenant specific banned password list is turned on or not.",
    ),
    (
        "LockoutDurationInSeconds",
        "System.Int32",
        "60",
        "The duration in seconds of the initial lockout period.",
    ),
    (
        "LockoutThreshold",
        "System.Int32",
        "10",
        "The number of failed login attempts before the first lockout period begins.",
    ),
    (
        "BannedPasswordList",
        "System.String",
        "",
        "A tab-delimited banned password list.",
    ),
];

fn render_template() -> Value {
    json!({
        "id": PASSWORD_RULES_TEMPLATE,
        "deletedDateTime": null,
        "displayName": DISPLAY_NAME,
        "description": "Setting templates define the different settings that can be used for the associated ObjectSettings. This template defines settings that can be used for managing tenant-wide password rule settings.",
        "values": VALUES.iter().map(|(name, ty, default, description)| json!({
            "name": name, "type": ty, "defaultValue": default, "description": description,
        })).collect::<Vec<_>>(),
    })
}

fn base(s: &AppState) -> String {
    format!("{}/v1.0/$metadata", s.public_url.trim_end_matches('/'))
}

async fn templates(State(s): State<AppState>, caller: Caller) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadSettings)?;
    Ok(Json(query::collection(
        format!("{}#groupSettingTemplates", base(&s)),
        vec![render_template()],
        None,
        None,
    )))
}

async fn template(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadSettings)?;
    if id.parse::<Uuid>().ok() != Some(PASSWORD_RULES_TEMPLATE) {
        return Err(GraphError::not_found(
            id.chars().take(64).collect::<String>(),
        ));
    }
    Ok(Json(query::entity(
        format!("{}#groupSettingTemplates", base(&s)),
        render_template(),
    )))
}

fn flag(b: bool) -> String {
    if b { "True" } else { "False" }.into()
}

fn render(id: Uuid, r: &PasswordRules) -> Value {
    let p = &r.policy;
    let value = |name: &str| -> String {
        match name {
            "BannedPasswordCheckOnPremisesMode" => r.on_premises_mode.clone(),
            "EnableBannedPasswordCheckOnPremises" => flag(r.on_premises_enabled),
            "EnableBannedPasswordCheck" => flag(p.enforce_custom_list),
            "LockoutDurationInSeconds" => p.lockout_duration_seconds.to_string(),
            "LockoutThreshold" => p.lockout_threshold.to_string(),
            _ => p.banned_passwords.join("\t"),
        }
    };
    json!({
        "id": id,
        "displayName": DISPLAY_NAME,
        "templateId": PASSWORD_RULES_TEMPLATE,
        "values": VALUES.iter().map(|(name, ..)| json!({ "name": name, "value": value(name) })).collect::<Vec<_>>(),
    })
}

fn invalid(m: impl Into<String>) -> GraphError {
    GraphError::bad_request("Request_BadRequest", m)
}

fn read_only(k: &str) -> GraphError {
    invalid(format!("Property '{k}' is read-only and cannot be set."))
}

/// Applies `[{name, value}]` to `r`; names are the template's (matched
/// case-insensitively), values strings of the template's types.
fn apply_values(r: &mut PasswordRules, v: &Value) -> Result<(), GraphError> {
    let Value::Array(items) = v else {
        return Err(invalid("values must be an array of {name, value} objects."));
    };
    let f = Fields {
        type_name: "settingValue",
    };
    for item in items {
        let Value::Object(o) = item else {
            return Err(invalid("values must be an array of {name, value} objects."));
        };
        let (mut name, mut value) = (None, None);
        for (k, v) in o {
            match k.as_str() {
                "@odata.type" => {}
                "name" => name = Some(f.str(k, v, 64)?),
                // Up to 1000 terms of up to 16 characters, tab-separated.
                "value" => value = Some(f.opt_str(k, v, 20_000)?.unwrap_or_default()),
                _ => return Err(f.unknown(k)),
            }
        }
        let (Some(name), Some(value)) = (name, value) else {
            return Err(invalid("Each value needs a name and a value."));
        };
        let Some((canonical, ty, ..)) = VALUES.iter().find(|(n, ..)| n.eq_ignore_ascii_case(&name))
        else {
            return Err(invalid(format!(
                "'{}' is not a value of the Password Rule Settings template.",
                name.chars().take(64).collect::<String>()
            )));
        };
        let bad = || invalid(format!("The value of {canonical} must be a {ty}."));
        let boolean = || match value.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(bad()),
        };
        let p = &mut r.policy;
        match *canonical {
            "BannedPasswordCheckOnPremisesMode" => {
                if !matches!(value.as_str(), "Audit" | "Enforce" | "Enforced") {
                    return Err(invalid(
                        "BannedPasswordCheckOnPremisesMode must be Audit or Enforce.",
                    ));
                }
                r.on_premises_mode = value;
            }
            "EnableBannedPasswordCheckOnPremises" => r.on_premises_enabled = boolean()?,
            "EnableBannedPasswordCheck" => p.enforce_custom_list = boolean()?,
            "LockoutDurationInSeconds" => {
                p.lockout_duration_seconds = value.trim().parse().map_err(|_| bad())?
            }
            "LockoutThreshold" => p.lockout_threshold = value.trim().parse().map_err(|_| bad())?,
            _ => {
                p.banned_passwords = value
                    .split('\t')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
                    .collect()
            }
        }
    }
    r.policy.validate().map_err(invalid)
}

/// The setting named by `id`, if the tenant has it.
async fn existing(s: &AppState, caller: &Caller, id: &str) -> Result<PasswordRules, GraphError> {
    let r = authn_policy::password_rules(&*s.store, caller.tenant).await?;
    match (r.setting_id, id.parse::<Uuid>()) {
        (Some(have), Ok(want)) if have == want => Ok(r),
        _ => Err(GraphError::not_found(
            id.chars().take(64).collect::<String>(),
        )),
    }
}

async fn list(State(s): State<AppState>, caller: Caller) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadSettings)?;
    let r = authn_policy::password_rules(&*s.store, caller.tenant).await?;
    let value = r.setting_id.map(|id| render(id, &r)).into_iter().collect();
    Ok(Json(query::collection(
        format!("{}#groupSettings", base(&s)),
        value,
        None,
        None,
    )))
}

async fn get_one(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, GraphError> {
    caller.require(Op::ReadSettings)?;
    let r = existing(&s, &caller, &id).await?;
    Ok(Json(query::entity(
        format!("{}#groupSettings", base(&s)),
        render(r.setting_id.unwrap_or_default(), &r),
    )))
}

/// Reads a create (`templateId` required) or update body into `r`.
fn apply(r: &mut PasswordRules, b: &Map<String, Value>, creating: bool) -> Result<(), GraphError> {
    let f = Fields {
        type_name: "groupSetting",
    };
    let mut template = None;
    for (k, v) in b {
        match k.as_str() {
            "@odata.type" => {
                if v.as_str() != Some("#microsoft.graph.groupSetting") {
                    return Err(f.unknown(k));
                }
            }
            "templateId" => template = Some(f.str(k, v, 64)?),
            // Graph sets it from the template: the same name may be sent back.
            "displayName" => {
                if f.opt_str(k, v, 256)?.is_some_and(|n| n != DISPLAY_NAME) {
                    return Err(read_only(k));
                }
            }
            "values" => apply_values(r, v)?,
            "id" => return Err(read_only(k)),
            _ => return Err(f.unknown(k)),
        }
    }
    match template.map(|t| t.parse::<Uuid>()) {
        None if creating => Err(invalid("Property 'templateId' is required.")),
        None => Ok(()),
        Some(Ok(t)) if t == PASSWORD_RULES_TEMPLATE => Ok(()),
        Some(_) if creating => Err(invalid(
            "Only the Password Rule Settings template (5cf42378-d67d-4f36-ba46-e8b86229381d) is supported.",
        )),
        Some(_) => Err(read_only("templateId")),
    }
}

async fn create(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    b: Bytes,
) -> Result<Response, GraphError> {
    caller.require(Op::WriteSettings)?;
    let b = body::object(&headers, &b)?;
    let current = authn_policy::password_rules(&*s.store, caller.tenant).await?;
    // A new setting starts from the template's defaults.
    let mut r = PasswordRules {
        policy: tessera_authn::password_policy::PasswordPolicy {
            min_length: current.policy.min_length,
            max_length: current.policy.max_length,
            ..Default::default()
        },
        ..PasswordRules::default()
    };
    apply(&mut r, &b, true)?;
    if current.setting_id.is_some() {
        return Err(invalid(
            "A conflicting object with one or more of the specified property values is present in the directory.",
        ));
    }
    let id = Uuid::new_v4();
    r.setting_id = Some(id);
    authn_policy::save_password_rules(&*s.store, caller.tenant, &r, SystemClock.now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(query::entity(
            format!("{}#groupSettings", base(&s)),
            render(id, &r),
        )),
    )
        .into_response())
}

async fn update(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    b: Bytes,
) -> Result<StatusCode, GraphError> {
    caller.require(Op::WriteSettings)?;
    let b = body::object(&headers, &b)?;
    let mut r = existing(&s, &caller, &id).await?;
    apply(&mut r, &b, false)?;
    authn_policy::save_password_rules(&*s.store, caller.tenant, &r, SystemClock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deleting the setting restores the defaults (as in Entra).
async fn remove(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, GraphError> {
    caller.require(Op::WriteSettings)?;
    let r = existing(&s, &caller, &id).await?;
    let defaults = PasswordRules {
        policy: tessera_authn::password_policy::PasswordPolicy {
            min_length: r.policy.min_length,
            max_length: r.policy.max_length,
            ..Default::default()
        },
        ..PasswordRules::default()
    };
    authn_policy::save_password_rules(&*s.store, caller.tenant, &defaults, SystemClock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(v: Value) -> Result<PasswordRules, GraphError> {
        let mut r = PasswordRules::default();
        apply_values(&mut r, &v).map(|()| r)
    }

    #[test]
    fn values_map_onto_the_password_policy_and_back() {
        let r = values(json!([
            { "name": "BannedPasswordList", "value": "contoso\tfabrikam\t\t" },
            { "name": "enablebannedpasswordcheck", "value": "false" },
            { "name": "LockoutThreshold", "value": "5" },
            { "name": "LockoutDurationInSeconds", "value": "120" },
        ]))
        .unwrap();
        assert_eq!(r.policy.banned_passwords, ["contoso", "fabrikam"]);
        assert!(!r.policy.enforce_custom_list);
        assert_eq!(
            (
                r.policy.lockout_threshold,
                r.policy.lockout_duration_seconds
            ),
            (5, 120)
        );
        let v = render(Uuid::nil(), &r);
        let list = v["values"].as_array().unwrap();
        assert_eq!(list.len(), VALUES.len());
        assert!(
            list.contains(&json!({ "name": "BannedPasswordList", "value": "contoso\tfabrikam" }))
        );
        assert_eq!(values(v["values"].clone()).unwrap(), r);
    }

    #[test]
    fn bad_values_are_refused() {
        for bad in [
            json!({ "name": "LockoutThreshold", "value": "5" }),
            json!([{ "name": "LockoutThreshold", "value": "five" }]),
            json!([{ "name": "LockoutThreshold", "value": 5 }]),
            json!([{ "name": "LockoutThreshold", "value": "0" }]),
            json!([{ "name": "LockoutDurationInSeconds", "value": "1" }]),
            json!([{ "name": "EnableBannedPasswordCheck", "value": "yes" }]),
            json!([{ "name": "BannedPasswordList", "value": "abc" }]),
            json!([{ "name": "BannedPasswordCheckOnPremisesMode", "value": "Off" }]),
            json!([{ "name": "MinimumLength", "value": "12" }]),
            json!([{ "value": "12" }]),
        ] {
            assert!(values(bad.clone()).is_err(), "{bad}");
        }
    }
}
