//! First start: the tenant, the admin, the client, and bootstrap.json.
use std::os::unix::fs::PermissionsExt;
use tessera_model::*;
use tessera_testkit::{both_backends, TestBackend, TestDb, TestServer};

fn read_bootstrap(dir: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("bootstrap.json")).unwrap()).unwrap()
}

async fn first_start_writes_working_credentials_once(b: TestBackend) {
    let s = TestServer::start(b).await;
    let path = s.data_dir().join("bootstrap.json");
    assert_eq!(s.running().bootstrap_file.as_deref(), Some(path.as_path()));
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let v = read_bootstrap(&s.data_dir());
    let mut keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "adminPassword",
            "adminUserPrincipalName",
            "clientId",
            "clientSecret",
            "tenantId"
        ]
    );

    let store = &s.running().store;
    let tenant: TenantId = v["tenantId"].as_str().unwrap().parse().unwrap();
    assert_eq!(tenant, s.running().tenant_id);
    assert!(store.get_tenant(tenant).await.unwrap().is_some());

    // The admin's password verifies against the stored Argon2id hash, and the
    // admin is a Global Administrator.
    let upn = v["adminUserPrincipalName"].as_str().unwrap();
    let admin = store
        .get_user_by_upn(tenant, upn)
        .await
        .unwrap()
        .expect("admin user");
    let hash = store
        .user_password_hash(tenant, admin.id)
        .await
        .unwrap()
        .unwrap();
    assert!(hash.starts_with("$argon2id$"));
    let password = v["adminPassword"].as_str().unwrap();
    assert!(password.len() >= 16);
    let hasher = tessera_crypto::PasswordHasher::default();
    assert!(hasher.verify(password, &hash).unwrap());
    assert!(!hasher.verify("wrong password", &hash).unwrap());
    let roles = store
        .directory_role_assignments_of(tenant, admin.id)
        .await
        .unwrap();
    assert!(roles
        .iter()
        .any(|r| r.role_definition_id == directory_roles::GLOBAL_ADMINISTRATOR.id));

    // The client secret matches its stored digest (and only the digest is stored);
    // the client holds every application permission of the directory API.
    let client_id: AppId = v["clientId"].as_str().unwrap().parse().unwrap();
    let (home, app) = store
        .application_by_app_id(client_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(home, tenant);
    let secret = v["clientSecret"].as_str().unwrap();
    assert!(secret.len() >= 43, "256-bit secret");
    let creds = store
        .list_password_credentials(tenant, app.id)
        .await
        .unwrap();
    assert_eq!(creds.len(), 1);
    assert!(tessera_crypto::verify_secret(secret, &creds[0].1));
    assert!(!tessera_crypto::verify_secret(
        "not-the-secret",
        &creds[0].1
    ));
    assert_eq!(creds[0].0.hint.as_deref(), Some(&secret[..3]));
    let sp = store
        .service_principal_by_app_id(tenant, client_id)
        .await
        .unwrap()
        .unwrap();
    let graph = store
        .service_principal_by_app_id(tenant, graph_permissions::GRAPH_APP_ID)
        .await
        .unwrap()
        .unwrap();
    let held: Vec<_> = store.app_role_assignments_of(tenant, sp.id).await.unwrap();
    for p in graph_permissions::APPLICATION_PERMISSIONS {
        assert!(
            held.iter()
                .any(|a| a.app_role_id == p.id && a.resource_id == graph.id),
            "{}",
            p.value
        );
    }
    // The signing key is stored sealed, not as plain PKCS#8.
    let keys = store.list_signing_keys(tenant).await.unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].sealed_private_key[0], 1, "sealed format version");
    assert!(
        !keys[0].public_jwk.to_string().contains("\"d\""),
        "public JWK must not hold the private exponent"
    );

    // Restart: nothing is bootstrapped again and the file is untouched.
    let before = std::fs::read(&path).unwrap();
    let s = s.restart().await;
    assert_eq!(s.running().tenant_id, tenant);
    assert_eq!(s.running().bootstrap_file, None);
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let files: Vec<_> = std::fs::read_dir(s.data_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        !files
            .iter()
            .any(|f| f.to_string_lossy().starts_with("bootstrap-")),
        "{files:?}"
    );
}
both_backends!(first_start_writes_working_credentials_once);

