package projections

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/claim"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/domain/participant"
	"github.com/tanahbumbu/jaminan/domain/payer"
)

// Accounts of the journal without a qualifier.
const (
	AccountCash                   = "cash_at_bank"
	AccountPenaltyIncome          = "penalty_income"
	AccountScholarshipCommitments = "scholarship_commitments"
	// AccountJHTReturn is the fund's expense for the development return credited to JHT accounts.
	AccountJHTReturn = "jht_development_return"
)

// Sub-ledger kinds: a payer's or a member's own accounts, <kind>:<id>. The
// trial balance rolls each up into its control account, the kind itself
// (migrations/011_dashboard_summaries.sql names the same four).
const (
	kindReceivable        = "contributions_receivable"
	kindPayerCredit       = "payer_credit"
	kindPenaltyReceivable = "penalty_receivable"
	kindJHTLiability      = "jht_liability"
)

// Qualified accounts: one per payer, programme or participant.
func accountReceivable(payerID string) string        { return kindReceivable + ":" + payerID }
func accountIncome(programme string) string          { return "contribution_income:" + programme }
func accountPayerCredit(payerID string) string       { return kindPayerCredit + ":" + payerID }
func accountPenaltyReceivable(payerID string) string { return kindPenaltyReceivable + ":" + payerID }
func accountJHTLiability(participantID string) string {
	return kindJHTLiability + ":" + participantID
}
func accountBenefitExpense(programme string) string  { return "benefit_expense:" + programme }
func accountBenefitsPayable(programme string) string { return "benefits_payable:" + programme }

// controlAccount is the trial balance's account for account: a sub-ledger
// account rolls up into its kind, any other account (a programme's too: there
// are a handful) stands for itself. So the trial balance has a few dozen rows
// however many payers and members there are.
func controlAccount(account string) string {
	kind, _, qualified := strings.Cut(account, ":")
	switch {
	case !qualified:
		return account
	case kind == kindReceivable, kind == kindPayerCredit, kind == kindPenaltyReceivable, kind == kindJHTLiability:
		return kind
	}
	return account
}

// posting is one line of the journal: a debit or a credit to one account.
type posting struct {
	Account string
	Debit   decimal.Decimal
	Credit  decimal.Decimal
	Memo    string
}

func debit(account string, amount decimal.Decimal, memo string) posting {
	return posting{Account: account, Debit: amount, Memo: memo}
}

func credit(account string, amount decimal.Decimal, memo string) posting {
	return posting{Account: account, Credit: amount, Memo: memo}
}

// mirror is the reversal of entries: every debit becomes a credit and back.
func mirror(entries []posting, memo string) []posting {
	mirrored := make([]posting, 0, len(entries))
	for _, entry := range entries {
		mirrored = append(mirrored, posting{Account: entry.Account, Debit: entry.Credit, Credit: entry.Debit, Memo: memo})
	}
	return mirrored
}

// postings are the journal entries of one event of streamID, balanced, zero
// amounts left out; an event that moves no money posts nothing. Claim events
// need the claim as filed (claims, by claim id).
func postings(streamID string, e event.Event, claims map[string]claimRef) ([]posting, error) {
	var entries []posting
	var err error
	if payerID, ok := strings.CutPrefix(streamID, payerPrefix); ok {
		entries = payerPostings(payerID, e)
	} else if participantID, ok := strings.CutPrefix(streamID, participantPrefix); ok {
		entries = participantPostings(participantID, e)
	} else if claimID, ok := strings.CutPrefix(streamID, claimPrefix); ok {
		entries, err = claimPostings(claimID, e, claims)
	} else if part, ok := e.(*payer.BillLinesRecorded); ok && strings.HasPrefix(streamID, billPrefix) {
		entries = assessedPostings(part.PayerID, part.AsAssessed()) // a bill posts part by part
	}
	if err != nil {
		return nil, err
	}
	entries = withoutZero(entries)
	if err := balanced(entries); err != nil {
		return nil, fmt.Errorf("%s on %s: %w", e.EventType(), streamID, err)
	}
	return entries, nil
}

func withoutZero(entries []posting) []posting {
	kept := entries[:0]
	for _, entry := range entries {
		if !entry.Debit.IsZero() || !entry.Credit.IsZero() {
			kept = append(kept, entry)
		}
	}
	return kept
}

// balanced asserts the double-entry invariant: debits equal credits, and no
// line is negative or on both sides.
func balanced(entries []posting) error {
	debits, credits := decimal.Zero, decimal.Zero
	for _, entry := range entries {
		if entry.Debit.IsNegative() || entry.Credit.IsNegative() || (!entry.Debit.IsZero() && !entry.Credit.IsZero()) {
			return fmt.Errorf("entry to %s is %s debit and %s credit: one side, never negative", entry.Account, entry.Debit, entry.Credit)
		}
		debits, credits = debits.Add(entry.Debit), credits.Add(entry.Credit)
	}
	if !debits.Equal(credits) {
		return fmt.Errorf("entries do not balance: debits %s, credits %s", debits.StringFixed(2), credits.StringFixed(2))
	}
	return nil
}

