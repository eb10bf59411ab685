//! Callers of the directory API: app-only tokens holding exactly the
//! application permissions a test names, delegated tokens of a user with
//! the scopes and directory roles a test names, and a small Graph client.
use crate::signin::fixtures as sf;
use serde_json::Value;
use tessera_model::directory_roles::BuiltInRole;
use tessera_model::graph_permissions::{self, GRAPH_APP_ID};
use tessera_model::*;
use tessera_testkit::TestServer;

pub const EPOCH: time::OffsetDateTime = time::OffsetDateTime::UNIX_EPOCH;

/// A caller with a token.
pub struct Graph {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Graph {
    pub fn with(s: &TestServer, token: String) -> Self {
        Self {
            http: tessera_testkit::client(),
            base: s.url.clone(),
            token,
        }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        }
    }

    pub async fn send(&self, r: reqwest::RequestBuilder) -> (u16, Value) {
        let r = r.bearer_auth(&self.token).send().await.unwrap();
        let status = r.status().as_u16();
        assert_eq!(r.headers()["cache-control"], "no-store");
        let text = r.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        if status >= 400 {
            assert_graph_error(&body);
        }
        (status, body)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send(self.http.get(self.url(path))).await
    }

    pub async fn get_eventual(&self, path: &str) -> (u16, Value) {
        self.send(
            self.http
                .get(self.url(path))
                .header("ConsistencyLevel", "eventual"),
        )
        .await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(self.http.post(self.url(path)).json(&body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(self.http.patch(self.url(path)).json(&body)).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.send(self.http.delete(self.url(path))).await
    }

    /// POSTs raw bytes with a content type.
    pub async fn post_raw(&self, path: &str, ct: &str, body: Vec<u8>) -> (u16, Value) {
        self.send(
            self.http
                .post(self.url(path))
                .header("content-type", ct)
                .body(body),
        )
        .await
    }
}

/// Graph's error body: `{"error":{"code","message","innerError":{"date","request-id"}}}`.
pub fn assert_graph_error(body: &Value) {
    let e = &body["error"];
    assert!(e["code"].is_string(), "no error code: {body}");
    assert!(e["message"].is_string(), "no error message: {body}");
    assert!(
        e["innerError"]["date"].is_string(),
        "no innerError.date: {body}"
    );
    assert!(
        e["innerError"]["request-id"]
            .as_str()
            .is_some_and(|id| !id.is_empty()),
        "no innerError.request-id: {body}"
    );
    let text = body.to_string();
    assert!(
        !text.contains("panicked") && !text.contains("sqlx"),
        "{text}"
    );
}

/// The bootstrap client: every application permission.
pub async fn admin(s: &TestServer) -> Graph {
    let k = crate::oauth::fixtures::boot(s);
    let r = crate::oauth::fixtures::client_credentials(s, &k).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    Graph::with(s, body["access_token"].as_str().unwrap().into())
}

pub async fn graph_sp(s: &TestServer, t: TenantId) -> ServicePrincipal {
    s.running()
        .store
        .service_principal_by_app_id(t, GRAPH_APP_ID)
        .await
        .unwrap()
        .unwrap()
}

/// An app-only caller holding exactly `roles` (application permissions).
pub async fn app_with(s: &TestServer, roles: &[&str]) -> Graph {
    app_in(s, s.running().tenant_id, roles).await
}

/// An app-only caller of tenant `t` holding exactly `roles`.
pub async fn app_in(s: &TestServer, t: TenantId, roles: &[&str]) -> Graph {
    let app = sf::app(
        &format!("app {}", roles.join(" ")),
        ApplicationSettings::default(),
    );
    let sp = sf::register(s, t, &app).await;
    let secret = sf::add_secret(s, t, app.id).await;
    let graph = graph_sp(s, t).await;
    for r in roles {
        let p =
            graph_permissions::application_permission(r).expect("a Graph application permission");
        s.running()
            .store
            .create_app_role_assignment(
                t,
                &AppRoleAssignment {
                    id: ObjectId::random(&mut rand::rngs::OsRng),
                    app_role_id: p.id,
                    principal_id: sp.id,
                    principal_type: ObjectKind::ServicePrincipal,
                    resource_id: graph.id,
                    created_date_time: EPOCH,
                },
                EPOCH,
            )
            .await
            .unwrap();
    }
    let r = crate::oauth::fixtures::token(
        s,
        &t.to_string(),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &app.app_id.to_string()),
            ("client_secret", &secret),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    Graph::with(s, body["access_token"].as_str().unwrap().into())
}

/// A user signed in through the pages to a web app that holds an admin
/// grant of `scopes` on the directory API; the user holds `roles`.
pub struct Delegated {
    pub g: Graph,
    pub user: ObjectId,
    pub refresh: String,
    pub client_id: String,
    pub secret: String,
}

pub async fn user_with(
    s: &TestServer,
    upn_local: &str,
    scopes: &[&str],
    roles: &[BuiltInRole],
) -> Delegated {
    let t = s.running().tenant_id;
    let store = &s.running().store;
    let domain = store.list_domains(t).await.unwrap()[0].name.clone();
    let upn = format!("{upn_local}@{domain}");
    let user = sf::user(s, t, &upn).await;
    for r in roles {
        store
            .create_directory_role_assignment(
                t,
                &DirectoryRoleAssignment {
                    id: ObjectId::random(&mut rand::rngs::OsRng),
                    role_definition_id: r.id,
                    principal_id: user,
                    directory_scope_id: "/".into(),
                },
                EPOCH,
            )
            .await
            .unwrap();
    }
    let mut settings = ApplicationSettings::default();
    settings.web.redirect_uris.push(sf::WEB_REDIRECT.into());
    let app = sf::app(&format!("web {upn_local}"), settings);
    let sp = sf::register(s, t, &app).await;
    let secret = sf::add_secret(s, t, app.id).await;
    let mut granted: Vec<String> = vec!["openid".into(), "offline_access".into()];
    granted.extend(scopes.iter().map(|s| s.to_string()));
    store
        .add_delegated_grant(
            t,
            sp.id,
            None,
            graph_sp(s, t).await.id,
            &granted,
            ObjectId::random(&mut rand::rngs::OsRng),
            EPOCH,
        )
        .await
        .unwrap();
    let apps = sf::Apps {
        tenant: t,
        upn: upn.clone(),
        user,
        public: app.app_id,
        conf: app.app_id,
        secret,
    };
    let scope = format!(
        "openid offline_access {}",
        scopes
            .iter()
            .map(|s| format!("https://graph.microsoft.com/{s}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let mut br = sf::Browser::new(s);
    let p = sf::code_for(
        &mut br,
        &apps,
        app.app_id,
        sf::WEB_REDIRECT,
        &[
            ("scope", &scope),
            ("code_challenge", sf::CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    let (status, body) =
        crate::signin::flow::redeem_conf(s, &apps, &p["code"], Some(sf::VERIFIER)).await;
    assert_eq!(status, 200, "{body}");
    Delegated {
        g: Graph::with(s, body["access_token"].as_str().unwrap().into()),
        user,
        refresh: body["refresh_token"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        client_id: apps.conf.to_string(),
        secret: apps.secret.clone(),
    }
}

/// The tenant's initial domain name.
pub async fn domain(s: &TestServer) -> String {
    let t = s.running().tenant_id;
    let domains = s.running().store.list_domains(t).await.unwrap();
    domains.into_iter().find(|d| d.is_initial).unwrap().name
}

/// A valid new-user body.
pub fn new_user(local: &str, domain: &str) -> Value {
    serde_json::json!({
        "accountEnabled": true,
        "displayName": format!("User {local}"),
        "mailNickname": local,
        "userPrincipalName": format!("{local}@{domain}"),
        "passwordProfile": { "forceChangePasswordNextSignIn": false, "password": "Sufficiently-Complex-42" },
    })
}

/// The bootstrap administrator: the tenant's first Global Administrator.
pub async fn bootstrap_admin(s: &TestServer) -> ObjectId {
    let path = s.running().bootstrap_file.clone().unwrap();
    let v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    s.running()
        .store
        .get_user_by_upn(
            s.running().tenant_id,
            v["adminUserPrincipalName"].as_str().unwrap(),
        )
        .await
        .unwrap()
        .unwrap()
        .id
}
