package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/adapters/directory"
	pgstore "github.com/tanahbumbu/jaminan/adapters/eventstore/postgres"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/problem"
	"github.com/tanahbumbu/jaminan/domain/reference"
	"github.com/tanahbumbu/jaminan/domain/rules"
	"github.com/tanahbumbu/jaminan/projections"
)

// Bounds of the race tests.
const (
	// raceWorkers is how many goroutines issue commands at once.
	raceWorkers = 32
	// maxRaceRetries bounds how often a worker repeats a command that lost
	// every one of Execute's own retries (code concurrent_update); the repeat
	// carries the same ids, so it is also a test of idempotency.
	maxRaceRetries = 50
)

// raceFixture is the command path on a throwaway PostgreSQL database, with
// the projections that the trial balance comes from.
type raceFixture struct {
	database    *pgtest.Database
	store       *pgstore.Store
	application *app.Application
	runner      *projections.Runner
}

// The claimants: two PU officials of Desa Sepunggur, enrolled since 2021 at
// 3,000,000, who died on 2024-03-10 (not at work): JKM, docs/rulebook.md worked example 1.
const (
	claimPayerLine = `{"command":"RegisterPayer","payer_id":"desa-sepunggur","name":"Pemerintah Desa Sepunggur","kind":"village_government","risk_class":1}`
	raceClaimA     = "jkm-race-a" // approved or rejected by racing workers
	raceClaimB     = "jkm-race-b" // approved in the seed; paid out by racing workers
)

