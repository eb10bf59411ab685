-- Client assertions already used (private_key_jwt), shared by every node (postgres).
-- Keep in step with the other backend's 0007_assertion_replay.sql.

-- One row per (client's home tenant, client, SHA-256 of the assertion's
-- jti): the primary key makes a second use — also a concurrent one on
-- another node — insert nothing, and the assertion is refused. Kept until
-- a day after the assertion expired (the maintenance job's purge).
CREATE TABLE used_assertions (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    client_id   TEXT NOT NULL,
    jti_digest  BYTEA NOT NULL,
    expires_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, client_id, jti_digest)
);
CREATE INDEX used_assertions_expiry ON used_assertions(expires_at);
