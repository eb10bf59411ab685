//! The OpenID Connect discovery document, shaped like Entra's v2.0 one.
use serde_json::{json, Value};

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
        "introspection_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "userinfo_endpoint": format!("{base}/oidc/userinfo"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
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
        "revocation_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic", "none"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "response_types_supported": ["code"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256", "EdDSA"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "claims_supported": [
            "sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid", "azp", "azpacr", "roles",
            "scp", "ver", "uti", "name", "preferred_username", "nonce", "sid", "auth_time", "amr", "acr",
            "wids", "groups", "email"
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
