package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/adapters/directory"
	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/memory"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/claim"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/payer"
	"github.com/tanahbumbu/jaminan/domain/problem"
	"github.com/tanahbumbu/jaminan/domain/reference"
	"github.com/tanahbumbu/jaminan/domain/rules"
)

// fixedNow is the clock of every test: the domain never reads a real one.
var fixedNow = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

func newApplication(t *testing.T, store eventstore.Store) *app.Application {
	t.Helper()
	return newApplicationWith(t, store, rules.Default())
}

// newApplicationWith is newApplication on another rule book.
func newApplicationWith(t *testing.T, store eventstore.Store, library *rules.Library) *app.Application {
	t.Helper()
	issued := 0 // deterministic participant ids, so two runs of one history are comparable
	newID := func() string { issued++; return fmt.Sprintf("participant-id-%04d", issued) }
	application, err := app.New(app.Config{Store: store, Directory: directory.NewMemory("test-key"), Library: library,
		Places: reference.MustLoad(), Now: func() time.Time { return fixedNow }, NewID: newID})
	if err != nil {
		t.Fatal(err)
	}
	return application
}

// run decodes a JSONL line and executes it, as `jaminan apply` does.
func run(t *testing.T, application *app.Application, line string) (app.Result, error) {
	t.Helper()
	decoded, err := command.DecodeLine([]byte(line))
	if err != nil {
		return app.Result{}, err
	}
	return application.Execute(context.Background(), decoded, app.Meta{Actor: "test", Source: "test"})
}

func mustRun(t *testing.T, application *app.Application, line string) app.Result {
	t.Helper()
	result, err := run(t, application, line)
	if err != nil {
		t.Fatalf("%s\n-> %v", line, err)
	}
	return result
}

func rupiah(text string) decimal.Decimal { return decimal.RequireFromString(text) }

// The Pakatellu village and a village official paid 3,000,000 (docs/rulebook.md worked example 7).
const (
	payerLine  = `{"command":"RegisterPayer","payer_id":"desa-pakatellu","name":"Pemerintah Desa Pakatellu","kind":"village_government","risk_class":1}`
	memberLine = `{"command":"RegisterParticipant","nik":"6310064203820002","name":"Halimatus Sa'diah","birth_date":"1982-03-02","category":"perangkat_desa","segment":"PU","kecamatan":"Kusan Tengah","desa":"Pakatellu","payer_id":"desa-pakatellu"}`
	enrollLine = `{"command":"Enroll","nik":"6310064203820002","programmes":["JKK","JKM","JHT"],"effective_date":"2021-01-01","wage":"3000000"}`
)

func setUpMember(t *testing.T, application *app.Application) {
	t.Helper()
	for _, line := range []string{payerLine, memberLine, enrollLine} {
		mustRun(t, application, line)
	}
}

func decodeOnly[T any](t *testing.T, application *app.Application, result app.Result) *T {
	t.Helper()
	for _, recorded := range result.Events {
		decoded, err := application.Decode(recorded)
		if err != nil {
			t.Fatal(err)
		}
		if typed, ok := any(decoded).(*T); ok {
			return typed
		}
	}
	t.Fatalf("no %T among %d events", new(T), len(result.Events))
	return nil
}

// TestFirstSlice walks the whole first slice through the command path and
// checks every figure against docs/rulebook.md.
func TestFirstSlice(t *testing.T) {
	RunSlice(t, func(t *testing.T) eventstore.Store { return memory.New() })
}

