//! `tessera admin delete-tenant`: every row of the tenant goes (checked
//! table by table against the schema), the other tenants keep theirs, a
//! running server stops serving it; the bootstrap tenant needs its own flag.
use super::*;
use tessera_testkit::TestDb;

/// Direct access to the test database, for what no API shows: the schema
/// and every table's rows of a tenant.
enum Raw {
    Sqlite(sqlx::SqlitePool),
    Pg(sqlx::PgPool),
}

impl Raw {
    async fn open(db: &TestDb) -> Self {
        match db.backend {
            TestBackend::Sqlite => Self::Sqlite(sqlx::SqlitePool::connect(&db.url).await.unwrap()),
            TestBackend::Postgres => Self::Pg(sqlx::PgPool::connect(&db.url).await.unwrap()),
        }
    }

    /// Every table with a `tenant_id` column, by the database's own catalog.
    async fn tenant_tables(&self) -> BTreeSet<String> {
        use sqlx::Row;
        let rows: Vec<String> = match self {
            Self::Sqlite(p) => sqlx::query(
                "SELECT m.name AS name FROM sqlite_master m JOIN pragma_table_info(m.name) c \
                 WHERE m.type = 'table' AND c.name = 'tenant_id'",
            )
            .fetch_all(p)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get("name"))
            .collect(),
            Self::Pg(p) => sqlx::query(
                "SELECT table_name::text AS name FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND column_name = 'tenant_id'",
            )
            .fetch_all(p)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get("name"))
            .collect(),
        };
        rows.into_iter().collect()
    }

    async fn count(&self, sql: &str, t: TenantId) -> i64 {
        match self {
            Self::Sqlite(p) => sqlx::query_scalar(sql)
                .bind(t.to_string())
                .fetch_one(p)
                .await
                .unwrap(),
            Self::Pg(p) => sqlx::query_scalar(sql)
                .bind(t.to_string())
                .fetch_one(p)
                .await
                .unwrap(),
        }
    }

    /// The tenant's rows in every table with a `tenant_id` column, in
    /// `tenants`, and device authorizations naming it.
    async fn rows_of(&self, t: TenantId) -> BTreeMap<String, i64> {
        let mut out = BTreeMap::new();
        for table in self.tenant_tables().await {
            let n = self
                .count(
                    &format!("SELECT COUNT(*) FROM {table} WHERE tenant_id = $1"),
                    t,
                )
                .await;
            out.insert(table, n);
        }
        out.insert(
            "tenants".into(),
            self.count("SELECT COUNT(*) FROM tenants WHERE id = $1", t)
                .await,
        );
        out.insert(
            "device_codes naming it".into(),
            self.count(
                "SELECT COUNT(*) FROM device_codes WHERE approved_tenant = $1 OR user_tenant = $1",
                t,
            )
            .await,
        );
        out
    }

    async fn close(self) {
        match self {
            Self::Sqlite(p) => p.close().await,
            Self::Pg(p) => p.close().await,
        }
    }
}

/// The store's list of tenant tables is the schema's: every table with a
/// `tenant_id` column (and `tenants`), no more. A migration that adds one
/// fails here until deletion covers it.
async fn deletion_covers_every_tenant_table(b: TestBackend) {
    let db = TestDb::new(b).await;
    let store = db.open().await;
    let raw = Raw::open(&db).await;
    let mut schema = raw.tenant_tables().await;
    schema.insert("tenants".into());
    let listed: BTreeSet<String> = tessera_store::TENANT_TABLES
        .iter()
        .map(|t| t.to_string())
        .collect();
    assert_eq!(
        listed.len(),
        tessera_store::TENANT_TABLES.len(),
        "listed twice"
    );
    assert_eq!(
        schema.difference(&listed).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "tenant tables that deletion misses"
    );
    assert_eq!(
        listed.difference(&schema).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "listed tables without tenant_id"
    );
    assert_eq!(tessera_store::TENANT_TABLES.last(), Some(&"tenants"));
    raw.close().await;
    store.close().await;
}
both_backends!(deletion_covers_every_tenant_table);

