//! Which resource a scope names: `{resource}/.default` where the resource is
//! an appId, `api://{appId}`, or one of the directory API's identifiers.
use tessera_model::graph_permissions::{GRAPH_APP_ID, GRAPH_IDENTIFIER_URI};
use tessera_model::AppId;

/// The appId of the resource `identifier` names, if it names one this way.
/// `public_url` is Tessera's own base URL, which also names the directory API.
pub fn resource_app_id(identifier: &str, public_url: &str) -> Option<AppId> {
    let id = identifier.trim_end_matches('/');
    if id.eq_ignore_ascii_case(GRAPH_IDENTIFIER_URI)
        || id.eq_ignore_ascii_case(public_url.trim_end_matches('/'))
    {
        return Some(GRAPH_APP_ID);
    }
    let guid = id.strip_prefix("api://").unwrap_or(id);
    guid.parse().ok()
}

/// Splits `{resource}/.default`; `None` when the scope is not of that form.
pub fn default_scope_resource(scope: &str) -> Option<&str> {
    let mut parts = scope.split_ascii_whitespace();
    let only = parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    only.strip_suffix("/.default").filter(|r| !r.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_and_scopes() {
        let base = "https://id.example.com";
        assert_eq!(
            resource_app_id("https://graph.microsoft.com", base),
            Some(GRAPH_APP_ID)
        );
        assert_eq!(
            resource_app_id("https://id.example.com/", base),
            Some(GRAPH_APP_ID)
        );
        assert_eq!(
            resource_app_id("00000003-0000-0000-c000-000000000000", base),
            Some(GRAPH_APP_ID)
        );
        let g = "6f1c1d0e-8b1e-4f7a-9c3b-2d4e5f607182";
        assert_eq!(
            resource_app_id(&format!("api://{g}"), base),
            Some(g.parse().unwrap())
        );
        assert_eq!(resource_app_id("https://evil.example", base), None);
        assert_eq!(
            default_scope_resource("https://graph.microsoft.com/.default"),
            Some("https://graph.microsoft.com")
        );
        assert_eq!(
            default_scope_resource("api://x/.default  "),
            Some("api://x")
        );
        for bad in [
            "",
            "/.default",
            "User.Read",
            "a/.default b/.default",
            "https://graph.microsoft.com/User.Read",
        ] {
            assert_eq!(default_scope_resource(bad), None, "{bad}");
        }
    }
}
