//! Row decoding shared by both backends: a small column-getter trait, and the
//! mapping from rows to model types.
use crate::{StoreError, StoreResult};
use std::str::FromStr;
use tessera_model::*;
use uuid::Uuid;

/// Typed column access that reads the same on SQLite and PostgreSQL rows.
pub(crate) trait Get {
    fn str(&self, col: &str) -> StoreResult<String>;
    fn opt_str(&self, col: &str) -> StoreResult<Option<String>>;
    fn int(&self, col: &str) -> StoreResult<i64>;
    fn opt_int(&self, col: &str) -> StoreResult<Option<i64>>;
    fn flag(&self, col: &str) -> StoreResult<bool>;
    fn bytes(&self, col: &str) -> StoreResult<Vec<u8>>;
}

macro_rules! impl_get {
    ($row:ty) => {
        impl Get for $row {
            fn str(&self, col: &str) -> StoreResult<String> {
                Ok(sqlx::Row::try_get(self, col)?)
            }
            fn opt_str(&self, col: &str) -> StoreResult<Option<String>> {
                Ok(sqlx::Row::try_get(self, col)?)
            }
            fn int(&self, col: &str) -> StoreResult<i64> {
                Ok(sqlx::Row::try_get(self, col)?)
            }
            fn opt_int(&self, col: &str) -> StoreResult<Option<i64>> {
                Ok(sqlx::Row::try_get(self, col)?)
            }
            fn flag(&self, col: &str) -> StoreResult<bool> {
                Ok(sqlx::Row::try_get(self, col)?)
            }
            fn bytes(&self, col: &str) -> StoreResult<Vec<u8>> {
                Ok(sqlx::Row::try_get(self, col)?)
            }
        }
    };
}
impl_get!(sqlx::sqlite::SqliteRow);
impl_get!(sqlx::postgres::PgRow);

fn parse<T: FromStr>(what: &str, s: &str) -> StoreResult<T> {
    s.parse()
        .map_err(|_| StoreError::Corrupt(format!("bad {what} {s:?}")))
}

pub(crate) fn guid<T: FromStr>(r: &impl Get, col: &str) -> StoreResult<T> {
    parse(col, &r.str(col)?)
}

pub(crate) fn opt_guid<T: FromStr>(r: &impl Get, col: &str) -> StoreResult<Option<T>> {
    r.opt_str(col)?.map(|s| parse(col, &s)).transpose()
}

pub(crate) fn instant(r: &impl Get, col: &str) -> StoreResult<time::OffsetDateTime> {
    Ok(from_millis(r.int(col)?))
}

pub(crate) fn json<T: serde::de::DeserializeOwned>(r: &impl Get, col: &str) -> StoreResult<T> {
    serde_json::from_str(&r.str(col)?).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
}

pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Internal(format!("encoding JSON: {e}")))
}

pub(crate) fn kind(r: &impl Get, col: &str) -> StoreResult<ObjectKind> {
    let s = r.str(col)?;
    ObjectKind::parse(&s).ok_or_else(|| StoreError::Corrupt(format!("bad {col} {s:?}")))
}

/// The case-insensitive key userPrincipalNames are unique by.
pub(crate) fn upn_key(upn: &str) -> String {
    upn.to_lowercase()
}

pub(crate) fn tenant(r: &impl Get) -> StoreResult<Tenant> {
    Ok(Tenant {
        id: guid(r, "id")?,
        display_name: r.str("display_name")?,
        created_date_time: instant(r, "created_at")?,
    })
}

pub(crate) fn domain(r: &impl Get) -> StoreResult<Domain> {
    Ok(Domain {
        name: r.str("name")?,
        tenant_id: Some(guid(r, "tenant_id")?),
        is_default: r.flag("is_default")?,
        is_initial: r.flag("is_initial")?,
        is_verified: r.flag("is_verified")?,
    })
}

pub(crate) const USER_COLUMNS: &str =
    "id, user_principal_name, display_name, given_name, surname, mail, account_enabled, created_at, \
     mail_nickname, job_title, department, office_location, mobile_phone, usage_location, employee_id, \
     company_name, city, country, preferred_language, user_type, other_mails, business_phones";

