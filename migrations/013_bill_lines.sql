-- A bill's lines, one row per participant (or construction project) and
-- bill, with that line's programmes side by side in arrays, instead of one
-- row per participant and programme. Two reasons, both of scale:
--   * a village's monthly bill wrote a row per worker and programme (three
--     or four per worker), two thirds of every row the read models held;
--   * a payment rewrote the paid flag of every line it covered. A line is
--     paid exactly when the bill's allocated total reaches its
--     covered_through (the domain's payer.State.LinePaid), so paid is now
--     derived from rm_bills at read time, and a payment moves one bill row.
-- rm_contributions stays, as a view with the same columns and types (the
-- API's `contributions` listing and any SQL reading it are unchanged);
-- its position is the event that billed the line (a payment moves the
-- bill's row, whose position it carries).
--
-- The backfill below keeps each line's stored position: for a line not paid
-- before this migration that is the event that billed it, for a line paid
-- before it the payment that last moved its paid flag, which nothing here
-- can turn back into the billing event (the log may not even be in this
-- database). `jaminan migrate` says so when it applies this migration over
-- paid lines: `jaminan rebuild contributions` (blue/green) re-derives them
-- once, and `jaminan verify` lists them until it has.
CREATE TABLE rm_bill_lines (
    payer_id        text NOT NULL,
    period          text NOT NULL,                 -- YYYY-MM
    participant_id  text NOT NULL,                 -- or the project's key (payer.ProjectKey)
    line_no         integer NOT NULL,              -- the line's place on the bill, from 1, in billed order
    covered_through numeric(18,2) NOT NULL,        -- the bill's running total up to and including this line
    segment         text NOT NULL,
    programmes      text[] NOT NULL,               -- in programme order; the arrays below follow it
    rates           text[] NOT NULL,
    employers       numeric(18,2)[] NOT NULL,
    workers         numeric(18,2)[] NOT NULL,
    totals          numeric(18,2)[] NOT NULL,
    due_date        date NOT NULL,
    position        bigint NOT NULL,
    PRIMARY KEY (payer_id, period, participant_id),
    CHECK (cardinality(programmes) >= 1 AND cardinality(rates) = cardinality(programmes)
        AND cardinality(employers) = cardinality(programmes) AND cardinality(workers) = cardinality(programmes)
        AND cardinality(totals) = cardinality(programmes))
);
CREATE INDEX rm_bill_lines_participant ON rm_bill_lines (participant_id);

INSERT INTO rm_bill_lines (payer_id, period, participant_id, line_no, covered_through, segment, programmes, rates,
    employers, workers, totals, due_date, position)
SELECT payer_id, period, participant_id, min(line_no), min(covered_through), min(segment),
    array_agg(programme ORDER BY programme COLLATE "C"), array_agg(rate ORDER BY programme COLLATE "C"),
    array_agg(employer ORDER BY programme COLLATE "C"), array_agg(worker ORDER BY programme COLLATE "C"),
    array_agg(total ORDER BY programme COLLATE "C"), min(due_date), min(position)
FROM rm_contributions
GROUP BY payer_id, period, participant_id;

DROP TABLE rm_contributions;

-- Each line looks its bill up by primary key (OFFSET 0 keeps the planner
-- from turning that into a merge join that reads rm_bills from its first
-- row): a page of lines costs its own rows, at any size. A reader paging in
-- key order adds (payer_id, period, participant_id) >= its cursor's, which
-- rm_bill_lines' primary key can seek (the API's listing does).
CREATE VIEW rm_contributions AS
SELECT l.payer_id, l.period, l.participant_id, c.programme, l.line_no, l.covered_through, l.segment, c.rate,
    c.employer::numeric(18,2) AS employer, c.worker::numeric(18,2) AS worker, c.total::numeric(18,2) AS total,
    l.covered_through <= b.allocated AS paid, l.due_date, l.position
FROM rm_bill_lines l
CROSS JOIN LATERAL (SELECT b.allocated FROM rm_bills b WHERE b.payer_id = l.payer_id AND b.period = l.period OFFSET 0) b
CROSS JOIN LATERAL unnest(l.programmes, l.rates, l.employers, l.workers, l.totals) AS c(programme, rate, employer, worker, total);

---- create above / drop below ----

CREATE TABLE rm_contributions_restored AS SELECT * FROM rm_contributions;
DROP VIEW rm_contributions;
DROP TABLE rm_bill_lines;
ALTER TABLE rm_contributions_restored RENAME TO rm_contributions;
ALTER TABLE rm_contributions
    ALTER COLUMN payer_id SET NOT NULL, ALTER COLUMN period SET NOT NULL, ALTER COLUMN participant_id SET NOT NULL,
    ALTER COLUMN programme SET NOT NULL, ALTER COLUMN line_no SET NOT NULL, ALTER COLUMN covered_through SET NOT NULL,
    ALTER COLUMN segment SET NOT NULL, ALTER COLUMN rate SET NOT NULL, ALTER COLUMN employer SET NOT NULL,
    ALTER COLUMN worker SET NOT NULL, ALTER COLUMN total SET NOT NULL, ALTER COLUMN paid SET NOT NULL,
    ALTER COLUMN paid SET DEFAULT false, ALTER COLUMN due_date SET NOT NULL, ALTER COLUMN position SET NOT NULL,
    ADD PRIMARY KEY (payer_id, period, participant_id, programme);
CREATE INDEX rm_contributions_participant ON rm_contributions (participant_id, programme);
