//! The directory API's OpenAPI 3.0 document, served at
//! `/v1.0/$openapi.json` (no token needed: it describes, it does not
//! reveal). Built from one route table here; the test suite runs
//! schemathesis against it (every operation, generated inputs, no server
//! errors allowed) and checks every route it lists answers.
//!
//! Written as data rather than derived with utoipa annotations: the
//! handlers read bodies by hand (for Graph's per-property errors), so
//! there are no typed request structs to derive from, and one table is
//! easier to keep true than forty annotations. Keeping it in step with the
//! routes is the risk; `graph::openapi::every_documented_route_exists`
//! (integration test) catches a documented route that is gone.
use crate::state::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1.0/$openapi.json", get(document))
}

async fn document(State(s): State<AppState>) -> Json<Value> {
    Json(build(&s.public_url))
}

/// `(method, path, permission note, request schema, success status, response schema)`.
type Op = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    u16,
    Option<&'static str>,
);

const OPS: &[Op] = &[
    (
        "get",
        "/users",
        "List users",
        None,
        200,
        Some("UserCollection"),
    ),
    (
        "post",
        "/users",
        "Create a user",
        Some("UserCreate"),
        201,
        Some("User"),
    ),
    (
        "get",
        "/users/$count",
        "Count users (ConsistencyLevel: eventual)",
        None,
        200,
        None,
    ),
    (
        "get",
        "/users/{id}",
        "Get a user by id or userPrincipalName",
        None,
        200,
        Some("User"),
    ),
    (
        "patch",
        "/users/{id}",
        "Update a user",
        Some("UserUpdate"),
        204,
        None,
    ),
    ("delete", "/users/{id}", "Delete a user", None, 204, None),
    (
        "get",
        "/users/{id}/memberOf",
        "Groups the user is a direct member of",
        None,
        200,
        Some("DirectoryObjectCollection"),
    ),
    (
        "get",
        "/users/{id}/transitiveMemberOf",
        "Groups the user is in, nested included",
        None,
        200,
        Some("DirectoryObjectCollection"),
    ),
    (
        "get",
        "/users/{id}/ownedObjects",
        "Groups the user owns",
        None,
        200,
        Some("DirectoryObjectCollection"),
    ),
    (
        "post",
        "/users/{id}/revokeSignInSessions",
        "Revoke the user's sessions and tokens",
        None,
        200,
        None,
    ),
    (
        "get",
        "/users/{id}/appRoleAssignments",
        "App roles the user holds",
        None,
        200,
        Some("AppRoleAssignmentCollection"),
    ),
    (
        "post",
        "/users/{id}/appRoleAssignments",
        "Assign an app role to the user",
        Some("AppRoleAssignmentCreate"),
        201,
        Some("AppRoleAssignment"),
    ),
    (
        "get",
        "/me",
        "The signed-in user (delegated)",
        None,
        200,
        Some("User"),
    ),
    (
        "get",
        "/groups",
        "List groups",
        None,
        200,
        Some("GroupCollection"),
    ),
    (
        "post",
        "/groups",
        "Create a group",
        Some("GroupCreate"),
        201,
        Some("Group"),
    ),
    (
        "get",
        "/groups/$count",
        "Count groups (ConsistencyLevel: eventual)",
        None,
        200,
        None,
    ),
    (
        "get",
        "/groups/{id}",
        "Get a group",
        None,
        200,
        Some("Group"),
    ),
    (
        "patch",
        "/groups/{id}",
        "Update a group",
        Some("GroupUpdate"),
        204,
        None,
    ),
    ("delete", "/groups/{id}", "Delete a group", None, 204, None),
    (
        "get",
        "/groups/{id}/members",
        "Direct members",
        None,
        200,
        Some("DirectoryObjectCollection"),
    ),
    (
        "post",
        "/groups/{id}/members/$ref",
        "Add a member",
        Some("Reference"),
        204,
        None,
    ),
    (
        "delete",
        "/groups/{id}/members/{member}/$ref",
        "Remove a member",
        None,
        204,
        None,
    ),
    (
        "get",
        "/groups/{id}/transitiveMembers",
        "Members, nested included",
        None,
        200,
        Some("DirectoryObjectCollection"),
    ),
    (
        "get",
        "/groups/{id}/owners",
        "Owners",
        None,
        200,
        Some("DirectoryObjectCollection"),
    ),
    (
        "post",
        "/groups/{id}/owners/$ref",
        "Add an owner",
        Some("Reference"),
        204,
        None,
    ),
    (
        "delete",
        "/groups/{id}/owners/{owner}/$ref",
        "Remove an owner",
        None,
        204,
        None,
    ),
    (
        "get",
        "/groups/{id}/memberOf",
        "Groups the group is a direct member of",
        None,
        200,
        Some("DirectoryObjectCollection"),
    ),
    (
        "get",
        "/groups/{id}/transitiveMemberOf",
        "Groups the group is in, nested included",
        None,
        200,
        Some("DirectoryObjectCollection"),
    ),
    (
        "get",
        "/groups/{id}/appRoleAssignments",
        "App roles the group holds",
        None,
        200,
        Some("AppRoleAssignmentCollection"),
    ),
    (
        "get",
        "/applications",
        "List applications",
        None,
        200,
        Some("ApplicationCollection"),
    ),
    (
        "post",
        "/applications",
        "Register an application",
        Some("ApplicationWrite"),
        201,
        Some("Application"),
    ),
    (
        "get",
        "/applications/{id}",
        "Get an application",
        None,
        200,
        Some("Application"),
    ),
    (
        "patch",
        "/applications/{id}",
        "Update an application",
        Some("ApplicationWrite"),
        204,
        None,
    ),
    (
        "delete",
        "/applications/{id}",
        "Delete an application",
        None,
        204,
        None,
    ),
    (
        "post",
        "/applications/{id}/addPassword",
        "Add a client secret (its text is returned once)",
        Some("AddPassword"),
        200,
        Some("PasswordCredential"),
    ),
    (
        "post",
        "/applications/{id}/removePassword",
        "Remove a client secret",
        Some("RemovePassword"),
        204,
        None,
    ),
    (
        "get",
        "/applications/{id}/extensionProperties",
        "Declared extension properties",
        None,
        200,
        None,
    ),
    (
        "post",
        "/applications/{id}/extensionProperties",
        "Declare an extension property",
        Some("ExtensionPropertyCreate"),
        201,
        None,
    ),
    (
        "delete",
        "/applications/{id}/extensionProperties/{ext}",
        "Remove an extension property",
        None,
        204,
        None,
    ),
    (
        "get",
        "/servicePrincipals",
        "List service principals",
        None,
        200,
        Some("ServicePrincipalCollection"),
    ),
    (
        "post",
        "/servicePrincipals",
        "Create an application's service principal",
        Some("ServicePrincipalCreate"),
        201,
        Some("ServicePrincipal"),
    ),
    (
        "get",
        "/servicePrincipals/{id}",
        "Get a service principal",
        None,
        200,
        Some("ServicePrincipal"),
    ),
    (
        "patch",
        "/servicePrincipals/{id}",
        "Update a service principal",
        Some("ServicePrincipalUpdate"),
        204,
        None,
    ),
    (
        "delete",
        "/servicePrincipals/{id}",
        "Delete a service principal",
        None,
        204,
        None,
    ),
    (
        "get",
        "/servicePrincipals/{id}/appRoleAssignedTo",
        "Assignments of this resource's roles",
        None,
        200,
        Some("AppRoleAssignmentCollection"),
    ),
    (
        "post",
        "/servicePrincipals/{id}/appRoleAssignedTo",
        "Assign one of this resource's roles",
        Some("AppRoleAssignmentCreate"),
        201,
        Some("AppRoleAssignment"),
    ),
    (
        "delete",
        "/servicePrincipals/{id}/appRoleAssignedTo/{assignment}",
        "Remove an assignment",
        None,
        204,
        None,
    ),
    (
        "get",
        "/servicePrincipals/{id}/appRoleAssignments",
        "App roles this service principal holds",
        None,
        200,
        Some("AppRoleAssignmentCollection"),
    ),
    (
        "post",
        "/servicePrincipals/{id}/appRoleAssignments",
        "Assign an app role to this service principal",
        Some("AppRoleAssignmentCreate"),
        201,
        Some("AppRoleAssignment"),
    ),
    (
        "get",
        "/oauth2PermissionGrants",
        "Delegated permission grants",
        None,
        200,
        None,
    ),
    (
        "post",
        "/oauth2PermissionGrants",
        "Grant delegated permissions",
        Some("PermissionGrantCreate"),
        201,
        None,
    ),
    (
        "get",
        "/oauth2PermissionGrants/{id}",
        "Get a grant",
        None,
        200,
        None,
    ),
    (
        "patch",
        "/oauth2PermissionGrants/{id}",
        "Change a grant's scopes",
        Some("PermissionGrantUpdate"),
        204,
        None,
    ),
    (
        "delete",
        "/oauth2PermissionGrants/{id}",
        "Revoke a grant",
        None,
        204,
        None,
    ),
    (
        "get",
        "/roleManagement/directory/roleDefinitions",
        "Built-in directory roles",
        None,
        200,
        None,
    ),
    (
        "get",
        "/roleManagement/directory/roleDefinitions/{id}",
        "A built-in directory role",
        None,
        200,
        None,
    ),
    (
        "get",
        "/roleManagement/directory/roleAssignments",
        "Directory role assignments",
        None,
        200,
        None,
    ),
    (
        "post",
        "/roleManagement/directory/roleAssignments",
        "Assign a directory role",
        Some("RoleAssignmentCreate"),
        201,
        None,
    ),
    (
        "get",
        "/roleManagement/directory/roleAssignments/{id}",
        "A directory role assignment",
        None,
        200,
        None,
    ),
    (
        "delete",
        "/roleManagement/directory/roleAssignments/{id}",
        "Remove a directory role assignment",
        None,
        204,
        None,
    ),
    (
        "get",
        "/organization",
        "The caller's organization",
        None,
        200,
        None,
    ),
    (
        "get",
        "/organization/{id}",
        "The caller's organization by id",
        None,
        200,
        None,
    ),
    (
        "get",
        "/domains",
        "The organization's domains",
        None,
        200,
        None,
    ),
    ("get", "/domains/{name}", "A domain", None, 200, None),
];

