//! An application's `optionalClaims` (Entra's manifest shape:
//! `{"idToken": [...], "accessToken": [...], "saml2Token": [...]}`, each
//! entry `{"name", "source", "essential", "additionalProperties"}`) and its
//! API's `requestedAccessTokenVersion`. Both are checked when written —
//! names Tessera holds no data for, and settings it cannot apply, are
//! refused naming them (never stored and ignored) — and applied when a
//! token is minted: ID tokens by the client's list, access tokens by the
//! resource's.
use serde_json::{Map, Value};
use tessera_model::{User, UserProfile};

/// Optional claims Tessera emits, and where from.
pub const SUPPORTED: &[&str] = &[
    "email",
    "family_name",
    "given_name",
    "upn",
    "preferred_username",
    "ipaddr",
    "login_hint",
    "auth_time",
    "acct",
    "verified_primary_email",
    "ctry",
    "groups",
];

/// `additionalProperties` Tessera applies: on `groups`, `emit_as_roles`
/// (the groups go in `roles`) and `cloud_displayname` (display names
/// instead of ids); on `upn`, Entra's `include_externally_authenticated_upn`
/// (every user here is the tenant's own, so it changes nothing and is
/// accepted).
const ADDITIONAL: &[(&str, &str)] = &[
    ("groups", "emit_as_roles"),
    ("groups", "cloud_displayname"),
    ("upn", "include_externally_authenticated_upn"),
    ("upn", "include_externally_authenticated_upn_without_hash"),
];

/// One optional claim, as checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionalClaim {
    pub name: String,
    pub additional: Vec<String>,
}

/// The ID-token and access-token lists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OptionalClaims {
    pub id_token: Vec<OptionalClaim>,
    pub access_token: Vec<OptionalClaim>,
}

impl OptionalClaims {
    /// Directory extension attributes the lists name
    /// (`extension_{appId}_{name}`), for the writer to check they exist.
    pub fn extensions(&self) -> Vec<&str> {
        self.id_token
            .iter()
            .chain(&self.access_token)
            .map(|c| c.name.as_str())
            .filter(|n| n.starts_with("extension_"))
            .collect()
    }

    fn list(&self, id_token: bool) -> &[OptionalClaim] {
        if id_token {
            &self.id_token
        } else {
            &self.access_token
        }
    }
}

/// Checks a stored or posted `optionalClaims` value; the error names the
/// offending entry.
pub fn parse(v: Option<&Value>) -> Result<OptionalClaims, String> {
    let mut out = OptionalClaims::default();
    let obj = match v {
        None | Some(Value::Null) => return Ok(out),
        Some(Value::Object(o)) => o,
        Some(_) => return Err("optionalClaims must be an object.".into()),
    };
    for (k, list) in obj {
        let target = match k.as_str() {
            "idToken" => &mut out.id_token,
            "accessToken" => &mut out.access_token,
            "saml2Token" => {
                if list.as_array().is_some_and(|a| !a.is_empty()) {
                    return Err(
                        "optionalClaims.saml2Token cannot be applied: Tessera issues no SAML tokens yet."
                            .into(),
                    );
                }
                continue;
            }
            "@odata.type" => continue,
            other => {
                return Err(format!(
                    "optionalClaims has no list '{}'.",
                    other.chars().take(64).collect::<String>()
                ))
            }
        };
        if list.is_null() {
            continue;
        }
        let Some(items) = list.as_array() else {
            return Err(format!("optionalClaims.{k} must be an array."));
        };
        if items.len() > 50 {
            return Err(format!("optionalClaims.{k} has more than 50 entries."));
        }
        for item in items {
            target.push(parse_one(k, item)?);
        }
    }
    Ok(out)
}

