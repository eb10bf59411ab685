//! Server-rendered pages (minijinja, HTML auto-escaped): sign-in, consent,
//! error, the `form_post` answer and plain messages. Every page is
//! `no-store`, framing is refused (`frame-ancestors 'none'`), and its CSP
//! names exactly where its forms may post.
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use minijinja::Environment;
use serde::Serialize;
use std::sync::OnceLock;

/// The `form_post` page's only script: submits the form on load.
pub const FORM_POST_SCRIPT: &str = "document.getElementById('form-post').submit();";

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, src) in [
            ("layout.html", include_str!("../../templates/layout.html")),
            ("signin.html", include_str!("../../templates/signin.html")),
            ("consent.html", include_str!("../../templates/consent.html")),
            ("error.html", include_str!("../../templates/error.html")),
            (
                "form_post.html",
                include_str!("../../templates/form_post.html"),
            ),
            ("message.html", include_str!("../../templates/message.html")),
            (
                "devicelogin.html",
                include_str!("../../templates/devicelogin.html"),
            ),
            ("logout.html", include_str!("../../templates/logout.html")),
            ("mfa.html", include_str!("../../templates/mfa.html")),
            (
                "register.html",
                include_str!("../../templates/register.html"),
            ),
            (
                "securityinfo.html",
                include_str!("../../templates/securityinfo.html"),
            ),
            (
                "password_change.html",
                include_str!("../../templates/password_change.html"),
            ),
        ] {
            if let Err(e) = env.add_template(name, src) {
                tracing::error!(template = name, error = %e, "template does not parse");
            }
        }
        env
    })
}

/// `form-action` sources: this server, plus (for pages whose form answers
/// lead to a client) the client's redirect URI origin.
pub fn csp(form_targets: &[String], script_hash: Option<&str>, frames: &[String]) -> String {
    let mut form = String::from("'self'");
    for t in form_targets {
        form.push(' ');
        form.push_str(t);
    }
    let script = script_hash
        .map(|h| format!("'sha256-{h}'"))
        .unwrap_or_else(|| "'none'".into());
    let frame = if frames.is_empty() {
        "'none'".to_string()
    } else {
        frames.join(" ")
    };
    format!(
        "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src {script}; \
         form-action {form}; frame-src {frame}; frame-ancestors 'none'; base-uri 'none'"
    )
}

/// As [`csp`], for pages that load this server's WebAuthn script
/// (`/static/webauthn.js`, `script-src 'self'`; nothing inline).
pub fn csp_with_script(form_targets: &[String]) -> String {
    csp(form_targets, None, &[]).replace("script-src 'none'", "script-src 'self'")
}

/// The origin (`scheme://host[:port]`) of a URL, for CSP.
pub fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    if host.is_empty() || host.contains(['\'', ' ', ';', ',']) {
        return None;
    }
    Some(format!("{scheme}://{host}"))
}

/// A rendered page with its status, CSP and extra headers (cookies).
pub fn render(
    status: StatusCode,
    template: &str,
    ctx: impl Serialize,
    csp: String,
    extra: Vec<(HeaderName, HeaderValue)>,
) -> Response {
    let html = env().get_template(template).and_then(|t| t.render(ctx));
    let html = match html {
        Ok(h) => h,
        Err(e) => {
            tracing::error!(template, error = %e, "page did not render");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The page could not be shown.",
            )
                .into_response();
        }
    };
    let mut res = (status, axum::response::Html(html)).into_response();
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    for (k, v) in extra {
        h.append(k, v);
    }
    res
}

/// A form page's status: 400 when it shows an error, else 200.
pub fn status_for(error: Option<&str>) -> StatusCode {
    if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    }
}

/// The error page: shown instead of redirecting whenever the client or its
/// redirect URI is not trusted.
pub fn error(status: StatusCode, message: &str, request_id: &str) -> Response {
    render(
        status,
        "error.html",
        minijinja::context! { message, request_id },
        csp(&[], None, &[]),
        vec![],
    )
}

/// A message page (signed in on a device, signed out, …), optionally
/// loading `frames` (CSP `frame-src` allows exactly their origins) and
/// moving on to `next`.
pub fn message(
    title: &str,
    text: &str,
    frames: Vec<String>,
    next: Option<String>,
    extra: Vec<(HeaderName, HeaderValue)>,
) -> Response {
    let origins: Vec<String> = frames.iter().filter_map(|f| origin(f)).collect();
    render(
        StatusCode::OK,
        "message.html",
        minijinja::context! { title, message => text, frames, next },
        csp(&[], None, &origins),
        extra,
    )
}

/// SHA-256 (base64) of the form_post script, for its CSP hash.
pub fn form_post_script_hash() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .encode(tessera_crypto::sha256(FORM_POST_SCRIPT.as_bytes()))
}

/// The sign-in pages' one script: WebAuthn ceremonies for the passkey forms.
pub async fn webauthn_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../templates/webauthn.js"),
    )
        .into_response()
}

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../templates/tessera.css"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        for t in [
            "signin.html",
            "consent.html",
            "error.html",
            "form_post.html",
            "message.html",
            "devicelogin.html",
            "logout.html",
            "mfa.html",
            "register.html",
            "securityinfo.html",
            "password_change.html",
        ] {
            assert!(env().get_template(t).is_ok(), "{t}");
        }
    }

    #[test]
    fn origins_and_csp() {
        assert_eq!(
            origin("https://app.example:8443/cb?x=1").as_deref(),
            Some("https://app.example:8443")
        );
        assert_eq!(
            origin("http://localhost").as_deref(),
            Some("http://localhost")
        );
        assert_eq!(origin("nonsense"), None);
        assert_eq!(origin("https://a';b/"), None);
        let c = csp(&["https://app.example".into()], None, &[]);
        assert!(c.contains("form-action 'self' https://app.example;"));
        assert!(c.contains("frame-ancestors 'none'"));
        assert!(c.contains("script-src 'none'"));
    }

    #[test]
    fn pages_escape_what_they_show() {
        let html = env()
            .get_template("error.html")
            .unwrap()
            .render(
                minijinja::context! { message => "<script>alert(1)</script>", request_id => "r" },
            )
            .unwrap();
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("&lt;script&gt;"));
    }
}
