//! Full ceremonies against the software authenticator in `soft.rs`, one
//! test per attack, each asserting the failure variant (and reason).
use super::*;
use soft::*;

mod soft;

fn relying() -> Relying {
    Relying::new(RP_ID, ORIGIN, "Tessera").unwrap()
}

fn register_with(
    rp: &Relying,
    user: Uuid,
    policy: &Fido2Policy,
    aaguid: [u8; 16],
    attest: Attest,
    k: &Knobs,
) -> Result<(Soft, StoredPasskey), WebauthnFailure> {
    let reg = rp.start_registration(user, "ada@example.com", "Ada", &[], policy)?;
    let (soft, response) = create(&reg.options_json, aaguid, attest, k);
    let stored = rp.finish_registration(&reg.state, &response, policy)?;
    Ok((soft, stored))
}

fn register(rp: &Relying, user: Uuid) -> (Soft, StoredPasskey) {
    register_with(
        rp,
        user,
        &Fido2Policy::default(),
        YUBI,
        Attest::None,
        &Knobs::default(),
    )
    .unwrap()
}

fn passwordless(
    rp: &Relying,
    soft: &mut Soft,
    passkeys: &[StoredPasskey],
    k: &Knobs,
) -> Result<Used, WebauthnFailure> {
    let ch = rp.start_passwordless()?;
    let response = soft.get(&ch.options_json, k);
    let (user, _) = rp.identify(&response)?;
    rp.finish_passwordless(&ch.state, &response, user, passkeys)
}

fn second_factor(
    rp: &Relying,
    soft: &mut Soft,
    passkeys: &[StoredPasskey],
    k: &Knobs,
) -> Result<Used, WebauthnFailure> {
    let ch = rp.start_second_factor(passkeys)?;
    let response = soft.get(&ch.options_json, k);
    rp.finish_second_factor(&ch.state, &response, passkeys)
}

macro_rules! assert_fails {
    ($result:expr, $pattern:pat) => {
        match $result {
            Err(e @ $pattern) => e,
            other => panic!(
                "expected {}, got {:?}",
                stringify!($pattern),
                other.map(|_| ())
            ),
        }
    };
}

#[test]
fn registration_options_require_discoverable_uv_credentials() {
    let rp = relying();
    let user = Uuid::new_v4();
    let reg = rp
        .start_registration(
            user,
            "ada@example.com",
            "Ada",
            &[vec![7; 16]],
            &Fido2Policy::default(),
        )
        .unwrap();
    let o: Value = serde_json::from_str(&reg.options_json).unwrap();
    let pk = &o["publicKey"];
    assert_eq!(pk["rp"], json!({ "id": RP_ID, "name": "Tessera" }));
    assert_eq!(pk["user"]["id"], json!(b64(user.as_bytes())));
    assert_eq!(pk["user"]["name"], "ada@example.com");
    assert_eq!(pk["user"]["displayName"], "Ada");
    assert_eq!(pk["challenge"], json!(b64(&reg.challenge)));
    assert_eq!(reg.challenge.len(), 32);
    let sel = &pk["authenticatorSelection"];
    assert_eq!(sel["residentKey"], "required");
    assert_eq!(sel["requireResidentKey"], true);
    assert_eq!(sel["userVerification"], "required");
    assert_eq!(pk["attestation"], "none");
    assert_eq!(pk["excludeCredentials"][0]["id"], json!(b64(&[7; 16])));
    assert!(pk["pubKeyCredParams"]
        .as_array()
        .unwrap()
        .contains(&json!({ "type": "public-key", "alg": -7 })));
    assert!(reg.state.len() < 1024, "state is {} bytes", reg.state.len());

    for policy in [
        Fido2Policy {
            is_attestation_enforced: true,
            ..Default::default()
        },
        Fido2Policy {
            key_restrictions: KeyRestrictions {
                is_enforced: true,
                ..Default::default()
            },
            ..Default::default()
        },
    ] {
        let reg = rp
            .start_registration(user, "ada", "", &[], &policy)
            .unwrap();
        let o: Value = serde_json::from_str(&reg.options_json).unwrap();
        assert_eq!(o["publicKey"]["attestation"], "direct");
        assert_eq!(o["publicKey"]["user"]["displayName"], "ada");
    }
}

