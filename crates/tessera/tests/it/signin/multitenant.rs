//! Another organisation's users: a multi-tenant application (registered in
//! the first tenant) signs in a user of a second tenant through
//! `/organizations` and `/common` — consent creates its service principal
//! there, tokens are the second tenant's — while a single-tenant app
//! refuses them. And `/adminconsent`: an administrator of the second tenant
//! grants the app's declared delegated and application permissions for
//! everyone; a non-administrator cannot.
use super::fixtures::*;
use tessera_model::graph_permissions::{self, GRAPH_APP_ID};
use tessera_model::*;
use tessera_testkit::{both_backends, TestBackend, TestServer};

struct Org {
    tenant: TenantId,
    bob: String,
    carol: String,
}

/// A second tenant "Contoso" with a user (bob) and a Global Administrator
/// (carol), its directory API service principal and signing keys.
async fn contoso(s: &TestServer) -> Org {
    let store = &s.running().store;
    let mut rng = rand::rngs::OsRng;
    let now = time::OffsetDateTime::UNIX_EPOCH;
    let tenant = TenantId::random(&mut rng);
    let domain = format!("contoso-{}.example", &tenant.to_string()[..8]);
    store
        .create_tenant(
            &Tenant {
                id: tenant,
                display_name: "Contoso".into(),
                created_date_time: now,
            },
            &Domain {
                name: domain.clone(),
                tenant_id: Some(tenant),
                is_default: true,
                is_initial: true,
                is_verified: true,
            },
        )
        .await
        .unwrap();
    let graph = tessera_server::bootstrap::graph_service_principal(ObjectId::random(&mut rng), now);
    store
        .create_service_principal(tenant, &graph, now)
        .await
        .unwrap();
    #[allow(clippy::disallowed_methods)] // the server signs with keys active at its wall clock
    let wall = time::OffsetDateTime::now_utc();
    s.running().rotator.rotate(tenant, wall).await.unwrap();
    let bob = format!("bob@{domain}");
    user(s, tenant, &bob).await;
    let carol = format!("carol@{domain}");
    let carol_id = user(s, tenant, &carol).await;
    store
        .create_directory_role_assignment(
            tenant,
            &DirectoryRoleAssignment {
                id: ObjectId::random(&mut rng),
                role_definition_id: tessera_model::directory_roles::GLOBAL_ADMINISTRATOR.id,
                principal_id: carol_id,
                directory_scope_id: "/".into(),
            },
            now,
        )
        .await
        .unwrap();
    Org { tenant, bob, carol }
}

struct Planner {
    app: Application,
    secret: String,
}

/// "Planner": multi-tenant, web redirect, a secret; declares the directory
/// API's User.Read (delegated) and User.Read.All (application).
async fn planner(s: &TestServer, home: TenantId) -> Planner {
    let mut settings = ApplicationSettings::default();
    settings.web.redirect_uris.push(WEB_REDIRECT.into());
    let user_read = graph_permissions::DELEGATED_PERMISSIONS
        .iter()
        .find(|p| p.value == "User.Read")
        .unwrap();
    let user_read_all = graph_permissions::application_permission("User.Read.All").unwrap();
    settings
        .required_resource_access
        .push(RequiredResourceAccess {
            resource_app_id: GRAPH_APP_ID,
            resource_access: vec![
                ResourceAccess {
                    id: user_read.id,
                    kind: "Scope".into(),
                },
                ResourceAccess {
                    id: user_read_all.id,
                    kind: "Role".into(),
                },
            ],
        });
    let mut app = app("Planner", settings);
    app.sign_in_audience = SignInAudience::AzureADMultipleOrgs;
    register(s, home, &app).await;
    let secret = add_secret(s, home, app.id).await;
    Planner { app, secret }
}

async fn redeem(
    s: &TestServer,
    segment: &str,
    p: &Planner,
    code: &str,
) -> (u16, serde_json::Value) {
    let c = p.app.app_id.to_string();
    let r = crate::oauth::fixtures::token(
        s,
        segment,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &c),
            ("client_secret", &p.secret),
            ("code", code),
            ("redirect_uri", WEB_REDIRECT),
        ],
    )
    .await;
    (r.status().as_u16(), r.json().await.unwrap())
}

fn organizations_authorize(client: AppId, extra: &[(&str, &str)]) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("client_id", &client.to_string())
        .append_pair("redirect_uri", WEB_REDIRECT)
        .append_pair("response_type", "code");
    for (k, v) in extra {
        q.append_pair(k, v);
    }
    format!("/organizations/oauth2/v2.0/authorize?{}", q.finish())
}

