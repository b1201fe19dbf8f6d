package projections

import (
	"context"

	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/payer"
)

// applyContributionsBulk is the bulk path of Contributions (a replay's large
// batches). The payers whose events in the batch are all of the kinds folded
// here are folded in memory: their bills (read first when the table has them
// already, with their lines when an allocation moves them), lines, payments
// and JHT credits move event by event exactly as the statements of
// queuePayerFinance move them, and are written at the end: new rows with
// COPY, changed bills with one UPDATE … FROM unnest (a line, once written,
// never changes), a payment stored before the batch with a statement per
// event, the JHT balances with one upsert. Any other payer (an event kind
// the fold does not know) and the participants' JHT events keep the
// statement path, run first; they touch other rows, and the sums and
// balances they share add up in any order. The arrears are taken out before the first statement and put back
// after the last write, as in Apply.
func applyContributionsBulk(ctx context.Context, tx pgx.Tx, events []Decoded) error {
	sums := newContributionSums(events)
	folded := foldablePayers(events)
	fold := newContributionFold(sums)
	batch := &pgx.Batch{}
	sums.takeOutArrears(batch)
	for _, decoded := range events {
		position := decoded.Recorded.Position
		if payerID, ok := payerOf(decoded); ok {
			if folded[payerID] {
				fold.events = append(fold.events, decoded)
				continue
			}
			if _, assessed, ok := billLines(decoded); ok {
				queueAssessed(batch, sums, payerID, position, assessed)
				continue
			}
			queuePayerFinance(batch, sums, payerID, position, decoded)
			continue
		}
		if participantID, ok := strings.CutPrefix(decoded.Recorded.StreamID, participantPrefix); ok {
			queueJHT(batch, participantID, position, decoded)
		}
	}
	if err := sendBatch(ctx, tx, batch, "contributions"); err != nil {
		return err
	}
	if err := fold.run(ctx, tx); err != nil {
		return fmt.Errorf("apply contributions: %w", err)
	}
	after := &pgx.Batch{}
	sums.putBackArrears(after)
	if err := sendBatch(ctx, tx, after, "contributions"); err != nil {
		return err
	}
	return sendBatch(ctx, tx, sums.queue(), "contribution summaries")
}

// payerOf is the payer whose bills an event of a payer's stream or of a
// bill's stream (its parts name their payer) moves.
func payerOf(decoded Decoded) (string, bool) {
	if payerID, ok := strings.CutPrefix(decoded.Recorded.StreamID, payerPrefix); ok {
		return payerID, true
	}
	payerID, _, ok := billLines(decoded)
	return payerID, ok
}

// foldablePayers are the payers of the batch whose every event is of a kind the fold knows.
func foldablePayers(events []Decoded) map[string]bool {
	folded := map[string]bool{}
	for _, decoded := range events {
		payerID, ok := payerOf(decoded)
		if !ok {
			continue
		}
		known, seen := folded[payerID]
		if seen && !known {
			continue
		}
		switch decoded.Event.(type) {
		case *payer.Registered, *payer.ContributionsAssessed, *payer.ContributionsBilled, *payer.BillLinesRecorded,
			*payer.PaymentReceived, *payer.LatePenaltyAssessed, *payer.PaymentReversed, *payer.PeriodClosed:
			folded[payerID] = true
		default:
			folded[payerID] = false
		}
	}
	return folded
}

type billKey struct{ payerID, period string }

type foldedBill struct {
	key              billKey
	dueDate          time.Time
	lines            int32
	total, allocated decimal.Decimal
	closed           bool
	position         int64
	stored, changed  bool // in the table before the batch; moved by it
	billLines        []*foldedLine
	billLinesTaken   bool // the stored lines are read (or there are none)
}

// foldedLine is one line of a bill: a new one with all it writes, or a
// stored one read back with what a change of its paid state moves
// (participant, covered_through, each programme's total). Its paid state is
// never stored: it is coveredThrough <= the bill's allocated total.
type foldedLine struct {
	participantID  string
	coveredThrough decimal.Decimal
	programmes     []string
	totals         []decimal.Decimal
	row            []any // rm_bill_lines' row of a new line; nil for a stored one
}

type foldedPayment struct {
	payerID, paymentID string
	e                  *payer.PaymentReceived
	allocated          decimal.Decimal
	penalties          decimal.Decimal
	status             string
	reversedOn         any
	reason             any
	position           int64
}

type jhtMove struct {
	amount   decimal.Decimal
	position int64
}

