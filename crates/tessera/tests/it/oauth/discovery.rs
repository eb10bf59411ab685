use super::fixtures::boot;
use tessera_testkit::{both_backends, TestBackend, TestServer};

async fn discovery_and_jwks(b: TestBackend) {
    let s = TestServer::start(b).await;
    let t = boot(&s).tenant;
    let domain = s
        .running()
        .store
        .list_domains(t.parse().unwrap())
        .await
        .unwrap()[0]
        .name
        .clone();
    for segment in [t.as_str(), domain.as_str(), &domain.to_uppercase()] {
        let r = s
            .get(&format!("/{segment}/v2.0/.well-known/openid-configuration"))
            .await;
        assert_eq!(r.status(), 200, "{segment}");
        let d: serde_json::Value = r.json().await.unwrap();
        assert_eq!(d["issuer"], format!("{}/{t}/v2.0", s.url));
        assert_eq!(
            d["token_endpoint"],
            format!("{}/{segment}/oauth2/v2.0/token", s.url)
        );
        assert_eq!(
            d["jwks_uri"],
            format!("{}/{segment}/discovery/v2.0/keys", s.url)
        );
    }
    let d: serde_json::Value = s
        .get("/common/v2.0/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["issuer"], format!("{}/{{tenantid}}/v2.0", s.url));
    for unknown in [
        "00000000-0000-0000-0000-000000000001",
        "nobody.example",
        "a'b",
    ] {
        let r = s
            .get(&format!("/{unknown}/v2.0/.well-known/openid-configuration"))
            .await;
        assert_eq!(r.status(), 400, "{unknown}");
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["error"], "invalid_request");
        assert_eq!(v["error_codes"][0], 90002);
    }
    let jwks: serde_json::Value = s
        .get(&format!("/{t}/discovery/v2.0/keys"))
        .await
        .json()
        .await
        .unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kty"], "RSA");
    assert_eq!(keys[0]["use"], "sig");
    for private in ["d", "p", "q", "dp", "dq", "qi"] {
        assert!(keys[0].get(private).is_none(), "JWKS leaks {private}");
    }
}
both_backends!(discovery_and_jwks);

/// The RFC 8414 document sits where RFC 8414 §3.1 puts it for the issuer
/// `{base}/{tenant}/v2.0` and says what the OpenID one says; both list
/// what RFC 8414 requires beside `private_key_jwt`, the public clients'
/// `none`, and the name claims optional claims can carry.
async fn rfc8414_metadata(b: TestBackend) {
    let s = TestServer::start(b).await;
    let t = boot(&s).tenant;
    let oidc: serde_json::Value = s
        .get(&format!("/{t}/v2.0/.well-known/openid-configuration"))
        .await
        .json()
        .await
        .unwrap();
    let r = s
        .get(&format!("/.well-known/oauth-authorization-server/{t}/v2.0"))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let rfc8414: serde_json::Value = r.json().await.unwrap();
    assert_eq!(rfc8414, oidc);
    assert_eq!(rfc8414["issuer"], format!("{}/{t}/v2.0", s.url));
    let strings = |key: &str| -> Vec<String> {
        oidc[key]
            .as_array()
            .unwrap_or_else(|| panic!("{key} is missing"))
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    assert!(strings("token_endpoint_auth_methods_supported").contains(&"none".into()));
    for key in [
        "token_endpoint_auth_signing_alg_values_supported",
        "revocation_endpoint_auth_signing_alg_values_supported",
        "introspection_endpoint_auth_signing_alg_values_supported",
    ] {
        assert_eq!(strings(key), ["RS256", "PS256", "ES256"], "{key}");
    }
    let claims = strings("claims_supported");
    assert!(claims.contains(&"given_name".into()) && claims.contains(&"family_name".into()));
    // An unknown tenant: the OAuth error, as at the OpenID path.
    let r = s
        .get("/.well-known/oauth-authorization-server/nobody.example/v2.0")
        .await;
    assert_eq!(r.status(), 400);
}
both_backends!(rfc8414_metadata);

/// When applications or the tenant choose ES256 or EdDSA, the JWKS holds
/// EC and OKP keys beside the RSA one: RSA keys come first, then EC, then
/// OKP (relying parties that take the first key, or stop at the first
/// they cannot read, still find the RSA key: docs/oauth.md).
async fn jwks_lists_rsa_keys_first(b: TestBackend) {
    let s = TestServer::start(b).await;
    let t: tessera_model::TenantId = boot(&s).tenant.parse().unwrap();
    let store = &s.running().store;
    let now =
        time::OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(super::private_key_jwt::now_s());
    // Each series starts a minute after the one before, so the store lists
    // them newest first: EdDSA, ES256, then the bootstrap RSA key.
    for (alg, later) in [(Some("ES256"), 60), (Some("EdDSA"), 120), (None, 120)] {
        store
            .set_tenant_signing_alg(t, alg, time::OffsetDateTime::UNIX_EPOCH)
            .await
            .unwrap();
        let at = now + time::Duration::seconds(later);
        s.running().rotator.rotate(t, at).await.unwrap();
    }
    let jwks: serde_json::Value = s
        .get(&format!("/{t}/discovery/v2.0/keys"))
        .await
        .json()
        .await
        .unwrap();
    let kty: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kty"].as_str().unwrap())
        .collect();
    assert_eq!(kty, ["RSA", "EC", "OKP"], "{jwks}");
    // jsonwebtoken (Rust) reads the mixed set (docs/oauth.md says so).
    let set: jsonwebtoken::jwk::JwkSet = serde_json::from_value(jwks).unwrap();
    assert_eq!(set.keys.len(), 3);
}
both_backends!(jwks_lists_rsa_keys_first);
