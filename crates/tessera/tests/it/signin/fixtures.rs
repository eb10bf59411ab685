//! Sign-in fixtures: a user with a password, a public and a confidential
//! application in the test server's tenant, and a minimal browser (cookies,
//! forms, no redirects followed) to walk the pages over real sockets.
use base64::Engine;
use std::collections::BTreeMap;
use tessera_model::*;
use tessera_testkit::TestServer;

pub const PASSWORD: &str = "correct horse battery staple 42";
pub const WEB_REDIRECT: &str = "https://app.example/cb";
pub const NATIVE_REDIRECT: &str = "http://localhost";
pub const WEB_LOGOUT: &str = "https://app.example/signout";
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

pub struct Apps {
    pub tenant: TenantId,
    pub upn: String,
    pub user: ObjectId,
    /// Public client: native loopback redirect, PKCE, no secret.
    pub public: AppId,
    /// Confidential web app with a secret.
    pub conf: AppId,
    pub secret: String,
}

pub fn app(name: &str, settings: ApplicationSettings) -> Application {
    let mut rng = rand::rngs::OsRng;
    Application {
        id: ObjectId::random(&mut rng),
        app_id: AppId::random(&mut rng),
        display_name: name.into(),
        sign_in_audience: SignInAudience::AzureADMyOrg,
        settings,
        created_date_time: time::OffsetDateTime::UNIX_EPOCH,
    }
}

pub fn sp_for(app: &Application, owner: TenantId) -> ServicePrincipal {
    ServicePrincipal {
        id: ObjectId::random(&mut rand::rngs::OsRng),
        app_id: app.app_id,
        app_owner_organization_id: Some(owner),
        display_name: app.display_name.clone(),
        account_enabled: true,
        service_principal_type: "Application".into(),
        service_principal_names: vec![app.app_id.to_string()],
        app_roles: app.settings.app_roles.clone(),
        oauth2_permission_scopes: app.settings.api.oauth2_permission_scopes.clone(),
        app_role_assignment_required: false,
        created_date_time: time::OffsetDateTime::UNIX_EPOCH,
    }
}

/// Registers `app` (and its service principal) in tenant `t`.
pub async fn register(s: &TestServer, t: TenantId, app: &Application) -> ServicePrincipal {
    let store = &s.running().store;
    let now = time::OffsetDateTime::UNIX_EPOCH;
    store.create_application(t, app, now).await.unwrap();
    let sp = sp_for(app, t);
    store.create_service_principal(t, &sp, now).await.unwrap();
    sp
}

/// A new client secret of application (object) `app`, valid until 2100.
pub async fn add_secret(s: &TestServer, t: TenantId, app: ObjectId) -> String {
    let secret = tessera_crypto::ClientSecret::generate(&mut rand::rngs::OsRng);
    let cred = PasswordCredential {
        key_id: uuid::Uuid::new_v4(),
        display_name: None,
        hint: Some(secret.hint()),
        start_date_time: time::OffsetDateTime::UNIX_EPOCH,
        end_date_time: time::macros::datetime!(2100-01-01 0:00 UTC),
    };
    s.running()
        .store
        .add_password_credential(
            t,
            app,
            &cred,
            &tessera_crypto::secret_digest(secret.expose()),
            time::OffsetDateTime::UNIX_EPOCH,
        )
        .await
        .unwrap();
    secret.expose().to_string()
}

/// A user with [`PASSWORD`] in tenant `t`, created now.
pub async fn user(s: &TestServer, t: TenantId, upn: &str) -> ObjectId {
    #[allow(clippy::disallowed_methods)] // the server judges accounts by its wall clock
    let now = time::OffsetDateTime::now_utc();
    user_created_at(s, t, upn, now).await
}

/// A user with [`PASSWORD`] in tenant `t`, created at `at`.
pub async fn user_created_at(
    s: &TestServer,
    t: TenantId,
    upn: &str,
    at: time::OffsetDateTime,
) -> ObjectId {
    let hash = tessera_crypto::PasswordHasher::default()
        .hash(PASSWORD, &mut rand::rngs::OsRng)
        .unwrap();
    let u = NewUser {
        id: ObjectId::random(&mut rand::rngs::OsRng),
        user_principal_name: upn.into(),
        display_name: format!("User {upn}"),
        given_name: Some("Ada".into()),
        surname: Some("Lovelace".into()),
        mail: Some(upn.into()),
        account_enabled: true,
        password_hash: Some(hash.to_string()),
        profile: Default::default(),
        force_change_password: false,
    };
    s.running().store.create_user(t, &u, at).await.unwrap().id
}

pub async fn setup(s: &TestServer) -> Apps {
    let t = s.running().tenant_id;
    let domain = s.running().store.list_domains(t).await.unwrap()[0]
        .name
        .clone();
    let upn = format!("ada@{domain}");
    let user = user(s, t, &upn).await;
    let mut public_settings = ApplicationSettings {
        is_fallback_public_client: Some(true),
        ..Default::default()
    };
    public_settings
        .public_client
        .redirect_uris
        .push(NATIVE_REDIRECT.into());
    let public = app("Native Notes", public_settings);
    register(s, t, &public).await;
    let mut conf_settings = ApplicationSettings::default();
    conf_settings.web.redirect_uris.push(WEB_REDIRECT.into());
    conf_settings.web.logout_url = Some(WEB_LOGOUT.into());
    conf_settings.publisher_domain = Some(domain);
    let conf = app("Web Ledger", conf_settings);
    register(s, t, &conf).await;
    let secret = add_secret(s, t, conf.id).await;
    Apps {
        tenant: t,
        upn,
        user,
        public: public.app_id,
        conf: conf.app_id,
        secret,
    }
}

