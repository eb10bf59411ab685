//! Who may get a token: apps that require assignment
//! (`appRoleAssignmentRequired`, AADSTS50105 at sign-in and at every token
//! a grant yields; app-only tokens for a resource that requires it), and
//! password changes and resets that end the user's other sessions and
//! refresh tokens.
use super::fixtures::*;
use serde_json::{json, Value};
use tessera_testkit::{both_backends, TestBackend, TestServer};

const SCOPE: &str = "openid profile offline_access User.Read";

async fn token(s: &TestServer, form: &[(&str, &str)]) -> (u16, Value) {
    let r = crate::oauth::fixtures::token(s, &s.running().tenant_id.to_string(), form).await;
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn refresh(s: &TestServer, apps: &Apps, rt: &str) -> (u16, Value) {
    let c = apps.conf.to_string();
    token(
        s,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &c),
            ("client_secret", &apps.secret),
            ("refresh_token", rt),
        ],
    )
    .await
}

/// Signs `apps.upn` in through `br` to the confidential app and redeems the
/// code: (status, token response).
async fn sign_in_to_conf(s: &TestServer, br: &mut Browser, apps: &Apps) -> (u16, Value) {
    let p = code_for(
        br,
        apps,
        apps.conf,
        WEB_REDIRECT,
        &[
            ("scope", SCOPE),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    super::flow::redeem_conf(s, apps, &p["code"], Some(VERIFIER)).await
}

fn aadsts(body: &Value) -> Vec<u64> {
    body["error_codes"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default()
}

async fn apps_that_require_assignment(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let t = apps.tenant;
    let g = crate::graph::fixtures::admin(&s).await;
    let store = &s.running().store;
    // Before the requirement: Ada signs in and holds a refresh token.
    let mut br = Browser::new(&s);
    let (st, body) = sign_in_to_conf(&s, &mut br, &apps).await;
    assert_eq!(st, 200, "{body}");
    let rt = body["refresh_token"].as_str().unwrap().to_string();
    let sp = store
        .service_principal_by_app_id(t, apps.conf)
        .await
        .unwrap()
        .unwrap();
    let (st, body) = g
        .patch(
            &format!("/v1.0/servicePrincipals/{}", sp.id),
            json!({ "appRoleAssignmentRequired": true }),
        )
        .await;
    assert_eq!(st, 204, "{body}");

    // Not assigned: the next refresh is refused, and so is a new sign-in.
    let (st, body) = refresh(&s, &apps, &rt).await;
    assert_eq!(st, 400, "{body}");
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(aadsts(&body), vec![50105], "{body}");
    let mut br = Browser::new(&s);
    let page = br
        .get(&authorize_path(
            t,
            apps.conf,
            WEB_REDIRECT,
            &[
                ("scope", SCOPE),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
            ],
        ))
        .await
        .text()
        .await
        .unwrap();
    let r = sign_in(&mut br, page, &apps.upn, PASSWORD).await;
    assert_eq!(r.status(), 403);
    assert!(r.headers().get("location").is_none(), "no code goes back");
    assert!(r.text().await.unwrap().contains("AADSTS50105"));

    // Assigned through a group inside a group (transitively): both work.
    let (_, outer) = g
        .post(
            "/v1.0/groups",
            json!({ "displayName": "outer", "mailEnabled": false, "mailNickname": "outer", "securityEnabled": true }),
        )
        .await;
    let (_, inner) = g
        .post(
            "/v1.0/groups",
            json!({ "displayName": "inner", "mailEnabled": false, "mailNickname": "inner", "securityEnabled": true }),
        )
        .await;
    let member = |id: &str| json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}") });
    let outer_id = outer["id"].as_str().unwrap();
    let inner_id = inner["id"].as_str().unwrap();
    g.post(
        &format!("/v1.0/groups/{outer_id}/members/$ref"),
        member(inner_id),
    )
    .await;
    g.post(
        &format!("/v1.0/groups/{inner_id}/members/$ref"),
        member(&apps.user.to_string()),
    )
    .await;
    let (st, assignment) = g
        .post(
            &format!("/v1.0/servicePrincipals/{}/appRoleAssignedTo", sp.id),
            json!({ "principalId": outer_id, "resourceId": sp.id, "appRoleId": uuid::Uuid::nil() }),
        )
        .await;
    assert_eq!(st, 201, "{assignment}");
    let mut br = Browser::new(&s);
    let (st, body) = sign_in_to_conf(&s, &mut br, &apps).await;
    assert_eq!(st, 200, "{body}");
    let rt2 = body["refresh_token"].as_str().unwrap().to_string();
    let (st, body) = refresh(&s, &apps, &rt2).await;
    assert_eq!(st, 200, "{body}");
    let rt3 = body["refresh_token"].as_str().unwrap().to_string();

    // The assignment removed: the very next token is refused.
    let (st, _) = g
        .delete(&format!(
            "/v1.0/servicePrincipals/{}/appRoleAssignedTo/{}",
            sp.id,
            assignment["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(st, 204);
    let (st, body) = refresh(&s, &apps, &rt3).await;
    assert_eq!((st, aadsts(&body)), (400, vec![50105]), "{body}");

    // App-only: a resource that requires assignment, and a client without
    // one of its app roles.
    let role = uuid::Uuid::new_v4();
    let (_, api) = g
        .post(
            "/v1.0/applications",
            json!({ "displayName": "orders api", "identifierUris": [], "appRoles": [{ "id": role, "allowedMemberTypes": ["Application"],
                "description": "Read orders", "displayName": "Read orders", "isEnabled": true, "value": "Orders.Read" }] }),
        )
        .await;
    let (_, api_sp) = g
        .post("/v1.0/servicePrincipals", json!({ "appId": api["appId"] }))
        .await;
    let api_sp_id = api_sp["id"].as_str().unwrap();
    g.patch(
        &format!("/v1.0/servicePrincipals/{api_sp_id}"),
        json!({ "appRoleAssignmentRequired": true }),
    )
    .await;
    let c = apps.conf.to_string();
    let scope = format!("{}/.default", api["appId"].as_str().unwrap());
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", c.as_str()),
        ("client_secret", apps.secret.as_str()),
        ("scope", scope.as_str()),
    ];
    let (st, body) = token(&s, &form).await;
    assert_eq!((st, aadsts(&body)), (400, vec![50105]), "{body}");
    let (st, body) = g
        .post(
            &format!("/v1.0/servicePrincipals/{api_sp_id}/appRoleAssignedTo"),
            json!({ "principalId": sp.id, "resourceId": api_sp_id, "appRoleId": role }),
        )
        .await;
    assert_eq!(st, 201, "{body}");
    let (st, body) = token(&s, &form).await;
    assert_eq!(st, 200, "{body}");
    let claims = jwt_claims(body["access_token"].as_str().unwrap());
    assert_eq!(claims["roles"], json!(["Orders.Read"]));
}
both_backends!(apps_that_require_assignment);

async fn password_changes_end_other_sessions(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let t = apps.tenant;
    let store = &s.running().store;
    // Two browsers (say, laptop and phone) signed in, each with a refresh token.
    let mut laptop = Browser::new(&s);
    let (_, body) = sign_in_to_conf(&s, &mut laptop, &apps).await;
    let laptop_rt = body["refresh_token"].as_str().unwrap().to_string();
    let mut phone = Browser::new(&s);
    let (_, body) = sign_in_to_conf(&s, &mut phone, &apps).await;
    let phone_rt = body["refresh_token"].as_str().unwrap().to_string();

    // On the laptop, Ada changes her password on the security info page.
    let info = format!("/{t}/mysecurityinfo/password");
    let page = laptop.get(&info).await.text().await.unwrap();
    let csrf = input(&page, "csrf").expect("the password page");
    let new = "Changed-Here-Pass-77";
    let r = laptop
        .post(
            &info,
            &[
                ("csrf", &csrf),
                ("current_password", PASSWORD),
                ("new_password", new),
                ("confirm_password", new),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    // The phone's refresh token and session are ended; the laptop goes on.
    let (st, body) = refresh(&s, &apps, &phone_rt).await;
    assert_eq!(st, 400, "{body}");
    assert_eq!(body["error"], "invalid_grant");
    let (st, body) = refresh(&s, &apps, &laptop_rt).await;
    assert_eq!(st, 200, "the session that changed it goes on: {body}");
    let laptop_rt = body["refresh_token"].as_str().unwrap().to_string();
    let page = phone
        .get(&format!("/{t}/mysecurityinfo"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("id=\"password-form\""),
        "the phone signs in again"
    );

    // An administrator's reset through Graph ends every session.
    let g = crate::graph::fixtures::admin(&s).await;
    let (st, body) = g
        .patch(
            &format!("/v1.0/users/{}", apps.user),
            json!({ "passwordProfile": { "password": "Reset-By-Admin-88", "forceChangePasswordNextSignIn": false } }),
        )
        .await;
    assert_eq!(st, 204, "{body}");
    let (st, body) = refresh(&s, &apps, &laptop_rt).await;
    assert_eq!(st, 400, "{body}");
    let page = laptop
        .get(&format!("/{t}/mysecurityinfo"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"password-form\""));

    // Disabling (and enabling again) ends them too: tokens of before stay refused.
    let mut br = Browser::new(&s);
    let user = store.get_user(t, apps.user).await.unwrap().unwrap();
    let hash = tessera_crypto::PasswordHasher::default()
        .hash(PASSWORD, &mut rand::rngs::OsRng)
        .unwrap();
    store
        .change_password(
            t,
            user.id,
            &hash.to_string(),
            false,
            None,
            time::OffsetDateTime::UNIX_EPOCH,
        )
        .await
        .unwrap();
    let (_, body) = sign_in_to_conf(&s, &mut br, &apps).await;
    let rt = body["refresh_token"].as_str().unwrap().to_string();
    let path = format!("/v1.0/users/{}", apps.user);
    assert_eq!(
        g.patch(&path, json!({ "accountEnabled": false })).await.0,
        204
    );
    assert_eq!(
        g.patch(&path, json!({ "accountEnabled": true })).await.0,
        204
    );
    let (st, body) = refresh(&s, &apps, &rt).await;
    assert_eq!(st, 400, "{body}");
}
both_backends!(password_changes_end_other_sessions);

/// `max_age=0` right after a sign-in (the same second) asks again, as
/// `prompt=login` does; the new sign-in then issues the code.
async fn max_age_zero_asks_again(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let mut br = Browser::new(&s);
    let (st, _) = sign_in_to_conf(&s, &mut br, &apps).await;
    assert_eq!(st, 200);
    let path = authorize_path(
        apps.tenant,
        apps.conf,
        WEB_REDIRECT,
        &[
            ("scope", SCOPE),
            ("max_age", "0"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
    );
    let r = br.get(&path).await;
    assert_eq!(r.status(), 200, "the sign-in page, not a code");
    let page = r.text().await.unwrap();
    assert!(page.contains("id=\"password-form\""), "{page}");
    let r = sign_in(&mut br, page, &apps.upn, PASSWORD).await;
    assert!(r.status().is_redirection());
    assert!(location_params(&r).contains_key("code"));
}
both_backends!(max_age_zero_asks_again);
