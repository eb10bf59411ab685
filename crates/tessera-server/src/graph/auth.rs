//! Who is calling the directory API and what they may do.
//!
//! The caller is a Bearer access token for the directory API signed by the
//! caller's tenant. An app-only token carries application permissions in
//! `roles`; a delegated token carries `scp`, and the signed-in user's
//! directory roles are read from the store at each request (not from the
//! token's `wids`, which can be stale), as Graph combines them: a delegated
//! write needs both the scope and an administrator role. The user must
//! still exist, be enabled, and not have had their sessions revoked after
//! the token was issued.
use super::errors::GraphError;
use crate::clock::SystemClock;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use tessera_model::directory_roles::{self as dr, BuiltInRole};
use tessera_model::graph_permissions::{GRAPH_APP_ID, GRAPH_IDENTIFIER_URI};
use tessera_model::{AppId, Clock, ObjectId, TenantId};

#[derive(Clone, Debug)]
pub enum Who {
    App {
        roles: Vec<String>,
    },
    User {
        id: ObjectId,
        scp: Vec<String>,
        wids: Vec<uuid::Uuid>,
        /// How the user signed in (the token's `amr`).
        amr: Vec<String>,
    },
}

/// An authenticated caller of the directory API.
#[derive(Clone, Debug)]
pub struct Caller {
    /// Every object the request touches lives in this tenant.
    pub tenant: TenantId,
    pub client: AppId,
    pub who: Who,
}

/// What a request does, for authorization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    ReadUsers,
    /// Creating users and changing their basic properties.
    WriteUsers,
    /// A user's password profile, `businessPhones`, `mobilePhone` and
    /// `otherMails`, and revoking their sessions (Entra's "who can reset
    /// passwords"); the target must also be within reach (`Reach`).
    ResetPasswords,
    /// Disabling or enabling a user and changing its `userPrincipalName`
    /// (Entra's sensitive actions); the target must be within reach.
    SensitiveUsers,
    DeleteUsers,
    ReadGroups,
    WriteGroups,
    DeleteGroups,
    WriteMembers,
    ReadApps,
    WriteApps,
    ReadRoles,
    WriteRoles,
    ReadOrg,
    WriteOrg,
    ReadDomains,
    WriteDomains,
    WriteAppRoleAssignments,
    WriteDelegatedGrants,
    /// Another user's authentication methods.
    ReadAuthMethods,
    WriteAuthMethods,
    /// The signed-in user's own methods (`/me/authentication/…`).
    ReadOwnAuthMethods,
    WriteOwnAuthMethods,
    /// The authentication methods policy and authentication strengths.
    ReadAuthPolicies,
    WriteAuthPolicies,
    ReadSecurityDefaults,
    WriteSecurityDefaults,
    /// Directory settings (`groupSettings`: the password rules).
    ReadSettings,
    WriteSettings,
    ReadSignIns,
}

struct Rule {
    /// Application permissions (app-only `roles`) that allow it.
    app: &'static [&'static str],
    /// Delegated scopes that allow it…
    scp: &'static [&'static str],
    /// …if the user also holds one of these directory roles (`None`: any
    /// member of the tenant may, as Graph's default user permissions allow).
    user_roles: Option<&'static [BuiltInRole]>,
}

const DIR_R: &str = "Directory.Read.All";
const DIR_RW: &str = "Directory.ReadWrite.All";
const GA: BuiltInRole = dr::GLOBAL_ADMINISTRATOR;
const UAM_R_ALL: &str = "UserAuthenticationMethod.Read.All";
const UAM_RW_ALL: &str = "UserAuthenticationMethod.ReadWrite.All";
const POLICY_R: &str = "Policy.Read.All";
const POLICY_AUTHN: &str = "Policy.ReadWrite.AuthenticationMethod";
const POLICY_SD: &str = "Policy.ReadWrite.SecurityDefaults";
const AUDIT_R: &str = "AuditLog.Read.All";
const ROLES_RW: &str = "RoleManagement.ReadWrite.Directory";
/// Who may assign app roles and grant delegated permissions.
const APP_GRANTERS: &[BuiltInRole] = &[
    GA,
    dr::PRIVILEGED_ROLE_ADMINISTRATOR,
    dr::APPLICATION_ADMINISTRATOR,
    dr::CLOUD_APPLICATION_ADMINISTRATOR,
];

