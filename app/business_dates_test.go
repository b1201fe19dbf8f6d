package app_test

import (
	"os"
	"strings"
	"testing"

	"github.com/tanahbumbu/jaminan/adapters/eventstore/memory"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/claim"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/participant"
	"github.com/tanahbumbu/jaminan/domain/payer"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

// A claim's story carries its business dates: filed, approved and paid on
// the days they happened (today is 2026-11-28), so a historical payout on its
// real bank date is accepted. Worked example 6: one eye, W = 3,000,000:
// 35 % × 80 × 3,000,000 = 84,000,000, under the rule book of the incident.
func TestClaimStoryOnItsBusinessDates(t *testing.T) {
	application := newApplication(t, memory.New())
	setUpMember(t, application)
	mustRun(t, application, accidentLine) // 2024-06-03
	filed := decodeOnly[claim.Filed](t, application, mustRun(t, application,
		`{"command":"FileClaim","claim_id":"k","nik":"6310064203820002","programme":"JKK","benefit":"partial_disability","incident_date":"2024-06-03","filed_on":"2024-06-10","details":{"body_part":"one_eye"}}`))
	if !filed.FiledOn.Equal(calendar.NewDate(2024, 6, 10)) {
		t.Errorf("filed on %s, want 2024-06-10", filed.FiledOn)
	}
	approved := decodeOnly[claim.Approved](t, application, mustRun(t, application, `{"command":"ApproveClaim","claim_id":"k","approved_on":"2024-06-14"}`))
	if !approved.ApprovedOn.Equal(calendar.NewDate(2024, 6, 14)) || !approved.Total.Equal(rupiah("84000000")) || approved.RuleBook != "pp82-2019" {
		t.Errorf("approved on %s: %s under %s, want 2024-06-14: 84000000 under pp82-2019", approved.ApprovedOn, approved.Total, approved.RuleBook)
	}
	// JKK is paid within 7 working days of the approval, not of today.
	if approved.DueBy.After(calendar.NewDate(2024, 6, 30)) {
		t.Errorf("due by %s, want a day in June 2024", approved.DueBy)
	}
	mustRun(t, application, `{"command":"RecordPayout","payout_id":"po-1","claim_id":"k","amount":"84000000","paid_on":"2024-06-20","bank_reference":"BPD-2024-06-20"}`)
}

// Each business date out of the story's order, or in the future, is refused
// with its field named, and nothing is stored.
func TestBusinessDatesOutOfOrderAreRefused(t *testing.T) {
	application := newApplication(t, memory.New())
	setUpMember(t, application)
	mustRun(t, application, accidentLine) // 2024-06-03
	fileLine := func(id, filedOn string) string {
		return `{"command":"FileClaim","claim_id":"` + id + `","nik":"6310064203820002","programme":"JKK","benefit":"medical","incident_date":"2024-06-03","filed_on":"` + filedOn + `","details":{"cost":"1500000"}}`
	}
	tests := []struct {
		name, line, field, code string
	}{
		{"filed before the incident", fileLine("k-early", "2024-06-02"), "filed_on", "before_incident"},
		{"filed in the future", fileLine("k-future", "2026-11-29"), "filed_on", "future_date"},
		{"approved before filing", `{"command":"ApproveClaim","claim_id":"k","approved_on":"2024-06-09"}`, "approved_on", "before_filing"},
		{"approved in the future", `{"command":"ApproveClaim","claim_id":"k","approved_on":"2026-11-29"}`, "approved_on", "future_date"},
		{"rejected before filing", `{"command":"RejectClaim","claim_id":"k","reason":"x","rejected_on":"2024-06-01"}`, "rejected_on", "before_filing"},
		{"rejected in the future", `{"command":"RejectClaim","claim_id":"k","reason":"x","rejected_on":"2027-01-01"}`, "rejected_on", "future_date"},
	}
	mustRun(t, application, fileLine("k", "2024-06-10"))
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			result, err := run(t, application, test.line)
			wantRefused(t, result, err, test.code, test.field)
		})
	}
	state, err := application.LoadClaim(t.Context(), "k")
	if err != nil || state.Status() != claim.StatusFiled {
		t.Fatalf("claim k: %v %v, want still filed", state.Status(), err)
	}
	for _, id := range []string{"k-early", "k-future"} {
		if other, _ := application.LoadClaim(t.Context(), id); other.Filed != nil {
			t.Errorf("claim %s was stored", id)
		}
	}
	// Approved on its day, a payout before that day is refused.
	mustRun(t, application, `{"command":"ApproveClaim","claim_id":"k","approved_on":"2024-06-12"}`)
	_, err = run(t, application, `{"command":"RecordPayout","payout_id":"po-1","claim_id":"k","amount":"1500000","paid_on":"2024-06-11","bank_reference":"B"}`)
	wantCode(t, err, "before_approval")
	mustRun(t, application, `{"command":"RecordPayout","payout_id":"po-1","claim_id":"k","amount":"1500000","paid_on":"2024-06-12","bank_reference":"B"}`)
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	if domainError, ok := problem.As(err); !ok || domainError.Field != field {
		t.Errorf("got %v, want an error on %s", err, field)
	}
}

