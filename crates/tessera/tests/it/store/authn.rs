//! Authentication methods, answered challenges, tenant policies, session
//! step-up and the sign-in log: the same on every backend.
use super::fixtures::*;
use tessera_model::*;
use tessera_store::StoreError;
use tessera_testkit::{both_backends, TestBackend, TestDb};
use time::Duration;

fn passkey(r: &mut rand::rngs::StdRng, user: ObjectId, cred: &[u8]) -> AuthMethod {
    AuthMethod {
        id: ObjectId::random(r),
        user_id: user,
        display_name: "Key".into(),
        created_at: NOW,
        last_used_at: None,
        detail: MethodDetail::Fido2 {
            credential_id: cred.to_vec(),
            aaguid: uuid::Uuid::nil(),
            attestation_format: "none".into(),
            passkey: "{\"cred\":1}".into(),
            counter: 5,
        },
    }
}

async fn methods_and_their_single_use(b: TestBackend) {
    let db = TestDb::new(b).await;
    let s = db.open().await;
    let mut r = rng(50);
    let (a, da) = tenant(&mut r, "authn-a.example");
    let (bt, dbt) = tenant(&mut r, "authn-b.example");
    s.create_tenant(&a, &da).await.unwrap();
    s.create_tenant(&bt, &dbt).await.unwrap();
    let alice = new_user(&mut r, "alice@authn-a.example");
    let bob = new_user(&mut r, "bob@authn-a.example");
    s.create_user(a.id, &alice, NOW).await.unwrap();
    s.create_user(a.id, &bob, NOW).await.unwrap();

    // TOTP: a step is accepted once; an earlier step never after a later one.
    let totp = AuthMethod {
        id: ObjectId::random(&mut r),
        user_id: alice.id,
        display_name: "Authenticator app".into(),
        created_at: NOW,
        last_used_at: None,
        detail: MethodDetail::SoftwareOath {
            sealed_secret: vec![1, 2, 3],
            last_step: 0,
        },
    };
    s.insert_auth_method(a.id, &totp, NOW).await.unwrap();
    assert!(s.use_totp_step(a.id, totp.id, 100, NOW).await.unwrap());
    assert!(
        !s.use_totp_step(a.id, totp.id, 100, NOW).await.unwrap(),
        "replayed step"
    );
    assert!(
        !s.use_totp_step(a.id, totp.id, 99, NOW).await.unwrap(),
        "earlier step"
    );
    assert!(
        !s.use_totp_step(bt.id, totp.id, 101, NOW).await.unwrap(),
        "other tenant"
    );
    assert!(s.use_totp_step(a.id, totp.id, 101, NOW).await.unwrap());

    // Passkeys: unique per tenant, found by credential id, counter only rises.
    let key = passkey(&mut r, alice.id, b"cred-alice");
    s.insert_auth_method(a.id, &key, NOW).await.unwrap();
    let dup = passkey(&mut r, bob.id, b"cred-alice");
    assert!(matches!(
        s.insert_auth_method(a.id, &dup, NOW).await,
        Err(StoreError::Conflict(_))
    ));
    let found = s
        .passkey_by_credential(a.id, b"cred-alice")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, key);
    assert_eq!(
        s.passkey_by_credential(bt.id, b"cred-alice").await.unwrap(),
        None
    );
    assert!(s
        .use_passkey(a.id, key.id, 6, "{\"cred\":2}", NOW)
        .await
        .unwrap());
    assert!(
        !s.use_passkey(a.id, key.id, 6, "{\"cred\":3}", NOW)
            .await
            .unwrap(),
        "same counter"
    );
    assert!(
        !s.use_passkey(a.id, key.id, 3, "{\"cred\":3}", NOW)
            .await
            .unwrap(),
        "regression"
    );
    let MethodDetail::Fido2 {
        passkey, counter, ..
    } = s
        .passkey_by_credential(a.id, b"cred-alice")
        .await
        .unwrap()
        .unwrap()
        .detail
    else {
        panic!("not a passkey")
    };
    assert_eq!((passkey.as_str(), counter), ("{\"cred\":2}", 6));

    // Temporary Access Pass: a one-time pass is spent once.
    let tap = AuthMethod {
        id: ObjectId::random(&mut r),
        user_id: bob.id,
        display_name: "Temporary Access Pass".into(),
        created_at: NOW,
        last_used_at: None,
        detail: MethodDetail::TemporaryAccessPass {
            digest: vec![9; 32],
            start: NOW,
            lifetime_minutes: 60,
            is_usable_once: true,
            used_at: None,
        },
    };
    s.insert_auth_method(a.id, &tap, NOW).await.unwrap();
    assert!(s
        .use_temporary_access_pass(a.id, tap.id, true, NOW)
        .await
        .unwrap());
    assert!(!s
        .use_temporary_access_pass(a.id, tap.id, true, NOW)
        .await
        .unwrap());
    let listed = s.auth_methods(a.id, bob.id).await.unwrap();
    assert!(matches!(
        listed[0].detail,
        MethodDetail::TemporaryAccessPass {
            used_at: Some(_),
            is_usable_once: true,
            lifetime_minutes: 60,
            ..
        }
    ));

    // Listing and deletion are per user and per tenant.
    assert_eq!(s.auth_methods(a.id, alice.id).await.unwrap().len(), 2);
    assert_eq!(s.auth_methods(bt.id, alice.id).await.unwrap().len(), 0);
    assert!(matches!(
        s.delete_auth_method(a.id, bob.id, totp.id, NOW).await,
        Err(StoreError::NotFound)
    ));
    s.delete_auth_method(a.id, alice.id, totp.id, NOW)
        .await
        .unwrap();
    assert_eq!(s.auth_methods(a.id, alice.id).await.unwrap().len(), 1);
    // Deleting the user deletes their methods.
    s.delete_user(a.id, alice.id, NOW).await.unwrap();
    assert_eq!(
        s.passkey_by_credential(a.id, b"cred-alice").await.unwrap(),
        None
    );

    // Challenges: answered once per tenant; purged after expiry.
    assert!(s
        .consume_challenge(a.id, b"c1", NOW + Duration::minutes(5))
        .await
        .unwrap());
    assert!(!s
        .consume_challenge(a.id, b"c1", NOW + Duration::minutes(5))
        .await
        .unwrap());
    assert!(s
        .consume_challenge(bt.id, b"c1", NOW + Duration::minutes(5))
        .await
        .unwrap());
    s.purge_expired(NOW + Duration::days(3), Duration::days(1))
        .await
        .unwrap();
    assert!(s
        .consume_challenge(a.id, b"c1", NOW + Duration::days(4))
        .await
        .unwrap());
}
both_backends!(methods_and_their_single_use);