async fn another_organisations_user_signs_in(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let org = contoso(&s).await;
    let p = planner(&s, apps.tenant).await;
    let store = &s.running().store;
    assert!(store
        .service_principal_by_app_id(org.tenant, p.app.app_id)
        .await
        .unwrap()
        .is_none());

    let mut br = Browser::new(&s);
    let r = br
        .get(&organizations_authorize(
            p.app.app_id,
            &[("scope", "openid User.Read"), ("state", "mt")],
        ))
        .await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert_eq!(action(&page).unwrap(), "/organizations/login");
    let r = sign_in(&mut br, page, &org.bob, PASSWORD).await;
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Permissions requested") && page.contains("Planner"),
        "{page}"
    );
    let r = accept(&mut br, page, "accept").await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let params = location_params(&r);
    assert_eq!(params["iss"], format!("{}/{}/v2.0", s.url, org.tenant));
    let sp = store
        .service_principal_by_app_id(org.tenant, p.app.app_id)
        .await
        .unwrap()
        .expect("consent created the service principal in Contoso");
    assert_eq!(sp.app_owner_organization_id, Some(apps.tenant));

    let (status, tokens) = redeem(&s, "common", &p, &params["code"]).await;
    assert_eq!(status, 200, "{tokens}");
    let claims = jwt_claims(tokens["access_token"].as_str().unwrap());
    assert_eq!(claims["tid"], org.tenant.to_string());
    assert_eq!(claims["iss"], format!("{}/{}/v2.0", s.url, org.tenant));
    assert_eq!(claims["preferred_username"], org.bob);
    // The ID token verifies with Contoso's keys, not the home tenant's.
    let id = tokens["id_token"].as_str().unwrap();
    let c = p.app.app_id.to_string();
    let verified = crate::oauth::fixtures::verify(&s, &org.tenant.to_string(), id, &c).await;
    assert_eq!(verified["tid"], org.tenant.to_string());

    // A single-tenant app of the first tenant refuses Contoso's users.
    let mut br = Browser::new(&s);
    let r = br
        .get(&organizations_authorize(
            apps.conf,
            &[("scope", "openid User.Read")],
        ))
        .await;
    let page = r.text().await.unwrap();
    let r = sign_in(&mut br, page, &org.bob, PASSWORD).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("AADSTS50020"));
}
both_backends!(another_organisations_user_signs_in);

fn admin_consent_path(org: &Org, client: AppId, redirect: &str) -> String {
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", &client.to_string())
        .append_pair("redirect_uri", redirect)
        .append_pair("state", "ac-1")
        .finish();
    format!("/{}/adminconsent?{q}", org.tenant)
}

async fn admin_consent_for_another_organisation(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let org = contoso(&s).await;
    let p = planner(&s, apps.tenant).await;
    let store = &s.running().store;

    // Attacks first: unknown client, unregistered redirect: pages, no redirect.
    let mut br = Browser::new(&s);
    let unknown = AppId::random(&mut rand::rngs::OsRng);
    for path in [
        admin_consent_path(&org, unknown, WEB_REDIRECT),
        admin_consent_path(&org, p.app.app_id, "https://evil.example/cb"),
        admin_consent_path(&org, p.app.app_id, "https://app.example/cb/"),
        format!("/{}/adminconsent?client_id=a&client_id=b", org.tenant),
    ] {
        let r = br.get(&path).await;
        assert_eq!(r.status(), 400, "{path}");
        assert!(r.headers().get("location").is_none(), "{path}");
    }

    // A user who is not an administrator: sent back with access_denied.
    let r = br
        .get(&admin_consent_path(&org, p.app.app_id, WEB_REDIRECT))
        .await;
    let page = r.text().await.unwrap();
    let r = sign_in(&mut br, page, &org.bob, PASSWORD).await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let params = location_params(&r);
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], "ac-1");
    assert!(store
        .service_principal_by_app_id(org.tenant, p.app.app_id)
        .await
        .unwrap()
        .is_none());

    // The administrator: the page lists delegated and application
    // permissions; Accept grants them for the organisation.
    let mut admin = Browser::new(&s);
    let r = admin
        .get(&admin_consent_path(&org, p.app.app_id, WEB_REDIRECT))
        .await;
    let page = r.text().await.unwrap();
    let r = sign_in(&mut admin, page, &org.carol, PASSWORD).await;
    let page = r.text().await.unwrap();
    assert!(
        page.contains("on behalf of your whole organization"),
        "{page}"
    );
    assert!(
        page.contains("Application") && page.contains("Delegated"),
        "{page}"
    );
    let r = accept(&mut admin, page, "accept").await;
    assert!(r.status().is_redirection());
    let params = location_params(&r);
    assert_eq!(params["admin_consent"], "True");
    assert_eq!(params["tenant"], org.tenant.to_string());
    assert_eq!(params["state"], "ac-1");

    // Application permission: the app's own token in Contoso has the role.
    let c = p.app.app_id.to_string();
    let r = crate::oauth::fixtures::token(
        &s,
        &org.tenant.to_string(),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &c),
            ("client_secret", &p.secret),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await;
    let body: serde_json::Value = r.json().await.unwrap();
    let roles = jwt_claims(body["access_token"].as_str().expect("app token"))["roles"].clone();
    assert_eq!(roles, serde_json::json!(["User.Read.All"]), "{body}");
    // Delegated permission for everyone: bob signs in with no consent page.
    let mut br = Browser::new(&s);
    let r = br
        .get(&organizations_authorize(
            p.app.app_id,
            &[("scope", "User.Read")],
        ))
        .await;
    let page = r.text().await.unwrap();
    let r = sign_in(&mut br, page, &org.bob, PASSWORD).await;
    assert!(
        r.status().is_redirection(),
        "consent was asked again: {}",
        r.status()
    );
    assert!(location_params(&r).contains_key("code"));
    // Consenting again adds nothing twice.
    let r = admin
        .get(&admin_consent_path(&org, p.app.app_id, WEB_REDIRECT))
        .await;
    let r = accept(&mut admin, r.text().await.unwrap(), "accept").await;
    assert!(r.status().is_redirection());
    let sp = store
        .service_principal_by_app_id(org.tenant, p.app.app_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store
            .app_role_assignments_of(org.tenant, sp.id)
            .await
            .unwrap()
            .len(),
        1
    );
}
both_backends!(admin_consent_for_another_organisation);

