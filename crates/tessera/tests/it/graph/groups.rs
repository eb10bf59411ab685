//! `/v1.0/groups`: create (with `members@odata.bind`), get, patch, delete;
//! members and owners by `$ref` (users, nested groups, service
//! principals), transitive members and memberships, loops refused,
//! duplicates refused, and the references to objects that do not exist.
use super::fixtures::*;
use serde_json::{json, Value};
use tessera_testkit::{both_backends, TestBackend, TestServer};

fn ids(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

fn group(name: &str) -> Value {
    json!({ "displayName": name, "mailEnabled": false, "mailNickname": name, "securityEnabled": true })
}

fn reference(base: &str, id: &str) -> Value {
    json!({ "@odata.id": format!("{base}/v1.0/directoryObjects/{id}") })
}

async fn groups_members_and_nesting(b: TestBackend) {
    let s = TestServer::start(b).await;
    let g = admin(&s).await;
    let d = domain(&s).await;
    let (_, u1) = g.post("/v1.0/users", new_user("m1", &d)).await;
    let (_, u2) = g.post("/v1.0/users", new_user("m2", &d)).await;
    let (u1, u2) = (
        u1["id"].as_str().unwrap().to_string(),
        u2["id"].as_str().unwrap().to_string(),
    );
    let (st, outer) = g.post("/v1.0/groups", group("outer")).await;
    assert_eq!(st, 201, "{outer}");
    let outer = outer["id"].as_str().unwrap().to_string();
    // Created with a member bound in the same request.
    let mut inner_body = group("inner");
    inner_body["members@odata.bind"] =
        json!([format!("https://graph.microsoft.com/v1.0/users/{u1}")]);
    let (st, inner) = g.post("/v1.0/groups", inner_body).await;
    assert_eq!(st, 201, "{inner}");
    let inner = inner["id"].as_str().unwrap().to_string();

    let add = |grp: &str, member: &str| {
        (
            format!("/v1.0/groups/{grp}/members/$ref"),
            reference("https://graph.microsoft.com", member),
        )
    };
    let (p, body) = add(&outer, &inner);
    assert_eq!(g.post(&p, body).await.0, 204);
    let (p, body) = add(&outer, &u2);
    assert_eq!(g.post(&p, body).await.0, 204);

    let (st, m) = g.get(&format!("/v1.0/groups/{outer}/members")).await;
    assert_eq!(st, 200);
    let mut want = vec![inner.clone(), u2.clone()];
    want.sort();
    assert_eq!(ids(&m), want);
    let types: Vec<&str> = m["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["@odata.type"].as_str().unwrap())
        .collect();
    assert!(
        types.contains(&"#microsoft.graph.group") && types.contains(&"#microsoft.graph.user"),
        "{m}"
    );
    let (_, tm) = g
        .get(&format!("/v1.0/groups/{outer}/transitiveMembers"))
        .await;
    let mut want = vec![inner.clone(), u1.clone(), u2.clone()];
    want.sort();
    assert_eq!(ids(&tm), want);
    let (_, mo) = g.get(&format!("/v1.0/users/{u1}/memberOf")).await;
    assert_eq!(ids(&mo), vec![inner.clone()]);
    let (_, tmo) = g.get(&format!("/v1.0/users/{u1}/transitiveMemberOf")).await;
    let mut want = vec![inner.clone(), outer.clone()];
    want.sort();
    assert_eq!(ids(&tmo), want);

    // $expand where Graph offers it: a group's members and owners, a
    // user's memberOf; nothing else.
    let (st, e) = g
        .get(&format!(
            "/v1.0/groups/{outer}?$expand=members&$select=id,displayName"
        ))
        .await;
    assert_eq!(st, 200, "{e}");
    let mut got: Vec<String> = e["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    got.sort();
    let mut want = vec![inner.clone(), u2.clone()];
    want.sort();
    assert_eq!(got, want);
    let (_, e) = g.get(&format!("/v1.0/users/{u1}?$expand=memberOf")).await;
    assert_eq!(e["memberOf"][0]["id"], inner.as_str());
    assert_eq!(e["memberOf"][0]["@odata.type"], "#microsoft.graph.group");
    let (st, l) = g.get("/v1.0/groups?$expand=owners&$select=id").await;
    assert_eq!(st, 200);
    assert!(
        l["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["owners"].is_array()),
        "{l}"
    );
    for bad in [
        format!("/v1.0/groups/{outer}?$expand=manager"),
        format!("/v1.0/groups/{outer}?$expand=members,owners"),
        format!("/v1.0/groups/{outer}/members?$expand=memberOf"),
        "/v1.0/applications?$expand=owners".to_string(),
    ] {
        assert_eq!(g.get(&bad).await.0, 400, "{bad}");
    }

    // Loops: a group in itself, and outer under inner.
    for (grp, member) in [(&inner, &inner), (&inner, &outer)] {
        let (p, body) = add(grp, member);
        let (st, e) = g.post(&p, body).await;
        assert_eq!(st, 400, "{e}");
        assert!(
            e["error"]["message"].as_str().unwrap().contains("loop"),
            "{e}"
        );
    }
    // Already a member; a member that does not exist; a malformed reference.
    let (p, body) = add(&outer, &u2);
    let (st, e) = g.post(&p, body).await;
    assert_eq!(st, 400);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already exist"),
        "{e}"
    );
    let (p, body) = add(&outer, "00000000-0000-0000-0000-00000000beef");
    assert_eq!(g.post(&p, body).await.0, 404);
    for bad in [
        json!({ "@odata.id": "not a url" }),
        json!({ "@odata.id": 5 }),
        json!({}),
        json!({ "@odata.id": "https://x/v1.0/applications/00000000-0000-0000-0000-000000000001" }),
    ] {
        let (st, e) = g
            .post(&format!("/v1.0/groups/{outer}/members/$ref"), bad.clone())
            .await;
        assert_eq!(st, 400, "{bad}: {e}");
    }
    let (st, _) = g
        .post(
            "/v1.0/groups/00000000-0000-0000-0000-00000000beef/members/$ref",
            reference(&s.url, &u1),
        )
        .await;
    assert_eq!(st, 404);

    // Owners.
    assert_eq!(
        g.post(
            &format!("/v1.0/groups/{outer}/owners/$ref"),
            reference(&s.url, &u1)
        )
        .await
        .0,
        204
    );
    let (_, o) = g.get(&format!("/v1.0/groups/{outer}/owners")).await;
    assert_eq!(ids(&o), vec![u1.clone()]);
    let (_, owned) = g.get(&format!("/v1.0/users/{u1}/ownedObjects")).await;
    assert_eq!(ids(&owned), vec![outer.clone()]);
    assert_eq!(
        g.delete(&format!("/v1.0/groups/{outer}/owners/{u1}/$ref"))
            .await
            .0,
        204
    );
    assert_eq!(
        g.delete(&format!("/v1.0/groups/{outer}/owners/{u1}/$ref"))
            .await
            .0,
        404
    );

    // Remove a member; patch; filter; delete a group still nested elsewhere.
    assert_eq!(
        g.delete(&format!("/v1.0/groups/{outer}/members/{u2}/$ref"))
            .await
            .0,
        204
    );
    assert_eq!(
        g.delete(&format!("/v1.0/groups/{outer}/members/{u2}/$ref"))
            .await
            .0,
        404
    );
    let (st, _) = g
        .patch(
            &format!("/v1.0/groups/{outer}"),
            json!({ "description": "the outer one" }),
        )
        .await;
    assert_eq!(st, 204);
    let (st, e) = g
        .patch(
            &format!("/v1.0/groups/{outer}"),
            json!({ "groupTypes": ["Unified"] }),
        )
        .await;
    assert_eq!(st, 400, "{e}");
    let (_, f) = g
        .get("/v1.0/groups?$filter=description eq 'THE OUTER ONE'")
        .await;
    assert_eq!(ids(&f), vec![outer.clone()]);
    assert_eq!(g.delete(&format!("/v1.0/groups/{inner}")).await.0, 204);
    let (_, tm) = g
        .get(&format!("/v1.0/groups/{outer}/transitiveMembers"))
        .await;
    assert_eq!(ids(&tm), Vec::<String>::new());
    let (_, tmo) = g.get(&format!("/v1.0/users/{u1}/transitiveMemberOf")).await;
    assert_eq!(ids(&tmo), Vec::<String>::new());
}
both_backends!(groups_members_and_nesting);

async fn group_bad_input(b: TestBackend) {
    let s = TestServer::start(b).await;
    let g = admin(&s).await;
    let t = s.running().tenant_id;
    let (_, existing) = g.post("/v1.0/groups", group("existing")).await;
    let existing = existing["id"].as_str().unwrap().to_string();
    let d = domain(&s).await;
    let (_, member) = g.post("/v1.0/users", new_user("bound", &d)).await;
    let member = member["id"].as_str().unwrap().to_string();
    let before = s
        .running()
        .store
        .changes_since(t, 0, 10_000)
        .await
        .unwrap()
        .len();
    // A group may not own a group: refused inside the one transaction that
    // also adds a valid member, so neither the group nor the link stays.
    let mut bad_owner = group("x");
    bad_owner["members@odata.bind"] =
        json!([format!("https://graph.microsoft.com/v1.0/users/{member}")]);
    bad_owner["owners@odata.bind"] = json!([format!(
        "https://graph.microsoft.com/v1.0/groups/{existing}"
    )]);
    let mut bind_missing = group("x");
    bind_missing["members@odata.bind"] =
        json!(["https://graph.microsoft.com/v1.0/users/00000000-0000-0000-0000-00000000beef"]);
    let mut bind_many = group("x");
    bind_many["members@odata.bind"] = json!(
        vec!["https://graph.microsoft.com/v1.0/users/00000000-0000-0000-0000-00000000beef"; 21]
    );
    for (what, body, want) in [
        (
            "missing mailNickname",
            json!({ "displayName": "x", "mailEnabled": false, "securityEnabled": true }),
            400,
        ),
        (
            "dynamic groups",
            json!({ "displayName": "x", "mailEnabled": false, "mailNickname": "x", "securityEnabled": true, "groupTypes": ["DynamicMembership"] }),
            400,
        ),
        (
            "bad visibility",
            json!({ "displayName": "x", "mailEnabled": false, "mailNickname": "x", "securityEnabled": true, "visibility": "Secret" }),
            400,
        ),
        (
            "unknown property",
            json!({ "displayName": "x", "mailEnabled": false, "mailNickname": "x", "securityEnabled": true, "colour": 1 }),
            400,
        ),
        ("bound member missing", bind_missing, 404),
        ("too many binds", bind_many, 400),
        ("a group as owner", bad_owner, 400),
    ] {
        let (st, e) = g.post("/v1.0/groups", body).await;
        assert_eq!(st, want, "{what}: {e}");
    }
    let after = s
        .running()
        .store
        .changes_since(t, 0, 10_000)
        .await
        .unwrap()
        .len();
    assert_eq!(before, after, "a refused request wrote to the change log");
    let (_, all) = g.get("/v1.0/groups").await;
    assert_eq!(all["value"].as_array().unwrap().len(), 1, "{all}");
    let (_, mo) = g.get(&format!("/v1.0/users/{member}/memberOf")).await;
    assert_eq!(mo["value"].as_array().unwrap().len(), 0, "{mo}");
}
both_backends!(group_bad_input);
