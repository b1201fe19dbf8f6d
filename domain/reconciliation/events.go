// Package reconciliation matches a bank statement against the ledger's
// contribution receipts and benefit payouts, and records every outcome as an
// event on the stream statement-<statement_id> (docs/reconciliation.md).
// Pure: no I/O, no clock; the caller gathers the ledger items and passes today.
package reconciliation

import (
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
)

// Kinds of ledger item.
const (
	KindReceipt = "receipt" // a contribution payment received (PaymentReceived): money in, positive
	KindPayout  = "payout"  // a benefit paid out (PayoutRecorded): money out, negative
)

// Rules by which a line matched.
const (
	RuleReferenceAndAmount = "reference_and_amount"
	RuleAmountAndDate      = "amount_and_date"
	// RuleReference pairs a line and an item by reference alone: their amounts differ.
	RuleReference = "reference"
)

// Outcomes of a line or an item, as the report and the read model name them.
const (
	OutcomeMatched       = "matched"
	OutcomeAmountDiffers = "amount_differs"
	OutcomeBankOnly      = "bank_only"
	OutcomeLedgerOnly    = "ledger_only"
)

// BankLine is a statement line as recorded: Amount is signed, positive for
// money into the account.
type BankLine struct {
	Line                int                 `json:"line"`
	Date                calendar.Date       `json:"date"`
	Reference           string              `json:"reference"`
	Amount              command.SignedMoney `json:"amount"`
	CounterpartyAccount string              `json:"counterparty_account,omitempty"`
	Description         string              `json:"description,omitempty"`
}

// Item is a ledger item a line can match: a receipt (positive) or a payout
// (negative), named by its payment or payout id and the event that recorded it.
type Item struct {
	Kind          string              `json:"kind"`
	ID            string              `json:"id"`
	EventID       string              `json:"event_id"`
	Date          calendar.Date       `json:"date"`
	Amount        command.SignedMoney `json:"amount"`
	BankReference string              `json:"bank_reference"`
	// ReconciledBy is the statement that matched the item already; such
	// items are not matched again. The caller fills it; it is not recorded.
	ReconciledBy string `json:"-"`
}

// Key identifies an item: its event id, or kind and id when none is known.
func (i Item) Key() string {
	if i.EventID != "" {
		return i.EventID
	}
	return i.Kind + ":" + i.ID
}

// StatementImported: a bank statement was taken in for reconciliation.
type StatementImported struct {
	StatementID string              `json:"statement_id"`
	Account     string              `json:"account"`
	PeriodFrom  calendar.Date       `json:"period_from"`
	PeriodTo    calendar.Date       `json:"period_to"`
	WindowDays  int                 `json:"window_days"`
	LineCount   int                 `json:"line_count"`
	BankTotal   command.SignedMoney `json:"bank_total"`
	ImportedOn  calendar.Date       `json:"imported_on"`
}

// LineMatched: a line and a ledger item agree to the sen.
type LineMatched struct {
	BankLine BankLine `json:"bank_line"`
	Rule     string   `json:"rule"`
	Item     Item     `json:"item"`
}

// LineAmountDiffers: a line and a ledger item share a reference but not the
// amount. Difference is bank − ledger.
type LineAmountDiffers struct {
	BankLine   BankLine            `json:"bank_line"`
	Item       Item                `json:"item"`
	Difference command.SignedMoney `json:"difference"`
}

// LineInBankNotInLedger: no ledger item explains the line.
type LineInBankNotInLedger struct {
	BankLine BankLine `json:"bank_line"`
}

// ItemInLedgerNotInBank: a ledger item dated in the statement period that no line matched.
type ItemInLedgerNotInBank struct {
	Item Item `json:"item"`
}

// Totals of a reconciliation. They tie:
//
//	ledger_total = bank_total − bank_only_total + ledger_only_total − differences_total
//
// where ledger_total sums the ledger side of every matched and differing
// pair and every ledger-only item (docs/reconciliation.md).
type Totals struct {
	BankTotal        command.SignedMoney `json:"bank_total"`
	LedgerTotal      command.SignedMoney `json:"ledger_total"`
	MatchedTotal     command.SignedMoney `json:"matched_total"`
	DifferencesTotal command.SignedMoney `json:"differences_total"`
	BankOnlyTotal    command.SignedMoney `json:"bank_only_total"`
	LedgerOnlyTotal  command.SignedMoney `json:"ledger_only_total"`
	Matched          int                 `json:"matched"`
	AmountDiffers    int                 `json:"amount_differs"`
	BankOnly         int                 `json:"bank_only"`
	LedgerOnly       int                 `json:"ledger_only"`
}

