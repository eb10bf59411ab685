//! What ends a signed-in user's access before its tokens expire, tried
//! against the real server: `revokeSignInSessions`, disabling and deleting
//! the user (userinfo and introspection refuse the access token issued
//! before, as the directory API does), and deleting or narrowing the consent
//! a refresh token relies on (the next refresh is `invalid_grant`
//! AADSTS65001, as in Entra; scopes still consented can still be asked for).
use super::fixtures::*;
use crate::oauth::own_tokens::{introspect, signed_in, userinfo};
use serde_json::{json, Value};
use tessera_testkit::{both_backends, TestBackend, TestServer};

/// The bootstrap client's token for the directory API.
async fn admin_token(s: &TestServer) -> String {
    let k = crate::oauth::fixtures::boot(s);
    let r = crate::oauth::fixtures::client_credentials(s, &k).await;
    let body: Value = r.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_string()
}

/// A directory API call as the bootstrap client: status and body.
async fn graph(
    s: &TestServer,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut r = s
        .client
        .request(method, s.url(path))
        .bearer_auth(admin_token(s).await);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Userinfo must answer 401 `invalid_token` for `token`.
async fn userinfo_refuses(s: &TestServer, token: &str, why: &str) {
    let (status, www) = userinfo(s, token).await;
    assert_eq!(status, 401, "userinfo after {why}");
    assert!(
        www.starts_with("Bearer") && www.contains("error=\"invalid_token\""),
        "{why}: {www}"
    );
}

async fn userinfo_after_revoked_sessions(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let body = signed_in(&s, &apps).await;
    let access = body["access_token"].as_str().unwrap();
    // The controls: the token works before.
    assert_eq!(userinfo(&s, access).await.0, 200);
    assert_eq!(introspect(&s, &apps, access).await["active"], true);

    let (status, r) = graph(
        &s,
        reqwest::Method::POST,
        &format!("/v1.0/users/{}/revokeSignInSessions", apps.user),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    userinfo_refuses(&s, access, "revokeSignInSessions").await;
    let v = introspect(&s, &apps, access).await;
    assert_eq!(
        v,
        json!({ "active": false }),
        "introspection after revocation"
    );
    // POST (the same body as GET) too.
    let r = s
        .client
        .post(s.url("/oidc/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}
both_backends!(userinfo_after_revoked_sessions);

async fn userinfo_for_disabled_and_deleted_users(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let body = signed_in(&s, &apps).await;
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(userinfo(&s, access).await.0, 200);
    let user = format!("/v1.0/users/{}", apps.user);

    let (status, r) = graph(
        &s,
        reqwest::Method::PATCH,
        &user,
        Some(json!({ "accountEnabled": false })),
    )
    .await;
    assert_eq!(status, 204, "{r}");
    userinfo_refuses(&s, access, "disabling the user").await;
    let v = introspect(&s, &apps, access).await;
    assert_eq!(
        v,
        json!({ "active": false }),
        "introspection, disabled user"
    );

    let (status, r) = graph(&s, reqwest::Method::DELETE, &user, None).await;
    assert_eq!(status, 204, "{r}");
    userinfo_refuses(&s, access, "deleting the user").await;
    let v = introspect(&s, &apps, access).await;
    assert_eq!(v, json!({ "active": false }), "introspection, deleted user");
}
both_backends!(userinfo_for_disabled_and_deleted_users);

/// A refresh by the confidential web app, with `scope` when given.
async fn refresh(s: &TestServer, apps: &Apps, rt: &str, scope: Option<&str>) -> (u16, Value) {
    let conf = apps.conf.to_string();
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("client_id", conf.as_str()),
        ("client_secret", apps.secret.as_str()),
        ("refresh_token", rt),
    ];
    if let Some(sc) = scope {
        form.push(("scope", sc));
    }
    let r = crate::oauth::fixtures::token(s, &apps.tenant.to_string(), &form).await;
    (r.status().as_u16(), r.json().await.unwrap())
}

fn assert_consent_required(got: &(u16, Value), what: &str) {
    let (status, body) = got;
    assert_eq!(*status, 400, "{what}: {body}");
    assert_eq!(body["error"], "invalid_grant", "{what}: {body}");
    assert_eq!(body["error_codes"][0], 65001, "{what}: {body}");
}

/// The user's consent grant for the confidential web app, through Graph.
async fn consent_grant(s: &TestServer, apps: &Apps) -> Value {
    let sp = s
        .running()
        .store
        .service_principal_by_app_id(apps.tenant, apps.conf)
        .await
        .unwrap()
        .unwrap();
    let (status, all) = graph(
        s,
        reqwest::Method::GET,
        "/v1.0/oauth2PermissionGrants",
        None,
    )
    .await;
    assert_eq!(status, 200, "{all}");
    let mine: Vec<&Value> = all["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["clientId"] == sp.id.to_string())
        .collect();
    assert_eq!(mine.len(), 1, "{all}");
    mine[0].clone()
}

async fn refresh_rechecks_consent(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let body = signed_in(&s, &apps).await;
    let rt = body["refresh_token"].as_str().unwrap().to_string();
    // The control: the refresh works while consent stands.
    let (status, body) = refresh(&s, &apps, &rt, None).await;
    assert_eq!(status, 200, "{body}");
    let rt = body["refresh_token"].as_str().unwrap().to_string();
    let grant = consent_grant(&s, &apps).await;
    assert!(
        grant["scope"].as_str().unwrap().contains("User.Read"),
        "{grant}"
    );
    let id = grant["id"].as_str().unwrap();

    // Narrowed: User.Read is no longer consented. The family's scopes (or
    // User.Read asked for by name) are refused; what is still consented
    // can be asked for, and the token carries only that.
    let (status, r) = graph(
        &s,
        reqwest::Method::PATCH,
        &format!("/v1.0/oauth2PermissionGrants/{id}"),
        Some(json!({ "scope": "openid profile offline_access" })),
    )
    .await;
    assert_eq!(status, 204, "{r}");
    assert_consent_required(
        &refresh(&s, &apps, &rt, None).await,
        "narrowed, family scope",
    );
    assert_consent_required(
        &refresh(&s, &apps, &rt, Some("openid offline_access User.Read")).await,
        "narrowed, User.Read asked for",
    );
    let (status, body) = refresh(&s, &apps, &rt, Some("openid profile offline_access")).await;
    assert_eq!(status, 200, "still-consented scopes: {body}");
    let scp = jwt_claims(body["access_token"].as_str().unwrap())["scp"].clone();
    assert!(!scp.as_str().unwrap().contains("User.Read"), "{scp}");
    let rt = body["refresh_token"].as_str().unwrap().to_string();

    // Deleted: nothing is consented any more; every refresh is refused.
    let (status, r) = graph(
        &s,
        reqwest::Method::DELETE,
        &format!("/v1.0/oauth2PermissionGrants/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 204, "{r}");
    assert_consent_required(
        &refresh(&s, &apps, &rt, None).await,
        "deleted, family scope",
    );
    assert_consent_required(
        &refresh(&s, &apps, &rt, Some("openid profile offline_access")).await,
        "deleted, OIDC scopes",
    );
}
both_backends!(refresh_rechecks_consent);