#[test]
fn authentication_options() {
    let rp = relying();
    let (_, pk) = register(&rp, Uuid::new_v4());
    let ch = rp.start_passwordless().unwrap();
    let o: Value = serde_json::from_str(&ch.options_json).unwrap();
    assert_eq!(o.as_object().unwrap().len(), 1, "only publicKey: {o}");
    assert_eq!(o["publicKey"]["allowCredentials"], json!([]));
    assert_eq!(o["publicKey"]["userVerification"], "required");
    assert_eq!(o["publicKey"]["rpId"], RP_ID);
    assert_eq!(o["publicKey"]["challenge"], json!(b64(&ch.challenge)));
    assert!(ch.state.len() < 512, "state is {} bytes", ch.state.len());

    let ch = rp.start_second_factor(std::slice::from_ref(&pk)).unwrap();
    let o: Value = serde_json::from_str(&ch.options_json).unwrap();
    assert_eq!(
        o["publicKey"]["allowCredentials"][0]["id"],
        json!(b64(&pk.credential_id))
    );
    assert_eq!(o["publicKey"]["allowCredentials"][0]["type"], "public-key");
    assert_eq!(o["publicKey"]["userVerification"], "required");
    assert!(o.get("mediation").is_none());
    assert!(ch.state.len() < 512, "state is {} bytes", ch.state.len());
    assert_fails!(
        rp.start_second_factor(&[]),
        WebauthnFailure::UnknownCredential
    );
}

#[test]
fn register_then_passwordless_then_second_factor() {
    let rp = relying();
    let user = Uuid::new_v4();
    let (mut soft, pk) = register(&rp, user);
    assert_eq!(pk.credential_id, soft.cred_id);
    assert_eq!(pk.user_id, user);
    assert_eq!(pk.aaguid, Uuid::from_bytes(YUBI));
    assert_eq!(pk.attestation_format, "none");
    assert_eq!(pk.counter, 0);
    assert!(!pk.backup_eligible);

    let ch = rp.start_passwordless().unwrap();
    let response = soft.get(&ch.options_json, &Knobs::default());
    assert_eq!(
        rp.identify(&response).unwrap(),
        (user, soft.cred_id.clone())
    );
    let used = rp
        .finish_passwordless(&ch.state, &response, user, std::slice::from_ref(&pk))
        .unwrap();
    assert_eq!(used.credential_id, pk.credential_id);
    assert!(used.user_verified);
    assert_eq!((used.counter, used.updated.counter), (1, 1));
    assert!(used.updated.passkey_json.contains("\"counter\":1"));

    let used = second_factor(&rp, &mut soft, &[used.updated], &Knobs::default()).unwrap();
    assert_eq!((used.counter, used.updated.counter), (2, 2));
    assert_eq!(used.updated.aaguid, pk.aaguid);
    assert_eq!(used.updated.user_id, user);
}

#[test]
fn authenticators_that_keep_counter_zero_keep_working() {
    let rp = relying();
    let (mut soft, pk) = register(&rp, Uuid::new_v4());
    let zero = Knobs {
        counter: Some(0),
        ..Default::default()
    };
    let mut pk = pk;
    for _ in 0..3 {
        let used = passwordless(&rp, &mut soft, &[pk], &zero).unwrap();
        assert_eq!(used.counter, 0);
        pk = used.updated;
    }
    second_factor(&rp, &mut soft, &[pk], &zero).unwrap();
}

#[test]
fn soft_webauthn_shape_is_accepted_once_it_sets_uv() {
    let rp = relying();
    let user = Uuid::new_v4();
    // As shipped, soft-webauthn 0.1.4 sets UP but never UV (flags 0x41/0x01).
    let unpatched = Knobs {
        soft_webauthn: true,
        uv: false,
        ..Default::default()
    };
    let e = assert_fails!(
        register_with(
            &rp,
            user,
            &Fido2Policy::default(),
            ZERO,
            Attest::None,
            &unpatched
        ),
        WebauthnFailure::Rejected(_)
    );
    assert!(e.to_string().contains("user not verified"), "{e}");

    let soft_k = Knobs {
        soft_webauthn: true,
        ..Default::default()
    };
    let (mut soft, pk) = register_with(
        &rp,
        user,
        &Fido2Policy::default(),
        ZERO,
        Attest::None,
        &soft_k,
    )
    .unwrap();
    assert_eq!(pk.aaguid, Uuid::nil());
    let used = passwordless(&rp, &mut soft, &[pk], &soft_k).unwrap();
    assert_eq!(used.counter, 1);
    let used = passwordless(&rp, &mut soft, &[used.updated], &soft_k).unwrap();
    assert_eq!(used.counter, 2);
    let unpatched_get = Knobs {
        uv: false,
        ..soft_k
    };
    assert_fails!(
        passwordless(&rp, &mut soft, &[used.updated], &unpatched_get),
        WebauthnFailure::Rejected(_)
    );
}

