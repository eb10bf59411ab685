//! Privilege escalation, attempted: administrators of lesser roles try to
//! take over a Global Administrator (reset their password, disable, rename,
//! revoke or delete them), an Application Administrator tries to grant the
//! directory API's application permissions or add a secret to the
//! bootstrap client, and anyone tries to remove the last enabled Global
//! Administrator by any route. Entra's tables decide who may act on whom
//! ("Who can reset passwords", "Who can perform sensitive actions").
use super::fixtures::*;
use serde_json::{json, Value};
use tessera_model::directory_roles::{self as dr, BuiltInRole};
use tessera_model::graph_permissions;
use tessera_model::*;
use tessera_testkit::{both_backends, TestBackend, TestServer};

const USER_SCOPES: &[&str] = &[
    "User.ReadWrite.All",
    "Directory.ReadWrite.All",
    "Application.ReadWrite.All",
];

/// A user holding `roles`, created through the store.
async fn holder(s: &TestServer, local: &str, roles: &[BuiltInRole]) -> ObjectId {
    let t = s.running().tenant_id;
    let upn = format!("{local}@{}", domain(s).await);
    let id = crate::signin::fixtures::user(s, t, &upn).await;
    for r in roles {
        assign(s, id, *r).await;
    }
    id
}

async fn assign(s: &TestServer, principal: ObjectId, r: BuiltInRole) -> ObjectId {
    let id = ObjectId::random(&mut rand::rngs::OsRng);
    s.running()
        .store
        .create_directory_role_assignment(
            s.running().tenant_id,
            &DirectoryRoleAssignment {
                id,
                role_definition_id: r.id,
                principal_id: principal,
                directory_scope_id: "/".into(),
            },
            EPOCH,
        )
        .await
        .unwrap();
    id
}

fn reset(password: &str) -> Value {
    json!({ "passwordProfile": { "password": password, "forceChangePasswordNextSignIn": false } })
}

