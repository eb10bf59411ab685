//! The tenant's authentication policies through `/v1.0/policies/…` and
//! `/v1.0/groupSettings`: Graph's shapes, PATCH round trips that sign-in
//! then sees (`authn_policy::load`), bad bodies refused with nothing
//! written, security defaults, the built-in strengths, the password rules
//! (banned list, lockout) and who may change each.
use super::fixtures::*;
use serde_json::{json, Value};
use tessera_model::directory_roles as dr;
use tessera_server::authn_policy;
use tessera_testkit::{both_backends, TestBackend, TestServer};

const POLICY: &str = "/v1.0/policies/authenticationMethodsPolicy";
const CONFIGS: &str =
    "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations";
const DEFAULTS: &str = "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy";
const TEMPLATE: &str = "5cf42378-d67d-4f36-ba46-e8b86229381d";

async fn load(s: &TestServer) -> authn_policy::MethodsPolicy {
    authn_policy::load(&*s.running().store, s.running().tenant_id)
        .await
        .unwrap()
}

async fn methods_policy_round_trip(b: TestBackend) {
    let s = TestServer::start(b).await;
    let g = admin(&s).await;

    let (st, p) = g.get(POLICY).await;
    assert_eq!(st, 200, "{p}");
    assert_eq!(p["id"], "authenticationMethodsPolicy");
    assert_eq!(p["policyVersion"], "1.5");
    assert!(p["lastModifiedDateTime"].is_null(), "never written");
    let configs = p["authenticationMethodConfigurations"].as_array().unwrap();
    let ids: Vec<&str> = configs.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["Fido2", "SoftwareOath", "TemporaryAccessPass"]);
    let fido2 = &configs[0];
    assert_eq!(
        fido2["@odata.type"],
        "#microsoft.graph.fido2AuthenticationMethodConfiguration"
    );
    assert_eq!(fido2["state"], "enabled");
    assert_eq!(fido2["isSelfServiceRegistrationAllowed"], true);
    assert_eq!(
        fido2["keyRestrictions"],
        json!({ "isEnforced": false, "enforcementType": "block", "aaGuids": [] })
    );
    let tap = &configs[2];
    assert_eq!(
        (
            &tap["defaultLifetimeInMinutes"],
            &tap["minimumLifetimeInMinutes"],
            &tap["maximumLifetimeInMinutes"],
            &tap["defaultLength"],
            &tap["isUsableOnce"]
        ),
        (
            &json!(60),
            &json!(10),
            &json!(480),
            &json!(8),
            &json!(false)
        )
    );

    // A round trip, seen by sign-in's own reading of the policy.
    let yubikey = "cb69481e-8ff7-4039-93ec-0a2729a154a8";
    let (st, e) = g
        .patch(
            &format!("{CONFIGS}/Fido2"),
            json!({
                "@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration",
                "isAttestationEnforced": true,
                "keyRestrictions": { "isEnforced": true, "enforcementType": "allow", "aaGuids": [yubikey] },
            }),
        )
        .await;
    assert_eq!(st, 204, "{e}");
    let (st, f) = g.get(&format!("{CONFIGS}/fido2")).await;
    assert_eq!(st, 200, "ids match case-insensitively");
    assert_eq!(f["isAttestationEnforced"], true);
    assert_eq!(f["keyRestrictions"]["enforcementType"], "allow");
    assert_eq!(f["keyRestrictions"]["aaGuids"], json!([yubikey]));
    let (_, p) = g.get(POLICY).await;
    assert!(p["lastModifiedDateTime"].is_string());
    assert_eq!(
        g.patch(
            &format!("{CONFIGS}/TemporaryAccessPass"),
            json!({ "minimumLifetimeInMinutes": 30, "maximumLifetimeInMinutes": 1440, "defaultLifetimeInMinutes": 120, "defaultLength": 12 }),
        )
        .await
        .0,
        204
    );
    assert_eq!(
        g.patch(
            &format!("{CONFIGS}/SoftwareOath"),
            json!({ "state": "disabled" })
        )
        .await
        .0,
        204
    );
    let seen = load(&s).await;
    assert!(seen.fido2.is_attestation_enforced && seen.fido2.key_restrictions.is_enforced);
    assert_eq!(
        seen.fido2.key_restrictions.aa_guids,
        [yubikey.parse::<uuid::Uuid>().unwrap()]
    );
    assert_eq!(
        (
            seen.tap.min_lifetime_minutes,
            seen.tap.max_lifetime_minutes,
            seen.tap.default_lifetime_minutes,
            seen.tap.length
        ),
        (30, 1440, 120, 12)
    );
    assert!(!seen.software_oath_enabled && seen.fido2_enabled && seen.tap.enabled);

    // Bad bodies: 400, and the policy is exactly as it was.
    let (_, before) = g.get(POLICY).await;
    for (what, config, body) in [
        ("an unknown property", "Fido2", json!({ "colour": "blue" })),
        (
            "a property of another method",
            "SoftwareOath",
            json!({ "defaultLength": 10 }),
        ),
        ("state of the wrong type", "Fido2", json!({ "state": true })),
        ("an unknown state", "Fido2", json!({ "state": "maybe" })),
        (
            "a boolean as a string",
            "Fido2",
            json!({ "isAttestationEnforced": "true" }),
        ),
        (
            "aaGuids that are not GUIDs",
            "Fido2",
            json!({ "keyRestrictions": { "aaGuids": ["yubikey-5"] } }),
        ),
        (
            "aaGuids not an array",
            "Fido2",
            json!({ "keyRestrictions": { "aaGuids": yubikey } }),
        ),
        (
            "an unknown enforcement type",
            "Fido2",
            json!({ "keyRestrictions": { "enforcementType": "deny" } }),
        ),
        (
            "an unknown key restriction",
            "Fido2",
            json!({ "keyRestrictions": { "models": [] } }),
        ),
        (
            "the read-only id",
            "Fido2",
            json!({ "id": "TemporaryAccessPass" }),
        ),
        (
            "targeting one group",
            "Fido2",
            json!({ "includeTargets": [{ "targetType": "group", "id": "sales" }] }),
        ),
        (
            "excluding a group",
            "SoftwareOath",
            json!({ "excludeTargets": [{ "targetType": "group", "id": "sales" }] }),
        ),
        (
            "minimum above maximum",
            "TemporaryAccessPass",
            json!({ "minimumLifetimeInMinutes": 600, "maximumLifetimeInMinutes": 60 }),
        ),
        (
            "default outside the bounds",
            "TemporaryAccessPass",
            json!({ "defaultLifetimeInMinutes": 5000 }),
        ),
        (
            "a lifetime over 30 days",
            "TemporaryAccessPass",
            json!({ "maximumLifetimeInMinutes": 50000 }),
        ),
        (
            "a length under 8",
            "TemporaryAccessPass",
            json!({ "defaultLength": 4 }),
        ),
        (
            "a negative length",
            "TemporaryAccessPass",
            json!({ "defaultLength": -8 }),
        ),
        (
            "a lifetime as a string",
            "TemporaryAccessPass",
            json!({ "defaultLifetimeInMinutes": "60" }),
        ),
        (
            "a lifetime as a fraction",
            "TemporaryAccessPass",
            json!({ "defaultLifetimeInMinutes": 60.5 }),
        ),
        (
            "the wrong @odata.type",
            "SoftwareOath",
            json!({ "@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration" }),
        ),
    ] {
        let (st, e) = g.patch(&format!("{CONFIGS}/{config}"), body).await;
        assert_eq!(st, 400, "{what}: {e}");
        let (_, after) = g.get(POLICY).await;
        assert_eq!(after, before, "{what} changed the policy");
    }
    let (st, _) = g
        .send(
            g.http
                .patch(format!("{}{CONFIGS}/Fido2", g.base))
                .header("content-type", "application/json")
                .body("{not json"),
        )
        .await;
    assert_eq!(st, 400);
    assert_eq!(g.get(&format!("{CONFIGS}/Sms")).await.0, 404);
    assert_eq!(
        g.patch(&format!("{CONFIGS}/Sms"), json!({ "state": "enabled" }))
            .await
            .0,
        404
    );

    // Who may: Policy.Read.All reads, Policy.ReadWrite.AuthenticationMethod writes.
    let reader = app_with(&s, &["Policy.Read.All"]).await;
    assert_eq!(reader.get(POLICY).await.0, 200);
    assert_eq!(
        reader
            .patch(&format!("{CONFIGS}/Fido2"), json!({ "state": "disabled" }))
            .await
            .0,
        403
    );
    let dir = app_with(
        &s,
        &[
            "Directory.ReadWrite.All",
            "UserAuthenticationMethod.ReadWrite.All",
        ],
    )
    .await;
    assert_eq!(dir.get(POLICY).await.0, 403);
    let writer = app_with(&s, &["Policy.ReadWrite.AuthenticationMethod"]).await;
    assert_eq!(writer.get(&format!("{CONFIGS}/Fido2")).await.0, 200);
    assert_eq!(
        writer
            .patch(
                &format!("{CONFIGS}/SoftwareOath"),
                json!({ "state": "enabled" })
            )
            .await
            .0,
        204
    );
    let scoped = user_with(
        &s,
        "noRole",
        &["Policy.ReadWrite.AuthenticationMethod"],
        &[],
    )
    .await;
    assert_eq!(scoped.g.get(POLICY).await.0, 403);
    let apa = user_with(
        &s,
        "policyAdmin",
        &["Policy.ReadWrite.AuthenticationMethod"],
        &[dr::AUTHENTICATION_POLICY_ADMINISTRATOR],
    )
    .await;
    assert_eq!(
        apa.g
            .patch(
                &format!("{CONFIGS}/Fido2"),
                json!({ "isSelfServiceRegistrationAllowed": false })
            )
            .await
            .0,
        204
    );
    assert!(!load(&s).await.fido2_self_service);
    let aa = user_with(
        &s,
        "authAdmin",
        &["Policy.ReadWrite.AuthenticationMethod"],
        &[dr::AUTHENTICATION_ADMINISTRATOR],
    )
    .await;
    assert_eq!(
        aa.g.patch(&format!("{CONFIGS}/Fido2"), json!({ "state": "disabled" }))
            .await
            .0,
        403,
        "managing users' methods is not managing the policy"
    );
}
both_backends!(methods_policy_round_trip);

