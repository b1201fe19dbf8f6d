package bundle

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Streams lists the streams of a kecamatan: those of every participant
// registered there, their claims, every payer that billed them and the
// streams of the bills that hold their lines (streams that do not exist,
// as for bills recorded whole on the payer's stream, are left out when read). The read models only say
// which streams belong; every event in the bundle comes from the log. A
// participant's streams come from their own stream (app.ParticipantStreams).
func Streams(ctx context.Context, pool *pgxpool.Pool, scope Scope) ([]string, error) {
	if scope.Kind != "kecamatan" {
		return nil, fmt.Errorf("the read models list the streams of a kecamatan, not of a %q (app.ParticipantStreams lists a participant's)", scope.Kind)
	}
	query := `SELECT 'participant-' || participant_id FROM rm_participants WHERE kecamatan = $1
		UNION SELECT 'claim-' || c.claim_id FROM rm_claims c JOIN rm_participants p USING (participant_id) WHERE p.kecamatan = $1
		UNION SELECT DISTINCT 'payer-' || payer_id FROM rm_participants WHERE kecamatan = $1
		UNION SELECT DISTINCT 'payer-' || c.payer_id FROM rm_bill_lines c JOIN rm_participants p USING (participant_id) WHERE p.kecamatan = $1
		UNION SELECT DISTINCT 'bill-' || c.payer_id || '-' || c.period FROM rm_bill_lines c JOIN rm_participants p USING (participant_id) WHERE p.kecamatan = $1`
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
