package projections

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// copyMinRows is where COPY starts to pay: below it one INSERT … unnest queued
// in the batch costs less than COPY's own round trips. A replay's batches
// (DefaultReplayBatch events) cross it for the journal and for every bill of
// more than a few dozen lines. A variable only so a test can force COPY.
var copyMinRows = 64

// copiedRows counts the rows written by COPY (tests check COPY really ran).
var copiedRows atomic.Int64

type bulkKey struct{}

// withBulk marks ctx as a replay into fresh tables (rebuild, verify): the
// projections write their large inserts with COPY. The live runner never sets
// it, so live batches keep their single round trip.
func withBulk(ctx context.Context) context.Context { return context.WithValue(ctx, bulkKey{}, true) }

// useCopy: a replay writing at least copyMinRows rows into one table.
func useCopy(ctx context.Context, rows int) bool {
	bulk, _ := ctx.Value(bulkKey{}).(bool)
	return bulk && rows >= copyMinRows
}

// copyInto writes rows into table (resolved on the search_path, so a scratch
// schema's copy during a rebuild) with COPY, inside tx.
func copyInto(ctx context.Context, tx pgx.Tx, table string, columns []string, rows [][]any) error {
	copied, err := tx.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("copy into %s: %w", table, err)
	}
	if copied != int64(len(rows)) {
		return fmt.Errorf("copy into %s: %d rows written of %d", table, copied, len(rows))
	}
	copiedRows.Add(copied)
	return nil
}
