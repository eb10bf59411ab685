//! Tokens for a signed-in user, with Entra's v2.0 claim sets: the access
//! token for the resource, the ID token for the client, and the opaque
//! refresh token. Claims a resource reads (`roles`, `wids`, `groups`) come from
//! the directory when the token is minted.
use crate::error::*;
use crate::token::{issuer, TokenResponse};
use crate::TokenContext;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::{CryptoRng, RngCore};
use serde::Serialize;
use std::collections::BTreeMap;
use tessera_model::graph_permissions::GRAPH_APP_ID;
use tessera_model::{AppId, Application, ObjectId, RefreshTokenRecord, TenantId, User};
use time::OffsetDateTime;

/// Lifetime of user access tokens (Entra: 60–90 minutes).
pub const ACCESS_TOKEN_SECONDS: i64 = 3600;
/// Refresh tokens: 90 days, 24 hours for single-page apps (as Entra).
pub const REFRESH_TOKEN_DAYS: i64 = 90;
pub const SPA_REFRESH_TOKEN_HOURS: i64 = 24;
use crate::claims::groups_claim;
pub use crate::claims::GROUPS_LIMIT;

/// The Global Administrator role template id (Entra's).
const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UserAccessClaims {
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub acr: &'static str,
    pub amr: Vec<String>,
    pub azp: AppId,
    pub azpacr: &'static str,
    pub name: String,
    pub oid: ObjectId,
    pub preferred_username: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    pub scp: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<ObjectId>,
    pub sub: String,
    pub tid: TenantId,
    pub uti: String,
    pub ver: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub wids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<ObjectId>>,
    #[serde(rename = "_claim_names", skip_serializing_if = "Option::is_none")]
    pub claim_names: Option<serde_json::Value>,
    #[serde(rename = "_claim_sources", skip_serializing_if = "Option::is_none")]
    pub claim_sources: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct IdTokenClaims {
    pub aud: AppId,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub auth_time: i64,
    pub acr: &'static str,
    pub amr: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    pub oid: ObjectId,
    pub preferred_username: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<ObjectId>,
    pub sub: String,
    pub tid: TenantId,
    pub uti: String,
    pub ver: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<ObjectId>>,
    /// Directory roles, when the client's `groupMembershipClaims` is
    /// `DirectoryRole`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub wids: Vec<String>,
    #[serde(rename = "_claim_names", skip_serializing_if = "Option::is_none")]
    pub claim_names: Option<serde_json::Value>,
    #[serde(rename = "_claim_sources", skip_serializing_if = "Option::is_none")]
    pub claim_sources: Option<serde_json::Value>,
}

/// The `acr` of a sign-in: the strongest built-in authentication strength
/// its methods (`amr`) satisfy.
pub fn acr_of(amr: &[String]) -> &'static str {
    tessera_authn::strength::acr(&tessera_authn::strength::methods_from_amr(amr))
}

/// Entra's pairwise `sub`: the same user has a different, stable subject
/// for every application, so two applications cannot correlate users by it.
pub fn pairwise_sub(key: &[u8], tenant: TenantId, app: AppId, user: ObjectId) -> String {
    let mac = tessera_crypto::hmac_sha256(
        key,
        &[
            tenant.to_string().as_bytes(),
            app.to_string().as_bytes(),
            user.to_string().as_bytes(),
        ],
    );
    URL_SAFE_NO_PAD.encode(mac)
}

/// What a user's tokens are minted from.
pub struct UserGrant<'a> {
    pub tenant: TenantId,
    pub client: &'a Application,
    /// Entra's `azpacr`: "0" public client, "1" secret, "2" certificate.
    pub azpacr: &'static str,
    pub user: &'a User,
    pub resource: AppId,
    /// Delegated scope values granted on the resource (`scp`), OIDC ones included.
    pub scp: Vec<String>,
    /// The scope string to answer with (as the client named them).
    pub scope_answer: String,
    pub id_token: bool,
    pub nonce: Option<String>,
    pub session_id: Option<ObjectId>,
    pub auth_time: OffsetDateTime,
    pub amr: Vec<String>,
    /// Whether the client asked for Entra's `client_info`.
    pub client_info: bool,
}

