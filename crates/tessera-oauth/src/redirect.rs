//! Redirect URI matching for the authorization endpoint (RFC 9700 §4.1:
//! exact string matching; RFC 8252 §7.3: any port for loopback redirects of
//! native apps). The authorize endpoint (next step of the sign-in issue)
//! redirects only to a URI this accepts; anything else gets an error page.
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
    let exact = |list: &[String]| list.iter().any(|r| r == presented);
    if exact(&app.web.redirect_uris) {
        return Some(Platform::Web);
    }
    if exact(&app.spa.redirect_uris) {
        return Some(Platform::Spa);
    }
    if exact(&app.public_client.redirect_uris)
        || app
            .public_client
            .redirect_uris
            .iter()
            .any(|r| loopback_equal_but_port(r, presented))
    {
        return Some(Platform::PublicClient);
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
fn loopback_parts(uri: &str) -> Option<(&str, &str)> {
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
            match_redirect(&a, "myapp://auth"),
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
