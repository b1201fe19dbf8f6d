package payer

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
)

func money(text string) command.Money { return command.Money{Decimal: decimal.RequireFromString(text)} }

func line(id, total string) BillLine { return BillLine{ParticipantID: id, Total: money(total)} }

// One participant's view of a bill of three lines (100, then theirs of 50,
// then 30): a payment reaches their line only past the lines billed before it.
func TestMemberBillsSeesOnlyTheirLine(t *testing.T) {
	march, _ := calendar.ParsePeriod("2024-03")
	on := func(text string) calendar.Date { d, _ := calendar.ParseDate(text); return d }
	allocate := func(amount string) []Allocation { return []Allocation{{Period: march, Amount: money(amount)}} }
	steps := []struct {
		name    string
		event   event.Event
		concern string // the excerpt's type, or "" when the event does not concern them
		reached string // for a payment or reversal: the amount on their line
		paid    bool   // their line paid in full after the event
	}{
		{"the bill", &ContributionsAssessed{Period: march, DueDate: on("2024-04-15"), Lines: []BillLine{line("a", "100"), line("me", "50"), line("b", "30")}, Total: money("180")}, "assessed", "", false},
		{"80 pays part of a's line only", &PaymentReceived{PaymentID: "p1", PaidOn: on("2024-04-10"), Allocations: allocate("80")}, "", "", false},
		{"its penalty is not theirs", &LatePenaltyAssessed{PaymentID: "p1", Period: march, Amount: money("2")}, "", "", false},
		{"40 more reaches 20 of their line", &PaymentReceived{PaymentID: "p2", PaidOn: on("2024-04-20"), Allocations: allocate("40")}, "payment", "20", false},
		{"its penalty is theirs too", &LatePenaltyAssessed{PaymentID: "p2", Period: march, Amount: money("1")}, "penalty", "", false},
		{"a supplement after their line", &ContributionsAssessed{Period: march, DueDate: on("2024-04-15"), Lines: []BillLine{line("c", "25")}, Total: money("25")}, "", "", false},
		{"60 pays the 30 left of their line and 30 of b's", &PaymentReceived{PaymentID: "p3", PaidOn: on("2024-05-02"), Allocations: allocate("60")}, "payment", "30", true},
		{"reversing p3 takes 30 off their line", &PaymentReversed{PaymentID: "p3", ReversedOn: on("2024-05-03"), Allocations: allocate("60")}, "reversal", "30", false},
		{"closing the month", &PeriodClosed{Period: march}, "closed", "", false},
	}
	view := MemberBills{ParticipantID: "me"}
	for _, step := range steps {
		var concern any
		view, concern = view.Evolve(step.event)
		kind, reached := "", ""
		switch concern := concern.(type) {
		case *AssessedExcerpt:
			kind = "assessed"
			if concern.Line.ParticipantID != "me" {
				t.Errorf("%s: the excerpt shows %s's line", step.name, concern.Line.ParticipantID)
			}
		case *PaymentExcerpt:
			kind, reached = "payment", concern.Lines[0].Amount.String()
		case *ReversalExcerpt:
			kind, reached = "reversal", concern.Lines[0].Amount.String()
		case *LatePenaltyAssessed:
			kind = "penalty"
		case *PeriodClosed:
			kind = "closed"
		}
		lines := view.Lines()
		if kind != step.concern || reached != step.reached || len(lines) != 1 || lines[0].Paid() != step.paid {
			t.Errorf("%s: concern %q reaching %q, paid %v; want %q reaching %q, paid %v", step.name, kind, reached, len(lines) == 1 && lines[0].Paid(),
				step.concern, step.reached, step.paid)
		}
	}
	if lines := view.Lines(); !lines[0].Total.Equal(decimal.NewFromInt(50)) || !lines[0].Closed || !lines[0].DueDate.Equal(on("2024-04-15")) {
		t.Errorf("their line: %+v", lines[0])
	}
}
