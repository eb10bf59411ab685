//! Pushed authorization requests (RFC 9126) through the real server: push,
//! sign in through `/authorize?client_id&request_uri`, redeem. Attacks:
//! reuse after a code was issued, another client's `client_id`, unknown and
//! forged `request_uri`s, parameters added in the browser (ignored), pushes
//! with a bad credential, an unregistered redirect, no PKCE for a public
//! client, a nested `request_uri`.
use super::fixtures::*;
use super::flow::redeem_conf;
use tessera_testkit::{both_backends, TestBackend, TestServer};

async fn push(s: &TestServer, apps: &Apps, form: &[(&str, &str)]) -> (u16, serde_json::Value) {
    let r = s
        .client
        .post(s.url(&format!("/{}/oauth2/v2.0/par", apps.tenant)))
        .form(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");
    (r.status().as_u16(), r.json().await.unwrap())
}

fn conf_push<'a>(apps: &'a Apps, client: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("client_id", client),
        ("client_secret", apps.secret.as_str()),
        ("response_type", "code"),
        ("redirect_uri", WEB_REDIRECT),
        ("scope", "openid User.Read"),
        ("state", "pushed-state"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]
}

fn authorize_with(apps: &Apps, client: &str, request_uri: &str, extra: &[(&str, &str)]) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("client_id", client)
        .append_pair("request_uri", request_uri);
    for (k, v) in extra {
        q.append_pair(k, v);
    }
    format!("/{}/oauth2/v2.0/authorize?{}", apps.tenant, q.finish())
}

async fn par_end_to_end(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let client = apps.conf.to_string();
    let (status, body) = push(&s, &apps, &conf_push(&apps, &client)).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["expires_in"], 600);
    let uri = body["request_uri"].as_str().unwrap().to_string();
    assert!(
        uri.starts_with("urn:ietf:params:oauth:request_uri:"),
        "{uri}"
    );

    // The browser carries only the reference; parameters added on the way
    // (another redirect URI, more scopes, no state) are ignored.
    let mut br = Browser::new(&s);
    let r = br
        .get(&authorize_with(
            &apps,
            &client,
            &uri,
            &[
                ("redirect_uri", "https://evil.example/cb"),
                ("scope", "Directory.ReadWrite.All"),
            ],
        ))
        .await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    let ctx = input(&page, "ctx").unwrap();
    assert!(
        ctx.contains("request_uri") && !ctx.contains("scope"),
        "{ctx}"
    );
    let r = sign_in(&mut br, page, &apps.upn, PASSWORD).await;
    let page = r.text().await.unwrap();
    assert!(page.contains("Permissions requested"), "{page}");
    assert!(
        !page.contains("Directory"),
        "an added scope reached the consent page"
    );
    let r = accept(&mut br, page, "accept").await;
    assert!(r.status().is_redirection());
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(loc.starts_with(&format!("{WEB_REDIRECT}?")), "{loc}");
    let p = location_params(&r);
    assert_eq!(p["state"], "pushed-state");
    let (status, tokens) = redeem_conf(&s, &apps, &p["code"], Some(VERIFIER)).await;
    assert_eq!(status, 200, "{tokens}");

    // Used once: the same request_uri cannot issue another code.
    let r = br.get(&authorize_with(&apps, &client, &uri, &[])).await;
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("location").is_none());
}
both_backends!(par_end_to_end);

async fn par_attacks(b: TestBackend) {
    let s = TestServer::start(b).await;
    let apps = setup(&s).await;
    let client = apps.conf.to_string();
    let public = apps.public.to_string();
    let (_, body) = push(&s, &apps, &conf_push(&apps, &client)).await;
    let uri = body["request_uri"].as_str().unwrap().to_string();
    let mut br = Browser::new(&s);

    // At the authorization endpoint: an error page, never a redirect.
    let forged = format!(
        "urn:ietf:params:oauth:request_uri:{}",
        tessera_oauth::token::tenant_bound_token(apps.tenant, &mut rand::rngs::OsRng)
    );
    for (what, c, u) in [
        ("another client's client_id", public.as_str(), uri.as_str()),
        ("forged request_uri", client.as_str(), forged.as_str()),
        (
            "not a request_uri",
            client.as_str(),
            "https://evil.example/request.jwt",
        ),
        ("truncated", client.as_str(), &uri[..uri.len() - 5]),
    ] {
        let r = br.get(&authorize_with(&apps, c, u, &[])).await;
        assert_eq!(r.status(), 400, "{what}");
        assert!(r.headers().get("location").is_none(), "{what}");
    }

    // At the PAR endpoint: the token endpoint's error format.
    let mut wrong_secret = conf_push(&apps, &client);
    wrong_secret[1] = ("client_secret", "not-the-secret");
    let (status, body) = push(&s, &apps, &wrong_secret).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client")),
        "{body}"
    );
    let mut evil = conf_push(&apps, &client);
    evil[3] = ("redirect_uri", "https://app.example/cb/../evil");
    let (status, body) = push(&s, &apps, &evil).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request")),
        "{body}"
    );
    let mut nested = conf_push(&apps, &client);
    nested.push(("request_uri", &uri));
    let (status, body) = push(&s, &apps, &nested).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request")),
        "{body}"
    );
    let mut implicit = conf_push(&apps, &client);
    implicit[2] = ("response_type", "token");
    let (status, body) = push(&s, &apps, &implicit).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request")),
        "{body}"
    );
    let mut no_scope = conf_push(&apps, &client);
    no_scope[4] = ("scope", "");
    let (status, body) = push(&s, &apps, &no_scope).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope")),
        "{body}"
    );
    // A public client pushes without a secret, but must use PKCE.
    let (status, body) = push(
        &s,
        &apps,
        &[
            ("client_id", &public),
            ("response_type", "code"),
            ("redirect_uri", "http://localhost:4000"),
            ("scope", "User.Read"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request")),
        "{body}"
    );
    let (status, body) = push(
        &s,
        &apps,
        &[
            ("client_id", &public),
            ("response_type", "code"),
            ("redirect_uri", "http://localhost:4000"),
            ("scope", "User.Read"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    assert_eq!(status, 201, "{body}");
    // Not a form, repeated parameters.
    let r = s
        .client
        .post(s.url(&format!("/{}/oauth2/v2.0/par", apps.tenant)))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = s
        .client
        .post(s.url(&format!("/{}/oauth2/v2.0/par", apps.tenant)))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("client_id={public}&client_id={client}&scope=a"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}
both_backends!(par_attacks);
