//! private_key_jwt: clients that authenticate with a certificate, and the
//! attacks on client assertions.
use super::fixtures::{boot, token, verify, Boot};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use tessera_crypto::{sign_jwt, SigningAlg, SigningKey};
use tessera_model::graph_permissions::GRAPH_APP_ID;
use tessera_model::{KeyCredential, TenantId};
use tessera_testkit::{both_backends, TestBackend, TestServer};

pub const TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// An RSA certificate and its key, registered on the bootstrap application.
pub struct Cert {
    pub key_pem: String,
    pub der: Vec<u8>,
    pub signer: SigningKey,
}

pub async fn register_cert(s: &TestServer, k: &Boot) -> Cert {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
    let params = rcgen::CertificateParams::new(vec!["client.example".to_string()]).unwrap();
    let cert = params.self_signed(&key).unwrap();
    let der = cert.der().to_vec();
    let t: TenantId = k.tenant.parse().unwrap();
    let store = &s.running().store;
    let (_, app) = store
        .application_by_app_id(k.client_id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    let now = time::OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(now_s());
    let cred = KeyCredential {
        key_id: uuid::Uuid::new_v4(),
        display_name: Some("test cert".into()),
        kind: "AsymmetricX509Cert".into(),
        usage: "Verify".into(),
        key: der.clone(),
        thumbprint: aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &der)
            .as_ref()
            .to_vec(),
        start_date_time: now - time::Duration::hours(1),
        end_date_time: now + time::Duration::days(30),
    };
    store
        .add_key_credential(t, app.id, &cred, now)
        .await
        .unwrap();
    let signer =
        SigningKey::from_pkcs8(SigningAlg::RS256, "client".into(), &key.serialize_der()).unwrap();
    Cert {
        key_pem: key.serialize_pem(),
        der,
        signer,
    }
}

#[allow(clippy::disallowed_methods)] // assertions are checked against the server's wall clock
pub fn now_s() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn claims(s: &TestServer, k: &Boot, jti: &str) -> serde_json::Value {
    let now = now_s();
    serde_json::json!({
        "iss": k.client_id, "sub": k.client_id, "jti": jti,
        "aud": s.url(&format!("/{}/oauth2/v2.0/token", k.tenant)),
        "iat": now, "nbf": now, "exp": now + 300,
    })
}

async fn with_assertion(
    s: &TestServer,
    k: &Boot,
    assertion: &str,
    kind: &str,
) -> reqwest::Response {
    token(
        s,
        &k.tenant,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &k.client_id),
            ("client_assertion_type", kind),
            ("client_assertion", assertion),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await
}

async fn expect_err(r: reqwest::Response, status: u16, error: &str, aadsts: u64) {
    assert_eq!(r.status().as_u16(), status);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        (
            v["error"].as_str().unwrap(),
            v["error_codes"][0].as_u64().unwrap()
        ),
        (error, aadsts),
        "{v}"
    );
}

