//! Applications (app registrations), service principals, their roles,
//! permission scopes and credentials, and the assignments and grants that
//! connect principals to them. Shapes follow Graph v1.0.
use crate::group::ObjectKind;
use crate::ids::{AppId, ObjectId, TenantId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// Who may sign in to an application (Graph `signInAudience`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignInAudience {
    #[default]
    AzureADMyOrg,
    AzureADMultipleOrgs,
    AzureADandPersonalMicrosoftAccount,
    PersonalMicrosoftAccount,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RedirectUris {
    #[serde(default)]
    pub redirect_uris: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebApplication {
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    pub logout_url: Option<String>,
}

/// A role an application defines (Graph `appRole`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRole {
    pub id: Uuid,
    /// "User" and/or "Application".
    pub allowed_member_types: Vec<String>,
    pub description: String,
    pub display_name: String,
    pub is_enabled: bool,
    pub value: Option<String>,
}

/// A delegated permission an API exposes (Graph `permissionScope`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionScope {
    pub id: Uuid,
    pub admin_consent_description: String,
    pub admin_consent_display_name: String,
    pub user_consent_description: Option<String>,
    pub user_consent_display_name: Option<String>,
    pub is_enabled: bool,
    /// "User" (users may consent) or "Admin" (admin consent required).
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiApplication {
    #[serde(default)]
    pub oauth2_permission_scopes: Vec<PermissionScope>,
    pub requested_access_token_version: Option<i32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceAccess {
    pub id: Uuid,
    /// "Scope" (delegated) or "Role" (application).
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequiredResourceAccess {
    pub resource_app_id: AppId,
    pub resource_access: Vec<ResourceAccess>,
}

/// The configurable parts of an application, stored as one document.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSettings {
    #[serde(default)]
    pub identifier_uris: Vec<String>,
    #[serde(default)]
    pub web: WebApplication,
    #[serde(default)]
    pub spa: RedirectUris,
    #[serde(default)]
    pub public_client: RedirectUris,
    #[serde(default)]
    pub api: ApiApplication,
    #[serde(default)]
    pub app_roles: Vec<AppRole>,
    #[serde(default)]
    pub required_resource_access: Vec<RequiredResourceAccess>,
    /// None, SecurityGroup, DirectoryRole, ApplicationGroup or All.
    pub group_membership_claims: Option<String>,
    pub publisher_domain: Option<String>,
    /// Graph's "Allow public client flows": whether the device code grant
    /// may be used without a client credential.
    pub is_fallback_public_client: Option<bool>,
    /// Tessera's own: the algorithm ("RS256", "ES256", "EdDSA") of the
    /// access tokens issued *for* this application as a resource, and of
    /// the ID tokens issued *to* it as a client. Unset: the tenant's.
    pub token_signing_alg: Option<String>,
    #[serde(default)]
    pub optional_claims: Option<serde_json::Value>,
}

/// An application registration (Graph `application`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    pub id: ObjectId,
    pub app_id: AppId,
    pub display_name: String,
    pub sign_in_audience: SignInAudience,
    #[serde(flatten)]
    pub settings: ApplicationSettings,
    #[serde(with = "time::serde::rfc3339")]
    pub created_date_time: OffsetDateTime,
}

/// A client secret's metadata (Graph `passwordCredential`). The secret itself
/// is never stored: only its SHA-256 digest, held by the store beside this.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordCredential {
    pub key_id: Uuid,
    pub display_name: Option<String>,
    pub hint: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub start_date_time: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub end_date_time: OffsetDateTime,
}

/// A certificate or public key of an application (Graph `keyCredential`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyCredential {
    pub key_id: Uuid,
    pub display_name: Option<String>,
    /// "AsymmetricX509Cert".
    #[serde(rename = "type")]
    pub kind: String,
    /// "Verify" (client authentication) or "Sign".
    pub usage: String,
    /// DER bytes of the certificate (base64 on the wire).
    #[serde(skip)]
    pub key: Vec<u8>,
    /// SHA-1 or SHA-256 thumbprint (the `x5t`/`x5t#S256` a client presents).
    #[serde(skip)]
    pub thumbprint: Vec<u8>,
    #[serde(with = "time::serde::rfc3339")]
    pub start_date_time: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub end_date_time: OffsetDateTime,
}