/// Which of Entra's tables decides whether a caller may act on a user
/// who holds directory roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// "Who can reset passwords" (also revoking sessions and the
    /// self-service reset properties).
    PasswordReset,
    /// "Who can perform sensitive actions" (disable, delete, rename).
    Sensitive,
}

/// The permission table (documented in docs/directory-api.md): each
/// operation, the least privileged permissions that open it.
fn rule(op: Op) -> Rule {
    use Op::*;
    match op {
        ReadUsers => Rule {
            app: &["User.Read.All", "User.ReadWrite.All", DIR_R, DIR_RW],
            scp: &["User.Read.All", "User.ReadWrite.All", DIR_R, DIR_RW],
            user_roles: None,
        },
        WriteUsers => Rule {
            app: &["User.ReadWrite.All", DIR_RW],
            scp: &["User.ReadWrite.All", DIR_RW],
            user_roles: Some(&[GA, dr::USER_ADMINISTRATOR]),
        },
        ResetPasswords => Rule {
            app: &["User.ReadWrite.All", DIR_RW],
            scp: &["User.ReadWrite.All", DIR_RW],
            user_roles: Some(&[
                GA,
                dr::PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
                dr::USER_ADMINISTRATOR,
                dr::AUTHENTICATION_ADMINISTRATOR,
                dr::HELPDESK_ADMINISTRATOR,
                dr::PASSWORD_ADMINISTRATOR,
            ]),
        },
        SensitiveUsers => Rule {
            app: &["User.ReadWrite.All", DIR_RW],
            scp: &["User.ReadWrite.All", DIR_RW],
            user_roles: Some(&[
                GA,
                dr::PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
                dr::USER_ADMINISTRATOR,
                dr::AUTHENTICATION_ADMINISTRATOR,
            ]),
        },
        DeleteUsers => Rule {
            app: &["User.ReadWrite.All"],
            scp: &["User.ReadWrite.All"],
            user_roles: Some(&[
                GA,
                dr::PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
                dr::USER_ADMINISTRATOR,
            ]),
        },
        ReadGroups => Rule {
            app: &[
                "Group.Read.All",
                "Group.ReadWrite.All",
                "GroupMember.ReadWrite.All",
                DIR_R,
                DIR_RW,
            ],
            scp: &["Group.Read.All", "Group.ReadWrite.All", DIR_R, DIR_RW],
            user_roles: None,
        },
        WriteGroups => Rule {
            app: &["Group.ReadWrite.All", DIR_RW],
            scp: &["Group.ReadWrite.All", DIR_RW],
            user_roles: Some(&[GA, dr::USER_ADMINISTRATOR, dr::GROUPS_ADMINISTRATOR]),
        },
        DeleteGroups => Rule {
            app: &["Group.ReadWrite.All"],
            scp: &["Group.ReadWrite.All"],
            user_roles: Some(&[GA, dr::USER_ADMINISTRATOR, dr::GROUPS_ADMINISTRATOR]),
        },
        WriteMembers => Rule {
            app: &["GroupMember.ReadWrite.All", "Group.ReadWrite.All", DIR_RW],
            scp: &["Group.ReadWrite.All", DIR_RW],
            user_roles: Some(&[GA, dr::USER_ADMINISTRATOR, dr::GROUPS_ADMINISTRATOR]),
        },
        ReadApps => Rule {
            app: &[
                "Application.Read.All",
                "Application.ReadWrite.All",
                DIR_R,
                DIR_RW,
            ],
            scp: &[
                "Application.Read.All",
                "Application.ReadWrite.All",
                DIR_R,
                DIR_RW,
            ],
            user_roles: None,
        },
        WriteApps => Rule {
            app: &["Application.ReadWrite.All"],
            scp: &["Application.ReadWrite.All"],
            user_roles: Some(&[
                GA,
                dr::APPLICATION_ADMINISTRATOR,
                dr::CLOUD_APPLICATION_ADMINISTRATOR,
            ]),
        },
        ReadRoles => Rule {
            app: &["RoleManagement.Read.Directory", ROLES_RW, DIR_R, DIR_RW],
            scp: &[DIR_R, DIR_RW],
            user_roles: Some(&[GA, dr::GLOBAL_READER, dr::PRIVILEGED_ROLE_ADMINISTRATOR]),
        },
        WriteRoles => Rule {
            app: &[ROLES_RW],
            scp: &[DIR_RW],
            user_roles: Some(&[GA, dr::PRIVILEGED_ROLE_ADMINISTRATOR]),
        },
        ReadOrg => Rule {
            app: &["Organization.ReadWrite.All", DIR_R, DIR_RW],
            scp: &["User.Read", "User.Read.All", DIR_R, DIR_RW],
            user_roles: None,
        },
        WriteOrg => Rule {
            app: &["Organization.ReadWrite.All"],
            scp: &[DIR_RW],
            user_roles: Some(&[GA]),
        },
        ReadDomains => Rule {
            app: &["Domain.ReadWrite.All", DIR_R, DIR_RW],
            scp: &[DIR_R, DIR_RW],
            user_roles: None,
        },
        WriteDomains => Rule {
            app: &["Domain.ReadWrite.All"],
            scp: &[DIR_RW],
            user_roles: Some(&[GA]),
        },
        // Granting the directory API's own permissions further needs
        // `Caller::may_grant_directory_permissions`.
        WriteAppRoleAssignments => Rule {
            app: &["AppRoleAssignment.ReadWrite.All"],
            scp: &[DIR_RW],
            user_roles: Some(APP_GRANTERS),
        },
        WriteDelegatedGrants => Rule {
            app: &["DelegatedPermissionGrant.ReadWrite.All"],
            scp: &[DIR_RW],
            user_roles: Some(APP_GRANTERS),
        },
        ReadAuthMethods => Rule {
            app: &[UAM_R_ALL, UAM_RW_ALL],
            scp: &[UAM_R_ALL, UAM_RW_ALL],
            user_roles: Some(&[
                GA,
                dr::GLOBAL_READER,
                dr::AUTHENTICATION_ADMINISTRATOR,
                dr::PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
            ]),
        },
        // A delegated Authentication Administrator is further limited to
        // users without administrator roles (`dr::may_manage_methods_of`).
        WriteAuthMethods => Rule {
            app: &[UAM_RW_ALL],
            scp: &[UAM_RW_ALL],
            user_roles: Some(&[
                GA,
                dr::AUTHENTICATION_ADMINISTRATOR,
                dr::PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
            ]),
        },
        ReadOwnAuthMethods => Rule {
            app: &[],
            scp: &[
                "UserAuthenticationMethod.Read",
                "UserAuthenticationMethod.ReadWrite",
                UAM_R_ALL,
                UAM_RW_ALL,
            ],
            user_roles: None,
        },
        WriteOwnAuthMethods => Rule {
            app: &[],
            scp: &["UserAuthenticationMethod.ReadWrite", UAM_RW_ALL],
            user_roles: None,
        },
        ReadAuthPolicies => Rule {
            app: &[POLICY_R, POLICY_AUTHN],
            scp: &[POLICY_R, POLICY_AUTHN],
            user_roles: Some(&[
                GA,
                dr::GLOBAL_READER,
                dr::AUTHENTICATION_POLICY_ADMINISTRATOR,
                dr::SECURITY_ADMINISTRATOR,
                dr::SECURITY_READER,
            ]),
        },
        WriteAuthPolicies => Rule {
            app: &[POLICY_AUTHN],
            scp: &[POLICY_AUTHN],
            user_roles: Some(&[GA, dr::AUTHENTICATION_POLICY_ADMINISTRATOR]),
        },
        ReadSecurityDefaults => Rule {
            app: &[POLICY_R, POLICY_SD],
            scp: &[POLICY_R, POLICY_SD],
            user_roles: Some(&[
                GA,
                dr::GLOBAL_READER,
                dr::SECURITY_ADMINISTRATOR,
                dr::SECURITY_READER,
            ]),
        },
        WriteSecurityDefaults => Rule {
            app: &[POLICY_SD],
            scp: &[POLICY_SD],
            user_roles: Some(&[GA, dr::SECURITY_ADMINISTRATOR]),
        },
        ReadSettings => Rule {
            app: &[DIR_R, DIR_RW],
            scp: &[DIR_R, DIR_RW],
            user_roles: None,
        },
        WriteSettings => Rule {
            app: &[DIR_RW],
            scp: &[DIR_RW],
            user_roles: Some(&[GA, dr::AUTHENTICATION_POLICY_ADMINISTRATOR]),
        },
        ReadSignIns => Rule {
            app: &[AUDIT_R],
            scp: &[AUDIT_R],
            user_roles: Some(&[
                GA,
                dr::GLOBAL_READER,
                dr::REPORTS_READER,
                dr::SECURITY_READER,
                dr::SECURITY_ADMINISTRATOR,
            ]),
        },
    }
}

