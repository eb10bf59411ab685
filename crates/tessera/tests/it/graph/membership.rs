//! Membership checks (`getMemberObjects`, `getMemberGroups`,
//! `checkMemberGroups`, `checkMemberObjects` on users, groups, service
//! principals and `/me`; `directoryObjects/getByIds`) in Graph's shapes,
//! their bad inputs, and the `groups` claim per `groupMembershipClaims`
//! (`SecurityGroup` security-enabled only, `ApplicationGroup` the groups
//! assigned to the app, `DirectoryRole` roles as `wids`), with the overage
//! pointer leading to a working `getMemberObjects`.
use super::fixtures::*;
use crate::signin::fixtures as sf;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use tessera_model::directory_roles as dr;
use tessera_model::*;
use tessera_testkit::{both_backends, TestBackend, TestServer};

async fn group(s: &TestServer, name: &str, security: bool) -> ObjectId {
    let g = Group {
        id: ObjectId::random(&mut rand::rngs::OsRng),
        display_name: name.into(),
        description: None,
        mail_nickname: Some(name.into()),
        security_enabled: security,
        mail_enabled: !security,
        created_date_time: EPOCH,
        group_types: if security {
            vec![]
        } else {
            vec!["Unified".into()]
        },
        visibility: None,
        mail: None,
    };
    s.running()
        .store
        .create_group(s.running().tenant_id, &g, EPOCH)
        .await
        .unwrap();
    g.id
}

async fn add(s: &TestServer, group: ObjectId, id: ObjectId, kind: ObjectKind) {
    s.running()
        .store
        .add_group_member(s.running().tenant_id, group, Member { id, kind }, EPOCH)
        .await
        .unwrap();
}

