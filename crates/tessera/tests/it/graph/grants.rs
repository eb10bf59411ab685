//! Service principals, app role assignments, delegated permission grants
//! and directory role assignments through the API — and that each takes
//! effect where it matters: a role assigned through the API appears in the
//! next token; a directory role granted through the API opens delegated
//! writes at the next request, and closes them when removed.
use super::fixtures::*;
use serde_json::{json, Value};
use tessera_model::directory_roles as dr;
use tessera_model::graph_permissions;
use tessera_testkit::{both_backends, TestBackend, TestServer};

async fn client_credentials(s: &TestServer, app_id: &str, secret: &str, scope: &str) -> Value {
    let t = s.running().tenant_id.to_string();
    let r = crate::oauth::fixtures::token(
        s,
        &t,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", app_id),
            ("client_secret", secret),
            ("scope", scope),
        ],
    )
    .await;
    r.json().await.unwrap()
}

/// An application with a secret and its service principal, made through the API.
async fn registered(g: &Graph, name: &str, roles: Value) -> (String, String, String) {
    let (st, app) = g
        .post(
            "/v1.0/applications",
            json!({ "displayName": name, "appRoles": roles }),
        )
        .await;
    assert_eq!(st, 201, "{app}");
    let (id, app_id) = (
        app["id"].as_str().unwrap(),
        app["appId"].as_str().unwrap().to_string(),
    );
    let (st, pw) = g
        .post(&format!("/v1.0/applications/{id}/addPassword"), json!({}))
        .await;
    assert_eq!(st, 200);
    let (st, sp) = g
        .post("/v1.0/servicePrincipals", json!({ "appId": app_id }))
        .await;
    assert_eq!(st, 201, "{sp}");
    (
        app_id,
        pw["secretText"].as_str().unwrap().to_string(),
        sp["id"].as_str().unwrap().to_string(),
    )
}