#[test]
fn attack_wrong_origin() {
    let rp = relying();
    for origin in [
        "https://evil.example",
        "https://sub.login.example.com",
        "https://login.example.com:8443",
        "http://login.example.com",
    ] {
        let k = Knobs {
            origin: origin.into(),
            ..Default::default()
        };
        let user = Uuid::new_v4();
        let e = assert_fails!(
            register_with(&rp, user, &Fido2Policy::default(), YUBI, Attest::None, &k),
            WebauthnFailure::Rejected(_)
        );
        assert!(e.to_string().contains("origin mismatch"), "{origin}: {e}");
        let (mut soft, pk) = register(&rp, user);
        let e = assert_fails!(
            passwordless(&rp, &mut soft, &[pk], &k),
            WebauthnFailure::Rejected(_)
        );
        assert!(e.to_string().contains("origin mismatch"), "{origin}: {e}");
    }

    // localhost gets no port leniency either.
    let local = Relying::new("localhost", "http://localhost:8080", "Tessera").unwrap();
    let reg = local
        .start_registration(Uuid::new_v4(), "ada", "Ada", &[], &Fido2Policy::default())
        .unwrap();
    let k = |origin: &str| Knobs {
        origin: origin.into(),
        rp_id: "localhost".into(),
        ..Default::default()
    };
    let (_, wrong_port) = create(
        &reg.options_json,
        YUBI,
        Attest::None,
        &k("http://localhost:9090"),
    );
    assert_fails!(
        local.finish_registration(&reg.state, &wrong_port, &Fido2Policy::default()),
        WebauthnFailure::Rejected(_)
    );
    let (_, right) = create(
        &reg.options_json,
        YUBI,
        Attest::None,
        &k("http://localhost:8080"),
    );
    local
        .finish_registration(&reg.state, &right, &Fido2Policy::default())
        .unwrap();
}

#[test]
fn attack_wrong_rp_id_hash() {
    let rp = relying();
    let k = Knobs {
        rp_id: "example.com".into(),
        ..Default::default()
    };
    let user = Uuid::new_v4();
    let e = assert_fails!(
        register_with(&rp, user, &Fido2Policy::default(), YUBI, Attest::None, &k),
        WebauthnFailure::Rejected(_)
    );
    assert!(e.to_string().contains("RP ID hash"), "{e}");
    let (mut soft, pk) = register(&rp, user);
    let e = assert_fails!(
        second_factor(&rp, &mut soft, &[pk], &k),
        WebauthnFailure::Rejected(_)
    );
    assert!(e.to_string().contains("RP ID hash"), "{e}");
}

#[test]
fn attack_state_from_another_ceremony() {
    let rp = relying();
    let user = Uuid::new_v4();
    let policy = Fido2Policy::default();
    let reg = rp
        .start_registration(user, "ada", "Ada", &[], &policy)
        .unwrap();
    let other = rp
        .start_registration(user, "ada", "Ada", &[], &policy)
        .unwrap();
    let (_, response) = create(&reg.options_json, YUBI, Attest::None, &Knobs::default());
    let e = assert_fails!(
        rp.finish_registration(&other.state, &response, &policy),
        WebauthnFailure::Rejected(_)
    );
    assert!(e.to_string().contains("challenge"), "{e}");

    let (mut soft, pk) = register(&rp, user);
    let ch = rp.start_passwordless().unwrap();
    let other = rp.start_passwordless().unwrap();
    let response = soft.get(&ch.options_json, &Knobs::default());
    let e = assert_fails!(
        rp.finish_passwordless(&other.state, &response, user, std::slice::from_ref(&pk)),
        WebauthnFailure::Rejected(_)
    );
    assert!(e.to_string().contains("challenge"), "{e}");

    // A passwordless state does not finish a second factor, nor the reverse.
    let second = rp.start_second_factor(std::slice::from_ref(&pk)).unwrap();
    let response = soft.get(&second.options_json, &Knobs::default());
    assert_fails!(
        rp.finish_passwordless(&second.state, &response, user, std::slice::from_ref(&pk)),
        WebauthnFailure::Rejected(_)
    );
    assert_fails!(
        rp.finish_second_factor(&reg.state, &response, std::slice::from_ref(&pk)),
        WebauthnFailure::Internal(_)
    );
    assert_fails!(
        rp.finish_second_factor(b"garbage", &response, &[pk]),
        WebauthnFailure::Internal(_)
    );
}