/// A browser: keeps cookies, never follows redirects.
pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
    pub cookies: BTreeMap<String, String>,
    /// Sent as `X-Forwarded-For` when set (a client behind a proxy, or one
    /// claiming to be).
    pub forwarded_for: Option<String>,
}

impl Browser {
    pub fn new(s: &TestServer) -> Self {
        Self {
            http: reqwest::Client::builder()
                .no_proxy()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: s.url.clone(),
            cookies: BTreeMap::new(),
            forwarded_for: None,
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, r: &reqwest::Response) {
        for v in r.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap();
            let (pair, attrs) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = pair.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), val.to_string());
            }
        }
    }

    pub async fn get(&mut self, path_or_url: &str) -> reqwest::Response {
        let url = if path_or_url.starts_with("http") {
            path_or_url.to_string()
        } else {
            format!("{}{path_or_url}", self.base)
        };
        let mut req = self.http.get(url).header("cookie", self.cookie_header());
        if let Some(f) = &self.forwarded_for {
            req = req.header("x-forwarded-for", f);
        }
        let r = req.send().await.unwrap();
        self.keep(&r);
        r
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .form(form);
        if let Some(f) = &self.forwarded_for {
            req = req.header("x-forwarded-for", f);
        }
        let r = req.send().await.unwrap();
        self.keep(&r);
        r
    }
}

/// The value of the hidden (or any) input `name` in a page.
pub fn input(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\""))?;
    let rest = &html[at..];
    let v = rest.find("value=\"")? + 7;
    let end = rest[v..].find('"')?;
    Some(unescape(&rest[v..v + end]))
}

/// The action of the page's form.
pub fn action(html: &str) -> Option<String> {
    let at = html.find("<form method=\"post\" action=\"")? + 28;
    let end = html[at..].find('"')?;
    Some(unescape(&html[at..at + end]))
}

fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Query parameters of a redirect's Location.
pub fn location_params(r: &reqwest::Response) -> BTreeMap<String, String> {
    let loc = r.headers()["location"].to_str().unwrap();
    let q = loc.split_once(['?', '#']).map(|(_, q)| q).unwrap_or("");
    form_urlencoded_parse(q)
}

pub fn form_urlencoded_parse(q: &str) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(q.as_bytes())
        .into_owned()
        .collect()
}

/// An authorize URL (path) for `client` with `extra` parameters.
pub fn authorize_path(
    tenant: TenantId,
    client: AppId,
    redirect: &str,
    extra: &[(&str, &str)],
) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("client_id", &client.to_string())
        .append_pair("redirect_uri", redirect);
    if !extra.iter().any(|(k, _)| *k == "response_type") {
        q.append_pair("response_type", "code");
    }
    for (k, v) in extra {
        q.append_pair(k, v);
    }
    format!("/{tenant}/oauth2/v2.0/authorize?{}", q.finish())
}

/// Signs in on the page in `r` (status 200) and returns the next response.
pub async fn sign_in(
    b: &mut Browser,
    page: String,
    upn: &str,
    password: &str,
) -> reqwest::Response {
    let act = action(&page).expect("a form");
    let ctx = input(&page, "ctx").expect("ctx");
    let csrf = input(&page, "csrf").expect("csrf");
    b.post(
        &act,
        &[
            ("ctx", &ctx),
            ("csrf", &csrf),
            ("username", upn),
            ("password", password),
        ],
    )
    .await
}

/// Accepts the consent page in `page`.
pub async fn accept(b: &mut Browser, page: String, decision: &str) -> reqwest::Response {
    let act = action(&page).expect("a form");
    let ctx = input(&page, "ctx").expect("ctx");
    let csrf = input(&page, "csrf").expect("csrf");
    b.post(
        &act,
        &[("ctx", &ctx), ("csrf", &csrf), ("decision", decision)],
    )
    .await
}

/// Walks authorize → sign-in → (consent) to the code.
pub async fn code_for(
    b: &mut Browser,
    apps: &Apps,
    client: AppId,
    redirect: &str,
    extra: &[(&str, &str)],
) -> BTreeMap<String, String> {
    let r = b
        .get(&authorize_path(apps.tenant, client, redirect, extra))
        .await;
    let r = if r.status() == 200 {
        let page = r.text().await.unwrap();
        if page.contains("name=\"password\"") {
            sign_in(b, page, &apps.upn, PASSWORD).await
        } else {
            accept(b, page, "accept").await
        }
    } else {
        r
    };
    let r = if r.status() == 200 {
        let page = r.text().await.unwrap();
        assert!(page.contains("Accept"), "expected the consent page: {page}");
        accept(b, page, "accept").await
    } else {
        r
    };
    assert!(
        r.status().is_redirection(),
        "expected a redirect, got {}",
        r.status()
    );
    location_params(&r)
}

pub fn jwt_claims(token: &str) -> serde_json::Value {
    let p = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(p)
            .unwrap(),
    )
    .unwrap()
}
