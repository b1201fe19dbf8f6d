package reconciliation

import (
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

var today = calendar.NewDate(2026, 12, 2)

func date(text string) calendar.Date {
	parsed, err := calendar.ParseDate(text)
	if err != nil {
		panic(err)
	}
	return parsed
}

func amount(text string) command.SignedMoney {
	value, err := command.ParseSignedMoney(text)
	if err != nil {
		panic(err)
	}
	return command.SignedMoney{Decimal: value}
}

func line(no int, day, reference, value string) command.StatementLine {
	money := amount(value)
	return command.StatementLine{Line: no, Date: date(day), Reference: reference, Amount: &money}
}

func receipt(id, day, value, reference string) Item {
	return Item{Kind: KindReceipt, ID: id, EventID: "ev-" + id, Date: date(day), Amount: amount(value), BankReference: reference}
}

func payout(id, day, value, reference string) Item {
	return Item{Kind: KindPayout, ID: id, EventID: "ev-" + id, Date: date(day), Amount: amount(value), BankReference: reference}
}

func statement(window *int, lines ...command.StatementLine) *command.ReconcileStatement {
	return &command.ReconcileStatement{StatementID: "bpd-2026-11", Account: "BPD-KALSEL-0012", PeriodFrom: date("2026-11-01"),
		PeriodTo: date("2026-11-30"), WindowDays: window, Lines: command.StatementLines{Items: lines}}
}

// outcome is what a test expects of one line or item: its outcome, the item
// id it met and the difference.
type outcome struct {
	line       int
	kind       string
	item       string
	difference string
}

func describe(events []event.Event) []outcome {
	var got []outcome
	for _, e := range events {
		switch e := e.(type) {
		case *LineMatched:
			got = append(got, outcome{line: e.BankLine.Line, kind: OutcomeMatched + "/" + e.Rule, item: e.Item.ID})
		case *LineAmountDiffers:
			got = append(got, outcome{line: e.BankLine.Line, kind: OutcomeAmountDiffers, item: e.Item.ID, difference: e.Difference.StringFixed(2)})
		case *LineInBankNotInLedger:
			got = append(got, outcome{line: e.BankLine.Line, kind: OutcomeBankOnly})
		case *ItemInLedgerNotInBank:
			got = append(got, outcome{kind: OutcomeLedgerOnly, item: e.Item.ID})
		}
	}
	return got
}

func TestDecide(t *testing.T) {
	one := 1
	tests := []struct {
		name    string
		command *command.ReconcileStatement
		items   []Item
		want    []outcome
		// totals: bank, ledger, matched, differences, bank only, ledger only
		totals [6]string
	}{
		{
			name: "one of each outcome",
			command: statement(nil,
				line(2, "2026-11-03", "BPD-KALSEL-002", "16800.00"),
				line(3, "2026-11-28", "btl-0042", "-29998499.50"),
				line(4, "2026-11-15", "ADM-FEE", "-7500.00")),
			items: []Item{
				receipt("pay-nov", "2026-11-03", "16800.00", "BPD-KALSEL-002"),
				payout("po-1", "2026-11-28", "-30000000.00", "BTL-0042"),
				payout("po-2", "2026-11-28", "-12000000.00", "BTL-0043"),
			},
			want: []outcome{{line: 2, kind: "matched/reference_and_amount", item: "pay-nov"},
				{line: 3, kind: OutcomeAmountDiffers, item: "po-1", difference: "1500.50"}, // −29,998,499.50 − (−30,000,000.00)
				{line: 4, kind: OutcomeBankOnly}, {kind: OutcomeLedgerOnly, item: "po-2"}},
			// bank 16,800.00 − 29,998,499.50 − 7,500.00 = −29,989,199.50
			// ledger 16,800.00 − 30,000,000.00 − 12,000,000.00 = −41,983,200.00
			// check: −29,989,199.50 + 7,500.00 − 12,000,000.00 − 1,500.50 = −41,983,200.00
			totals: [6]string{"-29989199.50", "-41983200.00", "16800.00", "1500.50", "-7500.00", "-12000000.00"},
		},
		{
			name: "amount within the date window matches without a reference",
			command: statement(nil,
				line(1, "2026-11-30", "TRF 881", "-12000000.00"),
				line(2, "2026-11-02", "", "187200.00")),
			items: []Item{
				payout("po-2", "2026-11-27", "-12000000.00", "BTL-0043"), // 3 days before: inside ±3
				receipt("pay-x", "2026-10-30", "187200.00", "BPD-9"),     // before the period, 3 days before the line
			},
			want: []outcome{{line: 1, kind: "matched/amount_and_date", item: "po-2"}, {line: 2, kind: "matched/amount_and_date", item: "pay-x"}},
			// bank −12,000,000.00 + 187,200.00 = −11,812,800.00 = ledger = matched
			totals: [6]string{"-11812800.00", "-11812800.00", "-11812800.00", "0.00", "0.00", "0.00"},
		},
		{
			name: "a window of one day is too narrow",
			command: statement(&one,
				line(1, "2026-11-30", "TRF 881", "-12000000.00")),
			items: []Item{payout("po-2", "2026-11-27", "-12000000.00", "BTL-0043")},
			want:  []outcome{{line: 1, kind: OutcomeBankOnly}, {kind: OutcomeLedgerOnly, item: "po-2"}},
			// ledger = bank − bank only + ledger only − differences = −12,000,000 + 12,000,000 − 12,000,000 − 0
			totals: [6]string{"-12000000.00", "-12000000.00", "0.00", "0.00", "-12000000.00", "-12000000.00"},
		},
		{
			name: "items reconciled before, outside the window or the period take no part",
			command: statement(nil,
				line(1, "2026-11-10", "BPD-1", "300000.00")),
			items: func() []Item {
				done := receipt("pay-1", "2026-11-10", "300000.00", "BPD-1")
				done.ReconciledBy = "bpd-2026-10"
				return []Item{done,
					receipt("pay-old", "2026-10-20", "300000.00", "BPD-OLD"), // 11 days before the period: outside ±3
					receipt("pay-edge", "2026-12-02", "5000.00", "BPD-E"),    // after the period, inside the window: not ledger-only
				}
			}(),
			want:   []outcome{{line: 1, kind: OutcomeBankOnly}},
			totals: [6]string{"300000.00", "0.00", "0.00", "0.00", "300000.00", "0.00"},
		},
		{
			name: "a reference on money going the other way is no amount difference",
			command: statement(nil,
				line(1, "2026-11-05", "BTL-0042", "30000000.00")),
			items: []Item{payout("po-1", "2026-11-05", "-30000000.00", "BTL-0042")},
			want:  []outcome{{line: 1, kind: OutcomeBankOnly}, {kind: OutcomeLedgerOnly, item: "po-1"}},
			// ledger = 30,000,000 − 30,000,000 − 30,000,000 − 0 = −30,000,000
			totals: [6]string{"30000000.00", "-30000000.00", "0.00", "0.00", "30000000.00", "-30000000.00"},
		},
		{
			name: "an exact reference match is not taken by an earlier line's amount difference",
			command: statement(nil,
				line(1, "2026-11-05", "BATCH-7", "-1000000.00"),
				line(2, "2026-11-05", "BATCH-7", "-2500000.00")),
			items: []Item{payout("po-a", "2026-11-05", "-2500000.00", "BATCH-7"), payout("po-b", "2026-11-05", "-999999.99", "BATCH-7")},
			want: []outcome{{line: 1, kind: OutcomeAmountDiffers, item: "po-b", difference: "-0.01"}, // −1,000,000.00 − (−999,999.99)
				{line: 2, kind: "matched/reference_and_amount", item: "po-a"}},
			// bank −3,500,000.00; ledger −3,499,999.99 = −3,500,000.00 − 0 + 0 − (−0.01)
			totals: [6]string{"-3500000.00", "-3499999.99", "-2500000.00", "-0.01", "0.00", "0.00"},
		},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			if err := test.command.Validate(); err != nil {
				t.Fatalf("the test's command is invalid: %v", err)
			}
			events, err := Decide(State{}, test.command, test.items, today)
			if err != nil {
				t.Fatal(err)
			}
			got := describe(events)
			if len(got) != len(test.want) {
				t.Fatalf("outcomes: got %+v, want %+v", got, test.want)
			}
			for i := range got {
				if got[i] != test.want[i] {
					t.Errorf("outcome %d: got %+v, want %+v", i, got[i], test.want[i])
				}
			}
			imported, ok := events[0].(*StatementImported)
			if !ok || imported.LineCount != len(test.command.Lines.Items) || imported.BankTotal.StringFixed(2) != test.totals[0] {
				t.Errorf("first event: got %+v, want StatementImported with %d lines and bank total %s", events[0], len(test.command.Lines.Items), test.totals[0])
			}
			reconciled, ok := events[len(events)-1].(*StatementReconciled)
			if !ok {
				t.Fatalf("last event: got %T, want StatementReconciled", events[len(events)-1])
			}
			totals := reconciled.Totals
			got6 := [6]string{totals.BankTotal.StringFixed(2), totals.LedgerTotal.StringFixed(2), totals.MatchedTotal.StringFixed(2),
				totals.DifferencesTotal.StringFixed(2), totals.BankOnlyTotal.StringFixed(2), totals.LedgerOnlyTotal.StringFixed(2)}
			if got6 != test.totals {
				t.Errorf("totals (bank, ledger, matched, differences, bank only, ledger only): got %v, want %v", got6, test.totals)
			}
			state := Replay(events)
			if state.Reconciled == nil || len(state.Lines) != len(test.command.Lines.Items) {
				t.Errorf("replayed state: got %d lines, reconciled %v", len(state.Lines), state.Reconciled != nil)
			}
		})
	}
}

