-- Identifier URIs unique per tenant (postgres).
-- Keep in step with the other backend's 0006_identifier_uris.sql.

-- One row per (tenant, normalised identifier URI): the application that
-- holds it. `uri_key` is the URI with ASCII letters lower-cased and trailing
-- slashes removed (tessera_store::identifier_uri_key); the primary key makes
-- a second holder — also a concurrent one — fail its write.
CREATE TABLE application_identifier_uris (
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    uri_key         TEXT NOT NULL,
    application_id  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, uri_key)
);
CREATE INDEX application_identifier_uris_app ON application_identifier_uris(tenant_id, application_id);

-- Existing registrations: a URI that several applications of a tenant list
-- (accepted before this version) goes to the oldest of them (then the lowest
-- id); the others keep it in their document until their next write, which
-- must drop it. Never fails on duplicates. translate() folds ASCII letters
-- only, as SQLite's lower() and the Rust key do (lower() here would also
-- fold non-ASCII letters, per locale).
INSERT INTO application_identifier_uris (tenant_id, uri_key, application_id)
SELECT tenant_id, uri_key, id FROM (
    SELECT a.tenant_id AS tenant_id,
           rtrim(translate(u.value, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), '/') AS uri_key,
           a.id AS id,
           ROW_NUMBER() OVER (
               PARTITION BY a.tenant_id,
                   rtrim(translate(u.value, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), '/')
               ORDER BY a.created_at, a.id
           ) AS n
    FROM applications a
    CROSS JOIN LATERAL jsonb_array_elements(
        CASE WHEN jsonb_typeof(a.settings::jsonb -> 'identifierUris') = 'array'
             THEN a.settings::jsonb -> 'identifierUris'
             ELSE '[]'::jsonb END
    ) AS e(item)
    CROSS JOIN LATERAL (SELECT e.item #>> '{}' AS value) AS u
    WHERE jsonb_typeof(e.item) = 'string'
) AS k WHERE n = 1;