// RunSlice is the slice on any store (the PostgreSQL run is in slice_postgres_test.go).
func RunSlice(t *testing.T, newStore func(t *testing.T) eventstore.Store) {
	application := newApplication(t, newStore(t))
	setUpMember(t, application)

	// Worked example 7: PU risk class 1, W = 3,000,000: JKK 7,200; JKM 9,000; JHT 171,000 (111,000 + 60,000); 187,200.
	assessed := decodeOnly[payer.BillLinesRecorded](t, application,
		mustRun(t, application, `{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"2024-02"}`))
	if len(assessed.Lines) != 1 {
		t.Fatalf("bill lines: got %d, want 1", len(assessed.Lines))
	}
	want := map[string][3]string{"JKK": {"7200", "0", "7200"}, "JKM": {"9000", "0", "9000"}, "JHT": {"111000", "60000", "171000"}}
	for _, line := range assessed.Lines[0].Lines {
		figures := want[line.Programme]
		if !line.Employer.Equal(rupiah(figures[0])) || !line.Worker.Equal(rupiah(figures[1])) || !line.Total.Equal(rupiah(figures[2])) {
			t.Errorf("%s: got employer %s worker %s total %s, want %v", line.Programme, line.Employer, line.Worker, line.Total, figures)
		}
	}
	if !assessed.Total.Equal(rupiah("187200")) {
		t.Errorf("bill total: got %s, want 187200", assessed.Total)
	}
	if assessed.DueDate.String() != "2024-03-15" {
		t.Errorf("due date: got %s, want 2024-03-15 (the 15th of the following month)", assessed.DueDate)
	}

	received := decodeOnly[payer.PaymentReceived](t, application, mustRun(t, application,
		`{"command":"RecordPayment","payment_id":"pay-2024-02","payer_id":"desa-pakatellu","amount":"187200.00","paid_on":"2024-03-10","bank_reference":"BPD-0001","period":"2024-02"}`))
	if len(received.Allocations) != 1 || !received.Allocations[0].Amount.Equal(rupiah("187200")) || !received.Credit.IsZero() {
		t.Errorf("allocation: got %+v credit %s, want 187200 to 2024-02 and no credit", received.Allocations, received.Credit)
	}

	mustRun(t, application, `{"command":"ReportDeath","nik":"6310064203820002","date":"2024-03-10","cause":"other"}`)
	mustRun(t, application, `{"command":"FileClaim","claim_id":"jkm-1","nik":"6310064203820002","programme":"JKM","benefit":"death","incident_date":"2024-03-10","heir":{"name":"Muhammad Ridwan","relationship":"spouse","nik":"6310060505790004"}}`)
	approved := decodeOnly[claim.Approved](t, application, mustRun(t, application, `{"command":"ApproveClaim","claim_id":"jkm-1"}`))
	// Worked example 1: 20,000,000 + 12,000,000 + 10,000,000 = 42,000,000, under pp82-2019.
	if approved.RuleBook != "pp82-2019" || !approved.Total.Equal(rupiah("42000000")) {
		t.Fatalf("approval: got %s total %s, want pp82-2019 total 42000000", approved.RuleBook, approved.Total)
	}
	wantComponents := []string{"20000000", "12000000", "10000000"}
	if len(approved.Components) != len(wantComponents) {
		t.Fatalf("components: got %d, want 3", len(approved.Components))
	}
	for i, component := range approved.Components {
		if !component.Amount.Equal(rupiah(wantComponents[i])) {
			t.Errorf("component %d (%s): got %s, want %s", i, component.Code, component.Amount, wantComponents[i])
		}
	}

	payout := decodeOnly[claim.PayoutRecorded](t, application, mustRun(t, application,
		`{"command":"RecordPayout","payout_id":"po-1","claim_id":"jkm-1","amount":"42000000.00","paid_on":"2026-11-28","bank_reference":"BPJSTK-0042"}`))
	if payout.Payee != "Muhammad Ridwan" || payout.Relationship != "spouse" || !payout.Amount.Equal(rupiah("42000000")) {
		t.Errorf("payout: got %+v", payout)
	}
	state, err := application.LoadClaim(context.Background(), "jkm-1")
	if err != nil {
		t.Fatal(err)
	}
	if state.Status() != claim.StatusPaid || !state.Outstanding().IsZero() {
		t.Errorf("claim after payout: status %s outstanding %s, want paid and 0", state.Status(), state.Outstanding())
	}
	// The bank returns the transfer: the payout is reversed and the claim is payable again.
	payoutEvent := mustRun(t, application, `{"command":"RecordPayout","payout_id":"po-1","claim_id":"jkm-1","amount":"42000000.00","paid_on":"2026-11-28","bank_reference":"BPJSTK-0042"}`)
	if len(payoutEvent.Events) != 0 {
		t.Fatal("a repeated payout appended")
	}
	history, err := application.Store().ReadStream(context.Background(), app.ClaimStream("jkm-1"), 3, 1)
	if err != nil || len(history) != 1 || history[0].Type != "PayoutRecorded" {
		t.Fatalf("claim stream version 3: %v %v", history, err)
	}
	mustRun(t, application, `{"command":"Reverse","event_id":"`+history[0].EventID.String()+`","reason":"bank_returned"}`)
	state, err = application.LoadClaim(context.Background(), "jkm-1")
	if err != nil {
		t.Fatal(err)
	}
	if state.Status() != claim.StatusApproved || !state.Outstanding().Equal(rupiah("42000000")) {
		t.Errorf("after the payout's reversal: status %s outstanding %s, want approved and 42000000", state.Status(), state.Outstanding())
	}
}

