package projections

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tanahbumbu/jaminan/domain/participant"
)

// Participants projects rm_participants and rm_coverage, and their summary
// sum_coverage: active coverage by kecamatan, desa, category and programme.
type Participants struct{}

// Name is the checkpoint key.
func (Participants) Name() string { return "participants" }

// Tables it owns.
func (Participants) Tables() []string {
	return []string{"rm_coverage", "rm_participants", "sum_coverage"}
}

// Apply writes participant events.
func (Participants) Apply(ctx context.Context, tx pgx.Tx, events []Decoded) error {
	batch := &pgx.Batch{}
	fold := &participantFold{fresh: map[string]*participantRow{}}
	bulk := useCopy(ctx, len(events))
	for _, decoded := range events {
		id, ok := strings.CutPrefix(decoded.Recorded.StreamID, "participant-")
		if !ok || (bulk && fold.take(id, decoded)) {
			continue
		}
		queueParticipant(batch, id, decoded)
	}
	if err := sendBatch(ctx, tx, batch, "participants"); err != nil {
		return err
	}
	if err := fold.write(ctx, tx); err != nil {
		return fmt.Errorf("apply participants: %w", err)
	}
	return nil
}

func queueParticipant(batch *pgx.Batch, id string, decoded Decoded) {
	switch decoded.Event.(type) {
	case *participant.Enrolled, *participant.MembershipEnded:
		// They change whether the participant counts as covered: the
		// summary takes the participant out, and puts it back after.
		queueCoverageSummary(batch, id, -1)
		queueParticipantRows(batch, id, decoded)
		queueCoverageSummary(batch, id, 1)
		batch.Queue(dropEmptyCoverage, id)
	default:
		queueParticipantRows(batch, id, decoded)
	}
}

// queueCoverageSummary adds the participant's active coverage to sum_coverage
// (sign 1) or takes it out (sign -1): one row per programme covered, and
// none unless the participant is active. Queued around statements that change
// the participant, the pair moves the summary by exactly their change.
func queueCoverageSummary(batch *pgx.Batch, id string, sign int) {
	batch.Queue(`INSERT INTO sum_coverage AS s (kecamatan, desa, category, programme, active_participants)
		SELECT p.kecamatan, p.desa, p.category, c.programme, $2::int
		FROM rm_participants p JOIN rm_coverage c USING (participant_id)
		WHERE p.participant_id = $1 AND p.status = 'active' AND c.covered_until IS NULL
		ON CONFLICT (kecamatan, desa, category, programme) DO UPDATE SET active_participants = s.active_participants + EXCLUDED.active_participants`,
		id, sign)
}

// dropEmptyCoverage deletes the participant's groups that no one counts in any more.
const dropEmptyCoverage = `DELETE FROM sum_coverage s USING rm_participants p
	WHERE p.participant_id = $1 AND s.kecamatan = p.kecamatan AND s.desa = p.desa AND s.category = p.category AND s.active_participants = 0`

func queueParticipantRows(batch *pgx.Batch, id string, decoded Decoded) {
	position := decoded.Recorded.Position
	switch e := decoded.Event.(type) {
	case *participant.Registered:
		batch.Queue(`INSERT INTO rm_participants (participant_id, nik, name, birth_date, category, segment, kecamatan, desa, payer_id, status, position)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'registered', $10)`,
			id, e.NIK, e.Name, e.BirthDate.Time(), e.Category, e.Segment, e.Kecamatan, e.Desa, e.PayerID, position)
	case *participant.Enrolled:
		for _, programme := range e.Programmes {
			batch.Queue(`INSERT INTO rm_coverage (participant_id, programme, covered_from, position) VALUES ($1, $2, $3, $4)`,
				id, programme, e.EffectiveDate.Time(), position)
		}
		batch.Queue(`UPDATE rm_participants SET status = 'active', wage_base = $2, position = $3 WHERE participant_id = $1`, id, e.WageBase.Decimal, position)
	case *participant.WageChanged:
		batch.Queue(`UPDATE rm_participants SET wage_base = $2, position = $3 WHERE participant_id = $1`, id, e.WageBase.Decimal, position)
	case *participant.MembershipEnded:
		batch.Queue(`UPDATE rm_participants SET status = 'ended', ended_on = $2, end_reason = $3, position = $4 WHERE participant_id = $1`,
			id, e.Date.Time(), e.Reason, position)
		batch.Queue(`UPDATE rm_coverage SET covered_until = $2, position = $3 WHERE participant_id = $1 AND covered_until IS NULL`, id, e.Date.Time(), position)
	case *participant.PayerChanged:
		batch.Queue(`UPDATE rm_participants SET payer_id = $2, position = $3 WHERE participant_id = $1`, id, e.PayerID, position)
	case *participant.DeathReported:
		batch.Queue(`UPDATE rm_participants SET died_on = $2, position = $3 WHERE participant_id = $1`, id, e.Date.Time(), position)
	default:
		batch.Queue(`UPDATE rm_participants SET position = $2 WHERE participant_id = $1`, id, position)
	}
}
