//! Strong authentication's operations: users' authentication methods,
//! the authentication policies, the password rules (directory settings)
//! and the sign-in log; and the schemas they name.
use super::{collection, nullable_string, object, string, strings, uuid, Op};
use serde_json::{json, Map, Value};

/// Paths (prefixes) whose GETs take no `$filter`/`$top`/`$orderby`/
/// `$count`/`$skiptoken`: single objects and short fixed collections.
pub(super) const SINGLE_OR_FIXED: &[&str] = &[
    "/users/{id}/authentication",
    "/me/authentication",
    "/policies",
    "/groupSetting",
];

macro_rules! methods_ops {
    ($base:literal) => {
        [
            (
                "get",
                concat!($base, "/authentication/methods"),
                "Every authentication method of the user",
                None,
                200,
                Some("AuthenticationMethodCollection"),
            ),
            (
                "get",
                concat!($base, "/authentication/methods/{method}"),
                "One authentication method",
                None,
                200,
                Some("AuthenticationMethod"),
            ),
            (
                "get",
                concat!($base, "/authentication/passwordMethods"),
                "The password method (never the password)",
                None,
                200,
                Some("AuthenticationMethodCollection"),
            ),
            (
                "get",
                concat!($base, "/authentication/passwordMethods/{method}"),
                "The password method",
                None,
                200,
                Some("AuthenticationMethod"),
            ),
            (
                "get",
                concat!($base, "/authentication/fido2Methods"),
                "FIDO2 passkeys",
                None,
                200,
                Some("AuthenticationMethodCollection"),
            ),
            (
                "get",
                concat!($base, "/authentication/fido2Methods/{method}"),
                "A FIDO2 passkey",
                None,
                200,
                Some("AuthenticationMethod"),
            ),
            (
                "delete",
                concat!($base, "/authentication/fido2Methods/{method}"),
                "Remove a FIDO2 passkey",
                None,
                204,
                None,
            ),
            (
                "get",
                concat!($base, "/authentication/softwareOathMethods"),
                "Authenticator apps (never the seed)",
                None,
                200,
                Some("AuthenticationMethodCollection"),
            ),
            (
                "get",
                concat!($base, "/authentication/softwareOathMethods/{method}"),
                "An authenticator app",
                None,
                200,
                Some("AuthenticationMethod"),
            ),
            (
                "delete",
                concat!($base, "/authentication/softwareOathMethods/{method}"),
                "Remove an authenticator app",
                None,
                204,
                None,
            ),
            (
                "get",
                concat!($base, "/authentication/temporaryAccessPassMethods"),
                "Temporary Access Passes (never the pass)",
                None,
                200,
                Some("AuthenticationMethodCollection"),
            ),
            (
                "get",
                concat!($base, "/authentication/temporaryAccessPassMethods/{method}"),
                "A Temporary Access Pass",
                None,
                200,
                Some("AuthenticationMethod"),
            ),
            (
                "delete",
                concat!($base, "/authentication/temporaryAccessPassMethods/{method}"),
                "Remove a Temporary Access Pass",
                None,
                204,
                None,
            ),
        ]
    };
}

static USER_METHODS: [Op; 13] = methods_ops!("/users/{id}");
static MY_METHODS: [Op; 13] = methods_ops!("/me");

