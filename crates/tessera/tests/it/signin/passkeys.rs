//! Passkeys end to end with real clients: tests/clients/passkeys_http.py
//! (requests as the browser, soft-webauthn with user verification as the
//! authenticator, MSAL redeeming the codes) and passkeys_chromium.py (Debian
//! Chromium with a WebAuthn virtual authenticator and Tessera's page script,
//! MSAL's interactive flow). Users and Temporary Access Passes come from the
//! directory API as an administrator would issue them; the sign-in log is
//! read back through it at the end of each scenario.
use super::fixtures::{setup, WEB_REDIRECT};
use crate::oauth::msal::{clients_dir, env_path, https_server, run_script};
use serde_json::{json, Value};
use std::path::Path;
use tessera_testkit::{both_backends, TestBackend, TestServer};

/// The password of users created here (the directory's policy accepts it).
pub(super) const USER_PASSWORD: &str = "Sufficiently-Complex-42";

/// The directory API as the bootstrap client (every application
/// permission), trusting the dev CA when the server speaks HTTPS.
pub(crate) struct Admin {
    http: reqwest::Client,
    base: String,
    token: String,
    domain: String,
}

impl Admin {
    pub async fn new(s: &TestServer, ca: Option<&Path>) -> Self {
        let mut http = reqwest::Client::builder().no_proxy();
        if let Some(dir) = ca {
            let pem = std::fs::read(dir.join("ca.pem")).unwrap();
            http = http.add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap());
        }
        let http = http.build().unwrap();
        let k = crate::oauth::fixtures::boot(s);
        let r = http
            .post(format!("{}/{}/oauth2/v2.0/token", s.url, k.tenant))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", k.client_id.as_str()),
                ("client_secret", k.secret.as_str()),
                ("scope", "https://graph.microsoft.com/.default"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let token = r.json::<Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        let t = s.running().tenant_id;
        let domain = s.running().store.list_domains(t).await.unwrap()[0]
            .name
            .clone();
        Self {
            http,
            base: s.url.clone(),
            token,
            domain,
        }
    }

    pub async fn send(&self, r: reqwest::RequestBuilder) -> (u16, Value) {
        let r = r.bearer_auth(&self.token).send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        };
        self.send(self.http.get(url)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(self.http.post(format!("{}{path}", self.base)).json(&body))
            .await
    }

    /// A new user `local@<initial domain>` with [`USER_PASSWORD`]; (id, UPN).
    pub async fn user(&self, local: &str, force_change: bool) -> (String, String) {
        let upn = format!("{local}@{}", self.domain);
        let (st, u) = self
            .post(
                "/v1.0/users",
                json!({
                    "accountEnabled": true,
                    "displayName": format!("User {local}"),
                    "mailNickname": local,
                    "userPrincipalName": upn,
                    "passwordProfile": {
                        "forceChangePasswordNextSignIn": force_change,
                        "password": USER_PASSWORD,
                    },
                }),
            )
            .await;
        assert_eq!(st, 201, "{u}");
        (u["id"].as_str().unwrap().to_string(), upn)
    }

    /// A new Temporary Access Pass for `user` (the pass itself, shown once).
    pub async fn tap(&self, user: &str, once: bool) -> String {
        let (st, m) = self
            .post(
                &format!("/v1.0/users/{user}/authentication/temporaryAccessPassMethods"),
                json!({ "isUsableOnce": once }),
            )
            .await;
        assert_eq!(st, 201, "{m}");
        assert_eq!(m["isUsableOnce"], once, "{m}");
        m["temporaryAccessPass"].as_str().unwrap().to_string()
    }

    /// A user's methods of one kind (`fido2Methods`, `softwareOathMethods`…).
    pub async fn methods(&self, user: &str, kind: &str) -> Vec<Value> {
        let (st, v) = self
            .get(&format!("/v1.0/users/{user}/authentication/{kind}"))
            .await;
        assert_eq!(st, 200, "{v}");
        v["value"].as_array().unwrap().clone()
    }

