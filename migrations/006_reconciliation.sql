-- Bank reconciliation read models, owned by projections/reconciliation.go and
-- derived from the statement-<id> streams (docs/reconciliation.md). Rows carry
-- only what the events say (no clock, no sequence), so a rebuild or a verify
-- derives them bit for bit.

-- Read model: one row per bank statement reconciled, with its totals.
CREATE TABLE rm_statements (
    statement_id      text PRIMARY KEY,
    account           text NOT NULL,
    period_from       date NOT NULL,
    period_to         date NOT NULL,
    window_days       integer NOT NULL,
    line_count        integer NOT NULL,
    status            text NOT NULL,             -- imported, reconciled
    imported_on       date NOT NULL,
    reconciled_on     date,
    bank_total        numeric(18,2) NOT NULL,
    ledger_total      numeric(18,2),
    matched_total     numeric(18,2),
    differences_total numeric(18,2),             -- Σ (bank − ledger) over lines whose amount differs
    bank_only_total   numeric(18,2),
    ledger_only_total numeric(18,2),
    matched           integer,
    amount_differs    integer,
    bank_only         integer,
    ledger_only       integer,
    position          bigint NOT NULL
);

-- Read model: every outcome of a statement, one row per event in stream
-- order: a line matched, differing or bank-only (line_no set), or a ledger
-- item no line matched (line_no NULL).
CREATE TABLE rm_statement_lines (
    statement_id         text NOT NULL,
    entry_no             integer NOT NULL,       -- the outcome event's version in the statement stream
    line_no              integer,                -- the line in the bank's file; NULL for ledger_only
    outcome              text NOT NULL,          -- matched, amount_differs, bank_only, ledger_only
    rule                 text,                   -- reference_and_amount, amount_and_date, reference
    line_date            date,
    reference            text,
    bank_amount          numeric(18,2),          -- signed: + money in, − money out
    counterparty_account text,
    description          text,
    item_kind            text,                   -- receipt, payout
    item_id              text,                   -- payment_id or payout_id
    item_event_id        text,
    item_date            date,
    ledger_amount        numeric(18,2),          -- signed like bank_amount
    bank_reference       text,
    difference           numeric(18,2),          -- bank − ledger, for amount_differs
    position             bigint NOT NULL,
    PRIMARY KEY (statement_id, entry_no)
);
CREATE INDEX rm_statement_lines_outcome ON rm_statement_lines (outcome);

-- Read model: ledger items a statement line has met (matched or amount
-- differs): a reconciliation never matches them again.
CREATE TABLE rm_reconciled_items (
    event_id     text PRIMARY KEY,               -- the PaymentReceived or PayoutRecorded event
    item_kind    text NOT NULL,
    item_id      text NOT NULL,
    statement_id text NOT NULL,
    line_no      integer NOT NULL,
    outcome      text NOT NULL,                  -- matched, amount_differs
    position     bigint NOT NULL
);

CREATE VIEW dash.reconciliation AS
SELECT s.statement_id, s.account, s.period_from, s.period_to, s.status, s.reconciled_on, s.line_count,
       s.matched, s.amount_differs, s.bank_only, s.ledger_only,
       s.bank_total, s.ledger_total, s.matched_total, s.differences_total, s.bank_only_total, s.ledger_only_total,
       s.ledger_total = s.bank_total - s.bank_only_total + s.ledger_only_total - s.differences_total AS ties
FROM public.rm_statements s;
COMMENT ON VIEW dash.reconciliation IS 'Bank statements reconciled against the ledger: outcomes and totals per statement; ties is the identity ledger_total = bank_total − bank_only_total + ledger_only_total − differences_total.';
COMMENT ON COLUMN dash.reconciliation.statement_id IS 'The statement''s id, chosen by finance staff (e.g. bpd-2026-11).';
COMMENT ON COLUMN dash.reconciliation.account IS 'The bank account the statement is of.';
COMMENT ON COLUMN dash.reconciliation.period_from IS 'First day of the statement.';
COMMENT ON COLUMN dash.reconciliation.period_to IS 'Last day of the statement.';
COMMENT ON COLUMN dash.reconciliation.status IS 'reconciled once every line and ledger item has its outcome.';
COMMENT ON COLUMN dash.reconciliation.reconciled_on IS 'The day it was reconciled.';
COMMENT ON COLUMN dash.reconciliation.line_count IS 'Lines on the statement.';
COMMENT ON COLUMN dash.reconciliation.matched IS 'Lines that match a receipt or payout to the sen.';
COMMENT ON COLUMN dash.reconciliation.amount_differs IS 'Lines whose reference names a receipt or payout of another amount.';
COMMENT ON COLUMN dash.reconciliation.bank_only IS 'Lines no ledger item explains.';
COMMENT ON COLUMN dash.reconciliation.ledger_only IS 'Receipts and payouts in the period that no line matched.';
COMMENT ON COLUMN dash.reconciliation.bank_total IS 'Sum of the statement''s lines, signed: + money in, − money out.';
COMMENT ON COLUMN dash.reconciliation.ledger_total IS 'Sum of the ledger items met: matched, differing and ledger-only.';
COMMENT ON COLUMN dash.reconciliation.matched_total IS 'Sum of the matched lines.';
COMMENT ON COLUMN dash.reconciliation.differences_total IS 'Sum of bank − ledger over the differing lines.';
COMMENT ON COLUMN dash.reconciliation.bank_only_total IS 'Sum of the bank-only lines.';
COMMENT ON COLUMN dash.reconciliation.ledger_only_total IS 'Sum of the ledger-only items.';
COMMENT ON COLUMN dash.reconciliation.ties IS 'True when the totals tie to the sen (always, unless the read model was altered).';
GRANT SELECT ON dash.reconciliation TO jaminan_dashboard;

---- create above / drop below ----

DROP VIEW dash.reconciliation;
DROP TABLE rm_reconciled_items;
DROP TABLE rm_statement_lines;
DROP TABLE rm_statements;
DELETE FROM projection_checkpoints WHERE projection = 'reconciliation';
