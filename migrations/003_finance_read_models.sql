-- Finance read models: bills and contribution lines, payments, JHT balances,
-- scholarship commitments, and a double-entry journal with its trial balance.
-- Every table is owned by one projection (projections/contributions.go,
-- scholarships.go, journal.go) and carries the global position of the last
-- event applied to the row. The dash schema below is the SQL contract that
-- dashboards and BI tools rely on (docs/dashboards.md).

-- Read model: one bill per payer and month; a supplement for newcomers adds lines to it.
CREATE TABLE rm_bills (
    payer_id    text NOT NULL,
    period      text NOT NULL,                -- YYYY-MM
    due_date    date NOT NULL,
    lines       integer NOT NULL,             -- participant lines billed so far
    total       numeric(18,2) NOT NULL,
    allocated   numeric(18,2) NOT NULL DEFAULT 0,
    outstanding numeric(18,2) GENERATED ALWAYS AS (total - allocated) STORED,
    closed      boolean NOT NULL DEFAULT false,
    position    bigint NOT NULL,
    PRIMARY KEY (payer_id, period)
);
CREATE INDEX rm_bills_due ON rm_bills (due_date) WHERE total > allocated;

-- Read model: one row per payer, month, participant and programme. A bill's
-- allocations fill its participant lines in the order billed, and a line is
-- paid only when wholly covered (payer.State.LinePaid): covered_through is the
-- bill's running total up to and including this participant's line, so the
-- line is paid exactly when the bill's allocated total reaches it.
CREATE TABLE rm_contributions (
    payer_id        text NOT NULL,
    period          text NOT NULL,            -- YYYY-MM
    participant_id  text NOT NULL,
    programme       text NOT NULL,            -- JKK, JKM, JHT, JKP
    line_no         integer NOT NULL,         -- the participant's place on the bill, from 1, in billed order
    covered_through numeric(18,2) NOT NULL,
    segment         text NOT NULL,
    rate            text NOT NULL,
    employer        numeric(18,2) NOT NULL,
    worker          numeric(18,2) NOT NULL,
    total           numeric(18,2) NOT NULL,
    paid            boolean NOT NULL DEFAULT false,
    due_date        date NOT NULL,
    position        bigint NOT NULL,
    PRIMARY KEY (payer_id, period, participant_id, programme)
);
CREATE INDEX rm_contributions_participant ON rm_contributions (participant_id, programme);

-- Read model: payments received, and whether they were reversed.
CREATE TABLE rm_payments (
    payment_id      text NOT NULL,
    payer_id        text NOT NULL,
    amount          numeric(18,2) NOT NULL,
    paid_on         date NOT NULL,
    bank_reference  text NOT NULL,
    period          text,                     -- the month named by the payer, if any
    allocated       numeric(18,2) NOT NULL,   -- the part that went to bills
    credit          numeric(18,2) NOT NULL,   -- the part held for the payer
    penalties       numeric(18,2) NOT NULL DEFAULT 0,
    status          text NOT NULL,            -- received, reversed
    reversed_on     date,
    reversal_reason text,
    position        bigint NOT NULL,
    PRIMARY KEY (payer_id, payment_id)
);

-- Read model: each participant's JHT account. Contributions are the paid JHT
-- lines, returns the JHTReturnCredited amounts, withdrawals the JHTDebited ones.
CREATE TABLE rm_jht_balances (
    participant_id text PRIMARY KEY,
    contributions  numeric(18,2) NOT NULL DEFAULT 0,
    returns        numeric(18,2) NOT NULL DEFAULT 0,
    withdrawals    numeric(18,2) NOT NULL DEFAULT 0,
    balance        numeric(18,2) GENERATED ALWAYS AS (contributions + returns - withdrawals) STORED,
    position       bigint NOT NULL
);

-- The scholarship projection's own index of scholarship claims (claim -> participant).
CREATE TABLE scholarship_claims (
    claim_id       text PRIMARY KEY,
    participant_id text NOT NULL,
    position       bigint NOT NULL
);

-- Read model: every tranche of every approved scholarship, one school year of one child.
CREATE TABLE rm_scholarship_commitments (
    claim_id       text NOT NULL,
    participant_id text NOT NULL,
    child          text NOT NULL,
    school_year    integer NOT NULL,          -- 2024 means 2024/2025
    tranche_no     integer NOT NULL,          -- order in the approval
    level          text NOT NULL,
    grade          integer NOT NULL,
    amount         numeric(18,2) NOT NULL,
    status         text NOT NULL,             -- scheduled, paid, skipped, ended
    payout_id      text,                      -- the payout that paid it
    position       bigint NOT NULL,
    PRIMARY KEY (claim_id, child, school_year)
);

