-- Bearer tokens for the HTTP API. Only a SHA-256 of each token's secret is
-- kept; the token itself is shown once, when it is created.
CREATE TABLE api_tokens (
    token_id     text PRIMARY KEY,             -- the public part of the token, e.g. 3f9c0a1b2d4e5f60
    name         text NOT NULL UNIQUE,         -- who holds it; lands in every event it appends (actor)
    role         text NOT NULL CHECK (role IN ('operator', 'finance', 'auditor', 'dashboard', 'admin')),
    secret_hash  bytea NOT NULL,               -- SHA-256 of the secret part
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);

---- create above / drop below ----

DROP TABLE api_tokens;