/// Every documented `(method, path)` (for the route test).
pub fn operations() -> Vec<(&'static str, &'static str)> {
    OPS.iter().map(|o| (o.0, o.1)).collect()
}

fn string() -> Value {
    json!({ "type": "string" })
}
fn nullable_string() -> Value {
    json!({ "type": "string", "nullable": true })
}
fn uuid() -> Value {
    json!({ "type": "string", "format": "uuid" })
}
fn strings() -> Value {
    json!({ "type": "array", "items": { "type": "string" } })
}
fn object(props: &[(&str, Value)], required: &[&str]) -> Value {
    let mut p = Map::new();
    for (k, v) in props {
        p.insert((*k).into(), v.clone());
    }
    let mut o = json!({ "type": "object", "properties": p });
    if !required.is_empty() {
        o["required"] = json!(required);
    }
    o
}
fn collection(item: &str) -> Value {
    object(
        &[
            ("@odata.context", string()),
            ("@odata.nextLink", string()),
            ("@odata.count", json!({ "type": "integer" })),
            (
                "value",
                json!({ "type": "array", "items": { "$ref": format!("#/components/schemas/{item}") } }),
            ),
        ],
        &["value"],
    )
}

fn schemas() -> Value {
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

fn params_for(path: &str, method: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for seg in path.split('/') {
        if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            out.push(json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }));
        }
    }
    let listing =
        method == "get" && !path.ends_with('}') && !path.ends_with("$count") && path != "/me";
    if method == "get" {
        out.push(json!({ "name": "$select", "in": "query", "required": false, "schema": { "type": "string" } }));
    }
    if listing {
        for (name, schema) in [
            ("$filter", json!({ "type": "string" })),
            (
                "$top",
                json!({ "type": "integer", "minimum": 1, "maximum": 999 }),
            ),
            ("$orderby", json!({ "type": "string" })),
            ("$count", json!({ "type": "boolean" })),
            ("$skiptoken", json!({ "type": "string" })),
        ] {
            out.push(json!({ "name": name, "in": "query", "required": false, "schema": schema }));
        }
        out.push(json!({ "name": "ConsistencyLevel", "in": "header", "required": false, "schema": { "type": "string", "enum": ["eventual"] } }));
    }
    out
}