async fn security_defaults_and_strengths(b: TestBackend) {
    let s = TestServer::start(b).await;
    let g = admin(&s).await;
    let (st, sd) = g.get(DEFAULTS).await;
    assert_eq!(st, 200, "{sd}");
    assert_eq!(sd["id"], "00000000-0000-0000-0000-000000000005");
    assert_eq!(sd["displayName"], "Security Defaults");
    assert_eq!(sd["isEnabled"], true, "on for a new tenant, as Entra");
    assert_eq!(
        g.patch(DEFAULTS, json!({ "isEnabled": false })).await.0,
        204
    );
    assert_eq!(g.get(DEFAULTS).await.1["isEnabled"], false);
    assert!(!load(&s).await.security_defaults);
    for (what, body) in [
        ("isEnabled as a string", json!({ "isEnabled": "true" })),
        ("isEnabled null", json!({ "isEnabled": null })),
        (
            "the read-only displayName",
            json!({ "displayName": "Mine" }),
        ),
        ("an unknown property", json!({ "isEnforced": true })),
    ] {
        assert_eq!(g.patch(DEFAULTS, body).await.0, 400, "{what}");
    }
    assert_eq!(g.get(DEFAULTS).await.1["isEnabled"], false);
    let authn_writer = app_with(&s, &["Policy.ReadWrite.AuthenticationMethod"]).await;
    assert_eq!(
        authn_writer
            .patch(DEFAULTS, json!({ "isEnabled": true }))
            .await
            .0,
        403
    );
    let sd_writer = app_with(&s, &["Policy.ReadWrite.SecurityDefaults"]).await;
    assert_eq!(
        sd_writer
            .patch(DEFAULTS, json!({ "isEnabled": true }))
            .await
            .0,
        204
    );
    assert!(load(&s).await.security_defaults);
    let sec = user_with(
        &s,
        "secAdmin",
        &["Policy.ReadWrite.SecurityDefaults"],
        &[dr::SECURITY_ADMINISTRATOR],
    )
    .await;
    assert_eq!(
        sec.g.patch(DEFAULTS, json!({ "isEnabled": true })).await.0,
        204
    );

    // The three built-in strengths, in Graph's shape.
    let (st, list) = g.get("/v1.0/policies/authenticationStrengthPolicies").await;
    assert_eq!(st, 200, "{list}");
    let all = list["value"].as_array().unwrap();
    let names: Vec<&str> = all
        .iter()
        .map(|p| p["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Multifactor authentication",
            "Passwordless MFA",
            "Phishing resistant MFA"
        ]
    );
    for p in all {
        assert_eq!(p["policyType"], "builtIn");
        assert_eq!(p["requirementsSatisfied"], "mfa");
        assert!(p["createdDateTime"].is_string());
    }
    let mfa: Vec<&str> = all[0]["allowedCombinations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(
        mfa.contains(&"password,softwareOath") && mfa.contains(&"fido2"),
        "{mfa:?}"
    );
    assert_eq!(all[2]["allowedCombinations"], json!(["fido2"]));
    let (st, one) = g
        .get("/v1.0/policies/authenticationStrengthPolicies/00000000-0000-0000-0000-000000000004")
        .await;
    assert_eq!(
        (st, one["displayName"].as_str()),
        (200, Some("Phishing resistant MFA"))
    );
    assert_eq!(
        g.get("/v1.0/policies/authenticationStrengthPolicies/00000000-0000-0000-0000-000000000001")
            .await
            .0,
        404
    );
    let (_, filtered) = g
        .get("/v1.0/policies/authenticationStrengthPolicies?$filter=displayName eq 'Passwordless MFA'")
        .await;
    assert_eq!(filtered["value"].as_array().unwrap().len(), 1);
    let reader = app_with(&s, &["Policy.Read.All"]).await;
    assert_eq!(
        reader
            .get("/v1.0/policies/authenticationStrengthPolicies")
            .await
            .0,
        200
    );
    assert_eq!(reader.get(DEFAULTS).await.0, 200);
    assert_eq!(
        reader
            .patch(DEFAULTS, json!({ "isEnabled": false }))
            .await
            .0,
        403
    );
}
both_backends!(security_defaults_and_strengths);

