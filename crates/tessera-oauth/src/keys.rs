//! Signing-key rotation, decided as a pure function of the tenant's keys and
//! the time: a new key is published `publish_ahead` before it starts signing,
//! the key it replaces is retired when it does, and retired keys stay in the
//! JWKS for `retire_grace` (longer than any token they signed lives). And
//! the order the JWKS lists keys in: RSA first ([`jwks_order`]).
use time::{Duration, OffsetDateTime};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyMeta {
    pub kid: String,
    pub active_from: OffsetDateTime,
    pub retired_at: Option<OffsetDateTime>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RotationPolicy {
    /// How long a key signs before its successor takes over.
    pub lifetime: Duration,
    /// How long a successor is published before it signs.
    pub publish_ahead: Duration,
    /// How long a retired key stays published: at least the longest token
    /// lifetime plus clock skew.
    pub retire_grace: Duration,
}

impl Default for RotationPolicy {
    fn default() -> Self {
        Self {
            lifetime: Duration::days(30),
            publish_ahead: Duration::days(1),
            retire_grace: Duration::hours(2),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyAction {
    /// Create a key that signs from `active_from`. `expected_newest` is the
    /// newest unretired key's `active_from` this plan saw: the store inserts
    /// only if that is still so (several nodes plan at once).
    Create {
        active_from: OffsetDateTime,
        expected_newest: Option<OffsetDateTime>,
    },
    Retire {
        kid: String,
    },
}

/// The key that signs at `now`: the newest unretired key already active.
pub fn signing(keys: &[KeyMeta], now: OffsetDateTime) -> Option<&KeyMeta> {
    keys.iter()
        .filter(|k| k.retired_at.is_none() && k.active_from <= now)
        .max_by_key(|k| k.active_from)
}

/// What to do now.
pub fn plan(keys: &[KeyMeta], now: OffsetDateTime, p: &RotationPolicy) -> Vec<KeyAction> {
    let live: Vec<&KeyMeta> = keys.iter().filter(|k| k.retired_at.is_none()).collect();
    let newest = live.iter().map(|k| k.active_from).max();
    let pending = live.iter().any(|k| k.active_from > now);
    let mut actions = Vec::new();
    match signing(keys, now) {
        None if !pending => actions.push(KeyAction::Create {
            active_from: now,
            expected_newest: newest,
        }),
        Some(cur) if !pending && now >= cur.active_from + p.lifetime - p.publish_ahead => actions
            .push(KeyAction::Create {
                active_from: now + p.publish_ahead,
                expected_newest: newest,
            }),
        _ => {}
    }
    if let Some(cur) = signing(keys, now) {
        for k in live.iter().filter(|k| k.active_from < cur.active_from) {
            actions.push(KeyAction::Retire { kid: k.kid.clone() });
        }
    }
    actions
}

/// Whether a key belongs in the JWKS at `now`.
pub fn published(k: &KeyMeta, now: OffsetDateTime, p: &RotationPolicy) -> bool {
    match k.retired_at {
        None => true,
        Some(at) => now < at + p.retire_grace,
    }
}

/// Orders published JWKs RSA first, then EC, then OKP (the relative order
/// within a key type is kept: newest first). A tenant whose applications
/// chose ES256 or EdDSA publishes EC and OKP keys beside its RSA ones, and
/// relying-party code that takes the first key, or reads keys until the
/// first one it cannot parse, still finds the RSA keys most tokens are
/// signed with (docs/oauth.md lists what is known to break regardless).
pub fn jwks_order(keys: &mut [serde_json::Value]) {
    keys.sort_by_key(|k| match k["kty"].as_str() {
        Some("RSA") => 0,
        Some("EC") => 1,
        Some("OKP") => 2,
        _ => 3,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn jwks_lists_rsa_then_ec_then_okp() {
        let k = |kty: &str, kid: &str| serde_json::json!({ "kty": kty, "kid": kid });
        let mut keys = vec![
            k("OKP", "o1"),
            k("EC", "e1"),
            k("RSA", "r2"),
            k("OKP", "o2"),
            k("RSA", "r1"),
        ];
        jwks_order(&mut keys);
        let kids: Vec<&str> = keys.iter().map(|k| k["kid"].as_str().unwrap()).collect();
        assert_eq!(kids, ["r2", "r1", "e1", "o1", "o2"]);
    }

    const T0: OffsetDateTime = datetime!(2026-01-01 00:00 UTC);

    fn key(kid: &str, active_from: OffsetDateTime) -> KeyMeta {
        KeyMeta {
            kid: kid.into(),
            active_from,
            retired_at: None,
        }
    }

    #[test]
    fn a_tenant_without_keys_gets_one_at_once() {
        let p = RotationPolicy::default();
        assert_eq!(
            plan(&[], T0, &p),
            vec![KeyAction::Create {
                active_from: T0,
                expected_newest: None
            }]
        );
    }

    #[test]
    fn successor_is_published_ahead_then_takes_over_and_the_old_key_retires() {
        let p = RotationPolicy::default();
        let a = key("a", T0);
        // Young key: nothing to do.
        assert!(plan(std::slice::from_ref(&a), T0 + Duration::days(10), &p).is_empty());
        // A day before the lifetime ends: publish the successor, to sign in a day.
        let when = T0 + Duration::days(29);
        let acts = plan(std::slice::from_ref(&a), when, &p);
        assert_eq!(
            acts,
            vec![KeyAction::Create {
                active_from: when + Duration::days(1),
                expected_newest: Some(T0)
            }]
        );
        let b = key("b", when + Duration::days(1));
        // While b is pending: a signs, nothing else happens.
        let keys = [a.clone(), b.clone()];
        assert_eq!(signing(&keys, when + Duration::hours(12)).unwrap().kid, "a");
        assert!(plan(&keys, when + Duration::hours(12), &p).is_empty());
        // Once b is active it signs and a is retired.
        let later = when + Duration::days(1) + Duration::minutes(1);
        assert_eq!(signing(&keys, later).unwrap().kid, "b");
        assert_eq!(
            plan(&keys, later, &p),
            vec![KeyAction::Retire { kid: "a".into() }]
        );
        // Retired a stays published for the grace period only.
        let retired = KeyMeta {
            retired_at: Some(later),
            ..a
        };
        assert!(published(&retired, later + Duration::hours(1), &p));
        assert!(!published(&retired, later + Duration::hours(3), &p));
        assert!(published(&b, later + Duration::days(400), &p));
    }

    #[test]
    fn only_one_successor_at_a_time() {
        let p = RotationPolicy {
            lifetime: Duration::ZERO,
            publish_ahead: Duration::hours(1),
            ..Default::default()
        };
        let keys = [key("a", T0), key("b", T0 + Duration::hours(1))];
        assert!(
            plan(&keys, T0 + Duration::minutes(5), &p).is_empty(),
            "b is pending already"
        );
    }

    #[test]
    fn retired_keys_never_sign() {
        let keys = [KeyMeta {
            kid: "a".into(),
            active_from: T0,
            retired_at: Some(T0),
        }];
        assert!(signing(&keys, T0 + Duration::hours(1)).is_none());
        assert_eq!(
            plan(&keys, T0, &RotationPolicy::default()).len(),
            1,
            "a new key is made"
        );
    }
}
