package projections

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/participant"
	"github.com/tanahbumbu/jaminan/domain/payer"
)

// Contributions projects rm_bills, rm_bill_lines, rm_payments and
// rm_jht_balances. A bill's allocated total decides which of its lines are
// paid (lines fill in billed order; a line is paid only when wholly covered:
// its covered_through is at most the bill's allocated total, which the view
// rm_contributions derives), and a JHT line turning paid or unpaid moves the
// participant's JHT balance, so the four tables live in one projection and
// never disagree. A payment moves one bill row, never its lines.
//
// It keeps their summaries where the rows change: sum_contributions (lines
// billed and paid per programme), sum_collections (bills per month) and
// sum_arrears (bills not paid in full, per due date).
type Contributions struct{}

// Name is the checkpoint key.
func (Contributions) Name() string { return "contributions" }

// Tables it owns.
func (Contributions) Tables() []string {
	return []string{"rm_bills", "rm_bill_lines", "rm_payments", "rm_jht_balances", "sum_contributions", "sum_collections", "sum_arrears"}
}

// Apply writes payer events and the participants' JHT credits and debits, in
// order. The summaries are written after the events' statements, once per
// batch: however many events touch a summary row, it is updated once or twice
// (so a replay's large transactions do not pile up versions of a few hot rows).
func (Contributions) Apply(ctx context.Context, tx pgx.Tx, events []Decoded) error {
	if useCopy(ctx, len(events)) {
		return applyContributionsBulk(ctx, tx, events) // contributions_bulk.go
	}
	sums := newContributionSums(events)
	batch := &pgx.Batch{}
	sums.takeOutArrears(batch)
	for _, decoded := range events {
		position := decoded.Recorded.Position
		if payerID, assessed, ok := billLines(decoded); ok {
			if useCopy(ctx, len(assessed.Lines)) {
				// A large bill: what is queued runs first, then its lines go in by COPY.
				if err := sendBatch(ctx, tx, batch, "contributions"); err != nil {
					return err
				}
				batch = &pgx.Batch{}
				if err := copyAssessed(ctx, tx, payerID, position, assessed); err != nil {
					return err
				}
				queueBillTotals(batch, sums, payerID, position, assessed)
				continue
			}
			queueAssessed(batch, sums, payerID, position, assessed)
			continue
		}
		if payerID, ok := strings.CutPrefix(decoded.Recorded.StreamID, payerPrefix); ok {
			queuePayerFinance(batch, sums, payerID, position, decoded)
			continue
		}
		if participantID, ok := strings.CutPrefix(decoded.Recorded.StreamID, participantPrefix); ok {
			queueJHT(batch, participantID, position, decoded)
		}
	}
	sums.putBackArrears(batch)
	if err := sendBatch(ctx, tx, batch, "contributions"); err != nil {
		return err
	}
	// The lines turned paid are known once the batch has run (queueAllocation's callbacks).
	return sendBatch(ctx, tx, sums.queue(), "contribution summaries")
}

// billLines is the bill lines an event brings and their payer: a whole
// ContributionsAssessed of a payer's stream (logs written before bills had
// streams of their own), or one part of a bill's stream. A bill's
// ContributionsBilled brings none: its parts carry its lines and total.
func billLines(decoded Decoded) (string, *payer.ContributionsAssessed, bool) {
	switch e := decoded.Event.(type) {
	case *payer.ContributionsAssessed:
		payerID, ok := strings.CutPrefix(decoded.Recorded.StreamID, payerPrefix)
		return payerID, e, ok
	case *payer.BillLinesRecorded:
		return e.PayerID, e.AsAssessed(), strings.HasPrefix(decoded.Recorded.StreamID, billPrefix)
	}
	return "", nil, false
}