fn value_of<'a>(setting: &'a Value, name: &str) -> &'a str {
    setting["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == name)
        .and_then(|v| v["value"].as_str())
        .unwrap()
}

async fn password_rules_as_directory_settings(b: TestBackend) {
    let s = TestServer::start(b).await;
    let g = admin(&s).await;
    let (st, t) = g.get("/v1.0/groupSettingTemplates").await;
    assert_eq!(st, 200, "{t}");
    assert_eq!(t["value"][0]["id"], TEMPLATE);
    assert_eq!(t["value"][0]["displayName"], "Password Rule Settings");
    let names: Vec<&str> = t["value"][0]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"BannedPasswordList") && names.contains(&"LockoutThreshold"));
    assert_eq!(
        g.get(&format!("/v1.0/groupSettingTemplates/{TEMPLATE}"))
            .await
            .0,
        200
    );
    let (_, none) = g.get("/v1.0/groupSettings").await;
    assert_eq!(none["value"], json!([]), "no setting until one is created");

    // Create: the banned list reaches the policy sign-in enforces.
    let (st, created) = g
        .post(
            "/v1.0/groupSettings",
            json!({ "templateId": TEMPLATE, "values": [
                { "name": "BannedPasswordList", "value": "contoso\tfabrikam" },
                { "name": "LockoutThreshold", "value": "5" },
            ] }),
        )
        .await;
    assert_eq!(st, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["templateId"], TEMPLATE);
    assert_eq!(
        value_of(&created, "BannedPasswordList"),
        "contoso\tfabrikam"
    );
    assert_eq!(
        value_of(&created, "EnableBannedPasswordCheck"),
        "True",
        "the template's default"
    );
    assert_eq!(value_of(&created, "LockoutDurationInSeconds"), "60");
    let p = load(&s).await.password;
    assert_eq!(p.banned_passwords, ["contoso", "fabrikam"]);
    assert_eq!(p.lockout_threshold, 5);
    let (_, list) = g.get("/v1.0/groupSettings").await;
    assert_eq!(list["value"][0]["id"], id.as_str());
    assert_eq!(
        g.post(
            "/v1.0/groupSettings",
            json!({ "templateId": TEMPLATE, "values": [] })
        )
        .await
        .0,
        400,
        "one setting per template"
    );

    // Update: every value checked, the policy validated, nothing written on error.
    let one = format!("/v1.0/groupSettings/{id}");
    let (st, e) = g
        .patch(
            &one,
            json!({ "values": [
                { "name": "BannedPasswordList", "value": "contoso\tnorthwind\twoodgrove" },
                { "name": "LockoutDurationInSeconds", "value": "300" },
                { "name": "EnableBannedPasswordCheck", "value": "false" },
            ] }),
        )
        .await;
    assert_eq!(st, 204, "{e}");
    let (_, before) = g.get(&one).await;
    assert_eq!(value_of(&before, "LockoutDurationInSeconds"), "300");
    assert_eq!(value_of(&before, "EnableBannedPasswordCheck"), "False");
    for (what, body) in [
        (
            "a lockout threshold of 0 (PasswordPolicy::validate)",
            json!({ "values": [{ "name": "LockoutThreshold", "value": "0" }] }),
        ),
        (
            "a lockout of one second (PasswordPolicy::validate)",
            json!({ "values": [{ "name": "LockoutDurationInSeconds", "value": "1" }] }),
        ),
        (
            "a banned term of 3 characters (PasswordPolicy::validate)",
            json!({ "values": [{ "name": "BannedPasswordList", "value": "abc\tcontoso" }] }),
        ),
        (
            "a banned term of 17 characters (PasswordPolicy::validate)",
            json!({ "values": [{ "name": "BannedPasswordList", "value": "abcdefghijklmnopq" }] }),
        ),
        (
            "a threshold that is no number",
            json!({ "values": [{ "name": "LockoutThreshold", "value": "ten" }] }),
        ),
        (
            "a value that is no string",
            json!({ "values": [{ "name": "LockoutThreshold", "value": 10 }] }),
        ),
        (
            "a flag that is no boolean",
            json!({ "values": [{ "name": "EnableBannedPasswordCheck", "value": "yes" }] }),
        ),
        (
            "a name the template lacks",
            json!({ "values": [{ "name": "MinimumPasswordLength", "value": "12" }] }),
        ),
        (
            "values not an array",
            json!({ "values": { "name": "LockoutThreshold", "value": "5" } }),
        ),
        (
            "the read-only templateId",
            json!({ "templateId": "62375ab9-6b52-47ed-826b-58e47e0e304b" }),
        ),
        ("an unknown property", json!({ "colour": "blue" })),
    ] {
        let (st, e) = g.patch(&one, body).await;
        assert_eq!(st, 400, "{what}: {e}");
        assert_eq!(g.get(&one).await.1, before, "{what} changed the setting");
    }
    let too_many: Vec<String> = (0..1001).map(|i| format!("word{i:04}")).collect();
    let (st, _) = g
        .patch(
            &one,
            json!({ "values": [{ "name": "BannedPasswordList", "value": too_many.join("\t") }] }),
        )
        .await;
    assert_eq!(st, 400, "more than 1000 banned terms");
    let p = load(&s).await.password;
    assert_eq!(p.banned_passwords, ["contoso", "northwind", "woodgrove"]);
    assert_eq!(
        (p.lockout_duration_seconds, p.enforce_custom_list),
        (300, false)
    );
    // Other templates are not offered; unknown ids are 404.
    assert_eq!(
        g.post(
            "/v1.0/groupSettings",
            json!({ "templateId": "62375ab9-6b52-47ed-826b-58e47e0e304b", "values": [] })
        )
        .await
        .0,
        400
    );
    let missing = format!("/v1.0/groupSettings/{}", uuid::Uuid::new_v4());
    assert_eq!(g.get(&missing).await.0, 404);
    assert_eq!(g.patch(&missing, json!({ "values": [] })).await.0, 404);

    // Who may: Directory.Read.All reads; writes need Directory.ReadWrite.All
    // (and, delegated, a Global or Authentication Policy Administrator).
    let reader = app_with(&s, &["Directory.Read.All"]).await;
    assert_eq!(reader.get("/v1.0/groupSettings").await.0, 200);
    assert_eq!(reader.patch(&one, json!({ "values": [] })).await.0, 403);
    assert_eq!(reader.delete(&one).await.0, 403);
    let policy_app = app_with(&s, &["Policy.ReadWrite.AuthenticationMethod"]).await;
    assert_eq!(policy_app.get("/v1.0/groupSettings").await.0, 403);
    let member = user_with(&s, "member", &["Directory.ReadWrite.All"], &[]).await;
    assert_eq!(member.g.patch(&one, json!({ "values": [] })).await.0, 403);
    let apa = user_with(
        &s,
        "pwAdmin",
        &["Directory.ReadWrite.All"],
        &[dr::AUTHENTICATION_POLICY_ADMINISTRATOR],
    )
    .await;
    assert_eq!(
        apa.g
            .patch(
                &one,
                json!({ "values": [{ "name": "LockoutThreshold", "value": "7" }] })
            )
            .await
            .0,
        204
    );
    assert_eq!(load(&s).await.password.lockout_threshold, 7);

    // Delete: the defaults again.
    assert_eq!(g.delete(&one).await.0, 204);
    assert_eq!(g.get(&one).await.0, 404);
    assert_eq!(g.get("/v1.0/groupSettings").await.1["value"], json!([]));
    let p = load(&s).await.password;
    assert!(p.banned_passwords.is_empty() && p.enforce_custom_list);
    assert_eq!((p.lockout_threshold, p.lockout_duration_seconds), (10, 60));
}
both_backends!(password_rules_as_directory_settings);
