package demo_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/adapters/directory"
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

// loaded is a demo run on a throwaway database, projections caught up.
type loaded struct {
	database  *pgtest.Database
	summary   demo.Summary
	again     demo.Summary
	statement []byte
	options   demo.Options
}

// load runs the demo twice with the same seed. The clock is today's date:
// dash.arrears_ageing ages bills against the database's current_date.
func load(t *testing.T, workers int) *loaded {
	t.Helper()
	ctx := context.Background()
	database := pgtest.New(t)
	store, err := pgstore.New(database.Pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	nikDirectory := must(directory.NewPostgres(database.Pool, "test-key"))
	now := time.Now()
	config := app.Config{Store: store, Directory: nikDirectory, Library: rules.Default(), Places: reference.MustLoad(), Now: func() time.Time { return now }}
	application := must(app.New(config))
	var statement bytes.Buffer
	options := demo.Options{Workers: workers, Seed: 1, Today: calendar.DateOf(now), Statement: &statement,
		NewApplication: func(newID func() string) (*app.Application, error) {
			forked := config
			forked.NewID = newID
			return app.New(forked)
		}}
	options.Logger = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	summary, err := demo.Run(ctx, application, reference.MustLoad(), options)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first run: %+v", summary)
	runner, err := projections.NewRunner(projections.Config{Pool: database.Pool, Store: store, Decode: application.DecodeTransient,
		Projections: projections.All(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runner.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	written := append([]byte(nil), statement.Bytes()...)
	statement.Reset()
	again, err := demo.Run(ctx, application, reference.MustLoad(), options)
	if err != nil {
		t.Fatal(err)
	}
	return &loaded{database: database, summary: summary, again: again, statement: written, options: options}
}

// The full picture, small: 200 workers in all 12 kecamatan over three years.
func TestDemo(t *testing.T) {
	l := load(t, 200)
	t.Run("seed story figures", l.seedFigures)
	t.Run("a second run appends nothing", l.idempotent)
	t.Run("every kecamatan has protected workers", l.everyKecamatan)
	t.Run("every category is protected", l.everyCategory)
	t.Run("arrears in at least two ageing buckets", l.arrears)
	t.Run("trial balance is zero", l.trialBalance)
	t.Run("claims of every kind paid", l.claims)
	t.Run("claims recorded in the months they happened", l.claimDates)
	t.Run("statement ties to the ledger but for the mismatches", l.statementTies)
}

// The seed story's figures, produced by the rule book through the command path:
// Rp42.000.000 to Santi's heirs (docs/rulebook.md worked example 1), Rp231.000.000 to
// Halimatus's (story.go: 192.485.664 + 12.000.000 + 10.000.000 + 2.514.336 + 14.000.000).
func (l *loaded) seedFigures(t *testing.T) {
	for _, test := range []struct {
		participant string
		want        string
	}{{"Santi", "42000000.00"}, {"Halimatus Sa'diah", "231000000.00"}} {
		paid := l.decimal(t, `SELECT coalesce(sum(o.amount), 0) FROM rm_payouts o JOIN rm_participants p USING (participant_id) WHERE p.name = $1`, test.participant)
		if paid.StringFixed(2) != test.want {
			t.Errorf("paid to the heirs of %s: got %s, want %s", test.participant, paid.StringFixed(2), test.want)
		}
	}
	// 200 workers + the story's 2; the regency twice (pekerja rentan, its own staff) and 157 desa.
	if l.summary.Participants != 202 || l.summary.Payers != 159 {
		t.Errorf("got %d participants and %d payers, want 202 and 159", l.summary.Participants, l.summary.Payers)
	}
	if months := l.summary.FirstPeriod.MonthsUntil(l.summary.LastPeriod) + 1; months < 36 {
		t.Errorf("billed %d months (%s to %s), want at least 36", months, l.summary.FirstPeriod, l.summary.LastPeriod)
	}
}

func (l *loaded) idempotent(t *testing.T) {
	if l.summary.Events == 0 {
		t.Fatal("the first run appended nothing")
	}
	if l.again.Events != 0 {
		t.Errorf("a second demo run appended %d events, want 0", l.again.Events)
	}
}

func (l *loaded) everyKecamatan(t *testing.T) {
	covered := l.strings(t, `SELECT DISTINCT kecamatan FROM dash.coverage_by_area WHERE active_participants > 0`)
	for _, kecamatan := range reference.MustLoad().Kecamatan() {
		if !covered[kecamatan] {
			t.Errorf("kecamatan %s has no protected worker in dash.coverage_by_area", kecamatan)
		}
	}
}

func (l *loaded) everyCategory(t *testing.T) {
	covered := l.strings(t, `SELECT DISTINCT category FROM dash.coverage_by_area WHERE active_participants > 0`)
	for _, category := range command.Categories {
		if !covered[category] {
			t.Errorf("category %s has no protected worker in dash.coverage_by_area", category)
		}
	}
}

func (l *loaded) arrears(t *testing.T) {
	var buckets [4]decimal.Decimal
	err := l.database.Pool.QueryRow(context.Background(), `SELECT coalesce(sum(days_0_30), 0), coalesce(sum(days_31_60), 0),
		coalesce(sum(days_61_90), 0), coalesce(sum(days_over_90), 0) FROM dash.arrears_ageing`).Scan(&buckets[0], &buckets[1], &buckets[2], &buckets[3])
	if err != nil {
		t.Fatal(err)
	}
	filled := 0
	for _, amount := range buckets {
		if amount.IsPositive() {
			filled++
		}
	}
	if filled < 2 {
		t.Errorf("arrears ageing buckets 0-30, 31-60, 61-90, over 90: %v; want at least two with arrears", buckets)
	}
	if penalties := l.count(t, `SELECT count(*) FROM events WHERE type = 'LatePenaltyAssessed'`); penalties == 0 {
		t.Error("no late payment brought a penalty")
	}
}

func (l *loaded) trialBalance(t *testing.T) {
	if sum := l.decimal(t, `SELECT coalesce(sum(balance), 0) FROM dash.trial_balance`); sum.StringFixed(2) != "0.00" {
		t.Errorf("trial balance sums to %s, want 0.00", sum.StringFixed(2))
	}
}

func (l *loaded) claims(t *testing.T) {
	for _, test := range []struct{ programme, benefit string }{
		{"JKM", "death"}, {"JKK", "death"}, {"JKK", "medical"}, {"JHT", "full"}, {"SCHOLARSHIP", "scholarship"},
	} {
		paid := l.count(t, `SELECT count(*) FROM events c WHERE c.type = 'ClaimFiled' AND c.data->>'programme' = $1 AND c.data->>'benefit' = $2
			AND EXISTS (SELECT 1 FROM events o WHERE o.type = 'PayoutRecorded' AND o.stream_id = c.stream_id)`, test.programme, test.benefit)
		if paid == 0 {
			t.Errorf("no %s %s claim was paid", test.programme, test.benefit)
		}
	}
	for _, eventType := range []string{"WageChanged", "MembershipEnded", "AccidentReported", "DeathReported"} {
		if l.count(t, `SELECT count(*) FROM events WHERE type = $1`, eventType) == 0 {
			t.Errorf("no %s event", eventType)
		}
	}
}

// claimDates: every claim is filed a week after its incident, approved five
// days later and paid three days after that (incidents.go), in the past; the
// seed story's on the days that follow from its deaths, 7 October and 4
// November 2024.
func (l *loaded) claimDates(t *testing.T) {
	for _, test := range []struct {
		claim, filed, decided, paid string
	}{
		{demo.SantiClaim, "2024-10-14", "2024-10-19", "2024-10-22"},
		{demo.HalimatusClaim, "2024-11-11", "2024-11-16", "2024-11-19"},
		{demo.HalimatusJHT, "2024-11-11", "2024-11-16", "2024-11-19"},
		{demo.HalimatusScholarships, "2024-11-11", "2024-11-16", "2024-11-19"},
	} {
		var filed, decided, paid string
		err := l.database.Pool.QueryRow(context.Background(), `SELECT c.filed_on::text, c.decided_on::text, max(o.paid_on)::text
			FROM rm_claims c JOIN rm_payouts o USING (claim_id) WHERE c.claim_id = $1 GROUP BY 1, 2`, test.claim).Scan(&filed, &decided, &paid)
		if err != nil {
			t.Fatalf("claim %s: %v", test.claim, err)
		}
		if filed != test.filed || decided != test.decided || paid != test.paid {
			t.Errorf("claim %s: filed %s, decided %s, paid %s; want %s, %s, %s", test.claim, filed, decided, paid, test.filed, test.decided, test.paid)
		}
	}
	outOfOrder := l.count(t, `SELECT count(*) FROM rm_claims c JOIN rm_payouts o USING (claim_id)
		WHERE NOT (c.incident_date <= c.filed_on AND c.filed_on <= c.decided_on AND c.decided_on <= o.paid_on)`)
	thisMonth := l.count(t, `SELECT count(*) FROM rm_claims WHERE decided_on >= $1`, l.options.Today.Period().FirstDay().String())
	if outOfOrder != 0 || thisMonth != 0 {
		t.Errorf("%d claims paid out of the order incident, filing, decision, payout; %d decided this month; want none", outOfOrder, thisMonth)
	}
}

// statementTies reads the CSV and matches each line to the ledger by
// reference: receipts to rm_payments, payouts to rm_payouts. The statement is
// of a past month, the last claim payout's. Expected by hand: every line
// equal but one receipt StatementShortfallRupiah (6,500) short, one line of
// -15,000.00 (the bank charge) with no ledger row, and one ledger payout of
// that month, the last, with no bank line.
func (l *loaded) statementTies(t *testing.T) {
	records, err := csv.NewReader(bytes.NewReader(l.statement)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) < 2 || strings.Join(records[0], ",") != "date,reference,amount,counterparty_account,description" {
		t.Fatalf("statement header: got %v", records[:min(1, len(records))])
	}
	statement := l.summary.Statement
	from, through := statement.From.String(), statement.Through.String()
	if lastPayout := l.decimal(t, `SELECT count(*) FROM rm_payouts WHERE paid_on > $1`, through); !statement.Through.Before(l.options.Today.Period().FirstDay()) ||
		statement.From.Period() != statement.Through.Period() || !lastPayout.IsZero() {
		t.Errorf("statement %s to %s: want one past month, the last with a payout (%s payouts after it)", from, through, lastPayout)
	}
	ledger := map[string]decimal.Decimal{}
	l.collect(t, ledger, `SELECT bank_reference, amount FROM rm_payments WHERE status <> 'reversed' AND paid_on BETWEEN $1 AND $2`, from, through)
	l.collect(t, ledger, `SELECT bank_reference, -amount FROM rm_payouts WHERE status <> 'reversed' AND paid_on BETWEEN $1 AND $2`, from, through)
	seen := map[string]bool{}
	var unmatched []string
	for _, record := range records[1:] {
		date, reference, amount := record[0], record[1], decimal.RequireFromString(record[2])
		if _, err := calendar.ParseDate(date); err != nil || date < from || date > through {
			t.Errorf("line %v: date outside %s..%s", record, from, through)
		}
		want, ok := ledger[reference]
		seen[reference] = true
		switch {
		case !ok:
			unmatched = append(unmatched, reference+" "+amount.StringFixed(2))
		case reference == statement.ShortPaidReference:
			if diff := want.Sub(amount); !diff.Equal(decimal.NewFromInt(demo.StatementShortfallRupiah)) {
				t.Errorf("short-paid %s: ledger %s, bank %s, want %d less", reference, want, amount, demo.StatementShortfallRupiah)
			}
		case !want.Equal(amount):
			t.Errorf("line %s: bank %s, ledger %s", reference, amount, want)
		}
	}
	if want := []string{demo.StatementBankChargeReference + " -15000.00"}; strings.Join(unmatched, ";") != strings.Join(want, ";") {
		t.Errorf("bank lines without a ledger counterpart: got %v, want %v", unmatched, want)
	}
	var missing []string
	for reference := range ledger {
		if !seen[reference] {
			missing = append(missing, reference)
		}
	}
	if len(missing) != 1 || missing[0] != statement.MissingPayoutReference || !ledger[missing[0]].IsNegative() {
		t.Errorf("ledger rows missing from the bank: got %v, want the one payout %q", missing, statement.MissingPayoutReference)
	}
	if statement.ShortPaidReference == "" || statement.Receipts == 0 {
		t.Errorf("the statement has %d receipts and no short-paid one (%q)", statement.Receipts, statement.ShortPaidReference)
	}
	// Lines: the ledger's receipts and payouts, less the missing payout, plus the bank charge.
	if want := statement.Receipts + statement.Payouts - 1 + 1; len(records)-1 != want || statement.Lines != want {
		t.Errorf("statement lines: got %d (summary %d), want %d", len(records)-1, statement.Lines, want)
	}
}

func (l *loaded) collect(t *testing.T, into map[string]decimal.Decimal, query string, args ...any) {
	t.Helper()
	rows, err := l.database.Pool.Query(context.Background(), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	var reference string
	var amount decimal.Decimal
	if _, err := pgx.ForEachRow(rows, []any{&reference, &amount}, func() error {
		if _, taken := into[reference]; taken {
			t.Errorf("bank reference %s is used twice in the ledger", reference)
		}
		into[reference] = amount
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func (l *loaded) strings(t *testing.T, query string) map[string]bool {
	t.Helper()
	rows, err := l.database.Pool.Query(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	var value string
	if _, err := pgx.ForEachRow(rows, []any{&value}, func() error { found[value] = true; return nil }); err != nil {
		t.Fatal(err)
	}
	return found
}

func (l *loaded) decimal(t *testing.T, query string, args ...any) decimal.Decimal {
	t.Helper()
	var value decimal.Decimal
	if err := l.database.Pool.QueryRow(context.Background(), query, args...).Scan(&value); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return value
}

func (l *loaded) count(t *testing.T, query string, args ...any) int64 {
	t.Helper()
	var value int64
	if err := l.database.Pool.QueryRow(context.Background(), query, args...).Scan(&value); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return value
}

// testWriter sends the demo's log to the test's.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func must[T any](value T, err error) T {
	if err != nil {
		panic(err)
	}
	return value
}
