//! Revocation (RFC 7009) and pushed authorization requests (RFC 9126)
//! authenticate the client as the token endpoint does: a confidential client
//! with its secret (body or Basic) or a certificate assertion; `client_id`
//! alone only for a public client. Attacks: a confidential client's
//! `client_id` with no secret, a wrong secret, another client's secret —
//! refused with `invalid_client` (401), and nothing is revoked or pushed.
use super::fixtures::Boot;
use super::private_key_jwt::{now_s, register_cert, TYPE};
use crate::signin::fixtures::*;
use serde_json::Value;
use tessera_model::{AppId, TenantId};
use tessera_testkit::{both_backends, TestBackend, TestServer};

/// A refused attempt: name, path, Basic credentials, form, AADSTS number.
type Attempt<'a> = (
    &'a str,
    &'a str,
    Option<(&'a str, &'a str)>,
    Vec<(&'a str, &'a str)>,
    u64,
);
/// A refused push: name, Basic credentials, body secret, AADSTS number.
type Push<'a> = (&'a str, Option<(&'a str, &'a str)>, Option<&'a str>, u64);

const SCOPE: &str = "openid offline_access User.Read";
const NATIVE: &str = "http://localhost:5000";

/// A form post to `path`, with Basic credentials when given.
async fn post(
    s: &TestServer,
    path: &str,
    basic: Option<(&str, &str)>,
    form: &[(&str, &str)],
) -> (u16, String, Value) {
    let mut r = s.client.post(s.url(path)).form(form);
    if let Some((id, secret)) = basic {
        r = r.basic_auth(id, Some(secret));
    }
    let r = r.send().await.unwrap();
    let www = r
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (r.status().as_u16(), www, r.json().await.unwrap())
}

/// A second confidential web app of the tenant, with its own secret.
async fn other_client(s: &TestServer, t: TenantId) -> (AppId, String) {
    let mut settings = tessera_model::ApplicationSettings::default();
    settings.web.redirect_uris.push(WEB_REDIRECT.into());
    let other = app("Other Ledger", settings);
    register(s, t, &other).await;
    (other.app_id, add_secret(s, t, other.id).await)
}

/// A client assertion of the confidential web app for `aud`.
fn assertion_for(apps: &Apps, cert: &super::private_key_jwt::Cert, aud: &str, jti: &str) -> String {
    let c = apps.conf.to_string();
    let now = now_s();
    let claims = serde_json::json!({
        "iss": c, "sub": c, "aud": aud, "jti": jti,
        "iat": now, "nbf": now, "exp": now + 300,
    });
    tessera_crypto::sign_jwt(&cert.signer, &claims).unwrap()
}

/// A certificate registered on the confidential web app.
async fn conf_cert(s: &TestServer, apps: &Apps) -> super::private_key_jwt::Cert {
    let boot = Boot {
        tenant: apps.tenant.to_string(),
        client_id: apps.conf.to_string(),
        secret: apps.secret.clone(),
    };
    register_cert(s, &boot).await
}

/// Whether the refresh token's family is revoked.
async fn revoked(s: &TestServer, apps: &Apps, rt: &str) -> bool {
    s.running()
        .store
        .get_refresh_token(apps.tenant, &tessera_crypto::secret_digest(rt))
        .await
        .unwrap()
        .expect("a stored refresh token")
        .revoked_at
        .is_some()
}

