//! Temporary Access Pass, as Entra has it: an administrator-issued,
//! time-limited passcode that lets a user sign in (and counts as strong
//! authentication) to onboard or recover passwordless methods.
//!
//! Passes are shown once and stored only as an HMAC under a server key, so
//! a copy of the database alone cannot be used to test guesses offline.
use rand::{CryptoRng, Rng, RngCore};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

/// Entra's bounds for a pass's length.
pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 48;
/// Entra's bounds for any lifetime: ten minutes to thirty days.
pub const MIN_LIFETIME_MINUTES: i64 = 10;
pub const MAX_LIFETIME_MINUTES: i64 = 30 * 24 * 60;
/// How far in the past a requested start may be, to absorb the clock skew
/// between the administrator's machine and the server.
const START_SKEW: Duration = Duration::minutes(5);
/// How far ahead a pass may be scheduled (Entra's limit).
const MAX_START_AHEAD: Duration = Duration::days(30);

/// Letters, digits and symbols a person reads off a screen and types
/// without confusing any two: no 0/O/o, 1/l/I, and no symbols that look
/// like letters or need escaping in shells or URLs. 65 characters, so an
/// 8-character pass carries about 48 bits.
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789#$%&*+=?@";

/// The tenant's Temporary Access Pass policy (Graph's
/// `temporaryAccessPassAuthenticationMethodConfiguration`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct TapPolicy {
    pub enabled: bool,
    pub default_lifetime_minutes: i64,
    pub min_lifetime_minutes: i64,
    pub max_lifetime_minutes: i64,
    /// When true every pass is one-time; when false the issuer chooses.
    pub is_usable_once: bool,
    pub length: usize,
}

impl Default for TapPolicy {
    fn default() -> Self {
        TapPolicy {
            enabled: true,
            default_lifetime_minutes: 60,
            min_lifetime_minutes: 10,
            max_lifetime_minutes: 480,
            is_usable_once: false,
            length: 8,
        }
    }
}

impl TapPolicy {
    /// Lifetimes within Entra's ten minutes to thirty days, min ≤ default
    /// ≤ max, and a length of 8 to 48.
    pub fn validate(&self) -> Result<(), String> {
        let bounds = MIN_LIFETIME_MINUTES..=MAX_LIFETIME_MINUTES;
        for (name, v) in [
            ("minimumLifetimeInMinutes", self.min_lifetime_minutes),
            ("maximumLifetimeInMinutes", self.max_lifetime_minutes),
            ("defaultLifetimeInMinutes", self.default_lifetime_minutes),
        ] {
            if !bounds.contains(&v) {
                return Err(format!(
                    "{name} must be between {MIN_LIFETIME_MINUTES} and {MAX_LIFETIME_MINUTES}."
                ));
            }
        }
        if self.min_lifetime_minutes > self.max_lifetime_minutes {
            return Err(
                "minimumLifetimeInMinutes must not exceed maximumLifetimeInMinutes.".into(),
            );
        }
        if !(self.min_lifetime_minutes..=self.max_lifetime_minutes)
            .contains(&self.default_lifetime_minutes)
        {
            return Err(
                "defaultLifetimeInMinutes must be between the minimum and maximum lifetimes."
                    .into(),
            );
        }
        if !(MIN_LENGTH..=MAX_LENGTH).contains(&self.length) {
            return Err(format!(
                "defaultLength must be between {MIN_LENGTH} and {MAX_LENGTH}."
            ));
        }
        Ok(())
    }
}

/// A new pass of `length` characters (clamped to 8..=48, so a bad caller
/// cannot mint a guessable one), each drawn uniformly from [`ALPHABET`].
/// `gen_range` is rand's uniform integer sampler, which rejects draws
/// outside the largest multiple of the range: no modulo bias.
pub fn generate(rng: &mut (impl RngCore + CryptoRng), length: usize) -> Zeroizing<String> {
    let length = length.clamp(MIN_LENGTH, MAX_LENGTH);
    let mut s = Zeroizing::new(String::with_capacity(length));
    for _ in 0..length {
        s.push(char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]));
    }
    s
}

/// What is stored for a pass: an HMAC under a server key (derived from the
/// master key for this purpose). A pass has ~48 bits, too few for an
/// unkeyed hash to resist offline guessing from a stolen database.
pub fn digest(key: &[u8], tap: &str) -> [u8; 32] {
    tessera_crypto::hmac_sha256(key, &[b"tessera temporary access pass", tap.as_bytes()])
}

/// Whether a presented pass is the stored one, compared in constant time.
/// Surrounding whitespace (from copy and paste) is ignored; the pass is
/// case-sensitive.
pub fn matches(key: &[u8], presented: &str, stored: &[u8]) -> bool {
    tessera_crypto::ct_eq(&digest(key, presented.trim()), stored)
}

/// Where a pass stands at a given time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TapState {
    NotYetValid,
    Active,
    Expired,
    /// A one-time pass that has been used.
    Used,
}

