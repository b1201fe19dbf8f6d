-- Snapshots of large aggregates (app, docs/loading.md): one row per stream,
-- the state its evolve code folded from the stream's events up to
-- stream_version. Outside the log and its hash chains: nothing here is
-- evidence, every row is derived from the log and may be deleted at any
-- time (the next load replays the stream and takes a new one). A row is
-- trusted only while its code_version is the running evolve code's and the
-- stream's event at stream_version still has event_hash; otherwise it is
-- ignored and replaced. `jaminan verify` replays every stream up to its row
-- and compares.
CREATE TABLE snapshots (
    stream_id      text PRIMARY KEY,
    stream_version bigint NOT NULL CHECK (stream_version >= 1),
    event_hash     bytea NOT NULL CHECK (length(event_hash) = 32),
    code_version   integer NOT NULL,
    state          bytea NOT NULL,
    taken_at       timestamptz NOT NULL DEFAULT now()
);

---- create above / drop below ----

DROP TABLE snapshots;
