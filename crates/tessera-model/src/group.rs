use crate::ids::ObjectId;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A group, shaped like Graph's `group`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub id: ObjectId,
    pub display_name: String,
    pub description: Option<String>,
    pub mail_nickname: Option<String>,
    pub security_enabled: bool,
    pub mail_enabled: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_date_time: OffsetDateTime,
    /// `Unified` for Microsoft 365 groups, `DynamicMembership`; empty for
    /// security groups.
    #[serde(default)]
    pub group_types: Vec<String>,
    pub visibility: Option<String>,
    pub mail: Option<String>,
}

/// What kind of directory object a member, principal or change is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ObjectKind {
    User,
    Group,
    Application,
    ServicePrincipal,
    Domain,
    Organization,
    AppRoleAssignment,
    OAuth2PermissionGrant,
    DirectoryRoleAssignment,
    SigningKey,
}

impl ObjectKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Group => "group",
            Self::Application => "application",
            Self::ServicePrincipal => "servicePrincipal",
            Self::Domain => "domain",
            Self::Organization => "organization",
            Self::AppRoleAssignment => "appRoleAssignment",
            Self::OAuth2PermissionGrant => "oAuth2PermissionGrant",
            Self::DirectoryRoleAssignment => "unifiedRoleAssignment",
            Self::SigningKey => "signingKey",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::User,
            Self::Group,
            Self::Application,
            Self::ServicePrincipal,
            Self::Domain,
            Self::Organization,
            Self::AppRoleAssignment,
            Self::OAuth2PermissionGrant,
            Self::DirectoryRoleAssignment,
            Self::SigningKey,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A direct member of a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Member {
    pub id: ObjectId,
    pub kind: ObjectKind,
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn kinds_round_trip() {
        for k in [
            ObjectKind::User,
            ObjectKind::DirectoryRoleAssignment,
            ObjectKind::SigningKey,
        ] {
            assert_eq!(ObjectKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(ObjectKind::parse("nope"), None);
    }
}