fn parse_one(list: &str, item: &Value) -> Result<OptionalClaim, String> {
    let Value::Object(o) = item else {
        return Err(format!("optionalClaims.{list} entries must be objects."));
    };
    let name = o
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("An optionalClaims.{list} entry has no name."))?;
    let shown: String = name.chars().take(120).collect();
    let source = o.get("source").and_then(Value::as_str);
    let extension = name.starts_with("extension_");
    match source {
        None => {}
        Some(s) if s.eq_ignore_ascii_case("user") && extension => {}
        Some(s) => {
            return Err(format!(
                "The optional claim '{shown}' has source '{}': only directory extension attributes with source 'user' are supported.",
                s.chars().take(32).collect::<String>()
            ))
        }
    }
    if extension && !source.is_some_and(|s| s.eq_ignore_ascii_case("user")) {
        return Err(format!(
            "The optional claim '{shown}' is a directory extension attribute: its source must be 'user'."
        ));
    }
    if !extension && !SUPPORTED.contains(&name) {
        return Err(format!(
            "The optional claim '{shown}' is not one Tessera can emit (supported: {}, and directory extension attributes).",
            SUPPORTED.join(", ")
        ));
    }
    for k in o.keys() {
        if !matches!(
            k.as_str(),
            "name" | "source" | "essential" | "additionalProperties" | "@odata.type"
        ) {
            return Err(format!(
                "Property '{}' does not exist on type 'microsoft.graph.optionalClaim'.",
                k.chars().take(64).collect::<String>()
            ));
        }
    }
    let mut additional = Vec::new();
    match o.get("additionalProperties") {
        None | Some(Value::Null) => {}
        Some(Value::Array(a)) => {
            for p in a {
                let p = p.as_str().ok_or("additionalProperties must be strings.")?;
                if !ADDITIONAL.iter().any(|(n, x)| *n == name && *x == p) {
                    return Err(format!(
                        "The additional property '{}' of the optional claim '{shown}' cannot be applied.",
                        p.chars().take(64).collect::<String>()
                    ));
                }
                additional.push(p.to_string());
            }
        }
        Some(_) => return Err("additionalProperties must be an array.".into()),
    }
    Ok(OptionalClaim {
        name: name.to_string(),
        additional,
    })
}

/// Checks `api.requestedAccessTokenVersion`: `null` (Tessera's v2.0
/// shape), 1 or 2.
pub fn check_token_version(v: Option<i32>) -> Result<(), String> {
    match v {
        None | Some(1) | Some(2) => Ok(()),
        Some(n) => Err(format!(
            "api.requestedAccessTokenVersion must be 1, 2 or null, not {n}."
        )),
    }
}

/// What the optional claims are read from, beyond the user.
pub struct Sources<'a> {
    pub user: &'a User,
    /// The user's extension attribute values.
    pub extensions: &'a [(String, Value)],
    /// The tenant's verified domain names (for `verified_primary_email`).
    pub verified_domains: &'a [String],
    /// The address the request came from (`ipaddr`).
    pub ip: Option<std::net::IpAddr>,
    pub auth_time: i64,
    /// The user's groups as the `groups` claim would carry them, with
    /// their display names (for `emit_as_roles` / `cloud_displayname`).
    pub groups: &'a [(tessera_model::ObjectId, String)],
}

/// Adds the list's claims to a token's claims. A claim with no value for
/// this user is left out, as Entra does.
pub fn apply(claims: &mut Map<String, Value>, oc: &OptionalClaims, id_token: bool, src: &Sources) {
    let u = src.user;
    let p: &UserProfile = &u.profile;
    for c in oc.list(id_token) {
        let value: Option<Value> = match c.name.as_str() {
            "email" => u.mail.clone().map(Value::from),
            "family_name" => u.surname.clone().map(Value::from),
            "given_name" => u.given_name.clone().map(Value::from),
            "upn" | "preferred_username" | "login_hint" => {
                Some(u.user_principal_name.clone().into())
            }
            "ipaddr" => src.ip.map(|ip| ip.to_string().into()),
            "auth_time" => Some(src.auth_time.into()),
            "acct" => Some(
                if p.user_type.as_deref() == Some("Guest") {
                    1
                } else {
                    0
                }
                .into(),
            ),
            "verified_primary_email" => u
                .mail
                .as_deref()
                .filter(|m| {
                    m.rsplit_once('@').is_some_and(|(_, d)| {
                        src.verified_domains
                            .iter()
                            .any(|v| v.eq_ignore_ascii_case(d))
                    })
                })
                .map(|m| Value::Array(vec![m.into()])),
            "ctry" => p
                .usage_location
                .as_deref()
                .or(p.country.as_deref().filter(|c| c.len() == 2))
                .map(|c| c.to_ascii_uppercase().into()),
            "groups" => {
                apply_groups(claims, c, src);
                None
            }
            ext => src
                .extensions
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(ext))
                .map(|(_, v)| v.clone()),
        };
        if let Some(v) = value {
            claims.insert(c.name.clone(), v);
        }
    }
}

