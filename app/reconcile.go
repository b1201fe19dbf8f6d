package app

import (
	"context"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/problem"
	"github.com/tanahbumbu/jaminan/domain/reconciliation"
)

// LedgerItems is the port a reconciliation reads the ledger through: the
// contribution receipts and benefit payouts a bank statement can match.
// adapters/ledgeritems implements it over the read models.
type LedgerItems interface {
	// Items lists the receipts (positive) and payouts (negative) dated from
	// from to to inclusive that have not been reversed, each with the
	// statement that matched it already, if any (Item.ReconciledBy).
	// Implementations answer from read models caught up with the log at
	// least to the moment of the call, or fail.
	Items(ctx context.Context, from, to calendar.Date) ([]reconciliation.Item, error)
}

func (a *Application) ledger() (LedgerItems, bool) {
	return a.config.Ledger, a.config.Ledger != nil
}

// StatementStream is the stream id of a bank statement.
func StatementStream(statementID string) string { return "statement-" + statementID }

// reconcileStatement loads the statement's stream (a conflict if it exists),
// gathers the ledger items of the period and its window, decides the
// outcomes and appends them in one append.
func (a *Application) reconcileStatement(ctx context.Context, c *command.ReconcileStatement, meta Meta) (Result, error) {
	ledger, ok := a.ledger()
	if !ok {
		return Result{}, problem.New(problem.Invalid, "reconciliation_unavailable",
			"this process was wired without a ledger to reconcile against (app.Config.Ledger)")
	}
	state, err := a.LoadStatement(ctx, c.StatementID)
	if err != nil {
		return Result{}, err
	}
	if state.Imported != nil {
		// Decide says so too; answering before the ledger query spares the read models.
		return Result{}, alreadyReconciled(c.StatementID, state)
	}
	from, to := c.Period()
	items, err := ledger.Items(ctx, from.AddDays(-c.Window()), to.AddDays(c.Window()))
	if err != nil {
		return Result{}, err
	}
	decided, err := reconciliation.Decide(state, c, items, a.today())
	if err != nil {
		return Result{}, err
	}
	return a.append(ctx, StatementStream(c.StatementID), state.Version, c, meta, "", decided)
}

func alreadyReconciled(statementID string, state reconciliation.State) error {
	return &problem.Error{Kind: problem.Conflict, Code: "statement_already_reconciled", Field: "statement_id",
		Message: "statement " + statementID + " was reconciled already (" + state.Imported.ImportedOn.String() + "); give a new statement_id"}
}

// LoadStatement replays a statement's stream; its State is the reconciliation report.
func (a *Application) LoadStatement(ctx context.Context, statementID string) (reconciliation.State, error) {
	events, version, err := a.loadStream(ctx, StatementStream(statementID))
	if err != nil {
		return reconciliation.State{}, err
	}
	state := reconciliation.Replay(events)
	state.Version = version
	return state, nil
}

// StatementReport is a reconciled statement's report, from the log; NotFound when none.
func (a *Application) StatementReport(ctx context.Context, statementID string) (reconciliation.State, error) {
	state, err := a.LoadStatement(ctx, statementID)
	if err != nil {
		return reconciliation.State{}, err
	}
	if state.Imported == nil {
		return reconciliation.State{}, &problem.Error{Kind: problem.NotFound, Code: "statement_not_found", Field: "statement_id",
			Message: "no statement " + statementID + " has been reconciled"}
	}
	return state, nil
}
