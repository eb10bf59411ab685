//! The one table of OAuth errors: each error's RFC 6749 code, HTTP status and
//! Entra `AADSTS` number with its default description. The edge writes them as
//! RFC 6749 §5.2 JSON plus Entra's `error_codes`, `timestamp`, `trace_id` and
//! `correlation_id`, always with `Cache-Control: no-store`. The catalogue is
//! docs/errors.md (a test keeps the two in step).

/// RFC 6749 §5.2 error codes (and RFC 8628's for the device flow, RFC
/// 7009's for revocation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    ServerError,
    TemporarilyUnavailable,
    /// RFC 8628 §3.5: the device flow's polling answers.
    AuthorizationPending,
    SlowDown,
    AccessDenied,
    ExpiredToken,
    /// RFC 7009 §2.2.1: revocation of this kind of token is not supported.
    UnsupportedTokenType,
}

impl ErrorCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::AuthorizationPending => "authorization_pending",
            Self::SlowDown => "slow_down",
            Self::AccessDenied => "access_denied",
            Self::ExpiredToken => "expired_token",
            Self::UnsupportedTokenType => "unsupported_token_type",
        }
    }

    pub const fn status(self) -> u16 {
        match self {
            Self::InvalidClient => 401,
            Self::ServerError => 500,
            Self::TemporarilyUnavailable => 503,
            _ => 400,
        }
    }
}

/// Every error Tessera's OAuth surface can give. Where Entra has a number for
/// the same condition we use it, so code that matches on `error_codes` keeps
/// working; conditions of Tessera's own are numbered from 9900001.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Catalogued {
    pub aadsts: u32,
    pub code: ErrorCode,
    pub description: &'static str,
}

macro_rules! catalogue {
    ($($name:ident = $num:literal, $code:ident, $desc:literal;)*) => {
        $(pub const $name: Catalogued = Catalogued { aadsts: $num, code: ErrorCode::$code, description: $desc };)*
        /// The whole catalogue, for docs and tests.
        pub const CATALOGUE: &[Catalogued] = &[$($name),*];
    };
}

catalogue! {
    MISSING_PARAMETER = 900144, InvalidRequest, "The request body must contain the following parameter.";
    DUPLICATE_PARAMETER = 9900003, InvalidRequest, "A parameter was given more than once.";
    MALFORMED_REQUEST = 9900004, InvalidRequest, "The request body is not a valid application/x-www-form-urlencoded form.";
    MULTIPLE_CLIENT_AUTH = 9900005, InvalidRequest, "The client presented more than one authentication method.";
    TENANT_NOT_FOUND = 90002, InvalidRequest, "Tenant not found. Check the tenant identifier or domain in the URL.";
    TENANT_REQUIRED = 9900001, InvalidRequest, "This grant needs a specific tenant in the URL, not 'common' or 'organizations'.";
    CLIENT_NOT_FOUND = 700016, UnauthorizedClient, "Application with the given identifier was not found in the directory.";
    MISSING_CLIENT_CREDENTIAL = 7000218, InvalidClient, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.";
    INVALID_CLIENT_SECRET = 7000215, InvalidClient, "Invalid client secret provided.";
    EXPIRED_CLIENT_SECRET = 7000222, InvalidClient, "The provided client secret keys are expired.";
    CLIENT_DISABLED = 7000112, UnauthorizedClient, "Application is disabled.";
    CLIENT_NOT_IN_TENANT = 9900002, UnauthorizedClient, "The application has no service principal in this tenant: an administrator must consent to it first.";
    ASSERTION_MALFORMED = 9900007, InvalidRequest, "The client_assertion is not a well-formed JWT, or client_assertion_type is not urn:ietf:params:oauth:client-assertion-type:jwt-bearer.";
    ASSERTION_SIGNATURE = 700027, InvalidClient, "Client assertion failed signature validation, or no registered certificate matches it.";
    ASSERTION_TIME = 700024, InvalidClient, "Client assertion is not within its valid time range.";
    ASSERTION_SUBJECT = 700021, InvalidClient, "Client assertion's issuer and subject must both be the client_id.";
    ASSERTION_AUDIENCE = 9900008, InvalidClient, "Client assertion's audience must be this token endpoint.";
    ASSERTION_REPLAY = 9900009, InvalidClient, "Client assertion was already used (its jti was seen before).";
    UNSUPPORTED_GRANT_TYPE = 70003, UnsupportedGrantType, "The app requested an unsupported grant type.";
    SCOPE_MISSING_DEFAULT = 1002012, InvalidScope, "Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).";
    RESOURCE_NOT_FOUND = 500011, InvalidScope, "The resource principal named in the scope was not found in the tenant.";
    CODE_INVALID = 70000, InvalidGrant, "The provided authorization code is not valid: unknown, expired, or issued in another tenant.";
    CODE_REDEEMED = 54005, InvalidGrant, "The authorization code was already redeemed; every token it issued is revoked.";
    CODE_CLIENT_MISMATCH = 9900010, InvalidGrant, "The authorization code was issued to another client.";
    REDIRECT_URI_MISMATCH = 50011, InvalidGrant, "The redirect_uri does not match the one the authorization code was issued to.";
    PKCE_VERIFIER_MISSING = 9900012, InvalidGrant, "The authorization request had a code_challenge: the code_verifier is required.";
    PKCE_VERIFIER_MISMATCH = 501481, InvalidGrant, "The code_verifier does not match the code_challenge supplied in the authorization request.";
    PKCE_UNEXPECTED = 9900013, InvalidGrant, "A code_verifier was sent, but the authorization request had no code_challenge.";
    REFRESH_INVALID = 9002313, InvalidGrant, "The refresh token is not valid: unknown, expired, revoked, or issued in another tenant.";
    REFRESH_REUSED = 9900011, InvalidGrant, "The refresh token was already used; its whole family is revoked (RFC 9700 §4.14).";
    REFRESH_CLIENT_MISMATCH = 9900014, InvalidGrant, "The refresh token was issued to another client.";
    USER_DISABLED = 50057, InvalidGrant, "The user account is disabled or was deleted.";
    SESSION_ENDED = 50173, InvalidGrant, "The grant's sign-in session has ended (signed out or revoked); sign in again.";
    NOT_ASSIGNED = 50105, InvalidGrant, "The signed-in user, or the calling application, is not assigned to a role for an application that requires assignment (appRoleAssignmentRequired).";
    CONSENT_REQUIRED = 65001, InvalidGrant, "The user or administrator has not consented to use the application for the requested scopes.";
    SCOPE_INVALID = 70011, InvalidScope, "The provided value for the input parameter 'scope' is not valid.";
    SCOPE_SEVERAL_RESOURCES = 28000, InvalidScope, "The scopes name more than one resource; request tokens for one resource at a time.";
    PUBLIC_CLIENT_NOT_ALLOWED = 9900015, UnauthorizedClient, "This grant was issued to a confidential client: present the client's credential.";
    DEVICE_PENDING = 70016, AuthorizationPending, "The user has not finished signing in on the device login page yet; keep polling at the given interval.";
    DEVICE_SLOW_DOWN = 9900016, SlowDown, "Polling too fast: wait at least 5 more seconds between requests.";
    DEVICE_DECLINED = 9900017, AccessDenied, "The user declined the sign-in on the device login page.";
    DEVICE_EXPIRED = 70019, ExpiredToken, "The device code has expired; start a new device authorization.";
    DEVICE_CODE_INVALID = 70018, InvalidGrant, "The device code is not valid: unknown, already redeemed, issued to another client, or issued in another tenant.";
    OBO_TOKEN_USE = 9900018, InvalidRequest, "The jwt-bearer grant needs requested_token_use=on_behalf_of.";
    OBO_ASSERTION_INVALID = 50013, InvalidGrant, "The assertion is not a valid access token of this tenant: bad signature, wrong issuer, or expired.";
    OBO_AUDIENCE = 9900019, InvalidGrant, "The assertion's audience is not the calling application: a middle tier may only exchange tokens issued to it.";
    OBO_NOT_USER = 9900020, InvalidGrant, "The assertion is not a user's delegated token; app-only tokens cannot be exchanged on behalf of a user.";
    PAR_INVALID = 9900021, InvalidRequest, "The pushed authorization request is not a valid authorization request.";
    TOKEN_TYPE_UNSUPPORTED = 9900022, UnsupportedTokenType, "Access and ID tokens are self-contained JWTs: they cannot be revoked and stay valid until they expire. Revoke the refresh token instead.";
    CROSS_ORIGIN_NOT_SPA = 9002326, InvalidRequest, "Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type.";
    SPA_NOT_CROSS_ORIGIN = 9002327, InvalidRequest, "Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.";
    SERVER_ERROR = 90033, ServerError, "A transient error occurred on the server; try again.";
    UNAVAILABLE = 9900006, TemporarilyUnavailable, "The service is temporarily unavailable; try again shortly.";
}