#[test]
fn attack_counter_regression() {
    let rp = relying();
    let (mut soft, pk) = register(&rp, Uuid::new_v4());
    let five = Knobs {
        counter: Some(5),
        ..Default::default()
    };
    let pk = passwordless(&rp, &mut soft, &[pk], &five).unwrap().updated;
    assert_eq!(pk.counter, 5);
    for counter in [3, 5, 0] {
        let k = Knobs {
            counter: Some(counter),
            ..Default::default()
        };
        let e = assert_fails!(
            passwordless(&rp, &mut soft, std::slice::from_ref(&pk), &k),
            WebauthnFailure::Rejected(_)
        );
        assert!(e.to_string().contains("counter"), "{counter}: {e}");
        assert_fails!(
            second_factor(&rp, &mut soft, std::slice::from_ref(&pk), &k),
            WebauthnFailure::Rejected(_)
        );
    }
    // The counter column alone is enough: a store that updates only it still
    // catches the clone.
    let mut stale = pk.clone();
    stale.passkey_json = stale.passkey_json.replace("\"counter\":5", "\"counter\":0");
    let k = Knobs {
        counter: Some(4),
        ..Default::default()
    };
    assert_fails!(
        passwordless(&rp, &mut soft, &[stale], &k),
        WebauthnFailure::Rejected(_)
    );
    let k = Knobs {
        counter: Some(6),
        ..Default::default()
    };
    assert_eq!(passwordless(&rp, &mut soft, &[pk], &k).unwrap().counter, 6);
}

#[test]
fn attack_bad_signature() {
    let rp = relying();
    let (mut soft, pk) = register(&rp, Uuid::new_v4());
    let k = Knobs {
        flip_signature: true,
        ..Default::default()
    };
    let e = assert_fails!(
        passwordless(&rp, &mut soft, std::slice::from_ref(&pk), &k),
        WebauthnFailure::Rejected(_)
    );
    assert!(e.to_string().contains("signature"), "{e}");
    assert_eq!(e.code(), "webauthn_rejected");
    assert_fails!(
        second_factor(&rp, &mut soft, &[pk], &k),
        WebauthnFailure::Rejected(_)
    );
}

#[test]
fn attack_user_handle_of_another_user() {
    let rp = relying();
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    let (mut soft_a, pk_a) = register(&rp, a);
    let (_, pk_b) = register(&rp, b);
    let b_handle = Knobs {
        user_handle: Some(Some(b.as_bytes().to_vec())),
        ..Default::default()
    };

    // A's credential, B's handle: the server loads B's passkeys, A's
    // credential is not among them.
    let ch = rp.start_passwordless().unwrap();
    let response = soft_a.get(&ch.options_json, &b_handle);
    assert_eq!(rp.identify(&response).unwrap().0, b);
    assert_fails!(
        rp.finish_passwordless(&ch.state, &response, b, std::slice::from_ref(&pk_b)),
        WebauthnFailure::UnknownCredential
    );
    // Even if A's passkeys were handed over for B, they are A's.
    assert_fails!(
        rp.finish_passwordless(&ch.state, &response, b, std::slice::from_ref(&pk_a)),
        WebauthnFailure::WrongUser
    );
    // A's own handle while B is the one being signed in.
    let response = soft_a.get(&ch.options_json, &Knobs::default());
    assert_fails!(
        rp.finish_passwordless(&ch.state, &response, b, std::slice::from_ref(&pk_a)),
        WebauthnFailure::WrongUser
    );
    // Second factor: a handle that is not the passkeys' owner.
    assert_fails!(
        second_factor(&rp, &mut soft_a, std::slice::from_ref(&pk_a), &b_handle),
        WebauthnFailure::WrongUser
    );
    // Passwordless needs a handle; the second factor does not.
    let no_handle = Knobs {
        user_handle: Some(None),
        ..Default::default()
    };
    let ch = rp.start_passwordless().unwrap();
    let response = soft_a.get(&ch.options_json, &no_handle);
    assert_fails!(rp.identify(&response), WebauthnFailure::BadResponse(_));
    assert_fails!(
        rp.finish_passwordless(&ch.state, &response, a, std::slice::from_ref(&pk_a)),
        WebauthnFailure::BadResponse(_)
    );
    second_factor(&rp, &mut soft_a, &[pk_a], &no_handle).unwrap();
}

