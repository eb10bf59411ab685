//! The tenant's password policy, after Entra's password protection
//! ("Eliminate bad passwords using Microsoft Entra Password Protection"):
//! length, Entra's complexity rule, and a banned-password check that
//! normalizes the password, finds banned terms by fuzzy matching (global
//! list, the tenant's custom list) and by substring matching (tenant and
//! user names), then scores it: one point per banned term found, one per
//! other character, five points needed.
//!
//! The matching and scoring are hand-written: Entra's algorithm is
//! documented only in prose, and no crate implements it.
use serde::{Deserialize, Serialize};

/// Terms Entra's documentation says are matched only from this length on;
/// also the shortest text a fuzzy match may cover, so a short term does not
/// match every three-letter fragment.
const MIN_TERM: usize = 4;
/// Points a password needs (Entra's threshold).
const MIN_SCORE: usize = 5;

/// The global banned list: base terms, not whole passwords, because
/// normalization and fuzzy matching catch their variants ("P@ssw0rd1").
/// The decades catch appended years ("2024" is one substitution from
/// "2020"), the commonest suffix after digits runs.
const GLOBAL_BANNED: &str = "\
    password welcome qwerty qwertyuiop asdfgh zxcvbn qazwsx letmein admin administrator \
    iloveyou monkey dragon football baseball basketball soccer hockey sunshine princess \
    master shadow abc123 1234 123456 12345678 123123 654321 111111 000000 121212 112233 \
    666666 696969 trustno1 superman batman spiderman starwars pokemon michael jennifer \
    jordan hunter ranger buster harley charlie ashley bailey daniel jessica thomas pepper \
    ginger cheese cookie chocolate summer winter spring autumn january february december \
    monday friday secret freedom whatever computer internet login access changeme default \
    guest test testing user root love lovely hello killer maggie mustang orange purple \
    silver diamond angel matrix samsung apple google windows office company temp tessera \
    microsoft azure entra 1950 1960 1970 1980 1990 2000 2010 2020 2030";

/// A tenant's password policy.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct PasswordPolicy {
    /// In characters; 8 to 256 (Entra's floor and ceiling).
    pub min_length: usize,
    /// In characters; from `min_length` to 256.
    pub max_length: usize,
    /// The tenant's custom banned list: at most 1000 terms of 4 to 16
    /// characters, as Entra allows.
    pub banned_passwords: Vec<String>,
    pub enforce_custom_list: bool,
    /// Failed sign-ins before lockout (Entra's smart lockout); 1 to 50.
    pub lockout_threshold: u32,
    /// How long a lockout lasts; 5 seconds to an hour.
    pub lockout_duration_seconds: u64,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            min_length: 8,
            max_length: 256,
            banned_passwords: Vec::new(),
            enforce_custom_list: true,
            lockout_threshold: 10,
            lockout_duration_seconds: 60,
        }
    }
}

impl PasswordPolicy {
    /// Checks the bounds documented on each field.
    pub fn validate(&self) -> Result<(), String> {
        if !(8..=256).contains(&self.min_length) {
            return Err("minLength must be between 8 and 256.".into());
        }
        if !(self.min_length..=256).contains(&self.max_length) {
            return Err("maxLength must be between minLength and 256.".into());
        }
        if self.banned_passwords.len() > 1000 {
            return Err("bannedPasswords may hold at most 1000 terms.".into());
        }
        let term_ok = |t: &String| (4..=16).contains(&t.trim().chars().count());
        if !self.banned_passwords.iter().all(term_ok) {
            return Err("Each banned password must have 4 to 16 characters.".into());
        }
        if !(1..=50).contains(&self.lockout_threshold) {
            return Err("lockoutThreshold must be between 1 and 50.".into());
        }
        if !(5..=3600).contains(&self.lockout_duration_seconds) {
            return Err("lockoutDurationInSeconds must be between 5 and 3600.".into());
        }
        Ok(())
    }
}

/// Who the password is for: their names are banned in it.
#[derive(Clone, Copy, Debug)]
pub struct PasswordContext<'a> {
    /// The tenant's display name.
    pub tenant_name: &'a str,
    pub user_principal_name: &'a str,
    pub display_name: &'a str,
}