/// A fresh database in a data directory that already has a bootstrap.json
/// (say, pointed at a new PostgreSQL): the old file is kept, the new
/// credentials go beside it.
async fn existing_bootstrap_file_is_never_overwritten(b: TestBackend) {
    let db = TestDb::new(b).await;
    std::fs::write(db.data_dir().join("bootstrap.json"), b"{\"old\":true}").unwrap();
    std::fs::set_permissions(
        db.data_dir().join("bootstrap.json"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let s = TestServer::start_with(db, |_| {}).await;
    assert_eq!(
        std::fs::read(s.data_dir().join("bootstrap.json")).unwrap(),
        b"{\"old\":true}"
    );
    let alt = s
        .data_dir()
        .join(format!("bootstrap-{}.json", s.running().tenant_id));
    assert_eq!(s.running().bootstrap_file.as_deref(), Some(alt.as_path()));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&alt).unwrap()).unwrap();
    assert_eq!(v["tenantId"], s.running().tenant_id.to_string());
}
both_backends!(existing_bootstrap_file_is_never_overwritten);

/// Unsafe data directory permissions stop the start with a message that names
/// the key, the mode and the fix.
async fn unsafe_data_dir_is_refused(b: TestBackend) {
    let db = TestDb::new(b).await;
    std::fs::set_permissions(db.data_dir(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let config = tessera_server::Config::for_test(db.data_dir(), db.url.clone());
    let err = tessera_server::start(config)
        .await
        .err()
        .expect("must refuse");
    let ce = err
        .downcast_ref::<tessera_server::ConfigError>()
        .expect("a configuration error");
    assert_eq!(ce.key, "data_dir");
    assert!(
        ce.message.contains("777") && ce.message.contains("chmod 700"),
        "{ce}"
    );
    // Nothing was created in the refused directory.
    assert!(!db.data_dir().join("master.key").exists());
}
both_backends!(unsafe_data_dir_is_refused);

/// Two nodes sharing one PostgreSQL database: they must share the master key.
/// A node with another key refuses to start rather than failing at sign-in.
async fn nodes_share_one_tenant_and_must_share_the_master_key() {
    let db = TestDb::new(TestBackend::Postgres).await;
    let key = tessera_crypto::MasterKey::generate(&mut rand::rngs::OsRng)
        .to_base64()
        .to_string();
    let k1 = key.clone();
    let first = TestServer::start_with(db, |c| c.master_key = Some(k1)).await;
    // Second node: its own data directory, same database, same key.
    let dir2 = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir2.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let mut c2 = tessera_server::Config::for_test(dir2.path().to_path_buf(), first.db.url.clone());
    c2.master_key = Some(key);
    let second = tessera_server::start(c2.clone()).await.unwrap();
    assert_eq!(second.tenant_id, first.running().tenant_id);
    assert_eq!(
        second.bootstrap_file, None,
        "only the bootstrapping node writes the file"
    );
    assert!(!dir2.path().join("bootstrap.json").exists());
    second.shutdown().await;
    // Third node with a different master key: refused, with a clear reason.
    c2.master_key = Some(
        tessera_crypto::MasterKey::generate(&mut rand::rngs::OsRng)
            .to_base64()
            .to_string(),
    );
    let err = tessera_server::start(c2)
        .await
        .err()
        .expect("must refuse a different master key");
    assert!(format!("{err:#}").contains("master key"), "{err:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_nodes_share_one_tenant_and_master_key() {
    nodes_share_one_tenant_and_must_share_the_master_key().await
}

/// A tenant bootstrapped by an older version lacks permissions added since:
/// the next start brings its directory API service principal up to date.
async fn start_adds_new_directory_permissions(b: TestBackend) {
    use tessera_model::graph_permissions::GRAPH_APP_ID;
    let s = TestServer::start(b).await;
    let t = s.running().tenant_id;
    let store = s.running().store.clone();
    let current = store
        .service_principal_by_app_id(t, GRAPH_APP_ID)
        .await
        .unwrap()
        .unwrap();
    let mut old = current.clone();
    old.app_roles
        .retain(|r| r.value.as_deref() != Some("UserAuthenticationMethod.ReadWrite.All"));
    old.oauth2_permission_scopes
        .retain(|p| p.value != "UserAuthenticationMethod.ReadWrite");
    assert!(old.app_roles.len() < current.app_roles.len());
    store
        .update_service_principal(t, &old, current.created_date_time)
        .await
        .unwrap();
    drop(store);
    let s = s.restart().await;
    let synced = s
        .running()
        .store
        .service_principal_by_app_id(t, GRAPH_APP_ID)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(synced.app_roles, current.app_roles);
    assert_eq!(
        synced.oauth2_permission_scopes,
        current.oauth2_permission_scopes
    );
    assert_eq!(synced.id, current.id);
}
both_backends!(start_adds_new_directory_permissions);
