//! The URIs an app registration may hold, attacked through `/v1.0/applications`:
//! redirect URIs with dangerous schemes (and stored rows with them, at the
//! authorize endpoint), identifier URIs taken twice (also by concurrent
//! writes) or naming the directory API, and old databases holding
//! duplicates when migration 0006 runs.
use super::fixtures::*;
use serde_json::{json, Value};
use tessera_model::graph_permissions::GRAPH_APP_ID;
use tessera_store::IDENTIFIER_URI_TAKEN;
use tessera_testkit::{both_backends, TestBackend, TestServer};

fn message(e: &Value) -> &str {
    e["error"]["message"].as_str().unwrap_or("")
}

/// Apps named `name`, by listing.
async fn count_named(g: &Graph, name: &str) -> usize {
    let (st, v) = g
        .get(&format!(
            "/v1.0/applications?$filter=displayName eq '{name}'&$select=id"
        ))
        .await;
    assert_eq!(st, 200, "{v}");
    v["value"].as_array().unwrap().len()
}

async fn redirect_uris_with_dangerous_schemes_are_refused(b: TestBackend) {
    let s = TestServer::start(b).await;
    let g = admin(&s).await;
    let long = format!("https://app.example/{}", "a".repeat(300));
    // Refused on every platform.
    let everywhere = [
        "javascript:alert(document.domain)",
        "javascript://app.example/%0Aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "http://app.example/cb",
        "http://localhost.evil.example/cb",
        "https://app.example/cb#fragment",
        "https://user:pw@app.example/cb",
        "https://app.example@evil.example/cb",
        "https://*.app.example/cb",
        " https://app.example/cb",
        "https://app.example/c b",
        "https://bücher.example/cb",
        long.as_str(),
        "",
        "myapp://auth",
    ];
    // Refused for web and spa only.
    let native_only = [
        "com.example.app:/callback",
        "msauth://com.example.app/c2lnbmF0dXJl",
    ];
    for (platform, property) in [
        ("web", "web.redirectUris"),
        ("spa", "spa.redirectUris"),
        ("publicClient", "publicClient.redirectUris"),
    ] {
        let list: Vec<&str> = if platform == "publicClient" {
            everywhere.to_vec()
        } else {
            everywhere
                .iter()
                .chain(native_only.iter())
                .copied()
                .collect()
        };
        for bad in list {
            let (st, e) = g
                .post(
                    "/v1.0/applications",
                    json!({ "displayName": "Refused", platform: { "redirectUris": ["https://ok.example/cb", bad] } }),
                )
                .await;
            assert_eq!(st, 400, "{platform} {bad:?}: {e}");
            assert_eq!(e["error"]["code"], "Request_BadRequest", "{e}");
            let m = message(&e);
            assert!(m.contains(property), "names the property: {m}");
            let shown: String = bad.chars().take(256).collect();
            assert!(m.contains(&format!("'{shown}'")), "names the value: {m}");
        }
    }
    assert_eq!(count_named(&g, "Refused").await, 0, "nothing was created");

    // What is accepted, including the private-use schemes of native apps.
    let (st, app) = g
        .post(
            "/v1.0/applications",
            json!({
                "displayName": "Notes",
                "web": { "redirectUris": ["https://notes.example/cb", "http://localhost:5000/cb"], "logoutUrl": "https://notes.example/logout" },
                "spa": { "redirectUris": ["http://127.0.0.1:3000", "http://[::1]:3000/spa"] },
                "publicClient": { "redirectUris": [
                    "http://localhost",
                    "com.example.notes:/oauth2redirect",
                    "msauth.com.example.Notes://auth",
                    "msauth://com.example.notes/c2lnbmF0dXJl",
                ] },
            }),
        )
        .await;
    assert_eq!(st, 201, "{app}");
    let (id, app_id) = (
        app["id"].as_str().unwrap().to_string(),
        app["appId"].as_str().unwrap().to_string(),
    );
    // MSAL.NET's msal{appId}://auth: the application's own appId only.
    let path = format!("/v1.0/applications/{id}");
    let own = format!("msal{app_id}://auth");
    let (st, e) = g
        .patch(
            &path,
            json!({ "publicClient": { "redirectUris": [own.clone()] } }),
        )
        .await;
    assert_eq!(st, 204, "{e}");
    let foreign = format!("msal{GRAPH_APP_ID}://auth");
    let (st, e) = g
        .patch(
            &path,
            json!({ "publicClient": { "redirectUris": [foreign] } }),
        )
        .await;
    assert_eq!(st, 400, "{e}");
    // PATCH refuses what POST refuses, and changes nothing.
    for (body, property) in [
        (
            json!({ "spa": { "redirectUris": ["javascript:alert(1)"] } }),
            "spa.redirectUris",
        ),
        (
            json!({ "web": { "redirectUris": ["http://evil.example/cb"] } }),
            "web.redirectUris",
        ),
        (
            json!({ "publicClient": { "redirectUris": ["data:text/html,x"] } }),
            "publicClient.redirectUris",
        ),
        (
            json!({ "web": { "logoutUrl": "javascript:alert(1)" } }),
            "web.logoutUrl",
        ),
    ] {
        let (st, e) = g.patch(&path, body).await;
        assert_eq!(st, 400, "{e}");
        assert!(message(&e).contains(property), "{e}");
    }
    let (_, got) = g.get(&format!("{path}?$select=publicClient,spa,web")).await;
    assert_eq!(got["publicClient"]["redirectUris"], json!([own]));
    assert_eq!(got["web"]["logoutUrl"], "https://notes.example/logout");
}
both_backends!(redirect_uris_with_dangerous_schemes_are_refused);

