//! Users, groups, tenancy and the change log.
use super::fixtures::*;
use tessera_model::*;
use tessera_store::{Store, StoreError};
use tessera_testkit::{both_backends, TestBackend, TestDb};

async fn two_tenants(b: TestBackend) -> (TestDb, std::sync::Arc<dyn Store>, TenantId, TenantId) {
    let db = TestDb::new(b).await;
    let store = db.open().await;
    let mut r = rng(100);
    let (a, da) = tenant(&mut r, "a.example");
    let (bt, db_) = tenant(&mut r, "b.example");
    store.create_tenant(&a, &da).await.unwrap();
    store.create_tenant(&bt, &db_).await.unwrap();
    (db, store, a.id, bt.id)
}

async fn users_round_trip_and_stay_in_their_tenant(b: TestBackend) {
    let (_db, s, ta, tb) = two_tenants(b).await;
    let mut r = rng(1);
    let nu = new_user(&mut r, "Alice@A.example");
    let created = s.create_user(ta, &nu, NOW).await.unwrap();
    assert_eq!(created.created_date_time, NOW);
    assert_eq!(s.get_user(ta, nu.id).await.unwrap(), Some(created.clone()));
    assert_eq!(
        s.get_user_by_upn(ta, "alice@a.EXAMPLE")
            .await
            .unwrap()
            .unwrap()
            .id,
        nu.id
    );
    assert!(s
        .user_password_hash(ta, nu.id)
        .await
        .unwrap()
        .unwrap()
        .starts_with("$argon2id$"));

    // Tenant B sees nothing of it, and cannot change or delete it.
    assert_eq!(s.get_user(tb, nu.id).await.unwrap(), None);
    assert_eq!(
        s.get_user_by_upn(tb, "alice@a.example").await.unwrap(),
        None
    );
    assert!(s.list_users(tb, None, 100).await.unwrap().is_empty());
    assert_eq!(s.user_password_hash(tb, nu.id).await.unwrap(), None);
    assert!(matches!(
        s.update_user(tb, &created, NOW).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.delete_user(tb, nu.id, NOW).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.set_user_password_hash(tb, nu.id, "x", NOW).await,
        Err(StoreError::NotFound)
    ));
    assert!(s.get_user(ta, nu.id).await.unwrap().is_some());

    // The same UPN may exist in another tenant's directory.
    s.create_user(tb, &new_user(&mut r, "alice@a.example"), NOW)
        .await
        .unwrap();

    let mut changed = created.clone();
    changed.display_name = "Alice Liddell".into();
    changed.account_enabled = false;
    s.update_user(ta, &changed, NOW).await.unwrap();
    assert_eq!(s.get_user(ta, nu.id).await.unwrap(), Some(changed));
    s.set_user_password_hash(ta, nu.id, "$argon2id$new", NOW)
        .await
        .unwrap();
    assert_eq!(
        s.user_password_hash(ta, nu.id).await.unwrap().as_deref(),
        Some("$argon2id$new")
    );
    s.delete_user(ta, nu.id, NOW).await.unwrap();
    assert_eq!(s.get_user(ta, nu.id).await.unwrap(), None);
}
both_backends!(users_round_trip_and_stay_in_their_tenant);