impl<'a> UserGrant<'a> {
    /// `resolved`'s scopes granted to `user` for `client`; the caller sets
    /// how the user signed in (`session_id`, `auth_time`, `amr`, `nonce`).
    pub fn for_client(
        tenant: TenantId,
        client: &'a crate::client_auth::AuthenticatedClient,
        user: &'a User,
        resolved: &crate::delegated::Resolved,
        client_info: bool,
    ) -> Self {
        Self {
            tenant,
            client: &client.app,
            azpacr: client.method.azpacr(),
            user,
            resource: resolved.requested.resource,
            scp: resolved.scp(),
            scope_answer: resolved.answer(),
            id_token: resolved.requested.wants("openid"),
            nonce: None,
            session_id: None,
            auth_time: OffsetDateTime::UNIX_EPOCH,
            amr: vec![],
            client_info,
        }
    }
}

/// What the directory says about a user, for claims.
struct Directory {
    groups: Vec<ObjectId>,
    wids: Vec<String>,
    roles: Vec<String>,
}

async fn directory_claims(
    ctx: &TokenContext<'_>,
    g: &UserGrant<'_>,
) -> Result<Directory, OAuthError> {
    let store = ctx.store;
    let mut groups = store.transitive_member_of(g.tenant, g.user.id).await?;
    groups.sort();
    let mut wids: Vec<String> = store
        .directory_role_assignments_of(g.tenant, g.user.id)
        .await?
        .into_iter()
        .map(|a| a.role_definition_id.to_string())
        .collect();
    wids.sort();
    wids.dedup();
    // App roles of the resource held by the user or any group it is in.
    let mut roles = Vec::new();
    if let Some(sp) = ctx
        .directory
        .service_principal(g.tenant, g.resource)
        .await?
    {
        let mut holders = vec![g.user.id];
        holders.extend(groups.iter().copied());
        for h in holders {
            for a in ctx.directory.app_roles_held(g.tenant, h).await?.iter() {
                if a.resource_id != sp.id {
                    continue;
                }
                if let Some(r) = sp.app_roles.iter().find(|r| {
                    r.id == a.app_role_id
                        && r.is_enabled
                        && r.allowed_member_types.iter().any(|t| t == "User")
                }) {
                    if let Some(v) = &r.value {
                        roles.push(v.clone());
                    }
                }
            }
        }
    }
    roles.sort();
    roles.dedup();
    Ok(Directory {
        groups,
        wids,
        roles,
    })
}

/// Whether a user holds a role that may consent for the organisation.
pub fn is_consent_admin(wids: &[String]) -> bool {
    const APP_ADMIN: &str = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3";
    const CLOUD_APP_ADMIN: &str = "158c047a-c907-4556-b7ef-446551a6b5f7";
    const PRIVILEGED_ROLE_ADMIN: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";
    wids.iter().any(|w| {
        w == GLOBAL_ADMIN || w == APP_ADMIN || w == CLOUD_APP_ADMIN || w == PRIVILEGED_ROLE_ADMIN
    })
}