/// Fills tenant `v` through the API, a sign-in and the store, until every
/// tenant table but `bootstrap_state` holds a row of it.
async fn fill(s: &TestServer, v: &Value) {
    let t = tenant_of(v);
    let store = &s.running().store;
    let g = graph_of(s, v).await;
    let domain = v["adminUserPrincipalName"]
        .as_str()
        .unwrap()
        .split('@')
        .nth(1)
        .unwrap()
        .to_string();
    // Directory objects through the API.
    let (st, user) = g
        .post(
            "/v1.0/users",
            crate::graph::fixtures::new_user("grace", &domain),
        )
        .await;
    assert_eq!(st, 201, "{user}");
    let uid = user["id"].as_str().unwrap().to_string();
    let (st, group) = g
        .post(
            "/v1.0/groups",
            json!({ "displayName": "Ledger team", "mailEnabled": false, "mailNickname": "ledger", "securityEnabled": true }),
        )
        .await;
    assert_eq!(st, 201, "{group}");
    let gid = group["id"].as_str().unwrap();
    let member =
        json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{uid}") });
    for rel in ["members", "owners"] {
        let (st, e) = g
            .post(&format!("/v1.0/groups/{gid}/{rel}/$ref"), member.clone())
            .await;
        assert_eq!(st, 204, "{rel}: {e}");
    }
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["ledger.example".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    use base64::Engine;
    let (st, app) = g
        .post(
            "/v1.0/applications",
            json!({
                "displayName": "Ledger API",
                "identifierUris": [format!("api://{domain}/ledger")],
                "keyCredentials": [{ "type": "AsymmetricX509Cert", "usage": "Verify", "displayName": "ci",
                    "key": base64::engine::general_purpose::STANDARD.encode(cert.der()) }],
            }),
        )
        .await;
    assert_eq!(st, 201, "{app}");
    let aid = app["id"].as_str().unwrap();
    let (st, p) = g
        .post(
            &format!("/v1.0/applications/{aid}/extensionProperties"),
            json!({ "name": "costCenter", "dataType": "String", "targetObjects": ["User"] }),
        )
        .await;
    assert_eq!(st, 201, "{p}");
    let (st, e) = g
        .patch(
            &format!("/v1.0/users/{uid}"),
            json!({ p["name"].as_str().unwrap(): "CC-42" }),
        )
        .await;
    assert_eq!(st, 204, "{e}");
    let (st, e) = g
        .patch(
            "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass",
            json!({ "isUsableOnce": true }),
        )
        .await;
    assert_eq!(st, 204, "{e}");
    let (st, e) = g
        .post(
            &format!("/v1.0/users/{uid}/authentication/temporaryAccessPassMethods"),
            json!({}),
        )
        .await;
    assert_eq!(st, 201, "{e}");

    // Sign-in state: a failed attempt, then the admin's sign-in with consent.
    let public = public_client(s, t).await;
    let mut br = Browser::new(s);
    let r = br
        .get(&sf::authorize_path(
            t,
            public,
            sf::NATIVE_REDIRECT,
            &[
                ("scope", "openid"),
                ("code_challenge", sf::CHALLENGE),
                ("code_challenge_method", "S256"),
            ],
        ))
        .await;
    let upn = v["adminUserPrincipalName"].as_str().unwrap();
    let r = sf::sign_in(&mut br, r.text().await.unwrap(), upn, "not the password").await;
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Your account or password is incorrect."),
        "{page}"
    );
    let tokens = admin_signs_in(s, v, public, v["adminPassword"].as_str().unwrap()).await;
    assert!(tokens["refresh_token"].is_string(), "{tokens}");
    let r = s
        .client
        .post(s.url(&format!("/{t}/oauth2/v2.0/devicecode")))
        .form(&[
            ("client_id", public.to_string().as_str()),
            ("scope", "User.Read"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // What no public surface writes at will: a pushed request, an answered
    // WebAuthn challenge, the tenant's signing algorithm (the admin command).
    #[allow(clippy::disallowed_methods)] // expiry checked by the server's clock
    let now = time::OffsetDateTime::now_utc();
    store
        .insert_pushed_request(
            t,
            &PushedRequest {
                digest: vec![7; 32],
                client_id: public,
                params: "x=1".into(),
                created_at: now,
                expires_at: now + time::Duration::minutes(5),
                used_at: None,
            },
        )
        .await
        .unwrap();
    assert!(store
        .consume_challenge(t, &[9; 32], now + time::Duration::minutes(5))
        .await
        .unwrap());
    // A client assertion used (private_key_jwt's replay memory).
    assert!(store
        .first_use_of_assertion(
            t,
            AppId::random(&mut rand::rngs::OsRng),
            &[7; 32],
            now + time::Duration::minutes(5)
        )
        .await
        .unwrap());
    let tid = t.to_string();
    let out = admin(s, &["set-signing-alg", "--alg", "ES256", "--tenant", &tid]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// Whether the tenant's client gets a token (200) or the tenant is unknown.
async fn token_status(s: &TestServer, k: &Boot) -> (u16, Value) {
    let r = of::client_credentials(s, k).await;
    (r.status().as_u16(), r.json().await.unwrap())
}

/// `delete-tenant`: refused without `--yes` (saying what would go), then
/// every row of the tenant goes in one transaction — in every table of the
/// schema — while the other tenants keep every row; a running server stops
/// serving it (tokens, discovery, its tokens at the directory API).
async fn deleted_tenant_leaves_nothing(b: TestBackend) {
    let s = TestServer::start(b).await;
    let home = s.running().tenant_id;
    let a = create(&s, "Doomed Inc", Some("doomed.example")).await;
    let keep = create(&s, "Kept Inc", Some("kept.example")).await;
    let (ta, tk) = (tenant_of(&a), tenant_of(&keep));
    fill(&s, &a).await;
    fill(&s, &keep).await;
    let raw = Raw::open(&s.db).await;
    let before = raw.rows_of(ta).await;
    let empty: Vec<&String> = before
        .iter()
        .filter(|(table, n)| {
            **n == 0 && !matches!(table.as_str(), "bootstrap_state" | "device_codes naming it")
        })
        .map(|(table, _)| table)
        .collect();
    assert!(empty.is_empty(), "the fill left tables empty: {empty:?}");
    let (kept_before, home_before) = (raw.rows_of(tk).await, raw.rows_of(home).await);

    // A token issued before the deletion, and the server's view.
    let ka = boot_of(&a);
    let (st, body) = token_status(&s, &ka).await;
    assert_eq!(st, 200);
    let old = Graph::with(&s, body["access_token"].as_str().unwrap().into());
    assert_eq!(old.get("/v1.0/users").await.0, 200);

    let id = ta.to_string();
    let out = admin(&s, &["delete-tenant", "--tenant", &id]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    for needle in [
        id.as_str(),
        "--yes",
        "Doomed Inc",
        "doomed.example",
        "users",
    ] {
        assert!(err.contains(needle), "{needle}: {err}");
    }
    assert_eq!(
        raw.rows_of(ta).await,
        before,
        "nothing deleted without --yes"
    );

    let out = admin(&s, &["delete-tenant", "--tenant", &id, "--yes"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("deleted tenant {id}")),
        "{}",
        stdout(&out)
    );
    let after = raw.rows_of(ta).await;
    let left: Vec<_> = after.iter().filter(|(_, n)| **n > 0).collect();
    assert!(
        left.is_empty(),
        "rows of the deleted tenant remain: {left:?}"
    );
    assert_eq!(
        raw.rows_of(tk).await,
        kept_before,
        "the other tenant changed"
    );
    assert_eq!(
        raw.rows_of(home).await,
        home_before,
        "the bootstrap tenant changed"
    );

    // The running server stops serving it.
    eventually("the deleted tenant's client refused", || async {
        let (st, body) = token_status(&s, &ka).await;
        st == 400 && body["error_codes"][0] == 90002
    })
    .await;
    for segment in [id.as_str(), "doomed.example"] {
        let r = s
            .get(&format!("/{segment}/v2.0/.well-known/openid-configuration"))
            .await;
        assert_eq!(r.status(), 400, "{segment}");
    }
    eventually("the deleted tenant's token refused", || async {
        old.get("/v1.0/users").await.0 == 401
    })
    .await;
    // The other tenant is served as before.
    assert_eq!(token_status(&s, &boot_of(&keep)).await.0, 200);
    let kept_admin = graph_of(&s, &keep).await;
    assert_eq!(kept_admin.get("/v1.0/users").await.0, 200);

    // Again: nothing left to delete.
    let out = admin(&s, &["delete-tenant", "--tenant", &id, "--yes"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("no tenant"), "{}", stderr(&out));
    let out = admin(&s, &["delete-tenant", "--tenant", "nope", "--yes"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    raw.close().await;
}
both_backends!(deleted_tenant_leaves_nothing);

/// The bootstrap tenant needs `--including-bootstrap` besides `--yes`; the
/// oldest remaining tenant then becomes the default, which a restarted
/// server uses (and bootstraps nothing new).
async fn bootstrap_tenant_needs_its_own_flag(b: TestBackend) {
    let s = TestServer::start(b).await;
    let home = s.running().tenant_id.to_string();
    let first = create(&s, "First", Some("first.example")).await;
    create(&s, "Second", Some("second.example")).await;
    let first_id = first["tenantId"].as_str().unwrap();
    let out = admin(&s, &["delete-tenant", "--tenant", &home, "--yes"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--including-bootstrap"),
        "{}",
        stderr(&out)
    );
    let out = admin(
        &s,
        &["delete-tenant", "--tenant", &home, "--including-bootstrap"],
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "--yes is still needed");
    assert!(stderr(&out).contains("--yes"), "{}", stderr(&out));
    assert!(s
        .running()
        .store
        .get_tenant(home.parse().unwrap())
        .await
        .unwrap()
        .is_some());

    let out = admin(
        &s,
        &[
            "delete-tenant",
            "--tenant",
            &home,
            "--yes",
            "--including-bootstrap",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains(first_id), "{}", stdout(&out));
    assert_eq!(
        s.running().store.bootstrapped_tenant().await.unwrap(),
        Some(tenant_of(&first))
    );
    let out = admin(&s, &["list-tenants"]).await;
    let text = stdout(&out);
    assert!(!text.contains(&home), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with(first_id) && l.ends_with("\tbootstrap")),
        "{text}"
    );

    let s = s.restart().await;
    assert_eq!(s.running().tenant_id, tenant_of(&first));
    assert_eq!(
        s.running().bootstrap_file,
        None,
        "nothing bootstrapped again"
    );
    assert_eq!(token_status(&s, &boot_of(&first)).await.0, 200);
}
both_backends!(bootstrap_tenant_needs_its_own_flag);