/// An application's instance in a tenant (Graph `servicePrincipal`). It carries
/// its own copy of the roles and scopes, so that resources whose application
/// lives elsewhere (the built-in directory API) are described in every tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipal {
    pub id: ObjectId,
    pub app_id: AppId,
    pub app_owner_organization_id: Option<TenantId>,
    pub display_name: String,
    pub account_enabled: bool,
    /// "Application" for app registrations.
    pub service_principal_type: String,
    #[serde(default)]
    pub service_principal_names: Vec<String>,
    #[serde(default)]
    pub app_roles: Vec<AppRole>,
    #[serde(default)]
    pub oauth2_permission_scopes: Vec<PermissionScope>,
    #[serde(default)]
    pub app_role_assignment_required: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_date_time: OffsetDateTime,
}

impl ServicePrincipal {
    /// The instance of `app` (registered in tenant `home`) in some tenant:
    /// its names, roles and scopes copied from the registration.
    pub fn for_application(
        app: &Application,
        home: TenantId,
        id: ObjectId,
        now: OffsetDateTime,
    ) -> Self {
        Self {
            id,
            app_id: app.app_id,
            app_owner_organization_id: Some(home),
            display_name: app.display_name.clone(),
            account_enabled: true,
            service_principal_type: "Application".into(),
            service_principal_names: std::iter::once(app.app_id.to_string())
                .chain(app.settings.identifier_uris.iter().cloned())
                .collect(),
            app_roles: app.settings.app_roles.clone(),
            oauth2_permission_scopes: app.settings.api.oauth2_permission_scopes.clone(),
            app_role_assignment_required: false,
            created_date_time: now,
        }
    }
}

/// A principal (user, group or service principal) holding an app role of a
/// resource service principal (Graph `appRoleAssignment`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRoleAssignment {
    pub id: ObjectId,
    pub app_role_id: Uuid,
    pub principal_id: ObjectId,
    pub principal_type: ObjectKind,
    pub resource_id: ObjectId,
    #[serde(with = "time::serde::rfc3339")]
    pub created_date_time: OffsetDateTime,
}

/// Consent to delegated scopes (Graph `oAuth2PermissionGrant`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuth2PermissionGrant {
    pub id: ObjectId,
    /// The client's service principal id.
    pub client_id: ObjectId,
    /// "AllPrincipals" (admin consent) or "Principal" (one user).
    pub consent_type: String,
    pub principal_id: Option<ObjectId>,
    /// The resource's service principal id.
    pub resource_id: ObjectId,
    /// Space-separated scope values.
    pub scope: String,
}

/// A directory role held by a principal (Graph `unifiedRoleAssignment`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryRoleAssignment {
    pub id: ObjectId,
    pub role_definition_id: Uuid,
    pub principal_id: ObjectId,
    pub directory_scope_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn application_serialises_in_graph_shape() {
        let app = Application {
            id: ObjectId::from_u128(1),
            app_id: AppId::from_u128(2),
            display_name: "Demo".into(),
            sign_in_audience: SignInAudience::AzureADMultipleOrgs,
            settings: ApplicationSettings {
                spa: RedirectUris {
                    redirect_uris: vec!["https://app.example/cb".into()],
                },
                ..Default::default()
            },
            created_date_time: time::macros::datetime!(2026-01-02 03:04:05 UTC),
        };
        let v = serde_json::to_value(&app).unwrap();
        assert_eq!(v["appId"], "00000000-0000-0000-0000-000000000002");
        assert_eq!(v["signInAudience"], "AzureADMultipleOrgs");
        assert_eq!(v["spa"]["redirectUris"][0], "https://app.example/cb");
        assert_eq!(v["createdDateTime"], "2026-01-02T03:04:05Z");
        let back: Application = serde_json::from_value(v).unwrap();
        assert_eq!(back, app);
    }
}
