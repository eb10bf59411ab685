//! Delegated scopes as Entra reads them. A request names one resource: its
//! scopes are `{resource}/{value}` (the resource an appId, `api://…` or a URI),
//! bare values for the directory API (`User.Read`), or `{resource}/.default`
//! (everything the app registration declares for that resource). `openid`,
//! `profile`, `email` and `offline_access` are the directory API's own
//! delegated permissions, consented like any other and never choose the
//! resource on their own.
use crate::resource::resource_app_id;
use tessera_model::graph_permissions::GRAPH_APP_ID;
use tessera_model::{AppId, Application, PermissionScope};

pub const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];

/// A request's scopes, split by meaning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requested {
    /// The resource the access token is for.
    pub resource: AppId,
    /// Its scope values as named (`.default` not expanded yet), in order.
    pub values: Vec<String>,
    /// `openid`, `profile`, `email`, `offline_access` as asked.
    pub oidc: Vec<String>,
    /// Whether `{resource}/.default` was asked.
    pub default: bool,
    /// The resource as the client named it (`api://…`), for the answer.
    pub prefix: Option<String>,
}

impl Requested {
    pub fn wants(&self, oidc: &str) -> bool {
        self.oidc.iter().any(|s| s == oidc)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScopeError {
    /// More than one resource named (Entra: AADSTS28000).
    SeveralResources,
    /// A scope names no resource Tessera knows.
    UnknownResource(String),
    Empty,
}

/// Splits a space-separated `scope` parameter. `public_url` also names the
/// directory API.
pub fn parse(scope: &str, public_url: &str) -> Result<Requested, ScopeError> {
    let mut resource: Option<AppId> = None;
    let mut values = Vec::new();
    let mut oidc = Vec::new();
    let mut default = false;
    let mut prefix = None;
    let mut any = false;
    for s in scope.split_ascii_whitespace() {
        any = true;
        if OIDC_SCOPES.contains(&s) {
            if !oidc.iter().any(|o| o == s) {
                oidc.push(s.to_string());
            }
            continue;
        }
        let (res, value) = match s.rsplit_once('/') {
            Some((r, v)) if !r.is_empty() && !v.is_empty() => {
                let id = resource_app_id(r, public_url)
                    .ok_or_else(|| ScopeError::UnknownResource(r.to_string()))?;
                prefix.get_or_insert_with(|| r.to_string());
                (id, v)
            }
            Some(_) => return Err(ScopeError::UnknownResource(s.to_string())),
            None => (GRAPH_APP_ID, s),
        };
        match resource {
            Some(r) if r != res => return Err(ScopeError::SeveralResources),
            _ => resource = Some(res),
        }
        if value == ".default" {
            default = true;
        } else if !values.iter().any(|v| v == value) {
            values.push(value.to_string());
        }
    }
    if !any {
        return Err(ScopeError::Empty);
    }
    Ok(Requested {
        resource: resource.unwrap_or(GRAPH_APP_ID),
        values,
        oidc,
        default,
        prefix,
    })
}

/// The scope values a request asks consent for on its resource: what it
/// named, `.default` expanded to the client's `requiredResourceAccess` on the
/// resource, and the OIDC scopes (on the directory API, where they live; on
/// another resource they are asked of the directory API separately).
pub fn expand(
    req: &Requested,
    client: &Application,
    resource_scopes: &[PermissionScope],
) -> Vec<String> {
    let mut out = req.values.clone();
    if req.default {
        for rra in &client.settings.required_resource_access {
            if rra.resource_app_id != req.resource {
                continue;
            }
            for access in rra.resource_access.iter().filter(|a| a.kind == "Scope") {
                if let Some(s) = resource_scopes.iter().find(|s| s.id == access.id) {
                    if !out.contains(&s.value) {
                        out.push(s.value.clone());
                    }
                }
            }
        }
    }
    out
}

/// Values `resource_scopes` does not define (or has disabled).
pub fn unknown<'a>(values: &'a [String], resource_scopes: &[PermissionScope]) -> Vec<&'a str> {
    values
        .iter()
        .filter(|v| {
            !resource_scopes
                .iter()
                .any(|s| s.is_enabled && s.value == **v)
        })
        .map(String::as_str)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://id.example";

    #[test]
    fn graph_by_default_and_by_name() {
        let r = parse("openid profile offline_access User.Read", BASE).unwrap();
        assert_eq!(r.resource, GRAPH_APP_ID);
        assert_eq!(r.values, vec!["User.Read"]);
        assert_eq!(r.oidc, vec!["openid", "profile", "offline_access"]);
        assert!(r.wants("offline_access") && !r.wants("email"));
        let r = parse("https://graph.microsoft.com/User.Read openid", BASE).unwrap();
        assert_eq!(
            (r.resource, r.values.clone()),
            (GRAPH_APP_ID, vec!["User.Read".to_string()])
        );
        let r = parse("openid", BASE).unwrap();
        assert_eq!((r.resource, r.values.len()), (GRAPH_APP_ID, 0));
        let r = parse("https://id.example/.default", BASE).unwrap();
        assert!(r.default && r.values.is_empty());
    }

    #[test]
    fn custom_apis() {
        let g = "6f1c1d0e-8b1e-4f7a-9c3b-2d4e5f607182";
        let r = parse(&format!("api://{g}/access_as_user openid {g}/other"), BASE).unwrap();
        assert_eq!(r.resource, g.parse().unwrap());
        assert_eq!(r.values, vec!["access_as_user", "other"]);
        assert_eq!(
            parse(&format!("api://{g}/x User.Read"), BASE),
            Err(ScopeError::SeveralResources)
        );
        assert!(matches!(
            parse("https://evil.example/x", BASE),
            Err(ScopeError::UnknownResource(_))
        ));
        assert!(matches!(
            parse("/x", BASE),
            Err(ScopeError::UnknownResource(_))
        ));
        assert!(matches!(
            parse("api://x/", BASE),
            Err(ScopeError::UnknownResource(_))
        ));
        assert_eq!(parse("   ", BASE), Err(ScopeError::Empty));
    }
}