-- The journal projection's own index of claims (claim -> participant, programme).
CREATE TABLE journal_claims (
    claim_id       text PRIMARY KEY,
    participant_id text NOT NULL,
    payer_id       text NOT NULL,
    programme      text NOT NULL,
    position       bigint NOT NULL
);

-- The double-entry journal: every money movement, as balanced entries per event.
CREATE TABLE journal_entries (
    position    bigint NOT NULL,              -- the event's global position
    entry_no    integer NOT NULL,             -- from 1 within the event
    event_type  text NOT NULL,
    occurred_on date NOT NULL,                -- the event's business date
    account     text NOT NULL,
    debit       numeric(18,2) NOT NULL DEFAULT 0,
    credit      numeric(18,2) NOT NULL DEFAULT 0,
    memo        text NOT NULL,
    PRIMARY KEY (position, entry_no),
    CONSTRAINT journal_entries_one_side CHECK (debit >= 0 AND credit >= 0 AND (debit > 0) <> (credit > 0))
);
CREATE INDEX journal_entries_account ON journal_entries (account);

CREATE VIEW trial_balance AS
SELECT account, sum(debit) AS debit, sum(credit) AS credit, sum(debit) - sum(credit) AS balance
FROM journal_entries
GROUP BY account;
COMMENT ON VIEW trial_balance IS 'Every journal account with its debits, credits and balance (debit − credit); the balances sum to exactly zero.';

-- The dash schema: stable, documented views for dashboards and BI tools.
-- Names and columns change only with a migration and a changelog note.
CREATE SCHEMA dash;
COMMENT ON SCHEMA dash IS 'jaminan dashboard contract: documented read-only views (docs/dashboards.md). Grant jaminan_dashboard to BI logins.';

CREATE VIEW dash.coverage_by_area AS
SELECT p.kecamatan, p.desa, p.category, c.programme, count(*)::bigint AS active_participants
FROM public.rm_participants p
JOIN public.rm_coverage c USING (participant_id)
WHERE p.status = 'active' AND c.covered_until IS NULL
GROUP BY p.kecamatan, p.desa, p.category, c.programme;
COMMENT ON VIEW dash.coverage_by_area IS 'How many village workers are protected: participants with an active membership, by kecamatan, desa, category and programme.';
COMMENT ON COLUMN dash.coverage_by_area.kecamatan IS 'Kecamatan (district) of the participant, as in the Tanah Bumbu reference list.';
COMMENT ON COLUMN dash.coverage_by_area.desa IS 'Desa or kelurahan of the participant.';
COMMENT ON COLUMN dash.coverage_by_area.category IS 'Worker category: perangkat_desa, bpd, rt_rw, kader, pkk, bumdes, koperasi, konstruksi, pekerja_rentan …';
COMMENT ON COLUMN dash.coverage_by_area.programme IS 'Programme enrolled: JKK, JKM or JHT.';
COMMENT ON COLUMN dash.coverage_by_area.active_participants IS 'Participants enrolled in the programme whose membership has not ended.';

CREATE VIEW dash.collections_by_month AS
SELECT b.period, b.payer_id, b.total AS assessed, b.allocated AS collected, b.outstanding, b.due_date, b.closed
FROM public.rm_bills b;
COMMENT ON VIEW dash.collections_by_month IS 'Contributions assessed, collected (payments allocated, net of reversals) and outstanding, per month and payer.';
COMMENT ON COLUMN dash.collections_by_month.period IS 'The contribution month, YYYY-MM.';
COMMENT ON COLUMN dash.collections_by_month.payer_id IS 'The payer (village government, regency, BUMDes …).';
COMMENT ON COLUMN dash.collections_by_month.assessed IS 'Rupiah billed for the month, supplements included.';
COMMENT ON COLUMN dash.collections_by_month.collected IS 'Rupiah of payments allocated to the month, less reversed allocations.';
COMMENT ON COLUMN dash.collections_by_month.outstanding IS 'assessed − collected.';
COMMENT ON COLUMN dash.collections_by_month.due_date IS 'The day the month''s contributions are due.';
COMMENT ON COLUMN dash.collections_by_month.closed IS 'The month is closed: corrections post into an open month.';

CREATE VIEW dash.arrears_ageing AS
SELECT b.payer_id,
       coalesce(sum(b.outstanding) FILTER (WHERE current_date - b.due_date <= 30), 0) AS days_0_30,
       coalesce(sum(b.outstanding) FILTER (WHERE current_date - b.due_date BETWEEN 31 AND 60), 0) AS days_31_60,
       coalesce(sum(b.outstanding) FILTER (WHERE current_date - b.due_date BETWEEN 61 AND 90), 0) AS days_61_90,
       coalesce(sum(b.outstanding) FILTER (WHERE current_date - b.due_date > 90), 0) AS days_over_90,
       sum(b.outstanding) AS total_overdue,
       count(*)::bigint AS bills_overdue
