package projections

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tanahbumbu/jaminan/domain/claim"
)

// Claims projects rm_claims and rm_payouts.
type Claims struct{}

// Name is the checkpoint key.
func (Claims) Name() string { return "claims" }

// Tables it owns.
func (Claims) Tables() []string { return []string{"rm_payouts", "rm_claims"} }

// Apply writes claim events. Statements run in order in one batch, so a
// payout finds the claim row its own batch inserted.
func (Claims) Apply(ctx context.Context, tx pgx.Tx, events []Decoded) error {
	batch := &pgx.Batch{}
	for _, decoded := range events {
		id, ok := strings.CutPrefix(decoded.Recorded.StreamID, "claim-")
		if !ok {
			continue
		}
		queueClaim(batch, id, decoded)
	}
	if batch.Len() == 0 {
		return nil
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("apply claims: %w", err)
	}
	return nil
}

func queueClaim(batch *pgx.Batch, id string, decoded Decoded) {
	position := decoded.Recorded.Position
	switch e := decoded.Event.(type) {
	case *claim.Filed:
		batch.Queue(`INSERT INTO rm_claims (claim_id, participant_id, programme, benefit, incident_date, status, filed_on, position)
			VALUES ($1, $2, $3, $4, $5, 'filed', $6, $7)`, id, e.ParticipantID, e.Programme, e.Benefit, e.IncidentDate.Time(), e.FiledOn.Time(), position)
	case *claim.Approved:
		batch.Queue(`UPDATE rm_claims SET status = 'approved', rule_book = $2, total = $3, decided_on = $4, position = $5 WHERE claim_id = $1`,
			id, e.RuleBook, e.Total.Decimal, e.ApprovedOn.Time(), position)
	case *claim.Rejected:
		batch.Queue(`UPDATE rm_claims SET status = 'rejected', decided_on = $2, position = $3 WHERE claim_id = $1`, id, e.RejectedOn.Time(), position)
	case *claim.PayoutRecorded:
		batch.Queue(`INSERT INTO rm_payouts (payout_id, claim_id, participant_id, programme, amount, paid_on, bank_reference, payee, relationship, status, position)
			SELECT $2, claim_id, participant_id, programme, $3, $4, $5, $6, $7, 'disbursed', $8 FROM rm_claims WHERE claim_id = $1`,
			id, e.PayoutID, e.Amount.Decimal, e.PaidOn.Time(), e.BankReference, e.Payee, e.Relationship, position)
		batch.Queue(`UPDATE rm_claims SET paid_out = paid_out + $2,
			status = CASE WHEN paid_out + $2 >= total THEN 'paid' ELSE status END, position = $3 WHERE claim_id = $1`, id, e.Amount.Decimal, position)
	case *claim.PayoutReversed:
		batch.Queue(`UPDATE rm_payouts SET status = 'reversed', position = $2 WHERE payout_id = $1`, e.PayoutID, position)
		batch.Queue(`UPDATE rm_claims SET paid_out = paid_out - $2, status = 'approved', position = $3 WHERE claim_id = $1`, id, e.Amount.Decimal, position)
	}
}
