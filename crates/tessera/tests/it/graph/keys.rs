//! Application certificates through the API: the first by PATCH
//! `keyCredentials`, more by `addKey` with a proof of possession signed by
//! a current certificate, removal by `removeKey`; each works (or stops
//! working) at the token endpoint at once; forged, expired and misdirected
//! proofs and bad certificates are refused.
use super::fixtures::*;
use crate::oauth::private_key_jwt::now_s;
use base64::Engine;
use serde_json::{json, Value};
use tessera_crypto::{sign_jwt, SigningAlg, SigningKey};
use tessera_testkit::{both_backends, TestBackend, TestServer};

struct Cert {
    der: Vec<u8>,
    signer: SigningKey,
}

fn cert(alg: &'static rcgen::SignatureAlgorithm, sign_alg: SigningAlg) -> Cert {
    let key = rcgen::KeyPair::generate_for(alg).unwrap();
    let c = rcgen::CertificateParams::new(vec!["ledger.example".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    Cert {
        der: c.der().to_vec(),
        signer: SigningKey::from_pkcs8(sign_alg, "k".into(), &key.serialize_der()).unwrap(),
    }
}

fn key_json(c: &Cert) -> Value {
    json!({ "type": "AsymmetricX509Cert", "usage": "Verify", "key": base64::engine::general_purpose::STANDARD.encode(&c.der), "displayName": "ci" })
}

fn proof(c: &Cert, app_object_id: &str, aud: &str, lifetime: i64, offset: i64) -> String {
    let now = now_s() + offset;
    sign_jwt(
        &c.signer,
        &json!({ "aud": aud, "iss": app_object_id, "nbf": now, "exp": now + lifetime }),
    )
    .unwrap()
}

const AUD: &str = "00000002-0000-0000-c000-000000000000";

/// A client-credentials request with an assertion signed by `c`.
async fn token_with(s: &TestServer, app_id: &str, c: &Cert) -> u16 {
    let t = s.running().tenant_id.to_string();
    let now = now_s();
    let assertion = sign_jwt(
        &c.signer,
        &json!({ "iss": app_id, "sub": app_id, "jti": uuid::Uuid::new_v4().to_string(),
                 "aud": s.url(&format!("/{t}/oauth2/v2.0/token")), "nbf": now, "exp": now + 300 }),
    )
    .unwrap();
    crate::oauth::fixtures::token(
        s,
        &t,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", app_id),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &assertion),
            ("scope", &format!("api://{app_id}/.default")),
        ],
    )
    .await
    .status()
    .as_u16()
}

async fn certificates_through_the_api(b: TestBackend) {
    let s = TestServer::start(b).await;
    let g = admin(&s).await;
    let a = cert(&rcgen::PKCS_RSA_SHA256, SigningAlg::RS256);
    let b2 = cert(&rcgen::PKCS_ECDSA_P256_SHA256, SigningAlg::ES256);
    let stranger = cert(&rcgen::PKCS_RSA_SHA256, SigningAlg::RS256);

    let (st, app) = g
        .post(
            "/v1.0/applications",
            json!({ "displayName": "Ledger daemon", "keyCredentials": [key_json(&a)] }),
        )
        .await;
    assert_eq!(st, 201, "{app}");
    let (id, app_id) = (
        app["id"].as_str().unwrap().to_string(),
        app["appId"].as_str().unwrap().to_string(),
    );
    assert_eq!(
        g.post("/v1.0/servicePrincipals", json!({ "appId": app_id }))
            .await
            .0,
        201
    );
    let keys = app["keyCredentials"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert!(
        keys[0]["key"].is_null() && keys[0]["customKeyIdentifier"].is_string(),
        "{app}"
    );
    let a_id = keys[0]["keyId"].as_str().unwrap().to_string();
    assert_eq!(
        token_with(&s, &app_id, &a).await,
        200,
        "the registered certificate authenticates"
    );
    assert_eq!(
        token_with(&s, &app_id, &b2).await,
        401,
        "an unregistered one does not"
    );

    // addKey: proofs that must fail, then one that works.
    let add = |p: String| json!({ "keyCredential": key_json(&b2), "passwordCredential": null, "proof": p });
    for (what, p) in [
        ("signed by a stranger", proof(&stranger, &id, AUD, 300, 0)),
        (
            "wrong audience",
            proof(&a, &id, "https://graph.microsoft.com", 300, 0),
        ),
        (
            "another application's id",
            proof(&a, "00000000-0000-0000-0000-000000000001", AUD, 300, 0),
        ),
        ("expired", proof(&a, &id, AUD, 300, -3600)),
        ("valid for an hour", proof(&a, &id, AUD, 3600, 0)),
        ("not a JWT", "proof".to_string()),
    ] {
        let (st, e) = g
            .post(&format!("/v1.0/applications/{id}/addKey"), add(p))
            .await;
        assert_eq!(st, 400, "{what}: {e}");
    }
    let (_, still) = g
        .get(&format!("/v1.0/applications/{id}?$select=keyCredentials"))
        .await;
    assert_eq!(still["keyCredentials"].as_array().unwrap().len(), 1);
    let (st, k) = g
        .post(
            &format!("/v1.0/applications/{id}/addKey"),
            add(proof(&a, &id, AUD, 300, 0)),
        )
        .await;
    assert_eq!(st, 200, "{k}");
    assert_eq!(
        token_with(&s, &app_id, &b2).await,
        200,
        "the added certificate authenticates at once"
    );

    // removeKey (proven by the new certificate) ends the first one at once.
    let (st, e) = g
        .post(
            &format!("/v1.0/applications/{id}/removeKey"),
            json!({ "keyId": a_id, "proof": proof(&stranger, &id, AUD, 300, 0) }),
        )
        .await;
    assert_eq!(st, 400, "{e}");
    assert_eq!(
        g.post(
            &format!("/v1.0/applications/{id}/removeKey"),
            json!({ "keyId": a_id, "proof": proof(&b2, &id, AUD, 300, 0) })
        )
        .await
        .0,
        204
    );
    assert_eq!(
        token_with(&s, &app_id, &a).await,
        401,
        "a removed certificate no longer authenticates"
    );
    assert_eq!(token_with(&s, &app_id, &b2).await, 200);

    // PATCH keyCredentials: keep by keyId, add by key, drop by omission.
    let b_id = k["keyId"].as_str().unwrap().to_string();
    assert_eq!(
        g.patch(
            &format!("/v1.0/applications/{id}"),
            json!({ "keyCredentials": [{ "keyId": b_id }, key_json(&a)] })
        )
        .await
        .0,
        204
    );
    assert_eq!(token_with(&s, &app_id, &a).await, 200);
    assert_eq!(
        g.patch(
            &format!("/v1.0/applications/{id}"),
            json!({ "keyCredentials": [{ "keyId": b_id }] })
        )
        .await
        .0,
        204
    );
    assert_eq!(token_with(&s, &app_id, &a).await, 401);

    // Bad certificates and bodies; nothing changes.
    let garbage = base64::engine::general_purpose::STANDARD.encode(b"not a certificate");
    for (what, body) in [
        (
            "not a certificate",
            json!({ "keyCredentials": [{ "type": "AsymmetricX509Cert", "usage": "Verify", "key": garbage }] }),
        ),
        (
            "not base64",
            json!({ "keyCredentials": [{ "type": "AsymmetricX509Cert", "usage": "Verify", "key": "***" }] }),
        ),
        (
            "Sign usage",
            json!({ "keyCredentials": [{ "type": "AsymmetricX509Cert", "usage": "Sign", "key": base64::engine::general_purpose::STANDARD.encode(&a.der) }] }),
        ),
        (
            "symmetric",
            json!({ "keyCredentials": [{ "type": "Symmetric", "usage": "Verify", "key": "c2VjcmV0" }] }),
        ),
        (
            "unknown keyId",
            json!({ "keyCredentials": [{ "keyId": "00000000-0000-0000-0000-000000000009" }] }),
        ),
        ("not an array", json!({ "keyCredentials": {} })),
        (
            "too many",
            json!({ "keyCredentials": vec![json!({ "keyId": b_id }); 17] }),
        ),
    ] {
        let (st, e) = g.patch(&format!("/v1.0/applications/{id}"), body).await;
        assert_eq!(st, 400, "{what}: {e}");
    }
    assert_eq!(token_with(&s, &app_id, &b2).await, 200);
    let (_, fin) = g
        .get(&format!("/v1.0/applications/{id}?$select=keyCredentials"))
        .await;
    assert_eq!(fin["keyCredentials"].as_array().unwrap().len(), 1, "{fin}");
    assert!(
        !fin.to_string()
            .contains(&base64::engine::general_purpose::STANDARD.encode(&b2.der)),
        "the key itself is never returned"
    );
}
both_backends!(certificates_through_the_api);
