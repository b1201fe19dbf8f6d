package reconciliation

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/domain/money"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

// MaxEvents is the most events one reconciliation may decide: they are
// appended atomically, and the log takes at most 1000 events per append.
const MaxEvents = 1000

// Decide reconciles a statement against the ledger items the caller gathered
// (receipts and payouts dated from the period's start minus the window to its
// end plus the window). Lines are matched in four passes, each over the lines
// still open, in line-number order:
//
//  1. same reference and the same amount: LineMatched (reference_and_amount);
//  2. same reference, same direction, another amount: LineAmountDiffers;
//  3. the same amount, dates at most window_days apart: LineMatched (amount_and_date);
//  4. the rest: LineInBankNotInLedger.
//
// Items no line matched and dated inside the period become
// ItemInLedgerNotInBank. Items with ReconciledBy set, or dated outside the
// window, take no part. A statement already imported is a conflict.
func Decide(state State, c *command.ReconcileStatement, items []Item, today calendar.Date) ([]event.Event, error) {
	if state.Imported != nil {
		return nil, &problem.Error{Kind: problem.Conflict, Code: "statement_already_reconciled", Field: "statement_id",
			Message: fmt.Sprintf("statement %s was reconciled already (%s); give a new statement_id", c.StatementID, state.Imported.ImportedOn)}
	}
	if len(c.Lines.Items) == 0 {
		return nil, problem.Field("lines", "missing_field", "a statement has at least one line")
	}
	from, to := c.Period()
	on := command.BusinessDate(c.ReconciledOn, today)
	if on.Before(to) {
		return nil, problem.Field("reconciled_on", "before_statement_end", "%s is before the statement's last day %s: a statement is reconciled once it ends", on, to)
	}
	window := c.Window()
	candidates, err := eligible(items, from.AddDays(-window), to.AddDays(window))
	if err != nil {
		return nil, err
	}
	lines := bankLines(c)
	match := newMatcher(lines, candidates, window)
	match.run()
	decided, totals := match.outcomes(from, to)
	if len(decided)+2 > MaxEvents {
		return nil, problem.Field("lines", "statement_too_large",
			"%d lines and ledger items make %d outcomes; at most %d fit one statement: split it by period", len(lines), len(decided), MaxEvents-2)
	}
	if err := totals.check(); err != nil {
		return nil, err
	}
	if err := totals.fit(); err != nil {
		return nil, err
	}
	imported := &StatementImported{StatementID: c.StatementID, Account: c.Account, PeriodFrom: from, PeriodTo: to, WindowDays: window,
		LineCount: len(lines), BankTotal: totals.BankTotal, ImportedOn: on}
	events := append([]event.Event{imported}, decided...)
	return append(events, &StatementReconciled{StatementID: c.StatementID, Totals: totals, ReconciledOn: on}), nil
}

// check asserts the identity of the totals; a failure is a bug, never input.
func (t Totals) check() error {
	want := t.BankTotal.Sub(t.BankOnlyTotal.Decimal).Add(t.LedgerOnlyTotal.Decimal).Sub(t.DifferencesTotal.Decimal)
	if !t.LedgerTotal.Equal(want) {
		return fmt.Errorf("reconciliation totals do not tie: ledger %s, bank %s − bank only %s + ledger only %s − differences %s = %s",
			t.LedgerTotal.StringFixed(2), t.BankTotal.StringFixed(2), t.BankOnlyTotal.StringFixed(2), t.LedgerOnlyTotal.StringFixed(2),
			t.DifferencesTotal.StringFixed(2), want.StringFixed(2))
	}
	return nil
}

// fit refuses totals rm_statements cannot hold (NUMERIC(18,2)). Lines are
// bounded (MaxStatementLines of at most money.MaxAmount), so only ledger
// items recorded before those bounds could come this far.
func (t Totals) fit() error {
	names := []string{"bank_total", "ledger_total", "matched_total", "differences_total", "bank_only_total", "ledger_only_total"}
	for i, total := range []command.SignedMoney{t.BankTotal, t.LedgerTotal, t.MatchedTotal, t.DifferencesTotal, t.BankOnlyTotal, t.LedgerOnlyTotal} {
		if !money.Fits(total.Decimal) {
			return problem.Field("lines", "statement_totals_too_large", "the statement's %s would be %s, more than a total can hold: split it by period",
				names[i], money.FormatIDR(total.Decimal))
		}
	}
	return nil
}

// eligible keeps the items not reconciled before and dated inside [from, to],
// once each, in a stable order (date, kind, id, event id).
func eligible(items []Item, from, to calendar.Date) ([]Item, error) {
	seen := make(map[string]bool, len(items))
	var kept []Item
	for _, item := range items {
		if item.Kind != KindReceipt && item.Kind != KindPayout {
			return nil, fmt.Errorf("ledger item %s: unknown kind %q", item.ID, item.Kind)
		}
		if (item.Kind == KindReceipt) != item.Amount.IsPositive() || item.Date.IsZero() {
			return nil, fmt.Errorf("ledger item %s %s: receipts are positive, payouts negative, and both dated (got %s on %s)",
				item.Kind, item.ID, item.Amount.StringFixed(2), item.Date)
		}
		if item.ReconciledBy != "" || seen[item.Key()] || item.Date.Before(from) || item.Date.After(to) {
			continue
		}
		seen[item.Key()] = true
		kept = append(kept, item)
	}
	sort.SliceStable(kept, func(i, j int) bool {
		a, b := kept[i], kept[j]
		if !a.Date.Equal(b.Date) {
			return a.Date.Before(b.Date)
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		return a.EventID < b.EventID
	})
	return kept, nil
}

// bankLines are the command's lines with their numbers, in line-number order.
func bankLines(c *command.ReconcileStatement) []BankLine {
	lines := make([]BankLine, len(c.Lines.Items))
	for i, line := range c.Lines.Items {
		lines[i] = BankLine{Line: c.LineNo(i), Date: line.Date, Reference: strings.TrimSpace(line.Reference),
			Amount: *line.Amount, CounterpartyAccount: line.CounterpartyAccount, Description: line.Description}
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].Line < lines[j].Line })
	return lines
}

