-- Tessera initial schema (SQLite). Ids are GUID text; instants are Unix
-- milliseconds (BIGINT); structured Graph properties are JSON text.
-- Keep in step with ../postgres/0001_initial.sql.

CREATE TABLE tenants (
    id            TEXT PRIMARY KEY,
    display_name  TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    -- bumped by writes that must be serialised per tenant (nested group edits)
    lock_version  BIGINT NOT NULL DEFAULT 0
);

-- A single row once the first tenant exists: the bootstrap happens once per database.
CREATE TABLE bootstrap_state (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    created_at  BIGINT NOT NULL
);

CREATE TABLE domains (
    name         TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    is_default   BOOLEAN NOT NULL,
    is_initial   BOOLEAN NOT NULL,
    is_verified  BOOLEAN NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX domains_tenant ON domains(tenant_id);

CREATE TABLE users (
    tenant_id            TEXT NOT NULL REFERENCES tenants(id),
    id                   TEXT NOT NULL,
    user_principal_name  TEXT NOT NULL,
    upn_key              TEXT NOT NULL,
    display_name         TEXT NOT NULL,
    given_name           TEXT,
    surname              TEXT,
    mail                 TEXT,
    account_enabled      BOOLEAN NOT NULL,
    password_hash        TEXT,
    password_changed_at  BIGINT,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, upn_key)
);

CREATE TABLE directory_groups (
    tenant_id         TEXT NOT NULL REFERENCES tenants(id),
    id                TEXT NOT NULL,
    display_name      TEXT NOT NULL,
    description       TEXT,
    mail_nickname     TEXT,
    security_enabled  BOOLEAN NOT NULL,
    mail_enabled      BOOLEAN NOT NULL,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE group_members (
    tenant_id    TEXT NOT NULL,
    group_id     TEXT NOT NULL,
    member_id    TEXT NOT NULL,
    member_kind  TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, group_id, member_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES directory_groups(tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX group_members_member ON group_members(tenant_id, member_id);

CREATE TABLE applications (
    tenant_id          TEXT NOT NULL REFERENCES tenants(id),
    id                 TEXT NOT NULL,
    app_id             TEXT NOT NULL UNIQUE,
    display_name       TEXT NOT NULL,
    sign_in_audience   TEXT NOT NULL,
    settings           TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE password_credentials (
    tenant_id       TEXT NOT NULL,
    application_id  TEXT NOT NULL,
    key_id          TEXT NOT NULL,
    display_name    TEXT,
    hint            TEXT,
    secret_digest   BLOB NOT NULL,
    start_at        BIGINT NOT NULL,
    end_at          BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, application_id, key_id),
    FOREIGN KEY (tenant_id, application_id) REFERENCES applications(tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE key_credentials (
    tenant_id       TEXT NOT NULL,
    application_id  TEXT NOT NULL,
    key_id          TEXT NOT NULL,
    display_name    TEXT,
    kind            TEXT NOT NULL,
    usage           TEXT NOT NULL,
    key_der         BLOB NOT NULL,
    thumbprint      BLOB NOT NULL,
    start_at        BIGINT NOT NULL,
    end_at          BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, application_id, key_id),
    FOREIGN KEY (tenant_id, application_id) REFERENCES applications(tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE service_principals (
    tenant_id        TEXT NOT NULL REFERENCES tenants(id),
    id               TEXT NOT NULL,
    app_id           TEXT NOT NULL,
    display_name     TEXT NOT NULL,
    account_enabled  BOOLEAN NOT NULL,
    data             TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, app_id)
);

CREATE TABLE app_role_assignments (
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    id              TEXT NOT NULL,
    app_role_id     TEXT NOT NULL,
    principal_id    TEXT NOT NULL,
    principal_kind  TEXT NOT NULL,
    resource_id     TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, principal_id, resource_id, app_role_id),
    FOREIGN KEY (tenant_id, resource_id) REFERENCES service_principals(tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX app_role_assignments_resource ON app_role_assignments(tenant_id, resource_id);

CREATE TABLE oauth2_permission_grants (
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    id            TEXT NOT NULL,
    client_id     TEXT NOT NULL,
    consent_type  TEXT NOT NULL,
    principal_id  TEXT,
    resource_id   TEXT NOT NULL,
    scope         TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, client_id) REFERENCES service_principals(tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, resource_id) REFERENCES service_principals(tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX oauth2_permission_grants_client ON oauth2_permission_grants(tenant_id, client_id);

CREATE TABLE directory_role_assignments (
    tenant_id           TEXT NOT NULL REFERENCES tenants(id),
    id                  TEXT NOT NULL,
    role_definition_id  TEXT NOT NULL,
    principal_id        TEXT NOT NULL,
    directory_scope_id  TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, principal_id, role_definition_id, directory_scope_id)
);

CREATE TABLE signing_keys (
    tenant_id           TEXT NOT NULL REFERENCES tenants(id),
    kid                 TEXT NOT NULL,
    alg                 TEXT NOT NULL,
    sealed_private_key  BLOB NOT NULL,
    public_jwk          TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    active_from         BIGINT NOT NULL,
    retired_at          BIGINT,
    PRIMARY KEY (tenant_id, kid)
);

CREATE TABLE change_log (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id    TEXT NOT NULL,
    object_kind  TEXT NOT NULL,
    object_id    TEXT NOT NULL,
    change_type  TEXT NOT NULL,
    changed_at   BIGINT NOT NULL,
    detail       TEXT NOT NULL
);
CREATE INDEX change_log_tenant_seq ON change_log(tenant_id, seq);
