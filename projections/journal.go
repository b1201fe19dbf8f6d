package projections

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/claim"
)

// Journal projects journal_entries, the double-entry journal of every money
// movement (postings.go has the rules), and keeps its own index of claims
// (journal_claims) so a claim's entries know its programme and member.
//
//	BillLinesRecorded      Dr contributions_receivable:<payer>  Cr contribution_income:<programme>, JHT to jht_liability:<participant>
//	                       (each part of a bill's stream for its lines; a whole ContributionsAssessed of older logs alike)
//	PaymentReceived        Dr cash_at_bank                       Cr contributions_receivable:<payer> (allocations), payer_credit:<payer> (credit)
//	LatePenaltyAssessed    Dr penalty_receivable:<payer>         Cr penalty_income
//	PaymentReversed        the mirror of the payment and of its penalties
//	JHTReturnCredited      Dr jht_development_return             Cr jht_liability:<participant>
//	ClaimApproved          Dr benefit_expense:<programme>        Cr benefits_payable:<programme>
//	                       (JHT: Dr jht_liability:<participant>; SCHOLARSHIP: Cr scholarship_commitments)
//	PayoutRecorded         Dr benefits_payable:<programme> (or scholarship_commitments)  Cr cash_at_bank
//	PayoutReversed         the mirror of the payout
//	Tranche skipped/ended  Dr scholarship_commitments            Cr benefit_expense:SCHOLARSHIP
//
// It keeps two summaries of the entries: sum_account_balances (every
// account's debits and credits, a member's too, with its control account) and
// sum_trial_balance (the same rolled up by control account: a few dozen rows).
type Journal struct{}

// Name is the checkpoint key.
func (Journal) Name() string { return "journal" }

// Tables it owns.
func (Journal) Tables() []string {
	return []string{"journal_entries", "journal_claims", "sum_account_balances", "sum_trial_balance"}
}

// journalRows are the entries of a batch of events, as insert columns.
type journalRows struct {
	positions  []int64
	numbers    []int32
	types      []string
	dates      []time.Time
	accounts   []string
	debits     []string
	credits    []string
	memos      []string
	claimsSeen []Decoded
	// balances are the batch's debits and credits per account: one row per
	// account per batch in the summaries, however many entries it has.
	balances map[string]debitCredit
}

type debitCredit struct{ debit, credit decimal.Decimal }

// queueBalances adds the batch's debits and credits to sum_account_balances
// by account and to sum_trial_balance by control account, in one statement.
func (rows *journalRows) queueBalances(batch *pgx.Batch) {
	if len(rows.balances) == 0 {
		return
	}
	accounts := slices.Sorted(maps.Keys(rows.balances))
	controls, debits, credits := make([]string, 0, len(accounts)), make([]string, 0, len(accounts)), make([]string, 0, len(accounts))
	for _, account := range accounts {
		controls = append(controls, controlAccount(account))
		debits, credits = append(debits, moneyText(rows.balances[account].debit)), append(credits, moneyText(rows.balances[account].credit))
	}
	batch.Queue(`WITH added AS (SELECT * FROM unnest($1::text[], $2::text[], $3::numeric[], $4::numeric[]) AS a(account, control, debit, credit)),
		accounts AS (
			INSERT INTO sum_account_balances AS s (account, control, debit, credit) SELECT * FROM added
			ON CONFLICT (account) DO UPDATE SET debit = s.debit + EXCLUDED.debit, credit = s.credit + EXCLUDED.credit)
		INSERT INTO sum_trial_balance AS s (account, debit, credit) SELECT control, sum(debit), sum(credit) FROM added GROUP BY control
		ON CONFLICT (account) DO UPDATE SET debit = s.debit + EXCLUDED.debit, credit = s.credit + EXCLUDED.credit`,
		accounts, controls, debits, credits)
}

