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

/// Can reset passwords and invalidate refresh tokens of non-administrators
/// and a few low-privilege roles (Entra's "Who can reset passwords").
pub const HELPDESK_ADMINISTRATOR: BuiltInRole = BuiltInRole {
    id: uuid!("729827e3-9c14-49f7-bb1b-9608f156bbb8"),
    display_name: "Helpdesk Administrator",
    description: "Can reset passwords for non-administrators and Helpdesk Administrators.",
};
pub const PASSWORD_ADMINISTRATOR: BuiltInRole = BuiltInRole {
    id: uuid!("966707d0-3269-4727-9be2-8c3a10f19b9d"),
    display_name: "Password Administrator",
    description: "Can reset passwords for non-administrators and Password Administrators.",
};
/// Manages role assignments and grants the directory API's application
/// permissions (with Global Administrator, the only roles that may).
pub const PRIVILEGED_ROLE_ADMINISTRATOR: BuiltInRole = BuiltInRole {
    id: uuid!("e8611ab8-c189-46e8-94e1-60213ab1f814"),
    display_name: "Privileged Role Administrator",
    description: "Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management.",
};
pub const CLOUD_APPLICATION_ADMINISTRATOR: BuiltInRole = BuiltInRole {
    id: uuid!("158c047a-c907-4556-b7ef-446551a6b5f7"),
    display_name: "Cloud Application Administrator",
    description: "Can create and manage all aspects of app registrations and enterprise apps except App Proxy.",
};
pub const DIRECTORY_READERS: BuiltInRole = BuiltInRole {
    id: uuid!("88d8e3e3-8f55-4a1e-953a-9b9898b8876b"),
    display_name: "Directory Readers",
    description: "Can read basic directory information. Commonly used to grant directory read access to applications and guests.",
};

pub const ALL: [BuiltInRole; 16] = [
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
    HELPDESK_ADMINISTRATOR,
    PASSWORD_ADMINISTRATOR,
    PRIVILEGED_ROLE_ADMINISTRATOR,
    CLOUD_APPLICATION_ADMINISTRATOR,
    DIRECTORY_READERS,
];

/// Who may act on whom: for an acting role, the target roles it may still
/// act on (a target holding any other role is out of its reach; a target
/// holding no role is always within it). Global and Privileged
/// Authentication Administrators act on everyone. Of the roles in Entra's
/// tables, those Tessera has.
type Reach = &'static [(BuiltInRole, &'static [BuiltInRole])];

/// Entra's "Who can reset passwords" (which also governs invalidating a
/// user's refresh tokens and the self-service reset properties
/// `businessPhones`, `mobilePhone`, `otherMails`).
const PASSWORD_RESET: Reach = &[
    (
        PASSWORD_ADMINISTRATOR,
        &[DIRECTORY_READERS, PASSWORD_ADMINISTRATOR],
    ),
    (
        HELPDESK_ADMINISTRATOR,
        &[
            DIRECTORY_READERS,
            HELPDESK_ADMINISTRATOR,
            PASSWORD_ADMINISTRATOR,
            REPORTS_READER,
        ],
    ),
    (
        AUTHENTICATION_ADMINISTRATOR,
        &[
            AUTHENTICATION_ADMINISTRATOR,
            DIRECTORY_READERS,
            PASSWORD_ADMINISTRATOR,
            REPORTS_READER,
        ],
    ),
    (
        USER_ADMINISTRATOR,
        &[
            DIRECTORY_READERS,
            GROUPS_ADMINISTRATOR,
            HELPDESK_ADMINISTRATOR,
            PASSWORD_ADMINISTRATOR,
            REPORTS_READER,
            USER_ADMINISTRATOR,
        ],
    ),
];

/// Entra's "Who can perform sensitive actions": disable or enable, delete,
/// change `userPrincipalName`, `businessPhones`, `mobilePhone`,
/// `otherMails` or the password profile.
const SENSITIVE: Reach = &[
    (
        AUTHENTICATION_ADMINISTRATOR,
        &[
            AUTHENTICATION_ADMINISTRATOR,
            DIRECTORY_READERS,
            PASSWORD_ADMINISTRATOR,
            REPORTS_READER,
        ],
    ),
    (
        USER_ADMINISTRATOR,
        &[
            DIRECTORY_READERS,
            GROUPS_ADMINISTRATOR,
            HELPDESK_ADMINISTRATOR,
            PASSWORD_ADMINISTRATOR,
            REPORTS_READER,
            USER_ADMINISTRATOR,
        ],
    ),
];

fn reaches(table: Reach, actor: &[Uuid], target: &[Uuid]) -> bool {
    let holds = |r: BuiltInRole| actor.contains(&r.id);
    if holds(GLOBAL_ADMINISTRATOR) || holds(PRIVILEGED_AUTHENTICATION_ADMINISTRATOR) {
        return true;
    }
    table.iter().any(|(role, within)| {
        holds(*role) && target.iter().all(|t| within.iter().any(|w| w.id == *t))
    })
}