async fn certificate_clients_and_assertion_attacks(b: TestBackend) {
    let s = TestServer::start(b).await;
    let k = boot(&s);
    let cert = register_cert(&s, &k).await;

    // A valid assertion: a token with azpacr 2 (certificate).
    let good = sign_jwt(&cert.signer, &claims(&s, &k, "jti-1")).unwrap();
    let r = with_assertion(&s, &k, &good, TYPE).await;
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    let c = verify(
        &s,
        &k.tenant,
        body["access_token"].as_str().unwrap(),
        &GRAPH_APP_ID.to_string(),
    )
    .await;
    assert_eq!(c["azpacr"], "2");
    // The same assertion twice: replay.
    expect_err(
        with_assertion(&s, &k, &good, TYPE).await,
        401,
        "invalid_client",
        9900009,
    )
    .await;

    // Audience, time and subject checks.
    let mut wrong_aud = claims(&s, &k, "jti-2");
    wrong_aud["aud"] = "https://login.microsoftonline.com/common/oauth2/v2.0/token".into();
    expect_err(
        with_assertion(&s, &k, &sign_jwt(&cert.signer, &wrong_aud).unwrap(), TYPE).await,
        401,
        "invalid_client",
        9900008,
    )
    .await;
    let mut expired = claims(&s, &k, "jti-3");
    expired["exp"] = (now_s() - 3600).into();
    expired["nbf"] = (now_s() - 3700).into();
    expired["iat"] = (now_s() - 3700).into();
    expect_err(
        with_assertion(&s, &k, &sign_jwt(&cert.signer, &expired).unwrap(), TYPE).await,
        401,
        "invalid_client",
        700024,
    )
    .await;
    let mut too_long = claims(&s, &k, "jti-4");
    too_long["exp"] = (now_s() + 2 * 86_400).into();
    expect_err(
        with_assertion(&s, &k, &sign_jwt(&cert.signer, &too_long).unwrap(), TYPE).await,
        401,
        "invalid_client",
        700024,
    )
    .await;
    let mut other_sub = claims(&s, &k, "jti-5");
    other_sub["sub"] = "00000000-0000-0000-0000-000000000001".into();
    expect_err(
        with_assertion(&s, &k, &sign_jwt(&cert.signer, &other_sub).unwrap(), TYPE).await,
        401,
        "invalid_client",
        700021,
    )
    .await;

    // Signed by a key that is not registered.
    let stranger = tessera_crypto::generate_signing_key(SigningAlg::RS256).unwrap();
    let stranger =
        SigningKey::from_pkcs8(SigningAlg::RS256, "x".into(), &stranger.private_pkcs8).unwrap();
    expect_err(
        with_assertion(
            &s,
            &k,
            &sign_jwt(&stranger, &claims(&s, &k, "jti-6")).unwrap(),
            TYPE,
        )
        .await,
        401,
        "invalid_client",
        700027,
    )
    .await;
    // alg: none.
    let enc = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let none = format!(
        "{}.{}.",
        enc(serde_json::json!({"alg": "none", "typ": "JWT"})),
        enc(claims(&s, &k, "jti-7"))
    );
    expect_err(
        with_assertion(&s, &k, &none, TYPE).await,
        401,
        "invalid_client",
        700027,
    )
    .await;
    // HS256 keyed with the (public) certificate.
    let hs = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims(&s, &k, "jti-8"),
        &jsonwebtoken::EncodingKey::from_secret(&cert.der),
    )
    .unwrap();
    expect_err(
        with_assertion(&s, &k, &hs, TYPE).await,
        401,
        "invalid_client",
        700027,
    )
    .await;
    // A tampered payload.
    let parts: Vec<&str> = good.split('.').collect();
    let tampered = format!("{}.{}.{}", parts[0], enc(claims(&s, &k, "jti-9")), parts[2]);
    expect_err(
        with_assertion(&s, &k, &tampered, TYPE).await,
        401,
        "invalid_client",
        700027,
    )
    .await;
    // Malformed assertions and a wrong assertion type.
    let fresh = sign_jwt(&cert.signer, &claims(&s, &k, "jti-10")).unwrap();
    expect_err(
        with_assertion(&s, &k, &fresh, "urn:something:else").await,
        400,
        "invalid_request",
        9900007,
    )
    .await;
    for junk in ["", "not.a.jwt", "a.b", &"x".repeat(5000)] {
        expect_err(
            with_assertion(&s, &k, junk, TYPE).await,
            400,
            "invalid_request",
            9900007,
        )
        .await;
    }
    // A secret and an assertion together: two methods.
    let r = token(
        &s,
        &k.tenant,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &k.client_id),
            ("client_secret", &k.secret),
            ("client_assertion_type", TYPE),
            ("client_assertion", &fresh),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await;
    expect_err(r, 400, "invalid_request", 9900005).await;
    // The fresh, unused assertion still works.
    assert_eq!(with_assertion(&s, &k, &fresh, TYPE).await.status(), 200);
}
both_backends!(certificate_clients_and_assertion_attacks);