impl Caller {
    /// 403 unless the caller may do `op`.
    pub fn require(&self, op: Op) -> Result<(), GraphError> {
        if self.may(op) {
            Ok(())
        } else {
            Err(GraphError::denied())
        }
    }

    pub fn may(&self, op: Op) -> bool {
        let r = rule(op);
        match &self.who {
            Who::App { roles } => roles.iter().any(|x| r.app.contains(&x.as_str())),
            Who::User { scp, wids, .. } => {
                scp.iter().any(|s| r.scp.contains(&s.as_str()))
                    && r.user_roles
                        .is_none_or(|need| need.iter().any(|n| wids.contains(&n.id)))
            }
        }
    }

    /// 403 unless the caller may act, by `reach`, on a user holding
    /// `target` directory roles. A delegated caller follows Entra's table
    /// for its roles. An app-only caller acts on users without roles with
    /// its permission alone; on a user holding any role it needs
    /// `RoleManagement.ReadWrite.Directory` (Entra asks for a privileged
    /// role assigned to the app; an app that may assign roles has that
    /// power already, and no lesser permission reaches an administrator).
    pub fn require_reach(&self, reach: Reach, target: &[uuid::Uuid]) -> Result<(), GraphError> {
        let ok = match &self.who {
            Who::App { roles } => target.is_empty() || roles.iter().any(|r| r == ROLES_RW),
            Who::User { wids, .. } => match reach {
                Reach::PasswordReset => dr::may_reset_password_of(wids, target),
                Reach::Sensitive => dr::may_act_sensitively_on(wids, target),
            },
        };
        if ok {
            Ok(())
        } else {
            Err(GraphError::denied())
        }
    }

