use super::fixtures::*;
use tessera_model::*;
use tessera_store::BootstrapOutcome;
use tessera_testkit::{both_backends, TestBackend, TestDb};

async fn bootstrap_creates_everything_once(b: TestBackend) {
    let db = TestDb::new(b).await;
    let store = db.open().await;
    assert_eq!(store.bootstrapped_tenant().await.unwrap(), None);
    let p = plan(1, "first.example");
    assert_eq!(
        store.bootstrap(&p).await.unwrap(),
        BootstrapOutcome::Created
    );
    let t = p.tenant.id;
    assert_eq!(store.bootstrapped_tenant().await.unwrap(), Some(t));

    // Everything the plan named is there, in its tenant.
    assert_eq!(
        store.get_tenant(t).await.unwrap().unwrap().display_name,
        "Test"
    );
    assert_eq!(
        store.tenant_by_domain("FIRST.example").await.unwrap(),
        Some(t)
    );
    let admin = store
        .get_user_by_upn(t, "Admin@First.Example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(admin.id, p.admin.id);
    let roles = store
        .directory_role_assignments_of(t, admin.id)
        .await
        .unwrap();
    assert_eq!(
        roles[0].role_definition_id,
        directory_roles::GLOBAL_ADMINISTRATOR.id
    );
    let (home, app) = store
        .application_by_app_id(p.client_app.app_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((home, app.id), (t, p.client_app.id));
    let creds = store.list_password_credentials(t, app.id).await.unwrap();
    assert_eq!(creds.len(), 1);
    assert_eq!(creds[0].1, vec![7u8; 32]);
    let graph = store
        .service_principal_by_app_id(t, graph_permissions::GRAPH_APP_ID)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        graph.app_roles.len(),
        graph_permissions::APPLICATION_PERMISSIONS.len()
    );
    let held = store
        .app_role_assignments_of(t, p.client_sp.id)
        .await
        .unwrap();
    assert_eq!(held.len(), graph_permissions::APPLICATION_PERMISSIONS.len());
    assert!(held.iter().all(|a| a.resource_id == graph.id));
    assert_eq!(store.list_signing_keys(t).await.unwrap().len(), 1);
    assert_eq!(store.list_tenant_ids().await.unwrap(), vec![t]);

    // A second bootstrap (another node, a restart) changes nothing.
    let again = plan(2, "second.example");
    assert_eq!(
        store.bootstrap(&again).await.unwrap(),
        BootstrapOutcome::AlreadyBootstrapped(t)
    );
    assert_eq!(store.get_tenant(again.tenant.id).await.unwrap(), None);
    assert_eq!(
        store.tenant_by_domain("second.example").await.unwrap(),
        None
    );
}
both_backends!(bootstrap_creates_everything_once);

/// Several nodes starting at once on one empty database: exactly one wins,
/// the others see its tenant, and nothing of the losers is left behind.
async fn concurrent_bootstraps_have_one_winner(b: TestBackend) {
    let db = TestDb::new(b).await;
    let stores = [db.open().await, db.open().await, db.open().await];
    let plans: Vec<_> = (0..3)
        .map(|i| plan(10 + i, &format!("node{i}.example")))
        .collect();
    let outcomes = futures_join(&stores, &plans).await;
    let winners: Vec<_> = outcomes
        .iter()
        .filter(|o| **o == BootstrapOutcome::Created)
        .collect();
    assert_eq!(winners.len(), 1, "{outcomes:?}");
    let t = stores[0].bootstrapped_tenant().await.unwrap().unwrap();
    for o in &outcomes {
        if let BootstrapOutcome::AlreadyBootstrapped(other) = o {
            assert_eq!(*other, t);
        }
    }
    let found: Vec<_> = plans.iter().filter(|p| p.tenant.id == t).collect();
    assert_eq!(found.len(), 1);
    for p in plans.iter().filter(|p| p.tenant.id != t) {
        assert_eq!(stores[0].get_tenant(p.tenant.id).await.unwrap(), None);
    }
}
both_backends!(concurrent_bootstraps_have_one_winner);

async fn futures_join(
    stores: &[std::sync::Arc<dyn tessera_store::Store>],
    plans: &[tessera_store::BootstrapPlan],
) -> Vec<BootstrapOutcome> {
    let mut tasks = Vec::new();
    for (s, p) in stores.iter().zip(plans) {
        let (s, p) = (s.clone(), p.clone());
        tasks.push(tokio::spawn(async move { s.bootstrap(&p).await }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap().unwrap());
    }
    out
}