/// RFC 7523 §3 lets `aud` be an array; an assertion naming several
/// audiences could be replayed at each of them, so Tessera refuses one with
/// more than one value — even when one (or all) of them is this token
/// endpoint. A one-element array naming the token endpoint is accepted.
async fn assertions_with_several_audiences(b: TestBackend) {
    let s = TestServer::start(b).await;
    let k = boot(&s);
    let cert = register_cert(&s, &k).await;
    let ours = s.url(&format!("/{}/oauth2/v2.0/token", k.tenant));
    let issuer = format!("{}/{}/v2.0", s.url, k.tenant);
    for (i, aud) in [
        serde_json::json!([ours, "https://evil.example/oauth2/token"]),
        serde_json::json!(["https://evil.example/oauth2/token", ours]),
        serde_json::json!([ours, issuer]),
        serde_json::json!([ours, ours]),
    ]
    .into_iter()
    .enumerate()
    {
        let mut c = claims(&s, &k, &format!("many-{i}"));
        c["aud"] = aud.clone();
        let a = sign_jwt(&cert.signer, &c).unwrap();
        let r = with_assertion(&s, &k, &a, TYPE).await;
        assert_eq!(r.status(), 401, "aud {aud}");
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(
            (v["error"].as_str(), v["error_codes"][0].as_u64()),
            (Some("invalid_client"), Some(9900008)),
            "aud {aud}: {v}"
        );
    }
    let mut c = claims(&s, &k, "one");
    c["aud"] = serde_json::json!([ours]);
    let a = sign_jwt(&cert.signer, &c).unwrap();
    assert_eq!(with_assertion(&s, &k, &a, TYPE).await.status(), 200);
}
both_backends!(assertions_with_several_audiences);

