//! `tessera admin create-tenant`, `list-tenants` and `delete-tenant`, run as
//! an operator runs them (the binary, another process) beside a server that
//! is already running: a new tenant is served at once (discovery, client
//! credentials, its admin's sign-in); a deleted one stops being served, and
//! no table keeps a row of it while the other tenants stay intact. The
//! tables a deletion covers are checked against the schema itself
//! (deletion: `tenants/delete.rs`).
use crate::graph::fixtures::Graph;
use crate::oauth::fixtures::{self as of, Boot};
use crate::signin::fixtures::{self as sf, Browser};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use tessera_model::*;
use tessera_testkit::{both_backends, TestBackend, TestServer};

mod delete;

const BIN: &str = env!("CARGO_BIN_EXE_tessera");

/// `tessera admin ARGS --data-dir … --database …` on the test server's data,
/// with no TESSERA_* variable from the test environment except `env`.
async fn admin_env(s: &TestServer, args: &[&str], env: &[(&str, &str)]) -> Output {
    admin_at(&s.data_dir(), s, args, env).await
}

/// The same with another data directory (the same database).
async fn admin_at(
    data_dir: &std::path::Path,
    s: &TestServer,
    args: &[&str],
    env: &[(&str, &str)],
) -> Output {
    let mut c = Command::new(BIN);
    c.arg("admin")
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--database", &s.db.url])
        .stdin(Stdio::null());
    for (k, _) in std::env::vars() {
        if k.starts_with("TESSERA_") {
            c.env_remove(k);
        }
    }
    for (k, v) in env {
        c.env(k, v);
    }
    tokio::task::spawn_blocking(move || c.output().expect("run tessera"))
        .await
        .unwrap()
}