// wantRefused checks a command refused with code on field, with nothing stored.
func wantRefused(t *testing.T, result app.Result, err error, code, field string) {
	t.Helper()
	wantCode(t, err, code)
	wantField(t, err, field)
	if len(result.Events) != 0 {
		t.Errorf("stored %d events", len(result.Events))
	}
}

// docs/examples/claim-history.jsonl loads a claim of 2022 on its real dates:
// worked example 6 (one eye, W = 3,000,000: 84,000,000), paid on the bank's date.
func TestClaimHistoryExampleLoads(t *testing.T) {
	application := loadExample(t, "claim-history.jsonl")
	paid, err := application.LoadClaim(t.Context(), "jkk-2022-1")
	if err != nil || paid.Status() != claim.StatusPaid || !paid.Approved.ApprovedOn.Equal(calendar.NewDate(2022, 10, 10)) {
		t.Errorf("jkk-2022-1: %s approved on %v (%v), want paid, approved on 2022-10-10", paid.Status(), paid.Approved, err)
	}
	rejected, err := application.LoadClaim(t.Context(), "jkk-2022-2")
	if err != nil || rejected.Rejected == nil || !rejected.Rejected.RejectedOn.Equal(calendar.NewDate(2022, 10, 10)) {
		t.Errorf("jkk-2022-2: %+v (%v), want rejected on 2022-10-10", rejected.Rejected, err)
	}
}

// A payer and a participant are registered on their business dates; a date
// in the future, or before the participant's birth, is refused by field.
func TestRegistrationsOnTheirBusinessDates(t *testing.T) {
	application := newApplication(t, memory.New())
	payerRegistered := decodeOnly[payer.Registered](t, application, mustRun(t, application,
		`{"command":"RegisterPayer","payer_id":"desa-pakatellu","name":"Pemerintah Desa Pakatellu","kind":"village_government","risk_class":1,"registered_on":"2020-01-06"}`))
	if !payerRegistered.RegisteredOn.Equal(calendar.NewDate(2020, 1, 6)) {
		t.Errorf("payer registered on %s, want 2020-01-06", payerRegistered.RegisteredOn)
	}
	_, err := run(t, application, `{"command":"RegisterPayer","payer_id":"desa-lain","name":"Desa Lain","kind":"village_government","risk_class":1,"registered_on":"2026-11-29"}`)
	wantCode(t, err, "future_date")
	wantField(t, err, "registered_on")
	register := func(on string) string {
		return strings.Replace(memberLine, `"payer_id":"desa-pakatellu"}`, `"payer_id":"desa-pakatellu","registered_on":"`+on+`"}`, 1)
	}
	for on, code := range map[string]string{"1982-03-01": "before_birth", "2026-11-29": "future_date"} {
		_, err := run(t, application, register(on))
		wantCode(t, err, code)
		wantField(t, err, "registered_on")
	}
	memberRegistered := decodeOnly[participant.Registered](t, application, mustRun(t, application, register("2020-02-03")))
	if !memberRegistered.RegisteredOn.Equal(calendar.NewDate(2020, 2, 3)) {
		t.Errorf("participant registered on %s, want 2020-02-03", memberRegistered.RegisteredOn)
	}
}