/// An error to send: a catalogued error, refined with a detail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthError {
    pub what: Catalogued,
    /// Specific detail appended to the default description (never secret).
    pub detail: Option<String>,
}

impl OAuthError {
    pub fn new(what: Catalogued) -> Self {
        Self { what, detail: None }
    }

    pub fn with(what: Catalogued, detail: impl Into<String>) -> Self {
        Self {
            what,
            detail: Some(detail.into()),
        }
    }

    pub fn code(&self) -> ErrorCode {
        self.what.code
    }

    pub fn message(&self) -> String {
        match &self.detail {
            Some(d) => format!("{} {d}", self.what.description),
            None => self.what.description.to_string(),
        }
    }
}

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AADSTS{}: {}", self.what.aadsts, self.message())
    }
}

impl std::error::Error for OAuthError {}

impl From<tessera_store::StoreError> for OAuthError {
    fn from(e: tessera_store::StoreError) -> Self {
        if e.is_unavailable() {
            Self::new(UNAVAILABLE)
        } else {
            Self::new(SERVER_ERROR)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_unique_and_every_rfc_code_is_used() {
        let mut nums: Vec<_> = CATALOGUE.iter().map(|c| c.aadsts).collect();
        nums.sort();
        nums.dedup();
        assert_eq!(nums.len(), CATALOGUE.len());
        for code in [
            ErrorCode::InvalidRequest,
            ErrorCode::InvalidClient,
            ErrorCode::UnauthorizedClient,
            ErrorCode::UnsupportedGrantType,
            ErrorCode::InvalidScope,
            ErrorCode::ServerError,
            ErrorCode::TemporarilyUnavailable,
        ] {
            assert!(CATALOGUE.iter().any(|c| c.code == code), "{code:?} unused");
        }
        assert_eq!(ErrorCode::InvalidClient.status(), 401);
    }

    #[test]
    fn the_docs_catalogue_lists_every_error() {
        let doc = include_str!("../../../docs/errors.md");
        for c in CATALOGUE {
            let row = format!("| {} | `{}` |", c.aadsts, c.code.as_str());
            assert!(
                doc.contains(&row),
                "docs/errors.md lacks the row for AADSTS{}: {row}",
                c.aadsts
            );
        }
    }
}