type contributionFold struct {
	sums     *contributionSums
	events   []Decoded
	bills    map[billKey]*foldedBill
	order    []billKey // bills in the order first met
	payments map[billKey]*foldedPayment
	paid     []billKey // payments in log order (payer, payment id)
	jht      map[string]jhtMove
	jhtOrder []string
	stored   *pgx.Batch // statements on payments stored before the batch
}

func newContributionFold(sums *contributionSums) *contributionFold {
	return &contributionFold{sums: sums, bills: map[billKey]*foldedBill{}, payments: map[billKey]*foldedPayment{}, jht: map[string]jhtMove{},
		stored: &pgx.Batch{}}
}

// run reads the stored bills the events touch, folds the events and writes the result.
func (f *contributionFold) run(ctx context.Context, tx pgx.Tx) error {
	if len(f.events) == 0 {
		return nil
	}
	if err := f.readBills(ctx, tx); err != nil {
		return err
	}
	for _, decoded := range f.events {
		payerID, _ := payerOf(decoded)
		if err := f.take(ctx, tx, payerID, decoded); err != nil {
			return err
		}
	}
	if err := sendBatch(ctx, tx, f.stored, "stored payments"); err != nil {
		return err
	}
	return f.write(ctx, tx)
}

// readBills reads every stored bill the events touch.
func (f *contributionFold) readBills(ctx context.Context, tx pgx.Tx) error {
	var payers, periods []string
	seen := map[billKey]bool{}
	touch := func(payerID, period string) {
		if key := (billKey{payerID, period}); !seen[key] {
			seen[key] = true
			payers, periods = append(payers, payerID), append(periods, period)
		}
	}
	for _, decoded := range f.events {
		payerID, _ := payerOf(decoded)
		switch e := decoded.Event.(type) {
		case *payer.ContributionsAssessed:
			touch(payerID, e.Period.String())
		case *payer.BillLinesRecorded:
			touch(payerID, e.Period.String())
		case *payer.PaymentReceived:
			for _, allocation := range e.Allocations {
				touch(payerID, allocation.Period.String())
			}
		case *payer.PaymentReversed:
			for _, allocation := range e.Allocations {
				touch(payerID, allocation.Period.String())
			}
		case *payer.PeriodClosed:
			touch(payerID, e.Period.String())
		}
	}
	if len(payers) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT b.payer_id, b.period, b.due_date, b.lines, b.total::text, b.allocated::text, b.closed, b.position
		FROM rm_bills b JOIN unnest($1::text[], $2::text[]) AS k(payer_id, period) USING (payer_id, period)`, payers, periods)
	if err != nil {
		return fmt.Errorf("read bills: %w", err)
	}
	bill := &foldedBill{}
	_, err = pgx.ForEachRow(rows, []any{&bill.key.payerID, &bill.key.period, &bill.dueDate, &bill.lines, &totalText{&bill.total},
		&totalText{&bill.allocated}, &bill.closed, &bill.position}, func() error {
		stored := *bill
		stored.stored = true
		f.bills[stored.key] = &stored
		f.order = append(f.order, stored.key)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read bills: %w", err)
	}
	return nil
}

// readLines reads a stored bill's lines, once, before an allocation moves them.
func (f *contributionFold) readLines(ctx context.Context, tx pgx.Tx, bill *foldedBill) error {
	if bill.billLinesTaken {
		return nil
	}
	bill.billLinesTaken = true
	if !bill.stored {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT participant_id, covered_through::text, programmes, totals::text[]
		FROM rm_bill_lines WHERE payer_id = $1 AND period = $2`, bill.key.payerID, bill.key.period)
	if err != nil {
		return fmt.Errorf("read the lines of bill %s %s: %w", bill.key.payerID, bill.key.period, err)
	}
	var stored []*foldedLine
	var participantID string
	var coveredThrough decimal.Decimal
	var programmes, totals []string
	_, err = pgx.ForEachRow(rows, []any{&participantID, &totalText{&coveredThrough}, &programmes, &totals}, func() error {
		line := &foldedLine{participantID: participantID, coveredThrough: coveredThrough, programmes: programmes, totals: make([]decimal.Decimal, len(totals))}
		for i, total := range totals {
			amount, err := decimal.NewFromString(total)
			if err != nil {
				return fmt.Errorf("line %s, %s total %q: %w", participantID, programmes[i], total, err)
			}
			line.totals[i] = amount
		}
		stored = append(stored, line)
		programmes, totals = nil, nil // scanned into afresh, never shared with the line kept
		return nil
	})
	if err != nil {
		return fmt.Errorf("read the lines of bill %s %s: %w", bill.key.payerID, bill.key.period, err)
	}
	bill.billLines = append(stored, bill.billLines...)
	return nil
}

