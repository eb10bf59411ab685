//! Client credentials end to end, and every error it can produce.
use super::fixtures::{boot, client_credentials, token, verify};
use base64::Engine;
use tessera_model::graph_permissions::GRAPH_APP_ID;
use tessera_testkit::{both_backends, TestBackend, TestServer};

async fn client_credentials_tokens_carry_the_app_roles(b: TestBackend) {
    let s = TestServer::start(b).await;
    let k = boot(&s);
    // client_secret_post, with the Graph SDK's default scope.
    let r = client_credentials(&s, &k).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(r.headers()["pragma"], "no-cache");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let claims = verify(
        &s,
        &k.tenant,
        body["access_token"].as_str().unwrap(),
        &GRAPH_APP_ID.to_string(),
    )
    .await;
    assert_eq!(claims["tid"], k.tenant);
    assert_eq!(claims["azp"], k.client_id);
    assert_eq!(claims["azpacr"], "1");
    assert_eq!(claims["idtyp"], "app");
    assert_eq!(claims["ver"], "2.0");
    assert_eq!(claims["oid"], claims["sub"]);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );
    let roles: Vec<&str> = claims["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(
        roles.contains(&"Directory.ReadWrite.All") && roles.contains(&"User.ReadWrite.All"),
        "{roles:?}"
    );
    assert!(claims["uti"].as_str().unwrap().len() >= 16);

    // client_secret_basic, naming the resource by Tessera's own URL and by appId.
    for resource in [s.url.clone(), GRAPH_APP_ID.to_string()] {
        let scope = format!("{resource}/.default");
        let r = s
            .client
            .post(s.url(&format!("/{}/oauth2/v2.0/token", k.tenant)))
            .basic_auth(&k.client_id, Some(&k.secret))
            .form(&[
                ("grant_type", "client_credentials"),
                ("scope", scope.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{resource}");
        let body: serde_json::Value = r.json().await.unwrap();
        let c = verify(
            &s,
            &k.tenant,
            body["access_token"].as_str().unwrap(),
            &GRAPH_APP_ID.to_string(),
        )
        .await;
        assert_eq!(c["azp"], k.client_id);
    }
    // Two tokens are never the same.
    let a = client_credentials(&s, &k)
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let b2 = client_credentials(&s, &k)
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_ne!(a["access_token"], b2["access_token"]);
}
both_backends!(client_credentials_tokens_carry_the_app_roles);

/// Sends a raw token request and checks the RFC 6749 error, the HTTP status and
/// Entra's AADSTS number.
async fn expect(r: reqwest::Response, status: u16, error: &str, aadsts: u64) -> serde_json::Value {
    assert_eq!(r.status().as_u16(), status);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"], error, "{v}");
    assert_eq!(v["error_codes"][0], aadsts, "{v}");
    let desc = v["error_description"].as_str().unwrap();
    assert!(desc.starts_with(&format!("AADSTS{aadsts}: ")), "{desc}");
    assert!(desc.contains("Trace ID: ") && !v["trace_id"].as_str().unwrap().is_empty());
    assert!(v["timestamp"].as_str().unwrap().ends_with('Z'));
    v
}

async fn every_error_the_grant_can_give(b: TestBackend) {
    let s = TestServer::start(b).await;
    let k = boot(&s);
    let t = k.tenant.as_str();
    let graph = "https://graph.microsoft.com/.default";
    let ok_client = [
        ("client_id", k.client_id.as_str()),
        ("client_secret", k.secret.as_str()),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut f: Vec<(&str, &str)> = ok_client.to_vec();
        f.extend_from_slice(extra);
        f
    };
    // invalid_request
    expect(
        token(&s, t, &with(&[("scope", "x")])).await,
        400,
        "invalid_request",
        900144,
    )
    .await;
    let dup = s.client.post(s.url(&format!("/{t}/oauth2/v2.0/token")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("grant_type=client_credentials&grant_type=client_credentials&client_id={}&client_secret={}", k.client_id, k.secret))
        .send().await.unwrap();
    expect(dup, 400, "invalid_request", 9900003).await;
    let json = s
        .client
        .post(s.url(&format!("/{t}/oauth2/v2.0/token")))
        .json(&serde_json::json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    expect(json, 400, "invalid_request", 9900004).await;
    let both = s
        .client
        .post(s.url(&format!("/{t}/oauth2/v2.0/token")))
        .basic_auth(&k.client_id, Some(&k.secret))
        .form(&with(&[
            ("grant_type", "client_credentials"),
            ("scope", graph),
        ]))
        .send()
        .await
        .unwrap();
    expect(both, 400, "invalid_request", 9900005).await;
    let bad_basic = s
        .client
        .post(s.url(&format!("/{t}/oauth2/v2.0/token")))
        .header("authorization", "Basic !!!notbase64")
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    expect(bad_basic, 400, "invalid_request", 9900004).await;
    expect(
        token(
            &s,
            "00000000-0000-0000-0000-000000000009",
            &with(&[("grant_type", "client_credentials"), ("scope", graph)]),
        )
        .await,
        400,
        "invalid_request",
        90002,
    )
    .await;
    expect(
        token(
            &s,
            "common",
            &with(&[("grant_type", "client_credentials"), ("scope", graph)]),
        )
        .await,
        400,
        "invalid_request",
        9900001,
    )
    .await;
    expect(
        token(
            &s,
            "organizations",
            &with(&[("grant_type", "client_credentials"), ("scope", graph)]),
        )
        .await,
        400,
        "invalid_request",
        9900001,
    )
    .await;
    // unsupported_grant_type (the implicit flow and ROPC are refused)
    for g in [
        "password",
        "implicit",
        "token",
        "urn:ietf:params:oauth:grant-type:saml2-bearer",
        "",
    ] {
        expect(
            token(&s, t, &with(&[("grant_type", g), ("scope", graph)])).await,
            400,
            "unsupported_grant_type",
            70003,
        )
        .await;
    }
    // unauthorized_client: an unknown or malformed client id
    for id in ["6f1c1d0e-8b1e-4f7a-9c3b-2d4e5f607182", "not-a-guid", ""] {
        let r = token(
            &s,
            t,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_secret", "x"),
                ("scope", graph),
            ],
        )
        .await;
        expect(r, 400, "unauthorized_client", 700016).await;
    }
    // invalid_client: wrong, missing, or truncated secret; over Basic, with WWW-Authenticate
    for secret in [
        "wrong",
        &k.secret[..k.secret.len() - 1],
        &format!("{} ", k.secret),
        &k.secret.to_uppercase(),
    ] {
        let r = token(
            &s,
            t,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &k.client_id),
                ("client_secret", secret),
                ("scope", graph),
            ],
        )
        .await;
        expect(r, 401, "invalid_client", 7000215).await;
    }
    let r = token(
        &s,
        t,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &k.client_id),
            ("scope", graph),
        ],
    )
    .await;
    expect(r, 401, "invalid_client", 7000218).await;
    let r = s
        .client
        .post(s.url(&format!("/{t}/oauth2/v2.0/token")))
        .basic_auth(&k.client_id, Some("wrong"))
        .form(&[("grant_type", "client_credentials"), ("scope", graph)])
        .send()
        .await
        .unwrap();
    assert!(r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Basic"));
    expect(r, 401, "invalid_client", 7000215).await;
    // invalid_scope
    for scope in [
        "User.Read",
        "https://graph.microsoft.com/User.Read",
        "a/.default b/.default",
        "/.default",
    ] {
        let r = token(
            &s,
            t,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &k.client_id),
                ("client_secret", &k.secret),
                ("scope", scope),
            ],
        )
        .await;
        expect(r, 400, "invalid_scope", 1002012).await;
    }
    for scope in [
        "https://evil.example/.default",
        "api://6f1c1d0e-8b1e-4f7a-9c3b-2d4e5f607182/.default",
    ] {
        let r = token(
            &s,
            t,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &k.client_id),
                ("client_secret", &k.secret),
                ("scope", scope),
            ],
        )
        .await;
        expect(r, 400, "invalid_scope", 500011).await;
    }
    // A correlation id the client sends comes back; anything else is not echoed.
    let r = s
        .client
        .post(s.url(&format!("/{t}/oauth2/v2.0/token")))
        .header("client-request-id", "3c0b5a6e-1d1f-4b7e-9a55-0e6f7a8b9c0d")
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    let v = expect(r, 400, "unsupported_grant_type", 70003).await;
    assert_eq!(v["correlation_id"], "3c0b5a6e-1d1f-4b7e-9a55-0e6f7a8b9c0d");
    // No error ever contains the secret.
    let r = token(
        &s,
        t,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &k.client_id),
            ("client_secret", "hunter2-secret"),
            ("scope", graph),
        ],
    )
    .await;
    assert!(!r.text().await.unwrap().contains("hunter2"));
    let _ = base64::engine::general_purpose::STANDARD.encode("unused");
}
both_backends!(every_error_the_grant_can_give);

