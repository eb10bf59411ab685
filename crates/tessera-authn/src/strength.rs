//! Authentication strengths: which combinations of methods satisfy
//! Entra's three built-in strengths, and the `amr` and `acr` a session's
//! methods put in its tokens.
//!
//! The built-in strengths are Microsoft Graph's `authenticationStrengthPolicy`
//! objects (same ids, names, descriptions, and `allowedCombinations` spelled
//! the same way), restricted to the combinations whose methods Tessera has,
//! so Conditional Access policies written against Entra mean the same here.
use serde::{Deserialize, Serialize};

/// An authentication method a sign-in used. The serde names are Graph's
/// `authenticationMethodModes` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
pub enum Method {
    Password,
    SoftwareOath,
    /// A passkey or security key assertion with user verification; a
    /// WebAuthn assertion without UV is not recorded as this method.
    Fido2,
    TemporaryAccessPassOneTime,
    TemporaryAccessPassMultiUse,
}

impl Method {
    /// Graph's `authenticationMethodModes` name.
    pub fn graph_name(self) -> &'static str {
        match self {
            Method::Password => "password",
            Method::SoftwareOath => "softwareOath",
            Method::Fido2 => "fido2",
            Method::TemporaryAccessPassOneTime => "temporaryAccessPassOneTime",
            Method::TemporaryAccessPassMultiUse => "temporaryAccessPassMultiUse",
        }
    }
}

/// A built-in authentication strength.
#[derive(Debug, PartialEq, Eq)]
pub struct Strength {
    pub id: &'static str,
    pub display_name: &'static str,
    pub description: &'static str,
    /// Each inner slice is one allowed combination; the sign-in must have
    /// used every method of at least one of them.
    pub combinations: &'static [&'static [Method]],
}

impl Strength {
    /// The combinations as Graph's `allowedCombinations` strings.
    pub fn allowed_combinations(&self) -> Vec<String> {
        self.combinations
            .iter()
            .map(|c| combination_name(c))
            .collect()
    }
}

pub const MFA_ID: &str = "00000000-0000-0000-0000-000000000002";
pub const PASSWORDLESS_MFA_ID: &str = "00000000-0000-0000-0000-000000000003";
pub const PHISHING_RESISTANT_MFA_ID: &str = "00000000-0000-0000-0000-000000000004";

/// Graph's three built-in strengths, weakest first. Left out for want of the
/// method: windowsHelloForBusiness, x509Certificate*, deviceBasedPush,
/// federated*, and password with microsoftAuthenticatorPush, hardwareOath,
/// sms or voice.
pub const BUILT_IN: [Strength; 3] = [
    Strength {
        id: MFA_ID,
        display_name: "Multifactor authentication",
        description: "Combinations of methods that satisfy strong authentication, such as a password + SMS",
        combinations: &[
            &[Method::Fido2],
            &[Method::TemporaryAccessPassOneTime],
            &[Method::TemporaryAccessPassMultiUse],
            &[Method::Password, Method::SoftwareOath],
        ],
    },
    Strength {
        id: PASSWORDLESS_MFA_ID,
        display_name: "Passwordless MFA",
        description: "Passwordless methods that satisfy strong authentication, such as Passwordless sign-in with the Microsoft Authenticator",
        combinations: &[&[Method::Fido2]],
    },
    Strength {
        id: PHISHING_RESISTANT_MFA_ID,
        display_name: "Phishing resistant MFA",
        description: "Phishing resistant, Passwordless methods for the strongest authentication, such as a FIDO2 security key",
        combinations: &[&[Method::Fido2]],
    },
];

pub fn by_id(id: &str) -> Option<&'static Strength> {
    BUILT_IN.iter().find(|s| s.id.eq_ignore_ascii_case(id))
}

/// Graph's string for a combination: method names in Graph's order
/// (password first), comma-separated, e.g. `password,softwareOath`.
pub fn combination_name(methods: &[Method]) -> String {
    let mut m = methods.to_vec();
    m.sort();
    m.dedup();
    m.iter()
        .map(|m| m.graph_name())
        .collect::<Vec<_>>()
        .join(",")
}

/// Whether `used` covers every method of at least one allowed combination.
pub fn satisfies(strength: &Strength, used: &[Method]) -> bool {
    strength
        .combinations
        .iter()
        .any(|c| c.iter().all(|m| used.contains(m)))
}

fn mfa() -> &'static Strength {
    &BUILT_IN[0]
}