/// Whether a holder of `actor` roles may reset the password (and revoke the
/// sessions) of a user holding `target` roles.
pub fn may_reset_password_of(actor: &[Uuid], target: &[Uuid]) -> bool {
    reaches(PASSWORD_RESET, actor, target)
}

/// Whether a holder of `actor` roles may perform a sensitive action (see
/// `SENSITIVE`) on a user holding `target` roles.
pub fn may_act_sensitively_on(actor: &[Uuid], target: &[Uuid]) -> bool {
    reaches(SENSITIVE, actor, target)
}

/// Whether a holder of `actor` roles may set, reset or delete the
/// authentication methods of a user holding `target` roles: Global and
/// Privileged Authentication Administrators anyone's, an Authentication
/// Administrator only those of users without administrator roles, or with
/// the few Entra lists (the sensitive-actions table).
pub fn may_manage_methods_of(actor: &[Uuid], target: &[Uuid]) -> bool {
    let holds = |r: BuiltInRole| actor.contains(&r.id);
    (holds(GLOBAL_ADMINISTRATOR)
        || holds(PRIVILEGED_AUTHENTICATION_ADMINISTRATOR)
        || holds(AUTHENTICATION_ADMINISTRATOR))
        && reaches(&SENSITIVE[..1], actor, target)
}

/// Whether holders of these roles may grant the directory API's
/// application permissions and its delegated permissions that need admin
/// consent, and add credentials to an app holding such permissions.
pub fn may_grant_directory_permissions(actor: &[Uuid]) -> bool {
    actor.contains(&GLOBAL_ADMINISTRATOR.id) || actor.contains(&PRIVILEGED_ROLE_ADMINISTRATOR.id)
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

    #[test]
    fn entra_tables_of_who_may_act_on_whom() {
        let none: [Uuid; 0] = [];
        let ids = |rs: &[BuiltInRole]| rs.iter().map(|r| r.id).collect::<Vec<_>>();
        // Everyone may act on a user with no role; nobody but Global and
        // Privileged Authentication Administrators on a Global Administrator.
        for actor in [
            USER_ADMINISTRATOR,
            HELPDESK_ADMINISTRATOR,
            PASSWORD_ADMINISTRATOR,
            AUTHENTICATION_ADMINISTRATOR,
        ] {
            assert!(may_reset_password_of(&[actor.id], &none));
            for top in [
                GLOBAL_ADMINISTRATOR,
                PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
                PRIVILEGED_ROLE_ADMINISTRATOR,
                APPLICATION_ADMINISTRATOR,
                SECURITY_ADMINISTRATOR,
            ] {
                assert!(!may_reset_password_of(&[actor.id], &[top.id]));
                assert!(!may_act_sensitively_on(&[actor.id], &[top.id]));
            }
        }
        for actor in [
            GLOBAL_ADMINISTRATOR,
            PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
        ] {
            assert!(may_reset_password_of(&[actor.id], &ids(&ALL)));
            assert!(may_act_sensitively_on(&[actor.id], &ids(&ALL)));
        }
        // The table's cells for the roles Tessera has.
        let ua = [USER_ADMINISTRATOR.id];
        assert!(may_reset_password_of(
            &ua,
            &ids(&[
                HELPDESK_ADMINISTRATOR,
                GROUPS_ADMINISTRATOR,
                USER_ADMINISTRATOR
            ])
        ));
        assert!(!may_reset_password_of(
            &ua,
            &[AUTHENTICATION_ADMINISTRATOR.id]
        ));
        let hd = [HELPDESK_ADMINISTRATOR.id];
        assert!(may_reset_password_of(
            &hd,
            &ids(&[HELPDESK_ADMINISTRATOR, REPORTS_READER])
        ));
        assert!(!may_reset_password_of(&hd, &[USER_ADMINISTRATOR.id]));
        assert!(
            !may_act_sensitively_on(&hd, &none),
            "Helpdesk has no sensitive actions"
        );
        let pa = [PASSWORD_ADMINISTRATOR.id];
        assert!(!may_reset_password_of(&pa, &[HELPDESK_ADMINISTRATOR.id]));
        assert!(may_reset_password_of(&pa, &[PASSWORD_ADMINISTRATOR.id]));
        // One out-of-reach role among several puts the target out of reach.
        assert!(!may_act_sensitively_on(
            &ua,
            &ids(&[REPORTS_READER, GLOBAL_READER])
        ));
        // Other roles act on nobody.
        for actor in [
            GLOBAL_READER,
            GROUPS_ADMINISTRATOR,
            PRIVILEGED_ROLE_ADMINISTRATOR,
            APPLICATION_ADMINISTRATOR,
        ] {
            assert!(!may_reset_password_of(&[actor.id], &none));
            assert!(!may_act_sensitively_on(&[actor.id], &none));
        }
        assert!(may_grant_directory_permissions(&[
            PRIVILEGED_ROLE_ADMINISTRATOR.id
        ]));
        assert!(!may_grant_directory_permissions(&ids(&[
            APPLICATION_ADMINISTRATOR,
            CLOUD_APPLICATION_ADMINISTRATOR,
            USER_ADMINISTRATOR
        ])));
    }
}
