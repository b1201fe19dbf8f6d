-- The log written at commit (docs/log.md). Every event row carries its
-- global position and global hash, given by the transaction that stores it,
-- while it holds the lock on the log_head row. PostgreSQL makes a commit
-- visible before it releases the transaction's locks, so the next writer
-- continues from a committed head: positions are gap-free, in commit order,
-- and a reader following them never skips a late commit. Nothing depends on
-- other transactions on the server, so the sealer, its safe point
-- (pg_snapshot_xmin), log_positions and the per-stream heads go.
--
-- A log written before this migration moves over unchanged: every placed
-- event keeps its position and global hash; events that were committed but
-- not yet placed follow, in the sealer's order (transaction_id, seq), chained
-- as eventstore.GlobalChainHash chains them (jaminan verify recomputes every
-- hash in Go afterwards).

LOCK TABLE events, log_positions, streams IN ACCESS EXCLUSIVE MODE;

CREATE TABLE events_009 (
    position       bigint NOT NULL CONSTRAINT events_position_check CHECK (position >= 1),
    event_id       uuid NOT NULL,
    stream_id      text NOT NULL,
    version        bigint NOT NULL CONSTRAINT events_version_check CHECK (version >= 1),
    type           text NOT NULL,
    schema_version int NOT NULL CONSTRAINT events_schema_version_check CHECK (schema_version >= 1),
    occurred_at    timestamptz NOT NULL,
    recorded_at    timestamptz NOT NULL,
    -- json, not jsonb: the exact bytes that were hashed are kept.
    data           json NOT NULL,
    metadata       json NOT NULL,
    previous_hash  bytea NOT NULL CONSTRAINT events_previous_hash_check CHECK (length(previous_hash) = 32),
    hash           bytea NOT NULL CONSTRAINT events_hash_check CHECK (length(hash) = 32),
    global_hash    bytea NOT NULL CONSTRAINT events_global_hash_check CHECK (length(global_hash) = 32)
);

-- In position order, so the table is laid out as readers follow it.
INSERT INTO events_009 (position, event_id, stream_id, version, type, schema_version, occurred_at, recorded_at,
        data, metadata, previous_hash, hash, global_hash)
    SELECT p.position, e.event_id, e.stream_id, e.version, e.type, e.schema_version, e.occurred_at, e.recorded_at,
        e.data, e.metadata, e.previous_hash, e.hash, p.global_hash
    FROM log_positions p JOIN events e ON e.seq = p.seq
    ORDER BY p.position;

DO $$
DECLARE
    head_position bigint;
    head_hash     bytea;
    pending       record;
BEGIN
    SELECT position, global_hash INTO head_position, head_hash FROM events_009 ORDER BY position DESC LIMIT 1;
    IF NOT FOUND THEN
        head_position := 0;
        head_hash := decode(repeat('00', 32), 'hex');
    END IF;
    FOR pending IN
        SELECT e.* FROM events e
        WHERE NOT EXISTS (SELECT 1 FROM log_positions p WHERE p.seq = e.seq)
        ORDER BY e.transaction_id, e.seq
    LOOP
        head_position := head_position + 1;
        head_hash := sha256(convert_to('jaminan-position-v1', 'UTF8') || head_hash || int8send(head_position) || pending.hash);
        INSERT INTO events_009 (position, event_id, stream_id, version, type, schema_version, occurred_at, recorded_at,
                data, metadata, previous_hash, hash, global_hash)
            VALUES (head_position, pending.event_id, pending.stream_id, pending.version, pending.type, pending.schema_version,
                pending.occurred_at, pending.recorded_at, pending.data, pending.metadata, pending.previous_hash, pending.hash, head_hash);
    END LOOP;
END;
$$;

DROP TABLE log_positions;
DROP TABLE streams;
DROP TABLE events;
ALTER TABLE events_009 RENAME TO events;
ALTER TABLE events
    ADD CONSTRAINT events_pkey PRIMARY KEY (position),
    ADD CONSTRAINT events_event_id_key UNIQUE (event_id),
    ADD CONSTRAINT events_stream_version_key UNIQUE (stream_id, version);

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION log_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION log_append_only();

-- The head of the log: its last position and global hash. One row, locked
-- FOR UPDATE by every write (the log lock), moved on in the same
-- transaction. jaminan verify checks that it names the last event, so a
-- removed tail of the log is caught. It only moves forward.
CREATE TABLE log_head (
    singleton   boolean PRIMARY KEY DEFAULT true CONSTRAINT log_head_singleton_check CHECK (singleton),
    position    bigint NOT NULL CONSTRAINT log_head_position_check CHECK (position >= 0),
    global_hash bytea NOT NULL CONSTRAINT log_head_global_hash_check CHECK (length(global_hash) = 32)
);

