//! The tenant's authentication policies, as sign-in and the directory API
//! read them: the authentication methods policy (FIDO2, software OATH,
//! Temporary Access Pass), security defaults, and the password rules
//! (Entra's "Password Rule Settings" directory setting). Each is one JSON
//! document in the store (`tenant_policy` / `set_tenant_policy`) under its
//! name; a tenant that never wrote one has the defaults.
//!
//! An unreadable document (corrupt, or written by a newer version) does not
//! stop sign-in, and does not silently fall back to the permissive
//! defaults either: a warning is logged (without the document's content)
//! and the parts that could weaken sign-in fail closed —
//! - methods policy: Temporary Access Passes are refused, and no new FIDO2
//!   key may be registered (self-service off, an empty allow list
//!   enforced); passkeys and authenticator apps already registered keep
//!   working, since they only ever add a factor;
//! - security defaults: on (multifactor required);
//! - password rules: the defaults (banned-password check on, lockout after
//!   10 failures for 60 s) — the custom banned list is lost until an
//!   administrator writes the setting again.
//!
//! The directory API shows the effective (fail-closed) values, so an
//! administrator's next PATCH rewrites a readable document.
use serde::{Deserialize, Serialize};
use tessera_authn::password_policy::PasswordPolicy;
use tessera_authn::tap::TapPolicy;
use tessera_authn::webauthn::{EnforcementType, Fido2Policy, KeyRestrictions};
use tessera_model::TenantId;
use tessera_store::{Store, StoreResult};
use time::OffsetDateTime;

/// Document names in `tenant_policies`.
pub const METHODS_POLICY: &str = "authenticationMethodsPolicy";
pub const SECURITY_DEFAULTS: &str = "securityDefaults";
pub const PASSWORD_RULES: &str = "passwordRuleSettings";

/// Everything sign-in needs to know of the tenant's authentication policies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MethodsPolicy {
    /// Passkeys may be used (and, with `fido2_self_service`, registered).
    pub fido2_enabled: bool,
    pub fido2_self_service: bool,
    pub fido2: Fido2Policy,
    pub software_oath_enabled: bool,
    pub tap: TapPolicy,
    pub password: PasswordPolicy,
    /// Entra turns security defaults on for new tenants.
    pub security_defaults: bool,
    /// When the methods policy was last written (`None`: never).
    pub modified: Option<OffsetDateTime>,
}

impl Default for MethodsPolicy {
    fn default() -> Self {
        let m = MethodsDoc::default();
        Self {
            fido2_enabled: m.fido2_enabled,
            fido2_self_service: m.fido2_self_service,
            fido2: m.fido2,
            software_oath_enabled: m.software_oath_enabled,
            tap: m.tap,
            password: PasswordPolicy::default(),
            security_defaults: true,
            modified: None,
        }
    }
}

impl MethodsPolicy {
    /// The methods-policy parts, as the directory API validates a change
    /// before anything is written.
    pub fn validate_methods(&self) -> Result<(), String> {
        self.tap.validate()
    }
}

/// The stored authentication methods policy.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
struct MethodsDoc {
    fido2_enabled: bool,
    fido2_self_service: bool,
    fido2: Fido2Policy,
    software_oath_enabled: bool,
    tap: TapPolicy,
    #[serde(with = "time::serde::rfc3339::option")]
    modified: Option<OffsetDateTime>,
}

impl Default for MethodsDoc {
    fn default() -> Self {
        Self {
            fido2_enabled: true,
            fido2_self_service: true,
            fido2: Fido2Policy::default(),
            software_oath_enabled: true,
            tap: TapPolicy::default(),
            modified: None,
        }
    }
}

impl MethodsDoc {
    /// What an unreadable document means (see the module notes).
    fn fail_closed() -> Self {
        Self {
            fido2_self_service: false,
            fido2: Fido2Policy {
                key_restrictions: KeyRestrictions {
                    is_enforced: true,
                    enforcement_type: EnforcementType::Allow,
                    aa_guids: Vec::new(),
                },
                ..Fido2Policy::default()
            },
            tap: TapPolicy {
                enabled: false,
                ..TapPolicy::default()
            },
            ..Self::default()
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SecurityDefaultsDoc {
    is_enabled: bool,
}

/// The tenant's "Password Rule Settings" directory setting: the policy
/// sign-in enforces, and the setting object the directory API shows (none
/// until an administrator creates one; the defaults apply meanwhile).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct PasswordRules {
    /// The directory setting's id; `None`: no setting object exists.
    pub setting_id: Option<uuid::Uuid>,
    pub policy: PasswordPolicy,
    /// Entra's on-premises password protection values: kept and shown,
    /// not used (Tessera has no on-premises agents).
    pub on_premises_mode: String,
    pub on_premises_enabled: bool,
}

impl Default for PasswordRules {
    fn default() -> Self {
        Self {
            setting_id: None,
            policy: PasswordPolicy::default(),
            on_premises_mode: "Audit".into(),
            on_premises_enabled: true,
        }
    }
}

/// A stored document, parsed; an unreadable one is `fallback()` with a
/// warning that names the document, never its content.
async fn read<T: serde::de::DeserializeOwned>(
    store: &dyn Store,
    t: TenantId,
    name: &str,
    fallback: impl FnOnce() -> T,
) -> StoreResult<Option<T>> {
    let Some(text) = store.tenant_policy(t, name).await? else {
        return Ok(None);
    };
    match serde_json::from_str(&text) {
        Ok(v) => Ok(Some(v)),
        Err(e) => {
            tracing::warn!(tenant = %t, policy = name, error = %e.classify_name(), "unreadable tenant policy document: failing closed until it is written again");
            Ok(Some(fallback()))
        }
    }
}

trait Classify {
    fn classify_name(&self) -> &'static str;
}

impl Classify for serde_json::Error {
    /// The kind of parse error only: its message may quote the document.
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "io",
            serde_json::error::Category::Syntax => "syntax",
            serde_json::error::Category::Data => "data",
            serde_json::error::Category::Eof => "eof",
        }
    }
}

