//! Objects for store tests, built without the server (fake digests and keys).
use rand::rngs::StdRng;
use rand::SeedableRng;
use tessera_model::*;
use tessera_store::BootstrapPlan;
use time::OffsetDateTime;

pub const NOW: OffsetDateTime = time::macros::datetime!(2026-11-22 12:00:00 UTC);

pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

pub fn tenant(rng: &mut StdRng, domain: &str) -> (Tenant, Domain) {
    let t = Tenant {
        id: TenantId::random(rng),
        display_name: "Test".into(),
        created_date_time: NOW,
    };
    let d = Domain {
        name: domain.into(),
        tenant_id: Some(t.id),
        is_default: true,
        is_initial: true,
        is_verified: true,
    };
    (t, d)
}

pub fn new_user(rng: &mut StdRng, upn: &str) -> NewUser {
    NewUser {
        id: ObjectId::random(rng),
        user_principal_name: upn.into(),
        display_name: format!("User {upn}"),
        given_name: Some("Given".into()),
        surname: None,
        mail: Some(upn.into()),
        account_enabled: true,
        password_hash: Some("$argon2id$v=19$m=16,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g".into()),
        profile: Default::default(),
        force_change_password: false,
    }
}

pub fn group(rng: &mut StdRng, name: &str) -> Group {
    Group {
        id: ObjectId::random(rng),
        display_name: name.into(),
        description: None,
        mail_nickname: Some(name.to_lowercase()),
        security_enabled: true,
        mail_enabled: false,
        created_date_time: NOW,
        group_types: vec![],
        visibility: None,
        mail: None,
    }
}

pub fn application(rng: &mut StdRng, name: &str) -> Application {
    Application {
        id: ObjectId::random(rng),
        app_id: AppId::random(rng),
        display_name: name.into(),
        sign_in_audience: SignInAudience::AzureADMyOrg,
        settings: ApplicationSettings {
            web: WebApplication {
                redirect_uris: vec!["https://app.example/cb".into()],
                logout_url: None,
            },
            ..Default::default()
        },
        created_date_time: NOW,
    }
}

pub fn service_principal(rng: &mut StdRng, app: &Application, owner: TenantId) -> ServicePrincipal {
    ServicePrincipal {
        id: ObjectId::random(rng),
        app_id: app.app_id,
        app_owner_organization_id: Some(owner),
        display_name: app.display_name.clone(),
        account_enabled: true,
        service_principal_type: "Application".into(),
        service_principal_names: vec![app.app_id.to_string()],
        app_roles: vec![],
        oauth2_permission_scopes: vec![],
        app_role_assignment_required: false,
        created_date_time: NOW,
    }
}

pub fn signing_key(kid: &str) -> SigningKeyRecord {
    SigningKeyRecord {
        kid: kid.into(),
        alg: "RS256".into(),
        sealed_private_key: vec![1, 2, 3, 4],
        public_jwk: serde_json::json!({ "kty": "RSA", "kid": kid }),
        created_at: NOW,
        active_from: NOW,
        retired_at: None,
    }
}

/// A complete bootstrap plan for a fresh tenant.
pub fn plan(seed: u64, domain: &str) -> BootstrapPlan {
    let mut r = rng(seed);
    let (tenant, initial_domain) = tenant(&mut r, domain);
    let admin = new_user(&mut r, &format!("admin@{domain}"));
    let admin_role = DirectoryRoleAssignment {
        id: ObjectId::random(&mut r),
        role_definition_id: directory_roles::GLOBAL_ADMINISTRATOR.id,
        principal_id: admin.id,
        directory_scope_id: "/".into(),
    };
    let client_app = application(&mut r, "bootstrap client");
    let client_sp = service_principal(&mut r, &client_app, tenant.id);
    let mut graph_sp = service_principal(&mut r, &client_app, tenant.id);
    graph_sp.app_id = graph_permissions::GRAPH_APP_ID;
    graph_sp.app_owner_organization_id = None;
    graph_sp.display_name = graph_permissions::GRAPH_DISPLAY_NAME.into();
    graph_sp.app_roles = graph_permissions::app_roles();
    graph_sp.oauth2_permission_scopes = graph_permissions::scopes();
    let client_app_roles = graph_sp
        .app_roles
        .iter()
        .map(|role| AppRoleAssignment {
            id: ObjectId::random(&mut r),
            app_role_id: role.id,
            principal_id: client_sp.id,
            principal_type: ObjectKind::ServicePrincipal,
            resource_id: graph_sp.id,
            created_date_time: NOW,
        })
        .collect();
    BootstrapPlan {
        tenant,
        initial_domain,
        admin,
        admin_role,
        client_secret: PasswordCredential {
            key_id: new_guid(&mut r),
            display_name: Some("bootstrap".into()),
            hint: Some("abc".into()),
            start_date_time: NOW,
            end_date_time: NOW + time::Duration::days(730),
        },
        client_secret_digest: [7u8; 32],
        client_app,
        client_sp,
        graph_sp,
        client_app_roles,
        signing_key: signing_key(&format!("kid-{seed}")),
        now: NOW,
    }
}