INSERT INTO log_head (position, global_hash)
    SELECT coalesce(max(position), 0),
        coalesce((SELECT global_hash FROM events ORDER BY position DESC LIMIT 1), decode(repeat('00', 32), 'hex'))
    FROM events;

CREATE FUNCTION log_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'UPDATE' OR NEW.position < OLD.position THEN
        RAISE EXCEPTION 'the log head only moves forward: % on % is refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER log_head_forward_only BEFORE UPDATE OR DELETE ON log_head
    FOR EACH ROW EXECUTE FUNCTION log_head_forward_only();
CREATE TRIGGER log_head_no_truncate BEFORE TRUNCATE ON log_head
    FOR EACH STATEMENT EXECUTE FUNCTION log_append_only();

---- create above / drop below ----

-- Back to the sealer's layout: seq = position, every event placed, and the
-- stream heads rebuilt from the last event of each stream.
LOCK TABLE events, log_head IN ACCESS EXCLUSIVE MODE;

CREATE TABLE events_008 (
    seq            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
    event_id       uuid NOT NULL,
    stream_id      text NOT NULL,
    version        bigint NOT NULL CHECK (version >= 1),
    type           text NOT NULL,
    schema_version int NOT NULL CHECK (schema_version >= 1),
    occurred_at    timestamptz NOT NULL,
    recorded_at    timestamptz NOT NULL,
    data           json NOT NULL,
    metadata       json NOT NULL,
    previous_hash  bytea NOT NULL CHECK (length(previous_hash) = 32),
    hash           bytea NOT NULL CHECK (length(hash) = 32)
);
INSERT INTO events_008 (seq, event_id, stream_id, version, type, schema_version, occurred_at, recorded_at, data, metadata, previous_hash, hash)
    OVERRIDING SYSTEM VALUE
    SELECT position, event_id, stream_id, version, type, schema_version, occurred_at, recorded_at, data, metadata, previous_hash, hash
    FROM events ORDER BY position;
SELECT setval(pg_get_serial_sequence('events_008', 'seq'), (SELECT max(position) FROM events)) WHERE EXISTS (SELECT 1 FROM events);

CREATE TABLE log_positions_008 (
    position    bigint PRIMARY KEY CHECK (position >= 1),
    seq         bigint NOT NULL,
    global_hash bytea NOT NULL CHECK (length(global_hash) = 32)
);
INSERT INTO log_positions_008 SELECT position, position, global_hash FROM events ORDER BY position;

CREATE TABLE streams_008 (
    stream_id           text PRIMARY KEY,
    version             bigint NOT NULL CHECK (version >= 0),
    last_hash           bytea NOT NULL CHECK (length(last_hash) = 32),
    last_transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id()
);
INSERT INTO streams_008 (stream_id, version, last_hash)
    SELECT DISTINCT ON (stream_id) stream_id, version, hash FROM events ORDER BY stream_id, version DESC;

DROP TABLE log_head;
DROP FUNCTION log_head_forward_only();
DROP TABLE events;
ALTER TABLE events_008 RENAME TO events;
ALTER TABLE events RENAME CONSTRAINT events_008_pkey TO events_pkey;
ALTER TABLE events ADD CONSTRAINT events_event_id_key UNIQUE (event_id),
    ADD CONSTRAINT events_stream_version_key UNIQUE (stream_id, version);
CREATE INDEX events_transaction_seq ON events (transaction_id, seq);
ALTER TABLE log_positions_008 RENAME TO log_positions;
ALTER TABLE log_positions RENAME CONSTRAINT log_positions_008_pkey TO log_positions_pkey;
ALTER TABLE log_positions ADD CONSTRAINT log_positions_seq_key UNIQUE (seq),
    ADD CONSTRAINT log_positions_seq_fkey FOREIGN KEY (seq) REFERENCES events (seq);
ALTER TABLE streams_008 RENAME TO streams;
ALTER TABLE streams RENAME CONSTRAINT streams_008_pkey TO streams_pkey;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION log_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION log_append_only();
CREATE TRIGGER log_positions_append_only BEFORE UPDATE OR DELETE ON log_positions
    FOR EACH ROW EXECUTE FUNCTION log_append_only();
CREATE TRIGGER log_positions_no_truncate BEFORE TRUNCATE ON log_positions
    FOR EACH STATEMENT EXECUTE FUNCTION log_append_only();
