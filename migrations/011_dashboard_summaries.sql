-- Summary tables under the dash views. The views of 003 aggregated the
-- read models (millions of contribution lines and journal entries) on every
-- call; these tables hold the aggregates, kept by the projection that owns
-- the rows they sum, by increments in the same transaction as its checkpoint
-- (projections/*.go), so a view reads a few rows whatever the size of the log.
-- Like every read-model table they are emptied and re-derived by `jaminan
-- rebuild` and compared by `jaminan verify`. A group whose figures all fall
-- to zero is deleted, so every table equals the GROUP BY of its source rows
-- below, row for row: the backfill is that GROUP BY.
--
-- Owners: Participants sum_coverage; Contributions sum_contributions,
-- sum_collections, sum_arrears; Claims sum_claims, sum_payouts; Journal
-- sum_account_balances, sum_trial_balance.

-- Participants: active coverage by place, category and programme
-- (active: status 'active' and the coverage not ended).
CREATE TABLE sum_coverage (
    kecamatan           text NOT NULL,
    desa                text NOT NULL,
    category            text NOT NULL,
    programme           text NOT NULL,
    active_participants bigint NOT NULL,
    PRIMARY KEY (kecamatan, desa, category, programme)
);

-- Contributions: contribution lines billed and paid in full, per programme.
CREATE TABLE sum_contributions (
    programme text PRIMARY KEY,
    assessed  numeric(20,2) NOT NULL,        -- Σ rm_contributions.total
    paid      numeric(20,2) NOT NULL         -- Σ rm_contributions.total of paid lines
);

-- Contributions: bills per contribution month.
CREATE TABLE sum_collections (
    period    text PRIMARY KEY,              -- YYYY-MM
    assessed  numeric(20,2) NOT NULL,        -- Σ rm_bills.total
    collected numeric(20,2) NOT NULL         -- Σ rm_bills.allocated
);

-- Contributions: bills not paid in full, per due date. Ageing depends on the
-- day it is asked, so it is bucketed when read (dash.arrears_summary).
CREATE TABLE sum_arrears (
    due_date    date PRIMARY KEY,
    outstanding numeric(20,2) NOT NULL,      -- Σ (total − allocated) of the bills due that day and not paid in full
    bills       bigint NOT NULL,             -- how many such bills
    payers      bigint NOT NULL              -- payers whose earliest such bill is due that day
);

-- Claims: claims per programme, month filed and status.
CREATE TABLE sum_claims (
    programme text NOT NULL,
    month     date NOT NULL,                 -- first day of the month filed
    status    text NOT NULL,
    claims    bigint NOT NULL,
    total     numeric(20,2) NOT NULL,        -- Σ total approved (0 when not approved)
    paid_out  numeric(20,2) NOT NULL,
    PRIMARY KEY (programme, month, status)
);

-- Claims: payouts per programme and month paid, reversed ones apart.
CREATE TABLE sum_payouts (
    programme        text NOT NULL,
    month            date NOT NULL,          -- first day of the month paid
    payouts          bigint NOT NULL,
    amount           numeric(20,2) NOT NULL,
    reversed_payouts bigint NOT NULL,
    reversed_amount  numeric(20,2) NOT NULL,
    PRIMARY KEY (programme, month)
);

-- Journal: every account's debits and credits, and the control account it
-- rolls up into: a payer's or a member's own account (contributions_receivable,
-- payer_credit, penalty_receivable, jht_liability, qualified by the id) rolls
-- up into its kind; every other account is its own control. This is the
-- ledger by member that GET /api/v1/trial-balance pages.
CREATE TABLE sum_account_balances (
    account text PRIMARY KEY,
    control text NOT NULL,
    debit   numeric(20,2) NOT NULL,
    credit  numeric(20,2) NOT NULL,
    balance numeric(20,2) GENERATED ALWAYS AS (debit - credit) STORED
);
CREATE INDEX sum_account_balances_control ON sum_account_balances (control, account);

-- Journal: the trial balance by control account; its balances sum to zero.
CREATE TABLE sum_trial_balance (
    account text PRIMARY KEY,                -- a control account
    debit   numeric(20,2) NOT NULL,
    credit  numeric(20,2) NOT NULL
);

-- The backfill: an existing database's read models summed, so its dashboards
-- stay right without a rebuild. Each statement is the definition its table
-- is kept to.
INSERT INTO sum_coverage (kecamatan, desa, category, programme, active_participants)
SELECT p.kecamatan, p.desa, p.category, c.programme, count(*)
FROM rm_participants p JOIN rm_coverage c USING (participant_id)
WHERE p.status = 'active' AND c.covered_until IS NULL
GROUP BY p.kecamatan, p.desa, p.category, c.programme;

INSERT INTO sum_contributions (programme, assessed, paid)
SELECT programme, sum(total), coalesce(sum(total) FILTER (WHERE paid), 0)
FROM rm_contributions GROUP BY programme;

INSERT INTO sum_collections (period, assessed, collected)
SELECT period, sum(total), sum(allocated) FROM rm_bills GROUP BY period;

INSERT INTO sum_arrears (due_date, outstanding, bills, payers)
SELECT due_date, sum(total - allocated), count(*), count(DISTINCT payer_id) FILTER (WHERE first)
FROM (SELECT payer_id, due_date, total, allocated, due_date = min(due_date) OVER (PARTITION BY payer_id) AS first
      FROM rm_bills WHERE total > allocated) unpaid
GROUP BY due_date;

INSERT INTO sum_claims (programme, month, status, claims, total, paid_out)
SELECT programme, date_trunc('month', filed_on)::date, status, count(*), coalesce(sum(total), 0), sum(paid_out)
FROM rm_claims GROUP BY programme, date_trunc('month', filed_on), status;

INSERT INTO sum_payouts (programme, month, payouts, amount, reversed_payouts, reversed_amount)
SELECT programme, date_trunc('month', paid_on)::date,
       count(*) FILTER (WHERE status <> 'reversed'), coalesce(sum(amount) FILTER (WHERE status <> 'reversed'), 0),
       count(*) FILTER (WHERE status = 'reversed'), coalesce(sum(amount) FILTER (WHERE status = 'reversed'), 0)
FROM rm_payouts GROUP BY programme, date_trunc('month', paid_on);

-- The sub-ledger kinds are those of projections/postings.go (subLedgerKinds).
INSERT INTO sum_account_balances (account, control, debit, credit)
SELECT account,
       CASE WHEN account LIKE '%:%' AND split_part(account, ':', 1) IN ('contributions_receivable', 'payer_credit', 'penalty_receivable', 'jht_liability')
            THEN split_part(account, ':', 1) ELSE account END,
       sum(debit), sum(credit)
FROM journal_entries GROUP BY account;

INSERT INTO sum_trial_balance (account, debit, credit)
SELECT control, sum(debit), sum(credit) FROM sum_account_balances GROUP BY control;

-- The views keep their names, columns and types (the casts keep numeric
-- unconstrained, as the aggregates of 003 were), and read the summaries.
CREATE OR REPLACE VIEW dash.coverage_by_area AS
SELECT kecamatan, desa, category, programme, active_participants FROM public.sum_coverage;

-- The views with a row per payer read rm_bills, a row per payer and month,
-- through indexes: dash.arrears_ageing (WHERE outstanding > 0) only the bills
-- not paid in full, whose share the planner knows from the statistics of
-- outstanding (it could not for 003's total > allocated, and read them all);
-- dash.collections_by_month in its order, a page at a time.
DROP INDEX rm_bills_due;
CREATE INDEX rm_bills_due ON rm_bills (due_date) WHERE outstanding > 0;
CREATE INDEX rm_bills_period ON rm_bills (period, payer_id);

CREATE OR REPLACE VIEW dash.claims_by_programme AS
SELECT programme, month, status, claims AS count, total::numeric AS total, paid_out::numeric AS paid_out
FROM public.sum_claims;

CREATE OR REPLACE VIEW dash.payouts_by_programme AS
SELECT programme, month, payouts AS count, amount::numeric AS amount, reversed_payouts AS reversed_count,
       reversed_amount::numeric AS reversed_amount
FROM public.sum_payouts;

CREATE OR REPLACE VIEW dash.fund_totals AS
WITH approved AS (
    SELECT programme, sum(total) AS approved FROM public.sum_claims GROUP BY programme
), disbursed AS (
    SELECT programme, sum(amount) AS paid FROM public.sum_payouts GROUP BY programme
), programmes AS (
    SELECT programme FROM public.sum_contributions UNION SELECT programme FROM approved UNION SELECT programme FROM disbursed
)
SELECT g.programme,
       coalesce(c.assessed, 0)::numeric AS contributions_assessed,
       coalesce(c.paid, 0)::numeric AS contributions,
       coalesce(a.approved, 0)::numeric AS benefits_approved,
       coalesce(d.paid, 0)::numeric AS benefits_paid,
       (coalesce(c.paid, 0) - coalesce(d.paid, 0))::numeric AS net
FROM programmes g
LEFT JOIN public.sum_contributions c USING (programme)
LEFT JOIN approved a USING (programme)
LEFT JOIN disbursed d USING (programme);

-- Scholarships: the tranches summed per claim first, then each claim's member
-- looked up by primary key (subqueries per claim: never a join over every participant).
CREATE OR REPLACE VIEW dash.scholarship_commitments AS
WITH tranches AS (
    SELECT claim_id, participant_id,
           count(*) FILTER (WHERE status = 'scheduled')::bigint AS tranches_scheduled,
           min(school_year) FILTER (WHERE status = 'scheduled') AS next_school_year,
           coalesce(sum(amount) FILTER (WHERE status = 'paid'), 0) AS paid,
           coalesce(sum(amount) FILTER (WHERE status = 'scheduled'), 0) AS outstanding
    FROM public.rm_scholarship_commitments GROUP BY claim_id, participant_id
)
SELECT 'claim'::text AS scope, t.claim_id, t.participant_id,
       (SELECT m.kecamatan FROM public.rm_participants m WHERE m.participant_id = t.participant_id) AS kecamatan,
       (SELECT m.desa FROM public.rm_participants m WHERE m.participant_id = t.participant_id) AS desa,
       t.tranches_scheduled, t.next_school_year, t.paid, t.outstanding
FROM tranches t
UNION ALL
SELECT 'total', NULL, NULL, NULL, NULL, coalesce(sum(tranches_scheduled), 0)::bigint, min(next_school_year),
       coalesce(sum(paid), 0), coalesce(sum(outstanding), 0)
FROM tranches;

CREATE OR REPLACE VIEW dash.trial_balance AS
SELECT account, debit::numeric AS debit, credit::numeric AS credit, (debit - credit)::numeric AS balance
FROM public.sum_trial_balance;
COMMENT ON VIEW dash.trial_balance IS 'The journal''s trial balance by control account: a payer''s or a member''s own account rolls up into its kind (jht_liability, contributions_receivable …); the balances sum to zero. GET /api/v1/trial-balance?control= pages the accounts of one control.';
COMMENT ON COLUMN dash.trial_balance.account IS 'Control account, e.g. cash_at_bank, contributions_receivable, jht_liability, benefit_expense:<programme> (docs/dashboards.md lists them).';

-- The journal's own trial balance, by account (a member's too), now from the summary; control added.
CREATE OR REPLACE VIEW trial_balance AS
SELECT account, debit::numeric AS debit, credit::numeric AS credit, balance::numeric AS balance, control
FROM sum_account_balances;
COMMENT ON VIEW trial_balance IS 'Every journal account with its debits, credits and balance (debit − credit), and the control account it rolls up into; the balances sum to exactly zero.';

-- Two views for the page's figures, each a handful of rows whatever the size of the log.
CREATE VIEW dash.collections_by_period AS
SELECT period, assessed::numeric AS assessed, collected::numeric AS collected, (assessed - collected)::numeric AS outstanding
FROM public.sum_collections;
COMMENT ON VIEW dash.collections_by_period IS 'Contributions assessed, collected and outstanding per month, every payer together (dash.collections_by_month summed by period).';
COMMENT ON COLUMN dash.collections_by_period.period IS 'The contribution month, YYYY-MM.';
COMMENT ON COLUMN dash.collections_by_period.assessed IS 'Rupiah billed for the month, supplements included.';
COMMENT ON COLUMN dash.collections_by_period.collected IS 'Rupiah of payments allocated to the month, less reversed allocations.';
COMMENT ON COLUMN dash.collections_by_period.outstanding IS 'assessed − collected.';

CREATE VIEW dash.arrears_summary AS
SELECT coalesce(sum(outstanding) FILTER (WHERE current_date - due_date <= 30), 0)::numeric AS days_0_30,
       coalesce(sum(outstanding) FILTER (WHERE current_date - due_date BETWEEN 31 AND 60), 0)::numeric AS days_31_60,
       coalesce(sum(outstanding) FILTER (WHERE current_date - due_date BETWEEN 61 AND 90), 0)::numeric AS days_61_90,
       coalesce(sum(outstanding) FILTER (WHERE current_date - due_date > 90), 0)::numeric AS days_over_90,
       coalesce(sum(outstanding), 0)::numeric AS total_overdue,
       coalesce(sum(bills), 0)::bigint AS bills_overdue,
       coalesce(sum(payers), 0)::bigint AS payers
FROM public.sum_arrears
WHERE due_date < current_date;
COMMENT ON VIEW dash.arrears_summary IS 'Unpaid contributions past their due date as of today, every payer together, in ageing buckets by days past due: dash.arrears_ageing summed, in one row.';
COMMENT ON COLUMN dash.arrears_summary.days_0_30 IS 'Rupiah outstanding on bills 1 to 30 days past due.';
COMMENT ON COLUMN dash.arrears_summary.days_31_60 IS 'Rupiah outstanding on bills 31 to 60 days past due.';
COMMENT ON COLUMN dash.arrears_summary.days_61_90 IS 'Rupiah outstanding on bills 61 to 90 days past due.';
COMMENT ON COLUMN dash.arrears_summary.days_over_90 IS 'Rupiah outstanding on bills more than 90 days past due.';
COMMENT ON COLUMN dash.arrears_summary.total_overdue IS 'Sum of the buckets.';
COMMENT ON COLUMN dash.arrears_summary.bills_overdue IS 'How many monthly bills are past due and not paid in full.';
COMMENT ON COLUMN dash.arrears_summary.payers IS 'How many payers have a bill past due and not paid in full.';

GRANT SELECT ON dash.collections_by_period, dash.arrears_summary TO jaminan_dashboard;

---- create above / drop below ----

DROP VIEW dash.arrears_summary;
DROP VIEW dash.collections_by_period;

CREATE OR REPLACE VIEW dash.coverage_by_area AS
SELECT p.kecamatan, p.desa, p.category, c.programme, count(*)::bigint AS active_participants
FROM public.rm_participants p
JOIN public.rm_coverage c USING (participant_id)
WHERE p.status = 'active' AND c.covered_until IS NULL
GROUP BY p.kecamatan, p.desa, p.category, c.programme;

DROP INDEX rm_bills_period;
DROP INDEX rm_bills_due;
CREATE INDEX rm_bills_due ON rm_bills (due_date) WHERE total > allocated;

CREATE OR REPLACE VIEW dash.claims_by_programme AS
SELECT c.programme, date_trunc('month', c.filed_on)::date AS month, c.status,
       count(*)::bigint AS count, coalesce(sum(c.total), 0) AS total, sum(c.paid_out) AS paid_out
FROM public.rm_claims c
GROUP BY c.programme, date_trunc('month', c.filed_on), c.status;

CREATE OR REPLACE VIEW dash.payouts_by_programme AS
SELECT o.programme, date_trunc('month', o.paid_on)::date AS month,
       count(*) FILTER (WHERE o.status <> 'reversed')::bigint AS count,
       coalesce(sum(o.amount) FILTER (WHERE o.status <> 'reversed'), 0) AS amount,
       count(*) FILTER (WHERE o.status = 'reversed')::bigint AS reversed_count,
       coalesce(sum(o.amount) FILTER (WHERE o.status = 'reversed'), 0) AS reversed_amount
FROM public.rm_payouts o
GROUP BY o.programme, date_trunc('month', o.paid_on);

CREATE OR REPLACE VIEW dash.fund_totals AS
WITH contributions AS (
    SELECT programme, sum(total) AS assessed, coalesce(sum(total) FILTER (WHERE paid), 0) AS paid
    FROM public.rm_contributions GROUP BY programme
), approved AS (
    SELECT programme, coalesce(sum(total), 0) AS approved FROM public.rm_claims GROUP BY programme
), disbursed AS (
    SELECT programme, sum(amount) AS paid FROM public.rm_payouts WHERE status <> 'reversed' GROUP BY programme
), programmes AS (
    SELECT programme FROM contributions UNION SELECT programme FROM approved UNION SELECT programme FROM disbursed
)
SELECT g.programme,
       coalesce(c.assessed, 0) AS contributions_assessed,
       coalesce(c.paid, 0) AS contributions,
       coalesce(a.approved, 0) AS benefits_approved,
       coalesce(d.paid, 0) AS benefits_paid,
       coalesce(c.paid, 0) - coalesce(d.paid, 0) AS net
FROM programmes g
LEFT JOIN contributions c USING (programme)
LEFT JOIN approved a USING (programme)
LEFT JOIN disbursed d USING (programme);

CREATE OR REPLACE VIEW dash.scholarship_commitments AS
SELECT CASE WHEN grouping(s.claim_id) = 1 THEN 'total' ELSE 'claim' END AS scope,
       s.claim_id, s.participant_id, p.kecamatan, p.desa,
       count(*) FILTER (WHERE s.status = 'scheduled')::bigint AS tranches_scheduled,
       min(s.school_year) FILTER (WHERE s.status = 'scheduled') AS next_school_year,
       coalesce(sum(s.amount) FILTER (WHERE s.status = 'paid'), 0) AS paid,
       coalesce(sum(s.amount) FILTER (WHERE s.status = 'scheduled'), 0) AS outstanding
FROM public.rm_scholarship_commitments s
LEFT JOIN public.rm_participants p USING (participant_id)
GROUP BY GROUPING SETS ((s.claim_id, s.participant_id, p.kecamatan, p.desa), ());

-- trial_balance loses its control column: both views are made again as 003 made them.
DROP VIEW dash.trial_balance;
DROP VIEW trial_balance;
CREATE VIEW trial_balance AS
SELECT account, sum(debit) AS debit, sum(credit) AS credit, sum(debit) - sum(credit) AS balance
FROM journal_entries
GROUP BY account;
COMMENT ON VIEW trial_balance IS 'Every journal account with its debits, credits and balance (debit − credit); the balances sum to exactly zero.';
CREATE VIEW dash.trial_balance AS
SELECT account, debit, credit, balance FROM public.trial_balance;
COMMENT ON VIEW dash.trial_balance IS 'The journal''s trial balance: every account''s debits, credits and balance; the balances sum to zero.';
COMMENT ON COLUMN dash.trial_balance.account IS 'Account name, e.g. cash_at_bank, contributions_receivable:<payer_id>, benefit_expense:<programme> (docs/dashboards.md lists them).';
COMMENT ON COLUMN dash.trial_balance.debit IS 'Sum of debits.';
COMMENT ON COLUMN dash.trial_balance.credit IS 'Sum of credits.';
COMMENT ON COLUMN dash.trial_balance.balance IS 'debit − credit: positive for assets and expenses, negative for liabilities and income.';
GRANT SELECT ON dash.trial_balance TO jaminan_dashboard;

DROP TABLE sum_trial_balance;
DROP TABLE sum_account_balances;
DROP TABLE sum_payouts;
DROP TABLE sum_claims;
DROP TABLE sum_arrears;
DROP TABLE sum_collections;
DROP TABLE sum_contributions;
DROP TABLE sum_coverage;
