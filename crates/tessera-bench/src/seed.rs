//! What the login benchmark needs in a bootstrapped database, written
//! through the store (running servers see it through the change log).
use anyhow::Context;
use std::path::Path;
use tessera_model::graph_permissions::GRAPH_APP_ID;
use tessera_model::*;

pub const REDIRECT_URI: &str = "http://127.0.0.1:9/cb";
pub const PASSWORD: &str = "correct horse battery staple 42";

#[allow(clippy::disallowed_methods)] // a command-line tool: the wall clock is the clock
fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

pub async fn seed(data_dir: &Path) -> anyhow::Result<serde_json::Value> {
    let config = tessera_server::config::Config {
        data_dir: data_dir.to_path_buf(),
        ..Default::default()
    };
    let store = tessera_server::server::open_store(&config).await?;
    let t = store
        .bootstrapped_tenant()
        .await?
        .context("no tenant: start `tessera serve` on this data directory once first")?;
    let domain = store
        .list_domains(t)
        .await?
        .into_iter()
        .next()
        .context("the tenant has no domain")?
        .name;
    let mut rng = rand::rngs::OsRng;
    let now = now();
    let mut settings = ApplicationSettings::default();
    settings
        .public_client
        .redirect_uris
        .push(REDIRECT_URI.into());
    let app = Application {
        id: ObjectId::random(&mut rng),
        app_id: AppId::random(&mut rng),
        display_name: "Bench Native".into(),
        sign_in_audience: SignInAudience::AzureADMyOrg,
        settings,
        created_date_time: now,
    };
    store.create_application(t, &app, now).await?;
    let sp = ServicePrincipal {
        id: ObjectId::random(&mut rng),
        app_id: app.app_id,
        app_owner_organization_id: Some(t),
        display_name: app.display_name.clone(),
        account_enabled: true,
        service_principal_type: "Application".into(),
        service_principal_names: vec![app.app_id.to_string()],
        app_roles: vec![],
        oauth2_permission_scopes: vec![],
        app_role_assignment_required: false,
        created_date_time: now,
    };
    store.create_service_principal(t, &sp, now).await?;
    let graph = store
        .service_principal_by_app_id(t, GRAPH_APP_ID)
        .await?
        .context("no directory API service principal")?;
    let scopes: Vec<String> = ["openid", "profile", "offline_access", "User.Read"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    store
        .add_delegated_grant(
            t,
            sp.id,
            None,
            graph.id,
            &scopes,
            ObjectId::random(&mut rng),
            now,
        )
        .await?;
    let username = format!("bench-{}@{domain}", &app.app_id.to_string()[..8]);
    let hash = tessera_crypto::PasswordHasher::default().hash(PASSWORD, &mut rng)?;
    let user = NewUser {
        id: ObjectId::random(&mut rng),
        user_principal_name: username.clone(),
        display_name: "Bench User".into(),
        given_name: None,
        surname: None,
        mail: Some(username.clone()),
        account_enabled: true,
        password_hash: Some(hash.to_string()),
        profile: Default::default(),
        force_change_password: false,
    };
    store.create_user(t, &user, now).await?;
    store.close().await;
    Ok(serde_json::json!({
        "tenant": t.to_string(),
        "client_id": app.app_id.to_string(),
        "redirect_uri": REDIRECT_URI,
        "username": username,
        "password": PASSWORD,
    }))
}
