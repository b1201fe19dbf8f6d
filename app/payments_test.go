package app_test

import (
	"context"
	"testing"

	"github.com/tanahbumbu/jaminan/adapters/eventstore/memory"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/participant"
	"github.com/tanahbumbu/jaminan/domain/payer"
)

// Payments go to the oldest open bills first, the rest is held as credit, and
// a part paid after its due date is fined 2 % a month (docs/rulebook.md#late-penalty, worked example 10).
func TestPaymentAllocationPenaltyAndCredit(t *testing.T) {
	application := newApplication(t, memory.New())
	setUpMember(t, application)
	for _, period := range []string{"2024-01", "2024-02"} {
		mustRun(t, application, `{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"`+period+`"}`)
	}
	// 187,200 x 2 = 374,400 due 2024-02-15 and 2024-03-15; paid 400,000 on 2024-03-20.
	result := mustRun(t, application, `{"command":"RecordPayment","payment_id":"pay-1","payer_id":"desa-pakatellu","amount":"400000","paid_on":"2024-03-20","bank_reference":"BPD-9"}`)
	received := decodeOnly[payer.PaymentReceived](t, application, result)
	if len(received.Allocations) != 2 || received.Allocations[0].Period.String() != "2024-01" || !received.Allocations[0].Amount.Equal(rupiah("187200")) ||
		received.Allocations[1].Period.String() != "2024-02" || !received.Allocations[1].Amount.Equal(rupiah("187200")) {
		t.Fatalf("allocations: got %+v, want 187200 to 2024-01 then 187200 to 2024-02", received.Allocations)
	}
	if !received.Credit.Equal(rupiah("25600")) {
		t.Errorf("credit: got %s, want 25600 (400000 - 374400)", received.Credit)
	}
	var penalties []*payer.LatePenaltyAssessed
	for _, recorded := range result.Events {
		decoded, err := application.Decode(recorded)
		if err != nil {
			t.Fatal(err)
		}
		if penalty, ok := decoded.(*payer.LatePenaltyAssessed); ok {
			penalties = append(penalties, penalty)
		}
	}
	// January's bill was due 2024-02-15: one month late -> 2 % x 187,200 = 3,744. February's (due 03-15) was 5 days late: one month too.
	if len(penalties) != 2 {
		t.Fatalf("penalties: got %d, want 2", len(penalties))
	}
	for _, penalty := range penalties {
		if penalty.MonthsLate != 1 || !penalty.Amount.Equal(rupiah("3744")) {
			t.Errorf("penalty for %s: got %d month(s) %s, want 1 month 3744", penalty.Period, penalty.MonthsLate, penalty.Amount)
		}
	}
	// A payment for a bill that is paid in full is a conflict.
	if _, err := run(t, application, `{"command":"RecordPayment","payment_id":"pay-2","payer_id":"desa-pakatellu","amount":"1","paid_on":"2024-03-21","bank_reference":"BPD-10","period":"2024-01"}`); err == nil {
		t.Error("a payment to a bill paid in full was accepted")
	}
}

// docs/rulebook.md worked example 9: the regency pays 16,800 a month for a vulnerable worker.
func TestVulnerableWorkerPackage(t *testing.T) {
	application := newApplication(t, memory.New())
	mustRun(t, application, `{"command":"RegisterPayer","payer_id":"pemkab","name":"Pemkab","kind":"regency","risk_class":1}`)
	mustRun(t, application, `{"command":"RegisterParticipant","nik":"6310010101900001","name":"Rudi","birth_date":"1990-01-01","category":"pekerja_rentan","segment":"BPU","kecamatan":"Angsana","desa":"Bunati","payer_id":"pemkab"}`)
	mustRun(t, application, `{"command":"Enroll","nik":"6310010101900001","programmes":["JKK","JKM"],"effective_date":"2024-01-01","declared_income":"1000000"}`)
	assessed := decodeOnly[payer.BillLinesRecorded](t, application, mustRun(t, application, `{"command":"AssessContributions","payer_id":"pemkab","period":"2024-05"}`))
	if !assessed.Total.Equal(rupiah("16800")) || !assessed.Lines[0].Lines[0].Total.Equal(rupiah("10000")) || !assessed.Lines[0].Lines[1].Total.Equal(rupiah("6800")) {
		t.Errorf("vulnerable worker: got total %s lines %+v, want 10000 + 6800 = 16800", assessed.Total, assessed.Lines[0].Lines)
	}
	if assessed.DueDate.String() != "2024-05-15" {
		t.Errorf("BPU due date: got %s, want 2024-05-15 (the 15th of the month itself)", assessed.DueDate)
	}
}

