package payer

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/domain/rules"
)

// workers are n PU members on a wage of 3,000,000 in JKK, JKM and JHT:
// docs/rulebook.md#contributions gives 7,200 + 9,000 + 171,000 (111,000 of it
// the employer's, 60,000 the worker's) = 187,200 a month each at risk class 1.
func workers(from, n int) []Member {
	members := make([]Member, n)
	for i := range members {
		members[i] = Member{ParticipantID: fmt.Sprintf("w%05d", from+i), Segment: "PU", WageBase: decimal.NewFromInt(3_000_000), Programmes: []string{"JKK", "JKM", "JHT"}}
	}
	return members
}

func assessed(t *testing.T, state State, period calendar.Period, members []Member) (*ContributionsBilled, []event.Event) {
	t.Helper()
	decided, err := Assess(state, &command.AssessContributions{PayerID: state.ID, Period: period}, members, rules.Default(), calendar.NewDate(2024, time.June, 3))
	if err != nil {
		t.Fatal(err)
	}
	summary, parts := BillParts(decided)
	if len(summary) != 1 {
		t.Fatalf("%d events for the payer's stream, want one ContributionsBilled", len(summary))
	}
	return summary[0].(*ContributionsBilled), parts
}

// A bill of 450 lines is a summary for the payer's stream and parts of at
// most MaxLinesPerPart lines for the bill's; the payer's decisions come out
// the same without the lines; the lines fold in order, each part once.
func TestABillIsSplitIntoPartsAndDecidedWithoutThem(t *testing.T) {
	may := calendar.NewPeriod(2024, time.May)
	state := Replay([]event.Event{&Registered{PayerID: "pemkab", Name: "Pemkab", Kind: "regency_government", RiskClass: 1, RegisteredOn: calendar.NewDate(2024, time.January, 1)}})
	billed, parts := assessed(t, state, may, workers(0, 450))
	if billed.Lines != 450 || billed.FirstPart != 1 || billed.Parts != 3 || len(parts) != 3 || MaxLinesPerPart != 150 || !reflect.DeepEqual(billed.Segments, []string{"PU"}) {
		t.Fatalf("summary %+v with %d parts; want 450 lines in parts 1 to 3", billed, len(parts))
	}
	for i, want := range []int{150, 150, 150} {
		part := parts[i].(*BillLinesRecorded)
		if part.Part != i+1 || len(part.Lines) != want || !part.Total.Equal(decimal.NewFromInt(int64(want)*187_200)) || part.PayerID != "pemkab" {
			t.Errorf("part %d: number %d, %d lines, total %s; want %d lines of 187,200", i+1, part.Part, len(part.Lines), part.Total, want)
		}
	}
	if !billed.Total.Equal(decimal.NewFromInt(84_240_000)) {
		t.Errorf("bill total %s, want 450 × 187,200 = 84,240,000", billed.Total)
	}
	wantProgrammes := []ProgrammeTotal{
		{Programme: "JHT", Employer: money("49950000"), Worker: money("27000000"), Total: money("76950000")},
		{Programme: "JKK", Employer: money("3240000"), Worker: money("0"), Total: money("3240000")},
		{Programme: "JKM", Employer: money("4050000"), Worker: money("0"), Total: money("4050000")},
	}
	for i, programme := range billed.Programmes {
		want := wantProgrammes[i]
		if programme.Programme != want.Programme || !programme.Employer.Equal(want.Employer.Decimal) || !programme.Worker.Equal(want.Worker.Decimal) || !programme.Total.Equal(want.Total.Decimal) {
			t.Errorf("programme %d: %+v, want %+v", i, programme, want)
		}
	}

	summaryOnly := Evolve(state, billed)
	if first, missing := summaryOnly.Bills[may].MissingParts(); !missing || first != 1 || summaryOnly.Billed(may, "w00000") {
		t.Errorf("without its parts the bill misses part %d (%t) and bills w00000: %t; want part 1 missing, nobody billed yet", first, missing, summaryOnly.Billed(may, "w00000"))
	}
	// A part is folded only as the next one: out of order or again, it is skipped.
	builder := NewBuilder(summaryOnly)
	for _, part := range []event.Event{parts[1], parts[0], parts[0], parts[2], parts[1], parts[2]} {
		builder.Apply(part)
	}
	if lines := builder.State().Bills[may].Lines; len(lines) != 450 || lines[0].ParticipantID != "w00000" || lines[150].ParticipantID != "w00150" || lines[449].ParticipantID != "w00449" {
		t.Errorf("parts out of order and again: %d lines; want the 450 in billing order", len(lines))
	}
	whole := summaryOnly
	for _, part := range parts {
		whole = Evolve(whole, part)
	}
	if _, missing := whole.Bills[may].MissingParts(); missing || len(whole.Bills[may].Lines) != 450 || !whole.Billed(may, "w00449") {
		t.Fatalf("after its parts the bill has %d lines; want 450, w00449 billed", len(whole.Bills[may].Lines))
	}
	again := whole
	for _, part := range parts {
		again = Evolve(again, part)
	}
	if len(again.Bills[may].Lines) != 450 {
		t.Errorf("parts folded twice: %d lines, want 450", len(again.Bills[may].Lines))
	}

	// A payment of 30 lines and a bit, paid late: the same events from the
	// summary alone as from the whole bill (allocation, the PU penalty).
	payment := &command.RecordPayment{PayerID: "pemkab", PaymentID: "pay-1", Amount: &command.Money{Decimal: decimal.NewFromInt(30*187_200 + 100)},
		PaidOn: calendar.NewDate(2024, time.July, 20), BankReference: "BPD-1"}
	withoutLines, err := RecordPayment(summaryOnly, payment, rules.Default())
	if err != nil {
		t.Fatal(err)
	}
	withLines, err := RecordPayment(whole, payment, rules.Default())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(withoutLines, withLines) || len(withLines) != 2 {
		t.Errorf("payment decided without the lines: %+v; with them: %+v (want the receipt and its late penalty, alike)", withoutLines, withLines)
	}
	paid := Evolve(whole, withLines[0])
	if !paid.LinePaid(may, "w00029") || paid.LinePaid(may, "w00030") {
		t.Errorf("30 lines and 100 rupiah paid: line 30 paid %t, line 31 paid %t; want the first 30 paid", paid.LinePaid(may, "w00029"), paid.LinePaid(may, "w00030"))
	}

	// A supplement of newcomers numbers its parts on from the bill's.
	if _, err := Assess(whole, &command.AssessContributions{PayerID: "pemkab", Period: may}, workers(1000, MaxPartsPerAssessment*MaxLinesPerPart+1), rules.Default(),
		calendar.NewDate(2024, time.June, 3)); err == nil || !strings.Contains(err.Error(), "split the payer") {
		t.Errorf("an assessment of more lines than its parts hold: %v, want bill_too_large", err)
	}
	supplement, more := assessed(t, whole, may, workers(440, 20))
	if supplement.FirstPart != 4 || supplement.Parts != 1 || supplement.Lines != 10 || more[0].(*BillLinesRecorded).Part != 4 || !supplement.DueDate.Equal(billed.DueDate) {
		t.Errorf("supplement %+v; want the 10 newcomers in part 4, on the bill's due date", supplement)
	}
}