FROM public.rm_bills b
WHERE b.outstanding > 0 AND b.due_date < current_date
GROUP BY b.payer_id;
COMMENT ON VIEW dash.arrears_ageing IS 'Unpaid contributions past their due date as of today, per payer, in ageing buckets by days past due.';
COMMENT ON COLUMN dash.arrears_ageing.payer_id IS 'The payer in arrears.';
COMMENT ON COLUMN dash.arrears_ageing.days_0_30 IS 'Rupiah outstanding on bills 1 to 30 days past due.';
COMMENT ON COLUMN dash.arrears_ageing.days_31_60 IS 'Rupiah outstanding on bills 31 to 60 days past due.';
COMMENT ON COLUMN dash.arrears_ageing.days_61_90 IS 'Rupiah outstanding on bills 61 to 90 days past due.';
COMMENT ON COLUMN dash.arrears_ageing.days_over_90 IS 'Rupiah outstanding on bills more than 90 days past due.';
COMMENT ON COLUMN dash.arrears_ageing.total_overdue IS 'Sum of the buckets.';
COMMENT ON COLUMN dash.arrears_ageing.bills_overdue IS 'How many monthly bills are past due and not paid in full.';

CREATE VIEW dash.claims_by_programme AS
SELECT c.programme, date_trunc('month', c.filed_on)::date AS month, c.status,
       count(*)::bigint AS count, coalesce(sum(c.total), 0) AS total, sum(c.paid_out) AS paid_out
FROM public.rm_claims c
GROUP BY c.programme, date_trunc('month', c.filed_on), c.status;
COMMENT ON VIEW dash.claims_by_programme IS 'Claims by programme, month filed and status.';
COMMENT ON COLUMN dash.claims_by_programme.programme IS 'JKK, JKM, JHT or SCHOLARSHIP.';
COMMENT ON COLUMN dash.claims_by_programme.month IS 'First day of the month the claim was filed.';
COMMENT ON COLUMN dash.claims_by_programme.status IS 'filed, approved, rejected or paid.';
COMMENT ON COLUMN dash.claims_by_programme.count IS 'Number of claims.';
COMMENT ON COLUMN dash.claims_by_programme.total IS 'Rupiah approved (0 for claims not approved).';
COMMENT ON COLUMN dash.claims_by_programme.paid_out IS 'Rupiah paid out on these claims, net of reversed payouts.';

CREATE VIEW dash.payouts_by_programme AS
SELECT o.programme, date_trunc('month', o.paid_on)::date AS month,
       count(*) FILTER (WHERE o.status <> 'reversed')::bigint AS count,
       coalesce(sum(o.amount) FILTER (WHERE o.status <> 'reversed'), 0) AS amount,
       count(*) FILTER (WHERE o.status = 'reversed')::bigint AS reversed_count,
       coalesce(sum(o.amount) FILTER (WHERE o.status = 'reversed'), 0) AS reversed_amount
FROM public.rm_payouts o
GROUP BY o.programme, date_trunc('month', o.paid_on);
COMMENT ON VIEW dash.payouts_by_programme IS 'Benefits paid out, by programme and month paid; reversed payouts are counted apart.';
COMMENT ON COLUMN dash.payouts_by_programme.programme IS 'JKK, JKM, JHT or SCHOLARSHIP.';
COMMENT ON COLUMN dash.payouts_by_programme.month IS 'First day of the month the payout was made.';
COMMENT ON COLUMN dash.payouts_by_programme.count IS 'Payouts disbursed and not reversed.';
COMMENT ON COLUMN dash.payouts_by_programme.amount IS 'Rupiah disbursed and not reversed.';
COMMENT ON COLUMN dash.payouts_by_programme.reversed_count IS 'Payouts reversed (bank returns, errors).';
COMMENT ON COLUMN dash.payouts_by_programme.reversed_amount IS 'Rupiah of reversed payouts.';

CREATE VIEW dash.scholarship_commitments AS
SELECT CASE WHEN grouping(s.claim_id) = 1 THEN 'total' ELSE 'claim' END AS scope,
       s.claim_id, s.participant_id, p.kecamatan, p.desa,
       count(*) FILTER (WHERE s.status = 'scheduled')::bigint AS tranches_scheduled,
       min(s.school_year) FILTER (WHERE s.status = 'scheduled') AS next_school_year,
       coalesce(sum(s.amount) FILTER (WHERE s.status = 'paid'), 0) AS paid,
       coalesce(sum(s.amount) FILTER (WHERE s.status = 'scheduled'), 0) AS outstanding
