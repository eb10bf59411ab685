//! What the authorization endpoint does with a valid request, decided
//! without HTTP: show the sign-in page, show the consent page, answer the
//! client with an error (`prompt=none`), or issue a code. And the answer to
//! the client: its redirect URI with `code`, `state` and `iss` (RFC 9207) in
//! the query, the fragment, or a self-posting form.
use crate::authorize::{AuthorizeRequest, Prompt, ResponseMode};
use rand::{CryptoRng, RngCore};
use tessera_model::{AuthCodeRecord, ObjectId, SsoSession, User};
use time::OffsetDateTime;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    ShowSignIn,
    ShowConsent,
    Issue,
    /// Sent back to the client (`login_required`, `consent_required`, …).
    Fail(&'static str, &'static str),
}

/// Where the browser stands.
#[derive(Clone, Copy, Debug)]
pub struct Situation<'a> {
    /// A live session of a user who may sign in here, if any.
    pub session: Option<&'a SsoSession>,
    /// The user signed in during this very request.
    pub fresh_sign_in: bool,
    /// The user accepted the consent page during this very request.
    pub consented_now: bool,
    /// Consent is missing for some of the requested scopes.
    pub consent_missing: bool,
    /// Some missing consent is for scopes only an administrator can grant,
    /// and the user is not one.
    pub needs_admin: bool,
}

pub fn decide(req: &AuthorizeRequest, s: Situation<'_>, now: OffsetDateTime) -> Decision {
    let none = req.prompt == Some(Prompt::None);
    let session = match s.session {
        Some(sess) if sess.is_live(now) => sess,
        _ if none => {
            return Decision::Fail(
                "login_required",
                "No signed-in session; prompt=none forbids showing the sign-in page.",
            )
        }
        _ => return Decision::ShowSignIn,
    };
    if must_sign_in_again(req, session, s.fresh_sign_in, now) {
        return if none {
            Decision::Fail("login_required", "The session is older than max_age.")
        } else {
            Decision::ShowSignIn
        };
    }
    if s.consented_now {
        return Decision::Issue;
    }
    if s.needs_admin {
        return if none {
            Decision::Fail(
                "consent_required",
                "An administrator must consent to the requested scopes.",
            )
        } else {
            Decision::Fail("access_denied", "The requested scopes need an administrator's consent (AADSTS65001); ask an administrator to grant it.")
        };
    }
    if s.consent_missing || req.prompt == Some(Prompt::Consent) {
        return if none {
            Decision::Fail(
                "consent_required",
                "The user has not consented to the requested scopes.",
            )
        } else {
            Decision::ShowConsent
        };
    }
    Decision::Issue
}

/// Whether the request wants a new sign-in although a session exists
/// (`prompt=login`, `prompt=select_account`, `max_age` passed), unless the
/// user signed in during this very request.
pub fn must_sign_in_again(
    req: &AuthorizeRequest,
    session: &SsoSession,
    fresh_sign_in: bool,
    now: OffsetDateTime,
) -> bool {
    if fresh_sign_in {
        return false;
    }
    // `max_age=0` is `prompt=login` (OpenID Connect Core §3.1.2.1): a
    // sign-in in the same second does not satisfy it.
    let too_old = req.max_age.is_some_and(|m| {
        m == 0 || (now - session.auth_time).whole_seconds() > i64::try_from(m).unwrap_or(i64::MAX)
    });
    too_old
        || matches!(
            req.prompt,
            Some(Prompt::Login) | Some(Prompt::SelectAccount)
        )
}

/// A new authorization code for `user`: the value for the client and the
/// record (holding only its digest) for the store.
pub fn new_code(
    tenant: tessera_model::TenantId,
    req: &AuthorizeRequest,
    user: &User,
    session: &SsoSession,
    now: OffsetDateTime,
    rng: &mut (impl RngCore + CryptoRng),
) -> (String, AuthCodeRecord) {
    let value = crate::token::tenant_bound_token(tenant, rng);
    let record = AuthCodeRecord {
        id: ObjectId::random(rng),
        digest: tessera_crypto::secret_digest(&value).to_vec(),
        client_id: req.client_id,
        user_id: user.id,
        session_id: Some(session.id),
        redirect_uri: req.redirect_uri.clone(),
        scope: req.scope.join(" "),
        nonce: req.nonce.clone(),
        code_challenge: req.code_challenge.clone(),
        auth_time: session.auth_time,
        amr: session.amr.clone(),
        created_at: now,
        expires_at: now + time::Duration::seconds(crate::grants::authorization_code::CODE_SECONDS),
        consumed_at: None,
    };
    (value, record)
}

