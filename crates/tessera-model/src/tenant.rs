use crate::ids::TenantId;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A tenant: one directory, Graph's `organization`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    pub id: TenantId,
    pub display_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_date_time: OffsetDateTime,
}

/// A domain name of a tenant. Verified domains route sign-in URLs
/// (`/{domain}/oauth2/...`) to the tenant; names are unique across tenants.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Domain {
    #[serde(rename = "id")]
    pub name: String,
    #[serde(skip)]
    pub tenant_id: Option<TenantId>,
    pub is_default: bool,
    pub is_initial: bool,
    pub is_verified: bool,
}

/// Normalises a domain name for storage and lookup: ASCII lower case, no
/// trailing dot. Returns `None` when it is not a plausible DNS name.
pub fn normalize_domain(name: &str) -> Option<String> {
    let n = name.trim_end_matches('.').to_ascii_lowercase();
    let ok = !n.is_empty()
        && n.len() <= 253
        && n.contains('.')
        && n.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    ok.then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn domains_normalise_and_reject_junk() {
        assert_eq!(
            normalize_domain("Contoso.Example."),
            Some("contoso.example".into())
        );
        for bad in [
            "",
            "localhost",
            "a..b",
            "-a.b",
            "a_b.c",
            "ex ample.com",
            &"a".repeat(300),
        ] {
            assert_eq!(normalize_domain(bad), None, "{bad}");
        }
    }
}