/// Database down: the token endpoint says temporarily_unavailable (503), not 500.
async fn database_down_is_temporarily_unavailable(b: TestBackend) {
    let s = TestServer::start(b).await;
    let k = boot(&s);
    s.running().store.close().await; // the pools refuse new work from now on
    let r = client_credentials(&s, &k).await;
    assert_eq!(r.headers()["retry-after"], "1");
    expect(r, 503, "temporarily_unavailable", 9900006).await;
}
both_backends!(database_down_is_temporarily_unavailable);

/// Tenants whose keys are ES256 or EdDSA issue tokens that verify the same way.
async fn es256_and_eddsa_tenants(b: TestBackend) {
    for alg in ["ES256", "EdDSA"] {
        let s = TestServer::start_with(tessera_testkit::TestDb::new(b).await, |c| {
            c.token_signing_alg = alg.into()
        })
        .await;
        let k = boot(&s);
        let r = client_credentials(&s, &k).await;
        assert_eq!(r.status(), 200, "{alg}");
        let body: serde_json::Value = r.json().await.unwrap();
        let tok = body["access_token"].as_str().unwrap();
        let header = jsonwebtoken::decode_header(tok).unwrap();
        assert_eq!(format!("{:?}", header.alg), alg);
        let claims = verify(&s, &k.tenant, tok, &GRAPH_APP_ID.to_string()).await;
        assert_eq!(claims["tid"], k.tenant);
    }
}
both_backends!(es256_and_eddsa_tenants);