async fn lesser_administrators_cannot_take_over_a_global_administrator(b: TestBackend) {
    let s = TestServer::start(b).await;
    let ga = holder(&s, "ga2", &[dr::GLOBAL_ADMINISTRATOR]).await;
    let plain = holder(&s, "plain", &[]).await;
    let ua_peer = holder(&s, "ua-peer", &[dr::USER_ADMINISTRATOR]).await;
    let ua = user_with(&s, "ua", USER_SCOPES, &[dr::USER_ADMINISTRATOR]).await;
    let hd = user_with(&s, "hd", USER_SCOPES, &[dr::HELPDESK_ADMINISTRATOR]).await;
    let pw = user_with(&s, "pw", USER_SCOPES, &[dr::PASSWORD_ADMINISTRATOR]).await;
    let aa = user_with(&s, "aa", USER_SCOPES, &[dr::AUTHENTICATION_ADMINISTRATOR]).await;
    let paa = user_with(
        &s,
        "paa",
        USER_SCOPES,
        &[dr::PRIVILEGED_AUTHENTICATION_ADMINISTRATOR],
    )
    .await;

    // Every route a User Administrator had to a Global Administrator.
    let ga_path = format!("/v1.0/users/{ga}");
    for (what, body) in [
        ("password", reset("Taken-Over-Pass-42")),
        ("disable", json!({ "accountEnabled": false })),
        (
            "rename",
            json!({ "userPrincipalName": format!("x@{}", domain(&s).await) }),
        ),
        ("mobile phone", json!({ "mobilePhone": "+1 555 0100" })),
        (
            "other mails",
            json!({ "otherMails": ["thief@evil.example"] }),
        ),
        // A basic property beside a sensitive one: refused whole.
        (
            "mixed",
            json!({ "displayName": "Mine", "accountEnabled": false }),
        ),
    ] {
        for (who, g) in [("ua", &ua.g), ("hd", &hd.g), ("pw", &pw.g), ("aa", &aa.g)] {
            let (st, body) = g.patch(&ga_path, body.clone()).await;
            assert_eq!(st, 403, "{who} {what}: {body}");
        }
    }
    for (who, g) in [("ua", &ua.g), ("hd", &hd.g), ("aa", &aa.g)] {
        assert_eq!(g.delete(&ga_path).await.0, 403, "{who} delete");
        assert_eq!(
            g.post(&format!("{ga_path}/revokeSignInSessions"), json!({}))
                .await
                .0,
            403,
            "{who} revoke"
        );
    }
    let (st, _) =
        ua.g.post(
            "/v1.0/roleManagement/directory/roleAssignments",
            json!({ "roleDefinitionId": dr::GLOBAL_ADMINISTRATOR.id, "principalId": ua.user }),
        )
        .await;
    assert_eq!(
        st, 403,
        "a User Administrator cannot make itself Global Administrator"
    );
    // Nothing changed: the Global Administrator is as it was.
    let u = s
        .running()
        .store
        .get_user(s.running().tenant_id, ga)
        .await
        .unwrap()
        .unwrap();
    assert!(u.account_enabled);
    assert!(u.user_principal_name.starts_with("ga2@"));
    assert!(u.profile.mobile_phone.is_none() && u.profile.other_mails.is_empty());

    // What Entra allows them: a basic property of anyone, and the tables' cells.
    assert_eq!(
        ua.g.patch(&ga_path, json!({ "jobTitle": "CEO" })).await.0,
        204
    );
    let plain_path = format!("/v1.0/users/{plain}");
    for g in [&ua.g, &hd.g, &pw.g, &aa.g, &paa.g] {
        assert_eq!(
            g.patch(&plain_path, reset("Fresh-Start-Pass-42")).await.0,
            204
        );
    }
    let peer_path = format!("/v1.0/users/{ua_peer}");
    assert_eq!(
        ua.g.patch(&peer_path, reset("Peer-Reset-Pass-42")).await.0,
        204
    );
    assert_eq!(
        hd.g.patch(&peer_path, reset("Peer-Reset-Pass-43")).await.0,
        403
    );
    assert_eq!(
        pw.g.patch(&peer_path, reset("Peer-Reset-Pass-44")).await.0,
        403
    );
    // Helpdesk and Password Administrators have no sensitive actions at all.
    assert_eq!(
        hd.g.patch(&plain_path, json!({ "accountEnabled": false }))
            .await
            .0,
        403
    );
    assert_eq!(
        ua.g.patch(&plain_path, json!({ "accountEnabled": false }))
            .await
            .0,
        204
    );
    assert_eq!(
        hd.g.post(&format!("{plain_path}/revokeSignInSessions"), json!({}))
            .await
            .0,
        200
    );
    // A Privileged Authentication Administrator reaches every user.
    assert_eq!(
        paa.g.patch(&ga_path, reset("Privileged-Reset-42")).await.0,
        204
    );
    assert_eq!(
        paa.g
            .patch(&ga_path, json!({ "accountEnabled": false }))
            .await
            .0,
        204
    );
    // An app with User.ReadWrite.All alone reaches only users without roles.
    let app = app_with(&s, &["User.ReadWrite.All"]).await;
    assert_eq!(app.patch(&ga_path, reset("App-Reset-Pass-42")).await.0, 403);
    assert_eq!(app.delete(&peer_path).await.0, 403);
    assert_eq!(
        app.patch(&plain_path, reset("App-Reset-Pass-43")).await.0,
        204
    );
    // Unknown targets stay 404 for whoever may write users.
    let nobody = ObjectId::random(&mut rand::rngs::OsRng);
    assert_eq!(ua.g.delete(&format!("/v1.0/users/{nobody}")).await.0, 404);
}
both_backends!(lesser_administrators_cannot_take_over_a_global_administrator);