/// Mints the access token, the ID token (if `openid` was granted) and the
/// response around them; the caller adds the refresh token.
pub async fn mint(
    ctx: &TokenContext<'_>,
    g: &UserGrant<'_>,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<TokenResponse, OAuthError> {
    let dir = directory_claims(ctx, g).await?;
    // The client the user signs in to may require assignment (Entra's
    // appRoleAssignmentRequired): checked at every token, so an assignment
    // removed takes effect at the next refresh.
    if let Some(client_sp) = ctx
        .directory
        .service_principal(g.tenant, g.client.app_id)
        .await?
    {
        let mut holders = vec![g.user.id];
        holders.extend(dir.groups.iter().copied());
        crate::assignment::require(
            ctx.store,
            g.tenant,
            &client_sp,
            &holders,
            "The signed in user",
        )
        .await?;
    }
    let iat = ctx.now.unix_timestamp();
    let iss = issuer(ctx.public_url, g.tenant);
    let name = g.user.display_name.clone();
    let upn = g.user.user_principal_name.clone();
    let resource_settings = if g.resource == GRAPH_APP_ID {
        None
    } else {
        ctx.directory.client(g.resource).await?
    };
    let resource_groups = resource_settings
        .as_ref()
        .and_then(|r| r.app.settings.group_membership_claims.as_deref());
    let (groups, claim_names, claim_sources) = groups_claim(
        resource_groups,
        &crate::claims::groups_for(ctx, g.tenant, resource_groups, &dir.groups, g.resource).await?,
        ctx.public_url,
        g.user.id,
    );
    let access = UserAccessClaims {
        aud: g.resource.to_string(),
        iss: iss.clone(),
        iat,
        nbf: iat,
        exp: iat + ACCESS_TOKEN_SECONDS,
        acr: acr_of(&g.amr),
        amr: g.amr.clone(),
        azp: g.client.app_id,
        azpacr: g.azpacr,
        name: name.clone(),
        oid: g.user.id,
        preferred_username: upn.clone(),
        roles: dir.roles,
        scp: g.scp.join(" "),
        sid: g.session_id,
        sub: pairwise_sub(ctx.pairwise_key, g.tenant, g.resource, g.user.id),
        tid: g.tenant,
        uti: tessera_crypto::random_token(rng, 16),
        ver: "2.0",
        wids: dir.wids.clone(),
        groups,
        claim_names,
        claim_sources,
    };
    // The resource's choice of algorithm for its access tokens, else the tenant's.
    let access_key = crate::signer_for(
        ctx,
        resource_settings
            .as_ref()
            .and_then(|r| r.app.settings.token_signing_alg.as_deref()),
    )
    .await?;
    // The resource's token shape and optional claims.
    let resource_app = resource_settings.as_ref().map(|r| &r.app);
    let mut access = crate::optional_claims::object(&access)?;
    if resource_app.and_then(|a| a.settings.api.requested_access_token_version) == Some(1) {
        crate::optional_claims::to_v1(&mut access, ctx.public_url);
    }
    if let Some(a) = resource_app {
        optional(ctx, g, a, false, &mut access).await?;
    }
    let access_token = tessera_crypto::sign_jwt(access_key.as_deref().unwrap_or(ctx.key), &access)
        .map_err(|_| OAuthError::new(SERVER_ERROR))?;
    let id_token = if g.id_token {
        let client_groups = g.client.settings.group_membership_claims.as_deref();
        let (groups, claim_names, claim_sources) = groups_claim(
            client_groups,
            &crate::claims::groups_for(ctx, g.tenant, client_groups, &dir.groups, g.client.app_id)
                .await?,
            ctx.public_url,
            g.user.id,
        );
        let id_wids = if crate::claims::wids_in_id_token(client_groups) {
            dir.wids.clone()
        } else {
            vec![]
        };
        let claims = IdTokenClaims {
            aud: g.client.app_id,
            iss,
            iat,
            nbf: iat,
            exp: iat + ACCESS_TOKEN_SECONDS,
            auth_time: g.auth_time.unix_timestamp(),
            acr: acr_of(&g.amr),
            amr: g.amr.clone(),
            email: g
                .scp
                .iter()
                .any(|s| s == "email")
                .then(|| g.user.mail.clone())
                .flatten(),
            name,
            nonce: g.nonce.clone(),
            oid: g.user.id,
            preferred_username: upn,
            sid: g.session_id,
            sub: pairwise_sub(ctx.pairwise_key, g.tenant, g.client.app_id, g.user.id),
            tid: g.tenant,
            uti: tessera_crypto::random_token(rng, 16),
            ver: "2.0",
            groups,
            wids: id_wids,
            claim_names,
            claim_sources,
        };
        let mut claims = crate::optional_claims::object(&claims)?;
        optional(ctx, g, g.client, true, &mut claims).await?;
        // The client's choice of algorithm for its ID tokens.
        let id_key = crate::signer_for(ctx, g.client.settings.token_signing_alg.as_deref()).await?;
        Some(
            tessera_crypto::sign_jwt(id_key.as_deref().unwrap_or(ctx.key), &claims)
                .map_err(|_| OAuthError::new(SERVER_ERROR))?,
        )
    } else {
        None
    };
    let client_info = g.client_info.then(|| {
        let info = serde_json::json!({ "uid": g.user.id, "utid": g.tenant });
        URL_SAFE_NO_PAD.encode(info.to_string())
    });
    Ok(TokenResponse {
        token_type: "Bearer",
        scope: Some(g.scope_answer.clone()),
        expires_in: ACCESS_TOKEN_SECONDS,
        ext_expires_in: ACCESS_TOKEN_SECONDS,
        access_token,
        refresh_token: None,
        id_token,
        client_info,
    })
}