/// The answer to the client's redirect URI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientAnswer {
    pub redirect_uri: String,
    pub mode: ResponseMode,
    pub params: Vec<(&'static str, String)>,
}

impl ClientAnswer {
    pub fn code(req: &AuthorizeRequest, code: String, issuer: String) -> Self {
        let mut params = vec![("code", code)];
        if let Some(s) = &req.state {
            params.push(("state", s.clone()));
        }
        params.push(("iss", issuer));
        Self {
            redirect_uri: req.redirect_uri.clone(),
            mode: req.response_mode,
            params,
        }
    }

    pub fn error(
        redirect_uri: &str,
        mode: ResponseMode,
        error: &str,
        description: &str,
        state: Option<&str>,
        issuer: Option<String>,
    ) -> Self {
        let mut params = vec![
            ("error", error.to_string()),
            ("error_description", description.to_string()),
        ];
        if let Some(s) = state {
            params.push(("state", s.to_string()));
        }
        if let Some(i) = issuer {
            params.push(("iss", i));
        }
        Self {
            redirect_uri: redirect_uri.to_string(),
            mode,
            params,
        }
    }

    /// The URL to redirect to (query or fragment modes).
    pub fn location(&self) -> String {
        let encoded = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.params.iter().map(|(k, v)| (*k, v.as_str())))
            .finish();
        let sep = match self.mode {
            ResponseMode::Fragment => '#',
            _ if self.redirect_uri.contains('?') => '&',
            _ => '?',
        };
        format!("{}{sep}{encoded}", self.redirect_uri)
    }
}

/// The tenant a `/common` sign-in lands in comes from the user's name.
pub fn domain_of(upn: &str) -> Option<&str> {
    upn.rsplit_once('@')
        .map(|(_, d)| d)
        .filter(|d| !d.is_empty())
}

/// The throttle policy for failed sign-ins: after `FREE_FAILURES`, each
/// further failure locks the name for twice as long (1 s, 2 s, 4 s … capped
/// at 15 minutes).
pub const FREE_FAILURES: u32 = 5;

/// Failures from one network source (any account names) before it is
/// throttled: enough for a shared office address, too few for spraying.
pub const SOURCE_FREE_FAILURES: u32 = 20;

/// Back-off for a network source past [`SOURCE_FREE_FAILURES`]: a minute
/// (Entra's smart lockout default), doubling with each further failure, at
/// most an hour.
pub fn source_lockout(failures: u32) -> Option<time::Duration> {
    if failures < SOURCE_FREE_FAILURES {
        return None;
    }
    let exp = (failures - SOURCE_FREE_FAILURES).min(10);
    Some(time::Duration::seconds((60i64 << exp).min(3600)))
}