async fn duplicate_upn_is_a_conflict_and_writes_nothing(b: TestBackend) {
    let (_db, s, ta, _) = two_tenants(b).await;
    let mut r = rng(2);
    s.create_user(ta, &new_user(&mut r, "bob@a.example"), NOW)
        .await
        .unwrap();
    let before = s.changes_since(ta, 0, 1000).await.unwrap().len();
    let dup = new_user(&mut r, "BOB@a.example");
    let err = s.create_user(ta, &dup, NOW).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(ref m) if m.contains("userPrincipalName")),
        "{err:?}"
    );
    assert_eq!(s.get_user(ta, dup.id).await.unwrap(), None);
    assert_eq!(
        s.changes_since(ta, 0, 1000).await.unwrap().len(),
        before,
        "a failed write left a change"
    );
    // Blank required properties are refused before touching the database.
    let mut blank = new_user(&mut r, " ");
    assert!(matches!(
        s.create_user(ta, &blank, NOW).await,
        Err(StoreError::InvalidInput(_))
    ));
    blank.user_principal_name = "ok@a.example".into();
    blank.display_name = "".into();
    assert!(matches!(
        s.create_user(ta, &blank, NOW).await,
        Err(StoreError::InvalidInput(_))
    ));
    // Hostile text is stored as text (parameterised SQL), not executed.
    let evil = new_user(&mut r, "x'); DROP TABLE users; --@a.example");
    s.create_user(ta, &evil, NOW).await.unwrap();
    assert_eq!(
        s.get_user_by_upn(ta, "x'); DROP TABLE users; --@a.example")
            .await
            .unwrap()
            .unwrap()
            .id,
        evil.id
    );
}
both_backends!(duplicate_upn_is_a_conflict_and_writes_nothing);

async fn listing_pages_by_id(b: TestBackend) {
    let (_db, s, ta, _) = two_tenants(b).await;
    let mut r = rng(3);
    let mut ids = Vec::new();
    for i in 0..25 {
        ids.push(
            s.create_user(ta, &new_user(&mut r, &format!("u{i}@a.example")), NOW)
                .await
                .unwrap()
                .id,
        );
    }
    ids.sort();
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = s.list_users(ta, after, 10).await.unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 10);
        after = page.last().map(|u| u.id);
        seen.extend(page.into_iter().map(|u| u.id));
    }
    assert_eq!(seen, ids);
}
both_backends!(listing_pages_by_id);

