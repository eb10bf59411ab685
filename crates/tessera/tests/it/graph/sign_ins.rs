//! `/v1.0/auditLogs/signIns`: the sign-in log newest first, in Graph's
//! shape, paged with an authenticated `$skiptoken`, filtered by user; who
//! may read it; and a second tenant's administrator reaching none of the
//! first tenant's methods, log, settings or policies.
use super::auth_methods::new_user_id;
use super::fixtures::*;
use serde_json::{json, Value};
use tessera_model::directory_roles as dr;
use tessera_model::*;
use tessera_testkit::{both_backends, TestBackend, TestServer};
use time::Duration;

const LOG: &str = "/v1.0/auditLogs/signIns";

fn event(at: time::OffsetDateTime, user: Option<ObjectId>, upn: &str, ok: bool) -> SignInEvent {
    SignInEvent {
        id: ObjectId::random(&mut rand::rngs::OsRng),
        created_at: at,
        user_id: user,
        user_principal_name: upn.into(),
        app_id: None,
        app_display_name: "Tessera portal".into(),
        ip_address: "192.0.2.7".into(),
        error_code: if ok { 0 } else { 50126 },
        failure_reason: if ok {
            String::new()
        } else {
            "Invalid username or password.".into()
        },
        requirement: if ok {
            "multiFactorAuthentication".into()
        } else {
            "singleFactorAuthentication".into()
        },
        steps: vec![
            AuthStep {
                method: "Password".into(),
                succeeded: ok,
                detail: if ok {
                    "Correct password"
                } else {
                    "Invalid password"
                }
                .into(),
                at,
            },
            AuthStep {
                method: "Passkey".into(),
                succeeded: ok,
                detail: "MFA successfully completed".into(),
                at,
            },
        ],
    }
}

