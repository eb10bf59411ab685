//! `/v1.0/users` end to end: create with passwordProfile (the password
//! then signs in), get by id and userPrincipalName, `$select`, patch,
//! delete, `/me`, `revokeSignInSessions` (tokens and refresh tokens refused
//! at once), the change log, and the bad inputs Graph answers with 400/404.
use super::fixtures::*;
use serde_json::json;
use tessera_model::directory_roles as dr;
use tessera_testkit::{both_backends, TestBackend, TestServer};

async fn users_crud(b: TestBackend) {
    let s = TestServer::start(b).await;
    let g = admin(&s).await;
    let d = domain(&s).await;
    let t = s.running().tenant_id;
    let seq0 = s
        .running()
        .store
        .changes_since(t, 0, 10_000)
        .await
        .unwrap()
        .len();

    let (st, u) = g.post("/v1.0/users", new_user("grace", &d)).await;
    assert_eq!(st, 201, "{u}");
    let id = u["id"].as_str().unwrap().to_string();
    assert_eq!(u["userPrincipalName"], format!("grace@{d}"));
    assert_eq!(u["accountEnabled"], true);
    assert!(u["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/v1.0/$metadata#users/$entity"));
    assert!(u.get("passwordProfile").is_none(), "{u}");
    // The password set through the API signs in.
    let hash = s
        .running()
        .store
        .user_password_hash(t, id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(tessera_crypto::PasswordHasher::default()
        .verify("Sufficiently-Complex-42", &hash)
        .unwrap());

    // Default properties, $select, by userPrincipalName (any case).
    let (st, got) = g.get(&format!("/v1.0/users/{id}")).await;
    assert_eq!(st, 200);
    assert_eq!(got["displayName"], "User grace");
    assert!(
        got.get("accountEnabled").is_none(),
        "not in Graph's default set: {got}"
    );
    let (st, got) = g
        .get(&format!(
            "/v1.0/users/GRACE@{d}?$select=accountEnabled,jobTitle"
        ))
        .await;
    assert_eq!(st, 200);
    assert_eq!(got["id"], id.as_str());
    assert_eq!(got["accountEnabled"], true);
    assert!(got["jobTitle"].is_null());
    assert!(got.get("displayName").is_none(), "{got}");

    let (st, _) = g
        .patch(&format!("/v1.0/users/{id}"), json!({ "jobTitle": "Rear Admiral", "otherMails": ["g@navy.example"], "surname": null }))
        .await;
    assert_eq!(st, 204);
    let (_, got) = g
        .get(&format!(
            "/v1.0/users/{id}?$select=jobTitle,otherMails,surname"
        ))
        .await;
    assert_eq!(got["jobTitle"], "Rear Admiral");
    assert_eq!(got["otherMails"], json!(["g@navy.example"]));
    assert!(got["surname"].is_null());

    // Every write is in the change log (create, patch).
    let changes = s.running().store.changes_since(t, 0, 10_000).await.unwrap();
    let mine: Vec<_> = changes[seq0..]
        .iter()
        .filter(|c| c.object_id.to_string() == id)
        .collect();
    assert_eq!(mine.len(), 2, "{mine:?}");

    let (st, _) = g.delete(&format!("/v1.0/users/{id}")).await;
    assert_eq!(st, 204);
    let (st, e) = g.get(&format!("/v1.0/users/{id}")).await;
    assert_eq!(st, 404);
    assert_eq!(e["error"]["code"], "Request_ResourceNotFound");
    let (st, _) = g.delete(&format!("/v1.0/users/{id}")).await;
    assert_eq!(st, 404);
    let changes = s.running().store.changes_since(t, 0, 10_000).await.unwrap();
    assert_eq!(
        changes
            .iter()
            .filter(|c| c.object_id.to_string() == id)
            .count(),
        3
    );
}
both_backends!(users_crud);

async fn bad_input_is_refused_and_nothing_written(b: TestBackend) {
    let s = TestServer::start(b).await;
    let g = admin(&s).await;
    let d = domain(&s).await;
    let t = s.running().tenant_id;
    let (st, _) = g.post("/v1.0/users", new_user("taken", &d)).await;
    assert_eq!(st, 201);
    let before = s
        .running()
        .store
        .changes_since(t, 0, 10_000)
        .await
        .unwrap()
        .len();
    let with = |k: &str, v: serde_json::Value| {
        let mut u = new_user("fresh", &d);
        u[k] = v;
        u
    };
    let mut without = new_user("fresh", &d);
    without.as_object_mut().unwrap().remove("mailNickname");
    let cases: Vec<(&str, serde_json::Value, &str)> = vec![
        (
            "duplicate upn (other case)",
            new_user("TAKEN", &d),
            "already exists",
        ),
        (
            "unknown property",
            with("favouriteColour", json!("teal")),
            "does not exist",
        ),
        (
            "wrong type",
            with("accountEnabled", json!("yes")),
            "true or false",
        ),
        (
            "null required",
            with("displayName", json!(null)),
            "displayName",
        ),
        ("missing required", without, "mailNickname"),
        (
            "unverified domain",
            with("userPrincipalName", json!("x@not-ours.example")),
            "verified domain",
        ),
        (
            "bad alias",
            with("userPrincipalName", json!(format!("a b@{d}"))),
            "alias",
        ),
        (
            "weak password",
            with("passwordProfile", json!({ "password": "password" })),
            "complexity",
        ),
        (
            "read-only id",
            with("id", json!("00000000-0000-0000-0000-000000000001")),
            "read-only",
        ),
        (
            "oversized string",
            with("displayName", json!("x".repeat(300))),
            "longer than",
        ),
        ("bad userType", with("userType", json!("Admin")), "userType"),
        (
            "wrong @odata.type",
            with("@odata.type", json!("#microsoft.graph.group")),
            "does not exist",
        ),
        ("NUL in a string", with("jobTitle", json!("a\u{0}b")), "NUL"),
    ];
    for (what, body, needle) in cases {
        let (st, e) = g.post("/v1.0/users", body).await;
        assert_eq!(st, 400, "{what}: {e}");
        assert!(
            e["error"]["message"].as_str().unwrap().contains(needle),
            "{what}: {e}"
        );
    }
    for (what, ct, raw) in [
        (
            "malformed JSON",
            "application/json",
            b"{\"displayName\": ".to_vec(),
        ),
        ("not an object", "application/json", b"[1,2]".to_vec()),
        ("not JSON", "text/plain", b"displayName=x".to_vec()),
        (
            "oversized",
            "application/json",
            format!("{{\"displayName\":\"{}\"}}", "x".repeat(300_000)).into_bytes(),
        ),
    ] {
        let (st, e) = g.post_raw("/v1.0/users", ct, raw).await;
        assert!(st == 400 || st == 413, "{what}: {st} {e}");
    }
    // Patch: an unknown property leaves the known ones unwritten too.
    let (_, list) = g
        .get("/v1.0/users?$filter=startswith(userPrincipalName,'taken')")
        .await;
    let id = list["value"][0]["id"].as_str().unwrap().to_string();
    let (st, _) = g
        .patch(
            &format!("/v1.0/users/{id}"),
            json!({ "jobTitle": "Changed", "nope": 1 }),
        )
        .await;
    assert_eq!(st, 400);
    let (_, got) = g.get(&format!("/v1.0/users/{id}?$select=jobTitle")).await;
    assert!(got["jobTitle"].is_null(), "{got}");
    let after = s
        .running()
        .store
        .changes_since(t, 0, 10_000)
        .await
        .unwrap()
        .len();
    assert_eq!(before, after, "a refused request wrote to the change log");
    // Unknown ids, paths, methods and options.
    for (path, code) in [
        ("/v1.0/users/00000000-0000-0000-0000-0000000000aa", 404),
        ("/v1.0/users/not-a-guid", 404),
        ("/v1.0/nonsense", 400),
        ("/v1.0/users?$frobnicate=1", 400),
        ("/v1.0/users?$top=0", 400),
        ("/v1.0/users?$top=1000", 400),
        ("/v1.0/users?$filter=displayName eq", 400),
        ("/v1.0/users?$filter=nickname eq 'x'", 400),
        ("/v1.0/users?$select=password", 400),
        ("/v1.0/users?$orderby=mail", 400),
        ("/v1.0/users?$count=true", 400),
        ("/v1.0/users?$expand=manager", 400),
        ("/v1.0/users?$skiptoken=forged.token", 400),
        ("/v1.0/users?$filter=displayName eq 'a%00b'", 400),
    ] {
        let (st, e) = g.get(path).await;
        assert_eq!(st, code, "{path}: {e}");
    }
    let (st, _) = g
        .send(g.http.put(format!("{}/v1.0/users", s.url)).json(&json!({})))
        .await;
    assert_eq!(st, 405);
    let (st, _) = g.delete("/v1.0/users/not-a-guid").await;
    assert_eq!(st, 404);
}
both_backends!(bad_input_is_refused_and_nothing_written);

async fn me_and_revoked_sessions(b: TestBackend) {
    let s = TestServer::start(b).await;
    let del = user_with(&s, "ada", &["User.Read"], &[]).await;
    let (me, uid) = (&del.g, del.user);
    let (st, got) = me
        .get("/v1.0/me?$select=displayName,userPrincipalName")
        .await;
    assert_eq!(st, 200, "{got}");
    assert_eq!(got["id"], uid.to_string());
    let (st, got) = me.get(&format!("/v1.0/users/{uid}")).await;
    assert_eq!(st, 200, "reading oneself with User.Read: {got}");
    // User.Read opens only the user itself.
    let (st, e) = me.get("/v1.0/users").await;
    assert_eq!(st, 403);
    assert_eq!(e["error"]["code"], "Authorization_RequestDenied");
    // App-only callers have no /me.
    let (st, _) = admin(&s).await.get("/v1.0/me").await;
    assert_eq!(st, 400);

    let (st, r) = admin(&s)
        .await
        .post(
            &format!("/v1.0/users/{uid}/revokeSignInSessions"),
            json!({}),
        )
        .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["value"], true);
    let (st, e) = me.get("/v1.0/me").await;
    assert_eq!(st, 401, "an access token issued before revocation: {e}");
    assert_eq!(e["error"]["code"], "InvalidAuthenticationToken");
    let t = s.running().tenant_id.to_string();
    let r = crate::oauth::fixtures::token(
        &s,
        &t,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &del.refresh),
            ("client_id", &del.client_id),
            ("client_secret", &del.secret),
        ],
    )
    .await;
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant", "{body}");
}
both_backends!(me_and_revoked_sessions);

async fn delegated_writes_need_a_role(b: TestBackend) {
    let s = TestServer::start(b).await;
    let d = domain(&s).await;
    let scopes = ["User.ReadWrite.All"];
    let plain = user_with(&s, "plain", &scopes, &[]).await.g;
    let reader = user_with(&s, "reader", &scopes, &[dr::GLOBAL_READER])
        .await
        .g;
    let admin_u = user_with(&s, "uadmin", &scopes, &[dr::USER_ADMINISTRATOR])
        .await
        .g;
    for (who, g, want) in [
        ("no role", &plain, 403),
        ("Global Reader", &reader, 403),
        ("User Administrator", &admin_u, 201),
    ] {
        let (st, e) = g
            .post("/v1.0/users", new_user(&format!("by-{}", who.len()), &d))
            .await;
        assert_eq!(st, want, "{who}: {e}");
    }
    // Reading needs only the scope.
    let (st, _) = plain.get("/v1.0/users").await;
    assert_eq!(st, 200);
}
both_backends!(delegated_writes_need_a_role);
