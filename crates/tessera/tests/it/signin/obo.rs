//! On-behalf-of through the real server: a native app signs a user in to a
//! middle-tier API; the API exchanges the user's token for a directory-API
//! token as the same user. Attacks: a token issued to another app, an
//! app-only token, a forged or expired assertion, a public client, missing
//! consent, a signed-out session, a token of another tenant's keys.
use super::fixtures::*;
use tessera_model::graph_permissions::GRAPH_APP_ID;
use tessera_model::*;
use tessera_testkit::{both_backends, TestBackend, TestServer};

const OBO: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

struct Api {
    app: Application,
    sp: ServicePrincipal,
    secret: String,
}

/// "Orders API": exposes `access_as_user`, holds a secret.
async fn middle_tier(s: &TestServer, t: TenantId) -> Api {
    let mut settings = ApplicationSettings::default();
    settings.api.oauth2_permission_scopes.push(PermissionScope {
        id: uuid::Uuid::new_v4(),
        admin_consent_description: "Call the Orders API as the user".into(),
        admin_consent_display_name: "Access Orders".into(),
        user_consent_description: None,
        user_consent_display_name: None,
        is_enabled: true,
        kind: "User".into(),
        value: "access_as_user".into(),
    });
    let mut app = app("Orders API", settings);
    app.settings
        .identifier_uris
        .push(format!("api://{}", app.app_id));
    let sp = register(s, t, &app).await;
    let secret = add_secret(s, t, app.id).await;
    Api { app, sp, secret }
}