// Corrections carry their business dates too: a payout reversed on its day
// (not before the payout), a month closed on its day (not before its end).
func TestCorrectionsOnTheirBusinessDates(t *testing.T) {
	application := newApplication(t, memory.New())
	setUpMember(t, application)
	mustRun(t, application, accidentLine) // 2024-06-03
	mustRun(t, application, `{"command":"FileClaim","claim_id":"k","nik":"6310064203820002","programme":"JKK","benefit":"medical","incident_date":"2024-06-03","filed_on":"2024-06-04","details":{"cost":"1500000"}}`)
	mustRun(t, application, `{"command":"ApproveClaim","claim_id":"k","approved_on":"2024-06-05"}`)
	payout := mustRun(t, application, `{"command":"RecordPayout","payout_id":"po-1","claim_id":"k","amount":"1500000","paid_on":"2024-06-20","bank_reference":"B"}`)
	reverse := func(on string) string {
		return `{"command":"Reverse","event_id":"` + payout.Events[0].EventID.String() + `","reason":"wrong_amount","reversed_on":"` + on + `"}`
	}
	for on, code := range map[string]string{"2024-06-19": "before_payout", "2026-11-29": "future_date"} {
		_, err := run(t, application, reverse(on))
		wantCode(t, err, code)
		wantField(t, err, "reversed_on")
	}
	reversed := decodeOnly[claim.PayoutReversed](t, application, mustRun(t, application, reverse("2024-06-25")))
	if !reversed.ReversedOn.Equal(calendar.NewDate(2024, 6, 25)) {
		t.Errorf("reversed on %s, want 2024-06-25", reversed.ReversedOn)
	}
	_, err := run(t, application, `{"command":"ClosePeriod","payer_id":"desa-pakatellu","period":"2024-02","closed_on":"2024-02-29"}`)
	wantCode(t, err, "period_not_over")
	wantField(t, err, "closed_on")
	closed := decodeOnly[payer.PeriodClosed](t, application, mustRun(t, application, `{"command":"ClosePeriod","payer_id":"desa-pakatellu","period":"2024-02","closed_on":"2024-03-05"}`))
	if !closed.ClosedOn.Equal(calendar.NewDate(2024, 3, 5)) {
		t.Errorf("closed on %s, want 2024-03-05", closed.ClosedOn)
	}
	// A year's JHT return is credited after the year: not on 2024-12-31.
	_, err = run(t, application, `{"command":"CreditJHTReturn","nik":"6310064203820002","year":2024,"rate_percent":"5.63","source":"RUPS","credited_on":"2024-12-31"}`)
	wantCode(t, err, "year_not_ended")
}

