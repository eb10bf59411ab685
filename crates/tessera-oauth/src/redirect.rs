//! Redirect URI matching for the authorization endpoint (RFC 9700 §4.1:
//! exact string matching; RFC 8252 §7.3: any port for loopback redirects of
//! native apps). The authorize endpoint redirects only to a URI this
//! accepts; anything else gets an error page. A registered URI is honoured
//! only while it passes [`crate::registration::check_redirect_uri`] for its
//! platform, so a row stored before a rule existed (a `javascript:` or
//! non-loopback `http:` URI, say) matches nothing.
use crate::registration::check_redirect_uri;
use tessera_model::ApplicationSettings;

/// Where a redirect URI is registered, which decides the client's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    /// Confidential web app (server side).
    Web,
    /// Single-page app: public client, PKCE required, CORS on the token endpoint.
    Spa,
    /// Native or mobile app: public client, PKCE required, loopback any port.
    PublicClient,
}

/// The platform under which `presented` is registered, if it is.
pub fn match_redirect(app: &ApplicationSettings, presented: &str) -> Option<Platform> {
    if !well_formed(presented) {
        return None;
    }
    let usable = |r: &String, p| check_redirect_uri(r, p, None).is_ok();
    let exact = |list: &[String], p| list.iter().any(|r| r == presented && usable(r, p));
    if exact(&app.web.redirect_uris, Platform::Web) {
        return Some(Platform::Web);
    }
    if exact(&app.spa.redirect_uris, Platform::Spa) {
        return Some(Platform::Spa);
    }
    let native = Platform::PublicClient;
    if exact(&app.public_client.redirect_uris, native)
        || app
            .public_client
            .redirect_uris
            .iter()
            .any(|r| loopback_equal_but_port(r, presented) && usable(r, native))
    {
        return Some(native);
    }
    None
}

/// No fragment (RFC 6749 §3.1.2), no user info, no whitespace or control
/// characters, not absurdly long.
fn well_formed(uri: &str) -> bool {
    uri.len() <= 2048
        && !uri.contains('#')
        && !uri
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
        && authority(uri).is_some_and(|a| !a.contains('@'))
}

fn authority(uri: &str) -> Option<&str> {
    let rest = uri.split_once("://")?.1;
    Some(rest.split(['/', '?']).next().unwrap_or(""))
}

/// `http://{loopback}[:port]{rest}` split into (host, rest) with a valid port.
pub(crate) fn loopback_parts(uri: &str) -> Option<(&str, &str)> {
    let rest = uri.strip_prefix("http://")?;
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (auth, tail) = rest.split_at(end);
    let (host, port) = if let Some(v6) = auth.strip_prefix("[::1]") {
        ("[::1]", v6)
    } else {
        match auth.split_once(':') {
            Some((h, p)) => (h, &auth[h.len()..][..1 + p.len()]),
            None => (auth, ""),
        }
    };
    if !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
        return None;
    }
    match port.strip_prefix(':') {
        None if port.is_empty() => {}
        Some(p)
            if !p.is_empty()
                && p.len() <= 5
                && p.bytes().all(|b| b.is_ascii_digit())
                && p.parse::<u16>().is_ok() => {}
        _ => return None,
    }
    Some((host, tail))
}

