package projections

// The finance read models (migrations/003_finance_read_models.sql):
//
//   - Contributions (contributions.go): rm_bills, rm_bill_lines (the view rm_contributions), rm_payments
//     and rm_jht_balances, from the payer streams and the participants' JHT events.
//   - Scholarships (scholarships.go): rm_scholarship_commitments, one row per
//     tranche of an approved scholarship, from the claim streams.
//   - Journal (journal.go): journal_entries, the double-entry journal of every
//     money movement, whose trial balance sums to zero.
//
// Money travels as shopspring decimals, and into SQL arrays as their exact
// decimal text cast to numeric: never a float.

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
)

// Stream prefixes of the log (docs/events.md).
const (
	payerPrefix       = "payer-"
	participantPrefix = "participant-"
	claimPrefix       = "claim-"
	billPrefix        = "bill-"
)

// moneyText is a decimal as exact text for a numeric[] parameter.
func moneyText(amount decimal.Decimal) string { return amount.StringFixed(2) }

// periodOrNil is a period as YYYY-MM, or NULL when the event names none.
func periodOrNil(period calendar.Period) any {
	if period.IsZero() {
		return nil
	}
	return period.String()
}

// sendBatch runs the queued statements in order and reports the first error.
func sendBatch(ctx context.Context, tx pgx.Tx, batch *pgx.Batch, what string) error {
	if batch.Len() == 0 {
		return nil
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("apply %s: %w", what, err)
	}
	return nil
}

// claimRef is what a projection needs to know of a claim filed earlier.
type claimRef struct {
	ParticipantID string
	PayerID       string
	Programme     string
}

// loadClaimRefs reads the claims named by the batch's claim events from a
// projection's own claim index (journal_claims), so the posting rules stay pure.
func loadClaimRefs(ctx context.Context, tx pgx.Tx, events []Decoded) (map[string]claimRef, error) {
	var ids []string
	for _, decoded := range events {
		if id, ok := strings.CutPrefix(decoded.Recorded.StreamID, claimPrefix); ok {
			ids = append(ids, id)
		}
	}
	refs := map[string]claimRef{}
	if len(ids) == 0 {
		return refs, nil
	}
	rows, err := tx.Query(ctx, `SELECT claim_id, participant_id, payer_id, programme FROM journal_claims WHERE claim_id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("read journal claims: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var ref claimRef
		if err := rows.Scan(&id, &ref.ParticipantID, &ref.PayerID, &ref.Programme); err != nil {
			return nil, fmt.Errorf("read journal claims: %w", err)
		}
		refs[id] = ref
	}
	return refs, rows.Err()
}
