//! Validating an authorization request (RFC 6749 §4.1.1, RFC 7636, RFC 9700,
//! RFC 9207), decided before any page is shown. The rule that matters most:
//! until the client and its redirect URI are known to match, errors are shown
//! on an error page and **never** redirected (no open redirects); after that,
//! errors go back to the client with its `state` and Tessera's `iss`.
//! Not wired to an endpoint yet: the authorize endpoint and sign-in page are
//! the next step of the sign-in issue.
use crate::redirect::{match_redirect, Platform};
use std::collections::BTreeMap;
use tessera_model::{AppId, Application};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseMode {
    Query,
    Fragment,
    FormPost,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prompt {
    None,
    Login,
    Consent,
    SelectAccount,
}

/// A request that may proceed to sign-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizeRequest {
    pub client_id: AppId,
    pub redirect_uri: String,
    pub platform: Platform,
    pub scope: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub response_mode: ResponseMode,
    pub prompt: Option<Prompt>,
    pub login_hint: Option<String>,
    pub domain_hint: Option<String>,
    pub max_age: Option<u64>,
    /// OIDC `acr_values`: authentication context classes the client asks
    /// for; Tessera's (`urn:tessera:acr:…`) are required, others ignored.
    pub acr_values: Vec<String>,
}

impl AuthorizeRequest {
    /// A request Tessera makes for itself (the device and admin-consent
    /// pages): no PKCE, nonce or prompt; answered in the query if at all.
    pub fn internal(
        client_id: AppId,
        redirect_uri: String,
        platform: Platform,
        scope: Vec<String>,
        state: Option<String>,
    ) -> Self {
        Self {
            client_id,
            redirect_uri,
            platform,
            scope,
            state,
            nonce: None,
            code_challenge: None,
            response_mode: ResponseMode::Query,
            prompt: None,
            login_hint: None,
            domain_hint: None,
            max_age: None,
            acr_values: vec![],
        }
    }
}

/// Why the request cannot proceed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// Shown to the user; never redirected (unknown client, redirect URI not
    /// registered, malformed request before the redirect is trusted).
    ErrorPage { message: String },
    /// Sent back to the client's verified redirect URI.
    Redirect {
        redirect_uri: String,
        mode: ResponseMode,
        error: &'static str,
        description: String,
        state: Option<String>,
    },
}

const MAX_PARAM: usize = 2048;

