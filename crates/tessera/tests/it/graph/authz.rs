//! Authorization: each application permission opens exactly its
//! operations (everything else is 403 with Graph's body), a missing or
//! forged token is 401, and no request reaches another tenant's objects.
use super::fixtures::*;
use serde_json::json;
use tessera_model::*;
use tessera_testkit::{both_backends, TestBackend, TestServer};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Probe {
    ListUsers,
    CreateUser,
    DeleteUser,
    ListGroups,
    CreateGroup,
    AddMember,
    DeleteGroup,
    Organization,
    Domains,
    CreateApp,
}
use Probe::*;
const ALL: [Probe; 9] = [
    ListUsers,
    CreateUser,
    DeleteUser,
    ListGroups,
    CreateGroup,
    AddMember,
    DeleteGroup,
    Organization,
    Domains,
];

/// Runs `p` as `g` against fresh objects the admin made; returns the status.
async fn attempt(s: &TestServer, admin: &Graph, g: &Graph, p: Probe, n: usize) -> u16 {
    let d = domain(s).await;
    let user = || new_user(&format!("probe{n}-{}", rand::random::<u32>()), &d);
    let grp = || json!({ "displayName": "probe", "mailEnabled": false, "mailNickname": "probe", "securityEnabled": true });
    match p {
        ListUsers => g.get("/v1.0/users").await.0,
        CreateUser => g.post("/v1.0/users", user()).await.0,
        DeleteUser => {
            let (_, u) = admin.post("/v1.0/users", user()).await;
            g.delete(&format!("/v1.0/users/{}", u["id"].as_str().unwrap()))
                .await
                .0
        }
        ListGroups => g.get("/v1.0/groups").await.0,
        CreateGroup => g.post("/v1.0/groups", grp()).await.0,
        AddMember => {
            let (_, gr) = admin.post("/v1.0/groups", grp()).await;
            let (_, u) = admin.post("/v1.0/users", user()).await;
            g.post(
                &format!("/v1.0/groups/{}/members/$ref", gr["id"].as_str().unwrap()),
                json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{}", u["id"].as_str().unwrap()) }),
            )
            .await
            .0
        }
        DeleteGroup => {
            let (_, gr) = admin.post("/v1.0/groups", grp()).await;
            g.delete(&format!("/v1.0/groups/{}", gr["id"].as_str().unwrap()))
                .await
                .0
        }
        Organization => g.get("/v1.0/organization").await.0,
        Domains => g.get("/v1.0/domains").await.0,
        CreateApp => {
            g.post("/v1.0/applications", json!({ "displayName": "probe" }))
                .await
                .0
        }
    }
}

async fn each_permission_opens_exactly_its_operations(b: TestBackend) {
    let s = TestServer::start(b).await;
    let admin = admin(&s).await;
    let table: &[(&[&str], &[Probe])] = &[
        (&[], &[]),
        (&["User.Read.All"], &[ListUsers]),
        (
            &["User.ReadWrite.All"],
            &[ListUsers, CreateUser, DeleteUser],
        ),
        (&["Group.Read.All"], &[ListGroups]),
        (&["GroupMember.ReadWrite.All"], &[ListGroups, AddMember]),
        (
            &["Group.ReadWrite.All"],
            &[ListGroups, CreateGroup, AddMember, DeleteGroup],
        ),
        (
            &["Directory.Read.All"],
            &[ListUsers, ListGroups, Organization, Domains],
        ),
        (
            &["Directory.ReadWrite.All"],
            &[
                ListUsers,
                CreateUser,
                ListGroups,
                CreateGroup,
                AddMember,
                Organization,
                Domains,
            ],
        ),
        (&["Application.ReadWrite.All"], &[CreateApp]),
        (&["Domain.ReadWrite.All"], &[Domains]),
        (&["Organization.ReadWrite.All"], &[Organization]),
    ];
    let mut n = 0;
    for (roles, allowed) in table {
        let g = app_with(&s, roles).await;
        for p in ALL {
            n += 1;
            let st = attempt(&s, &admin, &g, p, n).await;
            if allowed.contains(&p) {
                assert!((200..300).contains(&st), "{roles:?} {p:?}: {st}");
            } else {
                assert_eq!(st, 403, "{roles:?} {p:?}");
            }
        }
    }
}
both_backends!(each_permission_opens_exactly_its_operations);

