//! Second factors and the password's own defences, over real sockets: an
//! authenticator app enrolled and used through tests/clients/passkeys_http.py
//! (pyotp computing the codes, MSAL redeeming them), a password spray from
//! one source locking that source (and only it), and the forced password
//! change at next sign-in. The sign-in log is read back through the
//! directory API.
use super::fixtures::{
    accept, authorize_path, form_urlencoded_parse, setup, Browser, PASSWORD, WEB_REDIRECT,
};
use super::passkeys::{assert_ok_lines, count, show, Admin, USER_PASSWORD};
use crate::oauth::msal::{clients_dir, env_path, https_server, run_script};
use std::collections::BTreeMap;
use tessera_oauth::interaction::SOURCE_FREE_FAILURES;
use tessera_server::signin::login::{BAD_CREDENTIALS, LOCKED};
use tessera_testkit::{both_backends, TestBackend, TestServer};

/// Password at the security info page, authenticator app enrolled from the
/// QR page's secret, then password + code at the MFA page (amr pwd+otp+mfa,
/// acr mfa). Refused: a code 3 steps old at enrolment and a five-digit one;
/// at the MFA page a wrong code, one 3 steps ahead, one 3 steps old, the
/// accepted code again in the next sign-in; past the password but not the
/// second factor, the add-method forms (hidden, POSTs 403) and a code
/// (prompt=none). Then self-service: password changed (a wrong current
/// password refused), the app deleted, and the new password alone signs in.
async fn totp_http(b: TestBackend) {
    let (s, certs) = https_server(b).await;
    let apps = setup(&s).await;
    let g = Admin::new(&s, Some(certs.path())).await;
    let (tom_id, tom) = g.user("tom", false).await;
    let env = vec![
        ("TESSERA_SCENARIO".to_string(), "totp".to_string()),
        ("TESSERA_WEB_CLIENT_ID".into(), apps.conf.to_string()),
        ("TESSERA_WEB_CLIENT_SECRET".into(), apps.secret.clone()),
        ("TESSERA_WEB_REDIRECT".into(), WEB_REDIRECT.into()),
        ("TESSERA_USER_PASSWORD".into(), USER_PASSWORD.into()),
        ("TESSERA_TOTP_USER".into(), tom.clone()),
    ];
    let script = clients_dir().join("passkeys_http.py");
    let out = run_script(&s, &certs, env_path("TESSERA_TEST_PYTHON"), script, env).await;
    println!("{out}");
    assert_ok_lines(
        &out,
        &[
            "enrolment with a code 3 steps old refused: 400",
            "enrolment with a five-digit code refused: 400",
            "authenticator app enrolled",
            "no adding methods with the password alone",
            "no code with the password alone",
            "wrong code",
            "code 3 steps ahead refused: 400",
            "code 3 steps old refused: 400",
            "password and TOTP at the MFA page",
            "replayed TOTP code refused: 400",
            "password change with a wrong current password refused: 400",
            "password changed and authenticator app deleted at security info",
            "the old password refused after the change: 400",
            "new password alone signs in once no second factor is left",
            "scenario totp",
        ],
    );
    // Enrolled, then deleted by the user.
    assert!(g.methods(&tom_id, "softwareOathMethods").await.is_empty());
    assert!(g.methods(&tom_id, "fido2Methods").await.is_empty());

    // One entry per step: the password at security info, at the two
    // sign-ins with a code and with the new password; the old password
    // after the change; the accepted code; wrong, ahead, old, replayed.
    let log = g.sign_ins(&tom).await;
    let all = show(&log);
    assert_eq!(count(&log, true, &[("Password", true)]), 4, "{all}");
    assert_eq!(count(&log, false, &[("Password", false)]), 1, "{all}");
    let otp = "OATH verification code";
    assert_eq!(count(&log, true, &[(otp, true)]), 1, "{all}");
    assert_eq!(count(&log, false, &[(otp, false)]), 4, "{all}");
    assert!(
        log.iter()
            .filter(|e| e["status"]["errorCode"] == 500121)
            .count()
            == 4,
        "{all}"
    );
}
both_backends!(totp_http);

/// A form of `html` by its id: its action and every named input's value.
fn form(html: &str, id: &str) -> Option<(String, BTreeMap<String, String>)> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let start = html[..at].rfind("<form")?;
    let end = start + html[start..].find("</form>")?;
    let body = &html[start..end];
    let tag_end = body.find('>')?;
    let action = attr(&body[..tag_end], "action")?;
    let mut fields = BTreeMap::new();
    let mut rest = body;
    while let Some(i) = rest.find("<input") {
        let tag = &rest[i..i + rest[i..].find('>')?];
        if let Some(name) = attr(tag, "name") {
            fields.insert(name, attr(tag, "value").unwrap_or_default());
        }
        rest = &rest[i + tag.len()..];
    }
    Some((action, fields))
}