/// RFC 8252 §7.3: a native app's loopback redirect matches whatever port the
/// app bound at run time; host, path and query must still match exactly.
fn loopback_equal_but_port(registered: &str, presented: &str) -> bool {
    match (loopback_parts(registered), loopback_parts(presented)) {
        (Some((h1, t1)), Some((h2, t2))) => h1 == h2 && t1 == t2,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_model::{RedirectUris, WebApplication};

    fn app() -> ApplicationSettings {
        ApplicationSettings {
            web: WebApplication {
                redirect_uris: vec!["https://app.example/cb".into()],
                logout_url: None,
            },
            spa: RedirectUris {
                redirect_uris: vec!["https://spa.example/".into()],
            },
            public_client: RedirectUris {
                redirect_uris: vec![
                    "http://127.0.0.1/native".into(),
                    "http://localhost".into(),
                    "com.example.notes://auth".into(),
                    "myapp://auth".into(),
                ],
            },
            ..Default::default()
        }
    }

    #[test]
    fn exact_matches_by_platform() {
        let a = app();
        assert_eq!(
            match_redirect(&a, "https://app.example/cb"),
            Some(Platform::Web)
        );
        assert_eq!(
            match_redirect(&a, "https://spa.example/"),
            Some(Platform::Spa)
        );
        assert_eq!(
            match_redirect(&a, "com.example.notes://auth"),
            Some(Platform::PublicClient)
        );
    }

    /// Rows stored before the registration rules (or written around them):
    /// a registered URI that the rules now refuse is never redirected to.
    #[test]
    fn stored_uris_the_rules_refuse_match_nothing() {
        let mut a = app();
        a.web.redirect_uris.extend([
            "javascript:alert(1)".to_string(),
            "http://app.example/cb".to_string(),
            "https://u:p@app.example/cb".to_string(),
        ]);
        a.spa
            .redirect_uris
            .push("data:text/html,<script>x</script>".into());
        a.public_client.redirect_uris.extend([
            "vbscript:msgbox".to_string(),
            "file:///etc/passwd".to_string(),
        ]);
        for stored in [
            "myapp://auth",
            "javascript:alert(1)",
            "http://app.example/cb",
            "https://u:p@app.example/cb",
            "data:text/html,<script>x</script>",
            "vbscript:msgbox",
            "file:///etc/passwd",
        ] {
            assert_eq!(match_redirect(&a, stored), None, "{stored}");
        }
        // The same loopback URI stays usable (any port) for native apps.
        assert_eq!(
            match_redirect(&a, "http://localhost:5050"),
            Some(Platform::PublicClient)
        );
    }

    #[test]
    fn redirect_tricks_are_refused() {
        let a = app();
        for evil in [
            "https://app.example/cb/evil",     // path suffix
            "https://app.example/cbx",         // string suffix
            "https://app.example/c",           // prefix
            "https://app.example/cb/",         // trailing slash
            "https://app.example/cb?x=1",      // added query
            "https://app.example/cb#frag",     // fragment
            "https://app.example/cb/../cb",    // dot segments
            "https://app.example/%63b",        // percent-encoding of 'c'
            "https://APP.EXAMPLE/cb",          // case
            "HTTPS://app.example/cb",          // scheme case
            "http://app.example/cb",           // downgrade
            "https://app.example.evil.com/cb", // host suffix
            "https://evil.com/https://app.example/cb",
            "https://app.example@evil.com/cb",   // user info
            "https://evil.com\\@app.example/cb", // backslash confusion
            "https://app.example:443/cb",        // explicit default port
            " https://app.example/cb",           // whitespace
            "https://app.example/cb\n",          // control character
            "//app.example/cb",                  // scheme-relative
            "",
        ] {
            assert_eq!(match_redirect(&a, evil), None, "{evil:?}");
        }
    }

    #[test]
    fn loopback_any_port_only_for_native_apps() {
        let a = app();
        for ok in [
            "http://127.0.0.1:51234/native",
            "http://127.0.0.1/native",
            "http://localhost:8400",
            "http://localhost",
        ] {
            assert_eq!(match_redirect(&a, ok), Some(Platform::PublicClient), "{ok}");
        }
        for bad in [
            "http://127.0.0.1:51234/native/x", // other path
            "http://127.0.0.1:51234/nativex",
            "http://127.0.0.2:51234/native", // other loopback address than registered
            "http://localhost.evil.com:80",  // not loopback
            "http://127.0.0.1:99999/native", // no such port
            "http://127.0.0.1:/native",      // empty port
            "http://127.0.0.1:80a/native",
            "https://127.0.0.1:5000/native", // other scheme than registered
            "http://localhost:8400/x",
        ] {
            assert_eq!(match_redirect(&a, bad), None, "{bad}");
        }
        // A web app's loopback URI is matched exactly (no port freedom).
        let mut w = ApplicationSettings::default();
        w.web.redirect_uris.push("http://localhost:3000/cb".into());
        assert_eq!(
            match_redirect(&w, "http://localhost:3000/cb"),
            Some(Platform::Web)
        );
        assert_eq!(match_redirect(&w, "http://localhost:3001/cb"), None);
    }
}