pub fn build(public_url: &str) -> Value {
    let mut paths = Map::new();
    for (method, path, summary, request, status, response) in OPS {
        let mut op = json!({
            "summary": summary,
            "operationId": format!("{method}{}", path.replace(['/', '{', '}', '$'], "_")),
            "parameters": params_for(path, method),
            "responses": {
                "400": { "description": "Bad request", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ODataError" } } } },
                "401": { "description": "Missing or invalid token", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ODataError" } } } },
                "403": { "description": "Insufficient privileges", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ODataError" } } } },
                "404": { "description": "Not found", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ODataError" } } } },
            },
        });
        let ok = match (response, path.ends_with("$count")) {
            (_, true) => {
                json!({ "description": "The count", "content": { "text/plain": { "schema": { "type": "integer" } } } })
            }
            (Some(r), _) => {
                json!({ "description": "Success", "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{r}") } } } })
            }
            (None, _) if *status == 204 => json!({ "description": "Done" }),
            (None, _) => {
                json!({ "description": "Success", "content": { "application/json": { "schema": { "type": "object" } } } })
            }
        };
        op["responses"][status.to_string()] = ok;
        if let Some(r) = request {
            op["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{r}") } } } });
        }
        let entry = paths
            .entry(format!("/v1.0{path}"))
            .or_insert_with(|| json!({}));
        entry[*method] = op;
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Tessera directory API",
            "version": "v1.0",
            "description": "Microsoft Graph v1.0-shaped directory API. Authorization: a Bearer token for https://graph.microsoft.com from this server's token endpoint.",
        },
        "servers": [{ "url": public_url.trim_end_matches('/') }],
        "security": [{ "bearer": [] }],
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" } },
            "schemas": schemas(),
        },
        "paths": paths,
    })
}
