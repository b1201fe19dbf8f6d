package projections

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tanahbumbu/jaminan/domain/claim"
)

// Scholarship programme code on a claim.
const scholarshipProgramme = "SCHOLARSHIP"

// Scholarships projects rm_scholarship_commitments: every tranche (one child,
// one school year) of an approved scholarship claim, scheduled until a payout
// for its school year pays it, or skipped or ended. A payout names its school
// year and pays exactly that year's scheduled tranches (claim.RecordPayout
// refuses any other amount), so tranches turn paid in school-year order as
// payouts on the claim cover them; a reversed payout makes them scheduled again.
type Scholarships struct{}

// Name is the checkpoint key.
func (Scholarships) Name() string { return "scholarships" }

// Tables it owns.
func (Scholarships) Tables() []string {
	return []string{"rm_scholarship_commitments", "scholarship_claims"}
}

// Apply writes scholarship claim events, in order.
func (Scholarships) Apply(ctx context.Context, tx pgx.Tx, events []Decoded) error {
	batch := &pgx.Batch{}
	for _, decoded := range events {
		claimID, ok := strings.CutPrefix(decoded.Recorded.StreamID, claimPrefix)
		if !ok {
			continue
		}
		queueScholarship(batch, claimID, decoded.Recorded.Position, decoded)
	}
	return sendBatch(ctx, tx, batch, "scholarships")
}

func queueScholarship(batch *pgx.Batch, claimID string, position int64, decoded Decoded) {
	switch e := decoded.Event.(type) {
	case *claim.Filed:
		if e.Programme == scholarshipProgramme {
			batch.Queue(`INSERT INTO scholarship_claims (claim_id, participant_id, position) VALUES ($1, $2, $3)`, claimID, e.ParticipantID, position)
		}
	case *claim.Approved:
		if len(e.Tranches) > 0 {
			queueTranches(batch, claimID, position, e.Tranches)
		}
	case *claim.PayoutRecorded:
		if e.SchoolYear != 0 {
			batch.Queue(`UPDATE rm_scholarship_commitments SET status = 'paid', payout_id = $3, position = $4
				WHERE claim_id = $1 AND school_year = $2 AND status = 'scheduled'`, claimID, e.SchoolYear, e.PayoutID, position)
		}
	case *claim.PayoutReversed:
		batch.Queue(`UPDATE rm_scholarship_commitments SET status = 'scheduled', payout_id = NULL, position = $3
			WHERE claim_id = $1 AND payout_id = $2`, claimID, e.PayoutID, position)
	case *claim.TrancheSkipped:
		batch.Queue(`UPDATE rm_scholarship_commitments SET status = 'skipped', position = $4
			WHERE claim_id = $1 AND child = $2 AND school_year = $3 AND status = 'scheduled'`, claimID, e.Child, e.SchoolYear, position)
	case *claim.ScholarshipEnded:
		batch.Queue(`UPDATE rm_scholarship_commitments SET status = 'ended', position = $4
			WHERE claim_id = $1 AND child = $2 AND school_year >= $3 AND status = 'scheduled'`, claimID, e.Child, e.FromSchoolYear, position)
	}
}

func queueTranches(batch *pgx.Batch, claimID string, position int64, tranches []claim.Tranche) {
	var children, levels, amounts []string
	var years, grades, numbers []int32
	for index, tranche := range tranches {
		children = append(children, tranche.Child)
		years = append(years, int32(tranche.SchoolYear))
		numbers = append(numbers, int32(index+1))
		levels = append(levels, tranche.Level)
		grades = append(grades, int32(tranche.Grade))
		amounts = append(amounts, moneyText(tranche.Amount.Decimal))
	}
	batch.Queue(`INSERT INTO rm_scholarship_commitments (claim_id, participant_id, child, school_year, tranche_no, level, grade, amount, status, position)
		SELECT $1, c.participant_id, t.child, t.school_year, t.tranche_no, t.level, t.grade, t.amount, 'scheduled', $2
		FROM scholarship_claims c
		CROSS JOIN unnest($3::text[], $4::int[], $5::int[], $6::text[], $7::int[], $8::numeric[]) AS t(child, school_year, tranche_no, level, grade, amount)
		WHERE c.claim_id = $1`,
		claimID, position, children, years, numbers, levels, grades, amounts)
}
