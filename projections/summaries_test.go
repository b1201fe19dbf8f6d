package projections_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tanahbumbu/jaminan/adapters/postgres"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/projections"
)

// summaryDefinitions are the summary tables under the dash views and, for
// each, the GROUP BY over the read models' rows it must equal row for row
// (columns in table order). Written here apart from the projections and the
// migration: the expected figures of the proof.
var summaryDefinitions = []struct{ table, definition string }{
	{"sum_coverage", `SELECT p.kecamatan, p.desa, p.category, c.programme, count(*)
		FROM rm_participants p JOIN rm_coverage c USING (participant_id)
		WHERE p.status = 'active' AND c.covered_until IS NULL GROUP BY 1, 2, 3, 4`},
	{"sum_contributions", `SELECT programme, sum(total), sum(CASE WHEN paid THEN total ELSE 0 END) FROM rm_contributions GROUP BY 1`},
	{"sum_collections", `SELECT period, sum(total), sum(allocated) FROM rm_bills GROUP BY 1`},
	{"sum_arrears", `SELECT due_date, sum(total - allocated), count(*),
			count(DISTINCT payer_id) FILTER (WHERE NOT EXISTS (SELECT 1 FROM rm_bills e WHERE e.payer_id = b.payer_id AND e.total > e.allocated AND e.due_date < b.due_date))
		FROM rm_bills b WHERE total > allocated GROUP BY 1`},
	{"sum_claims", `SELECT programme, date_trunc('month', filed_on)::date, status, count(*), sum(coalesce(total, 0)), sum(paid_out) FROM rm_claims GROUP BY 1, 2, 3`},
	{"sum_payouts", `SELECT programme, date_trunc('month', paid_on)::date,
			count(*) FILTER (WHERE status = 'disbursed'), coalesce(sum(amount) FILTER (WHERE status = 'disbursed'), 0),
			count(*) FILTER (WHERE status = 'reversed'), coalesce(sum(amount) FILTER (WHERE status = 'reversed'), 0)
		FROM rm_payouts GROUP BY 1, 2`},
	{"sum_account_balances", `SELECT account, CASE WHEN account ~ '^(contributions_receivable|payer_credit|penalty_receivable|jht_liability):'
			THEN substring(account FROM '^[a-z_]+') ELSE account END, sum(debit), sum(credit), sum(debit) - sum(credit)
		FROM journal_entries GROUP BY 1`},
	{"sum_trial_balance", `SELECT CASE WHEN account ~ '^(contributions_receivable|payer_credit|penalty_receivable|jht_liability):'
			THEN substring(account FROM '^[a-z_]+') ELSE account END, sum(debit), sum(credit)
		FROM journal_entries GROUP BY 1`},
}

// summaryEvents are the events that move a summary; the history must hold each.
var summaryEvents = []string{"ParticipantEnrolled", "MembershipEnded", "BillLinesRecorded", "PaymentReceived", "PaymentReversed",
	"ClaimFiled", "ClaimApproved", "ClaimRejected", "PayoutRecorded", "PayoutReversed"}