func (f *contributionFold) take(ctx context.Context, tx pgx.Tx, payerID string, decoded Decoded) error {
	position := decoded.Recorded.Position
	switch e := decoded.Event.(type) {
	case *payer.ContributionsAssessed:
		f.assess(payerID, position, e)
	case *payer.BillLinesRecorded:
		f.assess(payerID, position, e.AsAssessed()) // a bill's lines come part by part; its ContributionsBilled moves nothing here
	case *payer.PaymentReceived:
		key := billKey{payerID, e.PaymentID}
		payment := &foldedPayment{payerID: payerID, paymentID: e.PaymentID, e: e, status: "received", position: position}
		for _, allocation := range e.Allocations {
			payment.allocated = payment.allocated.Add(allocation.Amount.Decimal)
		}
		if _, twice := f.payments[key]; twice {
			return fmt.Errorf("payment %s of %s received twice", e.PaymentID, payerID)
		}
		f.payments[key], f.paid = payment, append(f.paid, key)
		for _, allocation := range e.Allocations {
			if err := f.allocate(ctx, tx, payerID, allocation.Period.String(), allocation.Amount.Decimal, position); err != nil {
				return err
			}
		}
	case *payer.LatePenaltyAssessed:
		if payment, ok := f.payments[billKey{payerID, e.PaymentID}]; ok {
			payment.penalties, payment.position = payment.penalties.Add(e.Amount.Decimal), position
			return nil
		}
		f.stored.Queue(`UPDATE rm_payments SET penalties = penalties + $3, position = $4 WHERE payer_id = $1 AND payment_id = $2`,
			payerID, e.PaymentID, e.Amount.Decimal, position)
	case *payer.PaymentReversed:
		if payment, ok := f.payments[billKey{payerID, e.PaymentID}]; ok {
			payment.status, payment.reversedOn, payment.reason, payment.position = "reversed", e.ReversedOn.Time(), e.Reason, position
		} else {
			f.stored.Queue(`UPDATE rm_payments SET status = 'reversed', reversed_on = $3, reversal_reason = $4, position = $5
				WHERE payer_id = $1 AND payment_id = $2`, payerID, e.PaymentID, e.ReversedOn.Time(), e.Reason, position)
		}
		for _, allocation := range e.Allocations {
			if err := f.allocate(ctx, tx, payerID, allocation.Period.String(), allocation.Amount.Decimal.Neg(), position); err != nil {
				return err
			}
		}
	case *payer.PeriodClosed:
		if bill, ok := f.bills[billKey{payerID, e.Period.String()}]; ok {
			bill.closed, bill.position, bill.changed = true, position, true
		}
	}
	return nil
}

// assess adds a bill's (or a supplement's) lines after the lines billed before, then its totals.
func (f *contributionFold) assess(payerID string, position int64, e *payer.ContributionsAssessed) {
	key := billKey{payerID, e.Period.String()}
	bill, ok := f.bills[key]
	if !ok {
		bill = &foldedBill{key: key, dueDate: e.DueDate.Time(), billLinesTaken: true}
		f.bills[key], f.order = bill, append(f.order, key)
	}
	running, total := bill.total, decimal.Zero
	for index, line := range e.Lines {
		running, total = running.Add(line.Total.Decimal), total.Add(line.Total.Decimal)
		row, programmes, totals := billLineRow(payerID, key.period, bill.lines+int32(index+1), running, line, e.DueDate.Time(), position)
		if row == nil {
			continue
		}
		for i, programme := range programmes {
			f.sums.billed(programme, totals[i])
		}
		bill.billLines = append(bill.billLines, &foldedLine{participantID: line.Key(), coveredThrough: running, programmes: programmes, totals: totals, row: row})
	}
	f.sums.month(key.period, total, decimal.Zero)
	bill.lines += int32(len(e.Lines))
	bill.total, bill.position, bill.changed = bill.total.Add(total), position, true
}

