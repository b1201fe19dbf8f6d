package projections

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// billLinesVersion is migration 013, which turned rm_contributions (a row
// per line and programme, with a stored paid flag) into rm_bill_lines.
const billLinesVersion = 13

// UpgradeNotices says what an operator must do after the schema moved from
// version from to version to, over the read models as they are: the steps a
// migration could not take itself. None when there is nothing to do.
func UpgradeNotices(ctx context.Context, pool *pgxpool.Pool, from, to int32) ([]string, error) {
	var notices []string
	if from > 0 && from < billLinesVersion && to >= billLinesVersion {
		// A line paid before the migration kept the position of the payment
		// that last moved its stored paid flag; a rebuild gives the event
		// that billed it, as every line billed since has.
		var paid int64
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM rm_bill_lines l JOIN rm_bills b USING (payer_id, period)
			WHERE l.covered_through <= b.allocated`).Scan(&paid); err != nil {
			return nil, fmt.Errorf("count the bill lines paid before migration %d: %w", billLinesVersion, err)
		}
		if paid > 0 {
			notices = append(notices, fmt.Sprintf("migration %d: %d bill lines paid before it carry the position of their payment, not of the event "+
				"that billed them; run `jaminan rebuild contributions` once (blue/green: readers keep the current tables until the swap). "+
				"`jaminan verify` lists those rows until then; nothing else in them differs", billLinesVersion, paid))
		}
	}
	return notices, nil
}