async fn tokens_are_checked(b: TestBackend) {
    let s = TestServer::start(b).await;
    let admin = admin(&s).await;
    let mut no = Graph::with(&s, String::new());
    let (st, e) = no.get("/v1.0/users").await;
    assert_eq!(st, 401);
    assert_eq!(e["error"]["code"], "InvalidAuthenticationToken");
    // Tampered, forged (alg none), another audience, and garbage.
    let k = crate::oauth::fixtures::boot(&s);
    let t = k.tenant.clone();
    let (none, hs, _) = crate::oauth::fixtures::forgeries(&s, &t, &admin.token).await;
    // A signature byte changed (in the middle: the last base64url
    // character carries padding bits that may not change the bytes).
    let mut tampered = admin.token.clone().into_bytes();
    let at = tampered.len() - 20;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let id_token_like = {
        // A token for another resource: the client's own app id as audience.
        let r = crate::oauth::fixtures::token(
            &s,
            &t,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &k.client_id),
                ("client_secret", &k.secret),
                ("scope", &format!("api://{}/.default", k.client_id)),
            ],
        )
        .await;
        let v: serde_json::Value = r.json().await.unwrap();
        v["access_token"].as_str().map(str::to_string)
    };
    let mut bad = vec![
        none,
        hs,
        tampered,
        "x.y.z".into(),
        "Bearer".into(),
        "é".repeat(20_000),
    ];
    bad.extend(id_token_like);
    for (i, token) in bad.into_iter().enumerate() {
        no.token = token;
        let (st, e) = no.get("/v1.0/users").await;
        assert_eq!(st, 401, "bad token #{i}: {e}");
    }
}
both_backends!(tokens_are_checked);

/// A second tenant's administrator sees only its own tenant.
async fn no_request_reaches_another_tenant(b: TestBackend) {
    let s = TestServer::start(b).await;
    let a = admin(&s).await;
    let d = domain(&s).await;
    let (_, ua) = a.post("/v1.0/users", new_user("home", &d)).await;
    let ua = ua["id"].as_str().unwrap().to_string();
    let (_, ga) = a.post("/v1.0/groups", json!({ "displayName": "home", "mailEnabled": false, "mailNickname": "home", "securityEnabled": true })).await;
    let ga = ga["id"].as_str().unwrap().to_string();

    let store = &s.running().store;
    let other = TenantId::random(&mut rand::rngs::OsRng);
    let other_domain = format!("other-{}.example", &other.to_string()[..8]);
    store
        .create_tenant(
            &Tenant {
                id: other,
                display_name: "Other".into(),
                created_date_time: EPOCH,
            },
            &Domain {
                name: other_domain.clone(),
                tenant_id: Some(other),
                is_default: true,
                is_initial: true,
                is_verified: true,
            },
        )
        .await
        .unwrap();
    let graph = tessera_server::bootstrap::graph_service_principal(
        ObjectId::random(&mut rand::rngs::OsRng),
        EPOCH,
    );
    store
        .create_service_principal(other, &graph, EPOCH)
        .await
        .unwrap();
    #[allow(clippy::disallowed_methods)] // the server signs with keys active at its wall clock
    let wall = time::OffsetDateTime::now_utc();
    s.running().rotator.rotate(other, wall).await.unwrap();
    let b2 = app_in(
        &s,
        other,
        &[
            "Directory.ReadWrite.All",
            "User.ReadWrite.All",
            "Group.ReadWrite.All",
        ],
    )
    .await;

    let (_, mine) = b2
        .post("/v1.0/users", new_user("theirs", &other_domain))
        .await;
    let mine = mine["id"].as_str().unwrap().to_string();
    for (what, st) in [
        ("get", b2.get(&format!("/v1.0/users/{ua}")).await.0),
        (
            "get by upn",
            b2.get(&format!("/v1.0/users/home@{d}")).await.0,
        ),
        (
            "patch",
            b2.patch(&format!("/v1.0/users/{ua}"), json!({ "jobTitle": "x" }))
                .await
                .0,
        ),
        ("delete", b2.delete(&format!("/v1.0/users/{ua}")).await.0),
        ("group", b2.get(&format!("/v1.0/groups/{ga}")).await.0),
        (
            "members",
            b2.get(&format!("/v1.0/groups/{ga}/members")).await.0,
        ),
        (
            "memberOf",
            b2.get(&format!("/v1.0/users/{ua}/memberOf")).await.0,
        ),
        (
            "revoke",
            b2.post(&format!("/v1.0/users/{ua}/revokeSignInSessions"), json!({}))
                .await
                .0,
        ),
    ] {
        assert_eq!(st, 404, "{what}");
    }
    // Its own group cannot take the other tenant's user as a member…
    let (_, gb) = b2.post("/v1.0/groups", json!({ "displayName": "b", "mailEnabled": false, "mailNickname": "b", "securityEnabled": true })).await;
    let (st, _) = b2
        .post(
            &format!("/v1.0/groups/{}/members/$ref", gb["id"].as_str().unwrap()),
            json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{ua}") }),
        )
        .await;
    assert_eq!(st, 404);
    // …nor use its domain for a userPrincipalName; listings show its own only.
    let (st, _) = b2.post("/v1.0/users", new_user("sneaky", &d)).await;
    assert_eq!(st, 400);
    let (_, list) = b2.get("/v1.0/users?$select=id").await;
    let ids: Vec<&str> = list["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![mine.as_str()]);
    let (_, org) = b2.get("/v1.0/organization").await;
    assert_eq!(org["value"][0]["id"], other.to_string());
    // The home tenant's user is untouched.
    let (_, u) = a.get(&format!("/v1.0/users/{ua}?$select=jobTitle")).await;
    assert!(u["jobTitle"].is_null());
}
both_backends!(no_request_reaches_another_tenant);