async fn nested_groups_and_loops(b: TestBackend) {
    let (_db, s, ta, tb) = two_tenants(b).await;
    let mut r = rng(4);
    let user = s
        .create_user(ta, &new_user(&mut r, "carol@a.example"), NOW)
        .await
        .unwrap();
    let (g1, g2, g3) = (
        group(&mut r, "G1"),
        group(&mut r, "G2"),
        group(&mut r, "G3"),
    );
    for g in [&g1, &g2, &g3] {
        s.create_group(ta, g, NOW).await.unwrap();
    }
    let m = |id, kind| Member { id, kind };
    // user ∈ g3 ∈ g2 ∈ g1
    s.add_group_member(ta, g3.id, m(user.id, ObjectKind::User), NOW)
        .await
        .unwrap();
    s.add_group_member(ta, g2.id, m(g3.id, ObjectKind::Group), NOW)
        .await
        .unwrap();
    s.add_group_member(ta, g1.id, m(g2.id, ObjectKind::Group), NOW)
        .await
        .unwrap();
    let mut expect = vec![g1.id, g2.id, g3.id];
    expect.sort();
    assert_eq!(s.transitive_member_of(ta, user.id).await.unwrap(), expect);
    assert_eq!(
        s.list_group_members(ta, g2.id).await.unwrap(),
        vec![m(g3.id, ObjectKind::Group)]
    );

    // Loops of length 1, 2 and 3 are refused, and leave nothing behind.
    let before = s.changes_since(ta, 0, 1000).await.unwrap().len();
    for (parent, child) in [(g1.id, g1.id), (g3.id, g2.id), (g3.id, g1.id)] {
        let err = s
            .add_group_member(ta, parent, m(child, ObjectKind::Group), NOW)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::InvalidReference(ref msg) if msg.contains("loop")),
            "{err:?}"
        );
    }
    assert_eq!(s.changes_since(ta, 0, 1000).await.unwrap().len(), before);
    // Duplicates conflict; unknown members and groups are refused.
    assert!(matches!(
        s.add_group_member(ta, g3.id, m(user.id, ObjectKind::User), NOW)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.add_group_member(
            ta,
            g1.id,
            m(ObjectId::random(&mut r), ObjectKind::User),
            NOW
        )
        .await,
        Err(StoreError::InvalidReference(_))
    ));
    assert!(matches!(
        s.add_group_member(
            ta,
            ObjectId::random(&mut r),
            m(user.id, ObjectKind::User),
            NOW
        )
        .await,
        Err(StoreError::NotFound)
    ));
    // Another tenant cannot add to, or read, these groups.
    assert!(matches!(
        s.add_group_member(tb, g1.id, m(user.id, ObjectKind::User), NOW)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(s.list_group_members(tb, g2.id).await.unwrap().is_empty());
    assert!(s
        .transitive_member_of(tb, user.id)
        .await
        .unwrap()
        .is_empty());

    s.remove_group_member(ta, g2.id, g3.id, NOW).await.unwrap();
    assert_eq!(
        s.transitive_member_of(ta, user.id).await.unwrap(),
        vec![g3.id]
    );
    assert!(matches!(
        s.remove_group_member(ta, g2.id, g3.id, NOW).await,
        Err(StoreError::NotFound)
    ));
    // Deleting a group removes its memberships both ways.
    s.delete_group(ta, g3.id, NOW).await.unwrap();
    assert!(s
        .transitive_member_of(ta, user.id)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(s.get_group(ta, g3.id).await.unwrap(), None);
}
both_backends!(nested_groups_and_loops);

async fn every_write_appends_to_the_change_log(b: TestBackend) {
    let (_db, s, ta, tb) = two_tenants(b).await;
    let mut r = rng(5);
    let start = s.changes_since(ta, 0, 1000).await.unwrap();
    let last = start.last().map(|c| c.seq).unwrap_or(0);
    let u = s
        .create_user(ta, &new_user(&mut r, "dave@a.example"), NOW)
        .await
        .unwrap();
    let g = group(&mut r, "Team");
    s.create_group(ta, &g, NOW).await.unwrap();
    s.add_group_member(
        ta,
        g.id,
        Member {
            id: u.id,
            kind: ObjectKind::User,
        },
        NOW,
    )
    .await
    .unwrap();
    s.set_user_password_hash(ta, u.id, "$argon2id$secret-hash", NOW)
        .await
        .unwrap();
    s.delete_user(ta, u.id, NOW).await.unwrap();
    let changes = s.changes_since(ta, last, 1000).await.unwrap();
    let summary: Vec<_> = changes
        .iter()
        .map(|c| (c.object_kind, c.object_id, c.change_type))
        .collect();
    assert_eq!(
        summary,
        vec![
            (ObjectKind::User, u.id, ChangeType::Created),
            (ObjectKind::Group, g.id, ChangeType::Created),
            (ObjectKind::Group, g.id, ChangeType::Updated),
            (ObjectKind::User, u.id, ChangeType::Updated),
            (ObjectKind::User, u.id, ChangeType::Deleted),
        ]
    );
    assert!(changes.windows(2).all(|w| w[0].seq < w[1].seq));
    assert!(changes.iter().all(|c| c.tenant_id == ta));
    // The log never carries a password hash.
    assert!(!serde_json::to_string(&changes)
        .unwrap()
        .contains("secret-hash"));
    // Tenant B's log holds none of A's changes.
    assert!(s
        .changes_since(tb, 0, 1000)
        .await
        .unwrap()
        .iter()
        .all(|c| c.tenant_id == tb));
}
both_backends!(every_write_appends_to_the_change_log);

async fn latest_change_seq_follows_every_write(b: TestBackend) {
    let (_db, s, ta, tb) = two_tenants(b).await;
    let mut r = rng(6);
    let before = s.latest_change_seq().await.unwrap();
    assert!(before > 0, "creating tenants logged changes");
    s.create_user(ta, &new_user(&mut r, "e@a.example"), NOW)
        .await
        .unwrap();
    let after_a = s.latest_change_seq().await.unwrap();
    assert!(after_a > before);
    s.create_user(tb, &new_user(&mut r, "e@b.example"), NOW)
        .await
        .unwrap();
    assert!(
        s.latest_change_seq().await.unwrap() > after_a,
        "writes of any tenant count"
    );
}
both_backends!(latest_change_seq_follows_every_write);
