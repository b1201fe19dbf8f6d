package app_test

import (
	"context"
	"testing"

	"github.com/tanahbumbu/jaminan/adapters/eventstore/memory"
	"github.com/tanahbumbu/jaminan/domain/claim"
)

// docs/rulebook.md worked example 3 through the command path: JKK death with W = 4,000,000:
// 192,000,000 + 12,000,000 + 10,000,000 = 214,000,000; plus the scholarship
// (example 11: children entering SMA and university, 129,000,000 committed).
func TestWorkAccidentDeathAndScholarship(t *testing.T) {
	application := newApplication(t, memory.New())
	mustRun(t, application, payerLine)
	mustRun(t, application, memberLine)
	mustRun(t, application, `{"command":"Enroll","nik":"6310064203820002","programmes":["JKK","JKM","JHT"],"effective_date":"2024-01-01","wage":"4000000"}`)
	mustRun(t, application, `{"command":"ReportAccident","accident_id":"acc-1","nik":"6310064203820002","date":"2024-11-04","reported_on":"2024-11-05","description":"jatuh dari motor dalam perjalanan dinas"}`)
	mustRun(t, application, `{"command":"ReportDeath","nik":"6310064203820002","date":"2024-11-04","cause":"work_accident","accident_id":"acc-1"}`)
	// A JKM claim for a death caused by work is refused: it is claimed under JKK.
	if _, err := run(t, application, `{"command":"FileClaim","claim_id":"jkm-x","nik":"6310064203820002","programme":"JKM","benefit":"death","incident_date":"2024-11-04","heir":{"name":"M","relationship":"spouse"}}`); err == nil {
		t.Fatal("JKM claim for a work-accident death accepted")
	}
	mustRun(t, application, `{"command":"FileClaim","claim_id":"jkk-1","nik":"6310064203820002","programme":"JKK","benefit":"death","incident_date":"2024-11-04","heir":{"name":"Muhammad Ridwan","relationship":"spouse"}}`)
	approved := decodeOnly[claim.Approved](t, application, mustRun(t, application, `{"command":"ApproveClaim","claim_id":"jkk-1"}`))
	want := []string{"192000000", "12000000", "10000000"}
	if !approved.Total.Equal(rupiah("214000000")) || len(approved.Components) != 3 {
		t.Fatalf("JKK death: got total %s with %d components, want 214000000 in 3", approved.Total, len(approved.Components))
	}
	for i, component := range approved.Components {
		if !component.Amount.Equal(rupiah(want[i])) {
			t.Errorf("component %s: got %s, want %s", component.Code, component.Amount, want[i])
		}
	}
	if got := approved.Components[0].LabelID + ": " + approved.Components[0].FormulaID; got != "JKK meninggal dunia: 48 × Rp4.000.000 = Rp192.000.000" {
		t.Errorf("explanation: got %q", got)
	}
	if approved.Eligibility.PaidFirstBy != "bpjs" || !approved.WageBase.Equal(rupiah("4000000")) {
		t.Errorf("eligibility: got %+v wage %s", approved.Eligibility, approved.WageBase)
	}

	mustRun(t, application, `{"command":"FileClaim","claim_id":"beasiswa-1","nik":"6310064203820002","programme":"SCHOLARSHIP","benefit":"scholarship","incident_date":"2024-11-04","heir":{"name":"Muhammad Ridwan","relationship":"spouse"},"details":{"children":[{"name":"Nur","birth_date":"2008-05-14","level":"SMA","grade":1},{"name":"Fikri","birth_date":"2005-08-21","level":"university","grade":1}]}}`)
	scholarship := decodeOnly[claim.Approved](t, application, mustRun(t, application, `{"command":"ApproveClaim","claim_id":"beasiswa-1"}`))
	if !scholarship.Total.Equal(rupiah("129000000")) || len(scholarship.Tranches) != 13 {
		t.Errorf("scholarship: got %s in %d tranches, want 129000000 in 13 (3 SMA + 5 university, and 5 university)", scholarship.Total, len(scholarship.Tranches))
	}
}