async fn admin(s: &TestServer, args: &[&str]) -> Output {
    admin_env(s, args, &[]).await
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `create-tenant` and returns the printed credentials.
async fn create(s: &TestServer, name: &str, domain: Option<&str>) -> Value {
    let mut args = vec!["create-tenant", "--name", name];
    if let Some(d) = domain {
        args.extend(["--domain", d]);
    }
    let out = admin(s, &args).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("credentials as JSON")
}

fn boot_of(v: &Value) -> Boot {
    Boot {
        tenant: v["tenantId"].as_str().unwrap().into(),
        client_id: v["clientId"].as_str().unwrap().into(),
        secret: v["clientSecret"].as_str().unwrap().into(),
    }
}

fn tenant_of(v: &Value) -> TenantId {
    v["tenantId"].as_str().unwrap().parse().unwrap()
}

/// An app-only token of the tenant's client (every directory permission).
async fn graph_of(s: &TestServer, v: &Value) -> Graph {
    let r = of::client_credentials(s, &boot_of(v)).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    Graph::with(s, body["access_token"].as_str().unwrap().into())
}

/// Signs in the tenant's admin with `password` to a public client of the
/// tenant (authorize, sign-in page, consent) and redeems the code: the
/// token response.
async fn admin_signs_in(s: &TestServer, v: &Value, public: AppId, password: &str) -> Value {
    let t = tenant_of(v);
    let upn = v["adminUserPrincipalName"].as_str().unwrap();
    let mut br = Browser::new(s);
    let path = sf::authorize_path(
        t,
        public,
        sf::NATIVE_REDIRECT,
        &[
            ("scope", "openid profile offline_access User.Read"),
            ("code_challenge", sf::CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
    );
    let r = br.get(&path).await;
    assert_eq!(r.status(), 200);
    let mut r = sf::sign_in(&mut br, r.text().await.unwrap(), upn, password).await;
    if r.status() == 200 {
        let page = r.text().await.unwrap();
        assert!(page.contains("Accept"), "expected the consent page: {page}");
        r = sf::accept(&mut br, page, "accept").await;
    }
    assert!(r.status().is_redirection(), "{}", r.status());
    let code = sf::location_params(&r)["code"].clone();
    let client = public.to_string();
    let r = of::token(
        s,
        &t.to_string(),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client),
            ("code", &code),
            ("redirect_uri", sf::NATIVE_REDIRECT),
            ("code_verifier", sf::VERIFIER),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// A public client (native loopback redirect) registered in tenant `t`.
async fn public_client(s: &TestServer, t: TenantId) -> AppId {
    let mut settings = ApplicationSettings {
        is_fallback_public_client: Some(true),
        ..Default::default()
    };
    settings
        .public_client
        .redirect_uris
        .push(sf::NATIVE_REDIRECT.into());
    let app = sf::app("Tenant notes", settings);
    sf::register(s, t, &app).await;
    app.app_id
}

/// Waits (bounded) until `check` holds: the running server learns of a
/// change through the change log.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < Duration::from_secs(30), "never: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A running server serves a tenant created beside it at once: discovery
/// by id and by its domain, JWKS, client credentials for the printed client
/// (a token its JWKS verifies, with every directory permission), the
/// directory API scoped to it, and its admin's sign-in. Bad names and
/// domains, a taken domain and a wrong master key are refused.
async fn created_tenant_is_served_at_once(b: TestBackend) {
    let s = TestServer::start(b).await;
    let home = s.running().tenant_id;
    let out = admin(
        &s,
        &[
            "create-tenant",
            "--name",
            "Contoso Ltd",
            "--domain",
            "Contoso.Example.",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: BTreeSet<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "adminPassword",
            "adminUserPrincipalName",
            "clientId",
            "clientSecret",
            "tenantId"
        ]),
        "bootstrap.json's keys"
    );
    let (secret, password) = (
        v["clientSecret"].as_str().unwrap(),
        v["adminPassword"].as_str().unwrap(),
    );
    let err = stderr(&out);
    assert!(
        !err.contains(secret) && !err.contains(password),
        "a secret on stderr"
    );
    assert_eq!(v["adminUserPrincipalName"], "admin@contoso.example");
    let t = tenant_of(&v);
    assert_ne!(t, home);

    // Discovery by id and by the domain, and the keys.
    for segment in [t.to_string(), "contoso.example".to_string()] {
        let r = s
            .get(&format!("/{segment}/v2.0/.well-known/openid-configuration"))
            .await;
        assert_eq!(r.status(), 200, "{segment}");
        let d: Value = r.json().await.unwrap();
        assert_eq!(d["issuer"], format!("{}/{t}/v2.0", s.url));
    }
    // Client credentials: a token of this tenant, signed by its key.
    let k = boot_of(&v);
    let r = of::client_credentials(&s, &k).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    let claims = of::verify(
        &s,
        &k.tenant,
        body["access_token"].as_str().unwrap(),
        &graph_permissions::GRAPH_APP_ID.to_string(),
    )
    .await;
    assert_eq!(claims["tid"], k.tenant);
    assert_eq!(
        claims["roles"].as_array().unwrap().len(),
        graph_permissions::APPLICATION_PERMISSIONS.len()
    );
    // The directory API sees this tenant only.
    let g = Graph::with(&s, body["access_token"].as_str().unwrap().into());
    let (st, org) = g.get("/v1.0/organization").await;
    assert_eq!(st, 200, "{org}");
    assert_eq!(org["value"][0]["displayName"], "Contoso Ltd");
    let (_, users) = g.get("/v1.0/users").await;
    let upns: Vec<&str> = users["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userPrincipalName"].as_str().unwrap())
        .collect();
    assert_eq!(upns, ["admin@contoso.example"]);

    // The admin signs in (password from the output) to an app of the tenant.
    let public = public_client(&s, t).await;
    let tokens = admin_signs_in(&s, &v, public, password).await;
    let id = sf::jwt_claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["tid"], t.to_string());
    assert_eq!(id["preferred_username"], "admin@contoso.example");

    // Without --domain: tenant-{8 hex}.tessera.test.
    let other = create(&s, "Fabrikam", None).await;
    let ot = other["tenantId"].as_str().unwrap();
    assert_eq!(
        other["adminUserPrincipalName"],
        format!("admin@tenant-{}.tessera.test", &ot[..8])
    );

    // Refusals.
    let out = admin(
        &s,
        &[
            "create-tenant",
            "--name",
            "Again",
            "--domain",
            "CONTOSO.example",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("contoso.example") && stderr(&out).contains("already used"),
        "{}",
        stderr(&out)
    );
    let bootstrap_domain = s.running().store.list_domains(home).await.unwrap()[0]
        .name
        .clone();
    let out = admin(
        &s,
        &[
            "create-tenant",
            "--name",
            "Again",
            "--domain",
            &bootstrap_domain,
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains(&bootstrap_domain), "{}", stderr(&out));
    for (args, key) in [
        (["--name", "X", "--domain", "not a domain"], "key `domain`"),
        (["--name", "X", "--domain", "localhost"], "key `domain`"),
        (["--name", "  ", "--domain", "fine.example"], "key `name`"),
        (["--name", "a\tb", "--domain", "fine.example"], "key `name`"),
    ] {
        let mut a = vec!["create-tenant"];
        a.extend(args);
        let out = admin(&s, &a).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(key), "{args:?}: {}", stderr(&out));
    }
    // Another master key than the servers' cannot seal a usable key: refused
    // before anything is written.
    let wrong = tessera_crypto::MasterKey::generate(&mut rand::rngs::OsRng).to_base64();
    let out = admin_env(
        &s,
        &[
            "create-tenant",
            "--name",
            "Wrong key",
            "--domain",
            "wrong.example",
        ],
        &[("TESSERA_MASTER_KEY", &wrong)],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("master key"), "{}", stderr(&out));
    // No master key at all (another data directory, no variable): refused,
    // and no new key file is made there.
    let elsewhere = tempfile::tempdir().unwrap();
    let out = admin_at(
        elsewhere.path(),
        &s,
        &[
            "create-tenant",
            "--name",
            "No key",
            "--domain",
            "wrong.example",
        ],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("key `master_key`"),
        "{}",
        stderr(&out)
    );
    assert!(!elsewhere.path().join("master.key").exists());
    assert_eq!(
        s.running()
            .store
            .tenant_by_domain("wrong.example")
            .await
            .unwrap(),
        None
    );
    assert_eq!(s.running().store.list_tenant_ids().await.unwrap().len(), 3);
}
both_backends!(created_tenant_is_served_at_once);

/// `list-tenants`: one tab-separated line per tenant, oldest first, or JSON.
async fn tenants_are_listed(b: TestBackend) {
    let s = TestServer::start(b).await;
    let home = s.running().tenant_id.to_string();
    let a = create(&s, "Alpha Corp", Some("alpha.example")).await;
    let out = admin(&s, &["list-tenants"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(lines[0][0], home);
    assert_eq!(lines[0][1], "Tessera");
    assert_eq!(lines[0][4], "bootstrap");
    assert_eq!(
        lines[1],
        [
            a["tenantId"].as_str().unwrap(),
            "Alpha Corp",
            "alpha.example",
            lines[1][3],
            "-"
        ]
    );
    time::OffsetDateTime::parse(lines[1][3], &time::format_description::well_known::Rfc3339)
        .expect("RFC 3339");
    assert!(lines[0][3] <= lines[1][3]);

    let out = admin(&s, &["list-tenants", "--json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(
        list[1],
        json!({
            "id": a["tenantId"],
            "displayName": "Alpha Corp",
            "initialDomain": "alpha.example",
            "createdDateTime": lines[1][3],
            "bootstrap": false,
        })
    );
    assert_eq!(list[0]["bootstrap"], true);
}
both_backends!(tenants_are_listed);