/// Why a password was refused. Never carries the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordRejection {
    TooShort { min: usize },
    TooLong { max: usize },
    NotComplex,
    Banned,
}

impl PasswordRejection {
    /// Text for the user (the banned text is Entra's own).
    pub fn message(&self) -> String {
        match self {
            Self::TooShort { min } => format!("Your password must have at least {min} characters."),
            Self::TooLong { max } => format!("Your password must have at most {max} characters."),
            Self::NotComplex => "Your password must contain characters from at least three of: lower-case letters, upper-case letters, digits and symbols.".into(),
            Self::Banned => "Unfortunately, your password contains a word, phrase, or pattern that makes your password easily guessable. Please try again with a different password.".into(),
        }
    }

    /// A stable code for APIs and logs.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooShort { .. } => "passwordTooShort",
            Self::TooLong { .. } => "passwordTooLong",
            Self::NotComplex => "passwordNotComplex",
            Self::Banned => "passwordBanned",
        }
    }
}

/// Entra's complexity rule, three of: lower case, upper case, ASCII digits,
/// symbols (anything not alphanumeric). The same rule as the directory
/// API's check when an administrator sets a password, so the two agree.
pub fn is_complex(password: &str) -> bool {
    let classes = [
        password.chars().any(char::is_lowercase),
        password.chars().any(char::is_uppercase),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ];
    classes.iter().filter(|b| **b).count() >= 3
}

/// Checks a new password: length (in characters), complexity, then the
/// banned-password score.
pub fn check(
    policy: &PasswordPolicy,
    password: &str,
    context: &PasswordContext<'_>,
) -> Result<(), PasswordRejection> {
    let (n, min, max) = (
        password.chars().count(),
        policy.min_length,
        policy.max_length,
    );
    if n < min {
        return Err(PasswordRejection::TooShort { min });
    }
    if n > max {
        return Err(PasswordRejection::TooLong { max });
    }
    if !is_complex(password) {
        return Err(PasswordRejection::NotComplex);
    }
    let mut fuzzy: Vec<Vec<char>> = GLOBAL_BANNED.split_whitespace().map(normalize).collect();
    if policy.enforce_custom_list {
        fuzzy.extend(policy.banned_passwords.iter().map(|t| normalize(t.trim())));
    }
    fuzzy.retain(|t| t.len() >= MIN_TERM);
    if score(&normalize(password), &fuzzy, &name_terms(context)) < MIN_SCORE {
        return Err(PasswordRejection::Banned);
    }
    Ok(())
}

/// Entra's normalization: lower case, then undo common substitutions.
/// `1` is kept as itself and compared equal to both `l` and `i` (see
/// [`same`]), since it stands for either. One character in, one out, so
/// scores count the password's own characters.
fn normalize(s: &str) -> Vec<char> {
    s.chars()
        .map(|c| match c.to_lowercase().next().unwrap_or(c) {
            '0' => 'o',
            '3' => 'e',
            '4' | '@' => 'a',
            '5' | '$' => 's',
            '7' => 't',
            '!' => 'i',
            c => c,
        })
        .collect()
}

fn same(a: char, b: char) -> bool {
    a == b || matches!((a, b), ('1', 'l' | 'i') | ('l' | 'i', '1'))
}

fn same_run(a: &[char], b: &[char]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(*x, *y))
}

/// The tenant's and user's names as terms for substring matching: the
/// words of the tenant name, UPN local part and display name, the whole
/// local part, and the tenant name without spaces, when at least 4 long.
fn name_terms(ctx: &PasswordContext<'_>) -> Vec<Vec<char>> {
    let local = ctx.user_principal_name.split('@').next().unwrap_or("");
    let squashed: String = ctx.tenant_name.split_whitespace().collect();
    let words = [ctx.tenant_name, local, ctx.display_name]
        .into_iter()
        .flat_map(|s| s.split(|c: char| !c.is_alphanumeric()));
    let mut terms: Vec<Vec<char>> = words
        .chain([local, squashed.as_str()])
        .map(normalize)
        .filter(|t| t.len() >= MIN_TERM)
        .collect();
    terms.sort();
    terms.dedup();
    terms
}

