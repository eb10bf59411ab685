//! A software authenticator: P-256 ECDSA (aws-lc-rs), CTAP2 CBOR by hand,
//! responses shaped like Chrome's `PublicKeyCredential.toJSON()` (or like
//! soft-webauthn's), with knobs to forge every field an attacker controls.
use aws_lc_rs::digest::{digest, SHA256};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_ASN1_SIGNING};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

pub(super) const ORIGIN: &str = "https://login.example.com";
pub(super) const RP_ID: &str = "login.example.com";
pub(super) const ZERO: [u8; 16] = [0; 16];
pub(super) const YUBI: [u8; 16] =
    *b"\xee\x88\x28\x79\x72\x1c\x49\x13\x97\x75\x3d\xfc\xce\x97\x07\x2a";

pub(super) fn b64(b: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(b)
}

pub(super) fn unb64(s: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(s).unwrap()
}

pub(super) fn sha256(b: &[u8]) -> Vec<u8> {
    digest(&SHA256, b).as_ref().to_vec()
}

/// CBOR, the subset CTAP2 uses.
pub(super) enum C {
    I(i64),
    B(Vec<u8>),
    T(&'static str),
    A(Vec<C>),
    M(Vec<(C, C)>),
}

pub(super) fn head(out: &mut Vec<u8>, major: u8, n: u64) {
    let m = major << 5;
    match n {
        0..=23 => out.push(m | n as u8),
        24..=0xff => out.extend([m | 24, n as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend((n as u16).to_be_bytes());
        }
        _ => {
            out.push(m | 26);
            out.extend((n as u32).to_be_bytes());
        }
    }
}

pub(super) fn cbor(c: &C) -> Vec<u8> {
    let mut out = Vec::new();
    enc(c, &mut out);
    out
}

pub(super) fn enc(c: &C, out: &mut Vec<u8>) {
    match c {
        C::I(i) if *i >= 0 => head(out, 0, *i as u64),
        C::I(i) => head(out, 1, (-1 - *i) as u64),
        C::B(b) => {
            head(out, 2, b.len() as u64);
            out.extend(b);
        }
        C::T(t) => {
            head(out, 3, t.len() as u64);
            out.extend(t.as_bytes());
        }
        C::A(a) => {
            head(out, 4, a.len() as u64);
            a.iter().for_each(|c| enc(c, out));
        }
        C::M(m) => {
            head(out, 5, m.len() as u64);
            for (k, v) in m {
                enc(k, out);
                enc(v, out);
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Attest {
    None,
    PackedSelf,
    PackedX5c,
}

/// What the browser and authenticator put in a response; the defaults are
/// an honest Chrome with a user-verifying platform authenticator.
#[derive(Clone)]
pub(super) struct Knobs {
    pub(super) origin: String,
    pub(super) rp_id: String,
    pub(super) uv: bool,
    /// A fixed counter instead of "previous + 1".
    pub(super) counter: Option<u32>,
    pub(super) flip_signature: bool,
    /// Replaces the user handle (`None`: omit it).
    pub(super) user_handle: Option<Option<Vec<u8>>>,
    /// soft-webauthn's shape: padded base64url id, json.dumps spacing, no extras.
    pub(super) soft_webauthn: bool,
}

impl Default for Knobs {
    fn default() -> Self {
        Knobs {
            origin: ORIGIN.into(),
            rp_id: RP_ID.into(),
            uv: true,
            counter: None,
            flip_signature: false,
            user_handle: None,
            soft_webauthn: false,
        }
    }
}

pub(super) struct Soft {
    pub(super) key: EcdsaKeyPair,
    pub(super) cred_id: Vec<u8>,
    pub(super) user_handle: Vec<u8>,
    pub(super) counter: u32,
}

pub(super) fn random(n: usize) -> Vec<u8> {
    let mut b = vec![0; n];
    SystemRandom::new().fill(&mut b).unwrap();
    b
}

pub(super) fn sign(key: &EcdsaKeyPair, msg: &[u8]) -> Vec<u8> {
    key.sign(&SystemRandom::new(), msg)
        .unwrap()
        .as_ref()
        .to_vec()
}

pub(super) fn client_data(kind: &str, challenge: &str, k: &Knobs) -> Vec<u8> {
    if k.soft_webauthn {
        // Python's json.dumps: ", " and ": " separators.
        format!(
            r#"{{"type": "{kind}", "challenge": "{challenge}", "origin": "{}"}}"#,
            k.origin
        )
        .into_bytes()
    } else {
        serde_json::to_vec(&json!({
            "type": kind, "challenge": challenge, "origin": k.origin, "crossOrigin": false
        }))
        .unwrap()
    }
}

pub(super) fn id_field(cred_id: &[u8], k: &Knobs) -> String {
    if k.soft_webauthn {
        base64::engine::general_purpose::URL_SAFE.encode(cred_id)
    } else {
        b64(cred_id)
    }
}

pub(super) fn flags(k: &Knobs, attested: bool) -> u8 {
    0x01 | if k.uv { 0x04 } else { 0 } | if attested { 0x40 } else { 0 }
}

/// The attestation key and its certificate, meeting packed's requirements.
pub(super) fn attestation_cert() -> (EcdsaKeyPair, Vec<u8>) {
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &SystemRandom::new())
        .unwrap();
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref()).unwrap();
    let rc_key = rcgen::KeyPair::try_from(pkcs8.as_ref()).unwrap();
    let mut params = rcgen::CertificateParams::default();
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(rcgen::DnType::CountryName, "SE");
    dn.push(rcgen::DnType::OrganizationName, "Test Vendor");
    dn.push(
        rcgen::DnType::OrganizationalUnitName,
        "Authenticator Attestation",
    );
    dn.push(rcgen::DnType::CommonName, "Test Batch");
    params.distinguished_name = dn;
    params.is_ca = rcgen::IsCa::ExplicitNoCa;
    let cert = params.self_signed(&rc_key).unwrap();
    (key, cert.der().to_vec())
}

/// `navigator.credentials.create` with a fresh credential.
pub(super) fn create(
    options_json: &str,
    aaguid: [u8; 16],
    attest: Attest,
    k: &Knobs,
) -> (Soft, String) {
    let o: Value = serde_json::from_str(options_json).unwrap();
    let pk = &o["publicKey"];
    let user_handle = unb64(pk["user"]["id"].as_str().unwrap());
    let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
    let cred_id = random(32);
    let point = key.public_key().as_ref().to_vec();
    let cose = cbor(&C::M(vec![
        (C::I(1), C::I(2)),
        (C::I(3), C::I(-7)),
        (C::I(-1), C::I(1)),
        (C::I(-2), C::B(point[1..33].to_vec())),
        (C::I(-3), C::B(point[33..65].to_vec())),
    ]));
    let mut auth_data = sha256(k.rp_id.as_bytes());
    auth_data.push(flags(k, true));
    auth_data.extend(k.counter.unwrap_or(0).to_be_bytes());
    auth_data.extend(aaguid);
    auth_data.extend((cred_id.len() as u16).to_be_bytes());
    auth_data.extend(&cred_id);
    auth_data.extend(&cose);
    let cdj = client_data("webauthn.create", pk["challenge"].as_str().unwrap(), k);
    let signed = [auth_data.clone(), sha256(&cdj)].concat();
    let (fmt, stmt) = match attest {
        Attest::None => ("none", C::M(vec![])),
        Attest::PackedSelf => (
            "packed",
            C::M(vec![
                (C::T("alg"), C::I(-7)),
                (C::T("sig"), C::B(sign(&key, &signed))),
            ]),
        ),
        Attest::PackedX5c => {
            let (att_key, cert) = attestation_cert();
            (
                "packed",
                C::M(vec![
                    (C::T("alg"), C::I(-7)),
                    (C::T("sig"), C::B(sign(&att_key, &signed))),
                    (C::T("x5c"), C::A(vec![C::B(cert)])),
                ]),
            )
        }
    };
    let att_obj = cbor(&C::M(vec![
        (C::T("fmt"), C::T(fmt)),
        (C::T("attStmt"), stmt),
        (C::T("authData"), C::B(auth_data.clone())),
    ]));
    let mut response = json!({
        "id": id_field(&cred_id, k),
        "rawId": b64(&cred_id),
        "type": "public-key",
        "response": { "clientDataJSON": b64(&cdj), "attestationObject": b64(&att_obj) },
    });
    if !k.soft_webauthn {
        // Everything else Chrome's toJSON() adds.
        response["authenticatorAttachment"] = json!("platform");
        response["clientExtensionResults"] =
            json!({ "credProps": { "rk": true }, "prf": { "enabled": false } });
        let r = &mut response["response"];
        r["transports"] = json!(["hybrid", "internal", "smart-card"]);
        r["publicKey"] = json!(b64(&point));
        r["publicKeyAlgorithm"] = json!(-7);
        r["authenticatorData"] = json!(b64(&auth_data));
    }
    let soft = Soft {
        key,
        cred_id,
        user_handle,
        counter: k.counter.unwrap_or(0),
    };
    (soft, response.to_string())
}

impl Soft {
    /// `navigator.credentials.get`.
    pub(super) fn get(&mut self, options_json: &str, k: &Knobs) -> String {
        let o: Value = serde_json::from_str(options_json).unwrap();
        let pk = &o["publicKey"];
        self.counter = k.counter.unwrap_or(self.counter + 1);
        let mut auth_data = sha256(k.rp_id.as_bytes());
        auth_data.push(flags(k, false));
        auth_data.extend(self.counter.to_be_bytes());
        let cdj = client_data("webauthn.get", pk["challenge"].as_str().unwrap(), k);
        let mut sig = sign(&self.key, &[auth_data.clone(), sha256(&cdj)].concat());
        if k.flip_signature {
            let last = sig.len() - 1;
            sig[last] ^= 0x01;
        }
        let mut response = json!({
            "id": id_field(&self.cred_id, k),
            "rawId": b64(&self.cred_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(&cdj),
                "authenticatorData": b64(&auth_data),
                "signature": b64(&sig),
            },
        });
        let handle = k
            .user_handle
            .clone()
            .unwrap_or(Some(self.user_handle.clone()));
        if let Some(h) = handle {
            response["response"]["userHandle"] = json!(b64(&h));
        }
        if !k.soft_webauthn {
            response["authenticatorAttachment"] = json!("platform");
            response["clientExtensionResults"] = json!({});
        }
        response.to_string()
    }
}