/// Adds `app`'s optional claims for this token (ID token or access token),
/// reading only what the list needs.
async fn optional(
    ctx: &TokenContext<'_>,
    g: &UserGrant<'_>,
    app: &Application,
    id_token: bool,
    claims: &mut serde_json::Map<String, serde_json::Value>,
) -> Result<(), OAuthError> {
    let oc = match crate::optional_claims::parse(app.settings.optional_claims.as_ref()) {
        Ok(oc) => oc,
        // Checked when written; a value stored before that check was
        // added is left out rather than failing every sign-in.
        Err(e) => {
            tracing::warn!(app = %app.app_id, error = %e, "optional claims not applied");
            return Ok(());
        }
    };
    let list = if id_token {
        &oc.id_token
    } else {
        &oc.access_token
    };
    if list.is_empty() {
        return Ok(());
    }
    let wants = |n: &str| list.iter().any(|c| c.name == n);
    let t = g.tenant;
    let extensions = if list.iter().any(|c| c.name.starts_with("extension_")) {
        ctx.store.extension_values(t, g.user.id).await?
    } else {
        vec![]
    };
    let verified_domains: Vec<String> = if wants("verified_primary_email") {
        ctx.store
            .list_domains(t)
            .await?
            .into_iter()
            .filter(|d| d.is_verified)
            .map(|d| d.name)
            .collect()
    } else {
        vec![]
    };
    let group_ids: Vec<ObjectId> = claims
        .get("groups")
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|x| x.as_str()?.parse().ok()).collect())
        .unwrap_or_default();
    let groups: Vec<(ObjectId, String)> = if wants("groups") && !group_ids.is_empty() {
        ctx.store
            .groups_by_ids(t, &group_ids)
            .await?
            .into_iter()
            .map(|gr| (gr.id, gr.display_name))
            .collect()
    } else {
        vec![]
    };
    let src = crate::optional_claims::Sources {
        user: g.user,
        extensions: &extensions,
        verified_domains: &verified_domains,
        ip: ctx.client_ip,
        auth_time: g.auth_time.unix_timestamp(),
        groups: &groups,
    };
    crate::optional_claims::apply(claims, &oc, id_token, &src);
    Ok(())
}

/// A new refresh token of `family`: the value for the client and the record
/// (holding only its digest) for the store.
#[allow(clippy::too_many_arguments)]
pub fn new_refresh_token(
    family: ObjectId,
    g: &UserGrant<'_>,
    public_client: bool,
    spa: bool,
    granted_scope: &str,
    now: OffsetDateTime,
    rng: &mut (impl RngCore + CryptoRng),
) -> (String, RefreshTokenRecord) {
    let value = crate::token::tenant_bound_token(g.tenant, rng);
    let life = if spa {
        time::Duration::hours(SPA_REFRESH_TOKEN_HOURS)
    } else {
        time::Duration::days(REFRESH_TOKEN_DAYS)
    };
    let record = RefreshTokenRecord {
        digest: tessera_crypto::secret_digest(&value).to_vec(),
        family_id: family,
        client_id: g.client.app_id,
        user_id: g.user.id,
        session_id: g.session_id,
        public_client,
        scope: granted_scope.to_string(),
        auth_time: g.auth_time,
        amr: g.amr.clone(),
        created_at: now,
        expires_at: now + life,
        used_at: None,
        revoked_at: None,
    };
    (value, record)
}

/// Claims as a map, for userinfo.
pub fn userinfo(
    user: &User,
    sub: String,
    scp: &[&str],
) -> BTreeMap<&'static str, serde_json::Value> {
    let mut m = BTreeMap::new();
    m.insert("sub", serde_json::Value::String(sub));
    m.insert("oid", serde_json::json!(user.id));
    if scp.contains(&"profile") {
        m.insert("name", serde_json::json!(user.display_name));
        m.insert(
            "preferred_username",
            serde_json::json!(user.user_principal_name),
        );
        if let Some(g) = &user.given_name {
            m.insert("given_name", serde_json::json!(g));
        }
        if let Some(f) = &user.surname {
            m.insert("family_name", serde_json::json!(f));
        }
    }
    if scp.contains(&"email") {
        if let Some(e) = &user.mail {
            m.insert("email", serde_json::json!(e));
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_subjects_differ_per_app_and_are_stable() {
        let t = TenantId::from_u128(1);
        let u = ObjectId::from_u128(2);
        let a = pairwise_sub(b"k", t, AppId::from_u128(3), u);
        let b = pairwise_sub(b"k", t, AppId::from_u128(4), u);
        assert_ne!(a, b);
        assert_eq!(a, pairwise_sub(b"k", t, AppId::from_u128(3), u));
        assert_eq!(a.len(), 43);
        assert_ne!(a, pairwise_sub(b"other key", t, AppId::from_u128(3), u));
    }
}
