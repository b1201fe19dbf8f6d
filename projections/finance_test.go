package projections_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/adapters/directory"
	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	pgstore "github.com/tanahbumbu/jaminan/adapters/eventstore/postgres"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/app/demo"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/reference"
	"github.com/tanahbumbu/jaminan/domain/rules"
	"github.com/tanahbumbu/jaminan/projections"
)

// history is the demo (10 workers and the seed story) through the command
// path on real PostgreSQL, one payment reversed, and every projection caught up.
type history struct {
	database    *pgtest.Database
	application *app.Application
	runner      *projections.Runner
	store       eventstore.Store
	reversed    string // payment id of the reversed payment
}

func newHistory(t *testing.T) *history {
	t.Helper()
	ctx := context.Background()
	database := pgtest.New(t)
	store, err := pgstore.New(database.Pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	nikDirectory, err := directory.NewPostgres(database.Pool, "test-key")
	if err != nil {
		t.Fatal(err)
	}
	application, err := app.New(app.Config{Store: store, Directory: nikDirectory, Library: rules.Default(), Places: reference.MustLoad(),
		Now: func() time.Time { return time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Run(ctx, application, reference.MustLoad(), demo.Options{Workers: 10, Seed: 1, Kecamatan: []string{"Kusan Hilir", "Kusan Tengah"},
		FirstPeriod: calendar.NewPeriod(2024, 1), Months: 12}); err != nil {
		t.Fatal(err)
	}
	// A village that pays February two months late: docs/rulebook.md#late-penalty: 2 % a month
	// late brings a LatePenaltyAssessed, so the journal has penalty income.
	for _, line := range []string{
		`{"command":"RegisterPayer","payer_id":"desa-uji-terlambat","name":"Pemerintah Desa Uji","kind":"village_government","risk_class":1}`,
		`{"command":"RegisterParticipant","nik":"6310064203820099","name":"Perangkat Uji","birth_date":"1982-03-02","category":"perangkat_desa","segment":"PU","kecamatan":"Kusan Tengah","desa":"Pakatellu","payer_id":"desa-uji-terlambat"}`,
		`{"command":"Enroll","nik":"6310064203820099","programmes":["JKK","JKM","JHT"],"effective_date":"2024-01-01","wage":"3000000"}`,
		`{"command":"AssessContributions","payer_id":"desa-uji-terlambat","period":"2024-02"}`,
		`{"command":"RecordPayment","payment_id":"uji-late","payer_id":"desa-uji-terlambat","amount":"187200.00","paid_on":"2024-05-20","bank_reference":"BPD-UJI-1","period":"2024-02"}`,
		// A construction project of Rp80.000.000 with two workers: billed once (constructionProject).
		`{"command":"RegisterPayer","payer_id":"cv-uji","name":"CV Uji Konstruksi","kind":"bumdes","risk_class":3}`,
		`{"command":"RegisterProject","project_id":"jalan-uji","payer_id":"cv-uji","name":"Jalan desa uji","contract_value":"80000000","start_on":"2024-03-01","end_on":"2024-08-31"}`,
		`{"command":"RegisterParticipant","nik":"6310060101900097","name":"Pekerja Satu","birth_date":"1990-01-01","category":"konstruksi","segment":"construction","kecamatan":"Kusan Tengah","desa":"Pakatellu","payer_id":"cv-uji"}`,
		`{"command":"RegisterParticipant","nik":"6310060202900098","name":"Pekerja Dua","birth_date":"1990-02-02","category":"konstruksi","segment":"construction","kecamatan":"Kusan Tengah","desa":"Pakatellu","payer_id":"cv-uji"}`,
		`{"command":"Enroll","nik":"6310060101900097","programmes":["JKK","JKM"],"effective_date":"2024-03-01","project_id":"jalan-uji"}`,
		`{"command":"Enroll","nik":"6310060202900098","programmes":["JKK","JKM"],"effective_date":"2024-03-04","project_id":"jalan-uji"}`,
		`{"command":"AssessContributions","payer_id":"cv-uji","period":"2024-03"}`,
	} {
		decoded, err := command.DecodeLine([]byte(line))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := application.Execute(ctx, decoded, app.Meta{Actor: "test"}); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
	}
	runner, err := projections.NewRunner(projections.Config{Pool: database.Pool, Store: store, Decode: application.DecodeTransient,
		Projections: projections.All(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	built := &history{database: database, application: application, runner: runner, store: store}
	built.reversed = reverseOnePayment(t, built)
	if _, err := runner.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	return built
}

// reverseOnePayment reverses a late payment (one that brought a penalty) if
// the demo has one, else the last payment.
func reverseOnePayment(t *testing.T, built *history) string {
	t.Helper()
	ctx := context.Background()
	var eventID, paymentID string
	err := built.database.Pool.QueryRow(ctx, `SELECT e.event_id::text, e.data->>'payment_id' FROM events e
		WHERE e.type = 'PaymentReceived'
		ORDER BY EXISTS (SELECT 1 FROM events p WHERE p.type = 'LatePenaltyAssessed' AND p.stream_id = e.stream_id
			AND p.data->>'payment_id' = e.data->>'payment_id') DESC, e.position DESC LIMIT 1`).Scan(&eventID, &paymentID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := built.application.Execute(ctx, &command.Reverse{EventID: eventID, Reason: "bank_returned", Note: "test"}, app.Meta{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	return paymentID
}

func (h *history) decimal(t *testing.T, query string, args ...any) decimal.Decimal {
	t.Helper()
	var value decimal.NullDecimal
	if err := h.database.Pool.QueryRow(context.Background(), query, args...).Scan(&value); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if !value.Valid {
		return decimal.Zero
	}
	return value.Decimal
}

func (h *history) count(t *testing.T, query string, args ...any) int64 {
	t.Helper()
	var value int64
	if err := h.database.Pool.QueryRow(context.Background(), query, args...).Scan(&value); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return value
}

func TestFinanceReadModels(t *testing.T) {
	t.Parallel()
	built := newHistory(t)
	t.Run("journal balances", built.journalBalances)
	t.Run("journal ties to the read models", built.journalTies)
	t.Run("contribution lines paid as the domain says", built.linesPaidAsDomain)
	t.Run("collections are payments less reversals", built.collections)
	t.Run("coverage by area counts active participants", built.coverage)
	t.Run("JHT balance of the village official is spent", built.jhtBalance)
	t.Run("scholarship tranches", built.scholarships)
	t.Run("a construction project is one line", built.constructionProject)
	t.Run("dashboard role sees dash only", built.dashboardRole)
	t.Run("dash views are documented", built.dashDocumented)
	t.Run("replay up to a position", built.replayUpTo)
}

func (h *history) journalBalances(t *testing.T) {
	if total := h.decimal(t, `SELECT sum(balance) FROM trial_balance`); !total.IsZero() {
		t.Errorf("trial balance: sums to %s, want exactly 0", total)
	}
	if total := h.decimal(t, `SELECT sum(debit) FROM trial_balance`); !total.IsPositive() {
		t.Errorf("journal: debits total %s, want money moved", total)
	}
	if unbalanced := h.count(t, `SELECT count(*) FROM (SELECT position FROM journal_entries GROUP BY position HAVING sum(debit) <> sum(credit)) u`); unbalanced != 0 {
		t.Errorf("%d events post entries that do not balance", unbalanced)
	}
	head := h.count(t, `SELECT max(position) FROM events`)
	for _, cut := range []int64{1, head / 4, head / 3, head / 2, 3 * head / 4, head - 1, head} {
		if balance := h.decimal(t, `SELECT sum(debit - credit) FROM journal_entries WHERE position <= $1`, cut); !balance.IsZero() {
			t.Errorf("trial balance as of position %d: %s, want 0", cut, balance)
		}
	}
	for _, eventType := range []string{"BillLinesRecorded", "PaymentReceived", "LatePenaltyAssessed", "PaymentReversed", "ClaimApproved", "PayoutRecorded"} {
		if h.count(t, `SELECT count(*) FROM journal_entries WHERE event_type = $1`, eventType) == 0 {
			t.Errorf("no journal entries from %s: the history should have some", eventType)
		}
	}
}

// journalTies: account balances equal what the read models say independently.
func (h *history) journalTies(t *testing.T) {
	ties := []struct{ name, journal, model string }{
		{"cash at bank", `SELECT balance FROM trial_balance WHERE account = 'cash_at_bank'`,
			`SELECT (SELECT sum(amount) FROM rm_payments WHERE status = 'received') - (SELECT sum(amount) FROM rm_payouts WHERE status <> 'reversed')`},
		{"receivables", `SELECT sum(balance) FROM trial_balance WHERE account LIKE 'contributions_receivable:%'`, `SELECT sum(outstanding) FROM rm_bills`},
		{"scholarship commitments", `SELECT -balance FROM trial_balance WHERE account = 'scholarship_commitments'`,
			`SELECT outstanding FROM dash.scholarship_commitments WHERE scope = 'total'`},
		{"benefits payable", `SELECT -sum(balance) FROM trial_balance WHERE account LIKE 'benefits_payable:%'`,
			`SELECT sum(total - paid_out) FROM rm_claims WHERE total IS NOT NULL AND programme <> 'SCHOLARSHIP'`},
		{"penalties", `SELECT -balance FROM trial_balance WHERE account = 'penalty_income'`, `SELECT sum(penalties) FROM rm_payments WHERE status = 'received'`},
		{"contribution income", `SELECT -sum(balance) FROM trial_balance WHERE account LIKE 'contribution_income:%'`,
			`SELECT sum(total) FROM rm_contributions WHERE programme <> 'JHT'`},
	}
	for _, tie := range ties {
		journal, model := h.decimal(t, tie.journal), h.decimal(t, tie.model)
		if !journal.Equal(model) {
			t.Errorf("%s: journal says %s, read models say %s", tie.name, journal, model)
		}
	}
	if receivable := h.decimal(t, `SELECT sum(balance) FROM trial_balance WHERE account LIKE 'contributions_receivable:%'`); !receivable.IsPositive() {
		t.Errorf("receivables: %s, want the reversed payment's bill owed again", receivable)
	}
}

// constructionProject: the project's bill has one line, under the project's
// key, on its contract value (docs/rulebook.md#contributions): JKK 0.21 % ×
// 80.000.000 = 168.000 and JKM 0.03 % × 80.000.000 = 24.000; none per worker.
func (h *history) constructionProject(t *testing.T) {
	for programme, want := range map[string]string{"JKK": "168000.00", "JKM": "24000.00"} {
		got := h.decimal(t, `SELECT total FROM rm_contributions WHERE payer_id = 'cv-uji' AND period = '2024-03' AND participant_id = 'project-jalan-uji' AND programme = $1`, programme)
		if got.StringFixed(2) != want {
			t.Errorf("project line %s: got %s, want %s", programme, got.StringFixed(2), want)
		}
	}
	if lines, total := h.count(t, `SELECT count(*) FROM rm_contributions WHERE payer_id = 'cv-uji'`), h.decimal(t, `SELECT total FROM rm_bills WHERE payer_id = 'cv-uji' AND period = '2024-03'`); lines != 2 || total.StringFixed(2) != "192000.00" {
		t.Errorf("cv-uji: %d contribution rows, bill %s; want 2 rows (JKK, JKM) and 192000.00", lines, total.StringFixed(2))
	}
}

// linesPaidAsDomain: every rm_contributions paid flag equals payer.State.LinePaid.
func (h *history) linesPaidAsDomain(t *testing.T) {
	ctx := context.Background()
	rows, err := h.database.Pool.Query(ctx, `SELECT DISTINCT payer_id, period, participant_id, paid FROM rm_contributions ORDER BY 1, 2, 3`)
	if err != nil {
		t.Fatal(err)
	}
	type line struct {
		payerID, period, participantID string
		paid                           bool
	}
	lines, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (line, error) {
		var l line
		return l, row.Scan(&l.payerID, &l.period, &l.participantID, &l.paid)
	})
	if err != nil {
		t.Fatal(err)
	}
	unpaid := 0
	for _, l := range lines {
		state, err := h.application.LoadPayer(ctx, l.payerID)
		if err != nil {
			t.Fatal(err)
		}
		period, err := calendar.ParsePeriod(l.period)
		if err != nil {
			t.Fatal(err)
		}
		if want := state.LinePaid(period, l.participantID); l.paid != want {
			t.Errorf("%s %s %s: read model paid=%v, domain says %v", l.payerID, l.period, l.participantID, l.paid, want)
		}
		if !l.paid {
			unpaid++
		}
	}
	if len(lines) == 0 || unpaid == 0 {
		t.Errorf("%d lines, %d unpaid: want lines, and the reversed payment's unpaid", len(lines), unpaid)
	}
}

func (h *history) collections(t *testing.T) {
	collected := h.decimal(t, `SELECT sum(collected) FROM dash.collections_by_month`)
	fromLog := h.decimal(t, `SELECT
		(SELECT sum((data->>'amount')::numeric - (data->>'credit')::numeric) FROM events WHERE type = 'PaymentReceived')
		- (SELECT coalesce(sum((data->>'amount')::numeric - (data->>'credit')::numeric), 0) FROM events WHERE type = 'PaymentReversed')`)
	if !collected.Equal(fromLog) || !collected.IsPositive() {
		t.Errorf("collected: dash says %s, the log's payments less reversals (less credit held) %s", collected, fromLog)
	}
	fromPayments := h.decimal(t, `SELECT sum(amount - credit) FROM rm_payments WHERE status = 'received'`)
	if !collected.Equal(fromPayments) {
		t.Errorf("collected: dash says %s, rm_payments not reversed %s", collected, fromPayments)
	}
	var status string
	if err := h.database.Pool.QueryRow(context.Background(), `SELECT status FROM rm_payments WHERE payment_id = $1`, h.reversed).Scan(&status); err != nil || status != "reversed" {
		t.Errorf("payment %s: status %q (%v), want reversed", h.reversed, status, err)
	}
	assessed := h.decimal(t, `SELECT sum(assessed - collected - outstanding) FROM dash.collections_by_month`)
	if !assessed.IsZero() {
		t.Errorf("assessed − collected − outstanding sums to %s, want 0", assessed)
	}
	if overdue := h.decimal(t, `SELECT sum(total_overdue) - sum(days_0_30 + days_31_60 + days_61_90 + days_over_90) FROM dash.arrears_ageing`); !overdue.IsZero() {
		t.Errorf("arrears buckets do not add up to the total: %s", overdue)
	}
	if arrears := h.decimal(t, `SELECT sum(total_overdue) FROM dash.arrears_ageing`); !arrears.Equal(h.decimal(t, `SELECT sum(outstanding) FROM rm_bills`)) {
		t.Errorf("arrears %s: want every outstanding bill (all 2024, long due)", arrears)
	}
}

func (h *history) coverage(t *testing.T) {
	for _, programme := range []string{"JKK", "JKM", "JHT"} {
		dash := h.count(t, `SELECT coalesce(sum(active_participants), 0)::bigint FROM dash.coverage_by_area WHERE programme = $1`, programme)
		model := h.count(t, `SELECT count(*) FROM rm_participants p JOIN rm_coverage c USING (participant_id)
			WHERE p.status = 'active' AND c.programme = $1`, programme)
		if dash != model {
			t.Errorf("%s: dash counts %d active participants, rm_participants %d", programme, dash, model)
		}
	}
	active := h.count(t, `SELECT count(*) FROM rm_participants WHERE status = 'active'`)
	if dash := h.count(t, `SELECT sum(active_participants)::bigint FROM dash.coverage_by_area WHERE programme = 'JKK'`); dash != active || active != 13 {
		t.Errorf("protected village workers: dash %d, rm_participants %d active, want 13: the demo's 10, the late village's one and the construction project's two (the story's two died)", dash, active)
	}
}

func (h *history) jhtBalance(t *testing.T) {
	var contributions, withdrawals, balance decimal.Decimal
	err := h.database.Pool.QueryRow(context.Background(), `SELECT j.contributions, j.withdrawals, j.balance
		FROM rm_jht_balances j JOIN rm_participants p USING (participant_id) WHERE p.nik = $1`, demo.HalimatusNIK).Scan(&contributions, &withdrawals, &balance)
	if err != nil {
		t.Fatal(err)
	}
	if contributions.StringFixed(2) != "2514336.00" || !withdrawals.Equal(contributions) || !balance.IsZero() {
		t.Errorf("Halimatus's JHT: contributions %s, withdrawals %s, balance %s; want 11 × 228,576 = 2,514,336.00 paid in and out, balance 0",
			contributions, withdrawals, balance)
	}
	liability := h.decimal(t, `SELECT t.balance FROM trial_balance t JOIN rm_participants p ON t.account = 'jht_liability:' || p.participant_id WHERE p.nik = $1`, demo.HalimatusNIK)
	if !liability.IsZero() {
		t.Errorf("Halimatus's JHT liability in the journal: %s, want 0", liability)
	}
	if negative := h.count(t, `SELECT count(*) FROM rm_jht_balances WHERE balance < 0`); negative != 0 {
		t.Errorf("%d negative JHT balances", negative)
	}
}

func (h *history) scholarships(t *testing.T) {
	var paid, outstanding decimal.Decimal
	var scheduled int64
	err := h.database.Pool.QueryRow(context.Background(), `SELECT paid, outstanding, tranches_scheduled FROM dash.scholarship_commitments WHERE claim_id = $1`,
		demo.HalimatusScholarships).Scan(&paid, &outstanding, &scheduled)
	if err != nil {
		t.Fatal(err)
	}
	approved := h.decimal(t, `SELECT total FROM rm_claims WHERE claim_id = $1`, demo.HalimatusScholarships)
	if paid.StringFixed(2) != "14000000.00" || !paid.Add(outstanding).Equal(approved) || scheduled == 0 {
		t.Errorf("scholarship: paid %s + outstanding %s (%d tranches), want 14,000,000.00 paid (first school year) and the rest of %s outstanding",
			paid, outstanding, scheduled, approved)
	}
	firstYear := h.count(t, `SELECT min(school_year) FROM rm_scholarship_commitments WHERE claim_id = $1`, demo.HalimatusScholarships)
	if wrong := h.count(t, `SELECT count(*) FROM rm_scholarship_commitments WHERE claim_id = $1 AND (status = 'paid') <> (school_year = $2)`,
		demo.HalimatusScholarships, firstYear); wrong != 0 {
		t.Errorf("%d tranches paid outside the first school year, or of it not paid", wrong)
	}
}

func (h *history) dashboardRole(t *testing.T) {
	ctx := context.Background()
	views := []string{"coverage_by_area", "collections_by_month", "arrears_ageing", "claims_by_programme", "payouts_by_programme",
		"scholarship_commitments", "fund_totals", "trial_balance"}
	for _, view := range views {
		err := asDashboard(ctx, h, `SELECT count(*) FROM dash.`+view)
		if err != nil {
			t.Errorf("jaminan_dashboard cannot read dash.%s: %v", view, err)
		}
	}
	for _, table := range []string{"public.events", "public.rm_participants", "public.journal_entries", "public.trial_balance"} {
		err := asDashboard(ctx, h, `SELECT count(*) FROM `+table)
		var pgError *pgconn.PgError
		if !errors.As(err, &pgError) || pgError.Code != "42501" {
			t.Errorf("jaminan_dashboard reading %s: got %v, want permission denied (42501)", table, err)
		}
	}
}

func asDashboard(ctx context.Context, h *history, query string) error {
	tx, err := h.database.Pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `SET LOCAL ROLE jaminan_dashboard`); err != nil {
		return err
	}
	var count int64
	return tx.QueryRow(ctx, query).Scan(&count)
}

func (h *history) dashDocumented(t *testing.T) {
	undocumented := h.count(t, `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'dash' AND c.relkind = 'v' AND obj_description(c.oid, 'pg_class') IS NULL`)
	columns := h.count(t, `SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'dash' AND a.attnum > 0 AND NOT a.attisdropped AND col_description(c.oid, a.attnum) IS NULL`)
	if undocumented != 0 || columns != 0 {
		t.Errorf("dash: %d views and %d columns without a COMMENT", undocumented, columns)
	}
}

// replayUpTo: a scratch copy replayed with only the events up to a position
// balances, and holds exactly the live journal's entries up to it.
func (h *history) replayUpTo(t *testing.T) {
	ctx := context.Background()
	selected, err := h.runner.Select([]string{"journal"})
	if err != nil {
		t.Fatal(err)
	}
	head := h.count(t, `SELECT max(position) FROM events`)
	for _, cut := range []int64{head / 3, 2 * head / 3} {
		scratch, err := h.runner.NewScratch(ctx, "test", projections.ScratchToSwap, selected)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := scratch.Runner.ReplayTo(ctx, map[string]int64{"journal": cut}, 97, nil); err != nil {
			t.Fatal(err)
		}
		schema := pgx.Identifier{scratch.Schema}.Sanitize()
		if balance := h.decimal(t, `SELECT sum(debit - credit) FROM `+schema+`.journal_entries`); !balance.IsZero() {
			t.Errorf("journal replayed to %d: balance %s, want 0", cut, balance)
		}
		differ := h.count(t, `SELECT count(*) FROM ((SELECT * FROM `+schema+`.journal_entries EXCEPT ALL SELECT * FROM journal_entries WHERE position <= $1)
			UNION ALL (SELECT * FROM journal_entries WHERE position <= $1 EXCEPT ALL SELECT * FROM `+schema+`.journal_entries)) d`, cut)
		beyond := h.count(t, `SELECT count(*) FROM `+schema+`.journal_entries WHERE position > $1`, cut)
		if differ != 0 || beyond != 0 {
			t.Errorf("journal replayed to %d: %d rows differ from the live journal up to it, %d beyond it", cut, differ, beyond)
		}
		if err := scratch.Drop(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