/// Rows written before the rules (here: straight into the store) are not
/// honoured: the authorize endpoint shows its error page, never redirects.
async fn stored_forbidden_redirect_uris_are_not_used(b: TestBackend) {
    use crate::signin::fixtures::{app, authorize_path, register, Browser};
    let s = TestServer::start(b).await;
    let t = s.running().tenant_id;
    let mut settings = tessera_model::ApplicationSettings::default();
    settings.web.redirect_uris = vec![
        "https://legacy.example/cb".into(),
        "http://legacy.example/cb".into(),
        "javascript://legacy.example/%0Aalert(1)".into(),
        "https://user@legacy.example/cb".into(),
    ];
    settings.public_client.redirect_uris = vec!["myapp://auth".into(), "javascript://x/%0A".into()];
    let legacy = app("Legacy", settings);
    register(&s, t, &legacy).await;
    let mut br = Browser::new(&s);
    for stored in [
        "http://legacy.example/cb",
        "javascript://legacy.example/%0Aalert(1)",
        "https://user@legacy.example/cb",
        "myapp://auth",
        "javascript://x/%0A",
    ] {
        let r = br
            .get(&authorize_path(
                t,
                legacy.app_id,
                stored,
                &[
                    ("scope", "openid"),
                    ("state", "s"),
                    (
                        "code_challenge",
                        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                    ),
                    ("code_challenge_method", "S256"),
                ],
            ))
            .await;
        assert_eq!(r.status(), 400, "{stored}");
        assert!(r.headers().get("location").is_none(), "{stored}");
        assert!(
            r.text().await.unwrap().contains("can't sign you in"),
            "{stored}"
        );
    }
    // The app's https URI still works.
    let r = br
        .get(&authorize_path(
            t,
            legacy.app_id,
            "https://legacy.example/cb",
            &[("scope", "openid"), ("state", "s")],
        ))
        .await;
    assert_eq!(r.status(), 200, "the sign-in page");
}
both_backends!(stored_forbidden_redirect_uris_are_not_used);

async fn create(g: &Graph, name: &str, uris: &[&str]) -> (u16, Value) {
    g.post(
        "/v1.0/applications",
        json!({ "displayName": name, "identifierUris": uris }),
    )
    .await
}