/// Revocation through the cache: once a secret is removed, the token endpoint
/// refuses it within about a second (the change-log poll), on any node.
async fn removed_secret_stops_working_within_a_second(b: TestBackend) {
    let s = TestServer::start(b).await;
    let k = boot(&s);
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", k.client_id.as_str()),
        ("client_secret", k.secret.as_str()),
        ("scope", "https://graph.microsoft.com/.default"),
    ];
    // Warm the cache.
    assert_eq!(token(&s, &k.tenant, &form).await.status(), 200);
    assert_eq!(token(&s, &k.tenant, &form).await.status(), 200);
    let store = &s.running().store;
    let tenant: tessera_model::TenantId = k.tenant.parse().unwrap();
    let app_id: tessera_model::AppId = k.client_id.parse().unwrap();
    let (_, app) = store.application_by_app_id(app_id).await.unwrap().unwrap();
    let cred = store
        .list_password_credentials(tenant, app.id)
        .await
        .unwrap()
        .remove(0)
        .0;
    store
        .remove_password_credential(
            tenant,
            app.id,
            cred.key_id,
            time::OffsetDateTime::UNIX_EPOCH,
        )
        .await
        .unwrap();
    let removed = std::time::Instant::now();
    loop {
        let status = token(&s, &k.tenant, &form).await.status();
        if status == 401 {
            break;
        }
        assert_eq!(status, 200);
        // A correctness bound, generous for a loaded CI machine; the design
        // target is one poll interval (200 ms).
        assert!(
            removed.elapsed() < std::time::Duration::from_secs(5),
            "revoked secret still accepted after 5 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
both_backends!(removed_secret_stops_working_within_a_second);