pub(crate) fn user(r: &impl Get) -> StoreResult<User> {
    Ok(User {
        id: guid(r, "id")?,
        user_principal_name: r.str("user_principal_name")?,
        display_name: r.str("display_name")?,
        given_name: r.opt_str("given_name")?,
        surname: r.opt_str("surname")?,
        mail: r.opt_str("mail")?,
        account_enabled: r.flag("account_enabled")?,
        created_date_time: instant(r, "created_at")?,
        profile: UserProfile {
            mail_nickname: r.opt_str("mail_nickname")?,
            job_title: r.opt_str("job_title")?,
            department: r.opt_str("department")?,
            office_location: r.opt_str("office_location")?,
            mobile_phone: r.opt_str("mobile_phone")?,
            usage_location: r.opt_str("usage_location")?,
            employee_id: r.opt_str("employee_id")?,
            company_name: r.opt_str("company_name")?,
            city: r.opt_str("city")?,
            country: r.opt_str("country")?,
            preferred_language: r.opt_str("preferred_language")?,
            user_type: r.opt_str("user_type")?,
            other_mails: json(r, "other_mails")?,
            business_phones: json(r, "business_phones")?,
        },
    })
}

pub(crate) const GROUP_COLUMNS: &str =
    "id, display_name, description, mail_nickname, security_enabled, \
     mail_enabled, created_at, group_types, visibility, mail";

pub(crate) fn group(r: &impl Get) -> StoreResult<Group> {
    Ok(Group {
        id: guid(r, "id")?,
        display_name: r.str("display_name")?,
        description: r.opt_str("description")?,
        mail_nickname: r.opt_str("mail_nickname")?,
        security_enabled: r.flag("security_enabled")?,
        mail_enabled: r.flag("mail_enabled")?,
        created_date_time: instant(r, "created_at")?,
        group_types: json(r, "group_types")?,
        visibility: r.opt_str("visibility")?,
        mail: r.opt_str("mail")?,
    })
}

pub(crate) fn member(r: &impl Get) -> StoreResult<Member> {
    Ok(Member {
        id: guid(r, "member_id")?,
        kind: kind(r, "member_kind")?,
    })
}

pub(crate) const APP_COLUMNS: &str =
    "tenant_id, id, app_id, display_name, sign_in_audience, settings, created_at";

pub(crate) fn application(r: &impl Get) -> StoreResult<Application> {
    let audience = r.str("sign_in_audience")?;
    Ok(Application {
        id: guid(r, "id")?,
        app_id: guid(r, "app_id")?,
        display_name: r.str("display_name")?,
        sign_in_audience: serde_json::from_value(serde_json::Value::String(audience))
            .map_err(|e| StoreError::Corrupt(format!("sign_in_audience: {e}")))?,
        settings: json(r, "settings")?,
        created_date_time: instant(r, "created_at")?,
    })
}

pub(crate) fn audience_str(a: SignInAudience) -> StoreResult<String> {
    match serde_json::to_value(a) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        _ => Err(StoreError::Internal("encoding signInAudience".into())),
    }
}

pub(crate) fn password_credential(r: &impl Get) -> StoreResult<(PasswordCredential, Vec<u8>)> {
    Ok((
        PasswordCredential {
            key_id: guid::<Uuid>(r, "key_id")?,
            display_name: r.opt_str("display_name")?,
            hint: r.opt_str("hint")?,
            start_date_time: instant(r, "start_at")?,
            end_date_time: instant(r, "end_at")?,
        },
        r.bytes("secret_digest")?,
    ))
}

pub(crate) fn key_credential(r: &impl Get) -> StoreResult<KeyCredential> {
    Ok(KeyCredential {
        key_id: guid(r, "key_id")?,
        display_name: r.opt_str("display_name")?,
        kind: r.str("kind")?,
        usage: r.str("usage")?,
        key: r.bytes("key_der")?,
        thumbprint: r.bytes("thumbprint")?,
        start_date_time: instant(r, "start_at")?,
        end_date_time: instant(r, "end_at")?,
    })
}