fn ids(v: &Value) -> BTreeSet<String> {
    v["value"]
        .as_array()
        .unwrap_or_else(|| panic!("{v}"))
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

fn set(xs: &[ObjectId]) -> BTreeSet<String> {
    xs.iter().map(ToString::to_string).collect()
}

async fn membership_checks(b: TestBackend) {
    let s = TestServer::start(b).await;
    let t = s.running().tenant_id;
    let g = admin(&s).await;
    let d = user_with(&s, "member", &["User.Read"], &[]).await;
    let user = d.user;
    let (sec, outer, unified) = (
        group(&s, "sec", true).await,
        group(&s, "outer", true).await,
        group(&s, "unified", false).await,
    );
    add(&s, sec, user, ObjectKind::User).await;
    add(&s, outer, sec, ObjectKind::Group).await;
    add(&s, unified, user, ObjectKind::User).await;
    let sp = graph_sp(&s, t).await;
    add(&s, outer, sp.id, ObjectKind::ServicePrincipal).await;

    let u = format!("/v1.0/users/{user}");
    for action in ["getMemberGroups", "getMemberObjects"] {
        let (st, body) = g
            .post(
                &format!("{u}/{action}"),
                json!({ "securityEnabledOnly": false }),
            )
            .await;
        assert_eq!(st, 200, "{body}");
        assert!(body["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("$metadata#Collection(Edm.String)"));
        assert_eq!(ids(&body), set(&[sec, outer, unified]), "{action}");
        let (_, body) = g
            .post(
                &format!("{u}/{action}"),
                json!({ "securityEnabledOnly": true }),
            )
            .await;
        assert_eq!(ids(&body), set(&[sec, outer]), "{action} security only");
    }
    let stranger = ObjectId::random(&mut rand::rngs::OsRng);
    let (st, body) = g
        .post(
            &format!("{u}/checkMemberGroups"),
            json!({ "groupIds": [outer, stranger, unified, "not-a-guid"] }),
        )
        .await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(ids(&body), set(&[outer, unified]));
    let (_, body) = g
        .post(
            &format!("{u}/checkMemberObjects"),
            json!({ "ids": [sec, stranger] }),
        )
        .await;
    assert_eq!(ids(&body), set(&[sec]));
    // Groups and service principals too; the user by its name as well.
    let (_, body) = g
        .post(
            &format!("/v1.0/groups/{sec}/getMemberGroups"),
            json!({ "securityEnabledOnly": false }),
        )
        .await;
    assert_eq!(ids(&body), set(&[outer]));
    let (_, body) = g
        .post(
            &format!("/v1.0/servicePrincipals/{}/checkMemberGroups", sp.id),
            json!({ "groupIds": [outer, sec] }),
        )
        .await;
    assert_eq!(ids(&body), set(&[outer]));
    // The signed-in user, with User.Read only: itself, not others.
    let (st, body) =
        d.g.post(
            "/v1.0/me/getMemberGroups",
            json!({ "securityEnabledOnly": false }),
        )
        .await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(ids(&body), set(&[sec, outer, unified]));
    assert_eq!(
        d.g.post(&format!("{u}/getMemberGroups"), json!({})).await.0,
        200,
        "itself by id"
    );
    let other = bootstrap_admin(&s).await;
    assert_eq!(
        d.g.post(&format!("/v1.0/users/{other}/getMemberGroups"), json!({}))
            .await
            .0,
        403
    );
    let groups_only = app_with(&s, &["Group.Read.All"]).await;
    assert_eq!(
        groups_only
            .post(&format!("{u}/getMemberGroups"), json!({}))
            .await
            .0,
        403
    );
    assert_eq!(
        groups_only
            .post(&format!("/v1.0/groups/{sec}/getMemberGroups"), json!({}))
            .await
            .0,
        200
    );

    // getByIds: in the order asked, with @odata.type, unknown ids left out.
    let (st, body) = g
        .post(
            "/v1.0/directoryObjects/getByIds",
            json!({ "ids": [sp.id, stranger, sec, user] }),
        )
        .await;
    assert_eq!(st, 200, "{body}");
    let got: Vec<(String, String)> = body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["@odata.type"].as_str().unwrap().to_string(),
                o["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "#microsoft.graph.servicePrincipal".to_string(),
                sp.id.to_string()
            ),
            ("#microsoft.graph.group".to_string(), sec.to_string()),
            ("#microsoft.graph.user".to_string(), user.to_string()),
        ]
    );
    let (_, body) = g
        .post(
            "/v1.0/directoryObjects/getByIds",
            json!({ "ids": [sp.id, sec, user], "types": ["user"] }),
        )
        .await;
    assert_eq!(body["value"].as_array().unwrap().len(), 1);

    // Bad inputs: Graph's 400, nothing else.
    let many: Vec<String> = (0..21)
        .map(|_| ObjectId::random(&mut rand::rngs::OsRng).to_string())
        .collect();
    let too_many: Vec<String> = (0..1001).map(|i| format!("{i}")).collect();
    for (path, body) in [
        (
            format!("{u}/checkMemberGroups"),
            json!({ "groupIds": many }),
        ),
        (format!("{u}/checkMemberGroups"), json!({ "groupIds": "x" })),
        (format!("{u}/checkMemberGroups"), json!({})),
        (format!("{u}/checkMemberObjects"), json!({ "groupIds": [] })),
        (
            format!("{u}/getMemberGroups"),
            json!({ "securityEnabledOnly": "yes" }),
        ),
        (format!("{u}/getMemberGroups"), json!({ "nope": true })),
        (
            "/v1.0/directoryObjects/getByIds".into(),
            json!({ "ids": too_many }),
        ),
        (
            "/v1.0/directoryObjects/getByIds".into(),
            json!({ "ids": [], "types": ["printer"] }),
        ),
        (
            "/v1.0/directoryObjects/getByIds".into(),
            json!({ "types": ["user"] }),
        ),
    ] {
        let (st, resp) = g.post(&path, body.clone()).await;
        assert_eq!(st, 400, "{path} {body}: {resp}");
    }
    let (st, _) = g
        .post_raw(
            &format!("{u}/getMemberGroups"),
            "application/json",
            b"{not json".to_vec(),
        )
        .await;
    assert_eq!(st, 400);
    assert_eq!(
        g.post(
            &format!("/v1.0/users/{stranger}/getMemberGroups"),
            json!({})
        )
        .await
        .0,
        404
    );
}
both_backends!(membership_checks);

/// Signs Ada in to the confidential app and returns the ID token's claims.
async fn id_claims(s: &TestServer, apps: &sf::Apps) -> Value {
    let mut br = sf::Browser::new(s);
    let p = sf::code_for(
        &mut br,
        apps,
        apps.conf,
        sf::WEB_REDIRECT,
        &[
            ("scope", "openid profile"),
            ("code_challenge", sf::CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    let (st, body) =
        crate::signin::flow::redeem_conf(s, apps, &p["code"], Some(sf::VERIFIER)).await;
    assert_eq!(st, 200, "{body}");
    sf::jwt_claims(body["id_token"].as_str().unwrap())
}

async fn group_membership_claims(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = sf::setup(&s).await;
    let t = apps.tenant;
    let g = admin(&s).await;
    let (sec, outer, unified) = (
        group(&s, "sec", true).await,
        group(&s, "outer", true).await,
        group(&s, "unified", false).await,
    );
    add(&s, sec, apps.user, ObjectKind::User).await;
    add(&s, outer, sec, ObjectKind::Group).await;
    add(&s, unified, apps.user, ObjectKind::User).await;
    s.running()
        .store
        .create_directory_role_assignment(
            t,
            &DirectoryRoleAssignment {
                id: ObjectId::random(&mut rand::rngs::OsRng),
                role_definition_id: dr::REPORTS_READER.id,
                principal_id: apps.user,
                directory_scope_id: "/".into(),
            },
            EPOCH,
        )
        .await
        .unwrap();
    let (_, app) = g
        .get(&format!(
            "/v1.0/applications?$filter=appId eq '{}'",
            apps.conf
        ))
        .await;
    let app_path = format!(
        "/v1.0/applications/{}",
        app["value"][0]["id"].as_str().unwrap()
    );
    let set_claims = |v: &'static str| {
        let g = &g;
        let app_path = app_path.clone();
        async move {
            let (st, body) = g
                .patch(&app_path, json!({ "groupMembershipClaims": v }))
                .await;
            assert_eq!(st, 204, "{body}");
        }
    };
    let groups_of = |c: &Value| -> BTreeSet<String> {
        c["groups"]
            .as_array()
            .map(|a| a.iter().map(|x| x.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    };

    set_claims("SecurityGroup").await;
    let c = id_claims(&s, &apps).await;
    assert_eq!(
        groups_of(&c),
        set(&[sec, outer]),
        "security-enabled only: {c}"
    );
    assert!(c.get("wids").is_none(), "{c}");

    set_claims("All").await;
    let c = id_claims(&s, &apps).await;
    assert_eq!(groups_of(&c), set(&[sec, outer, unified]));

    set_claims("ApplicationGroup").await;
    let c = id_claims(&s, &apps).await;
    assert!(
        c.get("groups").is_none() || groups_of(&c).is_empty(),
        "none assigned yet: {c}"
    );
    let sp = s
        .running()
        .store
        .service_principal_by_app_id(t, apps.conf)
        .await
        .unwrap()
        .unwrap();
    let (st, body) = g
        .post(
            &format!("/v1.0/servicePrincipals/{}/appRoleAssignedTo", sp.id),
            json!({ "principalId": outer, "resourceId": sp.id, "appRoleId": uuid::Uuid::nil() }),
        )
        .await;
    assert_eq!(st, 201, "{body}");
    let c = id_claims(&s, &apps).await;
    assert_eq!(
        groups_of(&c),
        set(&[outer]),
        "only the group assigned to the app: {c}"
    );

    set_claims("DirectoryRole").await;
    let c = id_claims(&s, &apps).await;
    assert!(c.get("groups").is_none(), "{c}");
    assert_eq!(c["wids"], json!([dr::REPORTS_READER.id.to_string()]));

    // Past 200 groups: the overage pointer, and the pointer works.
    set_claims("All").await;
    for i in 0..200 {
        let gid = group(&s, &format!("many{i}"), true).await;
        add(&s, gid, apps.user, ObjectKind::User).await;
    }
    let c = id_claims(&s, &apps).await;
    assert!(c.get("groups").is_none(), "{c}");
    let endpoint = c["_claim_sources"]["src1"]["endpoint"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(c["_claim_names"]["groups"], "src1");
    let (st, body) = g
        .post(&endpoint, json!({ "securityEnabledOnly": false }))
        .await;
    assert_eq!(st, 200, "{endpoint}: {body}");
    assert_eq!(ids(&body).len(), 203);
}
both_backends!(group_membership_claims);
