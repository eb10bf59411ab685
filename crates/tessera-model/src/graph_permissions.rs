//! The built-in directory API resource ("Microsoft Graph" in Entra): its app id,
//! identifier URIs, application permissions (app roles) and delegated
//! permissions (scopes). Ids are Microsoft Graph's published permission ids, so
//! `requiredResourceAccess` written for Entra means the same here.
use crate::application::{AppRole, PermissionScope};
use crate::ids::AppId;
use uuid::{uuid, Uuid};

/// Microsoft Graph's well-known application id.
pub const GRAPH_APP_ID: AppId = AppId(uuid!("00000003-0000-0000-c000-000000000000"));
pub const GRAPH_DISPLAY_NAME: &str = "Microsoft Graph";
/// Identifier URI that Graph SDKs use in their default scope.
pub const GRAPH_IDENTIFIER_URI: &str = "https://graph.microsoft.com";

pub struct Permission {
    pub id: Uuid,
    pub value: &'static str,
    pub display_name: &'static str,
    pub description: &'static str,
}

macro_rules! perms {
    ($($id:literal $value:literal $display:literal $desc:literal;)*) => {
        &[$(Permission { id: uuid!($id), value: $value, display_name: $display, description: $desc }),*]
    };
}

/// Application permissions (`roles` claim of app-only tokens).
pub const APPLICATION_PERMISSIONS: &[Permission] = perms! {
    "7ab1d382-f21e-4acd-a863-ba3e13f7da61" "Directory.Read.All" "Read directory data" "Allows the app to read data in your organization's directory without a signed-in user.";
    "19dbc75e-c2e2-444c-a770-ec69d8559fc7" "Directory.ReadWrite.All" "Read and write directory data" "Allows the app to read and write data in your organization's directory without a signed-in user.";
    "df021288-bdef-4463-88db-98f22de89214" "User.Read.All" "Read all users' full profiles" "Allows the app to read user profiles without a signed-in user.";
    "741f803b-c850-494e-b5df-cde7c675a1ca" "User.ReadWrite.All" "Read and write all users' full profiles" "Allows the app to read and update user profiles without a signed-in user.";
    "5b567255-7703-4780-807c-7be8301ae99b" "Group.Read.All" "Read all groups" "Allows the app to read group properties and memberships without a signed-in user.";
    "62a82d76-70ea-41e2-9197-370581804d09" "Group.ReadWrite.All" "Read and write all groups" "Allows the app to create groups and read and update all group properties and memberships without a signed-in user.";
    "dbaae8cf-10b5-4b86-a4a1-f871c94c6695" "GroupMember.ReadWrite.All" "Read and write all group memberships" "Allows the app to list groups, read basic properties, read and update the membership of groups without a signed-in user.";
    "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30" "Application.Read.All" "Read all applications" "Allows the app to read all applications and service principals without a signed-in user.";
    "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9" "Application.ReadWrite.All" "Read and write all applications" "Allows the app to create, read, update and delete applications and service principals without a signed-in user.";
    "06b708a9-e830-4db3-a914-8e69da51d44f" "AppRoleAssignment.ReadWrite.All" "Manage app permission grants and app role assignments" "Allows the app to manage permission grants for application permissions to any API and application assignments for any app, without a signed-in user.";
    "8e8e4742-1d95-4f68-9d56-6ee75648c72a" "DelegatedPermissionGrant.ReadWrite.All" "Manage all delegated permission grants" "Allows the app to manage permission grants for delegated permissions exposed by any API, without a signed-in user.";
    "483bed4a-2ad3-4361-a73b-c83ccdbdc53c" "RoleManagement.Read.Directory" "Read all directory RBAC settings" "Allows the app to read the role-based access control settings for your company's directory, without a signed-in user.";
    "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8" "RoleManagement.ReadWrite.Directory" "Read and write all directory RBAC settings" "Allows the app to read and manage the role-based access control settings for your company's directory, without a signed-in user.";
    "7e05723c-0bb0-42da-be95-ae9f08a6e53c" "Domain.ReadWrite.All" "Read and write domains" "Allows the app to read and write all domain properties without a signed-in user.";
    "292d869f-3427-49a8-9dab-8c70152b74e9" "Organization.ReadWrite.All" "Read and write organization information" "Allows the app to read and write the organization and related resources, without a signed-in user.";
    "50483e42-d915-4231-9639-7fdb7fd190e5" "UserAuthenticationMethod.ReadWrite.All" "Read and write all users' authentication methods" "Allows the application to read and write authentication methods of all users in your organization, without a signed-in user.";
    "656f6061-f9fe-4807-9708-6a2e0934df76" "IdentityRiskyUser.ReadWrite.All" "Read and write all risky user information" "Allows the app to read and update identity risky user information for your organization without a signed-in user.";
    "38d9df27-64da-44fd-b7c5-a6fbac20248f" "UserAuthenticationMethod.Read.All" "Read all users' authentication methods" "Allows the app to read authentication methods of all users in your organization, without a signed-in user. Authentication methods include things like a user's phone numbers and Authenticator app settings. This does not allow the app to see secret information like passwords, or to sign-in or otherwise use the authentication methods.";
    "246dd0d5-5bd0-4def-940b-0421030a5b68" "Policy.Read.All" "Read your organization's policies" "Allows the app to read all your organization's policies without a signed in user.";
    "29c18626-4985-4dcd-85c0-193eef327366" "Policy.ReadWrite.AuthenticationMethod" "Read and write all authentication method policies" "Allows the app to read and write all authentication method policies for the tenant, without a signed-in user.";
    "1c6e93a6-28e2-4cbb-9f64-1a46a821124d" "Policy.ReadWrite.SecurityDefaults" "Read and write your organization's security defaults policy" "Allows the app to read and write your organization's security defaults policy, without a signed-in user.";
    "b0afded3-3588-46d8-8b3d-9842eff778da" "AuditLog.Read.All" "Read all audit log data" "Allows the app to read and query your audit log activities, without a signed-in user.";
};