func queuePayerFinance(batch *pgx.Batch, sums *contributionSums, payerID string, position int64, decoded Decoded) {
	switch e := decoded.Event.(type) {
	case *payer.PaymentReceived:
		allocated := decimal.Zero
		for _, allocation := range e.Allocations {
			allocated = allocated.Add(allocation.Amount.Decimal)
		}
		batch.Queue(`INSERT INTO rm_payments (payment_id, payer_id, amount, paid_on, bank_reference, period, allocated, credit, status, position)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'received', $9)`,
			e.PaymentID, payerID, e.Amount.Decimal, e.PaidOn.Time(), e.BankReference, periodOrNil(e.Period), allocated, e.Credit.Decimal, position)
		for _, allocation := range e.Allocations {
			queueAllocation(batch, sums, payerID, allocation.Period.String(), allocation.Amount.Decimal, position)
		}
	case *payer.LatePenaltyAssessed:
		batch.Queue(`UPDATE rm_payments SET penalties = penalties + $3, position = $4 WHERE payer_id = $1 AND payment_id = $2`,
			payerID, e.PaymentID, e.Amount.Decimal, position)
	case *payer.PaymentReversed:
		batch.Queue(`UPDATE rm_payments SET status = 'reversed', reversed_on = $3, reversal_reason = $4, position = $5
			WHERE payer_id = $1 AND payment_id = $2`, payerID, e.PaymentID, e.ReversedOn.Time(), e.Reason, position)
		for _, allocation := range e.Allocations {
			queueAllocation(batch, sums, payerID, allocation.Period.String(), allocation.Amount.Decimal.Neg(), position)
		}
	case *payer.PeriodClosed:
		batch.Queue(`UPDATE rm_bills SET closed = true, position = $3 WHERE payer_id = $1 AND period = $2`, payerID, e.Period.String(), position)
	}
}

// queueAssessed adds a bill's (or a supplement's) lines after the lines billed
// before, then the bill's totals. Statements of a batch run in order, so the
// insert reads the bill as it was before this event. The lines go as one
// flat list of programme entries, gathered back into a row per line.
func queueAssessed(batch *pgx.Batch, sums *contributionSums, payerID string, position int64, e *payer.ContributionsAssessed) {
	var participants, programmes, segments, rates, covered, employers, workers, totals []string
	var lineNumbers []int32
	running := decimal.Zero
	for index, line := range e.Lines {
		running = running.Add(line.Total.Decimal)
		for _, contribution := range programmeOrder(line) {
			participants = append(participants, line.Key())
			programmes = append(programmes, contribution.Programme)
			segments = append(segments, line.Segment)
			rates = append(rates, contribution.Rate)
			lineNumbers = append(lineNumbers, int32(index+1))
			covered = append(covered, moneyText(running))
			employers = append(employers, moneyText(contribution.Employer.Decimal))
			workers = append(workers, moneyText(contribution.Worker.Decimal))
			totals = append(totals, moneyText(contribution.Total.Decimal))
		}
	}
	period := e.Period.String()
	batch.Queue(`INSERT INTO rm_bill_lines (payer_id, period, participant_id, line_no, covered_through, segment,
			programmes, rates, employers, workers, totals, due_date, position)
		SELECT $1, $2, l.participant_id, coalesce(b.lines, 0) + l.line_no, coalesce(b.total, 0) + l.covered, l.segment,
			l.programmes, l.rates, l.employers, l.workers, l.totals, $3, $4
		FROM (SELECT u.line_no, u.participant_id, u.covered, u.segment, array_agg(u.programme ORDER BY u.entry) AS programmes,
				array_agg(u.rate ORDER BY u.entry) AS rates, array_agg(u.employer ORDER BY u.entry) AS employers,
				array_agg(u.worker ORDER BY u.entry) AS workers, array_agg(u.total ORDER BY u.entry) AS totals
			FROM unnest($5::text[], $6::text[], $7::int[], $8::numeric[], $9::text[], $10::text[], $11::numeric[], $12::numeric[], $13::numeric[])
				WITH ORDINALITY AS u(participant_id, programme, line_no, covered, segment, rate, employer, worker, total, entry)
			GROUP BY u.line_no, u.participant_id, u.covered, u.segment) l
		LEFT JOIN rm_bills b ON b.payer_id = $1 AND b.period = $2`,
		payerID, period, e.DueDate.Time(), position, participants, programmes, lineNumbers, covered, segments, rates, employers, workers, totals)
	queueBillTotals(batch, sums, payerID, position, e)
}

