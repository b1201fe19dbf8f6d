package app_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/memory"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/app/apptest"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/money"
	"github.com/tanahbumbu/jaminan/domain/payer"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

// poisonFixture is the command path and every projection on a throwaway
// PostgreSQL database: what the domain accepts must then be decoded and
// projected, and what it refuses must leave the log as it was.
type poisonFixture struct {
	database *pgtest.Database
	system   *apptest.System
}

func newPoisonFixture(t *testing.T) *poisonFixture {
	t.Helper()
	database := pgtest.New(t)
	fixture := &poisonFixture{database: database, system: apptest.New(t, database.Pool, fixedNow)}
	fixture.system.Apply(t, app.Meta{Actor: "test"}, payerLine, memberLine, enrollLine)
	return fixture
}

// refused runs a line that must be refused with code on field, and checks
// that nothing was appended and that every projection still catches up.
func (f *poisonFixture) refused(t *testing.T, line, field, code string) {
	t.Helper()
	ctx := context.Background()
	before, err := f.system.Store.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, runErr := f.execute(line)
	after, err := f.system.Store.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("%s: the log head moved from %d to %d (answer: %v)", line, before, after, runErr)
	}
	domainError, ok := problem.As(runErr)
	if !ok || domainError.Field != field || domainError.Code != code {
		t.Errorf("%s:\n got %v (%+v),\nwant %s on %s", line, runErr, domainError, code, field)
	}
	f.catchUp(t)
}

func (f *poisonFixture) execute(line string) (app.Result, error) {
	decoded, err := command.DecodeLine([]byte(line))
	if err != nil {
		return app.Result{}, err
	}
	return f.system.Application.Execute(context.Background(), decoded, app.Meta{Actor: "test", Source: "test"})
}

func (f *poisonFixture) must(t *testing.T, lines ...string) {
	t.Helper()
	f.system.Apply(t, app.Meta{Actor: "test"}, lines...)
}

// catchUp fails the test when any projection cannot take the log.
func (f *poisonFixture) catchUp(t *testing.T) {
	t.Helper()
	if _, err := f.system.Runner.CatchUp(context.Background()); err != nil {
		t.Fatalf("a projection cannot take the log: %v", err)
	}
}

// A village payer billed for December 2199: the due date (January 2200) lay
// outside what the event decoder accepted, so every projection stopped one
// event before it. The period is refused now: at most the current month
// (November 2026 here), or the next for non-wage earners.
func TestFarFuturePeriodIsRefused(t *testing.T) {
	f := newPoisonFixture(t)
	f.refused(t, `{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"2199-12"}`, "period", "future_period")
	// The member is a wage earner (PU): one month ahead is for non-wage earners only.
	f.refused(t, `{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"2026-12"}`, "period", "future_period")
	f.must(t, `{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"2026-11"}`)
	f.catchUp(t)
}

// One payout id on two claims: both were accepted and the claims projection
// failed on rm_payouts_pkey. A payout id is now unique across the ledger,
// checked when the payout is recorded.
func TestPayoutIDIsUniqueAcrossClaims(t *testing.T) {
	f := newPoisonFixture(t)
	f.jkmClaims(t, "jkm-a", "jkm-b")
	f.must(t, `{"command":"RecordPayout","payout_id":"po-1","claim_id":"jkm-a","amount":"1000000","paid_on":"2026-11-28","bank_reference":"B-1"}`)
	f.refused(t, `{"command":"RecordPayout","payout_id":"po-1","claim_id":"jkm-b","amount":"1000000","paid_on":"2026-11-28","bank_reference":"B-2"}`, "payout_id", "payout_id_taken")
	// A retry on its own claim is still the same payout.
	f.must(t, `{"command":"RecordPayout","payout_id":"po-1","claim_id":"jkm-a","amount":"1000000","paid_on":"2026-11-28","bank_reference":"B-1"}`)
	f.catchUp(t)
}