async fn identifier_uris_are_unique_and_the_directory_apis_are_reserved(b: TestBackend) {
    let s = TestServer::start(b).await;
    let g = admin(&s).await;
    let (st, a) = create(
        &g,
        "Ledger",
        &["api://ledger", "https://ledger.example/api"],
    )
    .await;
    assert_eq!(st, 201, "{a}");
    let a_id = a["id"].as_str().unwrap().to_string();
    // The same URI again, however written.
    for dup in [
        "api://ledger",
        "API://Ledger",
        "api://ledger/",
        "HTTPS://LEDGER.EXAMPLE/api/",
    ] {
        let (st, e) = create(&g, "Copycat", &["api://copycat", dup]).await;
        assert_eq!(st, 400, "{dup}: {e}");
        assert_eq!(e["error"]["code"], "Request_BadRequest");
        assert_eq!(message(&e), IDENTIFIER_URI_TAKEN, "{dup}");
    }
    // The directory API's names.
    for reserved in [
        "https://graph.microsoft.com",
        "https://graph.microsoft.com/",
        "HTTPS://GRAPH.MICROSOFT.COM",
        "api://00000003-0000-0000-c000-000000000000",
        "00000003-0000-0000-c000-000000000000",
    ] {
        let (st, e) = create(&g, "Copycat", &[reserved]).await;
        assert_eq!(st, 400, "{reserved}: {e}");
        assert_eq!(message(&e), IDENTIFIER_URI_TAKEN, "{reserved}");
    }
    // Another application's appId, and a list naming one URI twice.
    let other = format!("api://{}", a["appId"].as_str().unwrap());
    let (st, e) = create(&g, "Copycat", &[other.as_str()]).await;
    assert_eq!(st, 400, "{e}");
    let (st, e) = create(&g, "Copycat", &["api://twice", "api://Twice/"]).await;
    assert_eq!(st, 400, "{e}");
    assert_eq!(count_named(&g, "Copycat").await, 0);

    // A different URI is fine; taking A's by PATCH is not.
    let (st, b_app) = create(&g, "Books", &["api://ledger/books"]).await;
    assert_eq!(st, 201, "{b_app}");
    let b_path = format!("/v1.0/applications/{}", b_app["id"].as_str().unwrap());
    let (st, e) = g
        .patch(
            &b_path,
            json!({ "identifierUris": ["api://books", "api://LEDGER"] }),
        )
        .await;
    assert_eq!(st, 400, "{e}");
    assert_eq!(message(&e), IDENTIFIER_URI_TAKEN);
    let (_, got) = g.get(&format!("{b_path}?$select=identifierUris")).await;
    assert_eq!(
        got["identifierUris"],
        json!(["api://ledger/books"]),
        "unchanged"
    );
    // An application keeps its own URIs across writes, and may change case.
    let a_path = format!("/v1.0/applications/{a_id}");
    let (st, e) = g.patch(&a_path, json!({ "displayName": "Ledger 2" })).await;
    assert_eq!(st, 204, "{e}");
    let (st, e) = g
        .patch(&a_path, json!({ "identifierUris": ["API://Ledger"] }))
        .await;
    assert_eq!(st, 204, "{e}");
    // A URI given up (or whose application is deleted) can be taken.
    let (st, e) = g
        .patch(
            &b_path,
            json!({ "identifierUris": ["https://ledger.example/api"] }),
        )
        .await;
    assert_eq!(st, 204, "given up by A's previous PATCH: {e}");
    assert_eq!(g.delete(&a_path).await.0, 204);
    let (st, e) = g
        .patch(&b_path, json!({ "identifierUris": ["api://ledger"] }))
        .await;
    assert_eq!(st, 204, "A was deleted: {e}");
}
both_backends!(identifier_uris_are_unique_and_the_directory_apis_are_reserved);

/// Several writes racing for one identifier URI: exactly one wins, the
/// others get Graph's 400, whichever backend.
async fn concurrent_identifier_uri_claims_have_one_winner(b: TestBackend) {
    let s = TestServer::start(b).await;
    let g = admin(&s).await;
    // Two existing apps race by PATCH, six new ones by POST.
    let mut existing = Vec::new();
    for n in 0..2 {
        let (st, v) = create(&g, &format!("Racer{n}"), &[]).await;
        assert_eq!(st, 201);
        existing.push(v["id"].as_str().unwrap().to_string());
    }
    let mut tasks = Vec::new();
    for n in 0..8 {
        let g = Graph {
            http: g.http.clone(),
            base: g.base.clone(),
            token: g.token.clone(),
        };
        let patch = existing.get(n).cloned();
        tasks.push(tokio::spawn(async move {
            let uri = if n % 2 == 0 {
                "api://race"
            } else {
                "API://Race/"
            };
            match patch {
                Some(id) => {
                    g.patch(
                        &format!("/v1.0/applications/{id}"),
                        json!({ "identifierUris": [uri] }),
                    )
                    .await
                }
                None => create(&g, "Racer", &[uri]).await,
            }
        }));
    }
    let mut won = 0;
    for t in tasks {
        let (st, e) = t.await.unwrap();
        match st {
            201 | 204 => won += 1,
            400 => assert_eq!(message(&e), IDENTIFIER_URI_TAKEN, "{e}"),
            other => panic!("unexpected {other}: {e}"),
        }
    }
    assert_eq!(won, 1, "exactly one claim wins");
    let (_, all) = g.get("/v1.0/applications?$select=identifierUris").await;
    let holders = all["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| {
            a["identifierUris"]
                .as_array()
                .is_some_and(|u| !u.is_empty())
        })
        .count();
    assert_eq!(holders, 1, "{all}");
}
both_backends!(concurrent_identifier_uri_claims_have_one_winner);