#[test]
fn attack_user_not_verified() {
    let rp = relying();
    let (mut soft, pk) = register(&rp, Uuid::new_v4());
    let k = Knobs {
        uv: false,
        ..Default::default()
    };
    for result in [
        passwordless(&rp, &mut soft, std::slice::from_ref(&pk), &k),
        second_factor(&rp, &mut soft, std::slice::from_ref(&pk), &k),
    ] {
        let e = assert_fails!(result, WebauthnFailure::Rejected(_));
        assert!(e.to_string().contains("user not verified"), "{e}");
    }
}

fn restricted(enforcement_type: EnforcementType, aa_guids: Vec<Uuid>) -> Fido2Policy {
    Fido2Policy {
        is_attestation_enforced: false,
        key_restrictions: KeyRestrictions {
            is_enforced: true,
            enforcement_type,
            aa_guids,
        },
    }
}

#[test]
fn aaguid_key_restrictions() {
    let rp = relying();
    let user = Uuid::new_v4();
    let k = Knobs::default();
    let yubi = Uuid::from_bytes(YUBI);
    let reg = |policy: &Fido2Policy| register_with(&rp, user, policy, YUBI, Attest::None, &k);

    assert_fails!(
        reg(&restricted(EnforcementType::Block, vec![yubi])),
        WebauthnFailure::NotAllowed(_)
    );
    assert_fails!(
        reg(&restricted(EnforcementType::Allow, vec![Uuid::nil()])),
        WebauthnFailure::NotAllowed(_)
    );
    assert_fails!(
        reg(&restricted(EnforcementType::Allow, vec![])),
        WebauthnFailure::NotAllowed(_)
    );
    reg(&restricted(EnforcementType::Allow, vec![yubi])).unwrap();
    reg(&restricted(EnforcementType::Block, vec![Uuid::nil()])).unwrap();
    // Not enforced: the lists are inert.
    let mut off = restricted(EnforcementType::Block, vec![yubi]);
    off.key_restrictions.is_enforced = false;
    reg(&off).unwrap();
}

#[test]
fn attestation_enforcement() {
    let rp = relying();
    let user = Uuid::new_v4();
    let k = Knobs::default();
    let policy = Fido2Policy {
        is_attestation_enforced: true,
        ..Default::default()
    };
    for attest in [Attest::None, Attest::PackedSelf] {
        let e = assert_fails!(
            register_with(&rp, user, &policy, YUBI, attest, &k),
            WebauthnFailure::NotAllowed(_)
        );
        assert_eq!(e.code(), "webauthn_not_allowed");
    }
    let (mut soft, pk) = register_with(&rp, user, &policy, YUBI, Attest::PackedX5c, &k).unwrap();
    assert_eq!(pk.attestation_format, "packed");
    assert_eq!(pk.aaguid, Uuid::from_bytes(YUBI));
    passwordless(&rp, &mut soft, &[pk], &k).unwrap();

    // Self attestation is fine when nobody asks for attestation.
    let (_, pk) = register_with(
        &rp,
        user,
        &Fido2Policy::default(),
        YUBI,
        Attest::PackedSelf,
        &k,
    )
    .unwrap();
    assert_eq!(pk.attestation_format, "packed");
}

