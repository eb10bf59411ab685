//! Applications, credentials, service principals, assignments, grants, keys.
use super::fixtures::*;
use tessera_model::*;
use tessera_store::StoreError;
use tessera_testkit::{both_backends, TestBackend, TestDb};

async fn applications_credentials_and_service_principals(b: TestBackend) {
    let db = TestDb::new(b).await;
    let s = db.open().await;
    let mut r = rng(20);
    let (a, da) = tenant(&mut r, "apps-a.example");
    let (bt, dbt) = tenant(&mut r, "apps-b.example");
    s.create_tenant(&a, &da).await.unwrap();
    s.create_tenant(&bt, &dbt).await.unwrap();

    let app = application(&mut r, "Payroll");
    s.create_application(a.id, &app, NOW).await.unwrap();
    assert_eq!(
        s.get_application(a.id, app.id).await.unwrap(),
        Some(app.clone())
    );
    assert_eq!(s.get_application(bt.id, app.id).await.unwrap(), None);
    assert_eq!(
        s.application_by_app_id(app.app_id).await.unwrap(),
        Some((a.id, app.clone()))
    );
    // appIds are global: another tenant cannot reuse one.
    let mut clash = application(&mut r, "Clash");
    clash.app_id = app.app_id;
    assert!(matches!(
        s.create_application(bt.id, &clash, NOW).await,
        Err(StoreError::Conflict(_))
    ));

    let mut edited = app.clone();
    edited
        .settings
        .spa
        .redirect_uris
        .push("https://spa.example/".into());
    edited.sign_in_audience = SignInAudience::AzureADMultipleOrgs;
    s.update_application(a.id, &edited, NOW).await.unwrap();
    assert_eq!(
        s.get_application(a.id, app.id).await.unwrap(),
        Some(edited.clone())
    );
    assert!(matches!(
        s.update_application(bt.id, &edited, NOW).await,
        Err(StoreError::NotFound)
    ));

    let cred = PasswordCredential {
        key_id: new_guid(&mut r),
        display_name: Some("ci".into()),
        hint: Some("xyz".into()),
        start_date_time: NOW,
        end_date_time: NOW + time::Duration::days(30),
    };
    s.add_password_credential(a.id, app.id, &cred, &[9u8; 32], NOW)
        .await
        .unwrap();
    assert_eq!(
        s.list_password_credentials(a.id, app.id).await.unwrap(),
        vec![(cred.clone(), vec![9u8; 32])]
    );
    assert!(s
        .list_password_credentials(bt.id, app.id)
        .await
        .unwrap()
        .is_empty());
    // The change log names the credential but never carries its digest.
    let log = serde_json::to_string(&s.changes_since(a.id, 0, 1000).await.unwrap()).unwrap();
    assert!(log.contains(&cred.key_id.to_string()));
    assert!(!log.contains("secret_digest") && !log.contains("[9,9,9"));

    let key = KeyCredential {
        key_id: new_guid(&mut r),
        display_name: Some("cert".into()),
        kind: "AsymmetricX509Cert".into(),
        usage: "Verify".into(),
        key: vec![0x30, 0x82, 1, 2],
        thumbprint: vec![0xAB; 20],
        start_date_time: NOW,
        end_date_time: NOW + time::Duration::days(365),
    };
    s.add_key_credential(a.id, app.id, &key, NOW).await.unwrap();
    assert_eq!(
        s.list_key_credentials(a.id, app.id).await.unwrap(),
        vec![key]
    );

    let sp = service_principal(&mut r, &app, a.id);
    s.create_service_principal(a.id, &sp, NOW).await.unwrap();
    assert_eq!(
        s.service_principal_by_app_id(a.id, app.app_id)
            .await
            .unwrap(),
        Some(sp.clone())
    );
    let dup = service_principal(&mut r, &app, a.id);
    assert!(matches!(
        s.create_service_principal(a.id, &dup, NOW).await,
        Err(StoreError::Conflict(_))
    ));
    // A multitenant app gets its own service principal in another tenant.
    let sp_b = service_principal(&mut r, &app, a.id);
    s.create_service_principal(bt.id, &sp_b, NOW).await.unwrap();
    assert_eq!(
        s.list_service_principals(a.id, None, 10).await.unwrap(),
        vec![sp.clone()]
    );

    s.remove_password_credential(a.id, app.id, cred.key_id, NOW)
        .await
        .unwrap();
    assert!(s
        .list_password_credentials(a.id, app.id)
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        s.remove_password_credential(a.id, app.id, cred.key_id, NOW)
            .await,
        Err(StoreError::NotFound)
    ));

    // Deleting the application takes its credentials and home service principal.
    s.delete_application(a.id, app.id, NOW).await.unwrap();
    assert_eq!(s.get_application(a.id, app.id).await.unwrap(), None);
    assert_eq!(s.get_service_principal(a.id, sp.id).await.unwrap(), None);
    assert!(s
        .list_key_credentials(a.id, app.id)
        .await
        .unwrap()
        .is_empty());
    assert!(s
        .get_service_principal(bt.id, sp_b.id)
        .await
        .unwrap()
        .is_some());
    assert!(matches!(
        s.delete_application(a.id, app.id, NOW).await,
        Err(StoreError::NotFound)
    ));
}
both_backends!(applications_credentials_and_service_principals);