async fn policies_sessions_and_sign_in_log(b: TestBackend) {
    let db = TestDb::new(b).await;
    let s = db.open().await;
    let mut r = rng(51);
    let (a, da) = tenant(&mut r, "authn-log.example");
    let (bt, dbt) = tenant(&mut r, "authn-log-b.example");
    s.create_tenant(&a, &da).await.unwrap();
    s.create_tenant(&bt, &dbt).await.unwrap();
    let alice = new_user(&mut r, "alice@authn-log.example");
    s.create_user(a.id, &alice, NOW).await.unwrap();

    // Password state: forced change at next sign-in, cleared by a change.
    let st = s.password_state(a.id, alice.id).await.unwrap().unwrap();
    assert!(!st.force_change && st.hash.is_some());
    s.change_password(a.id, alice.id, "$argon2id$new", true, None, NOW)
        .await
        .unwrap();
    let st = s.password_state(a.id, alice.id).await.unwrap().unwrap();
    assert_eq!(
        (st.hash.as_deref(), st.force_change),
        (Some("$argon2id$new"), true)
    );
    s.change_password(a.id, alice.id, "$argon2id$newer", false, None, NOW)
        .await
        .unwrap();
    assert!(
        !s.password_state(a.id, alice.id)
            .await
            .unwrap()
            .unwrap()
            .force_change
    );
    assert_eq!(s.password_state(bt.id, alice.id).await.unwrap(), None);
    assert!(matches!(
        s.change_password(bt.id, alice.id, "$x", false, None, NOW)
            .await,
        Err(StoreError::NotFound)
    ));

    assert_eq!(s.tenant_policy(a.id, "passwordPolicy").await.unwrap(), None);
    s.set_tenant_policy(a.id, "passwordPolicy", "{\"minLength\":12}", NOW)
        .await
        .unwrap();
    s.set_tenant_policy(a.id, "passwordPolicy", "{\"minLength\":14}", NOW)
        .await
        .unwrap();
    assert_eq!(
        s.tenant_policy(a.id, "passwordPolicy")
            .await
            .unwrap()
            .as_deref(),
        Some("{\"minLength\":14}")
    );
    assert_eq!(
        s.tenant_policy(bt.id, "passwordPolicy").await.unwrap(),
        None
    );

    let session = SsoSession {
        id: ObjectId::random(&mut r),
        user_id: alice.id,
        secret_digest: vec![1; 32],
        auth_time: NOW,
        amr: vec!["pwd".into()],
        created_at: NOW,
        expires_at: NOW + Duration::hours(12),
        ended_at: None,
    };
    s.create_session(a.id, &session).await.unwrap();
    let later = NOW + Duration::minutes(1);
    s.upgrade_session(
        a.id,
        session.id,
        &["mfa".into(), "otp".into(), "pwd".into()],
        later,
    )
    .await
    .unwrap();
    let got = s.get_session(a.id, session.id).await.unwrap().unwrap();
    assert_eq!(got.amr, vec!["mfa", "otp", "pwd"]);
    assert_eq!(got.auth_time, later);
    assert!(matches!(
        s.upgrade_session(bt.id, session.id, &[], later).await,
        Err(StoreError::NotFound)
    ));
    s.end_session(a.id, session.id, later).await.unwrap();
    assert!(
        matches!(
            s.upgrade_session(a.id, session.id, &[], later).await,
            Err(StoreError::NotFound)
        ),
        "an ended session is not raised"
    );

    let mut ids = vec![];
    for i in 0..5 {
        let e = SignInEvent {
            id: ObjectId::random(&mut r),
            created_at: NOW + Duration::seconds(i / 2),
            user_id: (i % 2 == 0).then_some(alice.id),
            user_principal_name: "alice@authn-log.example".into(),
            app_id: None,
            app_display_name: "App".into(),
            ip_address: "127.0.0.1".into(),
            error_code: if i == 4 { 50126 } else { 0 },
            failure_reason: String::new(),
            requirement: "singleFactorAuthentication".into(),
            steps: vec![AuthStep {
                method: "Password".into(),
                succeeded: i != 4,
                detail: "Correct password".into(),
                at: NOW,
            }],
        };
        s.record_sign_in(a.id, &e).await.unwrap();
        ids.push(e);
    }
    // Newest first, keyset paging by (created_at, id), per user, per tenant.
    let all = s.sign_ins(a.id, None, None, 10).await.unwrap();
    assert_eq!(all.len(), 5);
    assert!(all
        .windows(2)
        .all(|w| (w[0].created_at, w[0].id) > (w[1].created_at, w[1].id)));
    let page1 = s.sign_ins(a.id, None, None, 2).await.unwrap();
    let last = page1.last().unwrap();
    let page2 = s
        .sign_ins(a.id, None, Some((last.created_at, last.id)), 10)
        .await
        .unwrap();
    assert_eq!(page1.len() + page2.len(), 5);
    assert!(page2.iter().all(|e| !page1.contains(e)));
    assert_eq!(
        s.sign_ins(a.id, Some(alice.id), None, 10)
            .await
            .unwrap()
            .len(),
        3
    );
    assert_eq!(s.sign_ins(bt.id, None, None, 10).await.unwrap().len(), 0);
    assert!(all.contains(&ids[4]));
    assert_eq!(
        s.sign_in(a.id, ids[2].id).await.unwrap().as_ref(),
        Some(&ids[2])
    );
    assert_eq!(
        s.sign_in(bt.id, ids[2].id).await.unwrap(),
        None,
        "another tenant's"
    );
    // Kept for 30 days.
    s.purge_expired(NOW + Duration::days(31), Duration::days(1))
        .await
        .unwrap();
    assert_eq!(s.sign_ins(a.id, None, None, 10).await.unwrap().len(), 0);
}
both_backends!(policies_sessions_and_sign_in_log);