/// An attribute's (unescaped) value in a start tag.
fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    let end = tag[at..].find('"')?;
    Some(
        tag[at..at + end]
            .replace("&#x2f;", "/")
            .replace("&#x3d;", "=")
            .replace("&quot;", "\"")
            .replace("&#34;", "\"")
            .replace("&#x27;", "'")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// Posts form `id` of `page` with its inputs overridden by `typed`.
async fn submit(
    br: &mut Browser,
    page: &str,
    id: &str,
    typed: &[(&str, &str)],
) -> reqwest::Response {
    let (action, mut fields) = form(page, id).unwrap_or_else(|| panic!("no form #{id}: {page}"));
    for (k, v) in typed {
        fields.insert(k.to_string(), v.to_string());
    }
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    br.post(&action, &pairs).await
}

/// The text of the page's `p.error`.
fn error_text(html: &str) -> Option<String> {
    let at = html.find("<p class=\"error\"")?;
    let start = at + html[at..].find('>')? + 1;
    let end = start + html[start..].find("</p>")?;
    Some(html[start..end].trim().to_string())
}

/// From a response after the last sign-in step to the code (accepting the
/// consent page if shown).
async fn code_after(br: &mut Browser, r: reqwest::Response) -> BTreeMap<String, String> {
    let r = if r.status() == 200 {
        let page = r.text().await.unwrap();
        assert!(
            page.contains("Permissions requested"),
            "expected the consent page: {page}"
        );
        accept(br, page, "accept").await
    } else {
        r
    };
    assert!(r.status().is_redirection(), "{}", r.status());
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(loc.starts_with(WEB_REDIRECT), "{loc}");
    form_urlencoded_parse(loc.split_once('?').map_or("", |(_, q)| q))
}

/// One source tries one common password on 30 accounts (15 that exist, 15
/// that do not). The first [`SOURCE_FREE_FAILURES`] are told the password is
/// wrong; from then on the source is locked: the rest, and then the correct
/// password of an account that never failed, get the locked message and no
/// code. Another source (127.0.0.2) signs the same account in at once: the
/// lock is the source's, not the account's.
async fn password_spraying_locks_the_source(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let g = Admin::new(&s, None).await;
    let domain = apps.upn.split_once('@').unwrap().1.to_string();
    let mut names = Vec::new();
    for i in 0..15 {
        names.push(g.user(&format!("sprayed{i}"), false).await.1);
        names.push(format!("nobody{i}@{domain}"));
    }
    assert!(SOURCE_FREE_FAILURES < names.len() as u32);
    let sprayed = "Spring2025!";
    let path = authorize_path(
        apps.tenant,
        apps.conf,
        WEB_REDIRECT,
        &[("scope", "openid User.Read")],
    );
    let mut br = Browser::new(&s);
    let page = br.get(&path).await.text().await.unwrap();
    for (i, name) in names.iter().enumerate() {
        let r = submit(
            &mut br,
            &page,
            "password-form",
            &[("username", name), ("password", sprayed)],
        )
        .await;
        assert_eq!(r.status(), 400, "attempt {i} ({name})");
        let text = r.text().await.unwrap();
        let want = if (i as u32) < SOURCE_FREE_FAILURES {
            BAD_CREDENTIALS
        } else {
            LOCKED
        };
        assert_eq!(
            error_text(&text).as_deref(),
            Some(want),
            "attempt {i} ({name})"
        );
    }
    let r = submit(
        &mut br,
        &page,
        "password-form",
        &[("username", &apps.upn), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(r.status(), 400);
    assert_eq!(
        error_text(&r.text().await.unwrap()).as_deref(),
        Some(LOCKED),
        "the correct password of an account that never failed, from the locked source"
    );
    assert!(!br.cookies.keys().any(|k| k.contains("session")));

    // Another source: the same account signs in.
    let mut other = Browser::new(&s);
    other.http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    other.base = s.url.replace("localhost", "127.0.0.1");
    let page = other.get(&path).await.text().await.unwrap();
    let r = submit(
        &mut other,
        &page,
        "password-form",
        &[("username", &apps.upn), ("password", PASSWORD)],
    )
    .await;
    let p = code_after(&mut other, r).await;
    assert!(p.contains_key("code"), "{p:?}");

    // The log: 20 wrong passwords, then locked refusals, then the success
    // from the other source.
    let (st, v) = g.get("/v1.0/auditLogs/signIns").await;
    assert_eq!(st, 200, "{v}");
    let mut log: Vec<serde_json::Value> = v["value"].as_array().unwrap().clone();
    let mut next = v["@odata.nextLink"].as_str().map(str::to_string);
    while let Some(url) = next {
        let (_, v) = g.get(&url).await;
        log.extend(v["value"].as_array().unwrap().iter().cloned());
        next = v["@odata.nextLink"].as_str().map(str::to_string);
    }
    let all = show(&log);
    let code = |c: i64, ip: &str| {
        log.iter()
            .filter(|e| e["status"]["errorCode"] == c && e["ipAddress"] == ip)
            .count()
    };
    assert_eq!(
        code(50126, "127.0.0.1"),
        SOURCE_FREE_FAILURES as usize,
        "{all}"
    );
    assert_eq!(
        code(50053, "127.0.0.1"),
        names.len() - SOURCE_FREE_FAILURES as usize + 1,
        "{all}"
    );
    assert_eq!(code(0, "127.0.0.2"), 1, "{all}");
}
both_backends!(password_spraying_locks_the_source);