/// What tenant A issued is worthless in tenant B: A's code and refresh
/// token at B's token endpoint, A's access token at B's introspection, A's
/// ID token as B's logout hint.
async fn tenant_a_tokens_are_refused_in_tenant_b(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let org = contoso(&s).await;
    let p = planner(&s, apps.tenant).await;
    let c = p.app.app_id.to_string();
    let (a, b_seg) = (apps.tenant.to_string(), org.tenant.to_string());
    // Bob of B uses Planner once, so Planner has a service principal in B
    // and can authenticate there.
    let mut br = Browser::new(&s);
    let r = br
        .get(&organizations_authorize(
            p.app.app_id,
            &[("scope", "openid User.Read")],
        ))
        .await;
    let r = sign_in(&mut br, r.text().await.unwrap(), &org.bob, PASSWORD).await;
    accept(&mut br, r.text().await.unwrap(), "accept").await;
    // Ada of A signs in to Planner: a code, then tokens.
    let mut br = Browser::new(&s);
    let scope = [("scope", "openid offline_access User.Read")];
    let code_a = code_for(&mut br, &apps, p.app.app_id, WEB_REDIRECT, &scope).await["code"].clone();
    let (status, body) = redeem(&s, &b_seg, &p, &code_a).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "A's code at B: {body}"
    );
    let (status, tokens) = redeem(&s, &a, &p, &code_a).await;
    assert_eq!(status, 200, "{tokens}");
    let rt = tokens["refresh_token"].as_str().unwrap();
    let r = crate::oauth::fixtures::token(
        &s,
        &b_seg,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &c),
            ("client_secret", &p.secret),
            ("refresh_token", rt),
        ],
    )
    .await;
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body["error"], "invalid_grant",
        "A's refresh token at B: {body}"
    );
    // A's access token, introspected at B by the same application.
    let r = s
        .client
        .post(s.url(&format!("/{b_seg}/oauth2/v2.0/introspect")))
        .form(&[
            ("client_id", c.as_str()),
            ("client_secret", p.secret.as_str()),
            ("token", tokens["access_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v, serde_json::json!({ "active": false }));
    // ... and at A it is active (the test can fail).
    let r = s
        .client
        .post(s.url(&format!("/{a}/oauth2/v2.0/introspect")))
        .form(&[
            ("client_id", c.as_str()),
            ("client_secret", p.secret.as_str()),
            ("token", tokens["access_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["active"], true, "{v}");
    // A's ID token as a logout hint at B.
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("id_token_hint", tokens["id_token"].as_str().unwrap())
        .finish();
    let r = br.get(&format!("/{b_seg}/oauth2/v2.0/logout?{q}")).await;
    assert_eq!(r.status(), 400);
}
both_backends!(tenant_a_tokens_are_refused_in_tenant_b);
