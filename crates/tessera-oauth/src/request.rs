//! Parsing a token request: the form's pairs (checked for duplicates) into a
//! tagged `GrantRequest`, and the client's credentials into `ClientAuth`.
use crate::error::*;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A token request by grant type. Grants arrive one file at a time in
/// `grants/`; any other `grant_type` is `unsupported_grant_type`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "grant_type")]
pub enum GrantRequest {
    #[serde(rename = "client_credentials")]
    ClientCredentials { scope: Option<String> },
    #[serde(rename = "authorization_code")]
    AuthorizationCode {
        code: String,
        redirect_uri: Option<String>,
        code_verifier: Option<String>,
        client_info: Option<String>,
    },
    #[serde(rename = "refresh_token")]
    RefreshToken {
        refresh_token: String,
        scope: Option<String>,
        client_info: Option<String>,
    },
    #[serde(rename = "urn:ietf:params:oauth:grant-type:jwt-bearer")]
    JwtBearer {
        assertion: String,
        scope: String,
        requested_token_use: Option<String>,
    },
    #[serde(rename = "urn:ietf:params:oauth:grant-type:device_code")]
    DeviceCode {
        device_code: String,
        client_info: Option<String>,
    },
}

impl GrantRequest {
    /// The tenant a code or refresh token names (for `/common` requests).
    pub fn tenant_hint(&self) -> Option<tessera_model::TenantId> {
        match self {
            Self::AuthorizationCode { code, .. } => crate::token::token_tenant(code),
            Self::RefreshToken { refresh_token, .. } => crate::token::token_tenant(refresh_token),
            Self::DeviceCode { device_code, .. } => crate::token::token_tenant(device_code),
            // Unverified: only which tenant's keys to verify it with.
            Self::JwtBearer { assertion, .. } => crate::token::jwt_tenant(assertion),
            Self::ClientCredentials { .. } => None,
        }
    }
}

const KNOWN_GRANTS: &[&str] = &[
    "client_credentials",
    "authorization_code",
    "refresh_token",
    DEVICE_CODE_GRANT,
    JWT_BEARER_GRANT,
];

pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// How a client presented itself: HTTP Basic (RFC 6749 §2.3.1, both parts
/// form-urlencoded), `client_id`/`client_secret` in the body, or a client
/// assertion (whose `sub` is the `client_id` when the body has none).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ClientAuth {
    pub client_id: Option<String>,
    pub secret: Option<String>,
    pub used_basic: bool,
    pub assertion_type: Option<String>,
    pub assertion: Option<String>,
}