static OTHERS: [Op; 17] = [
    (
        "post",
        "/users/{id}/authentication/temporaryAccessPassMethods",
        "Issue a Temporary Access Pass (shown in this answer only)",
        Some("TemporaryAccessPassCreate"),
        201,
        Some("AuthenticationMethod"),
    ),
    (
        "get",
        "/policies/authenticationMethodsPolicy",
        "The authentication methods policy",
        None,
        200,
        Some("AuthenticationMethodsPolicy"),
    ),
    (
        "get",
        "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{config}",
        "One method's configuration (Fido2, SoftwareOath, TemporaryAccessPass)",
        None,
        200,
        Some("AuthenticationMethodConfiguration"),
    ),
    (
        "patch",
        "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{config}",
        "Change one method's configuration",
        Some("AuthenticationMethodConfiguration"),
        204,
        None,
    ),
    (
        "get",
        "/policies/identitySecurityDefaultsEnforcementPolicy",
        "Security defaults",
        None,
        200,
        Some("SecurityDefaults"),
    ),
    (
        "patch",
        "/policies/identitySecurityDefaultsEnforcementPolicy",
        "Turn security defaults on or off",
        Some("SecurityDefaultsUpdate"),
        204,
        None,
    ),
    (
        "get",
        "/policies/authenticationStrengthPolicies",
        "The built-in authentication strengths",
        None,
        200,
        Some("AuthenticationStrengthPolicyCollection"),
    ),
    (
        "get",
        "/policies/authenticationStrengthPolicies/{id}",
        "A built-in authentication strength",
        None,
        200,
        Some("AuthenticationStrengthPolicy"),
    ),
    (
        "get",
        "/groupSettingTemplates",
        "Directory setting templates (Password Rule Settings)",
        None,
        200,
        None,
    ),
    (
        "get",
        "/groupSettingTemplates/{id}",
        "A directory setting template",
        None,
        200,
        None,
    ),
    (
        "get",
        "/groupSettings",
        "The tenant's directory settings",
        None,
        200,
        Some("GroupSettingCollection"),
    ),
    (
        "post",
        "/groupSettings",
        "Create the Password Rule Settings",
        Some("GroupSettingCreate"),
        201,
        Some("GroupSetting"),
    ),
    (
        "get",
        "/groupSettings/{id}",
        "A directory setting",
        None,
        200,
        Some("GroupSetting"),
    ),
    (
        "patch",
        "/groupSettings/{id}",
        "Change a directory setting's values",
        Some("GroupSettingUpdate"),
        204,
        None,
    ),
    (
        "delete",
        "/groupSettings/{id}",
        "Remove a directory setting (the defaults apply)",
        None,
        204,
        None,
    ),
    (
        "get",
        "/auditLogs/signIns",
        "The sign-in log, newest first",
        None,
        200,
        Some("SignInCollection"),
    ),
    (
        "get",
        "/auditLogs/signIns/{id}",
        "One sign-in",
        None,
        200,
        Some("SignIn"),
    ),
];

/// Every operation of this area.
pub(super) fn ops() -> impl Iterator<Item = &'static Op> {
    USER_METHODS.iter().chain(&MY_METHODS).chain(&OTHERS)
}

fn boolean() -> Value {
    json!({ "type": "boolean" })
}
fn integer() -> Value {
    json!({ "type": "integer" })
}
fn date_time() -> Value {
    json!({ "type": "string", "format": "date-time", "nullable": true })
}
fn state() -> Value {
    json!({ "type": "string", "enum": ["enabled", "disabled"] })
}

