//! The store's interface, split by job. `Store` is all of them; callers hold an
//! `Arc<dyn Store>`.
use crate::{Backend, StoreResult};
use async_trait::async_trait;
use tessera_model::*;
use time::OffsetDateTime;
use uuid::Uuid;

/// Where the schema stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SchemaStatus {
    /// Highest migration version applied to the database.
    pub applied: i64,
    /// Highest migration version this binary knows.
    pub expected: i64,
}

impl SchemaStatus {
    pub fn is_current(&self) -> bool {
        self.applied == self.expected
    }
}

/// Everything the first start of an empty database creates, written in one
/// transaction. See `docs/design/bootstrap.md`.
#[derive(Clone, Debug)]
pub struct BootstrapPlan {
    pub tenant: Tenant,
    pub initial_domain: Domain,
    pub admin: NewUser,
    pub admin_role: DirectoryRoleAssignment,
    pub client_app: Application,
    pub client_secret: PasswordCredential,
    /// SHA-256 digest of the client secret (the secret itself is never stored).
    pub client_secret_digest: [u8; 32],
    pub client_sp: ServicePrincipal,
    /// The built-in directory API resource's service principal in the tenant.
    pub graph_sp: ServicePrincipal,
    /// The client's application permissions on the directory API.
    pub client_app_roles: Vec<AppRoleAssignment>,
    pub signing_key: SigningKeyRecord,
    pub now: OffsetDateTime,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BootstrapOutcome {
    /// This call created the initial tenant.
    Created,
    /// The database was bootstrapped before (perhaps by another node).
    AlreadyBootstrapped(TenantId),
}

#[async_trait]
pub trait OpsStore: Send + Sync {
    fn backend(&self) -> Backend;
    /// A round trip to the database.
    async fn ping(&self) -> StoreResult<()>;
    async fn schema_status(&self) -> StoreResult<SchemaStatus>;
    /// Closes the pools (graceful shutdown).
    async fn close(&self);
    /// Brings the query planner's table statistics up to date where the
    /// database does not do it itself (SQLite's `PRAGMA optimize`).
    async fn refresh_statistics(&self) -> StoreResult<()>;
    /// The commit durability setting that durable and ephemeral (sign-in
    /// state) write transactions run with, as the database reports it
    /// inside each: for diagnostics and tests.
    async fn write_durability(&self) -> StoreResult<(String, String)>;
}

#[async_trait]
pub trait TenantStore: Send + Sync {
    /// Creates the initial tenant and its first objects, once per database.
    async fn bootstrap(&self, plan: &BootstrapPlan) -> StoreResult<BootstrapOutcome>;
    /// The tenant created by [`TenantStore::bootstrap`], if any.
    async fn bootstrapped_tenant(&self) -> StoreResult<Option<TenantId>>;
    async fn create_tenant(&self, tenant: &Tenant, initial_domain: &Domain) -> StoreResult<()>;
    async fn get_tenant(&self, tenant: TenantId) -> StoreResult<Option<Tenant>>;
    /// Every tenant id (background jobs such as key rotation walk them).
    async fn list_tenant_ids(&self) -> StoreResult<Vec<TenantId>>;
    /// The tenant's token signing algorithm, if it chose one.
    async fn tenant_signing_alg(&self, t: TenantId) -> StoreResult<Option<String>>;
    /// Chooses (or, with `None`, clears) the tenant's token signing
    /// algorithm; logged as a change of the organization.
    async fn set_tenant_signing_alg(
        &self,
        t: TenantId,
        alg: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// The tenant owning a *verified* domain name (case-insensitive).
    async fn tenant_by_domain(&self, domain: &str) -> StoreResult<Option<TenantId>>;
    async fn list_domains(&self, tenant: TenantId) -> StoreResult<Vec<Domain>>;
}

#[async_trait]
pub trait UserStore: Send + Sync {
    /// Fails with `Conflict` when the userPrincipalName is taken (case-insensitive).
    async fn create_user(
        &self,
        t: TenantId,
        user: &NewUser,
        now: OffsetDateTime,
    ) -> StoreResult<User>;
    async fn get_user(&self, t: TenantId, id: ObjectId) -> StoreResult<Option<User>>;
    async fn get_user_by_upn(&self, t: TenantId, upn: &str) -> StoreResult<Option<User>>;
    /// Users ordered by id, after `after` (keyset paging).
    async fn list_users(
        &self,
        t: TenantId,
        after: Option<ObjectId>,
        limit: u32,
    ) -> StoreResult<Vec<User>>;
    /// Writes every property of `user`; `NotFound` if it does not exist.
    async fn update_user(&self, t: TenantId, user: &User, now: OffsetDateTime) -> StoreResult<()>;
    /// Deletes the user and its memberships and assignments.
    async fn delete_user(&self, t: TenantId, id: ObjectId, now: OffsetDateTime) -> StoreResult<()>;
    async fn user_password_hash(&self, t: TenantId, id: ObjectId) -> StoreResult<Option<String>>;
    async fn set_user_password_hash(
        &self,
        t: TenantId,
        id: ObjectId,
        phc: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// `revokeSignInSessions`: ends the user's SSO sessions, revokes their
    /// refresh tokens and refuses access tokens issued up to `now`
    /// (tokens' `iat` is in whole seconds: the cut-off is the end of
    /// `now`'s second).
    async fn revoke_user_sessions(
        &self,
        t: TenantId,
        id: ObjectId,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Whether the user may still use tokens: `None` if the user is gone,
    /// else `(accountEnabled, tokens issued before this are refused)`.
    async fn user_access(
        &self,
        t: TenantId,
        id: ObjectId,
    ) -> StoreResult<Option<(bool, Option<OffsetDateTime>)>>;
}

#[async_trait]
pub trait GroupStore: Send + Sync {
    async fn create_group(
        &self,
        t: TenantId,
        group: &Group,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    async fn get_group(&self, t: TenantId, id: ObjectId) -> StoreResult<Option<Group>>;
    async fn list_groups(
        &self,
        t: TenantId,
        after: Option<ObjectId>,
        limit: u32,
    ) -> StoreResult<Vec<Group>>;
    async fn delete_group(&self, t: TenantId, id: ObjectId, now: OffsetDateTime)
        -> StoreResult<()>;
    /// Writes every property of `group`; `NotFound` if it does not exist.
    async fn update_group(
        &self,
        t: TenantId,
        group: &Group,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// `InvalidReference` for an unknown owner; `Conflict` if already one.
    async fn add_group_owner(
        &self,
        t: TenantId,
        group: ObjectId,
        owner: Member,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    async fn remove_group_owner(
        &self,
        t: TenantId,
        group: ObjectId,
        owner: ObjectId,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Adds a direct member. `InvalidReference` for an unknown member or a
    /// membership loop; `Conflict` if already a member.
    async fn add_group_member(
        &self,
        t: TenantId,
        group: ObjectId,
        member: Member,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    async fn remove_group_member(
        &self,
        t: TenantId,
        group: ObjectId,
        member: ObjectId,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    async fn list_group_members(&self, t: TenantId, group: ObjectId) -> StoreResult<Vec<Member>>;
    /// Every group that contains `member`, directly or through nested groups.
    async fn transitive_member_of(
        &self,
        t: TenantId,
        member: ObjectId,
    ) -> StoreResult<Vec<ObjectId>>;
}

#[async_trait]
pub trait AppStore: Send + Sync {
    /// Fails with `Conflict` when the appId is taken, or with
    /// `Conflict(IDENTIFIER_URI_TAKEN)` when another application of the
    /// tenant holds one of its identifier URIs (see [`crate::identifier_uri_key`]).
    async fn create_application(
        &self,
        t: TenantId,
        app: &Application,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    async fn get_application(&self, t: TenantId, id: ObjectId) -> StoreResult<Option<Application>>;
    /// The application with this client id and its home tenant. appIds are
    /// global, so this is the one lookup that is not scoped by a tenant.
    async fn application_by_app_id(
        &self,
        app_id: AppId,
    ) -> StoreResult<Option<(TenantId, Application)>>;
    async fn list_applications(
        &self,
        t: TenantId,
        after: Option<ObjectId>,
        limit: u32,
    ) -> StoreResult<Vec<Application>>;
    /// Fails like [`Self::create_application`] on a taken identifier URI.
    async fn update_application(
        &self,
        t: TenantId,
        app: &Application,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Deletes the application, its credentials, and its service principal in the home tenant.
    async fn delete_application(
        &self,
        t: TenantId,
        id: ObjectId,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    async fn add_password_credential(
        &self,
        t: TenantId,
        app: ObjectId,
        cred: &PasswordCredential,
        digest: &[u8; 32],
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    async fn remove_password_credential(
        &self,
        t: TenantId,
        app: ObjectId,
        key_id: Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Secret metadata with each secret's SHA-256 digest.
    async fn list_password_credentials(
        &self,
        t: TenantId,
        app: ObjectId,
    ) -> StoreResult<Vec<(PasswordCredential, Vec<u8>)>>;
    async fn add_key_credential(
        &self,
        t: TenantId,
        app: ObjectId,
        cred: &KeyCredential,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    async fn list_key_credentials(
        &self,
        t: TenantId,
        app: ObjectId,
    ) -> StoreResult<Vec<KeyCredential>>;

    /// Fails with `Conflict` when the tenant has a service principal for the appId.
    async fn create_service_principal(
        &self,
        t: TenantId,
        sp: &ServicePrincipal,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    async fn get_service_principal(
        &self,
        t: TenantId,
        id: ObjectId,
    ) -> StoreResult<Option<ServicePrincipal>>;
    async fn service_principal_by_app_id(
        &self,
        t: TenantId,
        app_id: AppId,
    ) -> StoreResult<Option<ServicePrincipal>>;
    async fn list_service_principals(
        &self,
        t: TenantId,
        after: Option<ObjectId>,
        limit: u32,
    ) -> StoreResult<Vec<ServicePrincipal>>;
}

#[async_trait]
pub trait GrantStore: Send + Sync {
    async fn create_app_role_assignment(
        &self,
        t: TenantId,
        a: &AppRoleAssignment,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Assignments held by a principal (Graph `appRoleAssignments`).
    async fn app_role_assignments_of(
        &self,
        t: TenantId,
        principal: ObjectId,
    ) -> StoreResult<Vec<AppRoleAssignment>>;
    /// Assignments granted on a resource service principal (Graph `appRoleAssignedTo`).
    async fn app_role_assigned_to(
        &self,
        t: TenantId,
        resource: ObjectId,
    ) -> StoreResult<Vec<AppRoleAssignment>>;
    async fn delete_app_role_assignment(
        &self,
        t: TenantId,
        id: ObjectId,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    async fn create_oauth2_permission_grant(
        &self,
        t: TenantId,
        g: &OAuth2PermissionGrant,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Adds `scopes` to the delegated grant of `client` on `resource` for
    /// `principal` (`None`: every user, admin consent), creating the grant
    /// with id `new_id` when there is none. Returns the grant as it now is.
    #[allow(clippy::too_many_arguments)]
    async fn add_delegated_grant(
        &self,
        t: TenantId,
        client: ObjectId,
        principal: Option<ObjectId>,
        resource: ObjectId,
        scopes: &[String],
        new_id: ObjectId,
        now: OffsetDateTime,
    ) -> StoreResult<OAuth2PermissionGrant>;
    async fn oauth2_permission_grants_for_client(
        &self,
        t: TenantId,
        client: ObjectId,
    ) -> StoreResult<Vec<OAuth2PermissionGrant>>;
    async fn create_directory_role_assignment(
        &self,
        t: TenantId,
        a: &DirectoryRoleAssignment,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    async fn directory_role_assignments_of(
        &self,
        t: TenantId,
        principal: ObjectId,
    ) -> StoreResult<Vec<DirectoryRoleAssignment>>;
}

#[async_trait]
pub trait KeyStore: Send + Sync {
    async fn insert_signing_key(&self, t: TenantId, key: &SigningKeyRecord) -> StoreResult<()>;
    /// All keys of the tenant, newest first (including retired ones).
    async fn list_signing_keys(&self, t: TenantId) -> StoreResult<Vec<SigningKeyRecord>>;
    /// Inserts `key` only if the newest unretired key's `active_from` is
    /// still `expected_newest` (compare-and-set, so that nodes rotating at once
    /// create one successor). Returns whether it inserted.
    /// Inserts `key` if the newest unretired key *of its algorithm* is
    /// still `expected_newest` (each algorithm is its own rotation series).
    async fn insert_signing_key_if_newest(
        &self,
        t: TenantId,
        key: &SigningKeyRecord,
        expected_newest: Option<OffsetDateTime>,
    ) -> StoreResult<bool>;
    async fn retire_signing_key(
        &self,
        t: TenantId,
        kid: &str,
        at: OffsetDateTime,
    ) -> StoreResult<()>;
}

/// Sign-in state (see `tessera_model::signin`). Not directory data: no
/// change-log entries.
#[async_trait]
pub trait SignInStore: Send + Sync {
    async fn create_session(&self, t: TenantId, s: &SsoSession) -> StoreResult<()>;
    async fn get_session(&self, t: TenantId, id: ObjectId) -> StoreResult<Option<SsoSession>>;
    /// Ends the session and revokes the refresh tokens issued under it.
    async fn end_session(&self, t: TenantId, id: ObjectId, now: OffsetDateTime) -> StoreResult<()>;
    async fn insert_code(&self, t: TenantId, c: &AuthCodeRecord) -> StoreResult<()>;
    async fn get_code(&self, t: TenantId, digest: &[u8]) -> StoreResult<Option<AuthCodeRecord>>;
    /// Marks the code used and stores `refresh` in one transaction. When the
    /// code was used before, revokes every refresh token of its family instead
    /// and returns `false`.
    async fn redeem_code(
        &self,
        t: TenantId,
        code: &AuthCodeRecord,
        refresh: Option<&RefreshTokenRecord>,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
    async fn get_refresh_token(
        &self,
        t: TenantId,
        digest: &[u8],
    ) -> StoreResult<Option<RefreshTokenRecord>>;
    /// Marks `old` used and stores `new` (its successor) in one transaction.
    /// When `old` was used or revoked meanwhile, revokes the whole family
    /// instead and returns `false`.
    async fn rotate_refresh_token(
        &self,
        t: TenantId,
        old: &RefreshTokenRecord,
        new: &RefreshTokenRecord,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// Revokes every refresh token of a family; returns how many were live.
    async fn revoke_refresh_family(
        &self,
        t: TenantId,
        family: ObjectId,
        now: OffsetDateTime,
    ) -> StoreResult<u64>;
    /// Failed sign-ins counted against a typed account name.
    async fn throttle(&self, t: TenantId, key: &str) -> StoreResult<Throttle>;
    /// Counts one more failure and, if `lock_for(count)` says so, locks the
    /// name for that long. Atomic across nodes.
    async fn record_sign_in_failure(
        &self,
        t: TenantId,
        key: &str,
        now: OffsetDateTime,
        lock_for: &(dyn Fn(u32) -> Option<time::Duration> + Send + Sync),
    ) -> StoreResult<Throttle>;
    async fn clear_sign_in_failures(&self, t: TenantId, key: &str) -> StoreResult<()>;
    /// Deletes sign-in state that ended more than `keep` before `now`, in
    /// every tenant (a maintenance job, like the change-log poll): codes,
    /// device codes and pushed requests past expiry, sessions ended or
    /// expired, refresh tokens past expiry (used and revoked ones are kept
    /// until then, for reuse detection), used client assertions past
    /// expiry, idle failed-sign-in counters.
    /// Returns how many rows went.
    async fn purge_expired(&self, now: OffsetDateTime, keep: time::Duration) -> StoreResult<u64>;
    /// The applications a session obtained codes or device approvals for
    /// (whose front-channel logout URLs logout calls).
    async fn session_clients(&self, t: TenantId, session: ObjectId) -> StoreResult<Vec<AppId>>;
}

/// Device authorizations (RFC 8628) and pushed authorization requests
/// (RFC 9126): requests waiting for a user.
#[async_trait]
pub trait DeviceStore: Send + Sync {
    async fn insert_pushed_request(&self, t: TenantId, p: &PushedRequest) -> StoreResult<()>;
    async fn get_pushed_request(
        &self,
        t: TenantId,
        digest: &[u8],
    ) -> StoreResult<Option<PushedRequest>>;
    /// Marks it used (a code was issued from it); `false` when it was used
    /// already.
    async fn use_pushed_request(
        &self,
        t: TenantId,
        digest: &[u8],
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
    async fn insert_device_code(&self, t: TenantId, d: &DeviceCodeRecord) -> StoreResult<()>;
    /// The record a user code names, and its tenant. The one lookup not
    /// scoped by tenant (like resolving a domain): `/devicelogin` is the same
    /// page for every tenant, as Entra's is. User codes are unique.
    async fn device_code_by_user_code(
        &self,
        user_code: &str,
    ) -> StoreResult<Option<(TenantId, DeviceCodeRecord)>>;
    async fn get_device_code(
        &self,
        t: TenantId,
        digest: &[u8],
    ) -> StoreResult<Option<DeviceCodeRecord>>;
    /// Approves (`Some`) or denies (`None`) a pending, unexpired record;
    /// `false` when it was no longer pending.
    async fn decide_device_code(
        &self,
        t: TenantId,
        id: ObjectId,
        approval: Option<&DeviceApproval>,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// Records a poll; returns the previous poll's time (for `slow_down`).
    async fn poll_device_code(
        &self,
        t: TenantId,
        id: ObjectId,
        now: OffsetDateTime,
    ) -> StoreResult<Option<OffsetDateTime>>;
    /// Marks an approved record redeemed and stores `refresh` (in the
    /// approving user's tenant) in one transaction; `false` when it was
    /// redeemed already.
    async fn redeem_device_code(
        &self,
        t: TenantId,
        id: ObjectId,
        refresh: Option<(TenantId, &RefreshTokenRecord)>,
    ) -> StoreResult<bool>;
}

/// An extension attribute an application declares (Graph `extensionProperty`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtensionProperty {
    pub id: ObjectId,
    /// `extension_{appIdWithoutDashes}_{name}`.
    pub name: String,
    /// The declaring application's object id.
    #[serde(skip)]
    pub application: ObjectId,
    /// String, Integer, Boolean, DateTime, LargeInteger (Binary is refused).
    pub data_type: String,
    /// `User` and/or `Group`.
    pub target_objects: Vec<String>,
}

/// One extension value to set — `(name, Some((JSON value, filter key)))` —
/// or to clear (`None`).
pub type ExtensionWrite = (String, Option<(serde_json::Value, String)>);

/// The rest of the directory API's writes: service principals, grants and
/// role assignments by id, domains and their verification, directory
/// extensions and their values.
#[async_trait]
pub trait AdminStore: Send + Sync {
    async fn update_service_principal(
        &self,
        t: TenantId,
        sp: &ServicePrincipal,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Deletes it with its assignments (held and granted), grants, and
    /// memberships.
    async fn delete_service_principal(
        &self,
        t: TenantId,
        id: ObjectId,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    async fn list_oauth2_permission_grants(
        &self,
        t: TenantId,
    ) -> StoreResult<Vec<OAuth2PermissionGrant>>;
    async fn update_oauth2_permission_grant(
        &self,
        t: TenantId,
        id: ObjectId,
        scope: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    async fn delete_oauth2_permission_grant(
        &self,
        t: TenantId,
        id: ObjectId,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    async fn list_directory_role_assignments(
        &self,
        t: TenantId,
    ) -> StoreResult<Vec<DirectoryRoleAssignment>>;
    async fn delete_directory_role_assignment(
        &self,
        t: TenantId,
        id: ObjectId,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Adds an unverified domain with its verification code. `Conflict` if
    /// any tenant has the name.
    async fn add_domain(
        &self,
        t: TenantId,
        name: &str,
        code: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// The verification code of an unverified domain of the tenant.
    async fn domain_verification_code(
        &self,
        t: TenantId,
        name: &str,
    ) -> StoreResult<Option<String>>;
    async fn mark_domain_verified(
        &self,
        t: TenantId,
        name: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// `InvalidReference` while users' names or applications' publisher
    /// domains use it, or for the initial domain.
    async fn delete_domain(&self, t: TenantId, name: &str, now: OffsetDateTime) -> StoreResult<()>;
    /// `Conflict` if the name exists.
    async fn create_extension_property(
        &self,
        t: TenantId,
        p: &ExtensionProperty,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// All of the tenant's extension properties (of one application, with `Some`).
    async fn list_extension_properties(
        &self,
        t: TenantId,
        application: Option<ObjectId>,
    ) -> StoreResult<Vec<ExtensionProperty>>;
    /// Deletes the property and every value of it.
    async fn delete_extension_property(
        &self,
        t: TenantId,
        id: ObjectId,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Sets (`Some`) or clears (`None`) extension values of an object in
    /// one transaction, logged as an update of `kind`; values are JSON,
    /// `key` the lower-cased text filters compare. At most 100 per object.
    async fn set_extension_values(
        &self,
        t: TenantId,
        object: ObjectId,
        kind: ObjectKind,
        values: &[ExtensionWrite],
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    async fn extension_values(
        &self,
        t: TenantId,
        object: ObjectId,
    ) -> StoreResult<Vec<(String, serde_json::Value)>>;
    /// Creates the user with its extension values, in one transaction.
    async fn create_user_with(
        &self,
        t: TenantId,
        user: &NewUser,
        ext: &[ExtensionWrite],
        now: OffsetDateTime,
    ) -> StoreResult<User>;
    /// Writes the user's properties, new password hash (if any) and
    /// extension values in one transaction: all or nothing.
    async fn update_user_with(
        &self,
        t: TenantId,
        user: &User,
        password_hash: Option<&str>,
        ext: &[ExtensionWrite],
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Creates the group with its first members, owners and extension
    /// values in one transaction (`members@odata.bind` on create).
    #[allow(clippy::too_many_arguments)]
    async fn create_group_with(
        &self,
        t: TenantId,
        group: &Group,
        members: &[Member],
        owners: &[Member],
        ext: &[ExtensionWrite],
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    async fn update_group_with(
        &self,
        t: TenantId,
        group: &Group,
        ext: &[ExtensionWrite],
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// `NotFound` when the application has no such key.
    async fn remove_key_credential(
        &self,
        t: TenantId,
        app: ObjectId,
        key_id: uuid::Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Replaces the application's certificates: keeps those in `keep`
    /// (which must exist: `InvalidReference` otherwise), deletes the rest,
    /// adds `add`. One transaction.
    async fn set_key_credentials(
        &self,
        t: TenantId,
        app: ObjectId,
        keep: &[uuid::Uuid],
        add: &[KeyCredential],
        now: OffsetDateTime,
    ) -> StoreResult<()>;
}

/// Listings for the directory API: filtered, sorted, keyset-paged.
#[async_trait]
pub trait QueryStore: Send + Sync {
    async fn query_users(
        &self,
        t: TenantId,
        q: &crate::ListQuery,
    ) -> StoreResult<crate::Page<User>>;
    async fn query_groups(
        &self,
        t: TenantId,
        q: &crate::ListQuery,
    ) -> StoreResult<crate::Page<Group>>;
    async fn query_applications(
        &self,
        t: TenantId,
        q: &crate::ListQuery,
    ) -> StoreResult<crate::Page<Application>>;
    async fn query_service_principals(
        &self,
        t: TenantId,
        q: &crate::ListQuery,
    ) -> StoreResult<crate::Page<ServicePrincipal>>;
    /// One page of a relation, in id order after `after`.
    async fn related(
        &self,
        t: TenantId,
        rel: crate::Relation,
        after: Option<ObjectId>,
        limit: u32,
    ) -> StoreResult<Vec<Member>>;
    /// The objects with these ids that exist (any order).
    async fn users_by_ids(&self, t: TenantId, ids: &[ObjectId]) -> StoreResult<Vec<User>>;
    async fn groups_by_ids(&self, t: TenantId, ids: &[ObjectId]) -> StoreResult<Vec<Group>>;
    async fn service_principals_by_ids(
        &self,
        t: TenantId,
        ids: &[ObjectId],
    ) -> StoreResult<Vec<ServicePrincipal>>;
    /// What kind of directory object `id` is (user, group, application,
    /// service principal), if it exists in the tenant.
    async fn object_kind(&self, t: TenantId, id: ObjectId) -> StoreResult<Option<ObjectKind>>;
}

#[async_trait]
pub trait ChangeStore: Send + Sync {
    /// Change-log entries of the tenant with `seq > after`, in order.
    async fn changes_since(&self, t: TenantId, after: i64, limit: u32) -> StoreResult<Vec<Change>>;
    /// The newest change-log sequence number of the whole database (0 when
    /// empty). Not tenant data: nodes poll it to invalidate their caches.
    async fn latest_change_seq(&self) -> StoreResult<i64>;
}

/// The whole store.
pub trait Store:
    OpsStore
    + TenantStore
    + UserStore
    + GroupStore
    + AppStore
    + GrantStore
    + KeyStore
    + SignInStore
    + DeviceStore
    + ChangeStore
    + QueryStore
    + AdminStore
    + crate::AuthMethodStore
    + crate::AssertionReplayStore
    + crate::TenantLifecycleStore
    + 'static
{
}

impl<T> Store for T where
    T: OpsStore
        + TenantStore
        + UserStore
        + GroupStore
        + AppStore
        + GrantStore
        + KeyStore
        + SignInStore
        + DeviceStore
        + ChangeStore
        + QueryStore
        + AdminStore
        + crate::AuthMethodStore
        + crate::AssertionReplayStore
        + crate::TenantLifecycleStore
        + 'static
{
}
