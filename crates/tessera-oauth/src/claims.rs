//! Claims an application chooses: the `groups` claim per its
//! `groupMembershipClaims` (Entra's values: `SecurityGroup` — the
//! security-enabled groups the user is in, transitively; `ApplicationGroup`
//! — only those of them assigned to the application; `DirectoryRole` — no
//! groups, the user's directory roles as `wids`; `All` — every group), with
//! Entra's overage pointer past [`GROUPS_LIMIT`].
use crate::error::OAuthError;
use crate::TokenContext;
use tessera_model::{AppId, ObjectId, TenantId};

/// Past this many groups the `groups` claim is replaced by an overage
/// pointer (Entra's limit for JWTs).
pub const GROUPS_LIMIT: usize = 200;

/// The groups (of `all`, the user's transitive groups) that `setting`
/// puts in a token for application `app` (the resource for access tokens,
/// the client for ID tokens).
pub(crate) async fn groups_for(
    ctx: &TokenContext<'_>,
    t: TenantId,
    setting: Option<&str>,
    all: &[ObjectId],
    app: AppId,
) -> Result<Vec<ObjectId>, OAuthError> {
    Ok(match setting {
        Some("All") => all.to_vec(),
        Some("SecurityGroup") => {
            let security: Vec<ObjectId> = ctx
                .store
                .groups_by_ids(t, all)
                .await?
                .into_iter()
                .filter(|g| g.security_enabled)
                .map(|g| g.id)
                .collect();
            all.iter()
                .copied()
                .filter(|g| security.contains(g))
                .collect()
        }
        Some("ApplicationGroup") => match ctx.directory.service_principal(t, app).await? {
            Some(sp) => {
                let assigned: Vec<ObjectId> = ctx
                    .store
                    .app_role_assigned_to(t, sp.id)
                    .await?
                    .into_iter()
                    .map(|a| a.principal_id)
                    .collect();
                all.iter()
                    .copied()
                    .filter(|g| assigned.contains(g))
                    .collect()
            }
            None => vec![],
        },
        _ => vec![],
    })
}

/// Whether the ID token carries the user's directory roles (`wids`).
pub(crate) fn wids_in_id_token(setting: Option<&str>) -> bool {
    setting == Some("DirectoryRole")
}

/// The `groups` claim per an application's `groupMembershipClaims`, with
/// Entra's overage pointer past [`GROUPS_LIMIT`].
#[allow(clippy::type_complexity)]
pub(crate) fn groups_claim(
    setting: Option<&str>,
    groups: &[ObjectId],
    public_url: &str,
    user: ObjectId,
) -> (
    Option<Vec<ObjectId>>,
    Option<serde_json::Value>,
    Option<serde_json::Value>,
) {
    match setting {
        Some("SecurityGroup") | Some("All") | Some("ApplicationGroup") => {}
        _ => return (None, None, None),
    }
    if groups.len() > GROUPS_LIMIT {
        let endpoint = format!(
            "{}/v1.0/users/{user}/getMemberObjects",
            public_url.trim_end_matches('/')
        );
        return (
            None,
            Some(serde_json::json!({ "groups": "src1" })),
            Some(serde_json::json!({ "src1": { "endpoint": endpoint } })),
        );
    }
    (Some(groups.to_vec()), None, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_overage_past_the_limit() {
        let u = ObjectId::from_u128(9);
        let few: Vec<ObjectId> = (0..3).map(ObjectId::from_u128).collect();
        assert_eq!(groups_claim(None, &few, "https://x", u), (None, None, None));
        assert_eq!(groups_claim(Some("None"), &few, "https://x", u).0, None);
        assert_eq!(
            groups_claim(Some("SecurityGroup"), &few, "https://x", u).0,
            Some(few.clone())
        );
        let many: Vec<ObjectId> = (0..201).map(ObjectId::from_u128).collect();
        let (g, names, sources) = groups_claim(Some("All"), &many, "https://x/", u);
        assert!(g.is_none());
        assert_eq!(names.unwrap()["groups"], "src1");
        assert_eq!(
            sources.unwrap()["src1"]["endpoint"],
            format!("https://x/v1.0/users/{u}/getMemberObjects")
        );
        let exactly: Vec<ObjectId> = (0..200).map(ObjectId::from_u128).collect();
        assert_eq!(
            groups_claim(Some("All"), &exactly, "https://x", u)
                .0
                .map(|g| g.len()),
            Some(200)
        );
    }

    #[test]
    fn which_settings_emit_what() {
        let u = ObjectId::from_u128(9);
        let few: Vec<ObjectId> = (0..3).map(ObjectId::from_u128).collect();
        assert_eq!(
            groups_claim(Some("ApplicationGroup"), &few, "https://x", u).0,
            Some(few.clone())
        );
        assert_eq!(
            groups_claim(Some("DirectoryRole"), &few, "https://x", u).0,
            None
        );
        assert!(wids_in_id_token(Some("DirectoryRole")));
        assert!(!wids_in_id_token(Some("All")) && !wids_in_id_token(None));
    }
}