impl TapState {
    /// Graph's `methodUsabilityReason` for this state.
    pub fn usability_reason(self) -> &'static str {
        match self {
            TapState::NotYetValid => "NotYetValid",
            TapState::Active => "EnabledByPolicy",
            TapState::Expired => "Expired",
            TapState::Used => "OneTimeUsed",
        }
    }
}

/// A pass's validity: from `start` for `lifetime_minutes`, once or many
/// times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TapWindow {
    pub start: OffsetDateTime,
    pub lifetime_minutes: i64,
    pub is_usable_once: bool,
    /// When a one-time pass was used (a multi-use pass may record its first
    /// use here too; that does not end it).
    pub used_at: Option<OffsetDateTime>,
}

impl TapWindow {
    /// The window of a stored pass (`None` for another kind of method).
    pub fn of(detail: &tessera_model::MethodDetail) -> Option<Self> {
        match *detail {
            tessera_model::MethodDetail::TemporaryAccessPass {
                start,
                lifetime_minutes,
                is_usable_once,
                used_at,
                ..
            } => Some(Self {
                start,
                lifetime_minutes,
                is_usable_once,
                used_at,
            }),
            _ => None,
        }
    }

    /// The end of the window, or None if it overflows (a corrupt record).
    pub fn expires_at(&self) -> Option<OffsetDateTime> {
        let seconds = self.lifetime_minutes.checked_mul(60)?;
        self.start.checked_add(Duration::seconds(seconds))
    }

    /// Used beats the clock: a used one-time pass reports Used even once it
    /// would also have expired. A window that cannot be computed is
    /// Expired (fail closed).
    pub fn state(&self, now: OffsetDateTime) -> TapState {
        if self.is_usable_once && self.used_at.is_some() {
            return TapState::Used;
        }
        if now < self.start {
            return TapState::NotYetValid;
        }
        match self.expires_at() {
            Some(end) if now < end => TapState::Active,
            _ => TapState::Expired,
        }
    }

    pub fn usable(&self, now: OffsetDateTime) -> bool {
        self.state(now) == TapState::Active
    }
}