// programmeOrder is a line's contributions in programme order (byte order,
// as COLLATE "C" sorts), the order rm_bill_lines keeps them in whatever order
// an event listed them.
func programmeOrder(line payer.BillLine) []payer.ContributionLine {
	byProgramme := func(a, b payer.ContributionLine) int { return strings.Compare(a.Programme, b.Programme) }
	if slices.IsSortedFunc(line.Lines, byProgramme) {
		return line.Lines
	}
	sorted := slices.Clone(line.Lines)
	slices.SortStableFunc(sorted, byProgramme)
	return sorted
}

// queueBillTotals adds an assessment's lines and total to its bill, and to the summaries.
func queueBillTotals(batch *pgx.Batch, sums *contributionSums, payerID string, position int64, e *payer.ContributionsAssessed) {
	total := decimal.Zero
	for _, line := range e.Lines {
		total = total.Add(line.Total.Decimal)
		for _, contribution := range line.Lines {
			sums.billed(contribution.Programme, contribution.Total.Decimal)
		}
	}
	sums.month(e.Period.String(), total, decimal.Zero)
	batch.Queue(`INSERT INTO rm_bills (payer_id, period, due_date, lines, total, position) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (payer_id, period) DO UPDATE SET lines = rm_bills.lines + EXCLUDED.lines, total = rm_bills.total + EXCLUDED.total,
			position = EXCLUDED.position`,
		payerID, e.Period.String(), e.DueDate.Time(), int32(len(e.Lines)), total, position)
}

// billLineColumns are the columns of rm_bill_lines an assessment writes.
var billLineColumns = []string{"payer_id", "period", "participant_id", "line_no", "covered_through", "segment",
	"programmes", "rates", "employers", "workers", "totals", "due_date", "position"}

// billLineRow is one line's row of rm_bill_lines, with its programmes and
// their totals in the row's order, or a nil row for a line with no programme
// (which writes nothing, as it writes no contribution).
func billLineRow(payerID, period string, lineNo int32, coveredThrough decimal.Decimal, line payer.BillLine, dueDate time.Time,
	position int64) (row []any, programmes []string, totals []decimal.Decimal) {
	if len(line.Lines) == 0 {
		return nil, nil, nil
	}
	contributions := programmeOrder(line)
	programmes, rates := make([]string, len(contributions)), make([]string, len(contributions))
	employers, workers := make([]decimal.Decimal, len(contributions)), make([]decimal.Decimal, len(contributions))
	totals = make([]decimal.Decimal, len(contributions))
	for i, contribution := range contributions {
		programmes[i], rates[i] = contribution.Programme, contribution.Rate
		employers[i], workers[i], totals[i] = contribution.Employer.Decimal, contribution.Worker.Decimal, contribution.Total.Decimal
	}
	row = []any{payerID, period, line.Key(), lineNo, coveredThrough, line.Segment, programmes, rates, employers, workers, totals, dueDate, position}
	return row, programmes, totals
}

// copyAssessed writes an assessment's lines with COPY: the same rows as
// queueAssessed's INSERT, numbered and running on after the lines the bill
// has so far (read first, in the same transaction).
func copyAssessed(ctx context.Context, tx pgx.Tx, payerID string, position int64, e *payer.ContributionsAssessed) error {
	period := e.Period.String()
	var linesBefore int32
	totalBefore := decimal.Zero
	err := tx.QueryRow(ctx, `SELECT lines, total::text FROM rm_bills WHERE payer_id = $1 AND period = $2`, payerID, period).Scan(&linesBefore, &totalText{&totalBefore})
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("read bill %s %s: %w", payerID, period, err)
	}
	rows := make([][]any, 0, len(e.Lines))
	running := totalBefore
	for index, line := range e.Lines {
		running = running.Add(line.Total.Decimal)
		if row, _, _ := billLineRow(payerID, period, linesBefore+int32(index+1), running, line, e.DueDate.Time(), position); row != nil {
			rows = append(rows, row)
		}
	}
	return copyInto(ctx, tx, "rm_bill_lines", billLineColumns, rows)
}

// totalText scans numeric text into a decimal exactly.
type totalText struct{ into *decimal.Decimal }

func (t *totalText) Scan(src any) error {
	text, ok := src.(string)
	if !ok {
		return fmt.Errorf("bill total: %T, want text", src)
	}
	value, err := decimal.NewFromString(text)
	*t.into = value
	return err
}