/// A refresh token of the public client (code + PKCE, `client_id` only).
async fn public_refresh_token(s: &TestServer, apps: &Apps) -> String {
    let mut br = Browser::new(s);
    let extra = [
        ("scope", SCOPE),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    let p = code_for(&mut br, apps, apps.public, NATIVE, &extra).await;
    let c = apps.public.to_string();
    let r = super::fixtures::token(
        s,
        &apps.tenant.to_string(),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &c),
            ("code", &p["code"]),
            ("redirect_uri", NATIVE),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    let body: Value = r.json().await.unwrap();
    body["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_string()
}

fn assert_invalid_client(what: &str, got: &(u16, String, Value), aadsts: u64, basic: bool) {
    let (status, www, body) = got;
    assert_eq!(*status, 401, "{what}: {body}");
    assert_eq!(body["error"], "invalid_client", "{what}: {body}");
    assert_eq!(body["error_codes"][0], aadsts, "{what}: {body}");
    assert_eq!(
        www.starts_with("Basic"),
        basic,
        "{what}: WWW-Authenticate {www:?}"
    );
}

async fn revocation_authenticates_the_client(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let (other, other_secret) = other_client(&s, apps.tenant).await;
    // Registered before the server first reads the client (it caches it).
    let cert = conf_cert(&s, &apps).await;
    let conf = apps.conf.to_string();
    let path = format!("/{}/oauth2/v2.0/revoke", apps.tenant);
    let body = super::own_tokens::signed_in(&s, &apps).await;
    let rt = body["refresh_token"].as_str().unwrap().to_string();

    // The attacks: each refused, and the family stays alive.
    let cases: [Attempt; 6] = [
        (
            "no secret",
            &path,
            None,
            vec![("client_id", &conf)],
            7000218,
        ),
        (
            "no secret, via /organizations",
            "/organizations/oauth2/v2.0/revoke",
            None,
            vec![("client_id", &conf)],
            7000218,
        ),
        (
            "wrong secret",
            &path,
            None,
            vec![("client_id", &conf), ("client_secret", "not-the-secret")],
            7000215,
        ),
        (
            "another client's secret",
            &path,
            None,
            vec![("client_id", &conf), ("client_secret", &other_secret)],
            7000215,
        ),
        (
            "Basic, wrong secret",
            &path,
            Some((&conf, "not-the-secret")),
            vec![],
            7000215,
        ),
        (
            "Basic, another client's secret",
            &path,
            Some((&conf, &other_secret)),
            vec![],
            7000215,
        ),
    ];
    for (what, p, basic, mut form, aadsts) in cases {
        form.push(("token", &rt));
        let got = post(&s, p, basic, &form).await;
        assert_invalid_client(what, &got, aadsts, basic.is_some());
        assert!(!revoked(&s, &apps, &rt).await, "{what} revoked the family");
    }
    // The other client's own credentials do not revoke conf's token either.
    let o = other.to_string();
    let (status, _, _) = post(&s, &path, Some((&o, &other_secret)), &[("token", &rt)]).await;
    assert_eq!(status, 200);
    assert!(!revoked(&s, &apps, &rt).await);

    // The right secret in the body revokes…
    let (status, _, b) = post(
        &s,
        &path,
        None,
        &[
            ("client_id", &conf),
            ("client_secret", &apps.secret),
            ("token", &rt),
        ],
    )
    .await;
    assert_eq!(status, 200, "{b}");
    assert!(revoked(&s, &apps, &rt).await);
    // …so does Basic…
    let rt = super::own_tokens::signed_in(&s, &apps).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _, b) = post(&s, &path, Some((&conf, &apps.secret)), &[("token", &rt)]).await;
    assert_eq!(status, 200, "{b}");
    assert!(revoked(&s, &apps, &rt).await);
    // …and a certificate assertion made for the token endpoint (or for
    // this endpoint); one for another audience is refused.
    let token_url = s.url(&format!("/{}/oauth2/v2.0/token", apps.tenant));
    let elsewhere = assertion_for(&apps, &cert, "https://evil.example/token", "r-1");
    let rt = super::own_tokens::signed_in(&s, &apps).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    let with_assertion = |a: String| {
        vec![
            ("client_id".to_string(), conf.clone()),
            ("client_assertion_type".to_string(), TYPE.to_string()),
            ("client_assertion".to_string(), a),
            ("token".to_string(), rt.clone()),
        ]
    };
    let form = with_assertion(elsewhere);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let got = post(&s, &path, None, &form).await;
    assert_invalid_client("assertion for another audience", &got, 9900008, false);
    assert!(!revoked(&s, &apps, &rt).await);
    let good = assertion_for(&apps, &cert, &token_url, "r-2");
    let form = with_assertion(good);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, _, b) = post(&s, &path, None, &form).await;
    assert_eq!(status, 200, "{b}");
    assert!(revoked(&s, &apps, &rt).await);

    // A public client still names itself with client_id alone.
    let prt = public_refresh_token(&s, &apps).await;
    let public = apps.public.to_string();
    let (status, _, b) = post(&s, &path, None, &[("client_id", &public), ("token", &prt)]).await;
    assert_eq!(status, 200, "{b}");
    assert!(revoked(&s, &apps, &prt).await);
}
both_backends!(revocation_authenticates_the_client);

