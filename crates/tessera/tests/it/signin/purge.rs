//! The maintenance job's purge: sign-in state that ended more than a day
//! ago goes, in every tenant; what is live (or ended recently) stays.
use super::fixtures::*;
use tessera_model::*;
use tessera_testkit::{both_backends, TestBackend, TestServer};
use time::{Duration, OffsetDateTime};

#[allow(clippy::disallowed_methods)] // compared with the rows' own timestamps only
fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn digest(tag: &str) -> Vec<u8> {
    tessera_crypto::secret_digest(tag).to_vec()
}

async fn purge_removes_only_what_ended_long_ago(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let store = &s.running().store;
    let t = apps.tenant;
    let now = now();
    let mut rng = rand::rngs::OsRng;
    let old = now - Duration::days(3);
    let mut sessions = vec![];
    for (tag, expires, ended) in [
        ("live", now + Duration::hours(1), None),
        ("expired-long-ago", old, None),
        ("ended-long-ago", now + Duration::hours(1), Some(old)),
        (
            "ended-recently",
            now + Duration::hours(1),
            Some(now - Duration::hours(1)),
        ),
    ] {
        let sess = SsoSession {
            id: ObjectId::random(&mut rng),
            user_id: apps.user,
            secret_digest: digest(tag),
            auth_time: old,
            amr: vec!["pwd".into()],
            created_at: old,
            expires_at: expires,
            ended_at: None,
        };
        store.create_session(t, &sess).await.unwrap();
        if let Some(at) = ended {
            store.end_session(t, sess.id, at).await.unwrap();
        }
        sessions.push((tag, sess.id));
    }
    for (tag, expires) in [("code-live", now + Duration::minutes(5)), ("code-old", old)] {
        let c = AuthCodeRecord {
            id: ObjectId::random(&mut rng),
            digest: digest(tag),
            client_id: apps.public,
            user_id: apps.user,
            session_id: None,
            redirect_uri: NATIVE_REDIRECT.into(),
            scope: "User.Read".into(),
            nonce: None,
            code_challenge: None,
            auth_time: old,
            amr: vec![],
            created_at: old,
            expires_at: expires,
            consumed_at: None,
        };
        store.insert_code(t, &c).await.unwrap();
    }
    for (tag, expires) in [("par-live", now + Duration::minutes(5)), ("par-old", old)] {
        let p = PushedRequest {
            digest: digest(tag),
            client_id: apps.public,
            params: "x=1".into(),
            created_at: old,
            expires_at: expires,
            used_at: None,
        };
        store.insert_pushed_request(t, &p).await.unwrap();
    }
    for (tag, expires, code) in [
        ("dev-live", now + Duration::minutes(5), "BCDFGHJKM"),
        ("dev-old", old, "BCDFGHJKN"),
    ] {
        let d = DeviceCodeRecord {
            id: ObjectId::random(&mut rng),
            digest: digest(tag),
            user_code: code.into(),
            client_id: apps.public,
            scope: "User.Read".into(),
            user_tenant: Some(t),
            created_at: old,
            expires_at: expires,
            last_poll_at: None,
            status: DeviceStatus::Pending,
        };
        store.insert_device_code(t, &d).await.unwrap();
    }
    let purged = store.purge_expired(now, Duration::days(1)).await.unwrap();
    assert_eq!(
        purged, 5,
        "two sessions, one code, one pushed request, one device code"
    );
    for (tag, id) in sessions {
        let kept = store.get_session(t, id).await.unwrap().is_some();
        let expect = matches!(tag, "live" | "ended-recently");
        assert_eq!(kept, expect, "session {tag}");
    }
    assert!(store
        .get_code(t, &digest("code-live"))
        .await
        .unwrap()
        .is_some());
    assert!(store
        .get_code(t, &digest("code-old"))
        .await
        .unwrap()
        .is_none());
    assert!(store
        .get_pushed_request(t, &digest("par-live"))
        .await
        .unwrap()
        .is_some());
    assert!(store
        .get_pushed_request(t, &digest("par-old"))
        .await
        .unwrap()
        .is_none());
    assert!(store
        .get_device_code(t, &digest("dev-live"))
        .await
        .unwrap()
        .is_some());
    assert!(store
        .get_device_code(t, &digest("dev-old"))
        .await
        .unwrap()
        .is_none());
    // Idempotent.
    assert_eq!(
        store.purge_expired(now, Duration::days(1)).await.unwrap(),
        0
    );
}
both_backends!(purge_removes_only_what_ended_long_ago);