// matcher pairs lines with items; pairs[i] is the item index of line i, or -1.
type matcher struct {
	lines  []BankLine
	items  []Item
	window int
	pairs  []int
	rules  []string
	taken  []bool
}

func newMatcher(lines []BankLine, items []Item, window int) *matcher {
	m := &matcher{lines: lines, items: items, window: window, pairs: make([]int, len(lines)), rules: make([]string, len(lines)), taken: make([]bool, len(items))}
	for i := range m.pairs {
		m.pairs[i] = -1
	}
	return m
}

func (m *matcher) run() {
	m.pass(RuleReferenceAndAmount, func(line BankLine, item Item) bool {
		return sameReference(line, item) && line.Amount.Equal(item.Amount.Decimal)
	})
	m.pass(RuleReference, func(line BankLine, item Item) bool {
		return sameReference(line, item) && line.Amount.IsPositive() == item.Amount.IsPositive()
	})
	m.pass(RuleAmountAndDate, func(line BankLine, item Item) bool {
		return line.Amount.Equal(item.Amount.Decimal) && daysApart(line.Date, item.Date) <= m.window
	})
}

// pass gives each open line the best open item that fits: the closest in
// amount, then in date, then the first in the items' order.
func (m *matcher) pass(rule string, fits func(BankLine, Item) bool) {
	for i, line := range m.lines {
		if m.pairs[i] >= 0 {
			continue
		}
		best := -1
		for j, item := range m.items {
			if m.taken[j] || !fits(line, item) {
				continue
			}
			if best < 0 || closer(line, item, m.items[best]) {
				best = j
			}
		}
		if best >= 0 {
			m.pairs[i], m.rules[i], m.taken[best] = best, rule, true
		}
	}
}

func closer(line BankLine, candidate, incumbent Item) bool {
	candidateGap := line.Amount.Sub(candidate.Amount.Decimal).Abs()
	incumbentGap := line.Amount.Sub(incumbent.Amount.Decimal).Abs()
	if !candidateGap.Equal(incumbentGap) {
		return candidateGap.LessThan(incumbentGap)
	}
	return daysApart(line.Date, candidate.Date) < daysApart(line.Date, incumbent.Date)
}

func sameReference(line BankLine, item Item) bool {
	reference := strings.TrimSpace(line.Reference)
	return reference != "" && strings.EqualFold(reference, strings.TrimSpace(item.BankReference))
}

func daysApart(a, b calendar.Date) int {
	days := int(a.Time().Sub(b.Time()).Hours() / 24)
	if days < 0 {
		return -days
	}
	return days
}

// outcomes turns the pairs into events, one per line in line order, then one
// per unmatched item dated in the period, and sums the totals.
func (m *matcher) outcomes(from, to calendar.Date) ([]event.Event, Totals) {
	var events []event.Event
	sums := map[string]decimal.Decimal{}
	add := func(name string, amount decimal.Decimal) { sums[name] = sums[name].Add(amount) }
	var totals Totals
	for i, line := range m.lines {
		add("bank", line.Amount.Decimal)
		if m.pairs[i] < 0 {
			events = append(events, &LineInBankNotInLedger{BankLine: line})
			add("bank_only", line.Amount.Decimal)
			totals.BankOnly++
			continue
		}
		item := m.items[m.pairs[i]]
		add("ledger", item.Amount.Decimal)
		if m.rules[i] == RuleReference {
			difference := line.Amount.Sub(item.Amount.Decimal)
			events = append(events, &LineAmountDiffers{BankLine: line, Item: item, Difference: command.SignedMoney{Decimal: difference}})
			add("differences", difference)
			totals.AmountDiffers++
			continue
		}
		events = append(events, &LineMatched{BankLine: line, Rule: m.rules[i], Item: item})
		add("matched", line.Amount.Decimal)
		totals.Matched++
	}
	for j, item := range m.items {
		if m.taken[j] || item.Date.Before(from) || item.Date.After(to) {
			continue
		}
		events = append(events, &ItemInLedgerNotInBank{Item: item})
		add("ledger", item.Amount.Decimal)
		add("ledger_only", item.Amount.Decimal)
		totals.LedgerOnly++
	}
	money := func(name string) command.SignedMoney { return command.SignedMoney{Decimal: sums[name]} }
	totals.BankTotal, totals.LedgerTotal, totals.MatchedTotal = money("bank"), money("ledger"), money("matched")
	totals.DifferencesTotal, totals.BankOnlyTotal, totals.LedgerOnlyTotal = money("differences"), money("bank_only"), money("ledger_only")
	return events, totals
}