fn par_form<'a>(client: &'a str, redirect: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("client_id", client),
        ("response_type", "code"),
        ("redirect_uri", redirect),
        ("scope", SCOPE),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]
}

async fn par_authenticates_the_client(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let (_, other_secret) = other_client(&s, apps.tenant).await;
    // Registered before the server first reads the client (it caches it).
    let cert = conf_cert(&s, &apps).await;
    let conf = apps.conf.to_string();
    let path = format!("/{}/oauth2/v2.0/par", apps.tenant);
    let pushed = |got: &(u16, String, Value)| got.2.get("request_uri").is_some();

    let cases: [Push; 5] = [
        ("no secret", None, None, 7000218),
        ("wrong secret", None, Some("not-the-secret"), 7000215),
        (
            "another client's secret",
            None,
            Some(&other_secret),
            7000215,
        ),
        (
            "Basic, wrong secret",
            Some((&conf, "not-the-secret")),
            None,
            7000215,
        ),
        (
            "Basic, another client's secret",
            Some((&conf, &other_secret)),
            None,
            7000215,
        ),
    ];
    for (what, basic, secret, aadsts) in cases {
        let mut form = par_form(&conf, WEB_REDIRECT);
        if let Some(sec) = secret {
            form.push(("client_secret", sec));
        }
        if basic.is_some() {
            form.remove(0);
        }
        let got = post(&s, &path, basic, &form).await;
        assert_invalid_client(what, &got, aadsts, basic.is_some());
        assert!(!pushed(&got), "{what}");
    }
    // The same pushes with the right credential work: body, Basic, and a
    // certificate assertion for the token endpoint, the issuer or /par.
    let mut form = par_form(&conf, WEB_REDIRECT);
    form.push(("client_secret", &apps.secret));
    let got = post(&s, &path, None, &form).await;
    assert_eq!(got.0, 201, "{}", got.2);
    assert!(pushed(&got));
    let mut form = par_form(&conf, WEB_REDIRECT);
    form.remove(0);
    let got = post(&s, &path, Some((&conf, &apps.secret)), &form).await;
    assert_eq!(got.0, 201, "{}", got.2);
    for (i, aud) in [
        s.url(&format!("/{}/oauth2/v2.0/token", apps.tenant)),
        format!("{}/{}/v2.0", s.url, apps.tenant),
        s.url(&path),
    ]
    .iter()
    .enumerate()
    {
        let a = assertion_for(&apps, &cert, aud, &format!("p-{i}"));
        let mut form = par_form(&conf, WEB_REDIRECT);
        form.push(("client_assertion_type", TYPE));
        form.push(("client_assertion", &a));
        let got = post(&s, &path, None, &form).await;
        assert_eq!(got.0, 201, "assertion for {aud}: {}", got.2);
    }

    // A public client pushes with client_id alone (PKCE, its own redirect URI).
    let public = apps.public.to_string();
    let got = post(&s, &path, None, &par_form(&public, NATIVE)).await;
    assert_eq!(got.0, 201, "{}", got.2);
    assert!(pushed(&got));
}
both_backends!(par_authenticates_the_client);