async fn the_last_enabled_global_administrator_stays(b: TestBackend) {
    let s = TestServer::start(b).await;
    let g = admin(&s).await; // the bootstrap client: every permission
    let first = bootstrap_admin(&s).await;
    let first_path = format!("/v1.0/users/{first}");
    for attempt in [
        g.delete(&first_path).await,
        g.patch(&first_path, json!({ "accountEnabled": false }))
            .await,
    ] {
        assert_eq!(attempt.0, 409, "{}", attempt.1);
        assert!(
            attempt.1["error"]["message"]
                .as_str()
                .unwrap()
                .contains("last enabled Global Administrator"),
            "{}",
            attempt.1
        );
    }
    // A second one, disabled, does not count.
    let second = holder(&s, "second-ga", &[dr::GLOBAL_ADMINISTRATOR]).await;
    let second_path = format!("/v1.0/users/{second}");
    assert_eq!(
        g.patch(&second_path, json!({ "accountEnabled": false }))
            .await
            .0,
        204
    );
    assert_eq!(g.delete(&first_path).await.0, 409);
    assert_eq!(
        g.patch(&second_path, json!({ "accountEnabled": true }))
            .await
            .0,
        204
    );
    // With two enabled, one may go, by each route; then the other stays.
    assert_eq!(
        g.patch(&first_path, json!({ "accountEnabled": false }))
            .await
            .0,
        204
    );
    assert_eq!(g.delete(&second_path).await.0, 409);
    assert_eq!(
        g.patch(&first_path, json!({ "accountEnabled": true }))
            .await
            .0,
        204
    );
    assert_eq!(g.delete(&second_path).await.0, 204);
    assert_eq!(g.delete(&first_path).await.0, 409);

    // Racing: two Global Administrators' role assignments removed at once
    // (each request alone would be allowed): exactly one goes.
    let third = holder(&s, "third-ga", &[]).await;
    let third_ga = assign(&s, third, dr::GLOBAL_ADMINISTRATOR).await;
    let first_ga = s
        .running()
        .store
        .directory_role_assignments_of(s.running().tenant_id, first)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.role_definition_id == dr::GLOBAL_ADMINISTRATOR.id)
        .unwrap()
        .id;
    let path = |id: ObjectId| format!("/v1.0/roleManagement/directory/roleAssignments/{id}");
    let (pa, pb) = (path(first_ga), path(third_ga));
    let (a, b) = tokio::join!(g.delete(&pa), g.delete(&pb));
    let mut outcomes = [a.0, b.0];
    outcomes.sort();
    assert_eq!(outcomes, [204, 409], "{a:?} {b:?}");
    let left = s
        .running()
        .store
        .list_directory_role_assignments(s.running().tenant_id)
        .await
        .unwrap()
        .into_iter()
        .filter(|x| x.role_definition_id == dr::GLOBAL_ADMINISTRATOR.id)
        .count();
    assert_eq!(left, 1);
}
both_backends!(the_last_enabled_global_administrator_stays);

