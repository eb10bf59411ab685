//! Tessera's own tokens where it accepts them — introspection, userinfo and
//! the directory API: only access tokens (never an ID token, which the same
//! key signs for the same issuer), and only with `iss` present and equal to
//! the tenant's issuer (never a token without one, even when the tenant's
//! real key signed it).
use crate::signin::fixtures::*;
use crate::signin::flow::redeem_conf;
use serde_json::{json, Value};
use tessera_testkit::{both_backends, TestBackend, TestServer};

const SCOPE: &str = "openid profile offline_access User.Read";

/// A user signed in to the confidential web app: its token response.
pub(crate) async fn signed_in(s: &TestServer, apps: &Apps) -> Value {
    let mut br = Browser::new(s);
    let q = code_for(&mut br, apps, apps.conf, WEB_REDIRECT, &[("scope", SCOPE)]).await;
    let (status, body) = redeem_conf(s, apps, &q["code"], None).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Introspection by the confidential web app (`client_secret_basic`).
pub(crate) async fn introspect(s: &TestServer, apps: &Apps, token: &str) -> Value {
    let r = s
        .client
        .post(s.url(&format!("/{}/oauth2/v2.0/introspect", apps.tenant)))
        .basic_auth(apps.conf, Some(&apps.secret))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// Userinfo's status and `WWW-Authenticate`.
pub(crate) async fn userinfo(s: &TestServer, token: &str) -> (u16, String) {
    let r = s
        .client
        .get(s.url("/oidc/userinfo"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let www = r
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (r.status().as_u16(), www)
}

/// A directory API GET's status and body.
pub(crate) async fn graph_get(s: &TestServer, token: &str, path: &str) -> (u16, Value) {
    let r = s
        .client
        .get(s.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// `claims` signed with the tenant's current (real, published) key.
async fn signed_by_tenant(s: &TestServer, apps: &Apps, claims: &Value) -> String {
    let key = s
        .running()
        .rotator
        .keys
        .current(apps.tenant, now())
        .await
        .unwrap();
    tessera_crypto::sign_jwt(&key, claims).unwrap()
}

/// Introspection must not report an ID token as an active access token,
/// and no endpoint that takes an access token takes one.
async fn id_tokens_are_not_access_tokens(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let body = signed_in(&s, &apps).await;
    let access = body["access_token"].as_str().unwrap();
    let id_token = body["id_token"].as_str().unwrap();
    assert_eq!(jwt_claims(id_token)["aud"], apps.conf.to_string());

    // The access token is active for its client (the control)…
    let v = introspect(&s, &apps, access).await;
    assert_eq!(v["active"], true, "{v}");
    // …the ID token, whose audience is that same client, is not.
    let v = introspect(&s, &apps, id_token).await;
    assert_eq!(v, json!({ "active": false }), "an ID token introspected");
    // Nor one with the access token's audience and scopes added: it still
    // lacks the access-token marker.
    let mut c = jwt_claims(id_token);
    c["scp"] = "openid profile User.Read".into();
    let dressed = signed_by_tenant(&s, &apps, &c).await;
    let v = introspect(&s, &apps, &dressed).await;
    assert_eq!(v, json!({ "active": false }), "ID token with scp");
    let (status, www) = userinfo(&s, id_token).await;
    assert_eq!(status, 401, "userinfo took an ID token");
    assert!(www.contains("invalid_token"), "{www}");
    let (status, _) = graph_get(&s, id_token, "/v1.0/me").await;
    assert_eq!(status, 401, "/v1.0/me took an ID token");
}
both_backends!(id_tokens_are_not_access_tokens);

/// A token signed with the tenant's real key but without `iss` (or with
/// `iss` as an array holding the issuer) is refused by introspection,
/// userinfo and the directory API; the same claims with `iss` are accepted.
async fn tokens_without_iss_are_refused(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let body = signed_in(&s, &apps).await;
    let claims = jwt_claims(body["access_token"].as_str().unwrap());
    let issuer = format!("{}/{}/v2.0", s.url, apps.tenant);
    assert_eq!(claims["iss"], issuer);

    // The control: re-signed with the same key and its `iss`, it works.
    let resigned = signed_by_tenant(&s, &apps, &claims).await;
    assert_eq!(introspect(&s, &apps, &resigned).await["active"], true);
    assert_eq!(userinfo(&s, &resigned).await.0, 200);
    assert_eq!(graph_get(&s, &resigned, "/v1.0/me").await.0, 200);

    let mut no_iss = claims.clone();
    no_iss.as_object_mut().unwrap().remove("iss");
    let mut null_iss = claims.clone();
    null_iss["iss"] = Value::Null;
    let mut array_iss = claims.clone();
    array_iss["iss"] = json!([issuer]);
    for (name, forged) in [
        ("no iss", no_iss),
        ("null iss", null_iss),
        ("iss array", array_iss),
    ] {
        let token = signed_by_tenant(&s, &apps, &forged).await;
        let v = introspect(&s, &apps, &token).await;
        assert_eq!(v, json!({ "active": false }), "introspection, {name}");
        let (status, www) = userinfo(&s, &token).await;
        assert_eq!(status, 401, "userinfo, {name}");
        assert!(www.contains("invalid_token"), "{name}: {www}");
        let (status, e) = graph_get(&s, &token, "/v1.0/me").await;
        assert_eq!(status, 401, "/v1.0/me, {name}: {e}");
        assert_eq!(e["error"]["code"], "InvalidAuthenticationToken", "{name}");
    }

    // An app-only token without `iss` opens nothing either.
    let k = super::fixtures::boot(&s);
    let app: Value = super::fixtures::client_credentials(&s, &k)
        .await
        .json()
        .await
        .unwrap();
    let mut app_claims = jwt_claims(app["access_token"].as_str().unwrap());
    app_claims.as_object_mut().unwrap().remove("iss");
    let token = signed_by_tenant(&s, &apps, &app_claims).await;
    let (status, e) = graph_get(&s, &token, "/v1.0/users").await;
    assert_eq!(status, 401, "app-only token without iss: {e}");
}
both_backends!(tokens_without_iss_are_refused);

#[allow(clippy::disallowed_methods)] // tokens are checked against the server's wall clock
fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}
