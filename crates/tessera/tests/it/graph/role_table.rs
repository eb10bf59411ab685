//! Closing the class of "which administrator may manage whom": every
//! built-in directory role × every write that can lead to another account
//! or to the directory API's permissions × every kind of target (a user
//! with no role, an administrator, the tenant's last Global Administrator,
//! an app holding directory-API application permissions), each answer
//! checked against Entra's published rules ("Who can reset passwords",
//! "Who can perform sensitive actions", the roles' permissions, and "only a
//! Global or Privileged Role Administrator grants Microsoft Graph
//! application permissions"). The expected cells are written out here from
//! those tables, not derived from the server's code.
use super::fixtures::*;
use serde_json::{json, Value};
use tessera_model::directory_roles::{self as dr, BuiltInRole};
use tessera_model::graph_permissions;
use tessera_model::*;
use tessera_testkit::{both_backends, TestBackend, TestServer};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    /// PATCH a basic property (jobTitle).
    Basic,
    /// PATCH passwordProfile.
    ResetPassword,
    /// PATCH accountEnabled=false.
    Disable,
    /// PATCH userPrincipalName.
    Rename,
    /// POST revokeSignInSessions.
    Revoke,
    /// DELETE the user.
    Delete,
    /// DELETE the target's Global Administrator assignment (last GA only).
    Demote,
}
const USER_OPS: [Op; 6] = [
    Op::Basic,
    Op::ResetPassword,
    Op::Disable,
    Op::Rename,
    Op::Revoke,
    Op::Delete,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Plain,
    /// A User Administrator: within a User Administrator's reach, beyond
    /// Helpdesk, Password and Authentication Administrators'.
    Admin,
    LastGlobalAdmin,
}

use dr::{
    APPLICATION_ADMINISTRATOR as APP, AUTHENTICATION_ADMINISTRATOR as AA,
    CLOUD_APPLICATION_ADMINISTRATOR as CAA, GLOBAL_ADMINISTRATOR as GA,
    HELPDESK_ADMINISTRATOR as HD, PASSWORD_ADMINISTRATOR as PW,
    PRIVILEGED_AUTHENTICATION_ADMINISTRATOR as PAA, PRIVILEGED_ROLE_ADMINISTRATOR as PRA,
    USER_ADMINISTRATOR as UA,
};

/// Entra's answer: which roles may do `op` to `target`.
fn allowed(op: Op, target: Target) -> &'static [BuiltInRole] {
    use Op::*;
    use Target::*;
    match (target, op) {
        // Basic properties of any user, administrators included.
        (_, Basic) => &[GA, UA],
        (Plain, ResetPassword | Revoke) => &[GA, PAA, UA, AA, HD, PW],
        (Plain, Disable | Rename) => &[GA, PAA, UA, AA],
        (Plain, Delete) => &[GA, PAA, UA],
        (Admin, ResetPassword | Revoke | Disable | Rename | Delete) => &[GA, PAA, UA],
        (LastGlobalAdmin, ResetPassword | Revoke | Disable | Rename | Delete) => &[PAA],
        (LastGlobalAdmin, Demote) => &[PRA],
        (_, Demote) => &[],
    }
}

/// A user with `roles` and no password (none is needed to be a target).
async fn target_user(s: &TestServer, n: &mut u32, roles: &[BuiltInRole]) -> ObjectId {
    *n += 1;
    let t = s.running().tenant_id;
    let u = NewUser {
        id: ObjectId::random(&mut rand::rngs::OsRng),
        user_principal_name: format!("target{n}@{}", domain(s).await),
        display_name: format!("Target {n}"),
        given_name: None,
        surname: None,
        mail: None,
        account_enabled: true,
        password_hash: None,
        profile: Default::default(),
        force_change_password: false,
    };
    let id = s
        .running()
        .store
        .create_user(t, &u, EPOCH)
        .await
        .unwrap()
        .id;
    for r in roles {
        s.running()
            .store
            .create_directory_role_assignment(
                t,
                &DirectoryRoleAssignment {
                    id: ObjectId::random(&mut rand::rngs::OsRng),
                    role_definition_id: r.id,
                    principal_id: id,
                    directory_scope_id: "/".into(),
                },
                EPOCH,
            )
            .await
            .unwrap();
    }
    id
}

