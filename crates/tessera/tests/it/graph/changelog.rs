//! Every kind of write through the directory API appends to the change
//! log (each store write logs inside its own transaction), and no entry
//! carries a secret.
use super::fixtures::*;
use serde_json::json;
use tessera_model::{ChangeType, ObjectKind};
use tessera_testkit::{both_backends, TestBackend, TestServer};

async fn every_write_is_logged(b: TestBackend) {
    let s = TestServer::start(b).await;
    let g = admin(&s).await;
    let t = s.running().tenant_id;
    let d = domain(&s).await;
    let start = s
        .running()
        .store
        .changes_since(t, 0, 100_000)
        .await
        .unwrap()
        .last()
        .map_or(0, |c| c.seq);
    let changes = |after: i64| {
        let store = s.running().store.clone();
        async move { store.changes_since(t, after, 100_000).await.unwrap() }
    };
    // Each step: the request, and the object kind and change type it must log.
    let (_, u) = g.post("/v1.0/users", new_user("logged", &d)).await;
    let uid = u["id"].as_str().unwrap().to_string();
    let (_, grp) = g.post("/v1.0/groups", json!({ "displayName": "l", "mailEnabled": false, "mailNickname": "l", "securityEnabled": true })).await;
    let gid = grp["id"].as_str().unwrap().to_string();
    let (_, app) = g
        .post("/v1.0/applications", json!({ "displayName": "logged" }))
        .await;
    let (aid, app_id) = (
        app["id"].as_str().unwrap().to_string(),
        app["appId"].as_str().unwrap().to_string(),
    );
    let (_, pw) = g
        .post(&format!("/v1.0/applications/{aid}/addPassword"), json!({}))
        .await;
    let secret = pw["secretText"].as_str().unwrap().to_string();
    let (_, sp) = g
        .post("/v1.0/servicePrincipals", json!({ "appId": app_id }))
        .await;
    let spid = sp["id"].as_str().unwrap().to_string();
    let graph = graph_sp(&s, t).await;
    let steps: Vec<(String, ObjectKind, ChangeType)> = vec![
        ("patch user".into(), ObjectKind::User, ChangeType::Updated),
        ("member".into(), ObjectKind::Group, ChangeType::Updated),
        ("owner".into(), ObjectKind::Group, ChangeType::Updated),
        (
            "app role assignment".into(),
            ObjectKind::AppRoleAssignment,
            ChangeType::Created,
        ),
        (
            "grant".into(),
            ObjectKind::OAuth2PermissionGrant,
            ChangeType::Created,
        ),
        (
            "role assignment".into(),
            ObjectKind::DirectoryRoleAssignment,
            ChangeType::Created,
        ),
        ("domain".into(), ObjectKind::Domain, ChangeType::Created),
        (
            "extension property".into(),
            ObjectKind::Application,
            ChangeType::Updated,
        ),
        (
            "revoke sessions".into(),
            ObjectKind::User,
            ChangeType::Updated,
        ),
        (
            "disable service principal".into(),
            ObjectKind::ServicePrincipal,
            ChangeType::Updated,
        ),
        (
            "delete group".into(),
            ObjectKind::Group,
            ChangeType::Deleted,
        ),
        ("delete user".into(), ObjectKind::User, ChangeType::Deleted),
    ];
    for (what, kind, ty) in &steps {
        let before = changes(start).await.last().map_or(start, |c| c.seq);
        let st = match what.as_str() {
            "patch user" => g.patch(&format!("/v1.0/users/{uid}"), json!({ "jobTitle": "x" })).await.0,
            "member" => g.post(&format!("/v1.0/groups/{gid}/members/$ref"), json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{uid}") })).await.0,
            "owner" => g.post(&format!("/v1.0/groups/{gid}/owners/$ref"), json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{uid}") })).await.0,
            "app role assignment" => g.post(&format!("/v1.0/servicePrincipals/{spid}/appRoleAssignments"), json!({ "principalId": spid, "resourceId": graph.id, "appRoleId": tessera_model::graph_permissions::application_permission("User.Read.All").unwrap().id })).await.0,
            "grant" => g.post("/v1.0/oauth2PermissionGrants", json!({ "clientId": spid, "consentType": "AllPrincipals", "resourceId": graph.id, "scope": "User.Read" })).await.0,
            "role assignment" => g.post("/v1.0/roleManagement/directory/roleAssignments", json!({ "roleDefinitionId": tessera_model::directory_roles::GLOBAL_READER.id, "principalId": uid })).await.0,
            "domain" => g.post("/v1.0/domains", json!({ "id": "logged.example" })).await.0,
            "extension property" => g.post(&format!("/v1.0/applications/{aid}/extensionProperties"), json!({ "name": "x", "dataType": "String", "targetObjects": ["User"] })).await.0,
            "revoke sessions" => g.post(&format!("/v1.0/users/{uid}/revokeSignInSessions"), json!({})).await.0,
            "disable service principal" => g.patch(&format!("/v1.0/servicePrincipals/{spid}"), json!({ "accountEnabled": false })).await.0,
            "delete group" => g.delete(&format!("/v1.0/groups/{gid}")).await.0,
            "delete user" => g.delete(&format!("/v1.0/users/{uid}")).await.0,
            other => panic!("{other}"),
        };
        assert!((200..300).contains(&st), "{what}: {st}");
        let new = changes(before).await;
        assert!(
            new.iter()
                .any(|c| c.object_kind == *kind && c.change_type == *ty),
            "{what}: expected a {kind:?} {ty:?} entry, got {new:?}"
        );
    }
    // The log never holds a secret.
    let all = serde_json::to_string(&changes(0).await).unwrap();
    assert!(!all.contains(&secret), "a client secret in the change log");
    assert!(
        !all.contains("Sufficiently-Complex-42"),
        "a password in the change log"
    );
    assert!(!all.contains("argon2"), "a password hash in the change log");
}
both_backends!(every_write_is_logged);