// queueAllocation moves a bill's allocated total (negative for a reversal)
// and, in the same statement, finds the lines whose paid state that moves
// (covered_through between the totals before and after), moves the JHT
// balance of every participant whose JHT line changed, and reports the
// amounts turned paid (or unpaid) per programme. The lines themselves are
// never written: paid is derived from the bill.
func queueAllocation(batch *pgx.Batch, sums *contributionSums, payerID, period string, amount decimal.Decimal, position int64) {
	sums.month(period, decimal.Zero, amount)
	batch.Queue(`WITH bill AS (
			UPDATE rm_bills SET allocated = allocated + $3, position = $4 WHERE payer_id = $1 AND period = $2
			RETURNING allocated - $3::numeric AS before, allocated AS after),
		changed AS (
			SELECT l.participant_id, c.programme, c.total, l.covered_through <= bill.after AS paid
			FROM bill JOIN rm_bill_lines l ON l.payer_id = $1 AND l.period = $2
				AND l.covered_through > least(bill.before, bill.after) AND l.covered_through <= greatest(bill.before, bill.after)
			CROSS JOIN LATERAL unnest(l.programmes, l.totals) AS c(programme, total)),
		jht AS (
			INSERT INTO rm_jht_balances AS j (participant_id, contributions, position)
			SELECT participant_id, sum(CASE WHEN paid THEN total ELSE -total END), $4 FROM changed WHERE programme = 'JHT' GROUP BY participant_id
			ON CONFLICT (participant_id) DO UPDATE SET contributions = j.contributions + EXCLUDED.contributions, position = EXCLUDED.position)
		SELECT programme, sum(CASE WHEN paid THEN total ELSE -total END)::text FROM changed GROUP BY programme`,
		payerID, period, amount, position).Query(sums.paidLines)
}

func queueJHT(batch *pgx.Batch, participantID string, position int64, decoded Decoded) {
	switch e := decoded.Event.(type) {
	case *participant.JHTReturnCredited:
		batch.Queue(`INSERT INTO rm_jht_balances AS j (participant_id, returns, position) VALUES ($1, $2, $3)
			ON CONFLICT (participant_id) DO UPDATE SET returns = j.returns + EXCLUDED.returns, position = EXCLUDED.position`,
			participantID, e.Amount.Decimal, position)
	case *participant.JHTDebited:
		batch.Queue(`INSERT INTO rm_jht_balances AS j (participant_id, withdrawals, position) VALUES ($1, $2, $3)
			ON CONFLICT (participant_id) DO UPDATE SET withdrawals = j.withdrawals + EXCLUDED.withdrawals, position = EXCLUDED.position`,
			participantID, e.Amount.Decimal, position)
	}
}

// contributionSums gathers what a batch adds to the contributions'
// summaries, written once when the batch has run (queue): lines billed and
// paid per programme, bills' totals and allocations per month. The arrears
// are taken out for every payer the batch may change before its first
// statement, and put back after its last.
type contributionSums struct {
	billedByProgramme map[string]decimal.Decimal
	paidByProgramme   map[string]decimal.Decimal
	months            map[string]monthSums // by period
	payers            []string             // whose bills the batch may change
}

type monthSums struct{ assessed, collected decimal.Decimal }

func newContributionSums(events []Decoded) *contributionSums {
	sums := &contributionSums{billedByProgramme: map[string]decimal.Decimal{}, paidByProgramme: map[string]decimal.Decimal{},
		months: map[string]monthSums{}}
	seen := map[string]bool{}
	for _, decoded := range events {
		payerID, ok := strings.CutPrefix(decoded.Recorded.StreamID, payerPrefix)
		if !ok {
			payerID, _, ok = billLines(decoded) // a bill's part changes its payer's bills too
		}
		if ok && !seen[payerID] {
			seen[payerID] = true
			sums.payers = append(sums.payers, payerID)
		}
	}
	slices.Sort(sums.payers)
	return sums
}

func (s *contributionSums) billed(programme string, amount decimal.Decimal) {
	s.billedByProgramme[programme] = s.billedByProgramme[programme].Add(amount)
}