// newPostgresApplication is an application on a fresh database of its own:
// the log and the NIK directory in PostgreSQL, the clock at fixedNow.
func newPostgresApplication(t *testing.T) (*pgtest.Database, *pgstore.Store, *app.Application) {
	t.Helper()
	database := pgtest.New(t)
	store, err := pgstore.New(database.Pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	nikDirectory, err := directory.NewPostgres(database.Pool, "test-key")
	if err != nil {
		t.Fatal(err)
	}
	application, err := app.New(app.Config{Store: store, Directory: nikDirectory, Library: rules.Default(),
		Places: reference.MustLoad(), Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	return database, store, application
}

func newRaceFixture(t *testing.T) *raceFixture {
	t.Helper()
	database, store, application := newPostgresApplication(t)
	runner, err := projections.NewRunner(projections.Config{Pool: database.Pool, Store: store, Decode: application.Decode,
		Projections: projections.All(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	fixture := &raceFixture{database: database, store: store, application: application, runner: runner}
	// The village official of worked example 7, billed January and February 2024: 2 x 187,200 = 374,400.
	for _, line := range []string{payerLine, memberLine, enrollLine,
		`{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"2024-01"}`,
		`{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"2024-02"}`,
		claimPayerLine} {
		mustRun(t, application, line)
	}
	for i, claimID := range []string{raceClaimA, raceClaimB} {
		nik := fmt.Sprintf("631006010180000%d", i+1)
		for _, line := range []string{
			`{"command":"RegisterParticipant","nik":"` + nik + `","name":"Pejabat ` + claimID + `","birth_date":"1980-01-01","category":"perangkat_desa","segment":"PU","kecamatan":"Kusan Tengah","desa":"Sepunggur","payer_id":"desa-sepunggur"}`,
			`{"command":"Enroll","nik":"` + nik + `","programmes":["JKK","JKM","JHT"],"effective_date":"2021-01-01","wage":"3000000"}`,
			`{"command":"ReportDeath","nik":"` + nik + `","date":"2024-03-10","cause":"other"}`,
			`{"command":"FileClaim","claim_id":"` + claimID + `","nik":"` + nik + `","programme":"JKM","benefit":"death","incident_date":"2024-03-10","heir":{"name":"Ahli Waris","relationship":"spouse"}}`,
		} {
			mustRun(t, application, line)
		}
	}
	mustRun(t, application, `{"command":"ApproveClaim","claim_id":"`+raceClaimB+`"}`)
	fixture.checkBooks(t)
	return fixture
}

// outcome is what one worker's command came to.
type outcome struct {
	events   int    // events the accepted command returned (appended, or found appended by an identical racer)
	eventIDs string // their ids, to tell one shared event from two
	err      error  // the final error, nil when accepted
	retries  int    // repeats after concurrent_update
}

func (o outcome) code() string {
	if domainError, ok := problem.As(o.err); ok {
		return domainError.Code
	}
	return ""
}

// execute runs one JSONL line through Execute, repeating it (same ids) while
// it loses with concurrent_update, a bounded number of times.
func (f *raceFixture) execute(line string) outcome {
	decoded, err := command.DecodeLine([]byte(line))
	if err != nil {
		return outcome{err: err}
	}
	var result outcome
	for attempt := 0; attempt <= maxRaceRetries; attempt++ {
		executed, err := f.application.Execute(context.Background(), decoded, app.Meta{Actor: "race-test", Source: "test"})
		if domainError, ok := problem.As(err); ok && domainError.Code == "concurrent_update" {
			result.retries++
			continue
		}
		result.err, result.events = err, len(executed.Events)
		for _, recorded := range executed.Events {
			result.eventIDs += recorded.EventID.String() + " "
		}
		return result
	}
	result.err = fmt.Errorf("still losing to concurrent writers after %d repeats", maxRaceRetries)
	return result
}

// race starts every line on its own goroutine at the same moment, waits for
// all, then runs the very same lines again at once: the second round is a
// retry of every command and must append nothing and decide each the same way.
func (f *raceFixture) race(t *testing.T, lines []string) []outcome {
	t.Helper()
	first := f.round(lines)
	head, err := f.store.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	second := f.round(lines)
	after, err := f.store.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if after != head {
		t.Errorf("retrying the same %d commands moved the log head from %d to %d: a retry applied twice", len(lines), head, after)
	}
	retries := 0
	for i := range lines {
		retries += first[i].retries
		if (first[i].err == nil) != (second[i].err == nil) || first[i].code() != second[i].code() {
			t.Errorf("worker %d: first %v, on retry %v; a retry must be decided the same way", i, first[i].err, second[i].err)
		}
		if first[i].err != nil && first[i].code() == "" {
			t.Errorf("worker %d: %v is not a typed problem error", i, first[i].err)
		}
	}
	t.Logf("%d workers, %d repeats after concurrent_update, log head %d", len(lines), retries, head)
	return first
}

func (f *raceFixture) round(lines []string) []outcome {
	outcomes := make([]outcome, len(lines))
	start := make(chan struct{})
	var wait sync.WaitGroup
	for i, line := range lines {
		wait.Add(1)
		go func() {
			defer wait.Done()
			<-start
			outcomes[i] = f.execute(line)
		}()
	}
	close(start)
	wait.Wait()
	return outcomes
}

// checkBooks catches the projections up and checks that the double-entry
// journal balances: every debit has its credit, to the cent.
func (f *raceFixture) checkBooks(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.runner.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	var total decimal.NullDecimal
	if err := f.database.Pool.QueryRow(ctx, `SELECT sum(balance) FROM trial_balance`).Scan(&total); err != nil {
		t.Fatal(err)
	}
	if !total.Valid || !total.Decimal.IsZero() {
		t.Errorf("trial balance sums to %v, want exactly 0.00", total)
	}
}

func (f *raceFixture) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := f.database.Pool.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// TestRacesOnOneParticipantPayerAndClaim: 32 goroutines at a time issue
// conflicting commands against one payer, one participant and two claims.
// No update is lost, of each conflicting pair exactly one wins and the other
// gets a typed error, retries apply nothing twice, the books balance after
// every race, and the log's hash chains hold at the end.
func TestRacesOnOneParticipantPayerAndClaim(t *testing.T) {
	t.Parallel()
	fixture := newRaceFixture(t)
	t.Run("payments with distinct ids", fixture.paymentsWithDistinctIDs)
	t.Run("payments sharing ids", fixture.paymentsSharingIDs)
	t.Run("wage changes on one participant", fixture.wageChanges)
	t.Run("approve and reject one claim", fixture.approveOrReject)
	t.Run("payouts beyond the approved total", fixture.payoutsBeyondTotal)

	ctx := context.Background()
	report, err := fixture.store.Verify(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if report.FirstBroken != nil || report.Unsealed != 0 {
		t.Errorf("Store.Verify after the races: broken at %v, %d events without a position", report.FirstBroken, report.Unsealed)
	}
	models, err := fixture.runner.Verify(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if differences := models.Differences(); differences != 0 {
		t.Errorf("read models differ from a re-derivation from the log in %d row(s): %+v", differences, models.Tables)
	}
	t.Logf("log verified: %d events in %d streams", report.Events, report.Streams)
}

// Each worker pays (i+1) x 1,000 on 2024-02-10, before either bill is due:
// 1,000 x (1 + ... + 32) = 528,000 in all. The bills of 374,400 are paid in
// full, never more (a lost update would allocate one outstanding twice), and
// the other 528,000 - 374,400 = 153,600 is credit.
func (f *raceFixture) paymentsWithDistinctIDs(t *testing.T) {
	lines := make([]string, raceWorkers)
	for i := range lines {
		lines[i] = fmt.Sprintf(`{"command":"RecordPayment","payment_id":"race-pay-%02d","payer_id":"desa-pakatellu","amount":"%d","paid_on":"2024-02-10","bank_reference":"BPD-%02d"}`, i, (i+1)*1000, i)
	}
	for i, result := range f.race(t, lines) {
		if result.err != nil || result.events != 1 {
			t.Errorf("worker %d: %d event(s), %v; want its payment recorded", i, result.events, result.err)
		}
	}
	state, err := f.application.LoadPayer(context.Background(), "desa-pakatellu")
	if err != nil {
		t.Fatal(err)
	}
	if len(state.Payments) != raceWorkers {
		t.Errorf("payments: got %d, want %d", len(state.Payments), raceWorkers)
	}
	allocated, received := decimal.Zero, decimal.Zero
	for _, payment := range state.Payments {
		received = received.Add(payment.Amount.Decimal)
	}
	for period, bill := range state.Bills {
		if !bill.Allocated.Equal(bill.Total) {
			t.Errorf("bill %s: %s allocated of %s, want it paid exactly in full", period, bill.Allocated, bill.Total)
		}
		allocated = allocated.Add(bill.Allocated)
	}
	if !received.Equal(rupiah("528000")) || !allocated.Equal(rupiah("374400")) || !state.Credit.Equal(rupiah("153600")) || !state.Penalties.IsZero() {
		t.Errorf("got received %s, allocated %s, credit %s, penalties %s; want 528000, 374400, 153600, 0",
			received, allocated, state.Credit, state.Penalties)
	}
	f.checkBooks(t)
	if rows := f.count(t, `SELECT count(*) FROM rm_payments WHERE payment_id LIKE 'race-pay-%' AND status = 'received'`); rows != raceWorkers {
		t.Errorf("rm_payments: %d rows, want %d", rows, raceWorkers)
	}
}

// Workers 2k and 2k+1 share payment id dup-k. For even k they send the same
// payment (a client's retry): one event, both told it is recorded. For odd k
// they send different amounts (700 and 900): one wins, the other is told
// payment_exists. Every amount goes to credit: the bills are paid already.
func (f *raceFixture) paymentsSharingIDs(t *testing.T) {
	before, err := f.application.LoadPayer(context.Background(), "desa-pakatellu")
	if err != nil {
		t.Fatal(err)
	}
	lines := make([]string, raceWorkers)
	for i := range lines {
		pair := i / 2
		amount := 500
		if pair%2 == 1 {
			amount = 700 + 200*(i%2)
		}
		lines[i] = fmt.Sprintf(`{"command":"RecordPayment","payment_id":"dup-%02d","payer_id":"desa-pakatellu","amount":"%d","paid_on":"2024-02-11","bank_reference":"BPD-DUP-%02d"}`, pair, amount, pair)
	}
	outcomes := f.race(t, lines)
	state, err := f.application.LoadPayer(context.Background(), "desa-pakatellu")
	if err != nil {
		t.Fatal(err)
	}
	wantCredit := before.Credit
	for pair := 0; pair < raceWorkers/2; pair++ {
		a, b := outcomes[2*pair], outcomes[2*pair+1]
		stored, ok := state.Payments[fmt.Sprintf("dup-%02d", pair)]
		if !ok {
			t.Errorf("pair %d: no payment stored", pair)
			continue
		}
		wantCredit = wantCredit.Add(stored.Amount.Decimal)
		if pair%2 == 0 {
			if a.err != nil || b.err != nil || (a.events > 0 && b.events > 0 && a.eventIDs != b.eventIDs) {
				t.Errorf("pair %d (the same payment twice): %v / %v, events %q / %q; want both accepted as one event", pair, a.err, b.err, a.eventIDs, b.eventIDs)
			}
			continue
		}
		winner, loser := a, b
		winningAmount := "700"
		if a.err != nil {
			winner, loser, winningAmount = b, a, "900"
		}
		if winner.err != nil || winner.events != 1 || loser.code() != "payment_exists" || !errorIsKind(loser.err, problem.Conflict) {
			t.Errorf("pair %d (one id, two amounts): %v / %v; want exactly one accepted and the other payment_exists (conflict)", pair, a.err, b.err)
		}
		if !stored.Amount.Equal(rupiah(winningAmount)) {
			t.Errorf("pair %d: stored %s, want the winner's %s", pair, stored.Amount, winningAmount)
		}
	}
	if !state.Credit.Equal(wantCredit) {
		t.Errorf("credit: got %s, want %s (the credit before and each stored payment once)", state.Credit, wantCredit)
	}
	if twice := f.count(t, `SELECT count(*) FROM (SELECT data->>'payment_id' FROM events WHERE type = 'PaymentReceived'
		GROUP BY 1 HAVING count(*) > 1) repeated`); twice != 0 {
		t.Errorf("%d payment ids have more than one PaymentReceived event", twice)
	}
	f.checkBooks(t)
}

// Each worker changes the official's wage from the first of its own month
// (2024-03 onwards) to 3,000,000 + (i+1) x 10,000; every change must be in the
// participant's wage history afterwards.
func (f *raceFixture) wageChanges(t *testing.T) {
	first, err := calendar.ParsePeriod("2024-03")
	if err != nil {
		t.Fatal(err)
	}
	lines := make([]string, raceWorkers)
	dates := make([]calendar.Date, raceWorkers)
	for i := range lines {
		dates[i] = first.AddMonths(i).FirstDay()
		lines[i] = fmt.Sprintf(`{"command":"ChangeWage","nik":"6310064203820002","effective_date":"%s","wage":"%d"}`, dates[i], 3_000_000+(i+1)*10_000)
	}
	for i, result := range f.race(t, lines) {
		if result.err != nil || result.events != 1 {
			t.Errorf("worker %d: %d event(s), %v; want its wage change recorded", i, result.events, result.err)
		}
	}
	member, err := f.application.ParticipantByNIK(context.Background(), "6310064203820002")
	if err != nil {
		t.Fatal(err)
	}
	for i, date := range dates {
		want := decimal.NewFromInt(int64(3_000_000 + (i+1)*10_000))
		if got, ok := member.WageOn(date); !ok || !got.Equal(want) {
			t.Errorf("wage on %s: got %s, want %s", date, got, want)
		}
	}
	if changed := f.count(t, `SELECT count(*) FROM events WHERE stream_id = $1 AND type = 'WageChanged'`, app.ParticipantStream(member.ID)); changed != raceWorkers {
		t.Errorf("WageChanged events: got %d, want %d", changed, raceWorkers)
	}
	f.checkBooks(t)
}

// Even workers approve claim A, odd workers reject it, each with its own
// reason. Exactly one decision is stored. Approving twice is a retry, so when
// the approval wins every approver is told yes (with the one event) and every
// rejecter claim_approved; when a rejection wins, only its worker is told yes.
func (f *raceFixture) approveOrReject(t *testing.T) {
	lines := make([]string, raceWorkers)
	for i := range lines {
		lines[i] = `{"command":"ApproveClaim","claim_id":"` + raceClaimA + `"}`
		if i%2 == 1 {
			lines[i] = fmt.Sprintf(`{"command":"RejectClaim","claim_id":"%s","reason":"reason-%02d"}`, raceClaimA, i)
		}
	}
	outcomes := f.race(t, lines)
	decisions := f.count(t, `SELECT count(*) FROM events WHERE stream_id = $1 AND type IN ('ClaimApproved', 'ClaimRejected')`, app.ClaimStream(raceClaimA))
	if decisions != 1 {
		t.Fatalf("decision events on the claim: got %d, want exactly 1", decisions)
	}
	state, err := f.application.LoadClaim(context.Background(), raceClaimA)
	if err != nil {
		t.Fatal(err)
	}
	winners := map[string]bool{}
	for i, result := range outcomes {
		approver := i%2 == 0
		switch {
		case result.err == nil && result.events > 0:
			winners[result.eventIDs] = true
		case result.err == nil && !(approver && state.Approved != nil):
			t.Errorf("worker %d: accepted without an event, but it did not approve an approved claim", i)
		case result.err != nil && !errorIsKind(result.err, problem.Conflict):
			t.Errorf("worker %d: %v, want a conflict", i, result.err)
		}
		if state.Approved != nil && approver && result.err != nil {
			t.Errorf("worker %d: approving an approved claim is a retry, got %v", i, result.err)
		}
	}
	if len(winners) != 1 {
		t.Errorf("distinct winning decisions: got %d, want 1", len(winners))
	}
	t.Logf("claim %s ended %s", raceClaimA, state.Status())
	f.checkBooks(t)
}

// Claim B is approved for 42,000,000 (docs/rulebook.md worked example 1). 32 workers each pay
// out 2,000,000 under their own payout id: 64,000,000 asked for, so exactly
// 42,000,000 / 2,000,000 = 21 are accepted and 11 told exceeds_outstanding.
func (f *raceFixture) payoutsBeyondTotal(t *testing.T) {
	lines := make([]string, raceWorkers)
	for i := range lines {
		lines[i] = fmt.Sprintf(`{"command":"RecordPayout","payout_id":"race-po-%02d","claim_id":"%s","amount":"2000000","paid_on":"2026-11-28","bank_reference":"BPJSTK-%02d"}`, i, raceClaimB, i)
	}
	accepted, refused := 0, 0
	for i, result := range f.race(t, lines) {
		switch {
		case result.err == nil && result.events == 1:
			accepted++
		case result.code() == "exceeds_outstanding" && errorIsKind(result.err, problem.Invalid):
			refused++
		default:
			t.Errorf("worker %d: %d event(s), %v", i, result.events, result.err)
		}
	}
	if accepted != 21 || refused != 11 {
		t.Errorf("payouts: %d accepted and %d refused, want 21 and 11", accepted, refused)
	}
	state, err := f.application.LoadClaim(context.Background(), raceClaimB)
	if err != nil {
		t.Fatal(err)
	}
	if !state.Outstanding().IsZero() || !state.PaidOut.Equal(rupiah("42000000")) {
		t.Errorf("claim after the payouts: paid %s, outstanding %s; want 42000000 and 0", state.PaidOut, state.Outstanding())
	}
	f.checkBooks(t)
	var paid decimal.NullDecimal
	if err := f.database.Pool.QueryRow(context.Background(), `SELECT sum(amount) FROM rm_payouts WHERE claim_id = $1`, raceClaimB).Scan(&paid); err != nil {
		t.Fatal(err)
	}
	if !paid.Valid || !paid.Decimal.Equal(rupiah("42000000")) {
		t.Errorf("rm_payouts for the claim: %v, want 42000000.00", paid)
	}
}

func errorIsKind(err error, kind problem.Kind) bool {
	domainError, ok := problem.As(err)
	return ok && domainError.Kind == kind
}
