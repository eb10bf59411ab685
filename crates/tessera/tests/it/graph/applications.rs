//! `/v1.0/applications`: registrations through the API, a secret from
//! `addPassword` that is shown once and then works at the token endpoint
//! (and stops working after `removePassword`), and the bad inputs.
use super::fixtures::*;
use serde_json::json;
use tessera_testkit::{both_backends, TestBackend, TestServer};

async fn applications_and_secrets(b: TestBackend) {
    let s = TestServer::start(b).await;
    let g = admin(&s).await;
    let t = s.running().tenant_id.to_string();
    let (st, app) = g
        .post(
            "/v1.0/applications",
            json!({
                "displayName": "Ledger",
                "signInAudience": "AzureADMyOrg",
                "web": { "redirectUris": ["https://ledger.example/cb"] },
                "spa": { "redirectUris": ["http://localhost:3000"] },
                "publicClient": { "redirectUris": ["com.example.ledger://auth"] },
                "appRoles": [{ "id": "1b4f816e-5eaf-48b9-8613-7923830595ad", "allowedMemberTypes": ["Application"], "description": "Read ledgers", "displayName": "Read", "isEnabled": true, "value": "Ledger.Read" }],
                "groupMembershipClaims": "SecurityGroup",
            }),
        )
        .await;
    assert_eq!(st, 201, "{app}");
    let (id, app_id) = (
        app["id"].as_str().unwrap().to_string(),
        app["appId"].as_str().unwrap().to_string(),
    );
    assert_eq!(app["passwordCredentials"], json!([]));
    // The service principal the token endpoint needs.
    let store = &s.running().store;
    let a: tessera_model::Application = store
        .get_application(s.running().tenant_id, id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    store
        .create_service_principal(
            s.running().tenant_id,
            &crate::signin::fixtures::sp_for(&a, s.running().tenant_id),
            EPOCH,
        )
        .await
        .unwrap();

    let (st, pw) = g
        .post(
            &format!("/v1.0/applications/{id}/addPassword"),
            json!({ "passwordCredential": { "displayName": "ci" } }),
        )
        .await;
    assert_eq!(st, 200, "{pw}");
    let secret = pw["secretText"].as_str().unwrap().to_string();
    let key_id = pw["keyId"].as_str().unwrap().to_string();
    assert!(secret.len() >= 40);
    assert!(secret.starts_with(pw["hint"].as_str().unwrap()));
    // Shown once: reading the application gives the hint, never the text.
    let (_, got) = g.get(&format!("/v1.0/applications/{id}")).await;
    let creds = got["passwordCredentials"].as_array().unwrap();
    assert_eq!(creds.len(), 1);
    assert_eq!(creds[0]["keyId"], key_id.as_str());
    assert!(creds[0]["secretText"].is_null());
    assert!(!got.to_string().contains(&secret));
    let cc = |secret: String| {
        let (s, t, app_id) = (&s, t.clone(), app_id.clone());
        async move {
            crate::oauth::fixtures::token(
                s,
                &t,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &app_id),
                    ("client_secret", &secret),
                    ("scope", &format!("api://{app_id}/.default")),
                ],
            )
            .await
            .status()
            .as_u16()
        }
    };
    assert_eq!(cc(secret.clone()).await, 200, "the new secret works");
    let (st, _) = g
        .post(
            &format!("/v1.0/applications/{id}/removePassword"),
            json!({ "keyId": key_id }),
        )
        .await;
    assert_eq!(st, 204);
    let (st, _) = g
        .post(
            &format!("/v1.0/applications/{id}/removePassword"),
            json!({ "keyId": key_id }),
        )
        .await;
    assert_eq!(st, 400);
    assert_eq!(cc(secret).await, 401, "a removed secret no longer works");

    let (st, _) = g
        .patch(&format!("/v1.0/applications/{id}"), json!({ "web": { "redirectUris": ["https://ledger.example/cb2"] }, "tokenSigningAlg": "ES256", "isFallbackPublicClient": true }))
        .await;
    assert_eq!(st, 204);
    let (_, got) = g
        .get(&format!(
            "/v1.0/applications/{id}?$select=web,tokenSigningAlg,isFallbackPublicClient"
        ))
        .await;
    assert_eq!(
        got["web"]["redirectUris"],
        json!(["https://ledger.example/cb2"])
    );
    assert_eq!(got["tokenSigningAlg"], "ES256");
    assert_eq!(got["isFallbackPublicClient"], true);
    let (_, f) = g
        .get("/v1.0/applications?$filter=displayName eq 'ledger'&$select=id")
        .await;
    assert_eq!(f["value"].as_array().unwrap().len(), 1);
    let (_, f) = g
        .get(&format!("/v1.0/applications?$filter=appId eq '{app_id}'"))
        .await;
    assert_eq!(f["value"][0]["id"], id.as_str());

    // Bad input: nothing changes.
    let d = domain(&s).await;
    for (what, body) in [
        (
            "fragment",
            json!({ "web": { "redirectUris": ["https://x.example/cb#f"] } }),
        ),
        (
            "plain http",
            json!({ "web": { "redirectUris": ["http://x.example/cb"] } }),
        ),
        (
            "wildcard",
            json!({ "spa": { "redirectUris": ["https://*.example/cb"] } }),
        ),
        ("not a URL", json!({ "web": { "redirectUris": ["cb"] } })),
        (
            "wrong type",
            json!({ "web": { "redirectUris": "https://x.example/cb" } }),
        ),
        ("unknown property", json!({ "colour": "teal" })),
        (
            "read-only appId",
            json!({ "appId": "00000000-0000-0000-0000-000000000001" }),
        ),
        (
            "duplicate role values",
            json!({ "appRoles": [
            { "id": "1b4f816e-5eaf-48b9-8613-7923830595ad", "allowedMemberTypes": ["Application"], "description": "a", "displayName": "a", "isEnabled": true, "value": "X" },
            { "id": "2b4f816e-5eaf-48b9-8613-7923830595ad", "allowedMemberTypes": ["Application"], "description": "b", "displayName": "b", "isEnabled": true, "value": "X" }] }),
        ),
        (
            "bad member type",
            json!({ "appRoles": [{ "id": "1b4f816e-5eaf-48b9-8613-7923830595ad", "allowedMemberTypes": ["Robot"], "description": "a", "displayName": "a", "isEnabled": true, "value": "X" }] }),
        ),
        ("bad alg", json!({ "tokenSigningAlg": "HS256" })),
        ("bad audience", json!({ "signInAudience": "Everyone" })),
        (
            "unverified publisher",
            json!({ "publisherDomain": "not-ours.example" }),
        ),
        ("bad identifier URI", json!({ "identifierUris": ["urn:x"] })),
        ("empty name", json!({ "displayName": "" })),
    ] {
        let (st, e) = g.patch(&format!("/v1.0/applications/{id}"), body).await;
        assert_eq!(st, 400, "{what}: {e}");
    }
    let (st, _) = g
        .patch(
            &format!("/v1.0/applications/{id}"),
            json!({ "publisherDomain": d }),
        )
        .await;
    assert_eq!(st, 204, "a verified domain is a valid publisher domain");
    let (_, after) = g
        .get(&format!("/v1.0/applications/{id}?$select=web,appRoles"))
        .await;
    assert_eq!(
        after["web"]["redirectUris"],
        json!(["https://ledger.example/cb2"])
    );
    assert_eq!(after["appRoles"].as_array().unwrap().len(), 1);
    for (what, body) in [
        (
            "bad end",
            json!({ "passwordCredential": { "endDateTime": "yesterday" } }),
        ),
        (
            "past end",
            json!({ "passwordCredential": { "endDateTime": "2001-01-01T00:00:00Z" } }),
        ),
        ("unknown", json!({ "secret": "mine" })),
    ] {
        let (st, e) = g
            .post(&format!("/v1.0/applications/{id}/addPassword"), body)
            .await;
        assert_eq!(st, 400, "{what}: {e}");
    }

    // The caller cannot delete its own registration; others can be deleted.
    let boot = crate::oauth::fixtures::boot(&s);
    let (_, mine) = g
        .get(&format!(
            "/v1.0/applications?$filter=appId eq '{}'",
            boot.client_id
        ))
        .await;
    let mine = mine["value"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(g.delete(&format!("/v1.0/applications/{mine}")).await.0, 409);
    assert_eq!(g.delete(&format!("/v1.0/applications/{id}")).await.0, 204);
    assert_eq!(g.get(&format!("/v1.0/applications/{id}")).await.0, 404);
}
both_backends!(applications_and_secrets);