/// The tenant's authentication policies, defaults where nothing is stored.
pub async fn load(store: &dyn Store, t: TenantId) -> StoreResult<MethodsPolicy> {
    let m = read(store, t, METHODS_POLICY, MethodsDoc::fail_closed)
        .await?
        .unwrap_or_default();
    let security_defaults = read(store, t, SECURITY_DEFAULTS, || SecurityDefaultsDoc {
        is_enabled: true,
    })
    .await?
    .is_none_or(|d| d.is_enabled);
    let password = password_rules(store, t).await?.policy;
    Ok(MethodsPolicy {
        fido2_enabled: m.fido2_enabled,
        fido2_self_service: m.fido2_self_service,
        fido2: m.fido2,
        software_oath_enabled: m.software_oath_enabled,
        tap: m.tap,
        password,
        security_defaults,
        modified: m.modified,
    })
}

/// Writes the methods-policy parts of `p` (FIDO2, software OATH, Temporary
/// Access Pass), stamped `now`. The caller validates first.
pub async fn save_methods(
    store: &dyn Store,
    t: TenantId,
    p: &MethodsPolicy,
    now: OffsetDateTime,
) -> StoreResult<()> {
    let doc = MethodsDoc {
        fido2_enabled: p.fido2_enabled,
        fido2_self_service: p.fido2_self_service,
        fido2: p.fido2.clone(),
        software_oath_enabled: p.software_oath_enabled,
        tap: p.tap.clone(),
        modified: Some(now),
    };
    store
        .set_tenant_policy(t, METHODS_POLICY, &to_json(&doc)?, now)
        .await
}

pub async fn save_security_defaults(
    store: &dyn Store,
    t: TenantId,
    enabled: bool,
    now: OffsetDateTime,
) -> StoreResult<()> {
    let doc = SecurityDefaultsDoc {
        is_enabled: enabled,
    };
    store
        .set_tenant_policy(t, SECURITY_DEFAULTS, &to_json(&doc)?, now)
        .await
}

/// The password rules, defaults where nothing is stored.
pub async fn password_rules(store: &dyn Store, t: TenantId) -> StoreResult<PasswordRules> {
    Ok(read(store, t, PASSWORD_RULES, PasswordRules::default)
        .await?
        .unwrap_or_default())
}

/// Writes the password rules. The caller validates `r.policy` first.
pub async fn save_password_rules(
    store: &dyn Store,
    t: TenantId,
    r: &PasswordRules,
    now: OffsetDateTime,
) -> StoreResult<()> {
    store
        .set_tenant_policy(t, PASSWORD_RULES, &to_json(r)?, now)
        .await
}

fn to_json<T: Serialize>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| tessera_store::StoreError::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_entras_for_a_new_tenant() {
        let p = MethodsPolicy::default();
        assert!(p.fido2_enabled && p.fido2_self_service && p.software_oath_enabled);
        assert!(p.tap.enabled && p.security_defaults);
        assert!(!p.fido2.key_restrictions.is_enforced);
        assert_eq!(p.modified, None);
    }

    #[test]
    fn an_unreadable_methods_policy_fails_closed() {
        let m = MethodsDoc::fail_closed();
        assert!(!m.tap.enabled, "no Temporary Access Pass");
        assert!(!m.fido2_self_service, "no new passkeys");
        let k = &m.fido2.key_restrictions;
        assert!(k.is_enforced && k.enforcement_type == EnforcementType::Allow);
        assert!(k.aa_guids.is_empty());
        assert!(
            m.fido2_enabled && m.software_oath_enabled,
            "existing factors still work"
        );
    }

    #[test]
    fn documents_round_trip() {
        let d = MethodsDoc {
            modified: Some(time::macros::datetime!(2026-01-02 03:04:05 UTC)),
            ..MethodsDoc::default()
        };
        let back: MethodsDoc = serde_json::from_str(&to_json(&d).unwrap()).unwrap();
        assert_eq!(back, d);
        let r = PasswordRules {
            setting_id: Some(uuid::Uuid::nil()),
            ..PasswordRules::default()
        };
        let back: PasswordRules = serde_json::from_str(&to_json(&r).unwrap()).unwrap();
        assert_eq!(back, r);
        // A document from an older version (fields missing) reads with defaults.
        let old: MethodsDoc = serde_json::from_str(r#"{"fido2Enabled":false}"#).unwrap();
        assert!(!old.fido2_enabled && old.tap.enabled);
    }
}
