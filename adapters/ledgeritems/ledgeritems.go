// Package ledgeritems lists the ledger items a bank statement can match —
// contribution receipts (rm_payments) and benefit payouts (rm_payouts) — for
// app.LedgerItems, with the event that recorded each (from the log, which the
// read models do not keep) and the statement that matched it already
// (rm_reconciled_items).
package ledgeritems

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/reconciliation"
)

// maxItems bounds one query: a statement's period and window rarely hold
// more receipts and payouts than this; beyond it the statement is split.
const maxItems = 20_000

// projectionsRead are the projections whose tables the query reads.
var projectionsRead = []string{"claims", "contributions", "reconciliation"}

// CatchUp brings the read models up to the log head (projections.Runner.CatchUp).
type CatchUp func(ctx context.Context) (int64, error)

// Postgres reads the items from the read models in PostgreSQL.
type Postgres struct {
	pool    *pgxpool.Pool
	catchUp CatchUp
}

var _ app.LedgerItems = (*Postgres)(nil)

// New builds the ledger; catchUp runs before every query so an item matched
// by a statement moments ago is never offered again. It may be nil when the
// caller catches up itself; the read models are checked against the log head either way.
func New(pool *pgxpool.Pool, catchUp CatchUp) *Postgres {
	if pool == nil {
		panic("ledgeritems: New needs a pool") // a wiring mistake
	}
	return &Postgres{pool: pool, catchUp: catchUp}
}

// Items lists unreversed receipts and payouts paid from from to to.
func (p *Postgres) Items(ctx context.Context, from, to calendar.Date) ([]reconciliation.Item, error) {
	var head int64
	if err := p.pool.QueryRow(ctx, `SELECT position FROM log_head`).Scan(&head); err != nil {
		return nil, fmt.Errorf("read log head: %w", err)
	}
	if p.catchUp != nil {
		if _, err := p.catchUp(ctx); err != nil {
			return nil, fmt.Errorf("catch up the read models: %w", err)
		}
	}
	if err := p.checkCaughtUp(ctx, head); err != nil {
		return nil, err
	}
	rows, err := p.pool.Query(ctx, itemsQuery, from.Time(), to.Time(), maxItems+1)
	if err != nil {
		return nil, fmt.Errorf("read ledger items: %w", err)
	}
	items, err := pgx.CollectRows(rows, scanItem)
	if err != nil {
		return nil, fmt.Errorf("read ledger items: %w", err)
	}
	if len(items) > maxItems {
		return nil, fmt.Errorf("more than %d receipts and payouts from %s to %s; reconcile shorter statements", maxItems, from, to)
	}
	return items, nil
}

// ErrBehind: the read models have not caught up with the log.
var ErrBehind = errors.New("read models are behind the log")

func (p *Postgres) checkCaughtUp(ctx context.Context, head int64) error {
	var behind []string
	rows, err := p.pool.Query(ctx, `SELECT n FROM unnest($1::text[]) n
		LEFT JOIN projection_checkpoints c ON c.projection = n WHERE coalesce(c.position, 0) < $2`, projectionsRead, head)
	if err != nil {
		return fmt.Errorf("read checkpoints: %w", err)
	}
	if behind, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return fmt.Errorf("read checkpoints: %w", err)
	}
	if len(behind) > 0 {
		return fmt.Errorf("%w: %v below position %d; run the projections (jaminan serve, or catch up) and retry", ErrBehind, behind, head)
	}
	return nil
}

// itemsQuery: the event ids come from the log, the one PaymentReceived or
// PayoutRecorded of each payment or payout id in its stream.
const itemsQuery = `
SELECT 'receipt' AS kind, p.payment_id, e.event_id::text, p.paid_on, p.amount, p.bank_reference, coalesce(r.statement_id, '')
FROM rm_payments p
JOIN events e ON e.stream_id = 'payer-' || p.payer_id AND e.type = 'PaymentReceived' AND e.data->>'payment_id' = p.payment_id
LEFT JOIN rm_reconciled_items r ON r.event_id = e.event_id::text
WHERE p.status <> 'reversed' AND p.paid_on BETWEEN $1 AND $2
UNION ALL
SELECT 'payout', o.payout_id, e.event_id::text, o.paid_on, -o.amount, o.bank_reference, coalesce(r.statement_id, '')
FROM rm_payouts o
JOIN events e ON e.stream_id = 'claim-' || o.claim_id AND e.type = 'PayoutRecorded' AND e.data->>'payout_id' = o.payout_id
LEFT JOIN rm_reconciled_items r ON r.event_id = e.event_id::text
WHERE o.status <> 'reversed' AND o.paid_on BETWEEN $1 AND $2
ORDER BY 4, 1, 2, 3
LIMIT $3`

func scanItem(row pgx.CollectableRow) (reconciliation.Item, error) {
	var item reconciliation.Item
	var paidOn time.Time
	var amount decimal.Decimal
	if err := row.Scan(&item.Kind, &item.ID, &item.EventID, &paidOn, &amount, &item.BankReference, &item.ReconciledBy); err != nil {
		return reconciliation.Item{}, err
	}
	item.Date = calendar.DateOf(paidOn)
	item.Amount = command.SignedMoney{Decimal: amount}
	return item, nil
}