pub(super) fn schemas() -> Map<String, Value> {
    let method = object(
        &[
            ("@odata.type", string()),
            ("id", string()),
            ("displayName", nullable_string()),
            ("createdDateTime", date_time()),
            ("aaGuid", nullable_string()),
            ("attestationLevel", nullable_string()),
            ("startDateTime", date_time()),
            ("lifetimeInMinutes", integer()),
            ("isUsableOnce", boolean()),
            ("isUsable", boolean()),
            ("methodUsabilityReason", nullable_string()),
            ("temporaryAccessPass", nullable_string()),
        ],
        &["id"],
    );
    let configuration = object(
        &[
            ("@odata.type", string()),
            ("id", string()),
            ("state", state()),
            ("isSelfServiceRegistrationAllowed", boolean()),
            ("isAttestationEnforced", boolean()),
            (
                "keyRestrictions",
                object(
                    &[
                        ("isEnforced", boolean()),
                        (
                            "enforcementType",
                            json!({ "type": "string", "enum": ["allow", "block"] }),
                        ),
                        (
                            "aaGuids",
                            json!({ "type": "array", "items": { "type": "string", "format": "uuid" } }),
                        ),
                    ],
                    &[],
                ),
            ),
            ("defaultLifetimeInMinutes", integer()),
            ("defaultLength", integer()),
            ("minimumLifetimeInMinutes", integer()),
            ("maximumLifetimeInMinutes", integer()),
            ("isUsableOnce", boolean()),
        ],
        &[],
    );
    let setting_values = json!({ "type": "array", "items": object(&[("name", string()), ("value", string())], &["name", "value"]) });
    let strength = object(
        &[
            ("id", string()),
            ("displayName", string()),
            ("description", string()),
            ("policyType", string()),
            ("requirementsSatisfied", string()),
            ("allowedCombinations", strings()),
        ],
        &[],
    );
    let setting = object(
        &[
            ("id", uuid()),
            ("displayName", string()),
            ("templateId", uuid()),
            ("values", setting_values.clone()),
        ],
        &[],
    );
    let sign_in = object(
        &[
            ("id", uuid()),
            ("createdDateTime", date_time()),
            ("userDisplayName", nullable_string()),
            ("userPrincipalName", string()),
            (
                "userId",
                json!({ "type": "string", "format": "uuid", "nullable": true }),
            ),
            (
                "appId",
                json!({ "type": "string", "format": "uuid", "nullable": true }),
            ),
            ("appDisplayName", string()),
            ("ipAddress", string()),
            ("clientAppUsed", string()),
            ("isInteractive", boolean()),
            ("conditionalAccessStatus", string()),
            (
                "status",
                object(
                    &[
                        ("errorCode", integer()),
                        ("failureReason", nullable_string()),
                        ("additionalDetails", nullable_string()),
                    ],
                    &[],
                ),
            ),
            ("authenticationRequirement", string()),
            (
                "authenticationDetails",
                json!({ "type": "array", "items": object(&[("authenticationMethod", string()), ("authenticationStepResultDetail", string()), ("succeeded", boolean()), ("authenticationStepDateTime", date_time())], &[]) }),
            ),
        ],
        &[],
    );
    let mut m = Map::new();
    for (k, v) in [
        ("AuthenticationMethod", method),
        (
            "AuthenticationMethodCollection",
            collection("AuthenticationMethod"),
        ),
        (
            "TemporaryAccessPassCreate",
            object(
                &[
                    ("startDateTime", date_time()),
                    (
                        "lifetimeInMinutes",
                        json!({ "type": "integer", "minimum": 10, "maximum": 43200 }),
                    ),
                    ("isUsableOnce", boolean()),
                ],
                &[],
            ),
        ),
        (
            "AuthenticationMethodsPolicy",
            object(
                &[
                    ("id", string()),
                    ("displayName", string()),
                    ("lastModifiedDateTime", date_time()),
                    ("policyVersion", string()),
                    (
                        "authenticationMethodConfigurations",
                        json!({ "type": "array", "items": { "$ref": "#/components/schemas/AuthenticationMethodConfiguration" } }),
                    ),
                ],
                &[],
            ),
        ),
        ("AuthenticationMethodConfiguration", configuration),
        (
            "SecurityDefaults",
            object(
                &[
                    ("id", string()),
                    ("displayName", string()),
                    ("description", string()),
                    ("isEnabled", boolean()),
                ],
                &[],
            ),
        ),
        (
            "SecurityDefaultsUpdate",
            object(&[("isEnabled", boolean())], &[]),
        ),
        ("AuthenticationStrengthPolicy", strength),
        (
            "AuthenticationStrengthPolicyCollection",
            collection("AuthenticationStrengthPolicy"),
        ),
        ("GroupSetting", setting),
        ("GroupSettingCollection", collection("GroupSetting")),
        (
            "GroupSettingCreate",
            object(
                &[
                    (
                        "templateId",
                        json!({ "type": "string", "enum": ["5cf42378-d67d-4f36-ba46-e8b86229381d"] }),
                    ),
                    ("values", setting_values.clone()),
                ],
                &["templateId"],
            ),
        ),
        (
            "GroupSettingUpdate",
            object(&[("values", setting_values)], &[]),
        ),
        ("SignIn", sign_in),
        ("SignInCollection", collection("SignIn")),
    ] {
        m.insert(k.into(), v);
    }
    m
}