// Every other decision carries its business date too: a bill, a skipped or
// ended scholarship tranche, a scheduled payout and a reconciled statement
// (its order: TestDecideOnItsBusinessDate in domain/reconciliation).
// Each is stored on the date given, and refused in the future or out of the
// story's order with its field named, nothing stored. Today is 2026-11-28.
func TestEveryDecisionOnItsBusinessDate(t *testing.T) {
	application := newApplication(t, memory.New())
	setUpMember(t, application)
	mustRun(t, application, `{"command":"ReportAccident","accident_id":"acc-1","nik":"6310064203820002","date":"2024-11-04","reported_on":"2024-11-05"}`)
	mustRun(t, application, `{"command":"ReportDeath","nik":"6310064203820002","date":"2024-11-04","cause":"work_accident","accident_id":"acc-1"}`)
	mustRun(t, application, `{"command":"FileClaim","claim_id":"b-1","nik":"6310064203820002","programme":"SCHOLARSHIP","benefit":"scholarship","incident_date":"2024-11-04","filed_on":"2024-11-10","heir":{"name":"Muhammad Ridwan","relationship":"spouse"},"details":{"children":[{"name":"Fikri","birth_date":"2017-08-21","level":"SD","grade":1}]}}`)
	mustRun(t, application, `{"command":"ApproveClaim","claim_id":"b-1","approved_on":"2024-11-20"}`)
	assess := func(on string) string {
		return `{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"2024-10","assessed_on":"` + on + `"}`
	}
	skip := func(on string) string {
		return `{"command":"SkipScholarshipTranche","claim_id":"b-1","child":"Fikri","school_year":2025,"reason":"not_enrolled_this_year","skipped_on":"` + on + `"}`
	}
	end := func(on string) string {
		return `{"command":"EndScholarship","claim_id":"b-1","child":"Fikri","from_school_year":2035,"reason":"working","ended_on":"` + on + `"}`
	}
	tests := []struct {
		name, line, field, code string
	}{
		{"assessed in the future", assess("2026-11-29"), "assessed_on", "future_date"},
		{"assessed before the month began", assess("2024-08-31"), "assessed_on", "before_period"},
		{"assessed a month ahead with no non-wage earner", assess("2024-09-30"), "assessed_on", "before_period"},
		{"skipped in the future", skip("2026-11-29"), "skipped_on", "future_date"},
		{"skipped before the approval", skip("2024-11-19"), "skipped_on", "before_approval"},
		{"ended in the future", end("2026-11-29"), "ended_on", "future_date"},
		{"ended before the approval", end("2024-11-19"), "ended_on", "before_approval"},
		{"reconciled in the future", `{"command":"ReconcileStatement","statement_id":"st","reconciled_on":"2026-11-29","lines":[{"date":"2024-11-25","amount":"-1"}]}`, "reconciled_on", "future_date"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			result, err := run(t, application, test.line)
			wantRefused(t, result, err, test.code, test.field)
		})
	}
	schedule := func(on string) (app.Result, error) {
		date, err := calendar.ParseDate(on)
		if err != nil {
			t.Fatal(err)
		}
		return application.Execute(t.Context(), &command.SchedulePayout{ClaimID: "b-1", ScheduledOn: date}, app.Meta{Actor: "test", Source: "test"})
	}
	for on, code := range map[string]string{"2026-11-29": "future_date", "2024-11-19": "before_approval"} {
		result, err := schedule(on)
		wantRefused(t, result, err, code, "scheduled_on")
	}

	// On their dates, each is stored with the date given.
	if got := decodeOnly[payer.ContributionsBilled](t, application, mustRun(t, application, assess("2024-10-01"))).AssessedOn; !got.Equal(calendar.NewDate(2024, 10, 1)) {
		t.Errorf("assessed on %s, want 2024-10-01", got)
	}
	if got := decodeOnly[claim.TrancheSkipped](t, application, mustRun(t, application, skip("2025-07-20"))).SkippedOn; !got.Equal(calendar.NewDate(2025, 7, 20)) {
		t.Errorf("skipped on %s, want 2025-07-20", got)
	}
	if got := decodeOnly[claim.ScholarshipEnded](t, application, mustRun(t, application, end("2025-08-01"))).EndedOn; !got.Equal(calendar.NewDate(2025, 8, 1)) {
		t.Errorf("ended on %s, want 2025-08-01", got)
	}
	scheduled, err := schedule("2024-11-21")
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeOnly[claim.PayoutScheduled](t, application, scheduled).ScheduledOn; !got.Equal(calendar.NewDate(2024, 11, 21)) {
		t.Errorf("scheduled on %s, want 2024-11-21", got)
	}
}