// StatementReconciled: every line and item has its outcome; the totals tie.
type StatementReconciled struct {
	StatementID  string        `json:"statement_id"`
	Totals       Totals        `json:"totals"`
	ReconciledOn calendar.Date `json:"reconciled_on"`
}

func (StatementImported) EventType() string     { return "StatementImported" }
func (LineMatched) EventType() string           { return "LineMatched" }
func (LineAmountDiffers) EventType() string     { return "LineAmountDiffers" }
func (LineInBankNotInLedger) EventType() string { return "LineInBankNotInLedger" }
func (ItemInLedgerNotInBank) EventType() string { return "ItemInLedgerNotInBank" }
func (StatementReconciled) EventType() string   { return "StatementReconciled" }

func (e StatementImported) OccurredOn() calendar.Date     { return e.PeriodTo }
func (e LineMatched) OccurredOn() calendar.Date           { return e.BankLine.Date }
func (e LineAmountDiffers) OccurredOn() calendar.Date     { return e.BankLine.Date }
func (e LineInBankNotInLedger) OccurredOn() calendar.Date { return e.BankLine.Date }
func (e ItemInLedgerNotInBank) OccurredOn() calendar.Date { return e.Item.Date }
func (e StatementReconciled) OccurredOn() calendar.Date   { return e.ReconciledOn }

// Events is the registry of the statement stream's event types.
func Events() *event.Registry {
	return event.NewRegistry(
		func() event.Event { return &StatementImported{} },
		func() event.Event { return &LineMatched{} },
		func() event.Event { return &LineAmountDiffers{} },
		func() event.Event { return &LineInBankNotInLedger{} },
		func() event.Event { return &ItemInLedgerNotInBank{} },
		func() event.Event { return &StatementReconciled{} },
	)
}

// LineOutcome is one line of the report: the line, what became of it, and
// the ledger item it met, if any.
type LineOutcome struct {
	BankLine   BankLine             `json:"bank_line"`
	Outcome    string               `json:"outcome"`
	Rule       string               `json:"rule,omitempty"`
	Item       *Item                `json:"item,omitempty"`
	Difference *command.SignedMoney `json:"difference,omitempty"`
}

// State is a statement as its events leave it; it is also the report.
type State struct {
	Imported   *StatementImported   `json:"statement"`
	Lines      []LineOutcome        `json:"lines"`
	LedgerOnly []Item               `json:"ledger_only"`
	Reconciled *StatementReconciled `json:"reconciled"`
	Version    int64                `json:"-"`
}

// Evolve applies one event.
func Evolve(state State, e event.Event) State {
	switch e := e.(type) {
	case *StatementImported:
		imported := *e
		state.Imported = &imported
	case *LineMatched:
		item := e.Item
		state.Lines = append(state.Lines, LineOutcome{BankLine: e.BankLine, Outcome: OutcomeMatched, Rule: e.Rule, Item: &item})
	case *LineAmountDiffers:
		item, difference := e.Item, e.Difference
		state.Lines = append(state.Lines, LineOutcome{BankLine: e.BankLine, Outcome: OutcomeAmountDiffers, Rule: RuleReference, Item: &item, Difference: &difference})
	case *LineInBankNotInLedger:
		state.Lines = append(state.Lines, LineOutcome{BankLine: e.BankLine, Outcome: OutcomeBankOnly})
	case *ItemInLedgerNotInBank:
		state.LedgerOnly = append(state.LedgerOnly, e.Item)
	case *StatementReconciled:
		reconciled := *e
		state.Reconciled = &reconciled
	}
	return state
}

// Replay folds a stream's events.
func Replay(events []event.Event) State {
	var state State
	for _, e := range events {
		state = Evolve(state, e)
	}
	return state
}
