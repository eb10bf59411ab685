//! Directory schema extensions: declared by an application, written on
//! users and groups, returned when selected, filterable by type, at most
//! 100 per object, and gone with their declaration.
use super::fixtures::*;
use serde_json::{json, Value};
use tessera_testkit::{both_backends, TestBackend, TestServer};

async fn declare(g: &Graph, app: &str, name: &str, ty: &str, targets: Value) -> String {
    let (st, p) = g
        .post(
            &format!("/v1.0/applications/{app}/extensionProperties"),
            json!({ "name": name, "dataType": ty, "targetObjects": targets }),
        )
        .await;
    assert_eq!(st, 201, "{p}");
    p["name"].as_str().unwrap().to_string()
}

fn ids(v: &Value) -> Vec<String> {
    v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect()
}

async fn extension_attributes(b: TestBackend) {
    let s = TestServer::start(b).await;
    let g = admin(&s).await;
    let d = domain(&s).await;
    let (_, app) = g
        .post("/v1.0/applications", json!({ "displayName": "HR sync" }))
        .await;
    let (app, app_id) = (
        app["id"].as_str().unwrap().to_string(),
        app["appId"].as_str().unwrap().replace('-', ""),
    );
    let cc = declare(&g, &app, "costCenter", "String", json!(["User"])).await;
    assert_eq!(cc, format!("extension_{app_id}_costCenter"));
    let level = declare(&g, &app, "level", "Integer", json!(["User", "Group"])).await;
    let vip = declare(&g, &app, "vip", "Boolean", json!(["User"])).await;
    let team = declare(&g, &app, "team", "String", json!(["Group"])).await;
    let (st, _) = g
        .post(
            &format!("/v1.0/applications/{app}/extensionProperties"),
            json!({ "name": "costCenter", "dataType": "String", "targetObjects": ["User"] }),
        )
        .await;
    assert_eq!(st, 400, "declared twice");
    for bad in [
        json!({ "name": "x y", "dataType": "String", "targetObjects": ["User"] }),
        json!({ "name": "x", "dataType": "Binary", "targetObjects": ["User"] }),
        json!({ "name": "x", "dataType": "String", "targetObjects": ["Device"] }),
        json!({ "name": "x", "dataType": "String", "targetObjects": ["User"], "isMultiValued": true }),
    ] {
        let (st, e) = g
            .post(
                &format!("/v1.0/applications/{app}/extensionProperties"),
                bad.clone(),
            )
            .await;
        assert_eq!(st, 400, "{bad}: {e}");
    }

    let mut body = new_user("ext1", &d);
    body[&cc] = json!("CC-42");
    body[&level] = json!(3);
    body[&vip] = json!(true);
    let (st, u1) = g.post("/v1.0/users", body).await;
    assert_eq!(st, 201, "{u1}");
    let u1 = u1["id"].as_str().unwrap().to_string();
    let mut body = new_user("ext2", &d);
    body[&level] = json!(1);
    let (_, u2) = g.post("/v1.0/users", body).await;
    let u2 = u2["id"].as_str().unwrap().to_string();

    let (st, got) = g
        .get(&format!(
            "/v1.0/users/{u1}?$select=displayName,{cc},{level},{vip}"
        ))
        .await;
    assert_eq!(st, 200, "{got}");
    assert_eq!(
        (got[&cc].clone(), got[&level].clone(), got[&vip].clone()),
        (json!("CC-42"), json!(3), json!(true))
    );
    for (filter, want) in [
        (format!("{cc} eq 'cc-42'"), vec![u1.clone()]),
        (format!("{level} ge 2"), vec![u1.clone()]),
        (
            format!("{level} le 3 and startswith(userPrincipalName,'ext')"),
            {
                let mut v = vec![u1.clone(), u2.clone()];
                v.sort();
                v
            },
        ),
        (format!("{vip} eq true"), vec![u1.clone()]),
        (
            format!("{cc} eq null and startswith(userPrincipalName,'ext')"),
            vec![u2.clone()],
        ),
    ] {
        let (st, r) = g
            .get(&format!("/v1.0/users?$filter={filter}&$select=id"))
            .await;
        assert_eq!(st, 200, "{filter}: {r}");
        let mut got = ids(&r);
        got.sort();
        assert_eq!(got, want, "{filter}");
    }
    // Wrong types, undeclared names, another object type's extension.
    for (what, body) in [
        ("string for Integer", json!({ level.clone(): "3" })),
        ("int for Boolean", json!({ vip.clone(): 1 })),
        (
            "undeclared",
            json!({ format!("extension_{app_id}_nope"): "x" }),
        ),
        ("group's extension", json!({ team.clone(): "x" })),
    ] {
        let (st, e) = g.patch(&format!("/v1.0/users/{u1}"), body).await;
        assert_eq!(st, 400, "{what}: {e}");
    }
    let (st, e) = g.get(&format!("/v1.0/users?$filter={team} eq 'x'")).await;
    assert_eq!(st, 400, "a group extension on users: {e}");
    // Clearing a value.
    assert_eq!(
        g.patch(&format!("/v1.0/users/{u1}"), json!({ cc.clone(): null }))
            .await
            .0,
        204
    );
    let (_, r) = g.get(&format!("/v1.0/users?$filter={cc} eq 'cc-42'")).await;
    assert!(ids(&r).is_empty());
    // Groups carry theirs.
    let (st, grp) = g.post("/v1.0/groups", json!({ "displayName": "ext", "mailEnabled": false, "mailNickname": "ext", "securityEnabled": true, team.clone(): "Blue", level.clone(): 7 })).await;
    assert_eq!(st, 201, "{grp}");
    let (_, r) = g
        .get(&format!(
            "/v1.0/groups?$filter={team} eq 'blue' and {level} eq 7&$select=id,{team}"
        ))
        .await;
    assert_eq!(r["value"][0][&team], "Blue");

    // At most 100 values per object; a refused write leaves the object as it was.
    let mut names = Vec::new();
    for i in 0..101 {
        names.push(declare(&g, &app, &format!("bulk{i}"), "String", json!(["User"])).await);
    }
    let mut first = serde_json::Map::new();
    for n in &names[..60] {
        first.insert(n.clone(), json!("x"));
    }
    assert_eq!(
        g.patch(&format!("/v1.0/users/{u2}"), Value::Object(first))
            .await
            .0,
        204
    );
    let mut second = serde_json::Map::new();
    for n in &names[60..] {
        second.insert(n.clone(), json!("y"));
    }
    second.insert("jobTitle".into(), json!("Should not stick"));
    let (st, e) = g
        .patch(&format!("/v1.0/users/{u2}"), Value::Object(second))
        .await;
    assert_eq!(st, 400, "{e}");
    let (_, got) = g
        .get(&format!("/v1.0/users/{u2}?$select=jobTitle,{}", names[100]))
        .await;
    assert!(
        got["jobTitle"].is_null() && got[&names[100]].is_null(),
        "{got}"
    );
    let all: serde_json::Map<String, Value> =
        names.iter().map(|n| (n.clone(), json!("z"))).collect();
    assert_eq!(
        g.patch(&format!("/v1.0/users/{u2}"), Value::Object(all))
            .await
            .0,
        400,
        "101 in one request"
    );

    // Deleting the declaration removes its values and its filter.
    let (_, props) = g
        .get(&format!("/v1.0/applications/{app}/extensionProperties"))
        .await;
    let level_id = props["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == level.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        g.delete(&format!(
            "/v1.0/applications/{app}/extensionProperties/{level_id}"
        ))
        .await
        .0,
        204
    );
    let (st, _) = g.get(&format!("/v1.0/users?$filter={level} ge 0")).await;
    assert_eq!(st, 400);
    let stored = s
        .running()
        .store
        .extension_values(s.running().tenant_id, u1.parse().unwrap())
        .await
        .unwrap();
    assert!(stored.iter().all(|(n, _)| n != &level), "{stored:?}");
}
both_backends!(extension_attributes);
