//! Every input tried against the registration rules: what passes, and each
//! bad one with the reason it is refused.
use super::*;
use Platform::{PublicClient, Spa, Web};
use UriProblem as P;

const APP: AppId = AppId::from_u128(0x6f1c1d0e_8b1e_4f7a_9c3b_2d4e5f607182);
const OTHER: AppId = AppId::from_u128(0x11111111_2222_4333_8444_555555555555);
const TENANT: TenantId = TenantId::from_u128(0x0a0b0c0d_0e0f_4a1b_8c2d_3e4f5a6b7c8d);

fn all_platforms() -> [Platform; 3] {
    [Web, Spa, PublicClient]
}

#[test]
fn https_and_loopback_http_pass_everywhere() {
    for ok in [
        "https://app.example/cb",
        "https://app.example",
        "https://app.example:8443/cb?x=1&y=2",
        "https://APP.example/Cb",
        "https://[2001:db8::1]/cb",
        "https://xn--bcher-kva.example/cb",
        "http://localhost",
        "http://localhost:3000/cb",
        "http://127.0.0.1:51234/native",
        "http://[::1]:8080/",
        "http://localhost/a/b?c=d",
    ] {
        for p in all_platforms() {
            assert_eq!(check_redirect_uri(ok, p, Some(APP)), Ok(()), "{ok} {p:?}");
        }
    }
}

#[test]
fn native_private_use_schemes() {
    let msal = format!("msal{APP}://auth");
    for ok in [
        "com.example.app:/callback",
        "com.example.app://oauth2redirect/provider",
        "msauth.com.microsoft.identitysample.MSALiOS://auth",
        "msauth://com.contoso.app/1wIqXSqBj7w%2Bh11ZifsnqwgyKrY%3D",
        msal.as_str(),
        &msal.to_uppercase().replacen("MSAL", "msal", 1),
    ] {
        assert_eq!(
            check_redirect_uri(ok, PublicClient, Some(APP)),
            Ok(()),
            "{ok}"
        );
        assert_eq!(check_redirect_uri(ok, PublicClient, None), Ok(()), "{ok}");
        assert_eq!(
            check_redirect_uri(ok, Web, Some(APP)),
            Err(P::Scheme),
            "{ok}"
        );
        assert_eq!(
            check_redirect_uri(ok, Spa, Some(APP)),
            Err(P::Scheme),
            "{ok}"
        );
    }
    // Another application's msal scheme: refused at write, tolerated at
    // use (the stored row was checked with its own appId when written).
    let foreign = format!("msal{OTHER}://auth");
    assert_eq!(
        check_redirect_uri(&foreign, PublicClient, Some(APP)),
        Err(P::ForeignMsalScheme)
    );
    assert_eq!(check_redirect_uri(&foreign, PublicClient, None), Ok(()));
}