// A non-wage earner's month paid by its due date is covered from its first
// day; paid late, it covers only from the payment on, never back over an incident.
func TestLatePaymentIsNotBackDatedOverADeath(t *testing.T) {
	for _, test := range []struct {
		name, paidOn string
		covered      bool
	}{{"paid by the due date", "2024-10-12", true}, {"paid after the due date and the death", "2024-10-20", false}} {
		t.Run(test.name, func(t *testing.T) {
			application := newApplication(t, memory.New())
			mustRun(t, application, `{"command":"RegisterPayer","payer_id":"pemkab","name":"Pemkab","kind":"regency","risk_class":1}`)
			mustRun(t, application, `{"command":"RegisterParticipant","nik":"6310054507850001","name":"Santi","birth_date":"1985-07-05","category":"kader","segment":"BPU","kecamatan":"Kusan Hilir","desa":"Muara Pagatan Tengah","payer_id":"pemkab"}`)
			mustRun(t, application, `{"command":"Enroll","nik":"6310054507850001","programmes":["JKK","JKM"],"effective_date":"2024-01-01","declared_income":"1000000"}`)
			mustRun(t, application, `{"command":"AssessContributions","payer_id":"pemkab","period":"2024-10"}`)
			mustRun(t, application, `{"command":"ReportDeath","nik":"6310054507850001","date":"2024-10-07","cause":"other"}`)
			mustRun(t, application, `{"command":"RecordPayment","payment_id":"p-10","payer_id":"pemkab","amount":"16800","paid_on":"`+test.paidOn+`","bank_reference":"B","period":"2024-10"}`)
			_, err := run(t, application, `{"command":"FileClaim","claim_id":"jkm-santi","nik":"6310054507850001","programme":"JKM","benefit":"death","incident_date":"2024-10-07","heir":{"name":"Rahmadi","relationship":"spouse"}}`)
			if covered := err == nil; covered != test.covered {
				t.Errorf("claim accepted = %v (%v), want %v", covered, err, test.covered)
			}
		})
	}
}

// Non-wage earners' arrears can be paid at most 3 months back (docs/rulebook.md#non-wage-earners-bpu).
func TestBPUArrearsWindow(t *testing.T) {
	application := newApplication(t, memory.New())
	mustRun(t, application, `{"command":"RegisterPayer","payer_id":"pemkab","name":"Pemkab","kind":"regency","risk_class":1}`)
	mustRun(t, application, `{"command":"RegisterParticipant","nik":"6310010101900001","name":"Rudi","birth_date":"1990-01-01","category":"pekerja_rentan","segment":"BPU","kecamatan":"Angsana","desa":"Bunati","payer_id":"pemkab"}`)
	mustRun(t, application, `{"command":"Enroll","nik":"6310010101900001","programmes":["JKK","JKM"],"effective_date":"2024-01-01","declared_income":"1000000"}`)
	for _, period := range []string{"2024-01", "2024-05"} {
		mustRun(t, application, `{"command":"AssessContributions","payer_id":"pemkab","period":"`+period+`"}`)
	}
	_, err := run(t, application, `{"command":"RecordPayment","payment_id":"p-old","payer_id":"pemkab","amount":"16800","paid_on":"2024-06-01","bank_reference":"B","period":"2024-01"}`)
	wantCode(t, err, "arrears_too_old")
	// Without a period the payment skips January (5 months back) and pays May; the rest is credit.
	received := decodeOnly[payer.PaymentReceived](t, application, mustRun(t, application,
		`{"command":"RecordPayment","payment_id":"p-any","payer_id":"pemkab","amount":"33600","paid_on":"2024-06-01","bank_reference":"B"}`))
	if len(received.Allocations) != 1 || received.Allocations[0].Period.String() != "2024-05" || !received.Credit.Equal(rupiah("16800")) {
		t.Errorf("allocation: got %+v credit %s, want 16800 to 2024-05 and 16800 credit", received.Allocations, received.Credit)
	}
}