/// A database from before migration 0006 with two applications listing the
/// same identifier URI: the migration runs, the oldest keeps the URI, and
/// the other must drop it on its next write.
async fn old_duplicate_identifier_uris_survive_the_migration(b: TestBackend) {
    let mut s = TestServer::start(b).await;
    let g = admin(&s).await;
    let boot = crate::oauth::fixtures::boot(&s);
    let (_, first) = create(&g, "First", &["api://shared"]).await;
    let (_, second) = create(&g, "Second", &["api://second"]).await;
    let (first, second) = (
        first["id"].as_str().unwrap().to_string(),
        second["id"].as_str().unwrap().to_string(),
    );
    let t = s.running().tenant_id;
    let mut doc = s
        .running()
        .store
        .get_application(t, second.parse().unwrap())
        .await
        .unwrap()
        .unwrap()
        .settings;
    doc.identifier_uris = vec!["API://Shared/".into(), "api://second".into()];
    let doc = serde_json::to_string(&doc).unwrap();
    s.stop().await;
    // Undo 0006 and write the duplicate the old code accepted. "Second" is
    // the older row, so it is the one that keeps the URI.
    let statements = [
        "DROP TABLE application_identifier_uris".to_string(),
        "DELETE FROM _sqlx_migrations WHERE version = 6".to_string(),
        format!(
            "UPDATE applications SET settings = '{}', created_at = 1000 WHERE id = '{second}'",
            doc.replace('\'', "''")
        ),
        format!("UPDATE applications SET created_at = 2000 WHERE id = '{first}'"),
    ];
    raw_sql(&s.db, &statements).await;
    let s = s.restart().await;
    let r = crate::oauth::fixtures::client_credentials(&s, &boot).await;
    assert_eq!(
        r.status(),
        200,
        "the server started on the migrated database"
    );
    let token: Value = r.json().await.unwrap();
    let g = Graph::with(&s, token["access_token"].as_str().unwrap().into());
    let first_path = format!("/v1.0/applications/{first}");
    let second_path = format!("/v1.0/applications/{second}");
    let (st, e) = g
        .patch(&first_path, json!({ "displayName": "First 2" }))
        .await;
    assert_eq!(st, 400, "the younger holder must drop the URI: {e}");
    assert_eq!(message(&e), IDENTIFIER_URI_TAKEN);
    let (st, e) = g
        .patch(&second_path, json!({ "displayName": "Second 2" }))
        .await;
    assert_eq!(st, 204, "the older holder keeps it: {e}");
    let (st, _) = create(&g, "Third", &["api://shared"]).await;
    assert_eq!(st, 400);
    let (st, _) = create(&g, "Third", &["api://second"]).await;
    assert_eq!(st, 400, "the older holder's other URI is indexed too");
    let (st, e) = g
        .patch(&first_path, json!({ "identifierUris": ["api://first"] }))
        .await;
    assert_eq!(st, 204, "{e}");
}
both_backends!(old_duplicate_identifier_uris_survive_the_migration);

async fn raw_sql(db: &tessera_testkit::TestDb, statements: &[String]) {
    match db.backend {
        TestBackend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
            for q in statements {
                sqlx::query(q).execute(&pool).await.unwrap();
            }
            pool.close().await;
        }
        TestBackend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
            for q in statements {
                sqlx::query(q).execute(&pool).await.unwrap();
            }
            pool.close().await;
        }
    }
}