// allocate moves a bill's allocated total; the lines whose paid state that
// moves (covered_through between the totals before and after) move the
// summaries and their participants' JHT balances.
func (f *contributionFold) allocate(ctx context.Context, tx pgx.Tx, payerID, period string, amount decimal.Decimal, position int64) error {
	f.sums.month(period, decimal.Zero, amount)
	bill, ok := f.bills[billKey{payerID, period}]
	if !ok {
		return nil // no such bill: the statement path's UPDATE finds no row either
	}
	if err := f.readLines(ctx, tx, bill); err != nil {
		return err
	}
	before := bill.allocated
	bill.allocated, bill.position, bill.changed = bill.allocated.Add(amount), position, true
	for _, line := range bill.billLines {
		paid := line.coveredThrough.LessThanOrEqual(bill.allocated)
		if paid == line.coveredThrough.LessThanOrEqual(before) {
			continue
		}
		for i, programme := range line.programmes {
			moved := line.totals[i]
			if !paid {
				moved = moved.Neg()
			}
			f.sums.paidByProgramme[programme] = f.sums.paidByProgramme[programme].Add(moved)
			if programme == "JHT" {
				balance, seen := f.jht[line.participantID]
				if !seen {
					f.jhtOrder = append(f.jhtOrder, line.participantID)
				}
				f.jht[line.participantID] = jhtMove{amount: balance.amount.Add(moved), position: position}
			}
		}
	}
	return nil
}

var billColumns = []string{"payer_id", "period", "due_date", "lines", "total", "allocated", "closed", "position"}

var paymentColumns = []string{"payment_id", "payer_id", "amount", "paid_on", "bank_reference", "period", "allocated", "credit",
	"penalties", "status", "reversed_on", "reversal_reason", "position"}

// write puts the fold into the tables: new rows by COPY, changed rows by one statement per table.
func (f *contributionFold) write(ctx context.Context, tx pgx.Tx) error {
	var newBills, newLines, newPayments [][]any
	var changed struct {
		payers, periods, totals, allocated []string
		lines                              []int32
		closed                             []bool
		positions                          []int64
	}
	for _, key := range f.order {
		bill := f.bills[key]
		if !bill.stored {
			newBills = append(newBills, []any{key.payerID, key.period, bill.dueDate, bill.lines, bill.total, bill.allocated, bill.closed, bill.position})
		} else if bill.changed {
			changed.payers, changed.periods = append(changed.payers, key.payerID), append(changed.periods, key.period)
			changed.lines, changed.totals = append(changed.lines, bill.lines), append(changed.totals, moneyText(bill.total))
			changed.allocated, changed.closed = append(changed.allocated, moneyText(bill.allocated)), append(changed.closed, bill.closed)
			changed.positions = append(changed.positions, bill.position)
		}
		for _, line := range bill.billLines {
			if line.row != nil {
				newLines = append(newLines, line.row)
			}
		}
	}
	for _, key := range f.paid {
		p := f.payments[key]
		newPayments = append(newPayments, []any{p.paymentID, p.payerID, p.e.Amount.Decimal, p.e.PaidOn.Time(), p.e.BankReference, periodOrNil(p.e.Period),
			p.allocated, p.e.Credit.Decimal, p.penalties, p.status, p.reversedOn, p.reason, p.position})
	}
	for _, copied := range []struct {
		table   string
		columns []string
		rows    [][]any
	}{{"rm_bills", billColumns, newBills}, {"rm_bill_lines", billLineColumns, newLines}, {"rm_payments", paymentColumns, newPayments}} {
		if len(copied.rows) == 0 {
			continue
		}
		if err := copyInto(ctx, tx, copied.table, copied.columns, copied.rows); err != nil {
			return err
		}
	}
	batch := &pgx.Batch{}
	if len(changed.payers) > 0 {
		batch.Queue(`UPDATE rm_bills b SET lines = u.lines, total = u.total, allocated = u.allocated, closed = u.closed, position = u.position
			FROM unnest($1::text[], $2::text[], $3::int[], $4::numeric[], $5::numeric[], $6::bool[], $7::bigint[])
				AS u(payer_id, period, lines, total, allocated, closed, position)
			WHERE b.payer_id = u.payer_id AND b.period = u.period`,
			changed.payers, changed.periods, changed.lines, changed.totals, changed.allocated, changed.closed, changed.positions)
	}
	if len(f.jhtOrder) > 0 {
		amounts, positions := make([]string, 0, len(f.jhtOrder)), make([]int64, 0, len(f.jhtOrder))
		for _, participantID := range f.jhtOrder {
			amounts, positions = append(amounts, moneyText(f.jht[participantID].amount)), append(positions, f.jht[participantID].position)
		}
		// The statement path ran first, its positions before or after these: the later one stays, as event by event.
		batch.Queue(`INSERT INTO rm_jht_balances AS j (participant_id, contributions, position)
			SELECT * FROM unnest($1::text[], $2::numeric[], $3::bigint[])
			ON CONFLICT (participant_id) DO UPDATE SET contributions = j.contributions + EXCLUDED.contributions,
				position = greatest(j.position, EXCLUDED.position)`, f.jhtOrder, amounts, positions)
	}
	return sendBatch(ctx, tx, batch, "folded contributions")
}