impl std::fmt::Debug for ClientAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientAuth")
            .field("client_id", &self.client_id)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("used_basic", &self.used_basic)
            .field("assertion", &self.assertion.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// A parsed token request.
#[derive(Debug)]
pub struct TokenRequest {
    pub grant: GrantRequest,
    pub client: ClientAuth,
    /// Sent cross-origin by a browser (it had an `Origin` header): only
    /// single-page apps' codes and public clients' refresh tokens may be.
    pub cross_origin: bool,
}

/// The largest form we read field by field (the edge also limits the body).
pub const MAX_PARAMS: usize = 64;

impl TokenRequest {
    /// `pairs`: the decoded form; `basic`: the decoded `Authorization: Basic`
    /// user and password, if that header was sent.
    pub fn parse(
        pairs: Vec<(String, String)>,
        basic: Option<(String, String)>,
    ) -> Result<Self, OAuthError> {
        let (form, client) = form_with_client(pairs, basic)?;
        let grant_type = match form.get("grant_type") {
            None => return Err(missing("grant_type")),
            Some(g) if !KNOWN_GRANTS.contains(&g.as_str()) => {
                return Err(OAuthError::with(
                    UNSUPPORTED_GRANT_TYPE,
                    format!("Grant type: '{}'.", printable(g)),
                ))
            }
            Some(g) => g.clone(),
        };
        let value = serde_json::to_value(&form).map_err(|_| OAuthError::new(MALFORMED_REQUEST))?;
        let grant = serde_json::from_value(value).map_err(|e| {
            OAuthError::with(
                MALFORMED_REQUEST,
                format!("Bad parameters for grant '{grant_type}': {e}."),
            )
        })?;
        Ok(Self {
            grant,
            client,
            cross_origin: false,
        })
    }
}

/// The form as a map, refusing repeated parameters (RFC 6749 §3.2) and
/// oversized forms.
pub fn unique_form(pairs: Vec<(String, String)>) -> Result<BTreeMap<String, String>, OAuthError> {
    if pairs.len() > MAX_PARAMS {
        return Err(OAuthError::with(MALFORMED_REQUEST, "Too many parameters."));
    }
    let mut form = BTreeMap::new();
    for (k, v) in pairs {
        if form.contains_key(&k) {
            return Err(OAuthError::with(
                DUPLICATE_PARAMETER,
                format!("Parameter: '{}'.", printable(&k)),
            ));
        }
        form.insert(k, v);
    }
    Ok(form)
}

/// A form-posting endpoint's parameters (duplicates refused) and the
/// client's authentication, taken out of them.
pub(crate) fn form_with_client(
    pairs: Vec<(String, String)>,
    basic: Option<(String, String)>,
) -> Result<(BTreeMap<String, String>, ClientAuth), OAuthError> {
    let mut form = unique_form(pairs)?;
    let client = client_auth(&mut form, basic)?;
    Ok((form, client))
}

pub(crate) fn missing(name: &str) -> OAuthError {
    OAuthError::with(MISSING_PARAMETER, format!("Parameter: '{name}'."))
}

/// Echoes client input in a description only as short, printable ASCII.
pub fn printable(s: &str) -> String {
    let clean: String = s
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(64)
        .collect();
    if clean.len() < s.len() {
        format!("{clean}…")
    } else {
        clean
    }
}

pub(crate) fn client_auth(
    form: &mut BTreeMap<String, String>,
    basic: Option<(String, String)>,
) -> Result<ClientAuth, OAuthError> {
    let body_id = form.remove("client_id");
    let body_secret = form.remove("client_secret");
    let assertion_type = form.remove("client_assertion_type");
    let assertion = form.remove("client_assertion");
    let methods = [basic.is_some(), body_secret.is_some(), assertion.is_some()]
        .iter()
        .filter(|m| **m)
        .count();
    if methods > 1 {
        return Err(OAuthError::new(MULTIPLE_CLIENT_AUTH));
    }
    match basic {
        Some((id, secret)) => {
            if body_id.as_ref().is_some_and(|b| *b != id) {
                return Err(OAuthError::with(
                    MULTIPLE_CLIENT_AUTH,
                    "client_id in the body differs from HTTP Basic.",
                ));
            }
            Ok(ClientAuth {
                client_id: Some(id),
                secret: Some(secret),
                used_basic: true,
                assertion_type,
                assertion,
            })
        }
        None => {
            // RFC 7521 §4.2: with an assertion, `client_id` is optional —
            // the assertion's subject names the client (verified later).
            let client_id = match (body_id, assertion.as_deref()) {
                (None, Some(a)) => Some(crate::assertion::subject(a).ok_or_else(|| {
                    OAuthError::with(
                        ASSERTION_MALFORMED,
                        "Without client_id, its sub must name the client.",
                    )
                })?),
                (id, _) => id,
            };
            Ok(ClientAuth {
                client_id,
                secret: body_secret,
                used_basic: false,
                assertion_type,
                assertion,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parses_client_credentials() {
        let r = TokenRequest::parse(
            pairs(&[
                ("grant_type", "client_credentials"),
                ("scope", "x/.default"),
                ("client_id", "c"),
                ("client_secret", "s"),
            ]),
            None,
        )
        .unwrap();
        assert_eq!(
            r.grant,
            GrantRequest::ClientCredentials {
                scope: Some("x/.default".into())
            }
        );
        assert_eq!(r.client.client_id.as_deref(), Some("c"));
        assert!(!format!("{:?}", r.client).contains("\"s\""));
    }

    #[test]
    fn bad_requests_get_their_catalogued_error() {
        let err = |p: &[(&str, &str)], basic: Option<(&str, &str)>| {
            TokenRequest::parse(pairs(p), basic.map(|(a, b)| (a.to_string(), b.to_string())))
                .unwrap_err()
                .what
        };
        assert_eq!(err(&[], None), MISSING_PARAMETER);
        assert_eq!(
            err(&[("grant_type", "password")], None),
            UNSUPPORTED_GRANT_TYPE
        );
        assert_eq!(err(&[("grant_type", "")], None), UNSUPPORTED_GRANT_TYPE);
        assert_eq!(
            err(&[("grant_type", "implicit")], None),
            UNSUPPORTED_GRANT_TYPE
        );
        assert_eq!(
            err(
                &[
                    ("grant_type", "client_credentials"),
                    ("grant_type", "client_credentials")
                ],
                None
            ),
            DUPLICATE_PARAMETER
        );
        assert_eq!(
            err(&[("scope", "a"), ("scope", "b")], None),
            DUPLICATE_PARAMETER
        );
        assert_eq!(
            err(
                &[("grant_type", "client_credentials"), ("client_secret", "s")],
                Some(("c", "s"))
            ),
            MULTIPLE_CLIENT_AUTH
        );
        assert_eq!(
            err(
                &[("grant_type", "client_credentials"), ("client_id", "other")],
                Some(("c", "s"))
            ),
            MULTIPLE_CLIENT_AUTH
        );
        let many: Vec<(String, String)> = (0..100)
            .map(|i| (format!("k{i}"), "v".to_string()))
            .collect();
        assert_eq!(
            TokenRequest::parse(many, None).unwrap_err().what,
            MALFORMED_REQUEST
        );
    }

    #[test]
    fn echoed_input_is_sanitised() {
        let e = TokenRequest::parse(pairs(&[("grant_type", "<script>\n\u{0}alert(1)")]), None)
            .unwrap_err();
        assert!(
            !e.message().contains('\n') && !e.message().contains('\u{0}'),
            "{}",
            e.message()
        );
        assert_eq!(printable(&"a".repeat(100)).chars().count(), 65);
    }
}
