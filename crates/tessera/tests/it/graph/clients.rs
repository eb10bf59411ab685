//! Microsoft's own Graph SDKs against the directory API over HTTPS, with
//! only the base URL changed: msgraph-sdk for Python (azure-identity's
//! ClientSecretCredential against the Tessera authority) and the Graph
//! JavaScript client (token from msal-node). Each creates users, groups
//! and an application, adds members, filters, selects, and pages through
//! 1,000 users the test seeds.
use crate::oauth::fixtures::boot;
use crate::oauth::msal::{clients_dir, env_path, https_server, run_script};
use tessera_model::*;
use tessera_testkit::{both_backends, TestBackend, TestServer};

const BULK: &str = "bulk-";

async fn seed_bulk(s: &TestServer) {
    let t = s.running().tenant_id;
    let d = super::fixtures::domain(s).await;
    for i in 0..1000 {
        let u = NewUser {
            id: ObjectId::random(&mut rand::rngs::OsRng),
            user_principal_name: format!("{BULK}{i:04}@{d}"),
            display_name: format!("Bulk {i}"),
            given_name: None,
            surname: None,
            mail: None,
            account_enabled: true,
            password_hash: None,
            profile: Default::default(),
            force_change_password: false,
        };
        s.running()
            .store
            .create_user(t, &u, super::fixtures::EPOCH)
            .await
            .unwrap();
    }
}

async fn run(b: TestBackend, program: String, script: std::path::PathBuf) -> String {
    let (s, certs) = https_server(b).await;
    seed_bulk(&s).await;
    let k = boot(&s);
    let extra = vec![
        ("TESSERA_CLIENT_ID".to_string(), k.client_id.clone()),
        ("TESSERA_CLIENT_SECRET".to_string(), k.secret.clone()),
        (
            "TESSERA_DOMAIN".to_string(),
            super::fixtures::domain(&s).await,
        ),
        ("TESSERA_BULK_PREFIX".to_string(), BULK.to_string()),
    ];
    run_script(&s, &certs, program, script, extra).await
}

async fn msgraph_sdk_python(b: TestBackend) {
    let out = run(
        b,
        env_path("TESSERA_TEST_PYTHON"),
        clients_dir().join("msgraph_directory.py"),
    )
    .await;
    assert!(out.contains("OK msgraph-sdk directory"), "{out}");
}
both_backends!(msgraph_sdk_python);

async fn graph_client_javascript(b: TestBackend) {
    let dir = std::path::PathBuf::from(env_path("TESSERA_TEST_NODE_CLIENTS"));
    let out = run(b, "node".into(), dir.join("graph_directory.mjs")).await;
    assert!(out.contains("OK microsoft-graph-client directory"), "{out}");
}
both_backends!(graph_client_javascript);
