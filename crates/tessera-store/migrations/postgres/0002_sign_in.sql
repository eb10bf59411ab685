-- Sign-in state (postgres): SSO sessions, authorization codes, refresh tokens and
-- failed-sign-in throttling. Secrets are stored only as SHA-256 digests.
-- Keep in step with the other backend's 0002_sign_in.sql.

CREATE TABLE sso_sessions (
    tenant_id      TEXT NOT NULL REFERENCES tenants(id),
    id             TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    secret_digest  BYTEA NOT NULL,
    auth_time      BIGINT NOT NULL,
    amr            TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    ended_at       BIGINT,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX sso_sessions_user ON sso_sessions(tenant_id, user_id);

CREATE TABLE authorization_codes (
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    digest          BYTEA NOT NULL,
    id              TEXT NOT NULL,
    client_id       TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    session_id      TEXT,
    redirect_uri    TEXT NOT NULL,
    scope           TEXT NOT NULL,
    nonce           TEXT,
    code_challenge  TEXT,
    auth_time       BIGINT NOT NULL,
    amr             TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    consumed_at     BIGINT,
    PRIMARY KEY (tenant_id, digest),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX authorization_codes_expiry ON authorization_codes(expires_at);

CREATE TABLE refresh_tokens (
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    digest       BYTEA NOT NULL,
    family_id    TEXT NOT NULL,
    client_id    TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    session_id   TEXT,
    public_client BOOLEAN NOT NULL,
    scope        TEXT NOT NULL,
    auth_time    BIGINT NOT NULL,
    amr          TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT,
    revoked_at   BIGINT,
    PRIMARY KEY (tenant_id, digest),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(tenant_id, family_id);
CREATE INDEX refresh_tokens_session ON refresh_tokens(tenant_id, session_id);
CREATE INDEX refresh_tokens_expiry ON refresh_tokens(expires_at);

CREATE TABLE sign_in_throttle (
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    account_key   TEXT NOT NULL,
    failures      BIGINT NOT NULL,
    locked_until  BIGINT,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, account_key)
);