    /// Every sign-in log entry of `upn`, newest first (all pages).
    pub async fn sign_ins(&self, upn: &str) -> Vec<Value> {
        let filter: String = url::form_urlencoded::byte_serialize(
            format!("userPrincipalName eq '{upn}'").as_bytes(),
        )
        .collect();
        let mut next = Some(format!("/v1.0/auditLogs/signIns?$filter={filter}"));
        let mut all = Vec::new();
        while let Some(url) = next {
            let (st, page) = self.get(&url).await;
            assert_eq!(st, 200, "{page}");
            all.extend(page["value"].as_array().unwrap().iter().cloned());
            next = page["@odata.nextLink"].as_str().map(str::to_string);
        }
        all
    }
}

/// The (method, succeeded) steps of a sign-in log entry.
pub(super) fn steps(e: &Value) -> Vec<(String, bool)> {
    e["authenticationDetails"]
        .as_array()
        .map(|d| {
            d.iter()
                .map(|s| {
                    (
                        s["authenticationMethod"].as_str().unwrap_or("").to_string(),
                        s["succeeded"].as_bool().unwrap_or(false),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn succeeded(e: &Value) -> bool {
    e["status"]["errorCode"] == 0
}

/// Entries that succeeded (or failed) and took exactly `methods` steps.
pub(super) fn count(log: &[Value], ok: bool, methods: &[(&str, bool)]) -> usize {
    log.iter()
        .filter(|e| succeeded(e) == ok)
        .filter(|e| {
            let s = steps(e);
            s.len() == methods.len()
                && s.iter()
                    .zip(methods)
                    .all(|((m, o), (wm, wo))| m == wm && o == wo)
        })
        .count()
}

pub(super) fn show(log: &[Value]) -> String {
    log.iter()
        .map(|e| {
            format!(
                "{} {} {:?}",
                e["status"]["errorCode"],
                e["status"]["failureReason"],
                steps(e)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts the script printed each `OK <line>` prefix.
pub(super) fn assert_ok_lines(out: &str, lines: &[&str]) {
    for l in lines {
        assert!(
            out.lines().any(|o| o.starts_with(&format!("OK {l}"))),
            "no `OK {l}` line:\n{out}"
        );
    }
}

/// TAP → passkey registration → passwordless sign-in (amr fido+mfa, acr
/// phishing-resistant), then the forged and replayed assertions and passes
/// the script names, each refused with a 400 page and no code or session.
async fn passkeys_http(b: TestBackend) {
    let (s, certs) = https_server(b).await;
    let apps = setup(&s).await;
    let g = Admin::new(&s, Some(certs.path())).await;
    let (pat_id, pat) = g.user("pat", false).await;
    let (bob_id, bob) = g.user("bob", false).await;
    let pat_tap = g.tap(&pat_id, true).await;
    let bob_tap = g.tap(&bob_id, true).await;
    let env = vec![
        ("TESSERA_SCENARIO".to_string(), "passkeys".to_string()),
        ("TESSERA_WEB_CLIENT_ID".into(), apps.conf.to_string()),
        ("TESSERA_WEB_CLIENT_SECRET".into(), apps.secret.clone()),
        ("TESSERA_WEB_REDIRECT".into(), WEB_REDIRECT.into()),
        ("TESSERA_USER_PASSWORD".into(), USER_PASSWORD.into()),
        ("TESSERA_PASSKEY_USER".into(), pat.clone()),
        ("TESSERA_PASSKEY_USER_TAP".into(), pat_tap),
        ("TESSERA_OTHER_USER".into(), bob.clone()),
        ("TESSERA_OTHER_USER_TAP".into(), bob_tap),
    ];
    let script = clients_dir().join("passkeys_http.py");
    let out = run_script(&s, &certs, env_path("TESSERA_TEST_PYTHON"), script, env).await;
    println!("{out}");
    assert_ok_lines(
        &out,
        &[
            "tap sign-in and passkey registration",
            "second user's passkey registration",
            "spent one-time TAP refused: 400",
            "wrong TAP refused: 400",
            "passwordless passkey sign-in",
            "passwordless passkey sign-in with a counter that stays 0",
            "assertion for another origin refused: 400",
            "assertion for another origin (other port) refused: 400",
            "assertion for another RP ID refused: 400",
            "assertion with a flipped signature bit refused: 400",
            "assertion of another page's challenge refused: 400",
            "replayed accepted assertion refused: 400",
            "assertion with a signature counter gone back refused: 400",
            "another user's passkey at the MFA page refused: 400",
            "password then passkey at the MFA page",
            "scenario passkeys",
        ],
    );

    // The directory's view: one passkey each, named as registered.
    let keys = g.methods(&pat_id, "fido2Methods").await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_eq!(keys[0]["displayName"], "Soft key of Pat", "{keys:?}");
    assert_eq!(g.methods(&bob_id, "fido2Methods").await.len(), 1);

    // The sign-in log: every attempt, one entry per step, with its method.
    let log = g.sign_ins(&pat).await;
    let all = show(&log);
    assert_eq!(
        count(&log, true, &[("Temporary Access Pass", true)]),
        1,
        "the TAP sign-in:\n{all}"
    );
    assert_eq!(
        count(&log, false, &[("Temporary Access Pass", false)]),
        2,
        "the spent and the wrong pass:\n{all}"
    );
    assert_eq!(
        count(&log, true, &[("Passkey", true)]),
        1,
        "the passwordless sign-in:\n{all}"
    );
    // Origin ×2, RP ID, signature, other page's challenge, counter: each
    // names Pat (the credential is Pat's), each refused.
    assert_eq!(
        count(&log, false, &[("Passkey", false)]),
        6,
        "the refused assertions:\n{all}"
    );
    let log = g.sign_ins(&bob).await;
    let all = show(&log);
    // Passwordless, then password + passkey at the MFA page.
    assert_eq!(count(&log, true, &[("Passkey", true)]), 2, "{all}");
    assert_eq!(count(&log, true, &[("Password", true)]), 1, "{all}");
    // The replay and Pat's passkey at Bob's MFA page.
    assert_eq!(count(&log, false, &[("Passkey", false)]), 2, "{all}");
    assert!(
        log.iter()
            .any(|e| e["status"]["failureReason"] == "Passkey assertion replayed"),
        "the replay is logged as one:\n{all}"
    );
}
both_backends!(passkeys_http);

/// Chromium registers a passkey with its virtual authenticator through the
/// security info page (after a TAP sign-in), signs out, and signs in to
/// MSAL's interactive flow by clicking the passkey button: tokens with amr
/// fido, conditional UI offered, no CSP violation.
async fn passkeys_chromium(b: TestBackend) {
    let (s, certs) = https_server(b).await;
    let apps = setup(&s).await;
    let g = Admin::new(&s, Some(certs.path())).await;
    let (id, upn) = g.user("cleo", false).await;
    let tap = g.tap(&id, true).await;
    let env = vec![
        (
            "TESSERA_PUBLIC_CLIENT_ID".to_string(),
            apps.public.to_string(),
        ),
        ("TESSERA_USERNAME".into(), upn.clone()),
        ("TESSERA_TAP".into(), tap),
        (
            "TESSERA_TEST_CHROMIUM".into(),
            env_path("TESSERA_TEST_CHROMIUM"),
        ),
        (
            "TESSERA_TEST_CHROMEDRIVER".into(),
            env_path("TESSERA_TEST_CHROMEDRIVER"),
        ),
    ];
    let script = clients_dir().join("passkeys_chromium.py");
    let out = run_script(&s, &certs, env_path("TESSERA_TEST_PYTHON"), script, env).await;
    println!("{out}");
    assert_ok_lines(
        &out,
        &[
            "chromium passkey registered",
            "chromium signed out",
            "chromium msal passkey sign-in (conditional)",
            "chromium msal passkey sign-in (button)",
            "chromium no CSP violations",
        ],
    );
    let keys = g.methods(&id, "fido2Methods").await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    let log = g.sign_ins(&upn).await;
    let all = show(&log);
    assert_eq!(
        count(&log, true, &[("Temporary Access Pass", true)]),
        1,
        "{all}"
    );
    assert_eq!(count(&log, true, &[("Passkey", true)]), 2, "{all}");
    assert!(log.iter().all(succeeded), "no failed attempt:\n{all}");
}
both_backends!(passkeys_chromium);
