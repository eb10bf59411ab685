//! Users' authentication methods through `/v1.0/users/{id}/authentication`
//! and `/v1.0/me/authentication`: Graph's shapes (no secret ever shown),
//! Temporary Access Passes (the pass only in the 201, one live pass per
//! user, the policy's bounds, a disabled policy), deletion, and who may do
//! what — least privilege, self-service, and an Authentication
//! Administrator kept away from administrators' methods.
use super::fixtures::*;
use serde_json::{json, Value};
use tessera_model::directory_roles::{self as dr, BuiltInRole};
use tessera_model::*;
use tessera_testkit::{both_backends, TestBackend, TestServer};
use time::Duration;

const PASSWORD_ID: &str = "28c10230-6103-485e-b985-444c60001490";
const TAP_CONFIG: &str =
    "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass";

fn methods(user: &str) -> String {
    format!("/v1.0/users/{user}/authentication/methods")
}

fn taps(user: &str) -> String {
    format!("/v1.0/users/{user}/authentication/temporaryAccessPassMethods")
}

/// A user made through the API (with a password), its id.
pub async fn new_user_id(g: &Graph, local: &str, d: &str) -> String {
    let (st, u) = g.post("/v1.0/users", new_user(local, d)).await;
    assert_eq!(st, 201, "{u}");
    u["id"].as_str().unwrap().to_string()
}

async fn give_role(s: &TestServer, user: &str, role: BuiltInRole) {
    s.running()
        .store
        .create_directory_role_assignment(
            s.running().tenant_id,
            &DirectoryRoleAssignment {
                id: ObjectId::random(&mut rand::rngs::OsRng),
                role_definition_id: role.id,
                principal_id: user.parse().unwrap(),
                directory_scope_id: "/".into(),
            },
            EPOCH,
        )
        .await
        .unwrap();
}

/// Methods stored directly (their registration pages are not the API's).
async fn insert(s: &TestServer, user: &str, detail: MethodDetail) -> String {
    #[allow(clippy::disallowed_methods)] // a wall-clock creation time, as the pages write
    let now = time::OffsetDateTime::now_utc();
    let m = AuthMethod {
        id: ObjectId::random(&mut rand::rngs::OsRng),
        user_id: user.parse().unwrap(),
        display_name: "method".into(),
        created_at: now,
        last_used_at: None,
        detail,
    };
    s.running()
        .store
        .insert_auth_method(s.running().tenant_id, &m, now)
        .await
        .unwrap();
    m.id.to_string()
}

fn passkey(aaguid: uuid::Uuid, format: &str) -> MethodDetail {
    MethodDetail::Fido2 {
        credential_id: rand::random::<[u8; 16]>().to_vec(),
        aaguid,
        attestation_format: format.into(),
        passkey: "{}".into(),
        counter: 0,
    }
}

async fn stored(s: &TestServer, user: &str) -> Vec<AuthMethod> {
    s.running()
        .store
        .auth_methods(s.running().tenant_id, user.parse().unwrap())
        .await
        .unwrap()
}