// withSummaryStory adds to the history what the demo lacks: a claim
// rejected, a payout reversed, and three recent months billed and unpaid, so
// that arrears fall in more than one ageing bucket.
func withSummaryStory(t *testing.T, built *history) {
	t.Helper()
	ctx := context.Background()
	lines := []string{
		`{"command":"ReportDeath","nik":"6310064203820099","date":"2024-06-03","cause":"other"}`,
		`{"command":"FileClaim","claim_id":"jkm-uji-ditolak","nik":"6310064203820099","programme":"JKM","benefit":"death","incident_date":"2024-06-03","heir":{"name":"Ahli Waris","relationship":"spouse","nik":"6310050101800009"}}`,
		`{"command":"RejectClaim","claim_id":"jkm-uji-ditolak","reason":"heir not proven"}`,
		`{"command":"RegisterPayer","payer_id":"desa-uji-baru","name":"Pemerintah Desa Uji Baru","kind":"village_government","risk_class":1}`,
		`{"command":"RegisterParticipant","nik":"6310064203820098","name":"Perangkat Baru","birth_date":"1980-03-02","category":"bpd","segment":"PU","kecamatan":"Kusan Hilir","desa":"Batuah","payer_id":"desa-uji-baru"}`,
		`{"command":"Enroll","nik":"6310064203820098","programmes":["JKK","JKM","JHT"],"effective_date":"2026-08-01","wage":"3000000"}`,
		`{"command":"AssessContributions","payer_id":"desa-uji-baru","period":"2026-08"}`,
		`{"command":"AssessContributions","payer_id":"desa-uji-baru","period":"2026-09"}`,
		`{"command":"AssessContributions","payer_id":"desa-uji-baru","period":"2026-10"}`,
	}
	for _, line := range lines {
		decoded, err := command.DecodeLine([]byte(line))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := built.application.Execute(ctx, decoded, app.Meta{Actor: "test"}); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
	}
	var payout string
	if err := built.database.Pool.QueryRow(ctx, `SELECT event_id::text FROM events WHERE type = 'PayoutRecorded' ORDER BY position LIMIT 1`).Scan(&payout); err != nil {
		t.Fatal(err)
	}
	if _, err := built.application.Execute(ctx, &command.Reverse{EventID: payout, Reason: "bank_returned", Note: "test"}, app.Meta{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := built.runner.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	for _, eventType := range summaryEvents {
		if built.count(t, `SELECT count(*) FROM events WHERE type = $1`, eventType) == 0 {
			t.Fatalf("the history has no %s: the proof would not cover it", eventType)
		}
	}
}

// assertSummariesAsDefined: every summary table equals its GROUP BY over the
// read models, row for row, and holds rows.
func (h *history) assertSummariesAsDefined(t *testing.T, when string) {
	t.Helper()
	for _, summary := range summaryDefinitions {
		rows := h.count(t, `SELECT count(*) FROM `+summary.table)
		differ := h.count(t, `SELECT count(*) FROM ((TABLE `+summary.table+` EXCEPT ALL (`+summary.definition+`))
			UNION ALL ((`+summary.definition+`) EXCEPT ALL TABLE `+summary.table+`)) d`)
		if differ != 0 || rows == 0 {
			t.Errorf("%s: %s has %d rows, %d differ from its GROUP BY over the read models; want rows, none differing", when, summary.table, rows, differ)
		}
	}
}

// summaryPrints are digests of the summary tables only.
func (h *history) summaryPrints(t *testing.T) map[string]string {
	t.Helper()
	prints := map[string]string{}
	for _, projection := range projections.All() {
		for _, table := range projection.Tables() {
			if strings.HasPrefix(table, "sum_") {
				prints[table] = h.digest(t, table)
			}
		}
	}
	if len(prints) != len(summaryDefinitions) {
		t.Fatalf("the projections own %d summary tables, the proof covers %d", len(prints), len(summaryDefinitions))
	}
	return prints
}

func (h *history) assertSameSummaries(t *testing.T, when string, live map[string]string) {
	t.Helper()
	for table, digest := range h.summaryPrints(t) {
		if digest != live[table] {
			t.Errorf("%s %s: %s, live %s", table, when, digest, live[table])
		}
	}
}

// TestSummariesEqualTheirDefinitionLiveRebuiltAndMigrated is the proof that
// the dashboards' summaries are right: kept live by the projections, they
// equal the GROUP BY over the read models' rows; re-derived by a blue/green
// rebuild they are the same rows, and verify finds no difference; and
// migration 011 run again over the same read models (down, then up: its
// backfill) gives the same rows too, so an existing database needs no rebuild.
func TestSummariesEqualTheirDefinitionLiveRebuiltAndMigrated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	built := newHistory(t)
	withSummaryStory(t, built)
	built.assertSummariesAsDefined(t, "live")
	live := built.summaryPrints(t)

	if _, err := built.runner.RebuildSideBySide(ctx, nil, 57, nil); err != nil {
		t.Fatal(err)
	}
	built.assertSummariesAsDefined(t, "rebuilt")
	built.assertSameSummaries(t, "rebuilt", live)
	report, err := built.runner.Verify(ctx, nil, nil)
	if err != nil || report.Differences() != 0 {
		t.Errorf("verify: %d differences (%v), want 0", report.Differences(), err)
	}

	// Down to 10 takes migration 013 down too (rm_contributions a table again,
	// from its view), 011 up backfills the summaries from it, and up to the
	// last version 013 backfills rm_bill_lines from that table: every read
	// model ends as the projections wrote it.
	readModels := built.fingerprints(t)
	for _, version := range []int32{10, 11} {
		if _, err := postgres.MigrateTo(ctx, built.database.Pool, version); err != nil {
			t.Fatalf("migrate to %d: %v", version, err)
		}
	}
	built.assertSummariesAsDefined(t, "backfilled")
	built.assertSameSummaries(t, "backfilled", live)
	if _, err := postgres.Migrate(ctx, built.database.Pool); err != nil {
		t.Fatal(err)
	}
	built.assertSameReadModels(t, readModels)
	t.Run("dashboard role reads the summaries' views", built.dashboardRole)
	t.Run("dash views are documented", built.dashDocumented)
	t.Run("arrears summary buckets as the bills do", built.arrearsSummary)
	t.Run("trial balance by control account", built.controlTrialBalance)
	t.Run("no dash view reads the detail rows", built.dashReadsNoDetail)
}

// dashReadable are the relations a dash view may read: the summaries, and
// read models with a row per payer and month (rm_bills), per scholarship
// tranche and per bank statement. Never the rows that grow with participants
// × months: contribution lines, journal entries, coverage, claims, payouts.
var dashReadable = map[string]bool{"rm_bills": true, "rm_scholarship_commitments": true, "rm_statements": true}

// dashReadsNoDetail: the plan of every dash view reads summaries and
// dashReadable relations only (rm_participants only by its primary key, for
// the members of the scholarship claims).
func (h *history) dashReadsNoDetail(t *testing.T) {
	ctx := context.Background()
	rows, err := h.database.Pool.Query(ctx, `SELECT table_name::text FROM information_schema.views WHERE table_schema = 'dash'`)
	if err != nil {
		t.Fatal(err)
	}
	views, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(views) < 11 {
		t.Fatalf("dash views: %v (%v)", views, err)
	}
	tx, err := h.database.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	// Tables this small are cheaper to scan than to look up in: plan as for large ones.
	if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	for _, view := range views {
		var plan []map[string]any
		if err := tx.QueryRow(ctx, `EXPLAIN (FORMAT JSON) SELECT * FROM dash.`+pgx.Identifier{view}.Sanitize()).Scan(&plan); err != nil {
			t.Fatal(err)
		}
		for _, node := range planNodes(plan[0]["Plan"].(map[string]any)) {
			relation, _ := node["Relation Name"].(string)
			_, byKey := node["Index Cond"].(string)
			byKey = byKey && relation == "rm_participants"
			if relation != "" && !strings.HasPrefix(relation, "sum_") && !dashReadable[relation] && !byKey {
				t.Errorf("dash.%s reads %s (%s)", view, relation, node["Node Type"])
			}
		}
	}
}

// planNodes are a plan node and every node under it.
func planNodes(node map[string]any) []map[string]any {
	nodes := []map[string]any{node}
	children, _ := node["Plans"].([]any)
	for _, child := range children {
		nodes = append(nodes, planNodes(child.(map[string]any))...)
	}
	return nodes
}

// arrearsSummary: the page's one-row arrears, bucketed today from the
// summary by due date, equal the per-payer view's sums over the bills.
func (h *history) arrearsSummary(t *testing.T) {
	var buckets [7]string
	err := h.database.Pool.QueryRow(context.Background(), `SELECT
			(a.days_0_30 = p.days_0_30)::text, (a.days_31_60 = p.days_31_60)::text, (a.days_61_90 = p.days_61_90)::text,
			(a.days_over_90 = p.days_over_90)::text, (a.total_overdue = p.total_overdue)::text, (a.bills_overdue = p.bills)::text, (a.payers = p.payers)::text
		FROM dash.arrears_summary a, (SELECT sum(days_0_30) AS days_0_30, sum(days_31_60) AS days_31_60, sum(days_61_90) AS days_61_90,
			sum(days_over_90) AS days_over_90, sum(total_overdue) AS total_overdue, sum(bills_overdue) AS bills, count(*) AS payers FROM dash.arrears_ageing) p`).Scan(
		&buckets[0], &buckets[1], &buckets[2], &buckets[3], &buckets[4], &buckets[5], &buckets[6])
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(buckets[:], ",") != "true,true,true,true,true,true,true" {
		t.Errorf("arrears summary against the per-payer view (0-30, 31-60, 61-90, >90, total, bills, payers): %v", buckets)
	}
	if payers := h.count(t, `SELECT payers FROM dash.arrears_summary`); payers < 2 {
		t.Errorf("payers in arrears: %d, want the reversed payment's and the new village's", payers)
	}
}

// controlTrialBalance: dash.trial_balance has one row per control account,
// none per payer or member, sums to zero, and each control's balance is the
// sum of its accounts in the ledger by account.
func (h *history) controlTrialBalance(t *testing.T) {
	if total := h.decimal(t, `SELECT sum(balance) FROM dash.trial_balance`); !total.IsZero() {
		t.Errorf("dash.trial_balance sums to %s, want 0", total)
	}
	if members := h.count(t, `SELECT count(*) FROM dash.trial_balance WHERE account ~ '^(contributions_receivable|payer_credit|penalty_receivable|jht_liability):'`); members != 0 {
		t.Errorf("dash.trial_balance has %d payer or member accounts, want them rolled up", members)
	}
	for _, control := range []string{"jht_liability", "contributions_receivable", "penalty_receivable"} {
		rolled := h.decimal(t, `SELECT sum(balance) FROM dash.trial_balance WHERE account = $1`, control)
		accounts := h.decimal(t, `SELECT sum(balance) FROM trial_balance WHERE account LIKE $1 || ':%'`, control)
		if !rolled.Equal(accounts) || h.count(t, `SELECT count(*) FROM trial_balance WHERE control = $1`, control) == 0 {
			t.Errorf("%s: the trial balance says %s, its accounts sum to %s", control, rolled, accounts)
		}
	}
	if rows := h.count(t, `SELECT count(*) FROM dash.trial_balance`); rows > 30 {
		t.Errorf("dash.trial_balance: %d rows, want a few dozen control accounts", rows)
	}
}
