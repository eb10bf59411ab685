//! What ends a signed-in user's access before its tokens expire, tried
//! against the real server: `revokeSignInSessions`, disabling and deleting
//! the user (userinfo and introspection refuse the access token issued
//! before, as the directory API does).
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