fn ids(list: &Value) -> Vec<String> {
    list["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect()
}

async fn methods_in_graphs_shapes(b: TestBackend) {
    let s = TestServer::start(b).await;
    let g = admin(&s).await;
    let d = domain(&s).await;
    let ada = new_user_id(&g, "ada", &d).await;

    // A fresh user: the password only, and never its value.
    let (st, list) = g.get(&methods(&ada)).await;
    assert_eq!(st, 200, "{list}");
    assert_eq!(ids(&list), [PASSWORD_ID]);
    let pw = &list["value"][0];
    assert_eq!(
        pw["@odata.type"],
        "#microsoft.graph.passwordAuthenticationMethod"
    );
    assert!(pw["password"].is_null() && pw.get("password").is_some());
    assert!(list["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with(&format!("$metadata#users('{ada}')/authentication/methods")));
    let (st, one) = g
        .get(&format!(
            "/v1.0/users/ada@{d}/authentication/passwordMethods/{PASSWORD_ID}"
        ))
        .await;
    assert_eq!((st, one["id"].as_str()), (200, Some(PASSWORD_ID)));
    // A user created without a password has no methods at all.
    let mut body = new_user("nopw", &d);
    body.as_object_mut().unwrap().remove("passwordProfile");
    let (_, nopw) = g.post("/v1.0/users", body).await;
    let (_, list) = g.get(&methods(nopw["id"].as_str().unwrap())).await;
    assert_eq!(list["value"], json!([]));

    // A passkey (attested) and an authenticator app, each in its own shape.
    let aaguid: uuid::Uuid = "cb69481e-8ff7-4039-93ec-0a2729a154a8".parse().unwrap();
    let key = insert(&s, &ada, passkey(aaguid, "packed")).await;
    let plain = insert(&s, &ada, passkey(uuid::Uuid::nil(), "none")).await;
    let oath = insert(
        &s,
        &ada,
        MethodDetail::SoftwareOath {
            sealed_secret: vec![7; 40],
            last_step: 0,
        },
    )
    .await;
    let (_, list) = g.get(&methods(&ada)).await;
    let mut got = ids(&list);
    assert_eq!(got.remove(0), PASSWORD_ID, "the password first");
    got.sort();
    let mut want = vec![key.clone(), plain.clone(), oath.clone()];
    want.sort();
    assert_eq!(got, want);
    let (st, f) = g
        .get(&format!(
            "/v1.0/users/{ada}/authentication/fido2Methods/{key}"
        ))
        .await;
    assert_eq!(st, 200, "{f}");
    assert_eq!(
        f["@odata.type"],
        "#microsoft.graph.fido2AuthenticationMethod"
    );
    assert_eq!(f["aaGuid"], aaguid.to_string());
    assert_eq!(f["attestationLevel"], "attested");
    assert_eq!(f["attestationCertificates"], json!([]));
    assert!(f["model"].is_null() && f["createdDateTime"].is_string());
    let (_, f) = g
        .get(&format!(
            "/v1.0/users/{ada}/authentication/fido2Methods/{plain}"
        ))
        .await;
    assert_eq!(f["attestationLevel"], "notAttested");
    let (_, o) = g
        .get(&format!(
            "/v1.0/users/{ada}/authentication/softwareOathMethods"
        ))
        .await;
    assert_eq!(ids(&o), [oath.as_str()]);
    assert!(o["value"][0]["secretKey"].is_null());
    // $select keeps the id; a method is found only under its own kind.
    let (st, sel) = g.get(&format!("{}?$select=aaGuid", methods(&ada))).await;
    assert_eq!(st, 200);
    let sel = sel["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == key.as_str())
        .unwrap();
    assert_eq!(sel["aaGuid"], aaguid.to_string());
    assert!(sel.get("displayName").is_none());
    for (path, want) in [
        (
            format!("/v1.0/users/{ada}/authentication/softwareOathMethods/{key}"),
            404,
        ),
        (format!("{}?$top=1", methods(&ada)), 400),
        (format!("{}?$filter=id eq 'x'", methods(&ada)), 400),
        (
            format!("/v1.0/users/{ada}/authentication/phoneMethods"),
            400,
        ),
        (
            format!(
                "/v1.0/users/{}/authentication/methods",
                uuid::Uuid::new_v4()
            ),
            404,
        ),
    ] {
        assert_eq!(g.get(&path).await.0, want, "{path}");
    }
    // Deleting: passkeys and apps, even the last ones; never the password.
    let del = |kind: &str, id: &str| format!("/v1.0/users/{ada}/authentication/{kind}/{id}");
    assert_eq!(g.delete(&del("passwordMethods", PASSWORD_ID)).await.0, 405);
    assert_eq!(g.delete(&del("methods", &key)).await.0, 405);
    assert_eq!(g.delete(&del("softwareOathMethods", &key)).await.0, 404);
    assert_eq!(g.delete(&del("fido2Methods", &key)).await.0, 204);
    assert_eq!(g.delete(&del("fido2Methods", &key)).await.0, 404);
    assert_eq!(g.delete(&del("fido2Methods", &plain)).await.0, 204);
    assert_eq!(g.delete(&del("softwareOathMethods", &oath)).await.0, 204);
    assert!(stored(&s, &ada).await.is_empty());
    assert_eq!(
        g.post(
            &format!("/v1.0/users/{ada}/authentication/fido2Methods"),
            json!({})
        )
        .await
        .0,
        405
    );
}
both_backends!(methods_in_graphs_shapes);

async fn temporary_access_passes(b: TestBackend) {
    let s = TestServer::start(b).await;
    let g = admin(&s).await;
    let d = domain(&s).await;
    let t = s.running().tenant_id;
    let ada = new_user_id(&g, "tapper", &d).await;
    let seq0 = s.running().store.latest_change_seq().await.unwrap();

    let (st, tap) = g.post(&taps(&ada), json!({})).await;
    assert_eq!(st, 201, "{tap}");
    let pass = tap["temporaryAccessPass"].as_str().unwrap().to_string();
    assert_eq!(pass.chars().count(), 8, "the policy's default length");
    assert_eq!(
        tap["@odata.type"],
        "#microsoft.graph.temporaryAccessPassAuthenticationMethod"
    );
    assert_eq!(tap["lifetimeInMinutes"], 60);
    assert_eq!(tap["isUsableOnce"], false);
    assert_eq!(tap["isUsable"], true);
    assert_eq!(tap["methodUsabilityReason"], "EnabledByPolicy");
    let id = tap["id"].as_str().unwrap().to_string();
    // Stored only as a keyed digest; never shown again, never logged.
    let all = stored(&s, &ada).await;
    let [m] = &all[..] else { panic!("one method") };
    let MethodDetail::TemporaryAccessPass { digest, .. } = &m.detail else {
        panic!("a pass")
    };
    assert_eq!(digest.len(), 32);
    assert!(!String::from_utf8_lossy(digest).contains(&pass));
    for path in [
        taps(&ada),
        format!("{}/{id}", taps(&ada)),
        methods(&ada),
        format!("{}/{id}", methods(&ada)),
    ] {
        let (st, v) = g.get(&path).await;
        assert_eq!(st, 200, "{path}");
        assert!(!v.to_string().contains(&pass), "{path}: {v}");
    }
    let (_, one) = g.get(&format!("{}/{id}", taps(&ada))).await;
    assert!(one["temporaryAccessPass"].is_null() && one.get("temporaryAccessPass").is_some());
    let log = s
        .running()
        .store
        .changes_since(t, seq0, 1000)
        .await
        .unwrap();
    assert!(!format!("{log:?}").contains(&pass));

    // One live pass per user.
    let (st, e) = g.post(&taps(&ada), json!({})).await;
    assert_eq!((st, e["error"]["code"].as_str()), (400, Some("badRequest")));
    assert_eq!(stored(&s, &ada).await.len(), 1);
    assert_eq!(g.delete(&format!("{}/{id}", taps(&ada))).await.0, 204);
    assert!(stored(&s, &ada).await.is_empty());

    // Bad requests: each is 400 and stores nothing.
    #[allow(clippy::disallowed_methods)] // the server checks against its wall clock
    let now = time::OffsetDateTime::now_utc();
    let at = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    for (what, body) in [
        (
            "lifetime under the policy's minimum",
            json!({ "lifetimeInMinutes": 5 }),
        ),
        (
            "lifetime over the policy's maximum",
            json!({ "lifetimeInMinutes": 481 }),
        ),
        ("lifetime as a string", json!({ "lifetimeInMinutes": "60" })),
        (
            "lifetime as a fraction",
            json!({ "lifetimeInMinutes": 60.5 }),
        ),
        (
            "isUsableOnce not a boolean",
            json!({ "isUsableOnce": "yes" }),
        ),
        (
            "a start in the past",
            json!({ "startDateTime": at(now - Duration::days(1)) }),
        ),
        (
            "a start beyond 30 days",
            json!({ "startDateTime": at(now + Duration::days(31)) }),
        ),
        (
            "a start that is no date",
            json!({ "startDateTime": "tomorrow" }),
        ),
        (
            "the pass chosen by the caller",
            json!({ "temporaryAccessPass": "Chosen-42" }),
        ),
        ("a read-only property", json!({ "isUsable": true })),
        ("an unknown property", json!({ "colour": "blue" })),
    ] {
        let (st, e) = g.post(&taps(&ada), body).await;
        assert_eq!(st, 400, "{what}: {e}");
        assert!(stored(&s, &ada).await.is_empty(), "{what}");
    }

    // A pass that starts tomorrow is not yet usable, and blocks another.
    let (st, later) = g
        .post(
            &taps(&ada),
            json!({ "startDateTime": at(now + Duration::days(1)), "lifetimeInMinutes": 480, "isUsableOnce": true }),
        )
        .await;
    assert_eq!(st, 201, "{later}");
    assert_eq!(later["isUsable"], false);
    assert_eq!(later["methodUsabilityReason"], "NotYetValid");
    assert_eq!(later["isUsableOnce"], true);
    assert_eq!(g.post(&taps(&ada), json!({})).await.0, 400);
    let later = later["id"].as_str().unwrap();
    assert_eq!(g.delete(&format!("{}/{later}", taps(&ada))).await.0, 204);

    // An expired pass is shown as such and replaced by a new one.
    let old = insert(
        &s,
        &ada,
        MethodDetail::TemporaryAccessPass {
            digest: vec![0; 32],
            start: now - Duration::days(2),
            lifetime_minutes: 60,
            is_usable_once: false,
            used_at: None,
        },
    )
    .await;
    let (_, v) = g.get(&format!("{}/{old}", taps(&ada))).await;
    assert_eq!(
        (v["isUsable"].as_bool(), v["methodUsabilityReason"].as_str()),
        (Some(false), Some("Expired"))
    );
    let (st, new) = g.post(&taps(&ada), json!({ "isUsableOnce": true })).await;
    assert_eq!(st, 201, "{new}");
    let (_, list) = g.get(&taps(&ada)).await;
    assert_eq!(ids(&list), [new["id"].as_str().unwrap()]);

    // The policy decides: a one-time-only policy refuses multi-use passes;
    // a disabled policy refuses passes and shows existing ones unusable.
    assert_eq!(
        g.patch(TAP_CONFIG, json!({ "isUsableOnce": true })).await.0,
        204
    );
    let other = new_user_id(&g, "tapper2", &d).await;
    let (st, e) = g
        .post(&taps(&other), json!({ "isUsableOnce": false }))
        .await;
    assert_eq!(st, 400, "{e}");
    let (_, once) = g.post(&taps(&other), json!({})).await;
    assert_eq!(once["isUsableOnce"], true, "the policy's default");
    assert_eq!(
        g.patch(TAP_CONFIG, json!({ "state": "disabled" })).await.0,
        204
    );
    let third = new_user_id(&g, "tapper3", &d).await;
    let (st, e) = g.post(&taps(&third), json!({})).await;
    assert_eq!((st, e["error"]["code"].as_str()), (400, Some("badRequest")));
    assert!(stored(&s, &third).await.is_empty());
    let (_, v) = g.get(&taps(&other)).await;
    assert_eq!(v["value"][0]["methodUsabilityReason"], "DisabledByPolicy");
    assert_eq!(v["value"][0]["isUsable"], false);
}
both_backends!(temporary_access_passes);

async fn who_may_manage_methods(b: TestBackend) {
    let s = TestServer::start(b).await;
    let g = admin(&s).await;
    let d = domain(&s).await;
    let plain = new_user_id(&g, "plain", &d).await;
    let boss = new_user_id(&g, "boss", &d).await;
    give_role(&s, &boss, dr::GLOBAL_ADMINISTRATOR).await;
    let reporter = new_user_id(&g, "reporter", &d).await;
    give_role(&s, &reporter, dr::REPORTS_READER).await;

    // Application permissions: none, read, read and write.
    let none = app_with(&s, &["User.ReadWrite.All", "Directory.ReadWrite.All"]).await;
    assert_eq!(none.get(&methods(&plain)).await.0, 403);
    assert_eq!(none.post(&taps(&plain), json!({})).await.0, 403);
    let missing = uuid::Uuid::new_v4().to_string();
    assert_eq!(none.get(&methods(&missing)).await.0, 403, "403 before 404");
    let reader = app_with(&s, &["UserAuthenticationMethod.Read.All"]).await;
    assert_eq!(reader.get(&methods(&plain)).await.0, 200);
    assert_eq!(reader.get(&methods(&missing)).await.0, 404);
    assert_eq!(reader.post(&taps(&plain), json!({})).await.0, 403);
    let key = insert(&s, &plain, passkey(uuid::Uuid::nil(), "none")).await;
    let fido = |u: &str, id: &str| format!("/v1.0/users/{u}/authentication/fido2Methods/{id}");
    assert_eq!(reader.delete(&fido(&plain, &key)).await.0, 403);
    let writer = app_with(&s, &["UserAuthenticationMethod.ReadWrite.All"]).await;
    assert_eq!(
        writer.post(&taps(&boss), json!({})).await.0,
        201,
        "apps may, for anyone"
    );
    assert_eq!(writer.get("/v1.0/me/authentication/methods").await.0, 400);

    // Self-service: read with .Read, delete with .ReadWrite, no pass for oneself.
    let me = user_with(&s, "selfie", &["UserAuthenticationMethod.Read"], &[]).await;
    let (st, mine) = me.g.get("/v1.0/me/authentication/methods").await;
    assert_eq!(st, 200, "{mine}");
    assert_eq!(ids(&mine), [PASSWORD_ID]);
    assert_eq!(me.g.get(&methods(&me.user.to_string())).await.0, 200);
    assert_eq!(me.g.get(&methods(&plain)).await.0, 403);
    let my_key = insert(&s, &me.user.to_string(), passkey(uuid::Uuid::nil(), "none")).await;
    let my_fido = format!("/v1.0/me/authentication/fido2Methods/{my_key}");
    assert_eq!(me.g.get(&my_fido).await.0, 200);
    assert_eq!(me.g.delete(&my_fido).await.0, 403, ".Read does not delete");
    let me_rw = user_with(&s, "selfie2", &["UserAuthenticationMethod.ReadWrite"], &[]).await;
    let their_key = insert(
        &s,
        &me_rw.user.to_string(),
        passkey(uuid::Uuid::nil(), "none"),
    )
    .await;
    // Deleting one's own method needs a multifactor sign-in: the password
    // alone may not remove the second factor.
    let mine_path = format!("/v1.0/me/authentication/fido2Methods/{their_key}");
    let (st, body) = me_rw.g.delete(&mine_path).await;
    assert_eq!(st, 403, "{body}");
    assert!(body.to_string().contains("multifactor"), "{body}");
    let upn = format!("selfie2@{}", domain(&s).await);
    let me_mfa = signed_in_with_pass(
        &s,
        &writer,
        &me_rw,
        &upn,
        "UserAuthenticationMethod.ReadWrite",
    )
    .await;
    assert_eq!(me_mfa.delete(&mine_path).await.0, 204);
    assert_eq!(me_mfa.delete(&my_fido).await.0, 404, "only one's own");
    assert_eq!(
        me_rw
            .g
            .post(
                "/v1.0/me/authentication/temporaryAccessPassMethods",
                json!({})
            )
            .await
            .0,
        403
    );

    // The scope alone is not enough for other users: a role is needed.
    let scoped = user_with(
        &s,
        "scoped",
        &["UserAuthenticationMethod.ReadWrite.All"],
        &[],
    )
    .await;
    assert_eq!(scoped.g.get(&methods(&plain)).await.0, 403);
    assert_eq!(scoped.g.post(&taps(&plain), json!({})).await.0, 403);

    // An Authentication Administrator manages non-administrators only.
    let aa = user_with(
        &s,
        "authadmin",
        &["UserAuthenticationMethod.ReadWrite.All"],
        &[dr::AUTHENTICATION_ADMINISTRATOR],
    )
    .await;
    assert_eq!(aa.g.get(&methods(&boss)).await.0, 200, "reading is allowed");
    let (st, e) = aa.g.post(&taps(&plain), json!({})).await;
    assert_eq!(st, 201, "{e}");
    assert_eq!(aa.g.post(&taps(&reporter), json!({})).await.0, 201);
    assert_eq!(aa.g.post(&taps(&boss), json!({})).await.0, 403);
    let boss_key = insert(&s, &boss, passkey(uuid::Uuid::nil(), "none")).await;
    assert_eq!(aa.g.delete(&fido(&boss, &boss_key)).await.0, 403);
    assert_eq!(aa.g.delete(&fido(&plain, &key)).await.0, 204);
    assert_eq!(
        aa.g.post(
            "/v1.0/me/authentication/temporaryAccessPassMethods",
            json!({})
        )
        .await
        .0,
        403,
        "never a pass for oneself"
    );
    // A Privileged Authentication Administrator manages anyone's.
    let pa = user_with(
        &s,
        "privadmin",
        &["UserAuthenticationMethod.ReadWrite.All"],
        &[dr::PRIVILEGED_AUTHENTICATION_ADMINISTRATOR],
    )
    .await;
    assert_eq!(pa.g.delete(&fido(&boss, &boss_key)).await.0, 204);
    let (_, boss_taps) = pa.g.get(&taps(&boss)).await;
    let boss_tap = boss_taps["value"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        pa.g.delete(&format!("{}/{boss_tap}", taps(&boss))).await.0,
        204
    );
    assert_eq!(pa.g.post(&taps(&boss), json!({})).await.0, 201);
    // A Global Reader reads but does not write.
    let gr = user_with(
        &s,
        "greader",
        &["UserAuthenticationMethod.ReadWrite.All"],
        &[dr::GLOBAL_READER],
    )
    .await;
    assert_eq!(gr.g.get(&methods(&boss)).await.0, 200);
    assert_eq!(gr.g.post(&taps(&plain), json!({})).await.0, 403);
}
both_backends!(who_may_manage_methods);

/// A delegated token of `d`'s user for `d`'s client, signed in with a
/// Temporary Access Pass (`amr`: tap, mfa) that `issuer` issues.
async fn signed_in_with_pass(
    s: &TestServer,
    issuer: &Graph,
    d: &Delegated,
    upn: &str,
    scope: &str,
) -> Graph {
    use crate::signin::fixtures as sf;
    let (st, m) = issuer.post(&taps(&d.user.to_string()), json!({})).await;
    assert_eq!(st, 201, "{m}");
    let pass = m["temporaryAccessPass"].as_str().unwrap().to_string();
    let t = s.running().tenant_id;
    let client: AppId = d.client_id.parse().unwrap();
    let scope = format!("openid offline_access https://graph.microsoft.com/{scope}");
    let mut br = sf::Browser::new(s);
    let path = sf::authorize_path(
        t,
        client,
        sf::WEB_REDIRECT,
        &[
            ("scope", &scope),
            ("code_challenge", sf::CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
    );
    let page = br.get(&path).await.text().await.unwrap();
    let ctx = sf::input(&page, "ctx").unwrap();
    let csrf = sf::input(&page, "csrf").unwrap();
    let r = br
        .post(
            &format!("/{t}/login/tap"),
            &[
                ("ctx", &ctx),
                ("csrf", &csrf),
                ("username", upn),
                ("tap", &pass),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let code = sf::location_params(&r)["code"].clone();
    let apps = sf::Apps {
        tenant: t,
        upn: upn.into(),
        user: d.user,
        public: client,
        conf: client,
        secret: d.secret.clone(),
    };
    let (status, body) =
        crate::signin::flow::redeem_conf(s, &apps, &code, Some(sf::VERIFIER)).await;
    assert_eq!(status, 200, "{body}");
    Graph::with(s, body["access_token"].as_str().unwrap().into())
}