/// Checks an administrator's request for a new pass against the policy
/// and fills in the defaults: start now, the policy's default lifetime,
/// and one-time use if the policy demands it. One-time use may always be
/// asked for; multi-use only when the policy allows it.
pub fn check_request(
    policy: &TapPolicy,
    start: Option<OffsetDateTime>,
    lifetime: Option<i64>,
    once: Option<bool>,
    now: OffsetDateTime,
) -> Result<TapWindow, String> {
    if !policy.enabled {
        return Err(
            "The Temporary Access Pass authentication method is disabled by policy.".into(),
        );
    }
    let start = start.unwrap_or(now);
    if now
        .checked_sub(START_SKEW)
        .is_some_and(|earliest| start < earliest)
    {
        return Err("startDateTime must not be in the past.".into());
    }
    if now
        .checked_add(MAX_START_AHEAD)
        .is_none_or(|latest| start > latest)
    {
        return Err("startDateTime must be within 30 days.".into());
    }
    let lifetime_minutes = lifetime.unwrap_or(policy.default_lifetime_minutes);
    if !(policy.min_lifetime_minutes..=policy.max_lifetime_minutes).contains(&lifetime_minutes) {
        return Err(format!(
            "lifetimeInMinutes must be between {} and {}.",
            policy.min_lifetime_minutes, policy.max_lifetime_minutes
        ));
    }
    let is_usable_once = match once {
        None => policy.is_usable_once,
        Some(true) => true,
        Some(false) if policy.is_usable_once => {
            return Err("The policy allows only one-time Temporary Access Passes.".into())
        }
        Some(false) => false,
    };
    Ok(TapWindow {
        start,
        lifetime_minutes,
        is_usable_once,
        used_at: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::StdRng, SeedableRng};
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2025-03-01 12:00 UTC);

    #[test]
    fn policy_defaults_and_bounds() {
        let p = TapPolicy::default();
        assert_eq!(p.validate(), Ok(()));
        assert!(p.enabled && !p.is_usable_once && p.length == 8);
        let lifetimes = (
            p.default_lifetime_minutes,
            p.min_lifetime_minutes,
            p.max_lifetime_minutes,
        );
        assert_eq!(lifetimes, (60, 10, 480));
        let bad: [fn(&mut TapPolicy); 7] = [
            |p| p.min_lifetime_minutes = 9,
            |p| p.max_lifetime_minutes = 43_201,
            |p| p.min_lifetime_minutes = 500,
            |p| p.default_lifetime_minutes = 481,
            |p| p.default_lifetime_minutes = 5,
            |p| p.length = 7,
            |p| p.length = 49,
        ];
        for (i, change) in bad.iter().enumerate() {
            let mut b = p.clone();
            change(&mut b);
            assert!(b.validate().is_err(), "case {i}: {b:?}");
        }
        let mut edge = p;
        (edge.max_lifetime_minutes, edge.length) = (43_200, 48);
        assert_eq!(edge.validate(), Ok(()));
        let json: TapPolicy = serde_json::from_str(r#"{"isUsableOnce":true}"#).unwrap();
        assert!(json.is_usable_once && json.enabled && json.length == 8);
    }

    #[test]
    fn passes_use_the_unambiguous_alphabet_and_length() {
        let mut rng = StdRng::seed_from_u64(1);
        for len in [8, 20, 48] {
            let t = generate(&mut rng, len);
            assert_eq!(t.len(), len);
            assert!(t.bytes().all(|b| ALPHABET.contains(&b)), "{}", *t);
        }
        assert_eq!(generate(&mut rng, 3).len(), MIN_LENGTH, "clamped up");
        assert_eq!(generate(&mut rng, 100).len(), MAX_LENGTH, "clamped down");
        assert!(!ALPHABET.iter().any(|b| b"0Oo1lI".contains(b)));
        assert_ne!(*generate(&mut rng, 8), *generate(&mut rng, 8));
        // Every character turns up across many draws (a rough uniformity check).
        let many: String = (0..200)
            .map(|_| generate(&mut rng, 48).to_string())
            .collect();
        for c in ALPHABET {
            let n = many.bytes().filter(|b| b == c).count();
            assert!(
                (80..=220).contains(&n),
                "{} appears {n} times",
                char::from(*c)
            );
        }
    }

    #[test]
    fn digest_is_keyed_and_matching_is_exact() {
        let stored = digest(b"key-1", "Ab3#kPq9");
        assert!(matches(b"key-1", "Ab3#kPq9", &stored));
        assert!(matches(b"key-1", " Ab3#kPq9\n", &stored), "pasted");
        assert!(!matches(b"key-1", "ab3#kPq9", &stored), "case-sensitive");
        assert!(!matches(b"key-2", "Ab3#kPq9", &stored), "other key");
        assert!(!matches(b"key-1", "Ab3#kPq9", &stored[..31]));
        assert_ne!(digest(b"key-1", "Ab3#kPq9"), digest(b"key-2", "Ab3#kPq9"));
    }

    #[test]
    fn window_states() {
        let w = check_request(&TapPolicy::default(), None, None, None, NOW).unwrap();
        assert_eq!(w.state(NOW - Duration::seconds(1)), TapState::NotYetValid);
        assert_eq!(w.state(NOW), TapState::Active);
        assert_eq!(w.state(NOW + Duration::minutes(59)), TapState::Active);
        assert_eq!(w.state(NOW + Duration::minutes(60)), TapState::Expired);
        assert!(w.usable(NOW) && !w.usable(NOW + Duration::hours(2)));

        let mut used = w;
        used.used_at = Some(NOW);
        let soon = NOW + Duration::minutes(1);
        assert_eq!(used.state(soon), TapState::Active, "multi-use goes on");
        used.is_usable_once = true;
        assert_eq!(used.state(soon), TapState::Used);
        assert_eq!(used.state(NOW + Duration::days(1)), TapState::Used);
        assert!(!used.usable(soon));

        for lifetime_minutes in [i64::MAX / 60, i64::MAX, -1] {
            let corrupt = TapWindow {
                lifetime_minutes,
                ..w
            };
            assert_eq!(corrupt.state(NOW), TapState::Expired, "fail closed");
        }
        assert_eq!(TapState::Used.usability_reason(), "OneTimeUsed");
        assert_eq!(TapState::Active.usability_reason(), "EnabledByPolicy");
    }

    #[test]
    fn requests_are_checked_against_the_policy() {
        let p = TapPolicy::default();
        let w = check_request(&p, None, None, None, NOW).unwrap();
        let want = TapWindow {
            start: NOW,
            lifetime_minutes: 60,
            is_usable_once: false,
            used_at: None,
        };
        assert_eq!(w, want);
        let later = NOW + Duration::days(2);
        let w = check_request(&p, Some(later), Some(480), Some(true), NOW).unwrap();
        assert_eq!(
            (w.start, w.lifetime_minutes, w.is_usable_once),
            (later, 480, true)
        );
        let req = |p: &TapPolicy, start: OffsetDateTime, lifetime: i64, once: Option<bool>| {
            check_request(p, Some(start), Some(lifetime), once, NOW).is_ok()
        };
        assert!(req(&p, NOW - Duration::minutes(4), 60, None), "clock skew");
        assert!(!req(&p, NOW - Duration::minutes(6), 60, None), "past");
        assert!(
            !req(&p, NOW + Duration::days(31), 60, None),
            "too far ahead"
        );
        assert!(req(&p, NOW + Duration::days(29), 10, None));
        assert!(!req(&p, NOW, 9, None) && !req(&p, NOW, 481, None));

        let mut once_only = p.clone();
        once_only.is_usable_once = true;
        let w = check_request(&once_only, None, None, None, NOW).unwrap();
        assert!(w.is_usable_once, "defaults from the policy");
        assert!(req(&once_only, NOW, 60, Some(true)));
        assert!(!req(&once_only, NOW, 60, Some(false)));

        let mut off = p;
        off.enabled = false;
        assert!(!req(&off, NOW, 60, Some(true)));
    }
}
