//! Built-in directory roles, with Entra's role template ids (the same GUIDs in
//! every Entra tenant, so code that checks `wids` keeps working).
use uuid::{uuid, Uuid};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuiltInRole {
    pub id: Uuid,
    pub display_name: &'static str,
    pub description: &'static str,
}

pub const GLOBAL_ADMINISTRATOR: BuiltInRole = BuiltInRole {
    id: uuid!("62e90394-69f5-4237-9190-012177145e10"),
    display_name: "Global Administrator",
    description: "Can manage all aspects of the directory.",
};
pub const APPLICATION_ADMINISTRATOR: BuiltInRole = BuiltInRole {
    id: uuid!("9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"),
    display_name: "Application Administrator",
    description: "Can create and manage all aspects of app registrations and enterprise apps.",
};
pub const USER_ADMINISTRATOR: BuiltInRole = BuiltInRole {
    id: uuid!("fe930be7-5e62-47db-91af-98c3a49a38b1"),
    display_name: "User Administrator",
    description: "Can manage all aspects of users and groups.",
};
pub const GROUPS_ADMINISTRATOR: BuiltInRole = BuiltInRole {
    id: uuid!("fdd7a751-b60b-444a-984c-02652fe8fa1c"),
    display_name: "Groups Administrator",
    description: "Can manage all aspects of groups.",
};
pub const GLOBAL_READER: BuiltInRole = BuiltInRole {
    id: uuid!("f2ef992c-3afb-46b9-b7cf-a126ee74c451"),
    display_name: "Global Reader",
    description: "Can read everything that a Global Administrator can, but not update anything.",
};

pub const ALL: [BuiltInRole; 5] = [
    GLOBAL_ADMINISTRATOR,
    APPLICATION_ADMINISTRATOR,
    USER_ADMINISTRATOR,
    GROUPS_ADMINISTRATOR,
    GLOBAL_READER,
];

pub fn by_id(id: Uuid) -> Option<BuiltInRole> {
    ALL.into_iter().find(|r| r.id == id)
}
