package projections

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tanahbumbu/jaminan/domain/reconciliation"
)

// statementPrefix is the stream prefix of bank statements.
const statementPrefix = "statement-"

// Reconciliation projects rm_statements, rm_statement_lines and
// rm_reconciled_items (migrations/006_reconciliation.sql) from the statement streams.
type Reconciliation struct{}

// Name is the checkpoint key.
func (Reconciliation) Name() string { return "reconciliation" }

// Tables it owns.
func (Reconciliation) Tables() []string {
	return []string{"rm_reconciled_items", "rm_statement_lines", "rm_statements"}
}

// Apply writes statement events.
func (Reconciliation) Apply(ctx context.Context, tx pgx.Tx, events []Decoded) error {
	batch := &pgx.Batch{}
	for _, decoded := range events {
		id, ok := strings.CutPrefix(decoded.Recorded.StreamID, statementPrefix)
		if !ok {
			continue
		}
		queueStatement(batch, id, decoded)
	}
	return sendBatch(ctx, tx, batch, "reconciliation")
}

const insertOutcome = `INSERT INTO rm_statement_lines (statement_id, entry_no, line_no, outcome, rule, line_date, reference, bank_amount,
	counterparty_account, description, item_kind, item_id, item_event_id, item_date, ledger_amount, bank_reference, difference, position)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`

// A ledger item met by two statements reconciled at the same moment keeps the
// first in log order, so the projection never stops on it and a rebuild agrees.
const insertReconciled = `INSERT INTO rm_reconciled_items (event_id, item_kind, item_id, statement_id, line_no, outcome, position)
	VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_id) DO NOTHING`

func queueStatement(batch *pgx.Batch, id string, decoded Decoded) {
	position, entry := decoded.Recorded.Position, decoded.Recorded.Version
	switch e := decoded.Event.(type) {
	case *reconciliation.StatementImported:
		batch.Queue(`INSERT INTO rm_statements (statement_id, account, period_from, period_to, window_days, line_count, status, imported_on, bank_total, position)
			VALUES ($1, $2, $3, $4, $5, $6, 'imported', $7, $8, $9)`,
			id, e.Account, e.PeriodFrom.Time(), e.PeriodTo.Time(), e.WindowDays, e.LineCount, e.ImportedOn.Time(), e.BankTotal.Decimal, position)
	case *reconciliation.LineMatched:
		queueLine(batch, id, entry, position, reconciliation.OutcomeMatched, e.Rule, e.BankLine, &e.Item, nil)
		batch.Queue(insertReconciled, e.Item.EventID, e.Item.Kind, e.Item.ID, id, e.BankLine.Line, reconciliation.OutcomeMatched, position)
	case *reconciliation.LineAmountDiffers:
		queueLine(batch, id, entry, position, reconciliation.OutcomeAmountDiffers, reconciliation.RuleReference, e.BankLine, &e.Item, e.Difference.Decimal)
		batch.Queue(insertReconciled, e.Item.EventID, e.Item.Kind, e.Item.ID, id, e.BankLine.Line, reconciliation.OutcomeAmountDiffers, position)
	case *reconciliation.LineInBankNotInLedger:
		queueLine(batch, id, entry, position, reconciliation.OutcomeBankOnly, "", e.BankLine, nil, nil)
	case *reconciliation.ItemInLedgerNotInBank:
		batch.Queue(insertOutcome, id, entry, nil, reconciliation.OutcomeLedgerOnly, nil, nil, nil, nil, nil, nil,
			e.Item.Kind, e.Item.ID, e.Item.EventID, e.Item.Date.Time(), e.Item.Amount.Decimal, e.Item.BankReference, nil, position)
	case *reconciliation.StatementReconciled:
		t := e.Totals
		batch.Queue(`UPDATE rm_statements SET status = 'reconciled', reconciled_on = $2, ledger_total = $3, matched_total = $4,
			differences_total = $5, bank_only_total = $6, ledger_only_total = $7, matched = $8, amount_differs = $9, bank_only = $10,
			ledger_only = $11, position = $12 WHERE statement_id = $1`,
			id, e.ReconciledOn.Time(), t.LedgerTotal.Decimal, t.MatchedTotal.Decimal, t.DifferencesTotal.Decimal, t.BankOnlyTotal.Decimal,
			t.LedgerOnlyTotal.Decimal, t.Matched, t.AmountDiffers, t.BankOnly, t.LedgerOnly, position)
	}
}

func queueLine(batch *pgx.Batch, id string, entry, position int64, outcome, rule string, line reconciliation.BankLine, item *reconciliation.Item, difference any) {
	var kind, itemID, eventID, reference, itemDate, ledgerAmount any
	if item != nil {
		kind, itemID, eventID, reference, itemDate, ledgerAmount = item.Kind, item.ID, item.EventID, item.BankReference, item.Date.Time(), item.Amount.Decimal
	}
	batch.Queue(insertOutcome, id, entry, line.Line, outcome, nullIfEmpty(rule), line.Date.Time(), line.Reference, line.Amount.Decimal,
		line.CounterpartyAccount, line.Description, kind, itemID, eventID, itemDate, ledgerAmount, reference, difference, position)
}

func nullIfEmpty(text string) any {
	if text == "" {
		return nil
	}
	return text
}
