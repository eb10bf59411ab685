//! The client-assertion replay memory: first use only, per tenant and
//! client, decided by the database when uses race, and purged after expiry.
use super::fixtures::*;
use tessera_model::AppId;
use tessera_testkit::{both_backends, TestBackend, TestDb};
use time::{Duration, OffsetDateTime};

const NOW: OffsetDateTime = time::macros::datetime!(2026-03-01 12:00 UTC);

async fn assertions_are_used_once(b: TestBackend) {
    let db = TestDb::new(b).await;
    let s = db.open().await;
    let mut r = rng(71);
    let (a, da) = tenant(&mut r, "replay-a.example");
    let (bt, dbt) = tenant(&mut r, "replay-b.example");
    s.create_tenant(&a, &da).await.unwrap();
    s.create_tenant(&bt, &dbt).await.unwrap();
    let (c1, c2) = (AppId::random(&mut r), AppId::random(&mut r));
    let exp = NOW + Duration::hours(1);

    assert!(s
        .first_use_of_assertion(a.id, c1, b"j1", exp)
        .await
        .unwrap());
    assert!(!s
        .first_use_of_assertion(a.id, c1, b"j1", exp)
        .await
        .unwrap());
    // Another client, or another tenant, has its own ids.
    assert!(s
        .first_use_of_assertion(a.id, c2, b"j1", exp)
        .await
        .unwrap());
    assert!(s
        .first_use_of_assertion(bt.id, c1, b"j1", exp)
        .await
        .unwrap());

    // Many uses of one id at once (as from several nodes): exactly one wins.
    let racers: Vec<_> = (0..8)
        .map(|_| {
            let s = s.clone();
            let t = a.id;
            tokio::spawn(async move { s.first_use_of_assertion(t, c1, b"race", exp).await })
        })
        .collect();
    let mut won = 0;
    for h in racers {
        won += usize::from(h.await.unwrap().unwrap());
    }
    assert_eq!(won, 1);

    // Kept a day past expiry (clock skew between nodes), then purged.
    s.purge_expired(exp + Duration::hours(23), Duration::days(1))
        .await
        .unwrap();
    assert!(!s
        .first_use_of_assertion(a.id, c1, b"j1", exp)
        .await
        .unwrap());
    s.purge_expired(exp + Duration::hours(25), Duration::days(1))
        .await
        .unwrap();
    assert!(s
        .first_use_of_assertion(a.id, c1, b"j1", exp)
        .await
        .unwrap());
}
both_backends!(assertions_are_used_once);
