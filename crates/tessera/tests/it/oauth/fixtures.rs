use tessera_testkit::TestServer;

/// The bootstrap credentials of a test server.
pub struct Boot {
    pub tenant: String,
    pub client_id: String,
    pub secret: String,
}

pub fn boot(s: &TestServer) -> Boot {
    let path = s
        .running()
        .bootstrap_file
        .clone()
        .expect("fresh server wrote bootstrap.json");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    Boot {
        tenant: v["tenantId"].as_str().unwrap().into(),
        client_id: v["clientId"].as_str().unwrap().into(),
        secret: v["clientSecret"].as_str().unwrap().into(),
    }
}

/// POSTs a form to the tenant's token endpoint.
pub async fn token(s: &TestServer, tenant: &str, form: &[(&str, &str)]) -> reqwest::Response {
    s.client
        .post(s.url(&format!("/{tenant}/oauth2/v2.0/token")))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// The bootstrap client's standard request: client credentials with its
/// secret in the body, for the directory API.
pub async fn client_credentials(s: &TestServer, k: &Boot) -> reqwest::Response {
    token(
        s,
        &k.tenant,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &k.client_id),
            ("client_secret", &k.secret),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await
}

/// Verifies a token's signature against the server's JWKS and returns its claims.
pub async fn verify(
    s: &TestServer,
    tenant: &str,
    token: &str,
    audience: &str,
) -> serde_json::Value {
    let jwks: jsonwebtoken::jwk::JwkSet = s
        .get(&format!("/{tenant}/discovery/v2.0/keys"))
        .await
        .json()
        .await
        .unwrap();
    let header = jsonwebtoken::decode_header(token).unwrap();
    let jwk = jwks
        .find(header.kid.as_deref().unwrap())
        .expect("kid in JWKS");
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
    let mut v = jsonwebtoken::Validation::new(header.alg);
    v.set_audience(&[audience]);
    v.set_issuer(&[format!("{}/{tenant}/v2.0", s.url)]);
    jsonwebtoken::decode::<serde_json::Value>(token, &key, &v)
        .unwrap()
        .claims
}

/// The classic forgeries of a token of ours: `alg: none` with its payload,
/// and HS256 keyed with the tenant's public RSA modulus (the key-confusion
/// attack). Also returns the token's claims, for tampering.
pub async fn forgeries(
    s: &TestServer,
    tenant: &str,
    token: &str,
) -> (String, String, serde_json::Value) {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let parts: Vec<&str> = token.split('.').collect();
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(
            serde_json::json!({"alg": "none", "typ": "JWT", "kid": header["kid"]}).to_string()
        ),
        parts[1]
    );
    let jwks: serde_json::Value = s
        .get(&format!("/{tenant}/discovery/v2.0/keys"))
        .await
        .json()
        .await
        .unwrap();
    let public_n = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|k| k["n"].as_str())
        .expect("an RSA key in the JWKS")
        .to_string();
    let mut hs_header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    hs_header.kid = header["kid"].as_str().map(str::to_string);
    let hs256 = jsonwebtoken::encode(
        &hs_header,
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(public_n.as_bytes()),
    )
    .unwrap();
    (none, hs256, claims)
}

/// `token` with its payload replaced by `claims` (signature kept).
pub fn with_claims(token: &str, claims: &serde_json::Value) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let parts: Vec<&str> = token.split('.').collect();
    format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    )
}