// Each school year's tranche is its own event: paid, skipped or ended; the
// commitment outstanding is always known (docs/rulebook.md worked example 11: one child
// entering SD: 9,000,000 + 6,000,000 + 9,000,000 + 60,000,000 = 84,000,000).
func TestScholarshipTranches(t *testing.T) {
	application := newApplication(t, memory.New())
	setUpMember(t, application)
	mustRun(t, application, `{"command":"ReportAccident","accident_id":"acc-1","nik":"6310064203820002","date":"2024-11-04","reported_on":"2024-11-05"}`)
	mustRun(t, application, `{"command":"ReportDeath","nik":"6310064203820002","date":"2024-11-04","cause":"work_accident","accident_id":"acc-1"}`)
	mustRun(t, application, `{"command":"FileClaim","claim_id":"b-1","nik":"6310064203820002","programme":"SCHOLARSHIP","benefit":"scholarship","incident_date":"2024-11-04","heir":{"name":"Muhammad Ridwan","relationship":"spouse"},"details":{"children":[{"name":"Fikri","birth_date":"2017-08-21","level":"SD","grade":1}]}}`)
	approved := decodeOnly[claim.Approved](t, application, mustRun(t, application, `{"command":"ApproveClaim","claim_id":"b-1"}`))
	if !approved.Total.Equal(rupiah("84000000")) || len(approved.Tranches) != 17 {
		t.Fatalf("commitment: got %s in %d tranches, want 84000000 in 17 (6 SD + 3 SMP + 3 SMA + 5 university)", approved.Total, len(approved.Tranches))
	}
	_, err := run(t, application, `{"command":"RecordPayout","payout_id":"b-2024","claim_id":"b-1","amount":"1500000","paid_on":"2026-11-28","bank_reference":"B"}`)
	wantCode(t, err, "missing_field")
	_, err = run(t, application, `{"command":"RecordPayout","payout_id":"b-2024","claim_id":"b-1","amount":"3000000","paid_on":"2026-11-28","bank_reference":"B","school_year":2024}`)
	wantCode(t, err, "amount_mismatch")
	mustRun(t, application, `{"command":"RecordPayout","payout_id":"b-2024","claim_id":"b-1","amount":"1500000","paid_on":"2026-11-28","bank_reference":"B","school_year":2024}`)
	// Years ahead of its school year a tranche is not due: the child may not be at school then.
	_, err = run(t, application, `{"command":"RecordPayout","payout_id":"b-2034","claim_id":"b-1","amount":"2000000","paid_on":"2026-11-28","bank_reference":"B","school_year":2034}`)
	wantCode(t, err, "tranche_not_due")
	mustRun(t, application, `{"command":"SkipScholarshipTranche","claim_id":"b-1","child":"Fikri","school_year":2025,"reason":"not_enrolled_this_year"}`)
	mustRun(t, application, `{"command":"EndScholarship","claim_id":"b-1","child":"Fikri","from_school_year":2035,"reason":"working"}`)
	state, err := application.LoadClaim(context.Background(), "b-1")
	if err != nil {
		t.Fatal(err)
	}
	schedule, outstanding := state.Schedule()
	counts := map[string]int{}
	for _, tranche := range schedule {
		counts[tranche.Status]++
	}
	if counts[claim.TranchePaid] != 1 || counts[claim.TrancheSkippedAs] != 1 {
		t.Errorf("statuses: got %v, want 1 paid and 1 skipped", counts)
	}
	if !outstanding.Equal(state.Outstanding()) {
		t.Errorf("schedule outstanding %s differs from the claim's %s", outstanding, state.Outstanding())
	}
	// School years 2024..2040: SD 2024-2029, SMP 2030-2032, SMA 2033-2035, university 2036-2040.
	// Ended from 2035: SMA 2035 (3,000,000) and university 2036-2040 (60,000,000) are cancelled.
	if want := rupiah("84000000").Sub(rupiah("1500000")).Sub(rupiah("1500000")).Sub(rupiah("63000000")); !outstanding.Equal(want) {
		t.Errorf("outstanding commitment: got %s, want %s", outstanding, want)
	}
}

// Every JKK benefit reachable through the command path, with the figures of docs/rulebook.md#jkk.
func TestJKKBenefitsThroughCommands(t *testing.T) {
	tests := []struct {
		name, wage, benefit, details, total string
	}{
		{"example 5: STMB 14 months, W = 3,000,000", "3000000", "temporary_incapacity", `{"months":14}`, "39000000"},
		{"example 6: loss of one eye, W = 3,000,000", "3000000", "partial_disability", `{"body_part":"one_eye"}`, "84000000"},
		{"example 4: total disability, W = 3,500,000", "3500000", "total_disability", `{}`, "208000000"},
		{"transport by land capped at 5,000,000", "3000000", "transport", `{"transport_mode":"land","cost":"6000000"}`, "5000000"},
		{"medical care as invoiced", "3000000", "medical", `{"cost":"2345678.50"}`, "2345679"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			application := newApplication(t, memory.New())
			mustRun(t, application, payerLine)
			mustRun(t, application, memberLine)
			mustRun(t, application, `{"command":"Enroll","nik":"6310064203820002","programmes":["JKK","JKM","JHT"],"effective_date":"2024-01-01","wage":"`+test.wage+`"}`)
			mustRun(t, application, `{"command":"ReportAccident","accident_id":"a","nik":"6310064203820002","date":"2024-06-03","reported_on":"2024-06-03"}`)
			mustRun(t, application, `{"command":"FileClaim","claim_id":"k","nik":"6310064203820002","programme":"JKK","benefit":"`+test.benefit+`","incident_date":"2024-06-03","details":`+test.details+`}`)
			approved := decodeOnly[claim.Approved](t, application, mustRun(t, application, `{"command":"ApproveClaim","claim_id":"k"}`))
			if !approved.Total.Equal(rupiah(test.total)) {
				t.Errorf("total: got %s, want %s", approved.Total, test.total)
			}
		})
	}
}