#[test]
fn bad_redirect_uris_and_why() {
    let long = format!("https://app.example/{}", "a".repeat(MAX_URI_LEN));
    let cases: &[(&str, UriProblem)] = &[
        // Script and local-content schemes.
        ("javascript:alert(1)", P::PrivateScheme),
        ("javascript://app.example/%0aalert(1)", P::PrivateScheme),
        ("JavaScript:alert(1)", P::PrivateScheme),
        ("data:text/html,<script>alert(1)</script>", P::PrivateScheme),
        ("data:text/html;base64,PHNjcmlwdD4=", P::PrivateScheme),
        ("vbscript:msgbox(1)", P::PrivateScheme),
        ("file:///etc/passwd", P::PrivateScheme),
        ("file://server/share", P::PrivateScheme),
        ("blob:https://app.example/uuid", P::PrivateScheme),
        ("about:blank", P::PrivateScheme),
        ("ftp://app.example/cb", P::PrivateScheme),
        ("ws://localhost/cb", P::PrivateScheme),
        // Private-use schemes that are not reverse-domain (nor MSAL's).
        ("myapp://auth", P::PrivateScheme),
        ("msauth://noperiod/hash", P::PrivateScheme),
        ("msalnot-a-guid://auth", P::PrivateScheme),
        (".com.example:/cb", P::Malformed),
        ("com..example:/cb", P::PrivateScheme),
        ("com.example.:/cb", P::PrivateScheme),
        ("com.example.app:", P::Malformed),
        ("com.example.app://", P::Malformed),
        // http anywhere but loopback.
        ("http://app.example/cb", P::HttpNotLoopback),
        ("http://localhost.evil.com/cb", P::HttpNotLoopback),
        ("http://127.0.0.2/cb", P::HttpNotLoopback),
        ("http://10.0.0.1/cb", P::HttpNotLoopback),
        ("http://0.0.0.0/cb", P::HttpNotLoopback),
        ("http://[::2]/cb", P::HttpNotLoopback),
        ("http://localhost:99999/cb", P::Malformed),
        ("http://localhost:0/cb", P::Malformed),
        ("http://localhost:/cb", P::Malformed),
        ("http://localhost:80a/cb", P::Malformed),
        ("HTTP://localhost/cb", P::Malformed),
        ("HTTPS://app.example/cb", P::Malformed),
        // Fragments (RFC 6749 §3.1.2).
        ("https://app.example/cb#", P::Fragment),
        ("https://app.example/cb#frag", P::Fragment),
        ("http://localhost/#/route", P::Fragment),
        ("com.example.app:/cb#x", P::Fragment),
        // User info.
        ("https://user@app.example/cb", P::UserInfo),
        ("https://user:pw@app.example/cb", P::UserInfo),
        ("https://app.example@evil.example/cb", P::UserInfo),
        ("http://localhost@evil.example/cb", P::UserInfo),
        ("http://x@localhost/cb", P::UserInfo),
        ("com.example.app://user@host/cb", P::UserInfo),
        // Wildcards.
        ("https://*.app.example/cb", P::Wildcard),
        ("https://app.example/*", P::Wildcard),
        ("http://localhost:*/cb", P::Wildcard),
        // Whitespace, control, non-ASCII, backslash.
        (" https://app.example/cb", P::Characters),
        ("https://app.example/cb ", P::Characters),
        ("https://app.example/c b", P::Characters),
        ("https://app.example/cb\n", P::Characters),
        ("https://app.example/cb\t", P::Characters),
        ("https://app.example/\u{0}", P::Characters),
        ("https://bücher.example/cb", P::Characters),
        ("https://app.example/caf\u{e9}", P::Characters),
        ("https://app.example\u{2215}evil.example", P::Characters),
        ("https://evil.example\\@app.example/cb", P::Characters),
        // Over-long and empty.
        (long.as_str(), P::TooLong),
        ("", P::Empty),
        // Not absolute, or no host.
        ("//app.example/cb", P::Malformed),
        ("/cb", P::Malformed),
        ("app.example/cb", P::Malformed),
        ("https:app.example/cb", P::Malformed),
        ("https://", P::Malformed),
        ("https:///cb", P::Malformed),
        ("https://:443/cb", P::Malformed),
        ("https://app.example:/cb", P::Malformed),
        ("https://[zz::1]/cb", P::Malformed),
        ("https://app.example%2eevil.example/cb", P::Malformed),
        ("1https://app.example/cb", P::Malformed),
    ];
    for (uri, why) in cases {
        let got = check_redirect_uri(uri, PublicClient, Some(APP));
        assert_eq!(got, Err(*why), "{uri:?}");
        // web and spa refuse each of them too; a scheme other than http(s)
        // with the web reason before any private-scheme check.
        let other_scheme = split_scheme(uri)
            .is_some_and(|(s, _)| !matches!(s.to_ascii_lowercase().as_str(), "http" | "https"));
        let expected = match why {
            P::PrivateScheme => P::Scheme,
            P::Malformed if other_scheme => P::Scheme,
            other => *other,
        };
        for p in [Web, Spa] {
            let got = check_redirect_uri(uri, p, Some(APP));
            assert_eq!(got, Err(expected), "{uri:?} {p:?}");
        }
    }
}