/// Does `op` to `user` as `g`; returns the status.
async fn attempt(s: &TestServer, g: &Graph, op: Op, user: ObjectId, n: u32) -> u16 {
    let path = format!("/v1.0/users/{user}");
    match op {
        Op::Basic => g.patch(&path, json!({ "jobTitle": format!("Title {n}") })).await.0,
        Op::ResetPassword => {
            g.patch(
                &path,
                json!({ "passwordProfile": { "password": format!("Table-Reset-Pass-{n}x"), "forceChangePasswordNextSignIn": false } }),
            )
            .await
            .0
        }
        Op::Disable => g.patch(&path, json!({ "accountEnabled": false })).await.0,
        Op::Rename => {
            g.patch(
                &path,
                json!({ "userPrincipalName": format!("renamed{n}@{}", domain(s).await) }),
            )
            .await
            .0
        }
        Op::Revoke => g.post(&format!("{path}/revokeSignInSessions"), json!({})).await.0,
        Op::Delete => g.delete(&path).await.0,
        Op::Demote => {
            let a = s
                .running()
                .store
                .directory_role_assignments_of(s.running().tenant_id, user)
                .await
                .unwrap()
                .into_iter()
                .find(|a| a.role_definition_id == GA.id)
                .unwrap();
            g.delete(&format!(
                "/v1.0/roleManagement/directory/roleAssignments/{}",
                a.id
            ))
            .await
            .0
        }
    }
}

/// Puts the last Global Administrator back as it was after an allowed change.
async fn restore(s: &TestServer, root: &Graph, ga: ObjectId, upn: &str) {
    let (st, body) = root
        .patch(
            &format!("/v1.0/users/{ga}"),
            json!({ "accountEnabled": true, "userPrincipalName": upn }),
        )
        .await;
    assert_eq!(st, 204, "{body}");
    let _ = s;
}

