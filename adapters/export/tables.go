package export

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/reconciliation"
)

// maxRows bounds one export; a larger one is refused rather than cut short.
const maxRows = 1_000_000

// Querier is what the builders read with (a pgxpool.Pool or a pgx.Tx).
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Names are the exports, in the order help texts list them.
var Names = []string{"payouts", "receipts", "arrears", "reconciliation"}

func money(name string) Column { return Column{Name: name, Money: true} }
func text(name string) Column  { return Column{Name: name} }

// Payouts lists every benefit payout (payee names left out: UU PDP).
// net_amount is the amount, or 0.00 once reversed.
func Payouts(ctx context.Context, db Querier) (Table, error) {
	return query(ctx, db, Table{Title: "payouts", Columns: []Column{text("payout_id"), text("claim_id"), text("programme"), text("paid_on"),
		text("bank_reference"), text("status"), money("amount"), money("net_amount")}},
		`SELECT payout_id, claim_id, programme, to_char(paid_on, 'YYYY-MM-DD'), bank_reference, status, amount::text,
			(CASE WHEN status = 'reversed' THEN 0 ELSE amount END)::numeric(18,2)::text
		FROM rm_payouts ORDER BY paid_on, payout_id LIMIT $1`, maxRows+1)
}

// Receipts lists every contribution payment received; net_amount is 0.00 once reversed.
func Receipts(ctx context.Context, db Querier) (Table, error) {
	return query(ctx, db, Table{Title: "receipts", Columns: []Column{text("payment_id"), text("payer_id"), text("paid_on"), text("bank_reference"),
		text("period"), text("status"), money("amount"), money("allocated"), money("credit"), money("penalties"), money("net_amount")}},
		`SELECT payment_id, payer_id, to_char(paid_on, 'YYYY-MM-DD'), bank_reference, coalesce(period, ''), status, amount::text,
			allocated::text, credit::text, penalties::text, (CASE WHEN status = 'reversed' THEN 0 ELSE amount END)::numeric(18,2)::text
		FROM rm_payments ORDER BY paid_on, payer_id, payment_id LIMIT $1`, maxRows+1)
}

// Arrears lists the monthly bills past their due date on asOf and not paid in full.
func Arrears(ctx context.Context, db Querier, asOf calendar.Date) (Table, error) {
	return query(ctx, db, Table{Title: "arrears", Columns: []Column{text("payer_id"), text("period"), text("due_date"), text("days_past_due"),
		money("assessed"), money("collected"), money("outstanding")}},
		`SELECT payer_id, period, to_char(due_date, 'YYYY-MM-DD'), ($2::date - due_date)::text, total::text, allocated::text, outstanding::text
		FROM rm_bills WHERE outstanding > 0 AND due_date < $2::date ORDER BY payer_id, period LIMIT $1`, maxRows+1, asOf.Time())
}

func query(ctx context.Context, db Querier, table Table, sql string, args ...any) (Table, error) {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return Table{}, fmt.Errorf("export %s: %w", table.Title, err)
	}
	table.Rows, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) ([]string, error) {
		cells := make([]string, len(table.Columns))
		targets := make([]any, len(cells))
		for i := range cells {
			targets[i] = &cells[i]
		}
		return cells, row.Scan(targets...)
	})
	if err != nil {
		return Table{}, fmt.Errorf("export %s: %w", table.Title, err)
	}
	if len(table.Rows) > maxRows {
		return Table{}, fmt.Errorf("export %s: more than %d rows", table.Title, maxRows)
	}
	return table, nil
}

// Reconciliation is a statement's report as a table: every line with its
// outcome, then every ledger-only item. Its totals row sums bank_amount,
// ledger_amount and difference, which are the statement's bank_total,
// ledger_total and differences_total.
func Reconciliation(report reconciliation.State) (Table, error) {
	if report.Imported == nil {
		return Table{}, fmt.Errorf("export reconciliation: the statement has no events")
	}
	table := Table{Title: "reconciliation " + report.Imported.StatementID, Columns: []Column{text("line"), text("date"), text("reference"),
		text("outcome"), text("rule"), money("bank_amount"), text("item_kind"), text("item_id"), text("item_date"), text("bank_reference"),
		money("ledger_amount"), money("difference"), text("counterparty_account"), text("description")}}
	for _, line := range report.Lines {
		row := []string{strconv.Itoa(line.BankLine.Line), line.BankLine.Date.String(), line.BankLine.Reference, line.Outcome, line.Rule,
			line.BankLine.Amount.StringFixed(2), "", "", "", "", "", "", line.BankLine.CounterpartyAccount, line.BankLine.Description}
		if line.Item != nil {
			row[6], row[7], row[8], row[9], row[10] = line.Item.Kind, line.Item.ID, line.Item.Date.String(), line.Item.BankReference, line.Item.Amount.StringFixed(2)
		}
		if line.Difference != nil {
			row[11] = line.Difference.StringFixed(2)
		}
		table.Rows = append(table.Rows, row)
	}
	for _, item := range report.LedgerOnly {
		table.Rows = append(table.Rows, []string{"", "", "", reconciliation.OutcomeLedgerOnly, "", "", item.Kind, item.ID, item.Date.String(),
			item.BankReference, item.Amount.StringFixed(2), "", "", ""})
	}
	return table, nil
}
