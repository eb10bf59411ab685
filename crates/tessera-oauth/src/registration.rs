//! What an application may register: its redirect URIs (RFC 6749 §3.1.2,
//! RFC 8252 §7, RFC 9700 §2.1 and §4.1) and its identifier URIs. Pure rules,
//! used when a registration is written (Graph `POST`/`PATCH
//! /v1.0/applications`) and again when a stored redirect URI is about to be
//! used ([`crate::redirect::match_redirect`]), so that a row written before
//! a rule existed cannot send a code or token to a now-forbidden place.
//!
//! Redirect URIs, by platform:
//! - `web` and `spa`: `https://{host}…`, or `http://` on a loopback host
//!   (`localhost`, `127.0.0.1`, `[::1]`; any port and path).
//! - `publicClient` (native and mobile apps): the same, and private-use URI
//!   schemes (RFC 8252 §7.1):
//!   - a reverse-domain scheme, i.e. one containing a period
//!     (`com.example.app:/callback`; MSAL for iOS/macOS uses
//!     `msauth.{bundle id}://auth`);
//!   - `msal{appId}://…`, MSAL.NET's default on mobile and desktop: only
//!     with the application's own appId (at write; at use, any appId, as
//!     the registration no longer names the application);
//!   - `msauth://{package}/{signature hash}`, MSAL for Android's: the
//!     authority is the app's package name, which must contain a period.
//!
//! Every other scheme is refused (`javascript:`, `data:`, `vbscript:`,
//! `file:`, `myapp://`, …), as are fragments, user info, wildcards,
//! whitespace, control and non-ASCII characters, backslashes, and URIs longer
//! than [`MAX_URI_LEN`]. Registered URIs are matched exactly (see
//! [`crate::redirect`]), so nothing is normalised here.
//!
//! Identifier URIs: `api://…` or `https://…` with an authority, no user
//! info, fragment or wildcard, printable ASCII, at most [`MAX_URI_LEN`]; not
//! one of the directory API's names; `api://{guid}` only with the
//! application's own appId or the tenant's id (the token endpoint reads
//! `api://{guid}` as the application with that appId); not listed twice.
//! Uniqueness across applications is the store's unique index (see
//! [`tessera_store::identifier_uri_key`]).
use crate::redirect::{loopback_parts, Platform};
use tessera_model::graph_permissions::{GRAPH_APP_ID, GRAPH_IDENTIFIER_URI};
use tessera_model::{AppId, ApplicationSettings, TenantId};
use tessera_store::identifier_uri_key;

/// The longest redirect or identifier URI Tessera accepts (Entra's limit).
pub const MAX_URI_LEN: usize = 256;

/// The most redirect URIs one platform of an application may hold.
pub const MAX_REDIRECT_URIS: usize = 256;

/// Why a URI cannot be registered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UriProblem {
    Empty,
    TooLong,
    /// Whitespace, control or non-ASCII characters, or a backslash.
    Characters,
    Fragment,
    Wildcard,
    UserInfo,
    /// Not an absolute URI of the expected shape (bad scheme, no host,
    /// bad port, upper-case `HTTP`/`HTTPS`).
    Malformed,
    /// web or spa: a scheme other than https or loopback http.
    Scheme,
    /// publicClient: a scheme that is neither https, loopback http nor an
    /// accepted private-use scheme.
    PrivateScheme,
    /// `msal{appId}` with another application's appId.
    ForeignMsalScheme,
    HttpNotLoopback,
    /// An identifier URI that is neither `api://` nor `https://`.
    IdentifierScheme,
    /// One of the directory API's identifier URIs.
    Reserved,
    /// `api://{guid}` naming another application.
    OtherApplication,
    /// The same identifier URI twice in one application.
    Repeated,
    /// One redirect URI more than [`MAX_REDIRECT_URIS`] on a platform.
    TooMany,
}

impl UriProblem {
    /// A sentence fragment for the error message.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Empty => "is empty",
            Self::TooLong => "is longer than 256 characters",
            Self::Characters => {
                "contains whitespace, control or non-ASCII characters, or a backslash"
            }
            Self::Fragment => "contains a fragment (#), which a redirect URI may not have",
            Self::Wildcard => "contains a wildcard (*)",
            Self::UserInfo => "contains user information (user@host)",
            Self::Malformed => "is not an absolute URI with a lower-case scheme and a valid host",
            Self::Scheme => {
                "must use https, or http on a loopback address (localhost, 127.0.0.1, [::1])"
            }
            Self::PrivateScheme => {
                "must use https, http on a loopback address, a reverse-domain private-use scheme \
                 (com.example.app:/callback), msal{appId}:// or msauth://{package}/{hash}"
            }
            Self::ForeignMsalScheme => "uses the msal scheme of another application's appId",
            Self::HttpNotLoopback => {
                "uses http on a host that is not loopback (localhost, 127.0.0.1, [::1]); use https"
            }
            Self::IdentifierScheme => "must be api://… or https://… with a host",
            Self::Reserved => "is an identifier of the directory API",
            Self::OtherApplication => "names another application's appId",
            Self::Repeated => "is listed twice",
            Self::TooMany => "is one more than the 256 redirect URIs a platform may have",
        }
    }
}