async fn every_role_every_write_every_target(b: TestBackend) {
    let s = TestServer::start(b).await;
    let t = s.running().tenant_id;
    let root = admin(&s).await;
    let path = s.running().bootstrap_file.clone().unwrap();
    let boot: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let last_ga_upn = boot["adminUserPrincipalName"].as_str().unwrap().to_string();
    let last_ga = s
        .running()
        .store
        .get_user_by_upn(t, &last_ga_upn)
        .await
        .unwrap()
        .unwrap()
        .id;
    let (_, boot_app) = s
        .running()
        .store
        .application_by_app_id(boot["clientId"].as_str().unwrap().parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    let graph = graph_sp(&s, t).await;
    let dir_rw = graph_permissions::application_permission("Directory.ReadWrite.All")
        .unwrap()
        .id;
    let (_, plain_app) = root
        .post("/v1.0/applications", json!({ "displayName": "plain" }))
        .await;
    let (_, plain_sp) = root
        .post(
            "/v1.0/servicePrincipals",
            json!({ "appId": plain_app["appId"] }),
        )
        .await;
    let scopes = &[
        "User.ReadWrite.All",
        "Directory.ReadWrite.All",
        "Application.ReadWrite.All",
    ];
    let mut n = 0;
    let mut failures = vec![];
    // The Global Administrator caller comes last: while it exists, the
    // bootstrap administrator is not the last one.
    let mut roles: Vec<BuiltInRole> = dr::ALL.iter().copied().filter(|r| *r != GA).collect();
    roles.push(GA);
    for (i, role) in roles.iter().enumerate() {
        let caller = user_with(&s, &format!("caller{i}"), scopes, &[*role]).await;
        let g = &caller.g;
        let mut check = |what: String, got: u16, want: u16| {
            if got != want {
                failures.push(format!(
                    "{}: {what}: got {got}, want {want}",
                    role.display_name
                ));
            }
        };
        for target in [Target::Plain, Target::Admin, Target::LastGlobalAdmin] {
            // A Global Administrator caller is itself a Global
            // Administrator: the last-one column is for everyone else
            // (escalation.rs covers the last one with the bootstrap client).
            if target == Target::LastGlobalAdmin && *role == GA {
                continue;
            }
            let ops: Vec<Op> = if target == Target::LastGlobalAdmin {
                USER_OPS.iter().copied().chain([Op::Demote]).collect()
            } else {
                USER_OPS.to_vec()
            };
            for op in ops {
                let user = match target {
                    Target::Plain => target_user(&s, &mut n, &[]).await,
                    Target::Admin => target_user(&s, &mut n, &[UA]).await,
                    Target::LastGlobalAdmin => last_ga,
                };
                n += 1;
                let got = attempt(&s, g, op, user, n).await;
                let ok = allowed(op, target).contains(role);
                let removes_last = target == Target::LastGlobalAdmin
                    && matches!(op, Op::Disable | Op::Delete | Op::Demote);
                let want = match (ok, removes_last) {
                    (false, _) => 403,
                    (true, true) => 409,
                    (true, false) if op == Op::Revoke => 200,
                    (true, false) => 204,
                };
                check(format!("{op:?} {target:?}"), got, want);
                if target == Target::LastGlobalAdmin && got < 300 {
                    restore(&s, &root, last_ga, &last_ga_upn).await;
                }
            }
        }
        // The directory API's permissions: grant one to an app, add a
        // secret to the bootstrap client; and an ordinary app's secret.
        let grantors: &[BuiltInRole] = &[GA, PRA];
        let (st, body) = g
            .post(
                &format!("/v1.0/servicePrincipals/{}/appRoleAssignedTo", graph.id),
                json!({ "principalId": plain_sp["id"], "resourceId": graph.id, "appRoleId": dir_rw }),
            )
            .await;
        check(
            "grant Directory.ReadWrite.All (application)".into(),
            st,
            if grantors.contains(role) { 201 } else { 403 },
        );
        if st == 201 {
            let (st, _) = root
                .delete(&format!(
                    "/v1.0/servicePrincipals/{}/appRoleAssignedTo/{}",
                    graph.id,
                    body["id"].as_str().unwrap()
                ))
                .await;
            assert_eq!(st, 204);
        }
        let (st, body) = g
            .post(
                &format!("/v1.0/applications/{}/addPassword", boot_app.id),
                json!({}),
            )
            .await;
        // Adding it needs application writes as well: of the grantors,
        // the Global Administrator.
        check(
            "secret for the bootstrap client".into(),
            st,
            if *role == GA { 200 } else { 403 },
        );
        if st == 200 {
            let (st, _) = root
                .post(
                    &format!("/v1.0/applications/{}/removePassword", boot_app.id),
                    json!({ "keyId": body["keyId"] }),
                )
                .await;
            assert_eq!(st, 204);
        }
        let app_writers: &[BuiltInRole] = &[GA, APP, CAA];
        let (st, body) = g
            .post(
                &format!(
                    "/v1.0/applications/{}/addPassword",
                    plain_app["id"].as_str().unwrap()
                ),
                json!({}),
            )
            .await;
        check(
            "secret for an ordinary app".into(),
            st,
            if app_writers.contains(role) { 200 } else { 403 },
        );
        if st == 200 {
            root.post(
                &format!(
                    "/v1.0/applications/{}/removePassword",
                    plain_app["id"].as_str().unwrap()
                ),
                json!({ "keyId": body["keyId"] }),
            )
            .await;
        }
        // Making oneself Global Administrator.
        let (st, body) = g
            .post(
                "/v1.0/roleManagement/directory/roleAssignments",
                json!({ "roleDefinitionId": GA.id, "principalId": caller.user }),
            )
            .await;
        let role_writers: &[BuiltInRole] = &[GA, PRA];
        let want = match *role {
            r if r == GA => 409, // already holds it
            r if role_writers.contains(&r) => 201,
            _ => 403,
        };
        check("assign oneself Global Administrator".into(), st, want);
        if st == 201 {
            root.delete(&format!(
                "/v1.0/roleManagement/directory/roleAssignments/{}",
                body["id"].as_str().unwrap()
            ))
            .await;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The last Global Administrator is still there and enabled.
    let u = s
        .running()
        .store
        .get_user(t, last_ga)
        .await
        .unwrap()
        .unwrap();
    assert!(u.account_enabled);
}
both_backends!(every_role_every_write_every_target);