#[test]
fn malformed_responses() {
    let rp = relying();
    let user = Uuid::new_v4();
    let policy = Fido2Policy::default();
    let reg = rp
        .start_registration(user, "ada", "Ada", &[], &policy)
        .unwrap();
    let (_, good) = create(&reg.options_json, YUBI, Attest::None, &Knobs::default());
    let mut no_att: Value = serde_json::from_str(&good).unwrap();
    no_att["response"]
        .as_object_mut()
        .unwrap()
        .remove("attestationObject");
    let mut wrong_type: Value = serde_json::from_str(&good).unwrap();
    wrong_type["type"] = json!("password");
    let mut garbage: Value = serde_json::from_str(&good).unwrap();
    garbage["response"]["attestationObject"] = json!(b64(b"\xa1\x63fmt"));
    for bad in [
        "".to_string(),
        "{".into(),
        "[]".into(),
        "{\"type\":\"public-key\"}".into(),
        no_att.to_string(),
        wrong_type.to_string(),
        garbage.to_string(),
        "x".repeat(70_000),
    ] {
        let e = assert_fails!(
            rp.finish_registration(&reg.state, &bad, &policy),
            WebauthnFailure::BadResponse(_)
        );
        assert_eq!(e.code(), "webauthn_bad_response");
    }
    let (mut soft, pk) = register(&rp, user);
    let ch = rp.start_passwordless().unwrap();
    let good: Value = serde_json::from_str(&soft.get(&ch.options_json, &Knobs::default())).unwrap();
    let mut bad_b64 = good.clone();
    bad_b64["response"]["signature"] = json!("***");
    for bad in ["null".to_string(), bad_b64.to_string()] {
        assert_fails!(rp.identify(&bad), WebauthnFailure::BadResponse(_));
        assert_fails!(
            rp.finish_passwordless(&ch.state, &bad, user, std::slice::from_ref(&pk)),
            WebauthnFailure::BadResponse(_)
        );
    }
    // An unknown credential id in a well-formed response.
    let mut unknown = good;
    unknown["rawId"] = json!(b64(&[9; 32]));
    unknown["id"] = json!(b64(&[9; 32]));
    assert_fails!(
        rp.finish_passwordless(&ch.state, &unknown.to_string(), user, &[pk]),
        WebauthnFailure::UnknownCredential
    );
}

#[test]
fn configuration() {
    assert!(Relying::new(
        "login.example.com",
        "https://login.example.com/tessera/",
        "T"
    )
    .is_ok());
    for (rp_id, origin) in [
        ("login.example.com", "not a url"),
        ("login.example.com", "https://other.example.com"),
        ("evil.com", "https://login.example.com"),
        ("login.example.com", "ftp://login.example.com"),
    ] {
        let e = assert_fails!(Relying::new(rp_id, origin, "T"), WebauthnFailure::Config(_));
        assert_eq!(e.code(), "webauthn_config");
    }
}

#[test]
fn policy_uses_graph_json() {
    let graph = json!({
        "isAttestationEnforced": true,
        "keyRestrictions": {
            "isEnforced": true,
            "enforcementType": "allow",
            "aaGuids": ["ee882879-721c-4913-9775-3dfcce97072a"]
        }
    });
    let policy: Fido2Policy = serde_json::from_value(graph.clone()).unwrap();
    assert_eq!(
        policy.key_restrictions.enforcement_type,
        EnforcementType::Allow
    );
    assert_eq!(serde_json::to_value(&policy).unwrap(), graph);
    let default: Fido2Policy = serde_json::from_str("{}").unwrap();
    assert_eq!(default, Fido2Policy::default());
    assert_eq!(
        default.key_restrictions.enforcement_type,
        EnforcementType::Block
    );
}

#[test]
fn cbor_reader_finds_auth_data_and_refuses_junk() {
    let obj = cbor(&C::M(vec![
        (C::T("fmt"), C::T("packed")),
        (
            C::T("attStmt"),
            C::M(vec![
                (C::T("x5c"), C::A(vec![C::B(vec![1; 300])])),
                (C::T("alg"), C::I(-7)),
            ]),
        ),
        (C::T("authData"), C::B(vec![5; 70])),
    ]));
    assert_eq!(cbor::map_bytes(&obj, b"authData"), Some(&[5u8; 70][..]));
    assert_eq!(cbor::map_bytes(&obj[..obj.len() - 1], b"authData"), None);
    assert_eq!(cbor::map_bytes(&[0xbf], b"authData"), None);
    let deep = [vec![0x81; 100], vec![0]].concat();
    let nested = [vec![0xa1, 0x61, b'a'], deep].concat();
    assert_eq!(cbor::map_bytes(&nested, b"authData"), None);
}