/// A refused URI: the Graph property it was written under, the value, why.
#[derive(Debug, PartialEq, Eq)]
pub struct Refused {
    pub property: &'static str,
    pub value: String,
    pub problem: UriProblem,
}

/// Every URI of an application about to be written: the redirect URIs of
/// each platform, the front-channel logout URL (by the web rule) and the
/// identifier URIs (see [`check_identifier_uris`] for `reserved`).
pub fn check_application_uris(
    st: &ApplicationSettings,
    app: AppId,
    tenant: TenantId,
    reserved: &[String],
) -> Result<(), Refused> {
    let refused = |property, value: &str, problem| Refused {
        property,
        value: value.to_string(),
        problem,
    };
    for (property, uris, platform) in [
        ("web.redirectUris", &st.web.redirect_uris, Platform::Web),
        ("spa.redirectUris", &st.spa.redirect_uris, Platform::Spa),
        (
            "publicClient.redirectUris",
            &st.public_client.redirect_uris,
            Platform::PublicClient,
        ),
    ] {
        if let Some(extra) = uris.get(MAX_REDIRECT_URIS) {
            return Err(refused(property, extra, UriProblem::TooMany));
        }
        for u in uris {
            check_redirect_uri(u, platform, Some(app)).map_err(|p| refused(property, u, p))?;
        }
    }
    if let Some(u) = st.web.logout_url.as_deref() {
        check_redirect_uri(u, Platform::Web, Some(app))
            .map_err(|p| refused("web.logoutUrl", u, p))?;
    }
    check_identifier_uris(&st.identifier_uris, app, tenant, reserved)
        .map_err(|(i, p)| refused("identifierUris", &st.identifier_uris[i], p))
}

/// Checks one redirect URI for `platform`. `app` is the application's appId
/// at write (its own `msal{appId}` scheme only), `None` at use.
pub fn check_redirect_uri(
    uri: &str,
    platform: Platform,
    app: Option<AppId>,
) -> Result<(), UriProblem> {
    characters(uri)?;
    let (scheme, rest) = split_scheme(uri).ok_or(UriProblem::Malformed)?;
    let lower = scheme.to_ascii_lowercase();
    let auth = authority(rest);
    if auth.is_some_and(|a| a.contains('@')) {
        return Err(UriProblem::UserInfo);
    }
    match lower.as_str() {
        "https" | "http" if scheme != lower => Err(UriProblem::Malformed),
        "https" => host_and_port(auth.ok_or(UriProblem::Malformed)?),
        "http" => {
            host_and_port(auth.ok_or(UriProblem::Malformed)?)?;
            loopback_parts(uri)
                .map(|_| ())
                .ok_or(UriProblem::HttpNotLoopback)
        }
        _ if platform != Platform::PublicClient => Err(UriProblem::Scheme),
        _ => private_scheme(&lower, rest, auth, app),
    }
}

/// RFC 8252 §7.1 private-use schemes, and MSAL's two without a period.
fn private_scheme(
    scheme: &str,
    rest: &str,
    auth: Option<&str>,
    app: Option<AppId>,
) -> Result<(), UriProblem> {
    if rest.trim_start_matches('/').is_empty() {
        return Err(UriProblem::Malformed);
    }
    let reverse_domain =
        |s: &str| s.contains('.') && !s.starts_with('.') && !s.ends_with('.') && !s.contains("..");
    if reverse_domain(scheme) {
        return Ok(());
    }
    if let Some(id) = scheme.strip_prefix("msal") {
        let id: AppId = id.parse().map_err(|_| UriProblem::PrivateScheme)?;
        return match app {
            Some(own) if own != id => Err(UriProblem::ForeignMsalScheme),
            _ => Ok(()),
        };
    }
    if scheme == "msauth" && auth.is_some_and(reverse_domain) {
        return Ok(());
    }
    Err(UriProblem::PrivateScheme)
}