// A participant moves from the village to the regency: each month is billed
// by its payer, and coverage and JHT read the bills of both.
func TestChangePayer(t *testing.T) {
	application := newApplication(t, memory.New())
	setUpMember(t, application)
	mustRun(t, application, `{"command":"RegisterPayer","payer_id":"pemkab","name":"Pemkab","kind":"regency","risk_class":1}`)
	mustRun(t, application, `{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"2024-01"}`)
	mustRun(t, application, `{"command":"RecordPayment","payment_id":"p1","payer_id":"desa-pakatellu","amount":"187200","paid_on":"2024-02-10","bank_reference":"B","period":"2024-01"}`)
	_, err := run(t, application, `{"command":"ChangePayer","nik":"6310064203820002","payer_id":"nobody","effective_date":"2024-02-01"}`)
	wantCode(t, err, "payer_not_found")
	mustRun(t, application, `{"command":"ChangePayer","nik":"6310064203820002","payer_id":"pemkab","effective_date":"2024-02-01"}`)
	if again := mustRun(t, application, `{"command":"ChangePayer","nik":"6310064203820002","payer_id":"pemkab","effective_date":"2024-02-01"}`); len(again.Events) != 0 {
		t.Error("a repeated ChangePayer appended")
	}
	// February is billed to the regency, not the village.
	_, err = run(t, application, `{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"2024-02"}`)
	wantCode(t, err, "nothing_to_assess")
	mustRun(t, application, `{"command":"AssessContributions","payer_id":"pemkab","period":"2024-02"}`)
	mustRun(t, application, `{"command":"RecordPayment","payment_id":"p2","payer_id":"pemkab","amount":"187200","paid_on":"2024-03-10","bank_reference":"B","period":"2024-02"}`)
	member, err := application.ParticipantByNIK(context.Background(), "6310064203820002")
	if err != nil {
		t.Fatal(err)
	}
	billing, err := application.Billing(context.Background(), member)
	if err != nil {
		t.Fatal(err)
	}
	paid := billing.PaidContributions("JHT")
	if len(paid) != 2 || paid[0].Period.String() != "2024-01" || paid[1].Period.String() != "2024-02" {
		t.Errorf("JHT paid across payers: got %+v, want January (village) and February (regency)", paid)
	}
}

