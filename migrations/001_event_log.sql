-- The log: every fact of jaminan, append-only.
--
-- events holds what was appended, in insertion order (seq). Insertion order is
-- not commit order: concurrent transactions commit out of order. The global
-- order readers follow is log_positions, assigned by the sealer only to events
-- whose transaction is older than every transaction still running
-- (transaction_id < pg_snapshot_xmin), in the order (transaction_id, seq). A
-- transaction that commits late therefore never gets a position below one a
-- reader has already passed.
CREATE TABLE events (
    seq            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
    event_id       uuid NOT NULL CONSTRAINT events_event_id_key UNIQUE,
    stream_id      text NOT NULL,
    version        bigint NOT NULL CHECK (version >= 1),
    type           text NOT NULL,
    schema_version int NOT NULL CHECK (schema_version >= 1),
    occurred_at    timestamptz NOT NULL,
    recorded_at    timestamptz NOT NULL,
    -- json, not jsonb: the exact bytes that were hashed are kept.
    data           json NOT NULL,
    metadata       json NOT NULL,
    previous_hash  bytea NOT NULL CHECK (length(previous_hash) = 32),
    hash           bytea NOT NULL CHECK (length(hash) = 32),
    CONSTRAINT events_stream_version_key UNIQUE (stream_id, version)
);

-- The sealer's cursor: it resumes after the last sealed (transaction_id, seq),
-- so each seal reads only the unsealed tail, however long the log. Not a
-- partial index: "unsealed" lives in log_positions and events rows never
-- change, so no predicate could drop a row once it is sealed; the cursor
-- makes every seal a short range scan at the index's end instead.
CREATE INDEX events_transaction_seq ON events (transaction_id, seq);

-- The head of each stream, locked FOR UPDATE by every append: the expected
-- version and the previous hash are read under that lock, so appends to one
-- stream are serialised and appends to different streams stay concurrent.
-- (Appends first queue on a per-stream advisory lock, which, unlike a row
-- lock wait, gives them no transaction id while they wait.)
-- last_transaction_id is the transaction that wrote the head; an append only
-- commits when its own transaction id is greater, so a stream's versions are
-- always in transaction-id order and hence in global order.
-- This table is a cache of the events' heads, checked by verify; it is
-- updated, unlike the log.
CREATE TABLE streams (
    stream_id           text PRIMARY KEY,
    version             bigint NOT NULL CHECK (version >= 0),
    last_hash           bytea NOT NULL CHECK (length(last_hash) = 32),
    last_transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id()
);

-- The global order: gap-free positions from 1, each sealing one event with a
-- hash chained over the previous position's.
CREATE TABLE log_positions (
    position    bigint PRIMARY KEY CHECK (position >= 1),
    seq         bigint NOT NULL CONSTRAINT log_positions_seq_key UNIQUE REFERENCES events (seq),
    global_hash bytea NOT NULL CHECK (length(global_hash) = 32)
);

-- Append-only, enforced by the database as well as by the code.
CREATE FUNCTION log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the log is append-only: % on % is refused; a correction is a new event that reverses or amends the earlier one', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION log_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION log_append_only();
CREATE TRIGGER log_positions_append_only BEFORE UPDATE OR DELETE ON log_positions
    FOR EACH ROW EXECUTE FUNCTION log_append_only();
CREATE TRIGGER log_positions_no_truncate BEFORE TRUNCATE ON log_positions
    FOR EACH STATEMENT EXECUTE FUNCTION log_append_only();

---- create above / drop below ----

DROP TABLE log_positions;
DROP TABLE streams;
DROP TABLE events;
DROP FUNCTION log_append_only();
