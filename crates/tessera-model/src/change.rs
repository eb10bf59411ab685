use crate::group::ObjectKind;
use crate::ids::{ObjectId, TenantId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ChangeType {
    Created,
    Updated,
    Deleted,
}

impl ChangeType {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Deleted => "deleted",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "created" => Some(Self::Created),
            "updated" => Some(Self::Updated),
            "deleted" => Some(Self::Deleted),
            _ => None,
        }
    }
}

/// One entry of the change log (outbox), written in the same transaction as the
/// directory write it describes. Provisioning, delta queries and shared signals
/// read it in `seq` order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub seq: i64,
    pub tenant_id: TenantId,
    pub object_kind: ObjectKind,
    pub object_id: ObjectId,
    pub change_type: ChangeType,
    pub changed_at: OffsetDateTime,
    /// What changed (never secrets): e.g. the properties written.
    pub detail: serde_json::Value,
}
