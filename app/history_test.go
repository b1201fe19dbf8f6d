package app_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/tanahbumbu/jaminan/adapters/eventstore/memory"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/calendar"
)

// timelineFixture: two village officials on one bill (Halimatus second), 187,200
// a month each (worked example 7). January paid on time; February paid in two
// parts, the first reaching only the other official's line; March never
// paid; from April Halimatus is billed by the regency; an accident and a claim.
func timelineFixture(t *testing.T) *app.Application {
	t.Helper()
	application := newApplication(t, memory.New())
	for _, line := range []string{
		payerLine,
		`{"command":"RegisterParticipant","nik":"6310064203820005","name":"Rahmat","birth_date":"1982-03-02","category":"perangkat_desa","segment":"PU","kecamatan":"Kusan Tengah","desa":"Pakatellu","payer_id":"desa-pakatellu"}`,
		memberLine,
		`{"command":"Enroll","nik":"6310064203820005","programmes":["JKK","JKM","JHT"],"effective_date":"2024-01-01","wage":"3000000"}`,
		`{"command":"Enroll","nik":"6310064203820002","programmes":["JKK","JKM","JHT"],"effective_date":"2024-01-01","wage":"3000000"}`,
		`{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"2024-01"}`,
		`{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"2024-02"}`,
		`{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"2024-03"}`,
		`{"command":"RecordPayment","payment_id":"jan","payer_id":"desa-pakatellu","amount":"374400","paid_on":"2024-02-10","bank_reference":"B1","period":"2024-01"}`,
		`{"command":"RecordPayment","payment_id":"feb-1","payer_id":"desa-pakatellu","amount":"187200","paid_on":"2024-04-20","bank_reference":"B2","period":"2024-02"}`,
		`{"command":"RecordPayment","payment_id":"feb-2","payer_id":"desa-pakatellu","amount":"187200","paid_on":"2024-05-10","bank_reference":"B3","period":"2024-02"}`,
		`{"command":"RegisterPayer","payer_id":"pemkab","name":"Pemkab","kind":"regency","risk_class":1}`,
		`{"command":"ChangePayer","nik":"6310064203820002","payer_id":"pemkab","effective_date":"2024-04-01"}`,
		`{"command":"AssessContributions","payer_id":"pemkab","period":"2024-04"}`,
		`{"command":"RecordPayment","payment_id":"apr","payer_id":"pemkab","amount":"187200","paid_on":"2024-05-10","bank_reference":"B4","period":"2024-04"}`,
		`{"command":"ReportAccident","accident_id":"a","nik":"6310064203820002","date":"2024-06-03","reported_on":"2024-06-03"}`,
		`{"command":"FileClaim","claim_id":"k","nik":"6310064203820002","programme":"JKK","benefit":"medical","incident_date":"2024-06-03","details":{"cost":"1000000"}}`,
		`{"command":"ApproveClaim","claim_id":"k"}`,
	} {
		mustRun(t, application, line)
	}
	return application
}