    /// 403 unless the caller may grant the directory API's application
    /// permissions or its delegated permissions that need admin consent,
    /// or add credentials to an app that holds such permissions: a Global
    /// or Privileged Role Administrator, or an app-only caller holding
    /// `RoleManagement.ReadWrite.Directory` or `AppRoleAssignment.ReadWrite.All`
    /// (either can make any app a directory administrator already).
    pub fn require_directory_granter(&self) -> Result<(), GraphError> {
        let ok = match &self.who {
            Who::App { roles } => roles
                .iter()
                .any(|r| r == ROLES_RW || r == "AppRoleAssignment.ReadWrite.All"),
            Who::User { wids, .. } => dr::may_grant_directory_permissions(wids),
        };
        if ok {
            Ok(())
        } else {
            Err(GraphError::new(
                axum::http::StatusCode::FORBIDDEN,
                "Authorization_RequestDenied",
                "Granting the directory API's application permissions or admin-consent permissions, or adding credentials to an app that holds them, requires a Global Administrator or Privileged Role Administrator.",
            ))
        }
    }

    /// The signed-in user of a delegated token.
    pub fn user(&self) -> Option<ObjectId> {
        match self.who {
            Who::User { id, .. } => Some(id),
            Who::App { .. } => None,
        }
    }