/// A user token for the API, obtained by the native app (code + PKCE).
async fn user_token_for(s: &TestServer, apps: &Apps, api: &Api) -> (String, Browser) {
    let mut br = Browser::new(s);
    let scope = format!("api://{}/access_as_user openid", api.app.app_id);
    let extra = [
        ("scope", scope.as_str()),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    let redirect = "http://localhost:5000";
    let p = code_for(&mut br, apps, apps.public, redirect, &extra).await;
    let c = apps.public.to_string();
    let r = crate::oauth::fixtures::token(
        s,
        &apps.tenant.to_string(),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &c),
            ("code", &p["code"]),
            ("redirect_uri", redirect),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    (body["access_token"].as_str().unwrap().to_string(), br)
}

/// Admin consent for the API to read users on their behalf.
async fn consent_api_to_graph(s: &TestServer, t: TenantId, api: &Api) {
    let store = &s.running().store;
    let graph = store
        .service_principal_by_app_id(t, GRAPH_APP_ID)
        .await
        .unwrap()
        .unwrap();
    store
        .add_delegated_grant(
            t,
            api.sp.id,
            None,
            graph.id,
            &["openid".to_string(), "User.Read".to_string()],
            ObjectId::random(&mut rand::rngs::OsRng),
            time::OffsetDateTime::UNIX_EPOCH,
        )
        .await
        .unwrap();
}

async fn exchange(
    s: &TestServer,
    t: &str,
    client: (&str, &str),
    assertion: &str,
    scope: &str,
) -> (u16, serde_json::Value) {
    let mut form = vec![
        ("grant_type", OBO),
        ("client_id", client.0),
        ("assertion", assertion),
        ("scope", scope),
        ("requested_token_use", "on_behalf_of"),
    ];
    if !client.1.is_empty() {
        form.push(("client_secret", client.1));
    }
    let r = crate::oauth::fixtures::token(s, t, &form).await;
    assert_eq!(r.headers()["cache-control"], "no-store");
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn on_behalf_of_end_to_end(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let api = middle_tier(&s, apps.tenant).await;
    let (incoming, _) = user_token_for(&s, &apps, &api).await;
    let t = apps.tenant.to_string();
    let api_id = api.app.app_id.to_string();
    let me = (api_id.as_str(), api.secret.as_str());

    // Not consented yet: the middle tier must get consent first.
    let (status, body) = exchange(
        &s,
        &t,
        me,
        &incoming,
        "https://graph.microsoft.com/User.Read",
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    assert_eq!(body["error_codes"][0], 65001);

    consent_api_to_graph(&s, apps.tenant, &api).await;
    let (status, body) = exchange(
        &s,
        &t,
        me,
        &incoming,
        "https://graph.microsoft.com/User.Read",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("refresh_token").is_none());
    let inc = jwt_claims(&incoming);
    let out = jwt_claims(body["access_token"].as_str().unwrap());
    assert_eq!(out["aud"], GRAPH_APP_ID.to_string());
    assert_eq!(out["azp"], api_id);
    assert_eq!(out["azpacr"], "1");
    assert_eq!(out["oid"], apps.user.to_string());
    assert_eq!(out["oid"], inc["oid"]);
    assert_eq!(out["sid"], inc["sid"]);
    assert_eq!(out["scp"], "User.Read");
    // The new token works at the downstream API (userinfo needs openid).
    let (status, body) = exchange(
        &s,
        &t,
        me,
        &incoming,
        "openid https://graph.microsoft.com/User.Read",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let r = s
        .client
        .get(s.url("/oidc/userinfo"))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // ... also via /organizations (the assertion names its tenant).
    let (status, _) = exchange(
        &s,
        "organizations",
        me,
        &incoming,
        "https://graph.microsoft.com/User.Read",
    )
    .await;
    assert_eq!(status, 200);
}
both_backends!(on_behalf_of_end_to_end);

async fn on_behalf_of_attacks(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let api = middle_tier(&s, apps.tenant).await;
    consent_api_to_graph(&s, apps.tenant, &api).await;
    let (incoming, _) = user_token_for(&s, &apps, &api).await;
    let t = apps.tenant.to_string();
    let api_id = api.app.app_id.to_string();
    let me = (api_id.as_str(), api.secret.as_str());
    let scope = "https://graph.microsoft.com/User.Read";

    // Another confidential app replays the token it intercepted.
    let conf = apps.conf.to_string();
    let (status, body) = exchange(&s, &t, (&conf, &apps.secret), &incoming, scope).await;
    assert_eq!(
        (status, body["error_codes"][0].as_u64()),
        (400, Some(9900019)),
        "{body}"
    );
    // A public client cannot use the grant at all.
    let public = apps.public.to_string();
    let (status, body) = exchange(&s, &t, (&public, ""), &incoming, scope).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client")),
        "{body}"
    );
    // requested_token_use is required.
    let r = crate::oauth::fixtures::token(
        &s,
        &t,
        &[
            ("grant_type", OBO),
            ("client_id", &api_id),
            ("client_secret", &api.secret),
            ("assertion", &incoming),
            ("scope", scope),
        ],
    )
    .await;
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request", "{body}");
    // An app-only token addressed to the API (client credentials of the
    // API itself — its own token, not a user's).
    let r = crate::oauth::fixtures::token(
        &s,
        &t,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &conf),
            ("client_secret", &apps.secret),
            ("scope", &format!("api://{api_id}/.default")),
        ],
    )
    .await;
    let app_only: serde_json::Value = r.json().await.unwrap();
    let app_only = app_only["access_token"]
        .as_str()
        .expect("an app-only token")
        .to_string();
    assert_eq!(jwt_claims(&app_only)["aud"], api_id);
    // Forgeries: tampered payload, alg none, garbage, truncated.
    let parts: Vec<&str> = incoming.split('.').collect();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut claims: serde_json::Value =
        serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
    claims["oid"] = serde_json::json!(ObjectId::random(&mut rand::rngs::OsRng).to_string());
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64.encode(claims.to_string()),
        parts[2]
    );
    let none = format!(
        "{}.{}.",
        b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
        parts[1]
    );
    for (what, assertion) in [
        ("app-only token", app_only.as_str()),
        ("tampered", tampered.as_str()),
        ("alg none", none.as_str()),
        ("garbage", "x.y.z"),
        ("truncated", &incoming[..incoming.len() - 10]),
    ] {
        let (status, body) = exchange(&s, &t, me, assertion, scope).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant")),
            "{what}: {body}"
        );
    }
    // The user signs out: the session's tokens can no longer be exchanged.
    let store = &s.running().store;
    let sid = jwt_claims(&incoming)["sid"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    store
        .end_session(
            apps.tenant,
            sid,
            time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(1),
        )
        .await
        .unwrap();
    let (status, body) = exchange(&s, &t, me, &incoming, scope).await;
    assert_eq!(
        (status, body["error_codes"][0].as_u64()),
        (400, Some(50173)),
        "{body}"
    );
}
both_backends!(on_behalf_of_attacks);
