//! A real browser on Tessera's pages: MSAL for Python's
//! `acquire_token_interactive` runs its own loopback listener and the auth
//! code + PKCE flow (form_post to `http://localhost:<any port>`), while a
//! headless Chromium (Debian's, through chromedriver) signs the user in,
//! consents, and runs the form_post page's script under its CSP. Proves the
//! pages work as a browser enforces them: Chromium trusts the dev CA (no
//! certificate errors ignored), accepts the `__Host-` session cookie and keeps
//! it HttpOnly, reports no CSP violation, and MSAL gets verifiable tokens.
use super::fixtures::{setup, PASSWORD};
use crate::oauth::msal::{clients_dir, env_path, https_server, run_script};
use tessera_testkit::{both_backends, TestBackend};

async fn chromium_msal_interactive(b: TestBackend) {
    let python = env_path("TESSERA_TEST_PYTHON");
    let chromium = env_path("TESSERA_TEST_CHROMIUM");
    let chromedriver = env_path("TESSERA_TEST_CHROMEDRIVER");
    let (s, certs) = https_server(b).await;
    let apps = setup(&s).await;
    let env = vec![
        (
            "TESSERA_PUBLIC_CLIENT_ID".to_string(),
            apps.public.to_string(),
        ),
        ("TESSERA_USERNAME".into(), apps.upn.clone()),
        ("TESSERA_PASSWORD".into(), PASSWORD.into()),
        ("TESSERA_TEST_CHROMIUM".into(), chromium),
        ("TESSERA_TEST_CHROMEDRIVER".into(), chromedriver),
    ];
    let script = clients_dir().join("msal_browser_auth_code.py");
    let out = run_script(&s, &certs, python, script, env).await;
    // The browser's console and cookie findings, for the test log.
    println!("{out}");
    assert!(out.contains("OK chromium msal interactive"), "{out}");
}
both_backends!(chromium_msal_interactive);