// docs/rulebook.md#non-wage-earners-bpu: after 3 consecutive unpaid months the membership becomes
// inactive (an event) and is not billed; paying an unpaid month reactivates it.
func TestBPULapseAndReactivation(t *testing.T) {
	application := newApplication(t, memory.New())
	mustRun(t, application, `{"command":"RegisterPayer","payer_id":"self-rudi","name":"Rudi","kind":"self","risk_class":1}`)
	mustRun(t, application, `{"command":"RegisterParticipant","nik":"6310010101900001","name":"Rudi","birth_date":"1990-01-01","category":"pekerja_rentan","segment":"BPU","kecamatan":"Angsana","desa":"Bunati","payer_id":"self-rudi"}`)
	mustRun(t, application, `{"command":"Enroll","nik":"6310010101900001","programmes":["JKK","JKM"],"effective_date":"2024-01-01","declared_income":"1000000"}`)
	for _, period := range []string{"2024-01", "2024-02", "2024-03"} {
		mustRun(t, application, `{"command":"AssessContributions","payer_id":"self-rudi","period":"`+period+`"}`)
	}
	lapsed := decodeOnly[participant.MembershipInactive](t, application, mustRun(t, application, `{"command":"AssessContributions","payer_id":"self-rudi","period":"2024-04"}`))
	if lapsed.FromPeriod.String() != "2024-04" || len(lapsed.UnpaidPeriods) != 3 {
		t.Fatalf("lapse: got %+v, want from 2024-04 after 3 unpaid months", lapsed)
	}
	_, err := run(t, application, `{"command":"AssessContributions","payer_id":"self-rudi","period":"2024-05"}`)
	wantCode(t, err, "nothing_to_assess") // the only member is inactive: not billed
	mustRun(t, application, `{"command":"RecordPayment","payment_id":"p-mar","payer_id":"self-rudi","amount":"16800","paid_on":"2024-05-20","bank_reference":"B","period":"2024-03"}`)
	result := mustRun(t, application, `{"command":"AssessContributions","payer_id":"self-rudi","period":"2024-06"}`)
	reactivated := decodeOnly[participant.MembershipReactivated](t, application, result)
	assessed := decodeOnly[payer.BillLinesRecorded](t, application, result)
	if reactivated.FromPeriod.String() != "2024-06" || !assessed.Total.Equal(rupiah("16800")) {
		t.Errorf("reactivation: got %+v and a bill of %s, want from 2024-06 and 16800", reactivated, assessed.Total)
	}
}