func (rows *journalRows) add(decoded Decoded, entries []posting) {
	for index, entry := range entries {
		sum := rows.balances[entry.Account]
		rows.balances[entry.Account] = debitCredit{debit: sum.debit.Add(entry.Debit), credit: sum.credit.Add(entry.Credit)}
		rows.positions = append(rows.positions, decoded.Recorded.Position)
		rows.numbers = append(rows.numbers, int32(index+1))
		rows.types = append(rows.types, decoded.Recorded.Type)
		rows.dates = append(rows.dates, decoded.Event.OccurredOn().Time())
		rows.accounts = append(rows.accounts, entry.Account)
		rows.debits = append(rows.debits, moneyText(entry.Debit))
		rows.credits = append(rows.credits, moneyText(entry.Credit))
		rows.memos = append(rows.memos, entry.Memo)
	}
}

// Apply posts the batch's events, balanced per event, in one insert.
func (Journal) Apply(ctx context.Context, tx pgx.Tx, events []Decoded) error {
	claims, err := loadClaimRefs(ctx, tx, events)
	if err != nil {
		return err
	}
	rows := &journalRows{balances: map[string]debitCredit{}}
	for _, decoded := range events {
		if filed, ok := decoded.Event.(*claim.Filed); ok && strings.HasPrefix(decoded.Recorded.StreamID, claimPrefix) {
			claims[strings.TrimPrefix(decoded.Recorded.StreamID, claimPrefix)] = claimRef{ParticipantID: filed.ParticipantID, PayerID: filed.PayerID, Programme: filed.Programme}
			rows.claimsSeen = append(rows.claimsSeen, decoded)
			continue
		}
		entries, err := postings(decoded.Recorded.StreamID, decoded.Event, claims)
		if err != nil {
			return fmt.Errorf("journal at position %d: %w", decoded.Recorded.Position, err)
		}
		rows.add(decoded, entries)
	}
	if err := sendBatch(ctx, tx, rows.batch(useCopy(ctx, len(rows.positions))), "journal"); err != nil {
		return err
	}
	if useCopy(ctx, len(rows.positions)) {
		return copyInto(ctx, tx, "journal_entries", journalColumns, rows.copyRows())
	}
	return nil
}

// journalColumns are the columns of journal_entries a batch writes.
var journalColumns = []string{"position", "entry_no", "event_type", "occurred_on", "account", "debit", "credit", "memo"}

// copyRows are the entries as COPY rows, money as the exact decimal text the
// INSERT's numeric[] takes.
func (rows *journalRows) copyRows() [][]any {
	copied := make([][]any, len(rows.positions))
	for i := range rows.positions {
		copied[i] = []any{rows.positions[i], rows.numbers[i], rows.types[i], rows.dates[i], rows.accounts[i],
			rows.debits[i], rows.credits[i], rows.memos[i]}
	}
	return copied
}

// batch queues the claims seen and, unless they go by COPY, the entries.
func (rows *journalRows) batch(copied bool) *pgx.Batch {
	batch := &pgx.Batch{}
	for _, decoded := range rows.claimsSeen {
		filed := decoded.Event.(*claim.Filed)
		batch.Queue(`INSERT INTO journal_claims (claim_id, participant_id, payer_id, programme, position) VALUES ($1, $2, $3, $4, $5)`,
			strings.TrimPrefix(decoded.Recorded.StreamID, claimPrefix), filed.ParticipantID, filed.PayerID, filed.Programme, decoded.Recorded.Position)
	}
	if len(rows.positions) > 0 && !copied {
		batch.Queue(`INSERT INTO journal_entries (position, entry_no, event_type, occurred_on, account, debit, credit, memo)
			SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::date[], $5::text[], $6::numeric[], $7::numeric[], $8::text[])`,
			rows.positions, rows.numbers, rows.types, rows.dates, rows.accounts, rows.debits, rows.credits, rows.memos)
	}
	rows.queueBalances(batch)
	return batch
}
