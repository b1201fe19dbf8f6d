package projections

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tanahbumbu/jaminan/domain/claim"
)

// Claims projects rm_claims and rm_payouts, and their summaries: sum_claims
// (claims by programme, month filed and status) and sum_payouts (payouts by
// programme and month paid).
type Claims struct{}

// Name is the checkpoint key.
func (Claims) Name() string { return "claims" }

// Tables it owns.
func (Claims) Tables() []string {
	return []string{"rm_payouts", "rm_claims", "sum_claims", "sum_payouts"}
}

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

// queueClaim writes a claim event. Every statement that changes a claim's or
// a payout's row is queued between its summary's take-out (-1) and put-back
// (1) of that row, so the summaries move by exactly the change.
func queueClaim(batch *pgx.Batch, id string, decoded Decoded) {
	position := decoded.Recorded.Position
	switch e := decoded.Event.(type) {
	case *claim.Filed:
		batch.Queue(`INSERT INTO rm_claims (claim_id, participant_id, programme, benefit, incident_date, status, filed_on, position)
			VALUES ($1, $2, $3, $4, $5, 'filed', $6, $7)`, id, e.ParticipantID, e.Programme, e.Benefit, e.IncidentDate.Time(), e.FiledOn.Time(), position)
		queueClaimSummary(batch, id, 1)
	case *claim.Approved:
		changeClaim(batch, id, `UPDATE rm_claims SET status = 'approved', rule_book = $2, total = $3, decided_on = $4, position = $5 WHERE claim_id = $1`,
			id, e.RuleBook, e.Total.Decimal, e.ApprovedOn.Time(), position)
	case *claim.Rejected:
		changeClaim(batch, id, `UPDATE rm_claims SET status = 'rejected', decided_on = $2, position = $3 WHERE claim_id = $1`, id, e.RejectedOn.Time(), position)
	case *claim.PayoutRecorded:
		batch.Queue(`INSERT INTO rm_payouts (payout_id, claim_id, participant_id, programme, amount, paid_on, bank_reference, payee, relationship, status, position)
			SELECT $2, claim_id, participant_id, programme, $3, $4, $5, $6, $7, 'disbursed', $8 FROM rm_claims WHERE claim_id = $1`,
			id, e.PayoutID, e.Amount.Decimal, e.PaidOn.Time(), e.BankReference, e.Payee, e.Relationship, position)
		queuePayoutSummary(batch, e.PayoutID, 1)
		changeClaim(batch, id, `UPDATE rm_claims SET paid_out = paid_out + $2,
			status = CASE WHEN paid_out + $2 >= total THEN 'paid' ELSE status END, position = $3 WHERE claim_id = $1`, id, e.Amount.Decimal, position)
	case *claim.PayoutReversed:
		queuePayoutSummary(batch, e.PayoutID, -1)
		batch.Queue(`UPDATE rm_payouts SET status = 'reversed', position = $2 WHERE payout_id = $1`, e.PayoutID, position)
		queuePayoutSummary(batch, e.PayoutID, 1)
		changeClaim(batch, id, `UPDATE rm_claims SET paid_out = paid_out - $2, status = 'approved', position = $3 WHERE claim_id = $1`, id, e.Amount.Decimal, position)
	}
}

// changeClaim queues an update of the claim's row between its summary's
// take-out and put-back, then drops the group it may have emptied.
func changeClaim(batch *pgx.Batch, id, update string, args ...any) {
	queueClaimSummary(batch, id, -1)
	batch.Queue(update, args...)
	queueClaimSummary(batch, id, 1)
	batch.Queue(`DELETE FROM sum_claims s USING rm_claims c
		WHERE c.claim_id = $1 AND s.programme = c.programme AND s.month = date_trunc('month', c.filed_on)::date AND s.claims = 0`, id)
}

// queueClaimSummary adds the claim's row to sum_claims (sign 1) or takes it out (sign -1).
func queueClaimSummary(batch *pgx.Batch, id string, sign int) {
	batch.Queue(`INSERT INTO sum_claims AS s (programme, month, status, claims, total, paid_out)
		SELECT programme, date_trunc('month', filed_on)::date, status, $2::int, $2::int * coalesce(total, 0), $2::int * paid_out
		FROM rm_claims WHERE claim_id = $1
		ON CONFLICT (programme, month, status) DO UPDATE
		SET claims = s.claims + EXCLUDED.claims, total = s.total + EXCLUDED.total, paid_out = s.paid_out + EXCLUDED.paid_out`, id, sign)
}

// queuePayoutSummary adds the payout's row to sum_payouts (sign 1) or takes
// it out (sign -1), reversed apart. A payout never leaves its group, only
// moves between its columns, so no group empties.
func queuePayoutSummary(batch *pgx.Batch, payoutID string, sign int) {
	batch.Queue(`INSERT INTO sum_payouts AS s (programme, month, payouts, amount, reversed_payouts, reversed_amount)
		SELECT programme, date_trunc('month', paid_on)::date,
			CASE WHEN status <> 'reversed' THEN $2::int ELSE 0 END, CASE WHEN status <> 'reversed' THEN $2::int * amount ELSE 0 END,
			CASE WHEN status = 'reversed' THEN $2::int ELSE 0 END, CASE WHEN status = 'reversed' THEN $2::int * amount ELSE 0 END
		FROM rm_payouts WHERE payout_id = $1
		ON CONFLICT (programme, month) DO UPDATE
		SET payouts = s.payouts + EXCLUDED.payouts, amount = s.amount + EXCLUDED.amount,
			reversed_payouts = s.reversed_payouts + EXCLUDED.reversed_payouts, reversed_amount = s.reversed_amount + EXCLUDED.reversed_amount`,
		payoutID, sign)
}