/// Checks an application's identifier URIs. `reserved`: names of the
/// directory API beyond the built-in ones (its service principal's
/// `servicePrincipalNames`, Tessera's public URL). On failure, the index of
/// the offending URI and why.
pub fn check_identifier_uris(
    uris: &[String],
    app: AppId,
    tenant: TenantId,
    reserved: &[String],
) -> Result<(), (usize, UriProblem)> {
    let graph_api = format!("api://{GRAPH_APP_ID}");
    let graph_id = GRAPH_APP_ID.to_string();
    let reserved: Vec<String> = [GRAPH_IDENTIFIER_URI, graph_id.as_str(), graph_api.as_str()]
        .into_iter()
        .chain(reserved.iter().map(String::as_str))
        .map(identifier_uri_key)
        .collect();
    let mut seen = std::collections::HashSet::new();
    for (i, uri) in uris.iter().enumerate() {
        let key = identifier_uri_key(uri);
        if reserved.contains(&key) {
            return Err((i, UriProblem::Reserved));
        }
        identifier_uri(uri, app, tenant).map_err(|p| (i, p))?;
        if !seen.insert(key) {
            return Err((i, UriProblem::Repeated));
        }
    }
    Ok(())
}

fn identifier_uri(uri: &str, app: AppId, tenant: TenantId) -> Result<(), UriProblem> {
    characters(uri)?;
    let (scheme, rest) = split_scheme(uri).ok_or(UriProblem::IdentifierScheme)?;
    let scheme = scheme.to_ascii_lowercase();
    let auth = authority(rest).filter(|a| !a.is_empty());
    let auth = match (scheme.as_str(), auth) {
        ("api" | "https", Some(a)) => a,
        _ => return Err(UriProblem::IdentifierScheme),
    };
    if auth.contains('@') {
        return Err(UriProblem::UserInfo);
    }
    if scheme == "https" {
        host_and_port(auth)?;
    }
    if let Ok(named) = auth.parse::<uuid::Uuid>() {
        if named != app.0 && named != tenant.0 {
            return Err(UriProblem::OtherApplication);
        }
    }
    Ok(())
}

/// The checks every URI gets: length and characters, no fragment or wildcard.
fn characters(uri: &str) -> Result<(), UriProblem> {
    if uri.is_empty() {
        return Err(UriProblem::Empty);
    }
    if uri.len() > MAX_URI_LEN {
        return Err(UriProblem::TooLong);
    }
    if !uri.bytes().all(|b| b.is_ascii_graphic()) || uri.contains('\\') {
        return Err(UriProblem::Characters);
    }
    if uri.contains('#') {
        return Err(UriProblem::Fragment);
    }
    if uri.contains('*') {
        return Err(UriProblem::Wildcard);
    }
    Ok(())
}

/// `scheme:rest` with an RFC 3986 scheme (a letter, then letters, digits,
/// `+`, `-`, `.`).
fn split_scheme(uri: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = uri.split_once(':')?;
    let mut b = scheme.bytes();
    let first = b.next()?;
    (first.is_ascii_alphabetic()
        && b.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.')))
    .then_some((scheme, rest))
}

/// The authority of `//authority/path?query`, if `rest` has one.
fn authority(rest: &str) -> Option<&str> {
    let a = rest.strip_prefix("//")?;
    Some(&a[..a.find(['/', '?']).unwrap_or(a.len())])
}

/// A non-empty host (a name or a bracketed IPv6 address) and an optional
/// port in 1–65535.
fn host_and_port(auth: &str) -> Result<(), UriProblem> {
    let port = match auth.strip_prefix('[') {
        Some(v6) => {
            let (addr, after) = v6.split_once(']').ok_or(UriProblem::Malformed)?;
            if addr.is_empty() || !addr.bytes().all(|c| c.is_ascii_hexdigit() || c == b':') {
                return Err(UriProblem::Malformed);
            }
            after
        }
        None => {
            let end = auth.find(':').unwrap_or(auth.len());
            let host = &auth[..end];
            let name = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_');
            if host.is_empty() || !host.bytes().all(name) {
                return Err(UriProblem::Malformed);
            }
            &auth[end..]
        }
    };
    match port.strip_prefix(':') {
        None if port.is_empty() => Ok(()),
        Some(p)
            if (1..=5).contains(&p.len())
                && p.bytes().all(|c| c.is_ascii_digit())
                && p.parse::<u16>().is_ok_and(|n| n > 0) =>
        {
            Ok(())
        }
        _ => Err(UriProblem::Malformed),
    }
}

#[cfg(test)]
#[path = "registration_tests.rs"]
mod tests;