// No decision falls inside a month the payer has closed, unless it is a
// correction: a bill, a payment, an approval, a rejection or a payout dated
// in a closed month is refused with its date field named and nothing
// stored; a reversal dated in it is accepted.
func TestNoDecisionInAClosedPeriod(t *testing.T) {
	application := newApplication(t, memory.New())
	setUpMember(t, application)
	mustRun(t, application, accidentLine) // 2024-06-03
	fileLine := func(id string) string {
		return `{"command":"FileClaim","claim_id":"` + id + `","nik":"6310064203820002","programme":"JKK","benefit":"medical","incident_date":"2024-06-03","filed_on":"2024-06-04","details":{"cost":"1500000"}}`
	}
	mustRun(t, application, fileLine("k-paid"))
	mustRun(t, application, fileLine("k-open"))
	mustRun(t, application, `{"command":"ApproveClaim","claim_id":"k-paid","approved_on":"2024-06-05"}`)
	mustRun(t, application, `{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"2024-05","assessed_on":"2024-05-02"}`)
	payment := mustRun(t, application, `{"command":"RecordPayment","payment_id":"p-1","payer_id":"desa-pakatellu","amount":"10000","paid_on":"2024-06-20","bank_reference":"B-1","period":"2024-05"}`)
	mustRun(t, application, `{"command":"ClosePeriod","payer_id":"desa-pakatellu","period":"2024-06","closed_on":"2024-07-05"}`)
	tests := []struct {
		name, line, field string
	}{
		{"a bill", `{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"2024-04","assessed_on":"2024-06-15"}`, "assessed_on"},
		{"a payment", `{"command":"RecordPayment","payment_id":"p-2","payer_id":"desa-pakatellu","amount":"10000","paid_on":"2024-06-21","bank_reference":"B-2"}`, "paid_on"},
		{"an approval", `{"command":"ApproveClaim","claim_id":"k-open","approved_on":"2024-06-10"}`, "approved_on"},
		{"a rejection", `{"command":"RejectClaim","claim_id":"k-open","reason":"x","rejected_on":"2024-06-10"}`, "rejected_on"},
		{"a payout", `{"command":"RecordPayout","payout_id":"po-1","claim_id":"k-paid","amount":"1500000","paid_on":"2024-06-28","bank_reference":"B-3"}`, "paid_on"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			result, err := run(t, application, test.line)
			wantRefused(t, result, err, "period_closed", test.field)
		})
	}
	if state, err := application.LoadClaim(t.Context(), "k-open"); err != nil || state.Status() != claim.StatusFiled {
		t.Errorf("claim k-open: %s (%v), want still filed", state.Status(), err)
	}
	// A correction dated in the closed month is accepted; it posts into an open month.
	mustRun(t, application, `{"command":"Reverse","event_id":"`+payment.Events[0].EventID.String()+`","reason":"wrong_amount","reversed_on":"2024-06-25"}`)
	// The same decisions dated in an open month are accepted.
	mustRun(t, application, `{"command":"ApproveClaim","claim_id":"k-open","approved_on":"2024-07-01"}`)
	mustRun(t, application, `{"command":"RecordPayout","payout_id":"po-1","claim_id":"k-paid","amount":"1500000","paid_on":"2024-07-01","bank_reference":"B-3"}`)
	mustRun(t, application, `{"command":"RecordPayment","payment_id":"p-2","payer_id":"desa-pakatellu","amount":"10000","paid_on":"2024-07-02","bank_reference":"B-2"}`)
}

// docs/examples/construction-project.jsonl registers a project of
// Rp80.000.000 with two workers: one line, 0.21 % × 80.000.000 = 168.000 JKK
// + 0.03 % × 80.000.000 = 24.000 JKM = 192.000, paid in full.
func TestConstructionProjectExampleLoads(t *testing.T) {
	application := loadExample(t, "construction-project.jsonl")
	state, err := application.LoadPayer(t.Context(), "bumdes-pakatellu")
	if err != nil {
		t.Fatal(err)
	}
	bill := state.Bills[calendar.NewPeriod(2024, 3)]
	if bill == nil || len(bill.Lines) != 1 || bill.Lines[0].ProjectID != "jalan-usaha-tani-2024" || len(bill.Lines[0].Workers) != 2 ||
		!bill.Total.Equal(rupiah("192000")) || bill.Outstanding().IsPositive() {
		t.Errorf("bill of 2024-03: %+v, want one project line of 192000 covering two workers, paid", bill)
	}
	// Each worker's timeline shows the project's line billed and paid for them.
	entries, err := application.History(t.Context(), "participant", "6310060707920011", app.HistoryBound{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, entry := range entries {
		if entry.PayerID != "" {
			got = append(got, entry.Type+" "+entry.OccurredAt)
		}
	}
	if want := "BillLinesRecorded 2024-03-01, PaymentReceived 2024-04-10"; strings.Join(got, ", ") != want ||
		!strings.Contains(string(entries[2].Data), `"project_id":"jalan-usaha-tani-2024"`) {
		t.Errorf("Rahman's bills: %v (%s), want %s on the project's line", got, entries[2].Data, want)
	}
}

// loadExample runs every command of a docs/examples file on a memory store.
func loadExample(t *testing.T, name string) *app.Application {
	t.Helper()
	data, err := os.ReadFile("../docs/examples/" + name)
	if err != nil {
		t.Fatal(err)
	}
	application := newApplication(t, memory.New())
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		mustRun(t, application, line)
	}
	return application
}