func TestParticipantTimelineHasEveryMonthBilledForThem(t *testing.T) {
	application := timelineFixture(t)
	ctx := context.Background()
	other, err := application.ParticipantByNIK(ctx, "6310064203820005")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := application.History(ctx, "participant", "6310064203820002", app.HistoryBound{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, entry := range entries {
		if i > 0 && entry.Position <= entries[i-1].Position {
			t.Errorf("entry %d at position %d after %d: not in log order", i, entry.Position, entries[i-1].Position)
		}
		if strings.Contains(string(entry.Data), other.ID) {
			t.Errorf("%s %s shows the other official's line: %s", entry.Stream, entry.Type, entry.Data)
		}
		fromPayer := entry.Stream == "payer-"+entry.PayerID || strings.HasPrefix(entry.Stream, "bill-"+entry.PayerID+"-")
		if (strings.HasPrefix(entry.Stream, "payer-") || strings.HasPrefix(entry.Stream, "bill-")) != (entry.PayerID != "") || (entry.PayerID != "" && !fromPayer) {
			t.Errorf("%s %s: payer_id %q", entry.Stream, entry.Type, entry.PayerID)
		}
		got = append(got, strings.SplitN(entry.Stream, "-", 2)[0]+" "+entry.Type+" "+entry.OccurredAt)
	}
	want := []string{
		"participant ParticipantRegistered 2026-11-28",
		"participant ParticipantEnrolled 2024-01-01",
		"bill BillLinesRecorded 2024-01-01",
		"bill BillLinesRecorded 2024-02-01",
		"bill BillLinesRecorded 2024-03-01",
		"payer PaymentReceived 2024-02-10", // January, both lines
		// feb-1 paid only the other official's line, and its penalty is on that line: not here.
		"payer PaymentReceived 2024-05-10",     // feb-2 reaches Halimatus's line
		"payer LatePenaltyAssessed 2024-05-10", // 2 % × 187,200 × 2 months
		"participant PayerChanged 2024-04-01",
		"bill BillLinesRecorded 2024-04-01", // the regency's bill
		"payer PaymentReceived 2024-05-10",
		"participant AccidentReported 2024-06-03",
		"participant ClaimLodged 2024-06-03",
		"claim ClaimFiled 2024-06-03",
		"claim ClaimApproved 2026-11-28",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("timeline:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	var january struct {
		Period string
		Line   struct {
			ParticipantID string `json:"participant_id"`
			Total         string
		}
	}
	if err := json.Unmarshal(entries[2].Data, &january); err != nil || !entries[2].Excerpt || january.Period != "2024-01" || january.Line.Total != "187200.00" {
		t.Errorf("January's bill for Halimatus: %s (excerpt %v), want her line of 187200.00", entries[2].Data, entries[2].Excerpt)
	}
	var february struct {
		Lines []struct {
			Period string
			Amount string
			Paid   bool
		}
	}
	if err := json.Unmarshal(entries[6].Data, &february); err != nil || len(february.Lines) != 1 || february.Lines[0].Period != "2024-02" ||
		february.Lines[0].Amount != "187200.00" || !february.Lines[0].Paid {
		t.Errorf("feb-2 on Halimatus's line: %s, want 187200.00 to 2024-02, paid", entries[6].Data)
	}
	var penalty struct{ Amount string }
	if err := json.Unmarshal(entries[7].Data, &penalty); err != nil || entries[7].Excerpt || penalty.Amount != "7488.00" {
		t.Errorf("penalty: %s, want the whole event of 7488.00", entries[7].Data)
	}
	// January paid on 2024-02-10: nothing is due unpaid yet (February falls due on 2024-03-15).
	if state := entries[5].StateAfter; !strings.HasSuffix(state, "3 month(s) billed, 1 paid") {
		t.Errorf("state after January's payment: %q", state)
	}
	last := entries[len(entries)-1].StateAfter
	for _, part := range []string{"4 month(s) billed, 3 paid, in arrears 2024-03 (187200.00)", "claim k JKK medical: approved, paid out 0.00 of 1000000.00"} {
		if !strings.Contains(last, part) {
			t.Errorf("last state %q lacks %q", last, part)
		}
	}
}

// --as-of and --at-position bound the payer's events as they bound the participant's.
func TestParticipantTimelineBounds(t *testing.T) {
	application := timelineFixture(t)
	ctx := context.Background()
	full, err := application.History(ctx, "participant", "6310064203820002", app.HistoryBound{})
	if err != nil {
		t.Fatal(err)
	}
	asOf, _ := calendar.ParseDate("2024-05-09")
	bounded, err := application.History(ctx, "participant", "6310064203820002", app.HistoryBound{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	for _, entry := range bounded {
		if entry.OccurredAt > "2024-05-09" {
			t.Errorf("as of 2024-05-09: %s %s on %s", entry.Stream, entry.Type, entry.OccurredAt)
		}
	}
	if last := bounded[len(bounded)-1]; last.Type != "BillLinesRecorded" || !strings.Contains(last.StateAfter, "4 month(s) billed, 1 paid, in arrears 2024-02 (187200.00)") {
		t.Errorf("as of 2024-05-09 the last entry is %s with %q; want the April bill, February still unpaid", last.Type, last.StateAfter)
	}
	firstBill := full[2]
	atBill, err := application.History(ctx, "participant", "6310064203820002", app.HistoryBound{AtPosition: firstBill.Position})
	if err != nil {
		t.Fatal(err)
	}
	if len(atBill) != 3 || atBill[2].EventID != firstBill.EventID || !strings.Contains(atBill[2].StateAfter, "1 month(s) billed, 0 paid") {
		t.Errorf("at position %d: %d entries, the last %+v; want registration, enrollment and January's bill", firstBill.Position, len(atBill), atBill[len(atBill)-1])
	}
}
