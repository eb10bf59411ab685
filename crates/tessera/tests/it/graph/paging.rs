//! Paging: `@odata.nextLink` with an opaque `$skiptoken` that continues
//! exactly after the last row (keyset), so concurrent inserts and deletes
//! between pages neither repeat nor skip rows that stayed; a token is bound
//! to its query and cannot be forged; `$count`, `$orderby`, `$top`.
use super::fixtures::*;
use serde_json::Value;
use std::collections::HashSet;
use tessera_model::*;
use tessera_testkit::{both_backends, TestBackend, TestServer};

async fn seed(s: &TestServer, prefix: &str, n: usize) -> Vec<ObjectId> {
    let t = s.running().tenant_id;
    let d = domain(s).await;
    let mut ids = Vec::new();
    for i in 0..n {
        let u = NewUser {
            id: ObjectId::random(&mut rand::rngs::OsRng),
            user_principal_name: format!("{prefix}{i:04}@{d}"),
            // Names collide on purpose: the id breaks ties.
            display_name: format!("Page {}", i % 37),
            given_name: None,
            surname: None,
            mail: None,
            account_enabled: true,
            password_hash: None,
            profile: Default::default(),
            force_change_password: false,
        };
        ids.push(
            s.running()
                .store
                .create_user(t, &u, EPOCH)
                .await
                .unwrap()
                .id,
        );
    }
    ids
}

async fn pages_stay_correct_under_concurrent_writes(b: TestBackend) {
    let s = TestServer::start(b).await;
    let g = admin(&s).await;
    let start = seed(&s, "pg", 120).await;
    let t = s.running().tenant_id;

    let (st, c) = g
        .get_eventual("/v1.0/users?$count=true&$filter=startswith(displayName,'page')&$top=1")
        .await;
    assert_eq!(st, 200, "{c}");
    assert_eq!(c["@odata.count"], 120);
    let (st, n) = g
        .get_eventual("/v1.0/users/$count?$filter=startswith(displayName,'page')")
        .await;
    assert_eq!((st, n), (200, Value::from(120)), "a plain-text number");

    let mut link = "/v1.0/users?$filter=startswith(displayName,'Page')&$orderby=displayName desc&$top=9&$select=displayName".to_string();
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut deleted = HashSet::new();
    let mut pages = 0;
    loop {
        let (st, page) = g.get(&link).await;
        assert_eq!(st, 200, "{page}");
        pages += 1;
        for v in page["value"].as_array().unwrap() {
            seen.push((
                v["displayName"].as_str().unwrap().into(),
                v["id"].as_str().unwrap().into(),
            ));
        }
        // Between pages: a user sorting before the cursor, one after it,
        // and a delete of one not seen yet.
        seed(&s, &format!("x{pages}-"), 2).await;
        if let Some(victim) = start
            .iter()
            .find(|id| !deleted.contains(*id) && !seen.iter().any(|(_, s)| *s == id.to_string()))
        {
            s.running()
                .store
                .delete_user(t, *victim, EPOCH)
                .await
                .unwrap();
            deleted.insert(*victim);
        }
        match page["@odata.nextLink"].as_str() {
            Some(next) => {
                assert!(next.starts_with(&s.url), "absolute link: {next}");
                assert!(
                    next.contains("%24skiptoken=") || next.contains("$skiptoken="),
                    "{next}"
                );
                link = next.to_string();
            }
            None => break,
        }
        assert!(pages < 200, "paging does not end");
    }
    let ids: Vec<&String> = seen.iter().map(|(_, i)| i).collect();
    let unique: HashSet<&String> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "a row appeared twice");
    for id in &start {
        if !deleted.contains(id) {
            assert!(
                unique.contains(&id.to_string()),
                "a row that stayed was skipped"
            );
        }
    }
    // Sorted by displayName descending, then id descending.
    for w in seen.windows(2) {
        assert!(w[0] >= w[1], "out of order: {:?} then {:?}", w[0], w[1]);
    }
}
both_backends!(pages_stay_correct_under_concurrent_writes);

async fn skiptokens_are_bound_and_unforgeable(b: TestBackend) {
    let s = TestServer::start(b).await;
    let g = admin(&s).await;
    seed(&s, "tok", 12).await;
    let (_, first) = g
        .get("/v1.0/users?$top=5&$filter=startswith(userPrincipalName,'tok')")
        .await;
    let next = first["@odata.nextLink"].as_str().unwrap().to_string();
    let (st, second) = g.get(&next).await;
    assert_eq!(st, 200);
    assert_eq!(second["value"].as_array().unwrap().len(), 5);
    let token = url::Url::parse(&next)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "$skiptoken")
        .unwrap()
        .1
        .into_owned();
    // The same token on another query, or altered, is refused.
    let mut flipped = token.clone().into_bytes();
    flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    for path in [
        format!("/v1.0/users?$top=5&$skiptoken={token}"),
        format!(
            "/v1.0/users?$top=6&$filter=startswith(userPrincipalName,'tok')&$skiptoken={token}"
        ),
        format!(
            "/v1.0/groups?$top=5&$filter=startswith(userPrincipalName,'tok')&$skiptoken={token}"
        ),
        format!(
            "/v1.0/users?$top=5&$filter=startswith(userPrincipalName,'tok')&$skiptoken={flipped}"
        ),
        format!(
            "/v1.0/users?$top=5&$filter=startswith(userPrincipalName,'tok')&$skiptoken=x{}",
            "A".repeat(5000)
        ),
    ] {
        let (st, e) = g.get(&path).await;
        assert_eq!(st, 400, "{path}: {e}");
    }
}
both_backends!(skiptokens_are_bound_and_unforgeable);