#[test]
fn every_reason_reads_as_a_sentence_end() {
    for p in [
        P::Empty,
        P::TooLong,
        P::Characters,
        P::Fragment,
        P::Wildcard,
        P::UserInfo,
        P::Malformed,
        P::Scheme,
        P::PrivateScheme,
        P::ForeignMsalScheme,
        P::HttpNotLoopback,
        P::IdentifierScheme,
        P::Reserved,
        P::OtherApplication,
        P::Repeated,
        P::TooMany,
    ] {
        let r = p.reason();
        assert!(!r.is_empty() && !r.ends_with('.'), "{p:?}");
    }
}

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn identifier_uris() {
    let own = format!("api://{APP}");
    let tenant_scoped = format!("api://{TENANT}/ledger");
    let ok = ids(&[
        &own,
        &format!("{own}/access"),
        &tenant_scoped,
        "api://ledger",
        "https://ledger.example/api",
        "https://ledger.example:8443",
    ]);
    assert_eq!(check_identifier_uris(&ok, APP, TENANT, &[]), Ok(()));
    let extra = ids(&["https://id.example.com", "urn:tessera:graph"]);
    let long = format!("api://{}", "a".repeat(MAX_URI_LEN));
    let bad: &[(&str, UriProblem)] = &[
        // The directory API's names, in any case and with trailing slashes.
        ("https://graph.microsoft.com", P::Reserved),
        ("HTTPS://Graph.Microsoft.com/", P::Reserved),
        ("https://graph.microsoft.com//", P::Reserved),
        ("00000003-0000-0000-c000-000000000000", P::Reserved),
        ("api://00000003-0000-0000-C000-000000000000", P::Reserved),
        ("https://id.example.com/", P::Reserved),
        ("urn:tessera:graph", P::Reserved),
        // Another application's appId.
        (&format!("api://{OTHER}"), P::OtherApplication),
        (&format!("api://{OTHER}/x"), P::OtherApplication),
        // Shape.
        ("http://ledger.example", P::IdentifierScheme),
        ("ledger", P::IdentifierScheme),
        ("api:ledger", P::IdentifierScheme),
        ("api://", P::IdentifierScheme),
        ("javascript:alert(1)", P::IdentifierScheme),
        ("urn:ledger", P::IdentifierScheme),
        ("https://u@ledger.example", P::UserInfo),
        ("api://u@ledger", P::UserInfo),
        ("https://ledger.example:99999", P::Malformed),
        ("api://ledger#x", P::Fragment),
        ("api://*", P::Wildcard),
        ("api://led ger", P::Characters),
        ("api://lédger", P::Characters),
        (long.as_str(), P::TooLong),
        ("", P::Empty),
    ];
    for (uri, why) in bad {
        let list = ids(&["api://fine", uri]);
        assert_eq!(
            check_identifier_uris(&list, APP, TENANT, &extra),
            Err((1, *why)),
            "{uri:?}"
        );
    }
    // The same URI twice in one application, however written.
    for twice in [
        ["api://ledger", "api://ledger"],
        ["api://ledger", "API://LEDGER/"],
    ] {
        assert_eq!(
            check_identifier_uris(&ids(&twice), APP, TENANT, &[]),
            Err((1, P::Repeated)),
            "{twice:?}"
        );
    }
}

#[test]
fn an_application_names_the_property_of_a_refused_uri() {
    let mut st = ApplicationSettings::default();
    st.web.redirect_uris.push("https://ok.example/cb".into());
    st.public_client
        .redirect_uris
        .push("com.example.app:/cb".into());
    st.identifier_uris.push("api://ok".into());
    assert_eq!(check_application_uris(&st, APP, TENANT, &[]), Ok(()));
    let cases: Vec<(ApplicationSettings, &str, &str, UriProblem)> = vec![
        {
            let mut s = st.clone();
            s.spa.redirect_uris.push("javascript:alert(1)".into());
            (s, "spa.redirectUris", "javascript:alert(1)", P::Scheme)
        },
        {
            let mut s = st.clone();
            s.public_client.redirect_uris.push("data:,x".into());
            (s, "publicClient.redirectUris", "data:,x", P::PrivateScheme)
        },
        {
            let mut s = st.clone();
            s.web.logout_url = Some("http://evil.example/logout".into());
            (
                s,
                "web.logoutUrl",
                "http://evil.example/logout",
                P::HttpNotLoopback,
            )
        },
        {
            let mut s = st.clone();
            s.identifier_uris
                .push("https://graph.microsoft.com/".into());
            (
                s,
                "identifierUris",
                "https://graph.microsoft.com/",
                P::Reserved,
            )
        },
        {
            let mut s = st.clone();
            s.web.redirect_uris = (0..=MAX_REDIRECT_URIS)
                .map(|i| format!("https://ok.example/{i}"))
                .collect();
            (s, "web.redirectUris", "https://ok.example/256", P::TooMany)
        },
    ];
    for (s, property, value, problem) in cases {
        assert_eq!(
            check_application_uris(&s, APP, TENANT, &[]),
            Err(Refused {
                property,
                value: value.into(),
                problem
            }),
            "{property} {value}"
        );
    }
}