async fn assignments_take_effect_in_tokens(b: TestBackend) {
    let s = TestServer::start(b).await;
    let g = admin(&s).await;
    let role_id = "3c0d6f2e-4c4a-4a7a-9a64-0a8f6b2d8c11";
    let (api_id, _, api_sp) = registered(&g, "Ledger API", json!([{ "id": role_id, "allowedMemberTypes": ["Application"], "description": "Read", "displayName": "Read", "isEnabled": true, "value": "Ledger.Read" }])).await;
    let (client_id, client_secret, client_sp) = registered(&g, "Ledger worker", json!([])).await;
    let (st, e) = g
        .post("/v1.0/servicePrincipals", json!({ "appId": api_id }))
        .await;
    assert_eq!(st, 400, "a second service principal for the app: {e}");
    let (st, _) = g
        .post(
            "/v1.0/servicePrincipals",
            json!({ "appId": "00000000-0000-0000-0000-00000000beef" }),
        )
        .await;
    assert_eq!(st, 404);

    // Alternate-key addressing, as the SDKs use it.
    let (st, by_app) = g
        .get(&format!(
            "/v1.0/servicePrincipals(appId='{api_id}')?$select=id"
        ))
        .await;
    assert_eq!(
        (st, by_app["id"].as_str()),
        (200, Some(api_sp.as_str())),
        "{by_app}"
    );
    let (st, by_app) = g
        .get(&format!(
            "/v1.0/servicePrincipals(appId=%27{api_id}%27)/appRoleAssignedTo"
        ))
        .await;
    assert_eq!(st, 200, "{by_app}");
    let (st, app) = g
        .get(&format!(
            "/v1.0/applications(appId='{api_id}')?$select=displayName"
        ))
        .await;
    assert_eq!((st, app["displayName"].as_str()), (200, Some("Ledger API")));
    assert_eq!(
        g.get("/v1.0/servicePrincipals(appId='00000000-0000-0000-0000-00000000beef')")
            .await
            .0,
        404
    );
    assert_eq!(g.get("/v1.0/servicePrincipals(appId='nope')").await.0, 400);
    assert_eq!(
        g.get(&format!("/v1.0/groups(appId='{api_id}')")).await.0,
        400
    );

    let scope = format!("api://{api_id}/.default");
    let before = client_credentials(&s, &client_id, &client_secret, &scope).await;
    let claims = crate::signin::fixtures::jwt_claims(before["access_token"].as_str().unwrap());
    assert!(claims.get("roles").is_none(), "{claims}");
    let (st, a) = g
        .post(
            &format!("/v1.0/servicePrincipals/{api_sp}/appRoleAssignedTo"),
            json!({ "principalId": client_sp, "resourceId": api_sp, "appRoleId": role_id }),
        )
        .await;
    assert_eq!(st, 201, "{a}");
    assert_eq!(a["principalType"], "ServicePrincipal");
    assert_eq!(a["resourceDisplayName"], "Ledger API");
    let after = client_credentials(&s, &client_id, &client_secret, &scope).await;
    let claims = crate::signin::fixtures::jwt_claims(after["access_token"].as_str().unwrap());
    assert_eq!(claims["roles"], json!(["Ledger.Read"]));
    let (_, held) = g
        .get(&format!(
            "/v1.0/servicePrincipals/{client_sp}/appRoleAssignments"
        ))
        .await;
    assert_eq!(held["value"].as_array().unwrap().len(), 1);
    // Refused: again, an unknown role, a role for users only, a missing principal.
    for (what, body, want) in [
        (
            "duplicate",
            json!({ "principalId": client_sp, "resourceId": api_sp, "appRoleId": role_id }),
            400,
        ),
        (
            "unknown role",
            json!({ "principalId": client_sp, "resourceId": api_sp, "appRoleId": "00000000-0000-0000-0000-000000000042" }),
            400,
        ),
        (
            "missing principal",
            json!({ "principalId": "00000000-0000-0000-0000-00000000beef", "resourceId": api_sp, "appRoleId": role_id }),
            404,
        ),
        (
            "path mismatch",
            json!({ "principalId": client_sp, "resourceId": client_sp, "appRoleId": role_id }),
            400,
        ),
        (
            "unknown property",
            json!({ "principalId": client_sp, "resourceId": api_sp, "appRoleId": role_id, "x": 1 }),
            400,
        ),
    ] {
        let (st, e) = g
            .post(
                &format!("/v1.0/servicePrincipals/{api_sp}/appRoleAssignedTo"),
                body,
            )
            .await;
        assert_eq!(st, want, "{what}: {e}");
    }
    let (st, _) = g
        .delete(&format!(
            "/v1.0/servicePrincipals/{api_sp}/appRoleAssignedTo/{}",
            a["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(st, 204);
    let gone = client_credentials(&s, &client_id, &client_secret, &scope).await;
    let claims = crate::signin::fixtures::jwt_claims(gone["access_token"].as_str().unwrap());
    assert!(claims.get("roles").is_none(), "{claims}");

    // A directory API permission granted through the API opens exactly it.
    let graph = graph_sp(&s, s.running().tenant_id).await;
    let read_all = graph_permissions::application_permission("User.Read.All")
        .unwrap()
        .id;
    let (st, _) = g
        .post(
            &format!("/v1.0/servicePrincipals/{client_sp}/appRoleAssignments"),
            json!({ "principalId": client_sp, "resourceId": graph.id, "appRoleId": read_all }),
        )
        .await;
    assert_eq!(st, 201);
    let tok = client_credentials(
        &s,
        &client_id,
        &client_secret,
        "https://graph.microsoft.com/.default",
    )
    .await;
    let worker = Graph::with(&s, tok["access_token"].as_str().unwrap().into());
    assert_eq!(worker.get("/v1.0/users").await.0, 200);
    assert_eq!(worker.get("/v1.0/groups").await.0, 403);
    assert_eq!(
        worker
            .post(
                &format!("/v1.0/servicePrincipals/{api_sp}/appRoleAssignedTo"),
                json!({})
            )
            .await
            .0,
        403
    );

    // Disabling and deleting service principals.
    let (st, _) = g
        .patch(
            &format!("/v1.0/servicePrincipals/{api_sp}"),
            json!({ "accountEnabled": false, "appRoleAssignmentRequired": true }),
        )
        .await;
    assert_eq!(st, 204);
    let (_, sp) = g
        .get(&format!(
            "/v1.0/servicePrincipals/{api_sp}?$select=accountEnabled,appRoleAssignmentRequired"
        ))
        .await;
    assert_eq!(
        (
            sp["accountEnabled"].clone(),
            sp["appRoleAssignmentRequired"].clone()
        ),
        (json!(false), json!(true))
    );
    let (_, f) = g
        .get(&format!(
            "/v1.0/servicePrincipals?$filter=appId eq '{api_id}'&$select=id"
        ))
        .await;
    assert_eq!(f["value"][0]["id"], api_sp.as_str());
    assert_eq!(
        g.delete(&format!("/v1.0/servicePrincipals/{}", graph.id))
            .await
            .0,
        409,
        "the directory API's own"
    );
    assert_eq!(
        g.delete(&format!("/v1.0/servicePrincipals/{api_sp}"))
            .await
            .0,
        204
    );
    assert_eq!(
        g.get(&format!("/v1.0/servicePrincipals/{api_sp}")).await.0,
        404
    );
}
both_backends!(assignments_take_effect_in_tokens);

async fn delegated_grants_and_directory_roles(b: TestBackend) {
    let s = TestServer::start(b).await;
    let g = admin(&s).await;
    let (_, _, client_sp) = registered(&g, "Notes", json!([])).await;
    let graph = graph_sp(&s, s.running().tenant_id).await;
    let (st, grant) = g
        .post("/v1.0/oauth2PermissionGrants", json!({ "clientId": client_sp, "consentType": "AllPrincipals", "resourceId": graph.id, "scope": "User.Read openid" }))
        .await;
    assert_eq!(st, 201, "{grant}");
    let gid = grant["id"].as_str().unwrap().to_string();
    let (_, list) = g
        .get(&format!(
            "/v1.0/oauth2PermissionGrants?$filter=clientId eq '{client_sp}'"
        ))
        .await;
    assert_eq!(list["value"].as_array().unwrap().len(), 1);
    assert_eq!(list["value"][0]["scope"], "User.Read openid");
    for (what, body, want) in [
        (
            "again",
            json!({ "clientId": client_sp, "consentType": "AllPrincipals", "resourceId": graph.id, "scope": "User.Read" }),
            409,
        ),
        (
            "unknown scope",
            json!({ "clientId": client_sp, "consentType": "AllPrincipals", "resourceId": graph.id, "scope": "Everything.All" }),
            400,
        ),
        (
            "principal missing",
            json!({ "clientId": client_sp, "consentType": "Principal", "resourceId": graph.id, "scope": "User.Read" }),
            400,
        ),
        (
            "bad consent type",
            json!({ "clientId": client_sp, "consentType": "Some", "resourceId": graph.id, "scope": "User.Read" }),
            400,
        ),
    ] {
        let (st, e) = g.post("/v1.0/oauth2PermissionGrants", body).await;
        assert_eq!(st, want, "{what}: {e}");
    }
    assert_eq!(
        g.patch(
            &format!("/v1.0/oauth2PermissionGrants/{gid}"),
            json!({ "scope": "User.Read.All" })
        )
        .await
        .0,
        204
    );
    assert_eq!(
        g.patch(
            &format!("/v1.0/oauth2PermissionGrants/{gid}"),
            json!({ "scope": "Nope" })
        )
        .await
        .0,
        400
    );
    let (_, one) = g.get(&format!("/v1.0/oauth2PermissionGrants/{gid}")).await;
    assert_eq!(one["scope"], "User.Read.All");
    assert_eq!(
        g.delete(&format!("/v1.0/oauth2PermissionGrants/{gid}"))
            .await
            .0,
        204
    );
    assert_eq!(
        g.get(&format!("/v1.0/oauth2PermissionGrants/{gid}"))
            .await
            .0,
        404
    );

    // A role granted through the API opens delegated writes at the next request.
    let d = domain(&s).await;
    let del = user_with(&s, "helpdesk", &["User.ReadWrite.All"], &[]).await;
    assert_eq!(del.g.post("/v1.0/users", new_user("h1", &d)).await.0, 403);
    let (st, ra) = g
        .post("/v1.0/roleManagement/directory/roleAssignments", json!({ "roleDefinitionId": dr::USER_ADMINISTRATOR.id, "principalId": del.user, "directoryScopeId": "/" }))
        .await;
    assert_eq!(st, 201, "{ra}");
    assert_eq!(del.g.post("/v1.0/users", new_user("h2", &d)).await.0, 201);
    let (_, defs) = g
        .get("/v1.0/roleManagement/directory/roleDefinitions")
        .await;
    assert_eq!(defs["value"].as_array().unwrap().len(), dr::ALL.len());
    let (_, mine) = g
        .get(&format!(
            "/v1.0/roleManagement/directory/roleAssignments?$filter=principalId eq '{}'",
            del.user
        ))
        .await;
    assert_eq!(mine["value"].as_array().unwrap().len(), 1);
    assert_eq!(
        g.delete(&format!(
            "/v1.0/roleManagement/directory/roleAssignments/{}",
            ra["id"].as_str().unwrap()
        ))
        .await
        .0,
        204
    );
    assert_eq!(
        del.g.post("/v1.0/users", new_user("h3", &d)).await.0,
        403,
        "the role is gone at once"
    );
    // The last Global Administrator stays; bad roles and scopes are refused.
    let (_, ga) = g
        .get(&format!(
            "/v1.0/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '{}'",
            dr::GLOBAL_ADMINISTRATOR.id
        ))
        .await;
    let ga_id = ga["value"][0]["id"].as_str().unwrap();
    assert_eq!(
        g.delete(&format!(
            "/v1.0/roleManagement/directory/roleAssignments/{ga_id}"
        ))
        .await
        .0,
        409
    );
    for body in [
        json!({ "roleDefinitionId": "00000000-0000-0000-0000-000000000001", "principalId": del.user }),
        json!({ "roleDefinitionId": dr::GLOBAL_READER.id, "principalId": del.user, "directoryScopeId": "/administrativeUnits/x" }),
    ] {
        assert_eq!(
            g.post("/v1.0/roleManagement/directory/roleAssignments", body)
                .await
                .0,
            400
        );
    }
    // Least privilege: Directory.ReadWrite.All reads role assignments but cannot grant roles.
    let dir = app_with(&s, &["Directory.ReadWrite.All"]).await;
    assert_eq!(
        dir.get("/v1.0/roleManagement/directory/roleAssignments")
            .await
            .0,
        200
    );
    let (st, _) = dir
        .post(
            "/v1.0/roleManagement/directory/roleAssignments",
            json!({ "roleDefinitionId": dr::GLOBAL_ADMINISTRATOR.id, "principalId": del.user }),
        )
        .await;
    assert_eq!(st, 403);
    assert_eq!(
        dir.post("/v1.0/oauth2PermissionGrants", json!({})).await.0,
        403
    );
}
both_backends!(delegated_grants_and_directory_roles);
