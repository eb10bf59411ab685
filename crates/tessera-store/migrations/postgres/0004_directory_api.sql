-- The directory API (postgres): the rest of a user's and a group's Graph
-- properties, group owners, directory schema extensions and their values,
-- domains added by several tenants and verified by one, the user's
-- session cut-off, and the indexes
-- $filter and $orderby use. Keep in step with ../sqlite/0004_directory_api.sql.

ALTER TABLE users ADD COLUMN mail_nickname TEXT;
ALTER TABLE users ADD COLUMN job_title TEXT;
ALTER TABLE users ADD COLUMN department TEXT;
ALTER TABLE users ADD COLUMN office_location TEXT;
ALTER TABLE users ADD COLUMN mobile_phone TEXT;
ALTER TABLE users ADD COLUMN usage_location TEXT;
ALTER TABLE users ADD COLUMN employee_id TEXT;
ALTER TABLE users ADD COLUMN company_name TEXT;
ALTER TABLE users ADD COLUMN city TEXT;
ALTER TABLE users ADD COLUMN country TEXT;
ALTER TABLE users ADD COLUMN preferred_language TEXT;
ALTER TABLE users ADD COLUMN user_type TEXT;
-- JSON arrays of strings.
ALTER TABLE users ADD COLUMN other_mails TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN business_phones TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN force_change_password BOOLEAN NOT NULL DEFAULT FALSE;
-- revokeSignInSessions: tokens issued before this instant (Unix ms, whole
-- seconds) are refused.
ALTER TABLE users ADD COLUMN sessions_valid_from BIGINT;

CREATE INDEX users_display_name ON users(tenant_id, display_name, id);
CREATE INDEX users_display_name_ci ON users(tenant_id, LOWER(display_name));
CREATE INDEX users_mail_ci ON users(tenant_id, LOWER(mail));
CREATE INDEX users_created ON users(tenant_id, created_at, id);

ALTER TABLE directory_groups ADD COLUMN group_types TEXT NOT NULL DEFAULT '[]';
ALTER TABLE directory_groups ADD COLUMN visibility TEXT;
ALTER TABLE directory_groups ADD COLUMN mail TEXT;
CREATE INDEX directory_groups_display_name ON directory_groups(tenant_id, display_name, id);
CREATE INDEX directory_groups_display_name_ci ON directory_groups(tenant_id, LOWER(display_name));

-- memberOf walks up from a member: (tenant, member) then group, covered.
DROP INDEX group_members_member;
CREATE INDEX group_members_member ON group_members(tenant_id, member_id, group_id);

CREATE TABLE group_owners (
    tenant_id    TEXT NOT NULL,
    group_id     TEXT NOT NULL,
    owner_id     TEXT NOT NULL,
    owner_kind   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, group_id, owner_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES directory_groups(tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX group_owners_owner ON group_owners(tenant_id, owner_id);

-- Directory schema extensions an application declares
-- (extension_{appIdWithoutDashes}_{name}).
CREATE TABLE extension_properties (
    tenant_id       TEXT NOT NULL,
    id              TEXT NOT NULL,
    application_id  TEXT NOT NULL,
    name            TEXT NOT NULL,
    data_type       TEXT NOT NULL,
    -- JSON array: User, Group
    target_objects  TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name),
    FOREIGN KEY (tenant_id, application_id) REFERENCES applications(tenant_id, id) ON DELETE CASCADE
);

-- Extension attribute values of users and groups: value is JSON; value_key
-- the lower-cased text (or number as text) that $filter compares.
CREATE TABLE extension_values (
    tenant_id   TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    name        TEXT NOT NULL,
    value       TEXT NOT NULL,
    value_key   TEXT,
    PRIMARY KEY (tenant_id, object_id, name)
);
CREATE INDEX extension_values_lookup ON extension_values(tenant_id, name, value_key);

-- Domains: a name may be added (unverified) by several tenants, as in
-- Entra, so no tenant can squat a name it does not control; only one
-- tenant can hold it verified. The verification code is per tenant.
CREATE TABLE domains_v2 (
    name               TEXT NOT NULL,
    tenant_id          TEXT NOT NULL REFERENCES tenants(id),
    is_default         BOOLEAN NOT NULL,
    is_initial         BOOLEAN NOT NULL,
    is_verified        BOOLEAN NOT NULL,
    created_at         BIGINT NOT NULL,
    verification_code  TEXT,
    PRIMARY KEY (tenant_id, name)
);
INSERT INTO domains_v2 (name, tenant_id, is_default, is_initial, is_verified, created_at)
    SELECT name, tenant_id, is_default, is_initial, is_verified, created_at FROM domains;
DROP TABLE domains;
ALTER TABLE domains_v2 RENAME TO domains;
CREATE UNIQUE INDEX domains_verified_name ON domains(name) WHERE is_verified;
CREATE INDEX domains_name ON domains(name);