func TestDecideRefusesAStatementReconciledAlready(t *testing.T) {
	command := statement(nil, line(1, "2026-11-03", "X", "1.00"))
	first, err := Decide(State{}, command, nil, today)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Decide(Replay(first), command, nil, today)
	if !errors.Is(err, problem.Conflict) {
		t.Fatalf("second reconciliation of one statement: got %v, want a conflict", err)
	}
	if domainError, _ := problem.As(err); domainError.Code != "statement_already_reconciled" || domainError.Field != "statement_id" {
		t.Errorf("got %+v", domainError)
	}
}

func TestDecideRefusesMalformedItems(t *testing.T) {
	tests := []struct {
		name string
		item Item
	}{
		{"unknown kind", Item{Kind: "refund", ID: "r", Date: date("2026-11-03"), Amount: amount("1.00")}},
		{"a positive payout", payout("po", "2026-11-03", "5.00", "R")},
		{"a negative receipt", receipt("pay", "2026-11-03", "-5.00", "R")},
		{"no date", Item{Kind: KindReceipt, ID: "pay", Amount: amount("5.00")}},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			_, err := Decide(State{}, statement(nil, line(1, "2026-11-03", "X", "1.00")), []Item{test.item}, today)
			if err == nil {
				t.Fatal("a malformed ledger item was accepted")
			}
		})
	}
}

