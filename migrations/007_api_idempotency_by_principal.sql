-- Idempotency-Key, second form (adapters/httpapi/idempotency.go):
--   * keys belong to the caller: the primary key is (principal, key), the
--     principal being the token's id ('anonymous' with JAMINAN_AUTH=off), so
--     one holder's key is never replayed to, nor blocks, another;
--   * the key is reserved before the command runs: a row with no status is a
--     pending reservation that concurrent requests with the key wait on; the
--     final answer (status, the headers a client reads, body) is stored in it;
--     a transient answer (409 concurrent_update, 408, 429, 5xx) deletes it;
--   * the fingerprint covers method, path, query, If-Match, media type and body.
--
-- The rows of 004 are dropped, not converted: they have no principal and their
-- hash (command name and body) cannot be turned into the new fingerprint. A
-- retry that crosses the upgrade runs its command again, and appends nothing
-- the first run appended: commands carry caller-chosen ids (a repeated payment
-- id is recorded once; a statement id reconciled already is a 409).
DROP TABLE api_idempotency;

CREATE TABLE api_idempotency (
    principal       text NOT NULL,             -- token id, or 'anonymous'
    idempotency_key text NOT NULL,
    fingerprint     bytea NOT NULL,            -- SHA-256 of the request
    reservation     text NOT NULL,             -- random, per holder: only it may store or release the row
    reserved_at     timestamptz NOT NULL DEFAULT now(),
    status          int,                       -- NULL while the command runs
    headers         jsonb,                     -- Content-Type, ETag, Location of the answer
    response        bytea,
    PRIMARY KEY (principal, idempotency_key),
    CHECK ((status IS NULL) = (response IS NULL))
);

---- create above / drop below ----

DROP TABLE api_idempotency;

CREATE TABLE api_idempotency (
    idempotency_key text PRIMARY KEY,
    command         text NOT NULL,
    body_sha256     bytea NOT NULL,
    status          int NOT NULL,
    response        bytea NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
