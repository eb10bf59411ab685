//! Token contents an application chooses: `optionalClaims` applied to the
//! ID token (the client's list) and the access token (the resource's
//! list), `groups` with `emit_as_roles` and `cloud_displayname`,
//! `api.requestedAccessTokenVersion` 1 giving Entra's v1.0 shape — and
//! every setting Tessera cannot apply refused at write, naming it, with
//! nothing stored.
use super::fixtures::*;
use serde_json::{json, Value};
use tessera_model::*;
use tessera_testkit::{both_backends, TestBackend, TestServer};

/// Signs Ada in to the confidential app for `scope`; the token response.
async fn tokens(s: &TestServer, apps: &Apps, scope: &str) -> Value {
    let mut br = Browser::new(s);
    let p = code_for(
        &mut br,
        apps,
        apps.conf,
        WEB_REDIRECT,
        &[
            ("scope", scope),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    let (st, body) = super::flow::redeem_conf(s, apps, &p["code"], Some(VERIFIER)).await;
    assert_eq!(st, 200, "{body}");
    body
}

async fn app_object(g: &crate::graph::fixtures::Graph, app_id: AppId) -> String {
    let (_, app) = g
        .get(&format!("/v1.0/applications?$filter=appId eq '{app_id}'"))
        .await;
    format!(
        "/v1.0/applications/{}",
        app["value"][0]["id"].as_str().unwrap()
    )
}

async fn optional_claims_and_token_versions(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let t = apps.tenant;
    let g = crate::graph::fixtures::admin(&s).await;
    let conf = app_object(&g, apps.conf).await;
    // A user extension attribute with a value for Ada, and her usage location.
    let (_, hr) = g
        .post("/v1.0/applications", json!({ "displayName": "HR" }))
        .await;
    let (st, ext) = g
        .post(
            &format!(
                "/v1.0/applications/{}/extensionProperties",
                hr["id"].as_str().unwrap()
            ),
            json!({ "name": "costCenter", "dataType": "String", "targetObjects": ["User"] }),
        )
        .await;
    assert_eq!(st, 201, "{ext}");
    let ext = ext["name"].as_str().unwrap().to_string();
    let (st, body) = g
        .patch(
            &format!("/v1.0/users/{}", apps.user),
            json!({ "usageLocation": "GB", ext.clone(): "CC-42" }),
        )
        .await;
    assert_eq!(st, 204, "{body}");

    // Bad settings: 400 naming what cannot be applied; nothing stored.
    let (_, before) = g.get(&conf).await;
    for (bad, names) in [
        (
            json!({ "optionalClaims": { "idToken": [{ "name": "favourite_colour" }] } }),
            "favourite_colour",
        ),
        (
            json!({ "optionalClaims": { "idToken": [{ "name": "tenant_ctry" }] } }),
            "tenant_ctry",
        ),
        (
            json!({ "optionalClaims": { "saml2Token": [{ "name": "upn" }] } }),
            "saml2Token",
        ),
        (
            json!({ "optionalClaims": { "idToken": [{ "name": "groups", "additionalProperties": ["sam_account_name"] }] } }),
            "sam_account_name",
        ),
        (
            json!({ "optionalClaims": { "idToken": [{ "name": "extension_0000_nope", "source": "user" }] } }),
            "extension_0000_nope",
        ),
        (json!({ "optionalClaims": { "idToken": "email" } }), "array"),
        (
            json!({ "api": { "requestedAccessTokenVersion": 3 } }),
            "requestedAccessTokenVersion",
        ),
    ] {
        let (st, e) = g.patch(&conf, bad.clone()).await;
        assert_eq!(st, 400, "{bad}: {e}");
        assert!(
            e["error"]["message"].as_str().unwrap().contains(names),
            "{bad}: {e}"
        );
    }
    let (_, after) = g.get(&conf).await;
    assert_eq!(before["optionalClaims"], after["optionalClaims"]);
    assert_eq!(before["api"], after["api"]);

    // The ID token: the client's list.
    let (st, body) = g
        .patch(
            &conf,
            json!({ "optionalClaims": { "idToken": [
                { "name": "email" }, { "name": "family_name" }, { "name": "given_name" },
                { "name": "upn" }, { "name": "ipaddr" }, { "name": "login_hint" },
                { "name": "acct" }, { "name": "verified_primary_email" }, { "name": "ctry" },
                { "name": ext.clone(), "source": "user" },
            ], "accessToken": [], "saml2Token": [] } }),
        )
        .await;
    assert_eq!(st, 204, "{body}");
    let body = tokens(&s, &apps, "openid profile").await;
    let id = jwt_claims(body["id_token"].as_str().unwrap());
    assert_eq!(id["email"], apps.upn.as_str());
    assert_eq!(id["family_name"], "Lovelace");
    assert_eq!(id["given_name"], "Ada");
    assert_eq!(id["upn"], apps.upn.as_str());
    assert_eq!(id["login_hint"], apps.upn.as_str());
    assert_eq!(id["ipaddr"], "127.0.0.1");
    assert_eq!(id["acct"], 0);
    assert_eq!(id["verified_primary_email"], json!([apps.upn]));
    assert_eq!(id["ctry"], "GB");
    assert_eq!(id[&ext], "CC-42");
    // Removing the list removes the claims at the next token.
    g.patch(&conf, json!({ "optionalClaims": null })).await;
    let body = tokens(&s, &apps, "openid profile").await;
    let id = jwt_claims(body["id_token"].as_str().unwrap());
    assert!(
        id.get("family_name").is_none() && id.get(&ext).is_none(),
        "{id}"
    );

    // An API of the tenant's: its access tokens carry its list, v1.0 shape.
    let scope_id = uuid::Uuid::new_v4();
    let (st, api) = g
        .post(
            "/v1.0/applications",
            json!({
                "displayName": "Orders API",
                "groupMembershipClaims": "SecurityGroup",
                "api": { "requestedAccessTokenVersion": 1, "oauth2PermissionScopes": [{
                    "id": scope_id, "value": "Orders.Read", "type": "User", "isEnabled": true,
                    "adminConsentDisplayName": "Read orders", "adminConsentDescription": "Read orders",
                }] },
                "optionalClaims": { "accessToken": [
                    { "name": "given_name" }, { "name": "auth_time" },
                    { "name": "groups", "additionalProperties": ["emit_as_roles", "cloud_displayname"] },
                ] },
            }),
        )
        .await;
    assert_eq!(st, 201, "{api}");
    let api_app_id = api["appId"].as_str().unwrap().to_string();
    g.post("/v1.0/servicePrincipals", json!({ "appId": api_app_id }))
        .await;
    let team = Group {
        id: ObjectId::random(&mut rand::rngs::OsRng),
        display_name: "Order Desk".into(),
        description: None,
        mail_nickname: Some("desk".into()),
        security_enabled: true,
        mail_enabled: false,
        created_date_time: time::OffsetDateTime::UNIX_EPOCH,
        group_types: vec![],
        visibility: None,
        mail: None,
    };
    let store = &s.running().store;
    store
        .create_group(t, &team, team.created_date_time)
        .await
        .unwrap();
    store
        .add_group_member(
            t,
            team.id,
            Member {
                id: apps.user,
                kind: ObjectKind::User,
            },
            team.created_date_time,
        )
        .await
        .unwrap();
    let body = tokens(&s, &apps, &format!("api://{api_app_id}/Orders.Read")).await;
    let at = jwt_claims(body["access_token"].as_str().unwrap());
    assert_eq!(at["ver"], "1.0", "{at}");
    assert_eq!(at["iss"], format!("{}/{t}/", s.url.trim_end_matches('/')));
    assert_eq!(at["appid"], apps.conf.to_string());
    assert_eq!(at["appidacr"], "1");
    assert_eq!(at["upn"], apps.upn.as_str());
    assert_eq!(at["unique_name"], apps.upn.as_str());
    assert!(
        at.get("azp").is_none() && at.get("preferred_username").is_none(),
        "{at}"
    );
    assert_eq!(at["given_name"], "Ada");
    assert!(at["auth_time"].is_i64());
    assert_eq!(
        at["roles"],
        json!(["Order Desk"]),
        "groups as roles, by name: {at}"
    );
    assert!(at.get("groups").is_none());
    // The same API at version 2 (or null): the v2.0 shape.
    let api_path = format!("/v1.0/applications/{}", api["id"].as_str().unwrap());
    assert_eq!(
        g.patch(&api_path, json!({ "api": { "requestedAccessTokenVersion": 2, "oauth2PermissionScopes": api["api"]["oauth2PermissionScopes"] } }))
            .await
            .0,
        204
    );
    let body = tokens(&s, &apps, &format!("api://{api_app_id}/Orders.Read")).await;
    let at = jwt_claims(body["access_token"].as_str().unwrap());
    assert_eq!(at["ver"], "2.0");
    assert_eq!(
        at["iss"],
        format!("{}/{t}/v2.0", s.url.trim_end_matches('/'))
    );
    assert_eq!(at["azp"], apps.conf.to_string());
}
both_backends!(optional_claims_and_token_versions);
