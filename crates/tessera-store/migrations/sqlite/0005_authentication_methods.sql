-- Strong and passwordless authentication (sqlite).
-- Keep in step with the other backend's 0005_authentication_methods.sql.

-- A user's methods besides the password: TOTP, FIDO2 passkeys, Temporary
-- Access Passes. `secret` is the sealed TOTP seed or the TAP's keyed digest;
-- `counter` is TOTP's last accepted step or the passkey's signature counter.
CREATE TABLE auth_methods (
    tenant_id      TEXT NOT NULL REFERENCES tenants(id),
    id             TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    kind           TEXT NOT NULL,
    display_name   TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    last_used_at   BIGINT,
    secret         BLOB,
    credential_id  BLOB,
    details        TEXT NOT NULL,
    counter        BIGINT NOT NULL DEFAULT 0,
    used_at        BIGINT,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX auth_methods_user ON auth_methods(tenant_id, user_id);
-- At most one Temporary Access Pass per user (as Entra): two concurrent
-- issues cannot both succeed.
CREATE UNIQUE INDEX auth_methods_one_tap ON auth_methods(tenant_id, user_id) WHERE kind = 'temporaryAccessPass';
-- A passkey is registered once, in one tenant: a passwordless sign-in at
-- `/organizations` finds the tenant by the credential id (as a verified
-- domain name routes a user name). Credential ids are chosen by the
-- authenticator at registration, so nobody can take another's in advance.
CREATE UNIQUE INDEX auth_methods_credential ON auth_methods(credential_id);

-- WebAuthn challenges already answered: the challenge travels sealed in the
-- page (nothing is stored before sign-in); its digest is recorded on use so
-- that an assertion is accepted once.
CREATE TABLE used_challenges (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    digest      BLOB NOT NULL,
    expires_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, digest)
);
CREATE INDEX used_challenges_expiry ON used_challenges(expires_at);

-- The tenant's authentication policies (password policy, authentication
-- methods policy, security defaults): JSON documents by name.
CREATE TABLE tenant_policies (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    name        TEXT NOT NULL,
    value       TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

-- The sign-in log: every interactive attempt, with each method tried.
CREATE TABLE sign_in_log (
    tenant_id            TEXT NOT NULL REFERENCES tenants(id),
    id                   TEXT NOT NULL,
    created_at           BIGINT NOT NULL,
    user_id              TEXT,
    user_principal_name  TEXT NOT NULL,
    app_id               TEXT,
    app_display_name     TEXT NOT NULL,
    ip_address           TEXT NOT NULL,
    error_code           BIGINT NOT NULL,
    failure_reason       TEXT NOT NULL,
    requirement          TEXT NOT NULL,
    steps                TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX sign_in_log_time ON sign_in_log(tenant_id, created_at, id);
CREATE INDEX sign_in_log_user ON sign_in_log(tenant_id, user_id, created_at);