/// Delegated permissions (`scp` claim of user tokens).
pub const DELEGATED_PERMISSIONS: &[Permission] = perms! {
    "37f7f235-527c-4136-accd-4a02d197296e" "openid" "Sign users in" "Allows users to sign in to the app with their work or school accounts and allows the app to see basic user profile information.";
    "14dad69e-099b-42c9-810b-d002981feec1" "profile" "View users' basic profile" "Allows the app to see your users' basic profile (e.g., name, picture, user name, email address).";
    "64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0" "email" "View users' email address" "Allows the app to read your users' primary email address.";
    "7427e0e9-2fba-42fe-b0c0-848c9e6a8182" "offline_access" "Maintain access to data you have given it access to" "Allows the app to see and update the data you gave it access to, even when users are not currently using the app.";
    "e1fe6dd8-ba31-4d61-89e7-88639da4683d" "User.Read" "Sign in and read user profile" "Allows users to sign-in to the app, and allows the app to read the profile of signed-in users.";
    "a154be20-db9c-4678-8ab7-66f6cc099a59" "User.Read.All" "Read all users' full profiles" "Allows the app to read the full set of profile properties of other users in your organization, on behalf of the signed-in user.";
    "204e0828-b5ca-4ad8-b9f3-f32a958e7cc4" "User.ReadWrite.All" "Read and write all users' full profiles" "Allows the app to read and write the full set of profile properties of other users in your organization, on behalf of the signed-in user.";
    "5f8c59db-677d-491f-a6b8-5f174b11ec1d" "Group.Read.All" "Read all groups" "Allows the app to list groups and read their properties and memberships on behalf of the signed-in user.";
    "4e46008b-f24c-477d-8fff-7bb4ec7aafe0" "Group.ReadWrite.All" "Read and write all groups" "Allows the app to create groups and read and update all group properties and memberships on behalf of the signed-in user.";
    "06da0dbc-49e2-44d2-8312-53f166ab848a" "Directory.Read.All" "Read directory data" "Allows the app to read data in your organization's directory on behalf of the signed-in user.";
    "c5366453-9fb0-48a5-a156-24f0c49a4b84" "Directory.ReadWrite.All" "Read and write directory data" "Allows the app to read and write data in your organization's directory on behalf of the signed-in user.";
    "c79f8feb-a9db-4090-85f9-90d820caa0eb" "Application.Read.All" "Read applications" "Allows the app to read applications and service principals on behalf of the signed-in user.";
    "bdfbf15f-ee85-4955-8675-146e8e5296b5" "Application.ReadWrite.All" "Read and write all applications" "Allows the app to create, read, update and delete applications and service principals on behalf of the signed-in user.";
    "1f6b61c5-2f65-4135-9c9f-31c0f8d32b52" "UserAuthenticationMethod.Read" "Read user authentication methods" "Allows the app to read the authentication methods of the signed-in user, including phone numbers and Authenticator app settings. This does not allow the app to see secret information like passwords, or to sign-in or otherwise use the authentication methods.";
    "48971fc1-70d7-4245-af77-0beb29b53ee2" "UserAuthenticationMethod.ReadWrite" "Read and write user authentication methods" "Allows the app to read and write the authentication methods of the signed-in user, including phone numbers and Authenticator app settings. This does not allow the app to see secret information like passwords, or to sign-in or otherwise use the authentication methods.";
    "aec28ec7-4d02-4e8c-b864-50163aea77eb" "UserAuthenticationMethod.Read.All" "Read all users' authentication methods" "Allows the app to read authentication methods of all users in your organization that the signed-in user has access to. Authentication methods include things like a user's phone numbers and Authenticator app settings. This does not allow the app to see secret information like passwords, or to sign-in or otherwise use the authentication methods.";
    "b7887744-6746-4312-813d-72daeaee7e2d" "UserAuthenticationMethod.ReadWrite.All" "Read and write all users' authentication methods" "Allows the app to read and write authentication methods of all users in your organization that the signed-in user has access to. Authentication methods include things like a user's phone numbers and Authenticator app settings. This does not allow the app to see secret information like passwords, or to sign-in or otherwise use the authentication methods.";
    "572fea84-0151-49b2-9301-11cb16974376" "Policy.Read.All" "Read your organization's policies" "Allows the app to read your organization's policies on behalf of the signed-in user.";
    "7e823077-d88e-468f-a337-e18f1f0e6c7c" "Policy.ReadWrite.AuthenticationMethod" "Read and write authentication method policies" "Allows the app to read and write the authentication method policies, on behalf of the signed-in user.";
    "0b2a744c-2abf-4f1e-ad7e-17a087e2be99" "Policy.ReadWrite.SecurityDefaults" "Read and write your organization's security defaults policy" "Allows the app to read and write your organization's security defaults policy on behalf of the signed-in user.";
    "e4c9e354-4dc5-45b8-9e7c-e1393b0b1a20" "AuditLog.Read.All" "Read audit log data" "Allows the app to read and query your audit log activities, on behalf of the signed-in user.";
};

