package demo

import (
	"context"
	"encoding/csv"
	"fmt"
	"hash/fnv"
	"io"
	"sort"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/calendar"
)

// The bank statement's deliberate mismatches, for a reconciliation to find.
const (
	// StatementShortfallRupiah: one contribution payment shows on the bank
	// statement this much below the amount the ledger recorded (the sending
	// bank kept a transfer fee). StatementSummary.ShortPaidReference names it.
	StatementShortfallRupiah = 6_500
	// StatementBankChargeRupiah is the month's account fee: a bank line
	// (money out) with no ledger counterpart, under StatementBankChargeReference.
	StatementBankChargeRupiah    = 15_000
	StatementBankChargeReference = "BIAYA-ADM-REKENING"
	// One payout recorded in the ledger is missing from the statement (not yet
	// cleared); StatementSummary.MissingPayoutReference names it.
)

// StatementHeader is the first line of the statement CSV, the format `jaminan reconcile` reads.
var StatementHeader = []string{"date", "reference", "amount", "counterparty_account", "description"}

// StatementSummary says what the statement holds and where it differs from the ledger.
type StatementSummary struct {
	// From and Through are the days covered: the month of the last claim
	// payout (to Today, if that is this month), or Today's month without one.
	From, Through calendar.Date
	Lines         int
	// Receipts and Payouts are the ledger's, in the period, before the mismatches.
	Receipts, Payouts int
	// ShortPaidReference is the receipt shown StatementShortfallRupiah short.
	ShortPaidReference string
	// MissingPayoutReference is the ledger payout left off the statement.
	MissingPayoutReference string
}

// statementLine is one bank line; amount is positive for money in.
type statementLine struct {
	date                            calendar.Date
	reference, account, description string
	amount                          decimal.Decimal
}

// writeStatement writes the bank statement of the month of the last claim
// payout, a month in the past as the claims are: every contribution payment
// received (money in, under its bank_reference) and every benefit payout
// (money out), with the three deliberate mismatches.
func writeStatement(ctx context.Context, application *app.Application, plan *plan, out io.Writer) (StatementSummary, error) {
	summary := statementPeriod(plan)
	inPeriod := func(d calendar.Date) bool { return !d.Before(summary.From) && !d.After(summary.Through) }
	var receipts, payouts []statementLine
	for _, p := range plan.payers {
		if len(p.members) == 0 {
			continue
		}
		state, err := application.LoadPayer(ctx, p.register.PayerID)
		if err != nil {
			return summary, fmt.Errorf("demo statement: %w", err)
		}
		for _, payment := range state.Payments {
			if _, reversed := state.Reversed[payment.PaymentID]; reversed || !inPeriod(payment.PaidOn) {
				continue
			}
			receipts = append(receipts, statementLine{date: payment.PaidOn, reference: payment.BankReference, amount: payment.Amount.Decimal,
				account: account("payer", p.register.PayerID), description: "Setoran iuran BPJS Ketenagakerjaan " + p.register.PayerName})
		}
	}
	for _, w := range plan.workers {
		for _, c := range w.claims {
			state, err := application.LoadClaim(ctx, c.file.ClaimID)
			if err != nil {
				return summary, fmt.Errorf("demo statement: %w", err)
			}
			for _, payout := range state.Payouts {
				if _, reversed := state.Reversed[payout.PayoutID]; reversed || !inPeriod(payout.PaidOn) {
					continue
				}
				payouts = append(payouts, statementLine{date: payout.PaidOn, reference: payout.BankReference, amount: payout.Amount.Decimal.Neg(),
					account: account("heir", c.file.ClaimID), description: "Pembayaran manfaat " + c.file.Programme + " klaim " + c.file.ClaimID})
			}
		}
	}
	sortLines(receipts)
	sortLines(payouts)
	summary.Receipts, summary.Payouts = len(receipts), len(payouts)
	lines := mismatch(&summary, receipts, payouts)
	writer := csv.NewWriter(out)
	records := [][]string{StatementHeader}
	for _, line := range lines {
		records = append(records, []string{line.date.String(), line.reference, line.amount.StringFixed(2), line.account, line.description})
	}
	if err := writer.WriteAll(records); err != nil {
		return summary, fmt.Errorf("demo statement: write: %w", err)
	}
	summary.Lines = len(lines)
	return summary, nil
}

// statementPeriod is the month of the last payout the plan makes, to Today at the latest.
func statementPeriod(plan *plan) StatementSummary {
	month := plan.today.Period()
	if last := plan.lastPayout(); !last.IsZero() {
		month = last.Period()
	}
	through := month.LastDay()
	if through.After(plan.today) {
		through = plan.today
	}
	return StatementSummary{From: month.FirstDay(), Through: through}
}

// mismatch applies the deliberate differences: the first receipt (by date and
// reference) short by StatementShortfallRupiah, the last payout left off, and
// the month's account fee added on the last day.
func mismatch(summary *StatementSummary, receipts, payouts []statementLine) []statementLine {
	shortfall := decimal.NewFromInt(StatementShortfallRupiah)
	for i := range receipts {
		if receipts[i].amount.GreaterThan(shortfall) {
			receipts[i].amount = receipts[i].amount.Sub(shortfall)
			summary.ShortPaidReference = receipts[i].reference
			break
		}
	}
	if len(payouts) > 0 {
		summary.MissingPayoutReference = payouts[len(payouts)-1].reference
		payouts = payouts[:len(payouts)-1]
	}
	lines := append(append([]statementLine{}, receipts...), payouts...)
	lines = append(lines, statementLine{date: summary.Through, reference: StatementBankChargeReference,
		amount: decimal.NewFromInt(-StatementBankChargeRupiah), description: "Biaya administrasi rekening bulan " + summary.Through.Period().String()})
	sortLines(lines)
	return lines
}

func sortLines(lines []statementLine) {
	sort.Slice(lines, func(i, j int) bool {
		if !lines[i].date.Equal(lines[j].date) {
			return lines[i].date.Before(lines[j].date)
		}
		return lines[i].reference < lines[j].reference
	})
}

// account is a made-up, stable 10-digit Bank Kalsel account number.
func account(kind, id string) string {
	hash := fnv.New32a()
	_, _ = hash.Write([]byte(kind + "/" + id))
	return fmt.Sprintf("001%07d", hash.Sum32()%10_000_000)
}
