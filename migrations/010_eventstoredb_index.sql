-- The EventStoreDB store's count of $all (adapters/eventstore/eventstoredb,
-- docs/scaling.md). EventStoreDB's $all positions have gaps and mix in system
-- events and other applications' streams, so the store numbers the log's
-- events itself, in $all order. What it numbered is kept here, beside the read
-- models and their checkpoints: a process resumes the count at the last row
-- instead of reading all of $all, reads the log from any position by starting
-- at that row's place in $all, and finds an event by its id without holding
-- every id in memory. Every row is derived from $all and written by whichever
-- process counts first; the rows of a log may be deleted, and the next process
-- counts $all again from its start. Empty with the PostgreSQL store.

-- One row per log: the EventStoreDB namespace and the stream prefixes that
-- make up the log (eventstoredb.Config). Positions depend on both, so a store
-- configured with other prefixes for the same namespace is refused.
CREATE TABLE eventstoredb_logs (
    log_id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    namespace       text NOT NULL CONSTRAINT eventstoredb_logs_namespace_key UNIQUE,
    stream_prefixes text[] NOT NULL CHECK (cardinality(stream_prefixes) >= 1)
);

-- One row per counted event: its position, its place in $all (commit and
-- prepare position, byte offsets in EventStoreDB's transaction log), its id
-- and its global hash. Rows of a log run from position 1 without a gap.
CREATE TABLE eventstoredb_positions (
    log_id           integer NOT NULL REFERENCES eventstoredb_logs,
    position         bigint NOT NULL CHECK (position >= 1),
    commit_position  bigint NOT NULL CHECK (commit_position >= 0),
    prepare_position bigint NOT NULL CHECK (prepare_position >= 0),
    event_id         uuid NOT NULL,
    global_hash      bytea NOT NULL CHECK (length(global_hash) = 32),
    PRIMARY KEY (log_id, position)
);

-- Not unique: EventStoreDB lets two racing appends store one id in two
-- streams; the lower position is the event the port finds.
CREATE INDEX eventstoredb_positions_event_id ON eventstoredb_positions (log_id, event_id);

---- create above / drop below ----

DROP TABLE eventstoredb_positions;
DROP TABLE eventstoredb_logs;
