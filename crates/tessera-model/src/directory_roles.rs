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

/// May view, set and reset the authentication methods of users who hold
/// no administrator role (see `may_manage_methods_of`).
pub const AUTHENTICATION_ADMINISTRATOR: BuiltInRole = BuiltInRole {
    id: uuid!("c4e39bd9-1100-46d3-8c65-fb160da0071f"),
    display_name: "Authentication Administrator",
    description: "Can access to view, set and reset authentication method information for any non-admin user.",
};
pub const PRIVILEGED_AUTHENTICATION_ADMINISTRATOR: BuiltInRole = BuiltInRole {
    id: uuid!("7be44c8a-adaf-4e2a-84d6-ab2649e08a13"),
    display_name: "Privileged Authentication Administrator",
    description: "Can access to view, set and reset authentication method information for any user (admin or non-admin).",
};
pub const AUTHENTICATION_POLICY_ADMINISTRATOR: BuiltInRole = BuiltInRole {
    id: uuid!("0526716b-113d-4c15-b2c8-68e3c22b9f80"),
    display_name: "Authentication Policy Administrator",
    description: "Can create and manage the authentication methods policy, tenant-wide MFA settings, password protection policy, and verifiable credentials.",
};
pub const SECURITY_ADMINISTRATOR: BuiltInRole = BuiltInRole {
    id: uuid!("194ae4cb-b126-40b2-bd5b-6091b380977d"),
    display_name: "Security Administrator",
    description: "Can read security information and reports, and manage configuration in Microsoft Entra ID and Office 365.",
};
pub const SECURITY_READER: BuiltInRole = BuiltInRole {
    id: uuid!("5d6b6bb7-de71-4623-b4af-96380a352509"),
    display_name: "Security Reader",
    description: "Can read security information and reports in Microsoft Entra ID and Office 365.",
};
pub const REPORTS_READER: BuiltInRole = BuiltInRole {
    id: uuid!("4a5d8f65-41da-4de4-8968-e035b65339cf"),
    display_name: "Reports Reader",
    description: "Can read sign-in and audit reports.",
};

pub const ALL: [BuiltInRole; 11] = [
    GLOBAL_ADMINISTRATOR,
    APPLICATION_ADMINISTRATOR,
    USER_ADMINISTRATOR,
    GROUPS_ADMINISTRATOR,
    GLOBAL_READER,
    AUTHENTICATION_ADMINISTRATOR,
    PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
    AUTHENTICATION_POLICY_ADMINISTRATOR,
    SECURITY_ADMINISTRATOR,
    SECURITY_READER,
    REPORTS_READER,
];

/// Roles whose holders an Authentication Administrator may still manage
/// methods for (Entra lets it act on non-admin users and a few low-privilege
/// roles; of the roles Tessera has, these two).
const MANAGEABLE_BY_AUTHENTICATION_ADMINISTRATOR: [BuiltInRole; 2] =
    [AUTHENTICATION_ADMINISTRATOR, REPORTS_READER];

/// Whether a holder of `actor` roles may set, reset or delete the
/// authentication methods of a user holding `target` roles: Global and
/// Privileged Authentication Administrators anyone's, an Authentication
/// Administrator only those of users without administrator roles (Entra's
/// rule for sensitive actions).
pub fn may_manage_methods_of(actor: &[Uuid], target: &[Uuid]) -> bool {
    let holds = |r: BuiltInRole| actor.contains(&r.id);
    if holds(GLOBAL_ADMINISTRATOR) || holds(PRIVILEGED_AUTHENTICATION_ADMINISTRATOR) {
        return true;
    }
    holds(AUTHENTICATION_ADMINISTRATOR)
        && target.iter().all(|t| {
            MANAGEABLE_BY_AUTHENTICATION_ADMINISTRATOR
                .iter()
                .any(|r| r.id == *t)
        })
}

pub fn by_id(id: Uuid) -> Option<BuiltInRole> {
    ALL.into_iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_found() {
        let ids: std::collections::HashSet<_> = ALL.iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), ALL.len());
        assert_eq!(by_id(REPORTS_READER.id), Some(REPORTS_READER));
    }

    #[test]
    fn who_may_manage_whose_methods() {
        let ga = [GLOBAL_ADMINISTRATOR.id];
        let pa = [PRIVILEGED_AUTHENTICATION_ADMINISTRATOR.id];
        let aa = [AUTHENTICATION_ADMINISTRATOR.id];
        let none: [Uuid; 0] = [];
        for target in [&none[..], &ga, &pa, &[GLOBAL_READER.id]] {
            assert!(may_manage_methods_of(&ga, target));
            assert!(may_manage_methods_of(&pa, target));
        }
        assert!(may_manage_methods_of(&aa, &none));
        assert!(may_manage_methods_of(
            &aa,
            &[REPORTS_READER.id, AUTHENTICATION_ADMINISTRATOR.id]
        ));
        for admin in [
            GLOBAL_ADMINISTRATOR,
            PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
            USER_ADMINISTRATOR,
            GLOBAL_READER,
        ] {
            assert!(
                !may_manage_methods_of(&aa, &[admin.id]),
                "{}",
                admin.display_name
            );
        }
        assert!(!may_manage_methods_of(&[USER_ADMINISTRATOR.id], &none));
    }
}