fn ids(list: &Value) -> Vec<String> {
    list["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect()
}

async fn sign_in_log(b: TestBackend) {
    let s = TestServer::start(b).await;
    let g = admin(&s).await;
    let d = domain(&s).await;
    let t = s.running().tenant_id;
    let ada: ObjectId = new_user_id(&g, "ada", &d).await.parse().unwrap();
    let bob: ObjectId = new_user_id(&g, "bob", &d).await.parse().unwrap();
    let t0 = time::macros::datetime!(2026-05-01 08:00:00 UTC);
    let mut events = vec![];
    for (i, (user, upn)) in [
        (Some(ada), format!("ada@{d}")),
        (Some(bob), format!("bob@{d}")),
        (None, format!("nobody@{d}")),
        (Some(ada), format!("ada@{d}")),
        (Some(bob), format!("bob@{d}")),
        (Some(ada), format!("ada@{d}")),
    ]
    .into_iter()
    .enumerate()
    {
        let e = event(t0 + Duration::minutes(i as i64), user, &upn, i % 2 == 0);
        s.running().store.record_sign_in(t, &e).await.unwrap();
        events.push(e);
    }
    // Two at the same instant: the id orders them, still without repeats.
    let twin = event(
        t0 + Duration::minutes(5),
        Some(bob),
        &format!("bob@{d}"),
        true,
    );
    s.running().store.record_sign_in(t, &twin).await.unwrap();
    events.push(twin);
    let mut newest_first: Vec<&SignInEvent> = events.iter().collect();
    newest_first.sort_by_key(|e| std::cmp::Reverse((e.created_at, e.id)));
    let want: Vec<String> = newest_first.iter().map(|e| e.id.to_string()).collect();

    // Paging: two at a time, newest first, each next link sealed.
    let mut got = vec![];
    let mut next = Some(format!("{LOG}?$top=2"));
    let mut pages = 0;
    while let Some(url) = next {
        let (st, page) = g.get(&url).await;
        assert_eq!(st, 200, "{page}");
        assert!(page["value"].as_array().unwrap().len() <= 2);
        got.extend(ids(&page));
        next = page["@odata.nextLink"].as_str().map(str::to_string);
        if let Some(n) = &next {
            assert!(n.contains("skiptoken="), "{n}");
            // A forged or moved token is refused.
            let forged = n.replace("skiptoken=", "skiptoken=x");
            assert_eq!(g.get(&forged).await.0, 400);
            let moved = n.replace("top=2", "top=3");
            assert_eq!(g.get(&moved).await.0, 400);
        }
        pages += 1;
    }
    assert_eq!(got, want);
    assert_eq!(pages, 4);

    // Graph's shape, with the user's display name and each step.
    let (_, all) = g.get(LOG).await;
    let first = &all["value"][0];
    let newest = newest_first[0];
    assert_eq!(first["id"], newest.id.to_string());
    assert!(all["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("$metadata#auditLogs/signIns"));
    let (st, one) = g.get(&format!("{LOG}/{}", events[2].id)).await;
    assert_eq!(st, 200, "{one}");
    assert_eq!(one["userPrincipalName"], format!("nobody@{d}"));
    assert!(one["userId"].is_null() && one["userDisplayName"].is_null());
    assert_eq!(one["status"]["errorCode"], 0);
    assert_eq!(one["clientAppUsed"], "Browser");
    assert_eq!(one["isInteractive"], true);
    assert_eq!(one["conditionalAccessStatus"], "notApplied");
    assert_eq!(
        one["authenticationRequirement"],
        "multiFactorAuthentication"
    );
    assert_eq!(
        one["authenticationDetails"][1],
        json!({
            "authenticationMethod": "Passkey",
            "authenticationStepResultDetail": "MFA successfully completed",
            "succeeded": true,
            "authenticationStepDateTime": "2026-05-01T08:02:00Z",
        })
    );
    let (_, failed) = g.get(&format!("{LOG}/{}", events[1].id)).await;
    assert_eq!(failed["userDisplayName"], "User bob");
    assert_eq!(failed["userId"], bob.to_string());
    assert_eq!(failed["status"]["errorCode"], 50126);
    assert_eq!(
        failed["status"]["failureReason"],
        "Invalid username or password."
    );
    assert_eq!(
        g.get(&format!("{LOG}/{}", uuid::Uuid::new_v4())).await.0,
        404
    );
    assert_eq!(g.get(&format!("{LOG}/not-an-id")).await.0, 404);
    let (_, sel) = g.get(&format!("{LOG}?$select=userPrincipalName")).await;
    assert!(sel["value"][0].get("ipAddress").is_none());
    assert!(sel["value"][0]["id"].is_string());

    // Filters: one user, by id or by name; anything else is refused.
    let (st, mine) = g.get(&format!("{LOG}?$filter=userId eq '{ada}'")).await;
    assert_eq!(st, 200, "{mine}");
    assert_eq!(ids(&mine).len(), 3);
    let (_, by_name) = g
        .get(&format!(
            "{LOG}?$filter=userPrincipalName eq 'BOB@{d}'&$top=1"
        ))
        .await;
    assert_eq!(ids(&by_name).len(), 1);
    let (_, second) = g.get(by_name["@odata.nextLink"].as_str().unwrap()).await;
    let (_, third) = g.get(second["@odata.nextLink"].as_str().unwrap()).await;
    assert_eq!(ids(&second).len() + ids(&third).len(), 2, "bob's other two");
    assert!(third.get("@odata.nextLink").is_none());
    let (_, nobody) = g
        .get(&format!("{LOG}?$filter=userPrincipalName eq 'ghost@{d}'"))
        .await;
    assert_eq!(nobody["value"], json!([]));
    for bad in [
        format!("{LOG}?$filter=appDisplayName eq 'x'"),
        format!("{LOG}?$filter=userId ne '{ada}'"),
        format!("{LOG}?$filter=userId eq '{ada}' and userId eq '{bob}'"),
        format!("{LOG}?$filter=startswith(userPrincipalName,'a')"),
        format!("{LOG}?$filter=userId eq 'not-a-guid'"),
        format!("{LOG}?$orderby=createdDateTime"),
        format!("{LOG}?$top=1000"),
        format!("{LOG}?$top=0"),
    ] {
        assert_eq!(g.get(&bad).await.0, 400, "{bad}");
    }
    assert_eq!(g.get_eventual(&format!("{LOG}?$count=true")).await.0, 400);

    // Who may: AuditLog.Read.All; delegated, with a reader role. (Security
    // defaults off, so that the fixture's password-only sign-in of a Global
    // Administrator is not stopped to register a second factor.)
    assert_eq!(
        g.patch(
            "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy",
            json!({ "isEnabled": false })
        )
        .await
        .0,
        204
    );
    let auditor = app_with(&s, &["AuditLog.Read.All"]).await;
    assert_eq!(auditor.get(LOG).await.0, 200);
    let dir = app_with(&s, &["Directory.Read.All", "Policy.Read.All"]).await;
    assert_eq!(dir.get(LOG).await.0, 403);
    assert_eq!(dir.get(&format!("{LOG}/{}", events[0].id)).await.0, 403);
    for (who, roles, want) in [
        ("member", &[][..], 403),
        ("reports", &[dr::REPORTS_READER][..], 200),
        ("secreader", &[dr::SECURITY_READER][..], 200),
        ("globaladmin", &[dr::GLOBAL_ADMINISTRATOR][..], 200),
        ("authadmin", &[dr::AUTHENTICATION_ADMINISTRATOR][..], 403),
    ] {
        let u = user_with(&s, who, &["AuditLog.Read.All"], roles).await;
        assert_eq!(u.g.get(LOG).await.0, want, "{who}");
    }
}
both_backends!(sign_in_log);

/// A second tenant, with an administrator app holding every permission
/// this area has.
async fn other_tenant_admin(s: &TestServer) -> Graph {
    let store = &s.running().store;
    let other = TenantId::random(&mut rand::rngs::OsRng);
    store
        .create_tenant(
            &Tenant {
                id: other,
                display_name: "Other".into(),
                created_date_time: EPOCH,
            },
            &Domain {
                name: format!("other-{}.example", &other.to_string()[..8]),
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
    app_in(
        s,
        other,
        &[
            "UserAuthenticationMethod.ReadWrite.All",
            "AuditLog.Read.All",
            "Directory.ReadWrite.All",
            "Policy.ReadWrite.AuthenticationMethod",
            "Policy.ReadWrite.SecurityDefaults",
        ],
    )
    .await
}

async fn another_tenant_reaches_nothing(b: TestBackend) {
    let s = TestServer::start(b).await;
    let g = admin(&s).await;
    let d = domain(&s).await;
    let t = s.running().tenant_id;
    let ada = new_user_id(&g, "home", &d).await;
    let (st, tap) = g
        .post(
            &format!("/v1.0/users/{ada}/authentication/temporaryAccessPassMethods"),
            json!({}),
        )
        .await;
    assert_eq!(st, 201);
    let tap = tap["id"].as_str().unwrap().to_string();
    #[allow(clippy::disallowed_methods)]
    let now = time::OffsetDateTime::now_utc();
    let e = event(now, Some(ada.parse().unwrap()), &format!("home@{d}"), true);
    s.running().store.record_sign_in(t, &e).await.unwrap();
    let (_, setting) = g
        .post(
            "/v1.0/groupSettings",
            json!({ "templateId": "5cf42378-d67d-4f36-ba46-e8b86229381d", "values": [{ "name": "BannedPasswordList", "value": "homeword" }] }),
        )
        .await;
    let setting = setting["id"].as_str().unwrap().to_string();
    assert_eq!(
        g.patch(
            "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy",
            json!({ "isEnabled": false })
        )
        .await
        .0,
        204
    );

    let other = other_tenant_admin(&s).await;
    let user = |p: &str| format!("/v1.0/users/{ada}/authentication/{p}");
    for (what, st) in [
        ("methods", other.get(&user("methods")).await.0),
        (
            "by name",
            other
                .get(&format!("/v1.0/users/home@{d}/authentication/methods"))
                .await
                .0,
        ),
        (
            "a pass",
            other
                .get(&user(&format!("temporaryAccessPassMethods/{tap}")))
                .await
                .0,
        ),
        (
            "delete a pass",
            other
                .delete(&user(&format!("temporaryAccessPassMethods/{tap}")))
                .await
                .0,
        ),
        (
            "issue a pass",
            other
                .post(&user("temporaryAccessPassMethods"), json!({}))
                .await
                .0,
        ),
        ("a sign-in", other.get(&format!("{LOG}/{}", e.id)).await.0),
        (
            "a setting",
            other.get(&format!("/v1.0/groupSettings/{setting}")).await.0,
        ),
        (
            "patch a setting",
            other
                .patch(
                    &format!("/v1.0/groupSettings/{setting}"),
                    json!({ "values": [] }),
                )
                .await
                .0,
        ),
        (
            "delete a setting",
            other
                .delete(&format!("/v1.0/groupSettings/{setting}"))
                .await
                .0,
        ),
    ] {
        assert_eq!(st, 404, "{what}");
    }
    let (st, log) = other.get(LOG).await;
    assert_eq!((st, log["value"].clone()), (200, json!([])));
    let (_, filtered) = other.get(&format!("{LOG}?$filter=userId eq '{ada}'")).await;
    assert_eq!(filtered["value"], json!([]));
    assert_eq!(other.get("/v1.0/groupSettings").await.1["value"], json!([]));
    let (_, sd) = other
        .get("/v1.0/policies/identitySecurityDefaultsEnforcementPolicy")
        .await;
    assert_eq!(sd["isEnabled"], true, "its own policy, the default");
    // Its writes stay in its tenant.
    assert_eq!(
        other
            .patch(
                "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass",
                json!({ "state": "disabled" })
            )
            .await
            .0,
        204
    );
    let (_, home) = g
        .get("/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass")
        .await;
    assert_eq!(home["state"], "enabled");
    let (_, still) = g.get(&user("temporaryAccessPassMethods")).await;
    assert_eq!(still["value"][0]["id"], tap.as_str());
}
both_backends!(another_tenant_reaches_nothing);