    /// The signed-in user's directory roles (read at this request; empty
    /// for app-only callers).
    pub fn roles(&self) -> &[uuid::Uuid] {
        match &self.who {
            Who::User { wids, .. } => wids,
            Who::App { .. } => &[],
        }
    }

    /// Whether a delegated caller signed in with multifactor authentication
    /// (`mfa` in the token's `amr`); `false` for app-only callers.
    pub fn did_mfa(&self) -> bool {
        match &self.who {
            Who::User { amr, .. } => amr.iter().any(|a| a == "mfa"),
            Who::App { .. } => false,
        }
    }

    /// Delegated scopes (empty for app-only callers).
    pub fn scopes(&self) -> &[String] {
        match &self.who {
            Who::User { scp, .. } => scp,
            Who::App { .. } => &[],
        }
    }
}

const MAX_TOKEN: usize = 16_384;

impl FromRequestParts<AppState> for Caller {
    type Rejection = GraphError;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, GraphError> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let token = match header.split_once(' ') {
            Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") => t.trim(),
            _ => "",
        };
        if token.is_empty() {
            return Err(GraphError::unauthenticated("Access token is empty."));
        }
        let invalid = || GraphError::unauthenticated("Access token validation failure.");
        if token.len() > MAX_TOKEN {
            return Err(invalid());
        }
        let tenant = tessera_oauth::userinfo::claimed_tenant(token).ok_or_else(invalid)?;
        let now = SystemClock.now();
        let kid = crate::oauth::token_kid(token);
        let jwks = crate::oauth::published_jwks_cached(s, tenant, now, kid.as_deref()).await?;
        let issuer = tessera_oauth::token::issuer(&s.public_url, tenant);
        let c =
            tessera_oauth::introspect::verified_claims(token, &jwks, &issuer, now.unix_timestamp())
                .ok_or_else(invalid)?;
        let aud = c["aud"].as_str().unwrap_or("");
        if aud != GRAPH_APP_ID.to_string() && aud != GRAPH_IDENTIFIER_URI {
            return Err(GraphError::unauthenticated(
                "Access token validation failure. Invalid audience.",
            ));
        }
        let client: AppId = c["azp"]
            .as_str()
            .and_then(|v| v.parse().ok())
            .ok_or_else(invalid)?;
        let who = match c["scp"].as_str() {
            None => Who::App {
                roles: c["roles"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
            },
            Some(scp) => {
                let id: ObjectId = c["oid"]
                    .as_str()
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(invalid)?;
                let iat = c["iat"].as_i64().ok_or_else(invalid)?;
                let store = s.store.as_ref();
                if !tessera_oauth::introspect::user_token_stands(store, tenant, id, iat).await? {
                    return Err(GraphError::unauthenticated(
                        "Access token has been revoked or its user is disabled.",
                    ));
                }
                let wids = s
                    .store
                    .directory_role_assignments_of(tenant, id)
                    .await?
                    .into_iter()
                    .map(|a| a.role_definition_id)
                    .collect();
                Who::User {
                    id,
                    scp: scp.split_ascii_whitespace().map(str::to_string).collect(),
                    wids,
                    amr: c["amr"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|v| v.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default(),
                }
            }
        };
        Ok(Caller {
            tenant,
            client,
            who,
        })
    }
}