// TestBadInputAppendsNothing: each bad command gets an error naming the field, and the log does not move.
func TestBadInputAppendsNothing(t *testing.T) {
	RunBadInput(t, func(t *testing.T) eventstore.Store { return memory.New() })
}

// RunBadInput is the bad-input table on any store.
func RunBadInput(t *testing.T, newStore func(t *testing.T) eventstore.Store) {
	store := newStore(t)
	application := newApplication(t, store)
	setUpMember(t, application)
	mustRun(t, application, `{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"2021-01"}`)
	mustRun(t, application, `{"command":"ReportDeath","nik":"6310064203820002","date":"2024-03-10","cause":"other"}`)
	mustRun(t, application, `{"command":"FileClaim","claim_id":"jkm-1","nik":"6310064203820002","programme":"JKM","benefit":"death","incident_date":"2024-03-10","heir":{"name":"Muhammad Ridwan","relationship":"spouse"}}`)
	// Another village's kader, enrolled only in 2024, who died in 2023: not covered.
	for _, line := range []string{
		`{"command":"RegisterPayer","payer_id":"pemkab","name":"Pemkab Tanah Bumbu","kind":"regency","risk_class":1}`,
		`{"command":"RegisterParticipant","nik":"6310054507850001","name":"Santi","birth_date":"1985-07-05","category":"kader","segment":"BPU","kecamatan":"Kusan Hilir","desa":"Muara Pagatan Tengah","payer_id":"pemkab"}`,
		`{"command":"Enroll","nik":"6310054507850001","programmes":["JKK","JKM"],"effective_date":"2024-01-01","declared_income":"1000000"}`,
		`{"command":"ReportDeath","nik":"6310054507850001","date":"2023-12-20","cause":"other"}`,
	} {
		mustRun(t, application, line)
	}
	head, err := store.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, line, code, field string
	}{
		{"NIK of 15 digits", `{"command":"RegisterParticipant","nik":"631006420382000","name":"X","birth_date":"1990-01-01","category":"kader","segment":"BPU","kecamatan":"Kusan Hilir","desa":"Batuah","payer_id":"pemkab"}`, "invalid_nik", "nik"},
		{"unknown category", `{"command":"RegisterParticipant","nik":"6310060101900009","name":"X","birth_date":"1990-01-01","category":"lurah","segment":"PU","kecamatan":"Kusan Hilir","desa":"Batuah","payer_id":"pemkab"}`, "unknown_value", "category"},
		{"unknown desa", `{"command":"RegisterParticipant","nik":"6310060101900009","name":"X","birth_date":"1990-01-01","category":"kader","segment":"BPU","kecamatan":"Kusan Hilir","desa":"Bunati","payer_id":"pemkab"}`, "unknown_desa", "desa"},
		{"unknown programme", `{"command":"Enroll","nik":"6310064203820002","programmes":["JKK","JKP"],"effective_date":"2024-01-01","wage":"3000000"}`, "unknown_value", "programmes"},
		{"negative amount", `{"command":"RecordPayment","payment_id":"p-neg","payer_id":"desa-pakatellu","amount":"-187200","paid_on":"2024-03-10","bank_reference":"X"}`, "negative_amount", "amount"},
		{"non-numeric amount", `{"command":"RecordPayment","payment_id":"p-abc","payer_id":"desa-pakatellu","amount":"abc","paid_on":"2024-03-10","bank_reference":"X"}`, "invalid_money", "amount"},
		{"money as a JSON number", `{"command":"RecordPayment","payment_id":"p-num","payer_id":"desa-pakatellu","amount":187200.5,"paid_on":"2024-03-10","bank_reference":"X"}`, "money_not_string", "amount"},
		{"three decimals", `{"command":"RecordPayment","payment_id":"p-3","payer_id":"desa-pakatellu","amount":"1.005","paid_on":"2024-03-10","bank_reference":"X"}`, "invalid_money", "amount"},
		{"payment for a period before enrollment", `{"command":"RecordPayment","payment_id":"p-early","payer_id":"desa-pakatellu","amount":"187200","paid_on":"2020-12-10","bank_reference":"X","period":"2020-12"}`, "period_before_enrollment", "period"},
		{"claim for someone not covered on the date of death", `{"command":"FileClaim","claim_id":"jkm-santi","nik":"6310054507850001","programme":"JKM","benefit":"death","incident_date":"2023-12-20","heir":{"name":"Rahmadi","relationship":"spouse"}}`, "not_covered", "incident_date"},
		{"second claim for the same death", `{"command":"FileClaim","claim_id":"jkm-2","nik":"6310064203820002","programme":"JKM","benefit":"death","incident_date":"2024-03-10","heir":{"name":"Muhammad Ridwan","relationship":"spouse"}}`, "death_already_claimed", "claim_id"},
		{"unknown field", `{"command":"ApproveClaim","claim_id":"jkm-1","amount":"1"}`, "unknown_field", "amount"},
		{"malformed date", `{"command":"ReportDeath","nik":"6310064203820002","date":"2024-02-30","cause":"other"}`, "invalid_value", "date"},
		{"unknown command", `{"command":"DeleteEverything"}`, "unknown_command", "command"},
		{"malformed JSON", `{"command":"ApproveClaim",`, "malformed_json", ""},
		{"payout before approval", `{"command":"RecordPayout","payout_id":"po-x","claim_id":"jkm-1","amount":"1000","paid_on":"2026-11-28","bank_reference":"X"}`, "claim_not_approved", "claim_id"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			_, err := run(t, application, test.line)
			domainError, ok := problem.As(err)
			if !ok {
				t.Fatalf("got %v, want a domain error %s", err, test.code)
			}
			if domainError.Code != test.code || domainError.Field != test.field {
				t.Errorf("got code %q field %q (%s), want code %q field %q", domainError.Code, domainError.Field, domainError.Message, test.code, test.field)
			}
			after, err := store.Head(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if after != head {
				t.Errorf("log head moved from %d to %d: a refused command appended", head, after)
			}
		})
	}
}

// TestRetriesAppendNothing: replaying the same commands appends nothing new.
func TestRetriesAppendNothing(t *testing.T) {
	store := memory.New()
	application := newApplication(t, store)
	setUpMember(t, application)
	head, _ := store.Head(context.Background())
	for _, line := range []string{payerLine, memberLine, enrollLine} {
		result := mustRun(t, application, line)
		if len(result.Events) != 0 {
			body, _ := json.Marshal(result.Views())
			t.Errorf("retry of %s appended %s", line, body)
		}
	}
	if after, _ := store.Head(context.Background()); after != head {
		t.Errorf("head moved from %d to %d on retries", head, after)
	}
}
