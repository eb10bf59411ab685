-- Device authorizations (RFC 8628), pushed authorization requests (RFC 9126)
-- and what RP-initiated logout needs (sqlite).
-- Keep in step with the other backend's 0003_device_codes.sql.

CREATE TABLE device_codes (
    tenant_id      TEXT NOT NULL REFERENCES tenants(id),
    id             TEXT NOT NULL,
    digest         BLOB NOT NULL,
    -- Unique across tenants: /devicelogin finds the record by it alone.
    user_code      TEXT NOT NULL UNIQUE,
    client_id      TEXT NOT NULL,
    scope          TEXT NOT NULL,
    user_tenant    TEXT,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    last_poll_at   BIGINT,
    -- pending, approved, denied, redeemed
    status         TEXT NOT NULL,
    approved_tenant TEXT,
    user_id        TEXT,
    session_id     TEXT,
    auth_time      BIGINT,
    amr            TEXT,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX device_codes_digest ON device_codes(tenant_id, digest);
CREATE INDEX device_codes_expiry ON device_codes(expires_at);

-- Which applications a session signed in to (front-channel logout).
CREATE INDEX authorization_codes_session ON authorization_codes(tenant_id, session_id);

-- Pushed authorization requests (RFC 9126): the request's parameters,
-- referenced by a request_uri (stored as its digest) until used or expired.
CREATE TABLE pushed_requests (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    digest      BLOB NOT NULL,
    client_id   TEXT NOT NULL,
    params      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT,
    PRIMARY KEY (tenant_id, digest)
);
CREATE INDEX pushed_requests_expiry ON pushed_requests(expires_at);

-- The maintenance job deletes expired sign-in state by these.
CREATE INDEX sso_sessions_expiry ON sso_sessions(expires_at);
CREATE INDEX sign_in_throttle_updated ON sign_in_throttle(updated_at);

-- Per-tenant settings of Tessera's own (not Graph properties).
-- token_signing_alg: RS256, ES256 or EdDSA; NULL = the server's default.
CREATE TABLE tenant_settings (
    tenant_id          TEXT PRIMARY KEY REFERENCES tenants(id),
    token_signing_alg  TEXT
);