/// The service principal's properties that live in its JSON `data` column.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SpData {
    pub app_owner_organization_id: Option<TenantId>,
    pub service_principal_type: String,
    pub service_principal_names: Vec<String>,
    pub app_roles: Vec<AppRole>,
    pub oauth2_permission_scopes: Vec<PermissionScope>,
    pub app_role_assignment_required: bool,
}

impl SpData {
    pub fn of(sp: &ServicePrincipal) -> Self {
        Self {
            app_owner_organization_id: sp.app_owner_organization_id,
            service_principal_type: sp.service_principal_type.clone(),
            service_principal_names: sp.service_principal_names.clone(),
            app_roles: sp.app_roles.clone(),
            oauth2_permission_scopes: sp.oauth2_permission_scopes.clone(),
            app_role_assignment_required: sp.app_role_assignment_required,
        }
    }
}

pub(crate) const SP_COLUMNS: &str = "id, app_id, display_name, account_enabled, data, created_at";

pub(crate) fn service_principal(r: &impl Get) -> StoreResult<ServicePrincipal> {
    let d: SpData = json(r, "data")?;
    Ok(ServicePrincipal {
        id: guid(r, "id")?,
        app_id: guid(r, "app_id")?,
        app_owner_organization_id: d.app_owner_organization_id,
        display_name: r.str("display_name")?,
        account_enabled: r.flag("account_enabled")?,
        service_principal_type: d.service_principal_type,
        service_principal_names: d.service_principal_names,
        app_roles: d.app_roles,
        oauth2_permission_scopes: d.oauth2_permission_scopes,
        app_role_assignment_required: d.app_role_assignment_required,
        created_date_time: instant(r, "created_at")?,
    })
}

pub(crate) fn app_role_assignment(r: &impl Get) -> StoreResult<AppRoleAssignment> {
    Ok(AppRoleAssignment {
        id: guid(r, "id")?,
        app_role_id: guid(r, "app_role_id")?,
        principal_id: guid(r, "principal_id")?,
        principal_type: kind(r, "principal_kind")?,
        resource_id: guid(r, "resource_id")?,
        created_date_time: instant(r, "created_at")?,
    })
}

pub(crate) fn permission_grant(r: &impl Get) -> StoreResult<OAuth2PermissionGrant> {
    Ok(OAuth2PermissionGrant {
        id: guid(r, "id")?,
        client_id: guid(r, "client_id")?,
        consent_type: r.str("consent_type")?,
        principal_id: opt_guid(r, "principal_id")?,
        resource_id: guid(r, "resource_id")?,
        scope: r.str("scope")?,
    })
}

pub(crate) fn role_assignment(r: &impl Get) -> StoreResult<DirectoryRoleAssignment> {
    Ok(DirectoryRoleAssignment {
        id: guid(r, "id")?,
        role_definition_id: guid(r, "role_definition_id")?,
        principal_id: guid(r, "principal_id")?,
        directory_scope_id: r.str("directory_scope_id")?,
    })
}

pub(crate) fn signing_key(r: &impl Get) -> StoreResult<SigningKeyRecord> {
    Ok(SigningKeyRecord {
        kid: r.str("kid")?,
        alg: r.str("alg")?,
        sealed_private_key: r.bytes("sealed_private_key")?,
        public_jwk: json(r, "public_jwk")?,
        created_at: instant(r, "created_at")?,
        active_from: instant(r, "active_from")?,
        retired_at: r.opt_int("retired_at")?.map(from_millis),
    })
}

pub(crate) fn change(r: &impl Get) -> StoreResult<Change> {
    let ct = r.str("change_type")?;
    Ok(Change {
        seq: r.int("seq")?,
        tenant_id: guid(r, "tenant_id")?,
        object_kind: kind(r, "object_kind")?,
        object_id: guid(r, "object_id")?,
        change_type: ChangeType::parse(&ct)
            .ok_or_else(|| StoreError::Corrupt(format!("bad change_type {ct:?}")))?,
        changed_at: instant(r, "changed_at")?,
        detail: json(r, "detail")?,
    })
}