async fn assignments_grants_and_keys(b: TestBackend) {
    let db = TestDb::new(b).await;
    let s = db.open().await;
    let mut r = rng(21);
    let (a, da) = tenant(&mut r, "grants.example");
    s.create_tenant(&a, &da).await.unwrap();
    let t = a.id;
    let client_app = application(&mut r, "Client");
    let api_app = application(&mut r, "API");
    s.create_application(t, &client_app, NOW).await.unwrap();
    s.create_application(t, &api_app, NOW).await.unwrap();
    let client = service_principal(&mut r, &client_app, t);
    let api = service_principal(&mut r, &api_app, t);
    s.create_service_principal(t, &client, NOW).await.unwrap();
    s.create_service_principal(t, &api, NOW).await.unwrap();

    let assignment = AppRoleAssignment {
        id: ObjectId::random(&mut r),
        app_role_id: new_guid(&mut r),
        principal_id: client.id,
        principal_type: ObjectKind::ServicePrincipal,
        resource_id: api.id,
        created_date_time: NOW,
    };
    s.create_app_role_assignment(t, &assignment, NOW)
        .await
        .unwrap();
    assert_eq!(
        s.app_role_assignments_of(t, client.id).await.unwrap(),
        vec![assignment.clone()]
    );
    assert_eq!(
        s.app_role_assigned_to(t, api.id).await.unwrap(),
        vec![assignment.clone()]
    );
    let mut again = assignment.clone();
    again.id = ObjectId::random(&mut r);
    assert!(matches!(
        s.create_app_role_assignment(t, &again, NOW).await,
        Err(StoreError::Conflict(_))
    ));
    // An assignment to a resource that does not exist is refused.
    let mut dangling = assignment.clone();
    dangling.id = ObjectId::random(&mut r);
    dangling.resource_id = ObjectId::random(&mut r);
    assert!(matches!(
        s.create_app_role_assignment(t, &dangling, NOW).await,
        Err(StoreError::InvalidReference(_))
    ));
    s.delete_app_role_assignment(t, assignment.id, NOW)
        .await
        .unwrap();
    assert!(s
        .app_role_assignments_of(t, client.id)
        .await
        .unwrap()
        .is_empty());

    let grant = OAuth2PermissionGrant {
        id: ObjectId::random(&mut r),
        client_id: client.id,
        consent_type: "AllPrincipals".into(),
        principal_id: None,
        resource_id: api.id,
        scope: "User.Read Files.Read".into(),
    };
    s.create_oauth2_permission_grant(t, &grant, NOW)
        .await
        .unwrap();
    assert_eq!(
        s.oauth2_permission_grants_for_client(t, client.id)
            .await
            .unwrap(),
        vec![grant]
    );

    let role = DirectoryRoleAssignment {
        id: ObjectId::random(&mut r),
        role_definition_id: directory_roles::USER_ADMINISTRATOR.id,
        principal_id: client.id,
        directory_scope_id: "/".into(),
    };
    s.create_directory_role_assignment(t, &role, NOW)
        .await
        .unwrap();
    assert_eq!(
        s.directory_role_assignments_of(t, client.id).await.unwrap(),
        vec![role]
    );

    let k1 = signing_key("k1");
    let mut k2 = signing_key("k2");
    k2.active_from = NOW + time::Duration::hours(1);
    s.insert_signing_key(t, &k1).await.unwrap();
    s.insert_signing_key(t, &k2).await.unwrap();
    assert!(matches!(
        s.insert_signing_key(t, &k1).await,
        Err(StoreError::Conflict(_))
    ));
    let keys = s.list_signing_keys(t).await.unwrap();
    assert_eq!(
        keys.iter().map(|k| k.kid.as_str()).collect::<Vec<_>>(),
        ["k2", "k1"]
    );
    assert_eq!(keys[1], k1);
    s.retire_signing_key(t, "k1", NOW).await.unwrap();
    assert_eq!(
        s.list_signing_keys(t).await.unwrap()[1].retired_at,
        Some(NOW)
    );
    assert!(matches!(
        s.retire_signing_key(t, "k1", NOW).await,
        Err(StoreError::NotFound)
    ));
}
both_backends!(assignments_grants_and_keys);

/// Rotation's compare-and-set: of several nodes creating a successor for the
/// same newest key at once, exactly one succeeds.
async fn signing_key_compare_and_set(b: TestBackend) {
    let db = TestDb::new(b).await;
    let s = db.open().await;
    let mut r = rng(22);
    let (a, da) = tenant(&mut r, "keys.example");
    s.create_tenant(&a, &da).await.unwrap();
    let t = a.id;
    let k1 = signing_key("k1");
    assert!(s.insert_signing_key_if_newest(t, &k1, None).await.unwrap());
    assert!(
        !s.insert_signing_key_if_newest(t, &signing_key("late"), None)
            .await
            .unwrap(),
        "stale expectation"
    );
    let stores = [db.open().await, db.open().await, db.open().await];
    let mut tasks = Vec::new();
    for (i, st) in stores.iter().enumerate() {
        let st = st.clone();
        let mut k = signing_key(&format!("n{i}"));
        k.active_from = NOW + time::Duration::hours(1);
        tasks.push(tokio::spawn(async move {
            st.insert_signing_key_if_newest(t, &k, Some(NOW))
                .await
                .unwrap()
        }));
    }
    let mut won = 0;
    for task in tasks {
        won += usize::from(task.await.unwrap());
    }
    assert_eq!(won, 1, "exactly one node creates the successor");
    assert_eq!(s.list_signing_keys(t).await.unwrap().len(), 2);
}
both_backends!(signing_key_compare_and_set);