/// Whether `a` is within one edit (substitution, insertion or deletion)
/// of `b`.
fn within_one(a: &[char], b: &[char]) -> bool {
    if a.len() > b.len() {
        return within_one(b, a);
    }
    let prefix = (0..a.len()).take_while(|&i| same(a[i], b[i])).count();
    match b.len() - a.len() {
        0 => prefix == a.len() || same_run(&a[prefix + 1..], &b[prefix + 1..]),
        1 => same_run(&a[prefix..], &b[prefix + 1..]),
        _ => false,
    }
}

/// Entra's score, at its lowest over every way of reading the password as
/// banned terms and leftover characters (a term found counts one point,
/// each leftover character one). Lowest, so no choice of matches lets a
/// weak password through.
///
/// Fuzzy terms match windows one shorter (down to [`MIN_TERM`]), the same
/// length, or one longer; a longer window must agree with the term at both
/// ends, because an extra character at an end is not hidden by the term
/// (Entra scores "Bl@nkf9!" as blank + f + 9 + !, not blankf + 9 + !).
fn score(pw: &[char], fuzzy: &[Vec<char>], names: &[Vec<char>]) -> usize {
    let n = pw.len();
    // best[i]: the lowest score of the first i characters.
    let mut best: Vec<usize> = (0..=n).collect();
    for i in 0..n {
        let next = best[i] + 1;
        let mut reach = |end: usize| best[end] = best[end].min(next);
        reach(i + 1);
        for term in fuzzy {
            let lens = [term.len().saturating_sub(1), term.len(), term.len() + 1];
            for w in lens.into_iter().filter(|w| *w >= MIN_TERM && i + w <= n) {
                let window = &pw[i..i + w];
                let ends_agree = w <= term.len()
                    || (same(window[0], term[0]) && same(window[w - 1], term[term.len() - 1]));
                if ends_agree && within_one(window, term) {
                    reach(i + w);
                }
            }
        }
        for term in names {
            let end = i + term.len();
            if end <= n && same_run(&pw[i..end], term) {
                reach(end);
            }
        }
    }
    best[n]
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTOSO: PasswordContext<'static> = PasswordContext {
        tenant_name: "Contoso",
        user_principal_name: "mwilliams@contoso.com",
        display_name: "Megan Williams",
    };
    const NOBODY: PasswordContext<'static> = PasswordContext {
        tenant_name: "Fabrikam",
        user_principal_name: "kq@fabrikam.com",
        display_name: "Bo Li", // words under four characters are not terms
    };

    #[test]
    fn scores_follow_entra_documented_examples() {
        let cases: [(&str, &[&str], usize); 10] = [
            ("C0ntos0Blank12", &["contoso", "blank"], 4), // Entra: rejected
            ("ContoS0Bl@nkf9!", &["contoso", "blank"], 5), // Entra: accepted
            ("Bl@nK", &["blank"], 1),                     // normalization
            ("abcdeg", &["abcdef"], 1),                   // substitution
            ("abXcdef", &["abcdef"], 1),                  // insertion
            ("abcde", &["abcdef"], 1),                    // deletion
            ("abcdefg", &["abcdef"], 2), // an extra character at an end still scores
            ("abXYdef", &["abcdef"], 7), // two edits: no match
            ("Adm1n!str@tor", &["administrator"], 1), // 1 stands for i
            ("P@ssw0rd2024!", &["password", "2020"], 3), // years are one from a decade
        ];
        for (p, terms, want) in cases {
            let fuzzy: Vec<_> = terms.iter().map(|t| normalize(t)).collect();
            assert_eq!(score(&normalize(p), &fuzzy, &[]), want, "{p}");
        }
    }

    #[test]
    fn verdicts() {
        let d = PasswordPolicy::default();
        let mut custom = d.clone();
        custom.banned_passwords = vec![" Widget".into()];
        let mut not_enforced = custom.clone();
        not_enforced.enforce_custom_list = false;
        let mut bounded = d.clone();
        (bounded.min_length, bounded.max_length) = (10, 16);
        let cases = [
            (&d, "Password1!", NOBODY, "passwordBanned"), // password + 1 + ! = 3
            (&d, "P@ssw0rd2024!", NOBODY, "passwordBanned"),
            (&d, "Welcome123!", NOBODY, "passwordBanned"),
            (&d, "Qwerty!2345", NOBODY, "passwordBanned"),
            (&d, "Adm1n!str@tor", NOBODY, "passwordBanned"),
            (&d, "Contoso123!", CONTOSO, "passwordBanned"), // contoso + 123! (~1234) = 2
            (&d, "C0nt0s0!!2024x", CONTOSO, "ok"),          // contoso + ! + ! + 2024 + x = 5
            (&d, "C0nt0s0!2024", CONTOSO, "passwordBanned"), // 3
            (&d, "C0nt0s0!2024", NOBODY, "ok"),
            (&d, "Mwilliams#42", CONTOSO, "passwordBanned"), // UPN local part
            (&d, "Mwilliams#42", NOBODY, "ok"),
            (&d, "MeganW!ll1ams", CONTOSO, "passwordBanned"), // display name
            (&d, "Bo!Li#7tq", NOBODY, "ok"),
            (&d, "Vq7#mT2!xLp9", CONTOSO, "ok"),
            (&d, "correct-Horse-battery-42", CONTOSO, "ok"),
            (&custom, "Widget#Q7", NOBODY, "passwordBanned"), // widget + # + Q + 7 = 4
            (&custom, "W1dg3t$Q7", NOBODY, "passwordBanned"),
            (&custom, "W1dg3t$Q7x", NOBODY, "ok"),
            (&not_enforced, "Widget#Q7", NOBODY, "ok"),
            (&bounded, "Vq7#mT2!x", NOBODY, "passwordTooShort"),
            (&bounded, "Vq7#mT2!xLp9Vq7#m", NOBODY, "passwordTooLong"),
            (&bounded, "ééééééééK7", NOBODY, "ok"), // characters, not bytes
            (&bounded, "vq7mt2xlpq", NOBODY, "passwordNotComplex"),
        ];
        for (policy, p, ctx, want) in cases {
            let got = check(policy, p, &ctx).err().map_or("ok", |r| r.code());
            assert_eq!(got, want, "{p} for {}", ctx.tenant_name);
        }
        let short = check(&bounded, "Vq7#mT2!x", &NOBODY).unwrap_err();
        assert_eq!(short, PasswordRejection::TooShort { min: 10 });
        assert!(short.message().contains("10") && !short.message().contains("Vq7"));
        let banned = PasswordRejection::Banned.message();
        assert!(banned.contains("easily guessable"));
        // The directory API's complexity cases.
        for weak in "alllowercase ALLUPPER123 12345678901 nodigits-here".split_whitespace() {
            assert!(!is_complex(weak), "{weak}");
        }
        assert!(is_complex("Correct-Horse-42") && is_complex("abcdEFGH1"));
    }

    #[test]
    fn policy_validation_bounds() {
        let d = PasswordPolicy::default();
        assert_eq!(d.validate(), Ok(()));
        let defaults = (
            d.min_length,
            d.max_length,
            d.lockout_threshold,
            d.lockout_duration_seconds,
        );
        assert_eq!(defaults, (8, 256, 10, 60));
        assert!(d.enforce_custom_list && d.banned_passwords.is_empty());
        let bad: [fn(&mut PasswordPolicy); 10] = [
            |p| p.min_length = 7,
            |p| (p.min_length, p.max_length) = (257, 257),
            |p| (p.min_length, p.max_length) = (20, 19),
            |p| p.banned_passwords = vec!["abc".into()],
            |p| p.banned_passwords = vec!["x".repeat(17)],
            |p| p.banned_passwords = vec!["term".into(); 1001],
            |p| p.lockout_threshold = 0,
            |p| p.lockout_threshold = 51,
            |p| p.lockout_duration_seconds = 4,
            |p| p.lockout_duration_seconds = 3601,
        ];
        for (i, change) in bad.iter().enumerate() {
            let mut p = d.clone();
            change(&mut p);
            assert!(p.validate().is_err(), "case {i}: {p:?}");
        }
        let mut edge = d;
        edge.banned_passwords = vec!["abcd".into(), "x".repeat(16)];
        assert_eq!(edge.validate(), Ok(()));
        let json = r#"{"minLength":12,"bannedPasswords":["contoso"]}"#;
        let p: PasswordPolicy = serde_json::from_str(json).unwrap();
        assert_eq!(
            (p.min_length, p.max_length, p.banned_passwords.len()),
            (12, 256, 1)
        );
    }
}