async fn only_privileged_role_administrators_grant_directory_permissions(b: TestBackend) {
    let s = TestServer::start(b).await;
    let t = s.running().tenant_id;
    let root = admin(&s).await;
    let app_admin = user_with(
        &s,
        "appadmin",
        USER_SCOPES,
        &[dr::APPLICATION_ADMINISTRATOR],
    )
    .await;
    let cloud_admin = user_with(
        &s,
        "cloudadmin",
        USER_SCOPES,
        &[dr::CLOUD_APPLICATION_ADMINISTRATOR],
    )
    .await;
    let pra = user_with(&s, "pra", USER_SCOPES, &[dr::PRIVILEGED_ROLE_ADMINISTRATOR]).await;
    let graph = graph_sp(&s, t).await;
    // An app of the Application Administrator's, and another resource with an app role.
    let (_, mine) = root
        .post("/v1.0/applications", json!({ "displayName": "mine" }))
        .await;
    let (_, mine_sp) = root
        .post("/v1.0/servicePrincipals", json!({ "appId": mine["appId"] }))
        .await;
    let mine_sp = mine_sp["id"].as_str().unwrap().to_string();
    let role = uuid::Uuid::new_v4();
    let (_, api) = root
        .post(
            "/v1.0/applications",
            json!({ "displayName": "api", "appRoles": [{ "id": role, "allowedMemberTypes": ["Application"],
                "description": "Read", "displayName": "Read", "isEnabled": true, "value": "Things.Read" }] }),
        )
        .await;
    let (_, api_sp) = root
        .post("/v1.0/servicePrincipals", json!({ "appId": api["appId"] }))
        .await;
    let api_sp = api_sp["id"].as_str().unwrap().to_string();
    let dir_rw = graph_permissions::application_permission("Directory.ReadWrite.All")
        .unwrap()
        .id;
    let graph_role = json!({ "principalId": mine_sp, "resourceId": graph.id, "appRoleId": dir_rw });

    // Every route to a directory API application permission, refused.
    for (who, g) in [
        ("app admin", &app_admin.g),
        ("cloud app admin", &cloud_admin.g),
    ] {
        for path in [
            format!("/v1.0/servicePrincipals/{}/appRoleAssignedTo", graph.id),
            format!("/v1.0/servicePrincipals/{mine_sp}/appRoleAssignments"),
        ] {
            let (st, body) = g.post(&path, graph_role.clone()).await;
            assert_eq!(st, 403, "{who} {path}: {body}");
        }
        // Delegated directory API permissions that need admin consent too.
        let (st, body) = g
            .post(
                "/v1.0/oauth2PermissionGrants",
                json!({ "clientId": mine_sp, "consentType": "AllPrincipals", "resourceId": graph.id, "scope": "User.Read Directory.ReadWrite.All" }),
            )
            .await;
        assert_eq!(st, 403, "{who}: {body}");
    }
    let held = s
        .running()
        .store
        .app_role_assignments_of(t, mine_sp.parse().unwrap())
        .await
        .unwrap();
    assert!(held.is_empty(), "{held:?}");
    // What they may grant: another API's app role, Graph's user-consent scopes.
    let (st, body) = app_admin
        .g
        .post(
            &format!("/v1.0/servicePrincipals/{api_sp}/appRoleAssignedTo"),
            json!({ "principalId": mine_sp, "resourceId": api_sp, "appRoleId": role }),
        )
        .await;
    assert_eq!(st, 201, "{body}");
    let (st, grant) = app_admin
        .g
        .post(
            "/v1.0/oauth2PermissionGrants",
            json!({ "clientId": mine_sp, "consentType": "AllPrincipals", "resourceId": graph.id, "scope": "User.Read" }),
        )
        .await;
    assert_eq!(st, 201, "{grant}");
    let grant_path = format!(
        "/v1.0/oauth2PermissionGrants/{}",
        grant["id"].as_str().unwrap()
    );
    assert_eq!(
        app_admin
            .g
            .patch(
                &grant_path,
                json!({ "scope": "User.Read Directory.ReadWrite.All" })
            )
            .await
            .0,
        403,
        "widening a grant to an admin-consent scope"
    );
    // A Privileged Role Administrator may, by each route.
    let (st, body) = pra
        .g
        .post(
            &format!("/v1.0/servicePrincipals/{}/appRoleAssignedTo", graph.id),
            graph_role.clone(),
        )
        .await;
    assert_eq!(st, 201, "{body}");
    assert_eq!(
        pra.g
            .patch(
                &grant_path,
                json!({ "scope": "User.Read Directory.ReadWrite.All" })
            )
            .await
            .0,
        204
    );
    // Narrowing a grant back needs no more than the Application Administrator.
    assert_eq!(
        app_admin
            .g
            .patch(&grant_path, json!({ "scope": "User.Read" }))
            .await
            .0,
        204
    );

    // Credentials on an app that holds directory API application
    // permissions (now "mine", and the bootstrap client): GA/PRA only.
    let k = crate::oauth::fixtures::boot(&s);
    let (_, boot_app) = s
        .running()
        .store
        .application_by_app_id(k.client_id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    let app_rw = app_with(&s, &["Application.ReadWrite.All"]).await;
    for app_object in [
        boot_app.id.to_string(),
        mine["id"].as_str().unwrap().to_string(),
    ] {
        let path = format!("/v1.0/applications/{app_object}/addPassword");
        for (who, g) in [
            ("app admin", &app_admin.g),
            ("Application.ReadWrite.All", &app_rw),
        ] {
            let (st, body) = g.post(&path, json!({})).await;
            assert_eq!(st, 403, "{who} {path}: {body}");
            assert!(body.get("secretText").is_none());
        }
    }
    let secrets = s
        .running()
        .store
        .list_password_credentials(t, boot_app.id)
        .await
        .unwrap()
        .len();
    assert_eq!(secrets, 1, "only the bootstrap secret");
    // A Privileged Role Administrator does not write applications; a
    // caller that may do both does (here the bootstrap client).
    let mine_secret = format!(
        "/v1.0/applications/{}/addPassword",
        mine["id"].as_str().unwrap()
    );
    assert_eq!(pra.g.post(&mine_secret, json!({})).await.0, 403);
    let (st, body) = root.post(&mine_secret, json!({})).await;
    assert_eq!(st, 200, "{body}");
    // An ordinary app: the Application Administrator adds a secret as before.
    let (st, body) = app_admin
        .g
        .post(
            &format!(
                "/v1.0/applications/{}/addPassword",
                api["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    assert_eq!(st, 200, "{body}");
}
both_backends!(only_privileged_role_administrators_grant_directory_permissions);