pub fn lockout(failures: u32) -> Option<time::Duration> {
    if failures < FREE_FAILURES {
        return None;
    }
    let exp = (failures - FREE_FAILURES).min(10);
    Some(time::Duration::seconds((1i64 << exp).min(900)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redirect::Platform;
    use tessera_model::AppId;

    fn req(prompt: Option<Prompt>, max_age: Option<u64>) -> AuthorizeRequest {
        AuthorizeRequest {
            client_id: AppId::from_u128(1),
            redirect_uri: "https://app.example/cb".into(),
            platform: Platform::Web,
            scope: vec!["openid".into()],
            state: Some("s".into()),
            nonce: None,
            code_challenge: None,
            response_mode: ResponseMode::Query,
            prompt,
            login_hint: None,
            domain_hint: None,
            max_age,
            acr_values: vec![],
        }
    }

    fn session(auth: OffsetDateTime) -> SsoSession {
        SsoSession {
            id: ObjectId::from_u128(5),
            user_id: ObjectId::from_u128(6),
            secret_digest: vec![0; 32],
            auth_time: auth,
            amr: vec!["pwd".into()],
            created_at: auth,
            expires_at: auth + time::Duration::hours(8),
            ended_at: None,
        }
    }

    fn sit(s: Option<&SsoSession>) -> Situation<'_> {
        Situation {
            session: s,
            fresh_sign_in: false,
            consented_now: false,
            consent_missing: false,
            needs_admin: false,
        }
    }

    #[test]
    fn max_age_zero_forces_a_new_sign_in_even_in_the_same_second() {
        let now = time::macros::datetime!(2026-01-01 12:00 UTC);
        let s = session(now);
        assert_eq!(
            decide(&req(None, Some(0)), sit(Some(&s)), now),
            Decision::ShowSignIn
        );
        assert!(matches!(
            decide(&req(Some(Prompt::None), Some(0)), sit(Some(&s)), now),
            Decision::Fail("login_required", _)
        ));
        // The sign-in of this very request satisfies it.
        let fresh = Situation {
            fresh_sign_in: true,
            ..sit(Some(&s))
        };
        assert_eq!(decide(&req(None, Some(0)), fresh, now), Decision::Issue);
        assert_eq!(
            decide(&req(None, Some(1)), sit(Some(&s)), now),
            Decision::Issue
        );
    }

    #[test]
    fn prompts_and_sessions() {
        let now = time::macros::datetime!(2026-01-01 12:00 UTC);
        let s = session(now - time::Duration::minutes(30));
        assert_eq!(
            decide(&req(None, None), sit(None), now),
            Decision::ShowSignIn
        );
        assert!(matches!(
            decide(&req(Some(Prompt::None), None), sit(None), now),
            Decision::Fail("login_required", _)
        ));
        assert_eq!(
            decide(&req(None, None), sit(Some(&s)), now),
            Decision::Issue
        );
        assert_eq!(
            decide(&req(Some(Prompt::Login), None), sit(Some(&s)), now),
            Decision::ShowSignIn
        );
        assert_eq!(
            decide(&req(Some(Prompt::SelectAccount), None), sit(Some(&s)), now),
            Decision::ShowSignIn
        );
        assert_eq!(
            decide(&req(None, Some(60)), sit(Some(&s)), now),
            Decision::ShowSignIn
        );
        assert_eq!(
            decide(&req(None, Some(3600)), sit(Some(&s)), now),
            Decision::Issue
        );
        assert!(matches!(
            decide(&req(Some(Prompt::None), Some(60)), sit(Some(&s)), now),
            Decision::Fail("login_required", _)
        ));
        let fresh = Situation {
            fresh_sign_in: true,
            ..sit(Some(&s))
        };
        assert_eq!(
            decide(&req(Some(Prompt::Login), Some(0)), fresh, now),
            Decision::Issue
        );
        let mut ended = s.clone();
        ended.ended_at = Some(now);
        assert_eq!(
            decide(&req(None, None), sit(Some(&ended)), now),
            Decision::ShowSignIn
        );
    }

    #[test]
    fn consent() {
        let now = time::macros::datetime!(2026-01-01 12:00 UTC);
        let s = session(now);
        let missing = Situation {
            consent_missing: true,
            ..sit(Some(&s))
        };
        assert_eq!(
            decide(&req(None, None), missing, now),
            Decision::ShowConsent
        );
        assert!(matches!(
            decide(&req(Some(Prompt::None), None), missing, now),
            Decision::Fail("consent_required", _)
        ));
        assert_eq!(
            decide(&req(Some(Prompt::Consent), None), sit(Some(&s)), now),
            Decision::ShowConsent
        );
        let given = Situation {
            consented_now: true,
            ..missing
        };
        assert_eq!(
            decide(&req(Some(Prompt::Consent), None), given, now),
            Decision::Issue
        );
        let admin = Situation {
            needs_admin: true,
            ..missing
        };
        assert!(matches!(
            decide(&req(None, None), admin, now),
            Decision::Fail("access_denied", _)
        ));
    }

    #[test]
    fn answers() {
        let r = req(None, None);
        let a = ClientAnswer::code(&r, "c0de".into(), "https://id/t/v2.0".into());
        assert_eq!(
            a.location(),
            "https://app.example/cb?code=c0de&state=s&iss=https%3A%2F%2Fid%2Ft%2Fv2.0"
        );
        let mut f = r.clone();
        f.response_mode = ResponseMode::Fragment;
        f.redirect_uri = "https://app.example/cb?x=1".into();
        assert!(ClientAnswer::code(&f, "c".into(), "i".into())
            .location()
            .starts_with("https://app.example/cb?x=1#code=c"));
        f.response_mode = ResponseMode::Query;
        assert!(ClientAnswer::code(&f, "c".into(), "i".into())
            .location()
            .starts_with("https://app.example/cb?x=1&code=c"));
    }

    #[test]
    fn lockout_backs_off() {
        assert_eq!(lockout(4), None);
        assert_eq!(lockout(5), Some(time::Duration::seconds(1)));
        assert_eq!(lockout(6), Some(time::Duration::seconds(2)));
        assert_eq!(lockout(100), Some(time::Duration::seconds(900)));
    }
}