func TestTotalsCheck(t *testing.T) {
	totals := Totals{BankTotal: amount("100.00"), LedgerTotal: amount("100.01")}
	if err := totals.check(); err == nil || !strings.Contains(err.Error(), "do not tie") {
		t.Errorf("a ledger total a sen off: got %v, want an error", err)
	}
	// 100.00 − 0 + 0 − (−0.01) = 100.01
	totals.DifferencesTotal = command.SignedMoney{Decimal: decimal.RequireFromString("-0.01")}
	if err := totals.check(); err != nil {
		t.Errorf("tied totals refused: %v", err)
	}
}

func TestDecideBoundsTheOutcomes(t *testing.T) {
	var lines []command.StatementLine
	for i := 1; i <= command.MaxStatementLines; i++ {
		lines = append(lines, line(i, "2026-11-03", "X", "1.00"))
	}
	var items []Item
	for i := 0; i < 200; i++ {
		items = append(items, payout("po-"+strings.Repeat("x", i+1), "2026-11-04", "-7.00", "P"))
	}
	_, err := Decide(State{}, statement(nil, lines...), items, today)
	if domainError, ok := problem.As(err); !ok || domainError.Code != "statement_too_large" {
		t.Errorf("900 lines and 200 ledger-only items: got %v, want statement_too_large", err)
	}
}

// Ledger items recorded before amounts were bounded could still sum past
// what rm_statements holds (NUMERIC(18,2)): the statement is refused, so no
// StatementReconciled a projection cannot take is ever decided.
func TestTotalsThatDoNotFitAreRefused(t *testing.T) {
	items := []Item{
		receipt("old-1", "2026-11-03", "9999999999999999.00", "OLD-1"),
		receipt("old-2", "2026-11-04", "9999999999999999.00", "OLD-2"),
	}
	_, err := Decide(State{}, statement(nil, line(1, "2026-11-05", "X", "100.00")), items, today)
	var domainError *problem.Error
	if !errors.As(err, &domainError) || domainError.Code != "statement_totals_too_large" || domainError.Field != "lines" {
		t.Fatalf("got %v, want statement_totals_too_large on lines", err)
	}
	if !strings.Contains(domainError.Message, "ledger_total") {
		t.Errorf("message %q does not name ledger_total", domainError.Message)
	}
}

// A statement is reconciled on its business date (today when none is given),
// never before its last day: refused on reconciled_on, nothing decided.
func TestDecideOnItsBusinessDate(t *testing.T) {
	tests := []struct {
		name, on, want, code string
	}{
		{"today", "", "2026-12-02", ""},
		{"on the day given", "2026-12-01", "2026-12-01", ""},
		{"on the statement's last day", "2026-11-30", "2026-11-30", ""},
		{"before the statement ends", "2026-11-29", "", "before_statement_end"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			c := statement(nil, line(1, "2026-11-25", "X", "-1500000"))
			if test.on != "" {
				c.ReconciledOn = date(test.on)
			}
			events, err := Decide(State{}, c, nil, today)
			if test.code != "" {
				if domainError, ok := problem.As(err); !ok || domainError.Code != test.code || domainError.Field != "reconciled_on" || len(events) != 0 {
					t.Fatalf("got %v and %d events, want %s on reconciled_on and none", err, len(events), test.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			imported, reconciled := events[0].(*StatementImported), events[len(events)-1].(*StatementReconciled)
			if !imported.ImportedOn.Equal(date(test.want)) || !reconciled.ReconciledOn.Equal(date(test.want)) {
				t.Errorf("imported on %s, reconciled on %s, want %s", imported.ImportedOn, reconciled.ReconciledOn, test.want)
			}
		})
	}
}