func (s *contributionSums) month(period string, assessed, collected decimal.Decimal) {
	sums := s.months[period]
	s.months[period] = monthSums{assessed: sums.assessed.Add(assessed), collected: sums.collected.Add(collected)}
}

// paidLines reads what an allocation turned paid (or unpaid), per programme.
func (s *contributionSums) paidLines(rows pgx.Rows) error {
	var programme string
	var amount decimal.Decimal
	_, err := pgx.ForEachRow(rows, []any{&programme, &totalText{&amount}}, func() error {
		s.paidByProgramme[programme] = s.paidByProgramme[programme].Add(amount)
		return nil
	})
	return err
}

// takeOutArrears and putBackArrears bracket the batch: what the batch's payers
// owe leaves sum_arrears before their bills change and comes back after, so
// the summary moves by exactly the change. Per due date: the outstanding sum
// and the bills, and each payer once, at its earliest bill not paid in full.
// A payer's bills are found by the primary key, never the partial index of
// unpaid bills: within a replay's transaction that index holds every bill
// billed in it, paid or not, and reading it would cost as much as the batch.
func (s *contributionSums) takeOutArrears(batch *pgx.Batch) { s.queueArrears(batch, -1) }

func (s *contributionSums) putBackArrears(batch *pgx.Batch) {
	s.queueArrears(batch, 1)
	if len(s.payers) > 0 {
		batch.Queue(`DELETE FROM sum_arrears WHERE bills = 0 AND outstanding = 0 AND payers = 0`)
	}
}

func (s *contributionSums) queueArrears(batch *pgx.Batch, sign int) {
	if len(s.payers) == 0 {
		return
	}
	batch.Queue(`INSERT INTO sum_arrears AS s (due_date, outstanding, bills, payers)
		SELECT due_date, $2::int * sum(total - allocated), $2::int * count(*), $2::int * count(DISTINCT payer_id) FILTER (WHERE first)
		FROM (SELECT payer_id, due_date, total, allocated, due_date = min(due_date) OVER (PARTITION BY payer_id) AS first
			FROM rm_bills WHERE payer_id = ANY($1) AND total - allocated > 0) unpaid
		GROUP BY due_date
		ON CONFLICT (due_date) DO UPDATE
		SET outstanding = s.outstanding + EXCLUDED.outstanding, bills = s.bills + EXCLUDED.bills, payers = s.payers + EXCLUDED.payers`,
		s.payers, sign)
}

// queue is the batch writing the sums, in key order.
func (s *contributionSums) queue() *pgx.Batch {
	batch := &pgx.Batch{}
	programmes := slices.Sorted(maps.Keys(s.billedByProgramme))
	for programme := range s.paidByProgramme {
		if _, billed := s.billedByProgramme[programme]; !billed {
			programmes = append(programmes, programme)
		}
	}
	if len(programmes) > 0 {
		slices.Sort(programmes)
		billed, paid := make([]string, 0, len(programmes)), make([]string, 0, len(programmes))
		for _, programme := range programmes {
			billed, paid = append(billed, moneyText(s.billedByProgramme[programme])), append(paid, moneyText(s.paidByProgramme[programme]))
		}
		batch.Queue(`INSERT INTO sum_contributions AS s (programme, assessed, paid)
			SELECT * FROM unnest($1::text[], $2::numeric[], $3::numeric[])
			ON CONFLICT (programme) DO UPDATE SET assessed = s.assessed + EXCLUDED.assessed, paid = s.paid + EXCLUDED.paid`,
			programmes, billed, paid)
	}
	if len(s.months) > 0 {
		periods := slices.Sorted(maps.Keys(s.months))
		assessed, collected := make([]string, 0, len(periods)), make([]string, 0, len(periods))
		for _, period := range periods {
			assessed, collected = append(assessed, moneyText(s.months[period].assessed)), append(collected, moneyText(s.months[period].collected))
		}
		batch.Queue(`INSERT INTO sum_collections AS s (period, assessed, collected)
			SELECT * FROM unnest($1::text[], $2::numeric[], $3::numeric[])
			ON CONFLICT (period) DO UPDATE SET assessed = s.assessed + EXCLUDED.assessed, collected = s.collected + EXCLUDED.collected`,
			periods, assessed, collected)
	}
	return batch
}