fn amr(r: &impl Get) -> StoreResult<Vec<String>> {
    json(r, "amr")
}

pub(crate) fn sso_session(r: &impl Get) -> StoreResult<SsoSession> {
    Ok(SsoSession {
        id: guid(r, "id")?,
        user_id: guid(r, "user_id")?,
        secret_digest: r.bytes("secret_digest")?,
        auth_time: instant(r, "auth_time")?,
        amr: amr(r)?,
        created_at: instant(r, "created_at")?,
        expires_at: instant(r, "expires_at")?,
        ended_at: r.opt_int("ended_at")?.map(from_millis),
    })
}

pub(crate) fn auth_code(r: &impl Get) -> StoreResult<AuthCodeRecord> {
    Ok(AuthCodeRecord {
        id: guid(r, "id")?,
        digest: r.bytes("digest")?,
        client_id: guid(r, "client_id")?,
        user_id: guid(r, "user_id")?,
        session_id: opt_guid(r, "session_id")?,
        redirect_uri: r.str("redirect_uri")?,
        scope: r.str("scope")?,
        nonce: r.opt_str("nonce")?,
        code_challenge: r.opt_str("code_challenge")?,
        auth_time: instant(r, "auth_time")?,
        amr: amr(r)?,
        created_at: instant(r, "created_at")?,
        expires_at: instant(r, "expires_at")?,
        consumed_at: r.opt_int("consumed_at")?.map(from_millis),
    })
}

pub(crate) fn refresh_token(r: &impl Get) -> StoreResult<RefreshTokenRecord> {
    Ok(RefreshTokenRecord {
        digest: r.bytes("digest")?,
        family_id: guid(r, "family_id")?,
        client_id: guid(r, "client_id")?,
        user_id: guid(r, "user_id")?,
        session_id: opt_guid(r, "session_id")?,
        public_client: r.flag("public_client")?,
        scope: r.str("scope")?,
        auth_time: instant(r, "auth_time")?,
        amr: amr(r)?,
        created_at: instant(r, "created_at")?,
        expires_at: instant(r, "expires_at")?,
        used_at: r.opt_int("used_at")?.map(from_millis),
        revoked_at: r.opt_int("revoked_at")?.map(from_millis),
    })
}

pub(crate) const DEVICE_COLUMNS: &str =
    "id, digest, user_code, client_id, scope, user_tenant, created_at, expires_at, \
     last_poll_at, status, approved_tenant, user_id, session_id, auth_time, amr";

pub(crate) fn device_code(r: &impl Get) -> StoreResult<DeviceCodeRecord> {
    let status = match r.str("status")?.as_str() {
        "pending" => DeviceStatus::Pending,
        "denied" => DeviceStatus::Denied,
        "redeemed" => DeviceStatus::Redeemed,
        "approved" => DeviceStatus::Approved(DeviceApproval {
            tenant: guid(r, "approved_tenant")?,
            user_id: guid(r, "user_id")?,
            session_id: guid(r, "session_id")?,
            auth_time: instant(r, "auth_time")?,
            amr: amr(r)?,
        }),
        other => return Err(StoreError::Corrupt(format!("bad device status {other:?}"))),
    };
    Ok(DeviceCodeRecord {
        id: guid(r, "id")?,
        digest: r.bytes("digest")?,
        user_code: r.str("user_code")?,
        client_id: guid(r, "client_id")?,
        scope: r.str("scope")?,
        user_tenant: opt_guid(r, "user_tenant")?,
        created_at: instant(r, "created_at")?,
        expires_at: instant(r, "expires_at")?,
        last_poll_at: r.opt_int("last_poll_at")?.map(from_millis),
        status,
    })
}

pub(crate) fn pushed_request(r: &impl Get) -> StoreResult<PushedRequest> {
    Ok(PushedRequest {
        digest: r.bytes("digest")?,
        client_id: guid(r, "client_id")?,
        params: r.str("params")?,
        created_at: instant(r, "created_at")?,
        expires_at: instant(r, "expires_at")?,
        used_at: r.opt_int("used_at")?.map(from_millis),
    })
}