func payerPostings(payerID string, e event.Event) []posting {
	switch e := e.(type) {
	case *payer.ContributionsAssessed:
		return assessedPostings(payerID, e)
	case *payer.PaymentReceived:
		return paymentPostings(payerID, e.Amount.Decimal, e.Allocations, e.Credit.Decimal, "payment "+e.PaymentID+" ("+e.BankReference+")")
	case *payer.LatePenaltyAssessed:
		memo := fmt.Sprintf("late penalty on payment %s for %s, %d month(s) at %s", e.PaymentID, e.Period, e.MonthsLate, e.Rate)
		return []posting{debit(accountPenaltyReceivable(payerID), e.Amount.Decimal, memo), credit(AccountPenaltyIncome, e.Amount.Decimal, memo)}
	case *payer.PaymentReversed:
		memo := "reversal of payment " + e.PaymentID + ": " + e.Reason
		entries := mirror(paymentPostings(payerID, e.Amount.Decimal, e.Allocations, e.Credit.Decimal, memo), memo)
		return append(entries, debit(AccountPenaltyIncome, e.Penalties.Decimal, memo), credit(accountPenaltyReceivable(payerID), e.Penalties.Decimal, memo))
	}
	return nil
}

// assessedPostings: the payer owes the bill; each programme's share is income,
// except JHT, which is the member's savings (a liability, per participant).
func assessedPostings(payerID string, e *payer.ContributionsAssessed) []posting {
	memo := "contributions " + e.Period.String() + " billed to " + payerID
	income := map[string]decimal.Decimal{}
	var jht []posting
	for _, line := range e.Lines {
		for _, contribution := range line.Lines {
			if contribution.Programme == "JHT" {
				jht = append(jht, credit(accountJHTLiability(line.ParticipantID), contribution.Total.Decimal, memo))
				continue
			}
			income[contribution.Programme] = income[contribution.Programme].Add(contribution.Total.Decimal)
		}
	}
	programmes := make([]string, 0, len(income))
	for programme := range income {
		programmes = append(programmes, programme)
	}
	sort.Strings(programmes)
	entries := []posting{debit(accountReceivable(payerID), e.Total.Decimal, memo)}
	for _, programme := range programmes {
		entries = append(entries, credit(accountIncome(programme), income[programme], memo))
	}
	return append(entries, jht...)
}

// paymentPostings: the bank received the amount; its allocations settle the
// receivable and the rest is held as the payer's credit.
func paymentPostings(payerID string, amount decimal.Decimal, allocations []payer.Allocation, held decimal.Decimal, memo string) []posting {
	allocated := decimal.Zero
	for _, allocation := range allocations {
		allocated = allocated.Add(allocation.Amount.Decimal)
	}
	return []posting{debit(AccountCash, amount, memo), credit(accountReceivable(payerID), allocated, memo), credit(accountPayerCredit(payerID), held, memo)}
}

// participantPostings: the development return credited to a JHT account is the fund's expense.
// JHTDebited posts nothing: the JHT claim's approval moves the liability to benefits payable.
func participantPostings(participantID string, e event.Event) []posting {
	if e, ok := e.(*participant.JHTReturnCredited); ok {
		memo := fmt.Sprintf("JHT development return %d at %s%%", e.Year, e.RatePercent)
		return []posting{debit(AccountJHTReturn, e.Amount.Decimal, memo), credit(accountJHTLiability(participantID), e.Amount.Decimal, memo)}
	}
	return nil
}

func claimPostings(claimID string, e event.Event, claims map[string]claimRef) ([]posting, error) {
	switch e.(type) {
	case *claim.Approved, *claim.PayoutRecorded, *claim.PayoutReversed, *claim.TrancheSkipped, *claim.ScholarshipEnded:
	default:
		return nil, nil
	}
	ref, ok := claims[claimID]
	if !ok {
		return nil, fmt.Errorf("claim %s: %s before its ClaimFiled", claimID, e.EventType())
	}
	payable := accountBenefitsPayable(ref.Programme)
	if ref.Programme == scholarshipProgramme {
		payable = AccountScholarshipCommitments
	}
	switch e := e.(type) {
	case *claim.Approved:
		memo := "claim " + claimID + " approved (" + ref.Programme + ")"
		expense := accountBenefitExpense(ref.Programme)
		if ref.Programme == "JHT" {
			expense = accountJHTLiability(ref.ParticipantID)
		}
		return []posting{debit(expense, e.Total.Decimal, memo), credit(payable, e.Total.Decimal, memo)}, nil
	case *claim.PayoutRecorded:
		memo := "payout " + e.PayoutID + " on claim " + claimID + " (" + e.BankReference + ")"
		return []posting{debit(payable, e.Amount.Decimal, memo), credit(AccountCash, e.Amount.Decimal, memo)}, nil
	case *claim.PayoutReversed:
		memo := "reversal of payout " + e.PayoutID + " on claim " + claimID + ": " + e.Reason
		return []posting{debit(AccountCash, e.Amount.Decimal, memo), credit(payable, e.Amount.Decimal, memo)}, nil
	case *claim.TrancheSkipped:
		memo := fmt.Sprintf("scholarship tranche %d skipped on claim %s: %s", e.SchoolYear, claimID, e.Reason)
		return []posting{debit(payable, e.Amount.Decimal, memo), credit(accountBenefitExpense(ref.Programme), e.Amount.Decimal, memo)}, nil
	case *claim.ScholarshipEnded:
		memo := fmt.Sprintf("scholarship ended from %d on claim %s: %s", e.FromSchoolYear, claimID, e.Reason)
		return []posting{debit(payable, e.Amount.Decimal, memo), credit(accountBenefitExpense(ref.Programme), e.Amount.Decimal, memo)}, nil
	}
	return nil, nil
}
