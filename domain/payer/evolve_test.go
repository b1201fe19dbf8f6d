package payer

import (
	"reflect"
	"testing"
	"time"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/event"
)

// history is a payer's stream touching every kind of event, with a month
// assessed twice (a newcomer) and a payment reversed.
func history() []event.Event {
	jan, feb := calendar.NewPeriod(2025, time.January), calendar.NewPeriod(2025, time.February)
	return []event.Event{
		&Registered{PayerID: "p1", Name: "Desa", Kind: "village", RiskClass: 1, RegisteredOn: calendar.NewDate(2025, time.January, 1)},
		&ContributionsAssessed{Period: jan, DueDate: calendar.NewDate(2025, time.February, 15), Lines: []BillLine{line("a", "16800")}, Total: money("16800")},
		&ContributionsAssessed{Period: jan, DueDate: calendar.NewDate(2025, time.February, 15), Lines: []BillLine{line("b", "16800")}, Total: money("16800")},
		&PaymentReceived{PaymentID: "pay1", Amount: money("20000"), PaidOn: calendar.NewDate(2025, time.February, 10),
			Allocations: []Allocation{{Period: jan, Amount: money("20000")}}},
		&ContributionsAssessed{Period: feb, DueDate: calendar.NewDate(2025, time.March, 15), Lines: []BillLine{line("a", "16800"), line("b", "16800")}, Total: money("33600")},
		&PaymentReceived{PaymentID: "pay2", Amount: money("50000"), PaidOn: calendar.NewDate(2025, time.April, 20),
			Allocations: []Allocation{{Period: jan, Amount: money("13600")}, {Period: feb, Amount: money("33600")}}, Credit: money("2800")},
		&LatePenaltyAssessed{PaymentID: "pay2", Period: feb, Amount: money("672")},
		&PaymentReversed{PaymentID: "pay2", Amount: money("50000"), Allocations: []Allocation{{Period: jan, Amount: money("13600")}, {Period: feb, Amount: money("33600")}},
			Credit: money("2800"), Penalties: money("672"), ReversedOn: calendar.NewDate(2025, time.April, 25)},
		&PeriodClosed{Period: jan, ClosedOn: calendar.NewDate(2025, time.March, 1)},
		// A construction project's line, indexed by its key, not a participant id.
		&ContributionsAssessed{Period: calendar.NewPeriod(2025, time.March), DueDate: calendar.NewDate(2025, time.April, 15),
			Lines: []BillLine{{ProjectID: "jalan", Workers: []string{"a", "c"}, Segment: "construction", WageBase: money("80000000"), Total: money("192000")}}, Total: money("192000")},
	}
}

// TestEvolveLeavesEarlierStatesAlone: every state Evolve returned along a
// stream still equals a replay of its prefix after the whole stream is folded,
// so a caller may keep an old state (decide gets one) while others evolve on.
func TestEvolveLeavesEarlierStatesAlone(t *testing.T) {
	events := history()
	states := make([]State, len(events)+1)
	for i, e := range events {
		states[i+1] = Evolve(states[i], e)
	}
	for k := range states {
		if want := Replay(events[:k]); !reflect.DeepEqual(states[k], want) {
			t.Fatalf("state after %d events changed since it was returned:\n got %+v\nwant %+v", k, states[k], want)
		}
	}
}

// TestBuilderCopiesOnWrite: a builder started from a state someone holds
// (a cached one) changes only its own copy, and ends where a full replay does.
func TestBuilderCopiesOnWrite(t *testing.T) {
	events := history()
	for split := range len(events) + 1 {
		held := Replay(events[:split])
		builder := NewBuilder(held)
		for _, e := range events[split:] {
			builder.Apply(e)
		}
		if got, want := builder.State(), Replay(events); !reflect.DeepEqual(got, want) {
			t.Fatalf("split %d: builder ended at\n %+v\nwant %+v", split, got, want)
		}
		if want := Replay(events[:split]); !reflect.DeepEqual(held, want) {
			t.Fatalf("split %d: the held state was mutated", split)
		}
	}
}

// TestReplayFiguresByHand checks the fold against sums worked by hand.
func TestReplayFiguresByHand(t *testing.T) {
	state := Replay(history())
	jan, feb := state.Bills[calendar.NewPeriod(2025, time.January)], state.Bills[calendar.NewPeriod(2025, time.February)]
	for _, c := range []struct {
		name      string
		got, want string
	}{
		{"january total", jan.Total.String(), "33600"},
		{"january allocated", jan.Allocated.String(), "20000"},
		{"february allocated", feb.Allocated.String(), "0"},
		{"credit", state.Credit.String(), "0"},
		{"penalties", state.Penalties.String(), "0"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %s, want %s", c.name, c.got, c.want)
		}
	}
	if len(jan.Lines) != 2 || !state.Billed(jan.Period, "b") || !state.Closed[jan.Period] {
		t.Errorf("january: %d lines, b billed %v, closed %v", len(jan.Lines), state.Billed(jan.Period, "b"), state.Closed[jan.Period])
	}
}