/// Entra's `amr` values for the methods used: `pwd`, `otp` (software OATH
/// code), `fido`, and `mfa` when the methods satisfy the built-in MFA
/// strength (password + code, a verified passkey, or a TAP: Entra counts a
/// TAP as strong authentication). Entra publishes no `amr` for a TAP; `tap`
/// is Tessera's. Sorted and deduplicated, so equal sessions give equal
/// tokens.
pub fn amr(used: &[Method]) -> Vec<String> {
    let mut out: Vec<&str> = used
        .iter()
        .map(|m| match m {
            Method::Password => "pwd",
            Method::SoftwareOath => "otp",
            Method::Fido2 => "fido",
            Method::TemporaryAccessPassOneTime | Method::TemporaryAccessPassMultiUse => "tap",
        })
        .collect();
    if satisfies(mfa(), used) {
        out.push("mfa");
    }
    out.sort_unstable();
    out.dedup();
    out.into_iter().map(String::from).collect()
}

/// The inverse of [`amr`], for a session that stored only its `amr`.
/// `mfa` and unknown values map to nothing (they are conclusions, not
/// methods). `tap` cannot say which kind of TAP it was; it maps to
/// [`Method::TemporaryAccessPassMultiUse`], which satisfies exactly the
/// same strengths as the one-time kind, so nothing downstream changes.
pub fn methods_from_amr(amr: &[String]) -> Vec<Method> {
    let mut out: Vec<Method> = amr
        .iter()
        .filter_map(|v| match v.as_str() {
            "pwd" => Some(Method::Password),
            "otp" => Some(Method::SoftwareOath),
            "fido" => Some(Method::Fido2),
            "tap" => Some(Method::TemporaryAccessPassMultiUse),
            _ => None,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Single-factor sign-in (a password alone).
pub const ACR_1FA: &str = "urn:tessera:acr:1fa";
/// The built-in "Multifactor authentication" strength.
pub const ACR_MFA: &str = "urn:tessera:acr:mfa";
/// The built-in "Passwordless MFA" strength.
pub const ACR_PASSWORDLESS: &str = "urn:tessera:acr:passwordless-mfa";
/// The built-in "Phishing resistant MFA" strength.
pub const ACR_PHISHING_RESISTANT: &str = "urn:tessera:acr:phishing-resistant-mfa";

/// Discovery's `acr_values_supported`, weakest first.
pub const ACR_VALUES: [&str; 4] = [ACR_1FA, ACR_MFA, ACR_PASSWORDLESS, ACR_PHISHING_RESISTANT];

/// The built-in strength an acr value names (None for 1fa and unknowns).
fn strength_of_acr(acr: &str) -> Option<&'static Strength> {
    match acr {
        ACR_MFA => by_id(MFA_ID),
        ACR_PASSWORDLESS => by_id(PASSWORDLESS_MFA_ID),
        ACR_PHISHING_RESISTANT => by_id(PHISHING_RESISTANT_MFA_ID),
        _ => None,
    }
}

/// The strongest acr the methods satisfy. Tokens are minted only after a
/// successful first factor, so anything short of MFA is 1fa.
pub fn acr(used: &[Method]) -> &'static str {
    ACR_VALUES
        .iter()
        .rev()
        .copied()
        .find(|a| strength_of_acr(a).is_some_and(|s| satisfies(s, used)))
        .unwrap_or(ACR_1FA)
}

/// Whether the methods satisfy a requested acr value (OIDC `acr_values`
/// or a `claims` request); None when Tessera does not know the value, so
/// the caller can decide between ignoring it (voluntary) and failing
/// (essential).
pub fn acr_satisfied(requested: &str, used: &[Method]) -> Option<bool> {
    if requested == ACR_1FA {
        return Some(!used.is_empty());
    }
    strength_of_acr(requested).map(|s| satisfies(s, used))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Method::*;

    const PWD: &[Method] = &[Password];
    const PWD_OTP: &[Method] = &[Password, SoftwareOath];
    const FIDO: &[Method] = &[Fido2];
    const TAP1: &[Method] = &[TemporaryAccessPassOneTime];
    const TAPN: &[Method] = &[TemporaryAccessPassMultiUse];
    const OTP: &[Method] = &[SoftwareOath];

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn built_in_strengths_against_each_method_set() {
        let [mfa, passwordless, phishing] = &BUILT_IN;
        //               pwd    pwd+otp fido  tap1   tapN   otp
        let expect = [
            (mfa, [false, true, true, true, true, false]),
            (passwordless, [false, false, true, false, false, false]),
            (phishing, [false, false, true, false, false, false]),
        ];
        for (s, row) in expect {
            for (used, want) in [PWD, PWD_OTP, FIDO, TAP1, TAPN, OTP].iter().zip(row) {
                assert_eq!(satisfies(s, used), want, "{} with {used:?}", s.display_name);
            }
        }
        // Extra methods never hurt.
        assert!(satisfies(phishing, &[Password, Fido2]));
    }

    #[test]
    fn ids_names_and_graph_strings() {
        assert_eq!(
            by_id(MFA_ID).unwrap().display_name,
            "Multifactor authentication"
        );
        assert_eq!(
            by_id("00000000-0000-0000-0000-000000000004").unwrap().id,
            PHISHING_RESISTANT_MFA_ID
        );
        assert!(by_id("00000000-0000-0000-0000-000000000001").is_none());
        assert_eq!(
            combination_name(&[SoftwareOath, Password]),
            "password,softwareOath"
        );
        assert_eq!(combination_name(&[Fido2, Fido2]), "fido2");
        assert_eq!(
            BUILT_IN[0].allowed_combinations(),
            strings(&[
                "fido2",
                "temporaryAccessPassOneTime",
                "temporaryAccessPassMultiUse",
                "password,softwareOath"
            ])
        );
        for m in [
            Password,
            SoftwareOath,
            Fido2,
            TemporaryAccessPassOneTime,
            TemporaryAccessPassMultiUse,
        ] {
            let json = serde_json::to_string(&m).unwrap();
            assert_eq!(json, format!("\"{}\"", m.graph_name()));
            assert_eq!(serde_json::from_str::<Method>(&json).unwrap(), m);
        }
    }

    #[test]
    fn amr_values() {
        assert_eq!(amr(PWD), strings(&["pwd"]));
        assert_eq!(amr(PWD_OTP), strings(&["mfa", "otp", "pwd"]));
        assert_eq!(
            amr(&[SoftwareOath, Password, Password]),
            strings(&["mfa", "otp", "pwd"])
        );
        assert_eq!(amr(FIDO), strings(&["fido", "mfa"]));
        assert_eq!(amr(TAP1), strings(&["mfa", "tap"]));
        assert_eq!(amr(TAPN), strings(&["mfa", "tap"]));
        assert_eq!(amr(OTP), strings(&["otp"]), "a code alone is not MFA");
        assert!(amr(&[]).is_empty());
    }

    #[test]
    fn amr_round_trips_through_methods() {
        for used in [PWD, PWD_OTP, FIDO, TAPN, OTP] {
            assert_eq!(methods_from_amr(&amr(used)), used.to_vec());
        }
        // A one-time TAP comes back as multi-use, which satisfies the same.
        let back = methods_from_amr(&amr(TAP1));
        assert_eq!(back, vec![TemporaryAccessPassMultiUse]);
        for s in &BUILT_IN {
            assert_eq!(satisfies(s, &back), satisfies(s, TAP1));
        }
        assert!(methods_from_amr(&strings(&["mfa", "rsa", "wia"])).is_empty());
    }

    #[test]
    fn acr_values() {
        assert_eq!(acr(PWD), ACR_1FA);
        assert_eq!(acr(OTP), ACR_1FA);
        assert_eq!(acr(PWD_OTP), ACR_MFA);
        assert_eq!(acr(TAP1), ACR_MFA);
        assert_eq!(acr(FIDO), ACR_PHISHING_RESISTANT);
        assert_eq!(acr(&[Password, Fido2]), ACR_PHISHING_RESISTANT);

        assert_eq!(acr_satisfied(ACR_1FA, PWD), Some(true));
        assert_eq!(acr_satisfied(ACR_1FA, &[]), Some(false));
        assert_eq!(acr_satisfied(ACR_MFA, PWD), Some(false));
        assert_eq!(acr_satisfied(ACR_MFA, TAPN), Some(true));
        assert_eq!(acr_satisfied(ACR_PASSWORDLESS, TAPN), Some(false));
        assert_eq!(acr_satisfied(ACR_PASSWORDLESS, FIDO), Some(true));
        assert_eq!(acr_satisfied(ACR_PHISHING_RESISTANT, PWD_OTP), Some(false));
        assert_eq!(acr_satisfied(ACR_PHISHING_RESISTANT, FIDO), Some(true));
        assert_eq!(acr_satisfied("urn:example:loa:2", FIDO), None);
        assert_eq!(ACR_VALUES.len(), 4);
    }
}
