//! The membership checks' operations (`getMemberObjects` and its three
//! siblings on users, groups, service principals and `/me`) and
//! `directoryObjects/getByIds`.
use super::{collection, object, string, strings, Op};
use serde_json::{json, Map, Value};

macro_rules! checks {
    ($($base:literal),*) => {
        &[$(
            ("post", concat!($base, "/getMemberObjects"), "Ids of the groups the object is in (transitive)", Some("GetMemberObjects"), 200, Some("StringCollection")),
            ("post", concat!($base, "/getMemberGroups"), "Ids of the groups the object is in (transitive)", Some("GetMemberObjects"), 200, Some("StringCollection")),
            ("post", concat!($base, "/checkMemberGroups"), "Which of the given groups the object is in", Some("CheckMemberGroups"), 200, Some("StringCollection")),
            ("post", concat!($base, "/checkMemberObjects"), "Which of the given objects the object is a member of", Some("CheckMemberObjects"), 200, Some("StringCollection")),
        )*]
    };
}

pub(super) const OPS: &[Op] = {
    const CHECKS: &[Op] = checks!(
        "/users/{id}",
        "/groups/{id}",
        "/servicePrincipals/{id}",
        "/me"
    );
    CHECKS
};

pub(super) const BY_IDS: &[Op] = &[(
    "post",
    "/directoryObjects/getByIds",
    "Users, groups and service principals by id",
    Some("GetByIds"),
    200,
    Some("DirectoryObjectCollection"),
)];

pub(super) fn schemas() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "GetMemberObjects".into(),
        object(
            &[("securityEnabledOnly", json!({ "type": "boolean" }))],
            &[],
        ),
    );
    m.insert(
        "CheckMemberGroups".into(),
        object(&[("groupIds", strings())], &["groupIds"]),
    );
    m.insert(
        "CheckMemberObjects".into(),
        object(&[("ids", strings())], &["ids"]),
    );
    m.insert(
        "GetByIds".into(),
        object(&[("ids", strings()), ("types", strings())], &["ids"]),
    );
    let mut strings_collection = collection("String");
    strings_collection["properties"]["value"] = json!({ "type": "array", "items": string() });
    m.insert("StringCollection".into(), strings_collection);
    m
}
