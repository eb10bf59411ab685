//! The authorization code flow end to end through the real server: pages,
//! session, consent, tokens, userinfo, SSO, replay.
use super::fixtures::*;
use crate::oauth::fixtures::verify;
use tessera_model::graph_permissions::GRAPH_APP_ID;
use tessera_testkit::{both_backends, TestBackend, TestServer};

const SCOPE: &str = "openid profile email offline_access User.Read";

async fn token(s: &TestServer, form: &[(&str, &str)]) -> (u16, serde_json::Value) {
    let r = crate::oauth::fixtures::token(s, &s.running().tenant_id.to_string(), form).await;
    let status = r.status().as_u16();
    assert_eq!(r.headers()["cache-control"], "no-store");
    (status, r.json().await.unwrap())
}

pub async fn redeem_conf(
    s: &TestServer,
    apps: &Apps,
    code: &str,
    verifier: Option<&str>,
) -> (u16, serde_json::Value) {
    let client = apps.conf.to_string();
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("client_id", client.as_str()),
        ("client_secret", apps.secret.as_str()),
        ("code", code),
        ("redirect_uri", WEB_REDIRECT),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    token(s, &form).await
}

async fn code_flow_end_to_end(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let mut br = Browser::new(&s);
    let extra = [
        ("scope", SCOPE),
        ("state", "st-1"),
        ("nonce", "n-0S6_WzA2Mj"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    // The sign-in page: accessible form, CSRF cookie, security headers.
    let r = br
        .get(&authorize_path(
            apps.tenant,
            apps.conf,
            WEB_REDIRECT,
            &extra,
        ))
        .await;
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["x-frame-options"], "DENY");
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'")
            && csp.contains("form-action 'self' https://app.example"),
        "{csp}"
    );
    assert!(br.cookies.contains_key("tessera_csrf"), "{:?}", br.cookies);
    let page = r.text().await.unwrap();
    for needle in [
        "autocomplete=\"username\"",
        "autocomplete=\"current-password\"",
        "type=\"submit\"",
        "<label for=\"password\">",
        "Web Ledger",
    ] {
        assert!(page.contains(needle), "sign-in page lacks {needle}");
    }
    // Sign in: the consent page follows (first use of the app).
    let r = sign_in(&mut br, page, &apps.upn, PASSWORD).await;
    assert_eq!(r.status(), 200);
    assert!(br.cookies.contains_key("tessera_session"));
    let page = r.text().await.unwrap();
    for needle in [
        ">Accept<",
        ">Cancel<",
        "Web Ledger",
        "Sign in and read user profile",
        "Verified publisher",
        "Maintain access to data you have given it access to",
    ] {
        assert!(page.contains(needle), "consent page lacks {needle}: {page}");
    }
    let r = accept(&mut br, page, "accept").await;
    assert_eq!(r.status(), 303);
    let q = location_params(&r);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("https://app.example/cb?"));
    assert_eq!(q["state"], "st-1");
    assert_eq!(q["iss"], format!("{}/{}/v2.0", s.url, apps.tenant));
    // The consent is an oauth2PermissionGrant for this user.
    let conf_sp = s
        .running()
        .store
        .service_principal_by_app_id(apps.tenant, apps.conf)
        .await
        .unwrap()
        .unwrap();
    let grants = s
        .running()
        .store
        .oauth2_permission_grants_for_client(apps.tenant, conf_sp.id)
        .await
        .unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(
        (grants[0].consent_type.as_str(), grants[0].principal_id),
        ("Principal", Some(apps.user))
    );
    for sc in ["openid", "profile", "email", "offline_access", "User.Read"] {
        assert!(
            grants[0].scope.split(' ').any(|g| g == sc),
            "{sc} in {}",
            grants[0].scope
        );
    }

    let (status, body) = redeem_conf(&s, &apps, &q["code"], Some(VERIFIER)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    let scope = body["scope"].as_str().unwrap();
    assert!(
        scope.contains("User.Read") && scope.contains("openid"),
        "{scope}"
    );
    let at = verify(
        &s,
        &apps.tenant.to_string(),
        body["access_token"].as_str().unwrap(),
        &GRAPH_APP_ID.to_string(),
    )
    .await;
    assert_eq!(at["oid"], apps.user.to_string());
    assert_eq!(at["azp"], apps.conf.to_string());
    assert_eq!(at["azpacr"], "1");
    assert_eq!(at["tid"], apps.tenant.to_string());
    assert_eq!(at["preferred_username"], apps.upn);
    assert_eq!(at["ver"], "2.0");
    assert_eq!(at["amr"][0], "pwd");
    let scp = at["scp"].as_str().unwrap();
    assert!(
        scp.split(' ').any(|x| x == "User.Read") && scp.split(' ').any(|x| x == "profile"),
        "{scp}"
    );
    assert_ne!(at["sub"], at["oid"], "sub is pairwise, not the object id");
    let id = verify(
        &s,
        &apps.tenant.to_string(),
        body["id_token"].as_str().unwrap(),
        &apps.conf.to_string(),
    )
    .await;
    assert_eq!(id["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(id["oid"], apps.user.to_string());
    assert_eq!(id["email"], apps.upn);
    assert_eq!(id["sid"], at["sid"]);
    assert_ne!(
        id["sub"], at["sub"],
        "pairwise per application: the client's and the resource's differ"
    );
    let rt = body["refresh_token"].as_str().unwrap().to_string();

    // Userinfo answers with the ID token's subject.
    let r = s
        .client
        .get(s.url("/oidc/userinfo"))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let info: serde_json::Value = r.json().await.unwrap();
    assert_eq!(info["sub"], id["sub"]);
    assert_eq!(info["name"], format!("User {}", apps.upn));
    assert_eq!(info["email"], apps.upn);
    // … and refuses anything else, RFC 6750-style.
    for bad in ["", "Bearer ", "Bearer x.y.z", "Basic abc"] {
        let r = s
            .client
            .get(s.url("/oidc/userinfo"))
            .header("authorization", bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{bad:?}");
        assert!(r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token"));
    }
    let app_only =
        crate::oauth::fixtures::client_credentials(&s, &crate::oauth::fixtures::boot(&s))
            .await
            .json::<serde_json::Value>()
            .await
            .unwrap();
    let r = s
        .client
        .get(s.url("/oidc/userinfo"))
        .bearer_auth(app_only["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "app-only tokens describe no user");

    // Single sign-on: the next request goes straight back with a code.
    let r = br
        .get(&authorize_path(
            apps.tenant,
            apps.conf,
            WEB_REDIRECT,
            &[("scope", SCOPE), ("state", "st-2")],
        ))
        .await;
    assert_eq!(r.status(), 302);
    let q2 = location_params(&r);
    assert_eq!(q2["state"], "st-2");

    // Replaying the first code fails and revokes what it issued.
    let (status, body) = redeem_conf(&s, &apps, &q["code"], Some(VERIFIER)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(body["error_codes"][0], 54005);
    let client = apps.conf.to_string();
    let (status, body) = token(
        &s,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &client),
            ("client_secret", &apps.secret),
            ("refresh_token", &rt),
        ],
    )
    .await;
    assert_eq!(status, 400, "{body}");
    // The second code still works (no PKCE in that request).
    let (status, _) = redeem_conf(&s, &apps, &q2["code"], None).await;
    assert_eq!(status, 200);
}
both_backends!(code_flow_end_to_end);

async fn refresh_rotation_and_reuse_detection(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let mut br = Browser::new(&s);
    let redirect = "http://localhost:51234";
    let q = code_for(
        &mut br,
        &apps,
        apps.public,
        redirect,
        &[
            ("scope", SCOPE),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    let client = apps.public.to_string();
    let (status, body) = token(
        &s,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client),
            ("code", &q["code"]),
            ("redirect_uri", redirect),
            ("code_verifier", VERIFIER),
            ("client_info", "1"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let at = jwt_claims(body["access_token"].as_str().unwrap());
    assert_eq!(at["azpacr"], "0", "public client");
    let info: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            body["client_info"].as_str().unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        (info["uid"].as_str(), info["utid"].as_str()),
        (
            Some(apps.user.to_string().as_str()),
            Some(apps.tenant.to_string().as_str())
        )
    );
    let rt1 = body["refresh_token"].as_str().unwrap().to_string();
    let refresh = |rt: String| {
        let client = client.clone();
        let s = &s;
        async move {
            token(
                s,
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", &client),
                    ("refresh_token", &rt),
                    ("scope", SCOPE),
                ],
            )
            .await
        }
    };
    let (status, body) = refresh(rt1.clone()).await;
    assert_eq!(status, 200, "{body}");
    let rt2 = body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rt1, rt2, "rotated");
    assert!(jwt_claims(body["id_token"].as_str().unwrap())["nonce"].is_null());
    // Reusing the old token is theft: the family dies, rt2 with it.
    let (status, body) = refresh(rt1).await;
    assert_eq!(
        (status, body["error_codes"][0].as_i64()),
        (400, Some(9900011))
    );
    let (status, body) = refresh(rt2).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}
both_backends!(refresh_rotation_and_reuse_detection);