/// Scopes that need an administrator's consent (everything but sign-in basics).
pub fn delegated_needs_admin(value: &str) -> bool {
    !matches!(
        value,
        "openid" | "profile" | "email" | "offline_access" | "User.Read"
    )
}

pub fn app_roles() -> Vec<AppRole> {
    APPLICATION_PERMISSIONS
        .iter()
        .map(|p| AppRole {
            id: p.id,
            allowed_member_types: vec!["Application".into()],
            description: p.description.into(),
            display_name: p.display_name.into(),
            is_enabled: true,
            value: Some(p.value.into()),
        })
        .collect()
}

pub fn scopes() -> Vec<PermissionScope> {
    DELEGATED_PERMISSIONS
        .iter()
        .map(|p| PermissionScope {
            id: p.id,
            admin_consent_description: p.description.into(),
            admin_consent_display_name: p.display_name.into(),
            user_consent_description: Some(p.description.into()),
            user_consent_display_name: Some(p.display_name.into()),
            is_enabled: true,
            kind: if delegated_needs_admin(p.value) {
                "Admin"
            } else {
                "User"
            }
            .into(),
            value: p.value.into(),
        })
        .collect()
}

pub fn application_permission(value: &str) -> Option<&'static Permission> {
    APPLICATION_PERMISSIONS.iter().find(|p| p.value == value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_and_values_are_unique() {
        for list in [APPLICATION_PERMISSIONS, DELEGATED_PERMISSIONS] {
            let ids: HashSet<_> = list.iter().map(|p| p.id).collect();
            let values: HashSet<_> = list.iter().map(|p| p.value).collect();
            assert_eq!(ids.len(), list.len());
            assert_eq!(values.len(), list.len());
        }
        assert!(application_permission("Directory.ReadWrite.All").is_some());
        assert!(application_permission("Nope.All").is_none());
        assert_eq!(scopes().iter().filter(|s| s.kind == "User").count(), 5);
    }
}
