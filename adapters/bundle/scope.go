package bundle

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Streams lists the streams of a scope: a participant's own stream and the
// streams of their claims; for a kecamatan, those of every participant
// registered there and the streams of their payers. The read models only say
// which streams belong; every event in the bundle comes from the log.
func Streams(ctx context.Context, pool *pgxpool.Pool, scope Scope) ([]string, error) {
	var query string
	switch scope.Kind {
	case "participant":
		query = `SELECT 'participant-' || $1::text
			UNION SELECT 'claim-' || claim_id FROM rm_claims WHERE participant_id = $1`
	case "kecamatan":
		query = `SELECT 'participant-' || participant_id FROM rm_participants WHERE kecamatan = $1
			UNION SELECT 'claim-' || c.claim_id FROM rm_claims c JOIN rm_participants p USING (participant_id) WHERE p.kecamatan = $1
			UNION SELECT DISTINCT 'payer-' || payer_id FROM rm_participants WHERE kecamatan = $1`
	default:
		return nil, fmt.Errorf("a bundle covers a participant or a kecamatan, not %q", scope.Kind)
	}
	rows, err := pool.Query(ctx, query, scope.ID)
	if err != nil {
		return nil, fmt.Errorf("list the streams of %s %s: %w", scope.Kind, scope.ID, err)
	}
	streams, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	if len(streams) > maxStreams {
		return nil, fmt.Errorf("%s %s has %d streams, more than the %d a bundle holds", scope.Kind, scope.ID, len(streams), maxStreams)
	}
	return streams, nil
}