/// `groups` with additional properties: display names for ids
/// (`cloud_displayname`), and the groups in `roles` (`emit_as_roles`).
fn apply_groups(claims: &mut Map<String, Value>, c: &OptionalClaim, src: &Sources) {
    let Some(Value::Array(ids)) = claims.get("groups").cloned() else {
        return;
    };
    let mut values: Vec<Value> = ids;
    if c.additional.iter().any(|a| a == "cloud_displayname") {
        values = values
            .into_iter()
            .map(|v| {
                let name = v.as_str().and_then(|id| {
                    src.groups
                        .iter()
                        .find(|(g, _)| g.to_string() == id)
                        .map(|(_, n)| n.clone())
                });
                name.map(Value::from).unwrap_or(v)
            })
            .collect();
    }
    if c.additional.iter().any(|a| a == "emit_as_roles") {
        claims.remove("groups");
        let mut roles = match claims.remove("roles") {
            Some(Value::Array(r)) => r,
            _ => vec![],
        };
        roles.extend(values);
        claims.insert("roles".into(), Value::Array(roles));
    } else {
        claims.insert("groups".into(), Value::Array(values));
    }
}

/// A token's claims as a JSON object, to add to.
pub fn object(
    claims: &impl serde::Serialize,
) -> Result<Map<String, Value>, crate::error::OAuthError> {
    match serde_json::to_value(claims) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(crate::error::OAuthError::new(crate::error::SERVER_ERROR)),
    }
}

/// Entra's v1.0 access-token shape, from the v2.0 claims: `ver` 1.0, the
/// issuer `{base}/{tenant}/`, `appid`/`appidacr` for `azp`/`azpacr`, and, for
/// a user, `upn` and `unique_name`.
pub fn to_v1(claims: &mut Map<String, Value>, public_url: &str) {
    let tid = claims
        .get("tid")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    claims.insert("ver".into(), "1.0".into());
    claims.insert(
        "iss".into(),
        format!("{}/{tid}/", public_url.trim_end_matches('/')).into(),
    );
    if let Some(a) = claims.remove("azp") {
        claims.insert("appid".into(), a);
    }
    if let Some(a) = claims.remove("azpacr") {
        claims.insert("appidacr".into(), a);
    }
    if let Some(name) = claims.remove("preferred_username") {
        claims.insert("upn".into(), name.clone());
        claims.insert("unique_name".into(), name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn what_is_refused_at_write() {
        for (bad, says) in [
            (json!("x"), "must be an object"),
            (
                json!({ "idToken": [{ "name": "favourite_colour" }] }),
                "favourite_colour",
            ),
            (
                json!({ "idToken": [{ "name": "tenant_ctry" }] }),
                "tenant_ctry",
            ),
            (json!({ "saml2Token": [{ "name": "upn" }] }), "saml2Token"),
            (
                json!({ "accessToken": [{ "name": "groups", "additionalProperties": ["sam_account_name"] }] }),
                "sam_account_name",
            ),
            (
                json!({ "accessToken": [{ "name": "email", "source": "user" }] }),
                "source",
            ),
            (
                json!({ "accessToken": [{ "name": "extension_abc_x" }] }),
                "source must be 'user'",
            ),
            (
                json!({ "accessToken": [{ "name": "email", "color": 1 }] }),
                "color",
            ),
            (json!({ "accessToken": [{}] }), "no name"),
            (json!({ "accessToken": "email" }), "array"),
            (json!({ "refreshToken": [] }), "refreshToken"),
        ] {
            let e = parse(Some(&bad)).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
        let ok = parse(Some(&json!({
            "idToken": [{ "name": "email", "essential": false, "source": null, "additionalProperties": [] }],
            "accessToken": [{ "name": "groups", "additionalProperties": ["emit_as_roles"] },
                            { "name": "extension_0123_dept", "source": "user" }],
            "saml2Token": [],
        })))
        .unwrap();
        assert_eq!(ok.id_token.len(), 1);
        assert_eq!(ok.extensions(), vec!["extension_0123_dept"]);
        assert!(check_token_version(Some(3)).is_err());
        assert!(check_token_version(Some(1)).is_ok() && check_token_version(None).is_ok());
    }

    #[test]
    fn v1_shape() {
        let mut c = json!({ "ver": "2.0", "tid": "t1", "azp": "a", "azpacr": "1", "preferred_username": "ada@x", "iss": "https://h/t1/v2.0" })
            .as_object()
            .unwrap()
            .clone();
        to_v1(&mut c, "https://h/");
        assert_eq!(
            Value::Object(c),
            json!({ "ver": "1.0", "tid": "t1", "appid": "a", "appidacr": "1", "upn": "ada@x", "unique_name": "ada@x", "iss": "https://h/t1/" })
        );
    }
}
