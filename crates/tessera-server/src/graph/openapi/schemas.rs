//! The request and response schemas the operations name.
use super::{collection, nullable_string, object, string, strings, uuid};
use serde_json::{json, Value};

pub(super) fn schemas() -> Value {
    let user_props = vec![
        ("userPrincipalName", string()),
        ("displayName", string()),
        ("givenName", nullable_string()),
        ("surname", nullable_string()),
        ("mail", nullable_string()),
        ("accountEnabled", json!({ "type": "boolean" })),
        ("mailNickname", nullable_string()),
        ("jobTitle", nullable_string()),
        ("department", nullable_string()),
        ("officeLocation", nullable_string()),
        ("mobilePhone", nullable_string()),
        ("usageLocation", nullable_string()),
        ("employeeId", nullable_string()),
        ("companyName", nullable_string()),
        ("city", nullable_string()),
        ("country", nullable_string()),
        ("preferredLanguage", nullable_string()),
        (
            "userType",
            json!({ "type": "string", "enum": ["Member", "Guest"], "nullable": true }),
        ),
        ("otherMails", strings()),
        ("businessPhones", strings()),
    ];
    let mut user_create = user_props.clone();
    user_create.push((
        "passwordProfile",
        object(
            &[
                ("password", string()),
                (
                    "forceChangePasswordNextSignIn",
                    json!({ "type": "boolean" }),
                ),
            ],
            &[],
        ),
    ));
    let mut user = user_props.clone();
    user.push(("id", uuid()));
    user.push((
        "createdDateTime",
        json!({ "type": "string", "format": "date-time" }),
    ));
    let group_props = vec![
        ("displayName", string()),
        ("description", nullable_string()),
        ("mailNickname", string()),
        ("mailEnabled", json!({ "type": "boolean" })),
        ("securityEnabled", json!({ "type": "boolean" })),
        (
            "visibility",
            json!({ "type": "string", "enum": ["Public", "Private", "HiddenMembership"], "nullable": true }),
        ),
    ];
    let mut group_create = group_props.clone();
    group_create.push(("groupTypes", strings()));
    group_create.push(("members@odata.bind", strings()));
    let mut group = group_create.clone();
    group.push(("id", uuid()));
    let redirects = object(&[("redirectUris", strings())], &[]);
    let app_write = object(
        &[
            ("displayName", string()),
            (
                "signInAudience",
                json!({ "type": "string", "enum": ["AzureADMyOrg", "AzureADMultipleOrgs", "AzureADandPersonalMicrosoftAccount", "PersonalMicrosoftAccount"] }),
            ),
            ("identifierUris", strings()),
            (
                "web",
                object(
                    &[
                        ("redirectUris", strings()),
                        ("logoutUrl", nullable_string()),
                    ],
                    &[],
                ),
            ),
            ("spa", redirects.clone()),
            ("publicClient", redirects),
            ("groupMembershipClaims", nullable_string()),
            (
                "isFallbackPublicClient",
                json!({ "type": "boolean", "nullable": true }),
            ),
            (
                "tokenSigningAlg",
                json!({ "type": "string", "enum": ["RS256", "ES256", "EdDSA"], "nullable": true }),
            ),
            ("publisherDomain", nullable_string()),
        ],
        &[],
    );
    let mut app = app_write.clone();
    app["properties"]["id"] = uuid();
    app["properties"]["appId"] = uuid();
    let assignment_create = object(
        &[
            ("principalId", uuid()),
            ("resourceId", uuid()),
            ("appRoleId", uuid()),
        ],
        &["principalId", "resourceId", "appRoleId"],
    );
    json!({
        "User": object(&user, &[]),
        "UserCreate": object(&user_create, &["accountEnabled", "displayName", "mailNickname", "userPrincipalName"]),
        "UserUpdate": object(&user_create, &[]),
        "UserCollection": collection("User"),
        "Group": object(&group, &[]),
        "GroupCreate": object(&group_create, &["displayName", "mailEnabled", "mailNickname", "securityEnabled"]),
        "GroupUpdate": object(&group_props, &[]),
        "GroupCollection": collection("Group"),
        "DirectoryObject": object(&[("@odata.type", string()), ("id", uuid())], &[]),
        "DirectoryObjectCollection": collection("DirectoryObject"),
        "Reference": object(&[("@odata.id", string())], &["@odata.id"]),
        "Application": app,
        "ApplicationWrite": app_write,
        "ApplicationCollection": collection("Application"),
        "AddPassword": object(&[("passwordCredential", object(&[("displayName", string()), ("endDateTime", json!({ "type": "string", "format": "date-time" }))], &[]))], &[]),
        "AddKey": object(&[("keyCredential", object(&[("type", string()), ("usage", string()), ("key", string()), ("displayName", string())], &["type", "usage", "key"])), ("proof", string())], &["keyCredential", "proof"]),
        "RemoveKey": object(&[("keyId", uuid()), ("proof", string())], &["keyId", "proof"]),
        "RemovePassword": object(&[("keyId", uuid())], &["keyId"]),
        "PasswordCredential": object(&[("keyId", uuid()), ("displayName", nullable_string()), ("hint", string()), ("secretText", string())], &[]),
        "ExtensionPropertyCreate": object(&[("name", string()), ("dataType", json!({ "type": "string", "enum": ["String", "Integer", "LargeInteger", "Boolean", "DateTime"] })), ("targetObjects", strings())], &["name", "dataType", "targetObjects"]),
        "ServicePrincipal": object(&[("id", uuid()), ("appId", uuid()), ("displayName", string()), ("accountEnabled", json!({ "type": "boolean" }))], &[]),
        "ServicePrincipalCreate": object(&[("appId", uuid())], &["appId"]),
        "ServicePrincipalUpdate": object(&[("accountEnabled", json!({ "type": "boolean" })), ("appRoleAssignmentRequired", json!({ "type": "boolean" })), ("displayName", string())], &[]),
        "ServicePrincipalCollection": collection("ServicePrincipal"),
        "AppRoleAssignment": object(&[("id", uuid()), ("appRoleId", uuid()), ("principalId", uuid()), ("principalType", string()), ("resourceId", uuid())], &[]),
        "AppRoleAssignmentCreate": assignment_create,
        "AppRoleAssignmentCollection": collection("AppRoleAssignment"),
        "PermissionGrantCreate": object(&[("clientId", uuid()), ("consentType", json!({ "type": "string", "enum": ["AllPrincipals", "Principal"] })), ("principalId", json!({ "type": "string", "format": "uuid", "nullable": true })), ("resourceId", uuid()), ("scope", string())], &["clientId", "consentType", "resourceId", "scope"]),
        "PermissionGrantUpdate": object(&[("scope", string())], &["scope"]),
        "RoleAssignmentCreate": object(&[("roleDefinitionId", uuid()), ("principalId", uuid()), ("directoryScopeId", string())], &["roleDefinitionId", "principalId"]),
        "ODataError": object(&[("error", object(&[("code", string()), ("message", string()), ("innerError", object(&[("date", string()), ("request-id", string()), ("client-request-id", string())], &[]))], &["code", "message"]))], &["error"]),
    })
}
