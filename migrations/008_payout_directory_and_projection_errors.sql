-- The payout directory is written by the command path (not a projection),
-- like the NIK directory: a payout id names one payout of one claim across
-- the whole ledger, because rm_payouts is keyed on the payout id alone. A
-- RecordPayout reserves its id for its claim before appending; a payout id
-- reserved for another claim is refused (docs/events.md, "Bounds").
CREATE TABLE payout_directory (
    payout_id   text PRIMARY KEY,
    claim_id    text NOT NULL,
    reserved_at timestamptz NOT NULL DEFAULT now()
);

-- The payouts recorded before this migration, from the log: the first claim
-- to record an id keeps it.
INSERT INTO payout_directory (payout_id, claim_id)
SELECT DISTINCT ON (data::jsonb ->> 'payout_id') data::jsonb ->> 'payout_id', substr(stream_id, length('claim-') + 1)
FROM events
WHERE type = 'PayoutRecorded' AND stream_id LIKE 'claim-%' AND data::jsonb ->> 'payout_id' IS NOT NULL
ORDER BY data::jsonb ->> 'payout_id', seq
ON CONFLICT (payout_id) DO NOTHING;

-- The error a projection stopped on, recorded by the runner where it hits it
-- (outside the failed transaction) and cleared when the projection moves
-- past it: error_position is the global position of the event it could not
-- apply. jaminan status, GET /api/v1/status and jaminan verify report it.
ALTER TABLE projection_checkpoints
    ADD COLUMN error          text,
    ADD COLUMN error_position bigint,
    ADD COLUMN failed_at      timestamptz;

---- create above / drop below ----

ALTER TABLE projection_checkpoints
    DROP COLUMN failed_at,
    DROP COLUMN error_position,
    DROP COLUMN error;
DROP TABLE payout_directory;
