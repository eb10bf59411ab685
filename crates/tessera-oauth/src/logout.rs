//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) and
//! front-channel logout (OpenID Connect Front-Channel Logout 1.0), decided
//! without HTTP. The rules: a `post_logout_redirect_uri` is followed only
//! when it is registered for the client the request verifiably names (its
//! `id_token_hint`, or `client_id`); without a valid `id_token_hint` the user
//! confirms first (a third-party page cannot sign people out silently).
use crate::redirect::match_redirect;
use std::collections::BTreeMap;
use tessera_model::{AppId, Application, ObjectId, TenantId};

/// A logout request's parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogoutRequest {
    pub post_logout_redirect_uri: Option<String>,
    pub id_token_hint: Option<String>,
    pub client_id: Option<AppId>,
    pub state: Option<String>,
}

const MAX_PARAM: usize = 8192;

impl LogoutRequest {
    /// `form`: query or form body (duplicates already refused). Unknown
    /// parameters (`logout_hint`, `ui_locales`, …) are ignored.
    pub fn parse(form: &BTreeMap<String, String>) -> Result<Self, &'static str> {
        if form.values().any(|v| v.len() > MAX_PARAM) {
            return Err("The sign-out request is too large.");
        }
        let client_id = match form.get("client_id") {
            Some(c) => Some(
                c.parse()
                    .map_err(|_| "The client_id is not a valid application id.")?,
            ),
            None => None,
        };
        Ok(Self {
            post_logout_redirect_uri: form.get("post_logout_redirect_uri").cloned(),
            id_token_hint: form.get("id_token_hint").cloned(),
            client_id,
            state: form.get("state").cloned(),
        })
    }
}

/// What a verified `id_token_hint` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hint {
    pub tenant: TenantId,
    pub client: AppId,
    pub sid: Option<ObjectId>,
}

impl Hint {
    /// From the claims of an ID token whose signature and issuer were
    /// verified (see `introspect::signed_claims`).
    pub fn from_claims(claims: &serde_json::Value) -> Option<Self> {
        Some(Self {
            tenant: claims["tid"].as_str()?.parse().ok()?,
            client: claims["aud"].as_str()?.parse().ok()?,
            sid: claims["sid"].as_str().and_then(|s| s.parse().ok()),
        })
    }
}

/// The tenant an ID token claims to be from (unverified: only to pick the
/// keys to verify it with on `common`).
pub use crate::token::jwt_tenant as claimed_tenant;

/// Whether `uri` may be a post-logout redirect for `app`: one of its
/// registered redirect URIs (as Entra requires), matched as redirects are.
pub fn post_logout_allowed(app: &Application, uri: &str) -> bool {
    match_redirect(&app.settings, uri).is_some()
}

/// The post-logout redirect with `state`.
pub fn post_logout_location(uri: &str, state: Option<&str>) -> String {
    match state {
        None => uri.to_string(),
        Some(st) => {
            let sep = if uri.contains('?') { '&' } else { '?' };
            let q = form_urlencoded::Serializer::new(String::new())
                .append_pair("state", st)
                .finish();
            format!("{uri}{sep}{q}")
        }
    }
}

/// An application's front-channel logout URL with `iss` and `sid`
/// (Front-Channel Logout §2), if it registered an absolute HTTPS one (or
/// loopback HTTP, for development): the web redirect rule of
/// [`crate::registration`], so a stored row that breaks it is not used.
pub fn front_channel_url(logout_url: &str, issuer: &str, sid: ObjectId) -> Option<String> {
    let web = crate::redirect::Platform::Web;
    if crate::registration::check_redirect_uri(logout_url, web, None).is_err() {
        return None;
    }
    let sep = if logout_url.contains('?') { '&' } else { '?' };
    let q = form_urlencoded::Serializer::new(String::new())
        .append_pair("iss", issuer)
        .append_pair("sid", &sid.to_string())
        .finish();
    Some(format!("{logout_url}{sep}{q}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_channel_urls_carry_iss_and_sid() {
        let sid = ObjectId::from_u128(7);
        let u =
            front_channel_url("https://app.example/logout?x=1", "https://id/t/v2.0", sid).unwrap();
        assert!(
            u.starts_with("https://app.example/logout?x=1&iss=https%3A%2F%2Fid%2Ft%2Fv2.0&sid=")
        );
        assert!(front_channel_url("javascript:alert(1)", "i", sid).is_none());
        assert!(front_channel_url("http://evil.example/", "i", sid).is_none());
        assert!(front_channel_url("https://a/#frag", "i", sid).is_none());
        // Prefix look-alikes of the loopback hosts, and user info.
        for bad in [
            "http://localhost.evil.example/logout",
            "http://127.0.0.1.evil.example/logout",
            "http://localhost@evil.example/logout",
            "https://u@app.example/logout",
        ] {
            assert!(front_channel_url(bad, "i", sid).is_none(), "{bad}");
        }
        assert!(front_channel_url("http://localhost:3000/logout", "i", sid).is_some());
    }

    #[test]
    fn post_logout_location_appends_state() {
        assert_eq!(
            post_logout_location("https://a/b", Some("s 1")),
            "https://a/b?state=s+1"
        );
        assert_eq!(
            post_logout_location("https://a/b?x=1", Some("s")),
            "https://a/b?x=1&state=s"
        );
        assert_eq!(post_logout_location("https://a/b", None), "https://a/b");
    }

    #[test]
    fn parse_refuses_bad_client_ids_and_huge_values() {
        let mut f = BTreeMap::new();
        f.insert("client_id".to_string(), "nope".to_string());
        assert!(LogoutRequest::parse(&f).is_err());
        f.insert("client_id".to_string(), AppId::from_u128(1).to_string());
        f.insert("state".to_string(), "x".repeat(9000));
        assert!(LogoutRequest::parse(&f).is_err());
    }
}