// Concurrent payouts with one id on different claims: exactly one claim gets it.
func TestPayoutIDRaceHasOneWinner(t *testing.T) {
	f := newPoisonFixture(t)
	claims := []string{"jkm-r1", "jkm-r2", "jkm-r3", "jkm-r4"}
	f.jkmClaims(t, claims...)
	const perClaim = 5
	var wait sync.WaitGroup
	start := make(chan struct{})
	results := make(chan string, perClaim*len(claims))
	for _, claimID := range claims {
		for range perClaim {
			wait.Add(1)
			go func() {
				defer wait.Done()
				<-start
				line := `{"command":"RecordPayout","payout_id":"po-race","claim_id":"` + claimID + `","amount":"1000000","paid_on":"2026-11-28","bank_reference":"B-` + claimID + `"}`
				for range maxRaceRetries {
					_, err := f.execute(line)
					if domainError, ok := problem.As(err); ok && domainError.Code == "concurrent_update" {
						continue
					}
					if err != nil {
						results <- "refused " + claimID + " " + fmt.Sprint(err)
						return
					}
					results <- "accepted " + claimID
					return
				}
				results <- "still racing " + claimID
			}()
		}
	}
	close(start)
	wait.Wait()
	close(results)
	winners := map[string]bool{}
	for result := range results {
		if claimID, ok := strings.CutPrefix(result, "accepted "); ok {
			winners[claimID] = true
		} else if !strings.Contains(result, "payout_id") {
			t.Errorf("unexpected outcome: %s", result)
		}
	}
	if len(winners) != 1 {
		t.Fatalf("payout po-race was accepted on %d claims (%v), want exactly 1", len(winners), winners)
	}
	f.catchUp(t)
	var rows int
	if err := f.database.Pool.QueryRow(context.Background(), `SELECT count(*) FROM events WHERE type = 'PayoutRecorded'`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 1 {
		t.Errorf("%d PayoutRecorded events, want 1", rows)
	}
}

// jkmClaims registers one deceased official per claim id and files and
// approves a JKM death claim for each (docs/rulebook.md, worked example 1: 42,000,000).
func (f *poisonFixture) jkmClaims(t *testing.T, claimIDs ...string) {
	t.Helper()
	for i, claimID := range claimIDs {
		nik := fmt.Sprintf("63100601018%05d", i+1)
		f.must(t,
			`{"command":"RegisterParticipant","nik":"`+nik+`","name":"Pejabat `+claimID+`","birth_date":"1980-01-01","category":"perangkat_desa","segment":"PU","kecamatan":"Kusan Tengah","desa":"Pakatellu","payer_id":"desa-pakatellu"}`,
			`{"command":"Enroll","nik":"`+nik+`","programmes":["JKK","JKM","JHT"],"effective_date":"2021-01-01","wage":"3000000"}`,
			`{"command":"ReportDeath","nik":"`+nik+`","date":"2024-03-10","cause":"other"}`,
			`{"command":"FileClaim","claim_id":"`+claimID+`","nik":"`+nik+`","programme":"JKM","benefit":"death","incident_date":"2024-03-10","heir":{"name":"Ahli Waris","relationship":"spouse"}}`,
			`{"command":"ApproveClaim","claim_id":"`+claimID+`"}`)
	}
}

// Two children of one name on a scholarship claim: approved, then
// rm_scholarship_commitments_pkey (claim, child, school year) failed. The
// child's name is how the scholarship commands name a child, so two children
// of one claim must have different names.
func TestScholarshipChildrenHaveDistinctNames(t *testing.T) {
	f := newPoisonFixture(t)
	f.must(t,
		`{"command":"ReportAccident","accident_id":"acc-1","nik":"6310064203820002","date":"2024-11-04","reported_on":"2024-11-05"}`,
		`{"command":"ReportDeath","nik":"6310064203820002","date":"2024-11-04","cause":"work_accident","accident_id":"acc-1"}`)
	f.refused(t, `{"command":"FileClaim","claim_id":"b-1","nik":"6310064203820002","programme":"SCHOLARSHIP","benefit":"scholarship","incident_date":"2024-11-04","heir":{"name":"Muhammad Ridwan","relationship":"spouse"},"details":{"children":[{"name":"Nur Aini","birth_date":"2013-05-14","level":"SMP","grade":1},{"name":" nur aini","birth_date":"2016-08-21","level":"SD","grade":2}]}}`,
		"details.children[1].name", "duplicate_child")
	f.must(t, `{"command":"FileClaim","claim_id":"b-1","nik":"6310064203820002","programme":"SCHOLARSHIP","benefit":"scholarship","incident_date":"2024-11-04","heir":{"name":"Muhammad Ridwan","relationship":"spouse"},"details":{"children":[{"name":"Nur Aini","birth_date":"2013-05-14","level":"SMP","grade":1},{"name":"Nur Aisyah","birth_date":"2016-08-21","level":"SD","grade":2}]}}`,
		`{"command":"ApproveClaim","claim_id":"b-1"}`)
	f.catchUp(t)
}

// Lines each of a valid amount whose sum no longer fits NUMERIC(18,2): the
// answer was 422 invalid_money, and five events were stored. Each amount is
// bounded now, so that no statement's totals can outgrow the read model.
func TestStatementTotalsFitTheReadModel(t *testing.T) {
	f := newPoisonFixture(t)
	line := func(n int) string {
		return fmt.Sprintf(`{"line":%d,"date":"2026-11-02","reference":"R%d","amount":"9999999999999999.99"}`, n, n)
	}
	f.refused(t, `{"command":"ReconcileStatement","statement_id":"stmt-huge","lines":[`+line(1)+`,`+line(2)+`,`+line(3)+`]}`,
		"lines[0].amount", "amount_too_large")
	// The largest statement the bounds allow: MaxStatementLines lines of the largest amount, and its totals fit.
	// (Built in Go: as JSON it is over the 64 KiB a command line may have; a CSV statement is not.)
	largest := &command.ReconcileStatement{StatementID: "stmt-largest"}
	for i := range command.MaxStatementLines {
		largest.Lines.Items = append(largest.Lines.Items, command.StatementLine{Line: i + 1, Date: calendar.NewDate(2026, 11, 2),
			Reference: fmt.Sprintf("R%d", i+1), Amount: &command.SignedMoney{Decimal: money.MaxAmount()}})
	}
	if _, err := f.system.Application.Execute(context.Background(), largest, app.Meta{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	f.catchUp(t)
}

// Business dates after today are refused: a payment dated 2199 computed a
// penalty for 2,108 months; a death in the future could never be corrected.
func TestFutureBusinessDatesAreRefused(t *testing.T) {
	f := newPoisonFixture(t)
	f.jkmClaims(t, "jkm-f")
	f.must(t, `{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"2024-01"}`)
	f.refused(t, `{"command":"RecordPayment","payment_id":"p-2199","payer_id":"desa-pakatellu","amount":"187200","paid_on":"2199-01-20","bank_reference":"B"}`, "paid_on", "future_date")
	f.refused(t, `{"command":"RecordPayment","payment_id":"p-tomorrow","payer_id":"desa-pakatellu","amount":"187200","paid_on":"2026-11-29","bank_reference":"B"}`, "paid_on", "future_date")
	f.refused(t, `{"command":"RecordPayout","payout_id":"po-f","claim_id":"jkm-f","amount":"1000000","paid_on":"2026-11-29","bank_reference":"B"}`, "paid_on", "future_date")
	f.refused(t, `{"command":"ReportDeath","nik":"6310064203820002","date":"2027-01-01","cause":"other"}`, "date", "future_date")
	f.refused(t, `{"command":"ReportAccident","accident_id":"acc-f","nik":"6310064203820002","date":"2026-12-01","reported_on":"2026-12-01"}`, "date", "future_date")
	f.refused(t, `{"command":"ReportAccident","accident_id":"acc-f","nik":"6310064203820002","date":"2026-11-20","reported_on":"2026-11-30"}`, "reported_on", "future_date")
	f.refused(t, `{"command":"EndMembership","nik":"6310064203820002","date":"2027-01-01","reason":"resigned"}`, "date", "future_date")
	// Today itself is fine.
	f.must(t, `{"command":"RecordPayment","payment_id":"p-today","payer_id":"desa-pakatellu","amount":"187200","paid_on":"2026-11-28","bank_reference":"B"}`)
	f.catchUp(t)
}

// Decoding an event already in the log never judges it again: a due date in
// 2200, a total past NUMERIC(18,2), a negative amount all decode as stored.
// (The decoder refused the first two, so each stopped every projection.)
func TestStoredEventsDecodeAsStored(t *testing.T) {
	application := newApplication(t, memory.New())
	stored := []eventstore.RecordedEvent{
		{Type: "ContributionsAssessed", SchemaVersion: 1, Data: []byte(`{"period":"2199-12","due_date":"2200-01-15","rule_book":"pp82-2019","lines":[],"total":"187200.00"}`)},
		{Type: "StatementImported", SchemaVersion: 1, Data: []byte(`{"statement_id":"s","account":"","period_from":"2026-11-02","period_to":"2026-11-02","window_days":3,"line_count":3,"bank_total":"29999999999999999.97","imported_on":"2026-11-28"}`)},
		{Type: "PaymentReceived", SchemaVersion: 1, Data: []byte(`{"payment_id":"p","amount":"-5.00","paid_on":"2199-01-20","bank_reference":"B","allocations":[],"credit":"0.125"}`)},
	}
	for _, recorded := range stored {
		if _, err := application.Decode(recorded); err != nil {
			t.Errorf("%s %s: %v", recorded.Type, recorded.Data, err)
		}
	}
	assessed, err := application.Decode(stored[0])
	if err != nil {
		t.Fatal(err)
	}
	if due := assessed.(*payer.ContributionsAssessed).DueDate.String(); due != "2200-01-15" {
		t.Errorf("due date decoded as %q", due)
	}
}
