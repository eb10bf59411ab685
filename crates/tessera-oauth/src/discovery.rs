//! The OpenID Connect discovery document, shaped like Entra's v2.0 one. The
//! same document is served as RFC 8414 authorization server metadata (at
//! `/.well-known/oauth-authorization-server/{tenant}/v2.0`, where RFC 8414
//! §3.1 puts it for the issuer `{base}/{tenant}/v2.0`): OpenID Connect
//! Discovery's fields are a superset of RFC 8414's.
use crate::assertion::ALGORITHMS as ASSERTION_ALGS;
use serde_json::{json, Value};

/// How clients may authenticate at the token endpoint: `none` is a public
/// client naming itself with `client_id` (where its grant allows it).
const TOKEN_AUTH: &[&str] = &[
    "client_secret_post",
    "private_key_jwt",
    "client_secret_basic",
    "none",
];
/// Introspection is for confidential clients only.
const INTROSPECTION_AUTH: &[&str] = &[
    "client_secret_post",
    "private_key_jwt",
    "client_secret_basic",
];

/// `tenant` is the tenant id, or `None` for `common`/`organizations`, whose
/// issuer is Entra's template `{base}/{tenantid}/v2.0`.
pub fn document(
    public_url: &str,
    path_tenant: &str,
    tenant: Option<tessera_model::TenantId>,
) -> Value {
    let base = public_url.trim_end_matches('/');
    let t = path_tenant;
    let issuer = match tenant {
        Some(id) => format!("{base}/{id}/v2.0"),
        None => format!("{base}/{{tenantid}}/v2.0"),
    };
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{base}/{t}/oauth2/v2.0/authorize"),
        "token_endpoint": format!("{base}/{t}/oauth2/v2.0/token"),
        "device_authorization_endpoint": format!("{base}/{t}/oauth2/v2.0/devicecode"),
        "end_session_endpoint": format!("{base}/{t}/oauth2/v2.0/logout"),
        "jwks_uri": format!("{base}/{t}/discovery/v2.0/keys"),
        "introspection_endpoint": format!("{base}/{t}/oauth2/v2.0/introspect"),
        "introspection_endpoint_auth_methods_supported": INTROSPECTION_AUTH,
        "introspection_endpoint_auth_signing_alg_values_supported": ASSERTION_ALGS,
        "userinfo_endpoint": format!("{base}/oidc/userinfo"),
        "token_endpoint_auth_methods_supported": TOKEN_AUTH,
        // RFC 8414 §2: required beside `private_key_jwt`; what a client
        // assertion may be signed with.
        "token_endpoint_auth_signing_alg_values_supported": ASSERTION_ALGS,
        "grant_types_supported": [
            "authorization_code",
            "refresh_token",
            "client_credentials",
            "urn:ietf:params:oauth:grant-type:device_code",
            "urn:ietf:params:oauth:grant-type:jwt-bearer"
        ],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
        "revocation_endpoint": format!("{base}/{t}/oauth2/v2.0/revoke"),
        "pushed_authorization_request_endpoint": format!("{base}/{t}/oauth2/v2.0/par"),
        "require_pushed_authorization_requests": false,
        "revocation_endpoint_auth_methods_supported": TOKEN_AUTH,
        "revocation_endpoint_auth_signing_alg_values_supported": ASSERTION_ALGS,
        "response_modes_supported": ["query", "fragment", "form_post"],
        "response_types_supported": ["code"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256", "EdDSA"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "claims_supported": [
            "sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid", "azp", "azpacr", "roles",
            "scp", "ver", "uti", "name", "preferred_username", "nonce", "sid", "auth_time", "amr", "acr",
            "wids", "groups", "email", "given_name", "family_name"
        ],
        "acr_values_supported": tessera_authn::strength::ACR_VALUES,
        "request_uri_parameter_supported": false,
        "frontchannel_logout_supported": true,
        "frontchannel_logout_session_supported": true,
        "http_logout_supported": true,
        "tenant_region_scope": null,
        "cloud_instance_name": "tessera",
        "cloud_graph_host_name": base.trim_start_matches("https://").trim_start_matches("http://"),
        "msgraph_host": base.trim_start_matches("https://").trim_start_matches("http://"),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn discovery_document_snapshot() {
        let t: tessera_model::TenantId = "6f1c1d0e-8b1e-4f7a-9c3b-2d4e5f607182".parse().unwrap();
        insta::assert_json_snapshot!(
            "tenant",
            super::document("https://id.example.com", &t.to_string(), Some(t))
        );
        insta::assert_json_snapshot!(
            "common",
            super::document("https://id.example.com/", "common", None)
        );
    }
}