FROM public.rm_scholarship_commitments s
LEFT JOIN public.rm_participants p USING (participant_id)
GROUP BY GROUPING SETS ((s.claim_id, s.participant_id, p.kecamatan, p.desa), ());
COMMENT ON VIEW dash.scholarship_commitments IS 'Scholarship money promised and not yet paid: one row per claim (scope claim) and one grand-total row (scope total, claim_id null).';
COMMENT ON COLUMN dash.scholarship_commitments.scope IS 'claim for a claim''s row, total for the grand total.';
COMMENT ON COLUMN dash.scholarship_commitments.claim_id IS 'The scholarship claim; null on the total row.';
COMMENT ON COLUMN dash.scholarship_commitments.participant_id IS 'Internal id of the deceased or disabled member (never a NIK).';
COMMENT ON COLUMN dash.scholarship_commitments.kecamatan IS 'Kecamatan of the member.';
COMMENT ON COLUMN dash.scholarship_commitments.desa IS 'Desa of the member.';
COMMENT ON COLUMN dash.scholarship_commitments.tranches_scheduled IS 'School-year tranches still to pay.';
COMMENT ON COLUMN dash.scholarship_commitments.next_school_year IS 'The earliest school year still to pay (2025 means 2025/2026).';
COMMENT ON COLUMN dash.scholarship_commitments.paid IS 'Rupiah of tranches paid.';
COMMENT ON COLUMN dash.scholarship_commitments.outstanding IS 'Rupiah of tranches scheduled and not yet paid (skipped and ended tranches excluded).';

CREATE VIEW dash.fund_totals AS
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
COMMENT ON VIEW dash.fund_totals IS 'Per programme: contributions assessed and paid in, benefits approved and paid out.';
COMMENT ON COLUMN dash.fund_totals.programme IS 'JKK, JKM, JHT, JKP or SCHOLARSHIP (scholarships are paid from the JKK/JKM funds and take no contributions of their own).';
COMMENT ON COLUMN dash.fund_totals.contributions_assessed IS 'Rupiah billed to payers.';
COMMENT ON COLUMN dash.fund_totals.contributions IS 'Rupiah of contribution lines paid in full (lines fill in billed order).';
COMMENT ON COLUMN dash.fund_totals.benefits_approved IS 'Rupiah approved on claims.';
COMMENT ON COLUMN dash.fund_totals.benefits_paid IS 'Rupiah paid out, net of reversed payouts.';
COMMENT ON COLUMN dash.fund_totals.net IS 'contributions − benefits_paid.';

CREATE VIEW dash.trial_balance AS
SELECT account, debit, credit, balance FROM public.trial_balance;
COMMENT ON VIEW dash.trial_balance IS 'The journal''s trial balance: every account''s debits, credits and balance; the balances sum to zero.';
COMMENT ON COLUMN dash.trial_balance.account IS 'Account name, e.g. cash_at_bank, contributions_receivable:<payer_id>, benefit_expense:<programme> (docs/dashboards.md lists them).';
COMMENT ON COLUMN dash.trial_balance.debit IS 'Sum of debits.';
COMMENT ON COLUMN dash.trial_balance.credit IS 'Sum of credits.';
COMMENT ON COLUMN dash.trial_balance.balance IS 'debit − credit: positive for assets and expenses, negative for liabilities and income.';

-- The read-only role for dashboards: USAGE on dash and SELECT on its views,
-- nothing else (not the log, not the read-model tables). Roles are shared by
-- every database on the server, so it is created only when missing, and a
-- migration of another database creating it at the same moment is no error.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'jaminan_dashboard') THEN
        BEGIN
            CREATE ROLE jaminan_dashboard NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
END
$$;
GRANT USAGE ON SCHEMA dash TO jaminan_dashboard;
GRANT SELECT ON ALL TABLES IN SCHEMA dash TO jaminan_dashboard;

---- create above / drop below ----

-- The role jaminan_dashboard is shared by every database on the server and stays;
-- dropping the schema removes its grants here.
DROP SCHEMA dash CASCADE;
DROP VIEW trial_balance;
DROP TABLE journal_entries;
DROP TABLE journal_claims;
DROP TABLE rm_scholarship_commitments;
DROP TABLE scholarship_claims;
DROP TABLE rm_jht_balances;
DROP TABLE rm_payments;
DROP TABLE rm_contributions;
DROP TABLE rm_bills;
DELETE FROM projection_checkpoints WHERE projection IN ('contributions', 'scholarships', 'journal');