// A construction project is registered once and billed once, on its contract
// value, whatever the number of its workers (docs/rulebook.md#contributions):
// two workers on Rp80.000.000 make one line of JKK 0.21 % × 80.000.000 =
// 168.000 plus JKM 0.03 % × 80.000.000 = 24.000, 192.000 (not 384.000); a
// project of Rp750.000.000 takes the tiers: 210.000 + 680.000 + 325.000 =
// 1.215.000 JKK, 225.000 JKM. Workers are covered for the project's term.
func TestConstructionProject(t *testing.T) {
	application := newApplication(t, memory.New())
	mustRun(t, application, `{"command":"RegisterPayer","payer_id":"cv-pakatellu","name":"CV Pakatellu Jaya","kind":"bumdes","risk_class":3}`)
	mustRun(t, application, `{"command":"RegisterProject","project_id":"jalan-pakatellu","payer_id":"cv-pakatellu","name":"Jalan usaha tani Pakatellu","contract_value":"80000000","start_on":"2024-03-01","end_on":"2024-08-31"}`)
	mustRun(t, application, `{"command":"RegisterProject","project_id":"dermaga","payer_id":"cv-pakatellu","name":"Dermaga desa","contract_value":"750000000","start_on":"2024-03-04","end_on":"2024-12-31"}`)
	workers := []string{"6310060101900007", "6310060202910008", "6310060303920009"}
	for i, nik := range workers {
		mustRun(t, application, `{"command":"RegisterParticipant","nik":"`+nik+`","name":"Pekerja `+string(rune('A'+i))+`","birth_date":"1990-01-01","category":"konstruksi","segment":"construction","kecamatan":"Kusan Tengah","desa":"Pakatellu","payer_id":"cv-pakatellu"}`)
	}
	enroll := func(nik, project, from string) string {
		return `{"command":"Enroll","nik":"` + nik + `","programmes":["JKK","JKM"],"effective_date":"` + from + `","project_id":"` + project + `"}`
	}
	refused := []struct {
		name, line, field, code string
	}{
		{"a wage", `{"command":"Enroll","nik":"6310060101900007","programmes":["JKK","JKM"],"effective_date":"2024-03-01","wage":"3000000"}`, "project_id", "missing_field"},
		{"a contract value per worker", `{"command":"Enroll","nik":"6310060101900007","programmes":["JKK","JKM"],"effective_date":"2024-03-01","contract_value":"80000000","project_end":"2024-08-31"}`, "contract_value", "project_required"},
		{"no such project", enroll(workers[0], "jembatan", "2024-03-01"), "project_id", "project_not_found"},
		{"before the project", enroll(workers[0], "jalan-pakatellu", "2024-02-29"), "effective_date", "outside_project"},
		{"after the project", enroll(workers[0], "jalan-pakatellu", "2024-09-01"), "effective_date", "outside_project"},
	}
	for _, test := range refused {
		t.Run(test.name, func(t *testing.T) {
			result, err := run(t, application, test.line)
			wantRefused(t, result, err, test.code, test.field)
		})
	}
	mustRun(t, application, enroll(workers[0], "jalan-pakatellu", "2024-03-01"))
	mustRun(t, application, enroll(workers[1], "jalan-pakatellu", "2024-03-11"))
	mustRun(t, application, enroll(workers[2], "dermaga", "2024-03-04"))
	assessed := decodeOnly[payer.BillLinesRecorded](t, application, mustRun(t, application, `{"command":"AssessContributions","payer_id":"cv-pakatellu","period":"2024-03"}`))
	want := map[string][]string{"dermaga": {"1215000", "225000", "1440000"}, "jalan-pakatellu": {"168000", "24000", "192000"}}
	if len(assessed.Lines) != 2 || !assessed.Total.Equal(rupiah("1632000")) {
		t.Fatalf("bill: %d lines, %s; want one line per project, 1632000", len(assessed.Lines), assessed.Total)
	}
	for _, line := range assessed.Lines {
		figures := want[line.ProjectID]
		if figures == nil || line.ParticipantID != "" || len(line.Lines) != 2 || !line.Lines[0].Total.Equal(rupiah(figures[0])) ||
			!line.Lines[1].Total.Equal(rupiah(figures[1])) || !line.Total.Equal(rupiah(figures[2])) {
			t.Errorf("line %+v, want project %q billed %v", line, line.ProjectID, figures)
		}
	}
	if workers := assessed.Lines[1].Workers; assessed.Lines[1].ProjectID != "jalan-pakatellu" || len(workers) != 2 {
		t.Errorf("jalan-pakatellu covers %v, want its two workers", workers)
	}
	// A repeat bills nothing more; the next month has nothing to bill.
	if again := mustRun(t, application, `{"command":"AssessContributions","payer_id":"cv-pakatellu","period":"2024-03"}`); len(again.Events) != 0 {
		t.Errorf("a repeat appended %d events", len(again.Events))
	}
	_, err := run(t, application, `{"command":"AssessContributions","payer_id":"cv-pakatellu","period":"2024-04"}`)
	wantCode(t, err, "nothing_to_assess")
	member, err := application.ParticipantByNIK(context.Background(), workers[1])
	if err != nil {
		t.Fatal(err)
	}
	for date, want := range map[string]bool{"2024-03-10": false, "2024-03-11": true, "2024-08-31": true, "2024-09-01": false} {
		on, _ := calendar.ParseDate(date)
		if covered, _ := member.CoveredOn("JKK", on, nil); covered != want {
			t.Errorf("JKK on %s: covered = %v, want %v (from enrollment to the project's end)", date, covered, want)
		}
	}
}

// A July 2020 bill (pp82-2019) falls due on the 15th of August, a Saturday,
// so on the next working day: Monday 17 August is Independence Day, so Tuesday 18.
func TestA2020BillIsNotDueOnIndependenceDay(t *testing.T) {
	application := newApplication(t, memory.New())
	mustRun(t, application, payerLine)
	mustRun(t, application, memberLine)
	mustRun(t, application, `{"command":"Enroll","nik":"6310064203820002","programmes":["JKK","JKM","JHT"],"effective_date":"2020-01-01","wage":"3000000"}`)
	assessed := decodeOnly[payer.BillLinesRecorded](t, application, mustRun(t, application, `{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"2020-07"}`))
	if assessed.DueDate.String() != "2020-08-18" || assessed.RuleBook != "pp82-2019" {
		t.Errorf("due %s under %s, want 2020-08-18 under pp82-2019", assessed.DueDate, assessed.RuleBook)
	}
}