/// Posts a client-credentials request with `assertion` and no `client_id`.
async fn without_client_id(s: &TestServer, k: &Boot, assertion: &str) -> reqwest::Response {
    token(
        s,
        &k.tenant,
        &[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", TYPE),
            ("client_assertion", assertion),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await
}

/// RFC 7521 §4.2: the assertion's `sub` names the client, so `client_id`
/// may be left out. Lifetimes up to 24 hours are accepted (common clients
/// default to one hour, and Entra accepts those), with the replay memory
/// holding the `jti` for the whole of it; longer lifetimes, expired
/// assertions and ones not yet valid are refused.
async fn assertions_without_client_id_and_their_lifetimes(b: TestBackend) {
    let s = TestServer::start(b).await;
    let k = boot(&s);
    let cert = register_cert(&s, &k).await;
    let with_life = |jti: &str, starts: i64, seconds: i64| {
        let mut c = claims(&s, &k, jti);
        c["iat"] = starts.into();
        c["nbf"] = starts.into();
        c["exp"] = (starts + seconds).into();
        sign_jwt(&cert.signer, &c).unwrap()
    };
    // One hour, no client_id: accepted, as that certificate's client.
    let hour = with_life("life-1", now_s(), 3600);
    let r = without_client_id(&s, &k, &hour).await;
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    let c = verify(
        &s,
        &k.tenant,
        body["access_token"].as_str().unwrap(),
        &GRAPH_APP_ID.to_string(),
    )
    .await;
    assert_eq!(
        (c["azp"].as_str(), c["azpacr"].as_str()),
        (Some(k.client_id.as_str()), Some("2"))
    );
    // Replayed, with or without client_id: refused.
    expect_err(
        without_client_id(&s, &k, &hour).await,
        401,
        "invalid_client",
        9900009,
    )
    .await;
    expect_err(
        with_assertion(&s, &k, &hour, TYPE).await,
        401,
        "invalid_client",
        9900009,
    )
    .await;
    // A whole day is the longest lifetime; iat alone (no nbf) counts too.
    let day = with_life("life-2", now_s(), 86_400);
    assert_eq!(without_client_id(&s, &k, &day).await.status(), 200);
    let mut iat_only = claims(&s, &k, "life-3");
    iat_only.as_object_mut().unwrap().remove("nbf");
    iat_only["exp"] = (now_s() + 7200).into();
    let iat_only = sign_jwt(&cert.signer, &iat_only).unwrap();
    assert_eq!(without_client_id(&s, &k, &iat_only).await.status(), 200);
    for (what, a) in [
        (
            "a day and ten minutes",
            with_life("life-4", now_s(), 86_400 + 600),
        ),
        (
            "expired an hour ago",
            with_life("life-5", now_s() - 7200, 3600),
        ),
        (
            "valid from in an hour",
            with_life("life-6", now_s() + 3600, 3600),
        ),
    ] {
        let r = without_client_id(&s, &k, &a).await;
        assert_eq!(r.status(), 401, "{what}");
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["error_codes"][0], 700024, "{what}: {v}");
    }
    // With client_id it must name the assertion's subject.
    let other = "00000000-0000-0000-0000-000000000001";
    let fresh = with_life("life-7", now_s(), 300);
    let r = token(
        &s,
        &k.tenant,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", other),
            ("client_assertion_type", TYPE),
            ("client_assertion", &fresh),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await;
    assert!(r.status().is_client_error());
    assert_eq!(without_client_id(&s, &k, &fresh).await.status(), 200);
    // No client_id and nothing readable that names one: malformed.
    for junk in [
        "",
        "not.a.jwt",
        "e30.e30.",
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOjF9.x",
    ] {
        expect_err(
            without_client_id(&s, &k, junk).await,
            400,
            "invalid_request",
            9900007,
        )
        .await;
    }
}
both_backends!(assertions_without_client_id_and_their_lifetimes);

/// The replay memory is the database's: an assertion used at one node is
/// refused at another node sharing the PostgreSQL database (both nodes
/// answer to the same public URL, as behind a load balancer).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_nodes_share_the_assertion_replay_memory() {
    use std::os::unix::fs::PermissionsExt;
    let db = tessera_testkit::TestDb::new(TestBackend::Postgres).await;
    let key = tessera_crypto::MasterKey::generate(&mut rand::rngs::OsRng)
        .to_base64()
        .to_string();
    let public = "http://tessera.test";
    let k1 = key.clone();
    let first = TestServer::start_with(db, |c| {
        c.master_key = Some(k1);
        c.public_url = Some(public.into());
    })
    .await;
    let k = boot(&first);
    let cert = register_cert(&first, &k).await;
    let dir2 = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir2.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let mut c2 = tessera_server::Config::for_test(dir2.path().to_path_buf(), first.db.url.clone());
    c2.master_key = Some(key);
    c2.public_url = Some(public.into());
    let second = tessera_server::start(c2).await.unwrap();
    let now = now_s();
    let assertion = sign_jwt(
        &cert.signer,
        &serde_json::json!({
            "iss": k.client_id, "sub": k.client_id, "jti": "two-nodes",
            "aud": format!("{public}/{}/oauth2/v2.0/token", k.tenant),
            "iat": now, "nbf": now, "exp": now + 3600,
        }),
    )
    .unwrap();
    let at = |addr: std::net::SocketAddr| {
        let (client, form) = (
            first.client.clone(),
            [
                ("grant_type", "client_credentials"),
                ("client_id", k.client_id.as_str()),
                ("client_assertion_type", TYPE),
                ("client_assertion", assertion.as_str()),
                ("scope", "https://graph.microsoft.com/.default"),
            ],
        );
        let url = format!("http://{addr}/{}/oauth2/v2.0/token", k.tenant);
        async move { client.post(url).form(&form).send().await.unwrap() }
    };
    assert_eq!(at(first.running().local_addr).await.status(), 200);
    expect_err(at(second.local_addr).await, 401, "invalid_client", 9900009).await;
    expect_err(
        at(first.running().local_addr).await,
        401,
        "invalid_client",
        9900009,
    )
    .await;
    second.shutdown().await;
}
