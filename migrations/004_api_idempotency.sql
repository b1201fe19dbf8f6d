-- Idempotency-Key on POST /api/v1/commands/{name}: the same key with the same
-- body returns the first response; with another body it is refused (409).
CREATE TABLE api_idempotency (
    idempotency_key text PRIMARY KEY,
    command         text NOT NULL,
    body_sha256     bytea NOT NULL,
    status          int NOT NULL,
    response        bytea NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

---- create above / drop below ----

DROP TABLE api_idempotency;