/// `form`: the request's parameters (query or form body, duplicates already
/// refused by the caller); `app`: the application named by `client_id`, if any.
pub fn validate(
    form: &BTreeMap<String, String>,
    app: Option<&Application>,
) -> Result<AuthorizeRequest, Rejection> {
    let page = |m: &str| Rejection::ErrorPage {
        message: m.to_string(),
    };
    if form.values().any(|v| v.len() > MAX_PARAM) || form.len() > 40 {
        return Err(page("The request is too large."));
    }
    let client_id: AppId = form
        .get("client_id")
        .ok_or_else(|| page("The request has no client_id."))?
        .parse()
        .map_err(|_| page("The client_id is not a valid application id."))?;
    let app = app
        .filter(|a| a.app_id == client_id)
        .ok_or_else(|| page("No application has this client_id."))?;
    let redirect_uri = form
        .get("redirect_uri")
        .ok_or_else(|| page("The request has no redirect_uri."))?;
    let platform = match_redirect(&app.settings, redirect_uri)
        .ok_or_else(|| page("The redirect_uri is not registered for this application."))?;

    // From here on the redirect URI is trusted: errors go back to the client.
    let state = form.get("state").cloned();
    let mode = match form.get("response_mode").map(String::as_str) {
        None | Some("query") => ResponseMode::Query,
        Some("fragment") => ResponseMode::Fragment,
        Some("form_post") => ResponseMode::FormPost,
        Some(_) => ResponseMode::Query,
    };
    let back = |error: &'static str, d: &str| Rejection::Redirect {
        redirect_uri: redirect_uri.clone(),
        mode,
        error,
        description: d.to_string(),
        state: state.clone(),
    };
    if let Some(m) = form.get("response_mode") {
        if !matches!(m.as_str(), "query" | "fragment" | "form_post") {
            return Err(back("invalid_request", "Unsupported response_mode."));
        }
    }
    match form.get("response_type").map(String::as_str) {
        Some("code") => {}
        None => return Err(back("invalid_request", "The request has no response_type.")),
        // The implicit and hybrid flows are refused (RFC 9700 §2.1.2).
        Some(_) => {
            return Err(back(
                "unsupported_response_type",
                "Only response_type=code is supported.",
            ))
        }
    }
    let code_challenge = match (
        form.get("code_challenge"),
        form.get("code_challenge_method").map(String::as_str),
    ) {
        (None, None) => None,
        (Some(c), Some("S256")) if is_s256_challenge(c) => Some(c.clone()),
        (Some(_), Some("S256")) => {
            return Err(back(
                "invalid_request",
                "code_challenge must be 43 base64url characters.",
            ))
        }
        (Some(_), None | Some("plain")) | (None, Some(_)) => {
            return Err(back(
                "invalid_request",
                "PKCE must use code_challenge_method=S256 with a code_challenge.",
            ))
        }
        (Some(_), Some(_)) => {
            return Err(back(
                "invalid_request",
                "Unsupported code_challenge_method.",
            ))
        }
    };
    // Public clients (SPA, native) must use PKCE.
    if code_challenge.is_none() && platform != Platform::Web {
        return Err(back(
            "invalid_request",
            "PKCE (code_challenge with S256) is required for public clients.",
        ));
    }
    let prompt = match form.get("prompt").map(String::as_str) {
        None => None,
        Some("none") => Some(Prompt::None),
        Some("login") => Some(Prompt::Login),
        Some("consent") => Some(Prompt::Consent),
        Some("select_account") => Some(Prompt::SelectAccount),
        Some(_) => return Err(back("invalid_request", "Unsupported prompt value.")),
    };
    let max_age = match form.get("max_age") {
        None => None,
        Some(v) => Some(
            v.parse::<u64>()
                .map_err(|_| back("invalid_request", "max_age must be a number of seconds."))?,
        ),
    };
    let acr_values: Vec<String> = form
        .get("acr_values")
        .map(|s| s.split_ascii_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    if acr_values.len() > 10 || acr_values.iter().any(|a| a.len() > 200) {
        return Err(back("invalid_request", "acr_values is too long."));
    }
    let scope: Vec<String> = form
        .get("scope")
        .map(|s| s.split_ascii_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    if scope.is_empty() {
        return Err(back("invalid_scope", "The request has no scope."));
    }
    Ok(AuthorizeRequest {
        client_id,
        redirect_uri: redirect_uri.clone(),
        platform,
        scope,
        state,
        nonce: form.get("nonce").cloned(),
        code_challenge,
        response_mode: mode,
        prompt,
        login_hint: form.get("login_hint").cloned(),
        domain_hint: form.get("domain_hint").cloned(),
        max_age,
        acr_values,
    })
}

/// S256 challenges are base64url(SHA-256(verifier)): exactly 43 characters.
fn is_s256_challenge(c: &str) -> bool {
    c.len() == 43
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_model::*;

    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn app() -> Application {
        Application {
            id: ObjectId::from_u128(1),
            app_id: AppId::from_u128(2),
            display_name: "App".into(),
            sign_in_audience: SignInAudience::AzureADMyOrg,
            settings: ApplicationSettings {
                web: WebApplication {
                    redirect_uris: vec!["https://app.example/cb".into()],
                    logout_url: None,
                },
                spa: RedirectUris {
                    redirect_uris: vec!["https://spa.example/".into()],
                },
                ..Default::default()
            },
            created_date_time: time::OffsetDateTime::UNIX_EPOCH,
        }
    }

    fn form(extra: &[(&str, &str)]) -> BTreeMap<String, String> {
        let mut f: BTreeMap<String, String> = [
            ("client_id", "00000000-0000-0000-0000-000000000002"),
            ("redirect_uri", "https://app.example/cb"),
            ("response_type", "code"),
            ("scope", "openid profile"),
            ("state", "xyz"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (k, v) in extra {
            if v.is_empty() {
                f.remove(*k);
            } else {
                f.insert(k.to_string(), v.to_string());
            }
        }
        f
    }

    fn redirected_error(r: Result<AuthorizeRequest, Rejection>) -> &'static str {
        match r {
            Err(Rejection::Redirect {
                error,
                state,
                redirect_uri,
                ..
            }) => {
                assert_eq!(state.as_deref(), Some("xyz"), "state goes back");
                assert!(redirect_uri.starts_with("https://"));
                error
            }
            other => panic!("expected a redirected error, got {other:?}"),
        }
    }

    #[test]
    fn valid_requests() {
        let a = app();
        let r = validate(&form(&[]), Some(&a)).unwrap();
        assert_eq!(
            (r.platform, r.response_mode, r.scope.len()),
            (Platform::Web, ResponseMode::Query, 2)
        );
        let spa = form(&[
            ("redirect_uri", "https://spa.example/"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
            ("response_mode", "fragment"),
            ("prompt", "none"),
            ("max_age", "0"),
        ]);
        let r = validate(&spa, Some(&a)).unwrap();
        assert_eq!(
            (r.platform, r.response_mode, r.prompt, r.max_age),
            (
                Platform::Spa,
                ResponseMode::Fragment,
                Some(Prompt::None),
                Some(0)
            )
        );
    }

    #[test]
    fn untrusted_requests_get_an_error_page_never_a_redirect() {
        let a = app();
        for (extra, why) in [
            (vec![("client_id", "")], "no client"),
            (vec![("client_id", "nope")], "bad client"),
            (
                vec![("client_id", "00000000-0000-0000-0000-000000000009")],
                "unknown client",
            ),
            (vec![("redirect_uri", "")], "no redirect"),
            (
                vec![("redirect_uri", "https://evil.example/cb")],
                "open redirect",
            ),
            (
                vec![("redirect_uri", "https://app.example/cb/../../evil")],
                "path trick",
            ),
            // Even an otherwise-fatal error is not redirected to an unregistered URI.
            (
                vec![
                    ("redirect_uri", "https://evil.example/"),
                    ("response_type", "token"),
                ],
                "implicit to evil",
            ),
        ] {
            let r = validate(&form(&extra), Some(&a));
            assert!(
                matches!(r, Err(Rejection::ErrorPage { .. })),
                "{why}: {r:?}"
            );
        }
        assert!(matches!(
            validate(&form(&[]), None),
            Err(Rejection::ErrorPage { .. })
        ));
        let big = "x".repeat(5000);
        assert!(matches!(
            validate(&form(&[("state", &big)]), Some(&a)),
            Err(Rejection::ErrorPage { .. })
        ));
    }

    #[test]
    fn trusted_requests_get_errors_redirected_with_state() {
        let a = app();
        let spa = |extra: &[(&str, &str)]| {
            let mut f = form(&[("redirect_uri", "https://spa.example/")]);
            for (k, v) in extra {
                f.insert(k.to_string(), v.to_string());
            }
            f
        };
        assert_eq!(
            redirected_error(validate(&form(&[("response_type", "token")]), Some(&a))),
            "unsupported_response_type"
        );
        assert_eq!(
            redirected_error(validate(
                &form(&[("response_type", "code id_token")]),
                Some(&a)
            )),
            "unsupported_response_type"
        );
        assert_eq!(
            redirected_error(validate(&form(&[("response_type", "")]), Some(&a))),
            "invalid_request"
        );
        // PKCE: required for public clients, S256 only, well-formed.
        assert_eq!(
            redirected_error(validate(&spa(&[]), Some(&a))),
            "invalid_request"
        );
        assert_eq!(
            redirected_error(validate(
                &spa(&[
                    ("code_challenge", CHALLENGE),
                    ("code_challenge_method", "plain")
                ]),
                Some(&a)
            )),
            "invalid_request"
        );
        assert_eq!(
            redirected_error(validate(&spa(&[("code_challenge", CHALLENGE)]), Some(&a))),
            "invalid_request"
        );
        assert_eq!(
            redirected_error(validate(
                &spa(&[
                    ("code_challenge", "short"),
                    ("code_challenge_method", "S256")
                ]),
                Some(&a)
            )),
            "invalid_request"
        );
        assert_eq!(
            redirected_error(validate(
                &form(&[("code_challenge_method", "S256")]),
                Some(&a)
            )),
            "invalid_request"
        );
        assert_eq!(
            redirected_error(validate(&form(&[("prompt", "always")]), Some(&a))),
            "invalid_request"
        );
        assert_eq!(
            redirected_error(validate(&form(&[("max_age", "-1")]), Some(&a))),
            "invalid_request"
        );
        assert_eq!(
            redirected_error(validate(
                &form(&[("response_mode", "web_message")]),
                Some(&a)
            )),
            "invalid_request"
        );
        assert_eq!(
            redirected_error(validate(&form(&[("scope", "")]), Some(&a))),
            "invalid_scope"
        );
        // A confidential web client may omit PKCE; if it sends it, it is checked.
        assert!(validate(&form(&[]), Some(&a)).is_ok());
    }
}
