package payer

import (
	"slices"
	"sort"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
)

// MemberBills is one participant's part of one payer's stream: their line on
// each month's bill (for a construction worker, their project's line) and how far the bill's payments reach it, without the
// other participants' lines. A line is paid when the bill's allocated total
// covers every line billed before it and itself (State.LinePaid), so only the
// sum of the earlier lines is kept. The zero value is ready for Evolve.
type MemberBills struct {
	ParticipantID string
	months        map[calendar.Period]memberMonth
	// touched marks "payment/period" allocations that reached the line, so the
	// penalty a payment brings shows only where it paid this participant late.
	touched map[string]bool
}

type memberMonth struct {
	billed    decimal.Decimal // the bill's total so far
	billedOn  bool            // the participant has a line on it
	before    decimal.Decimal // the lines billed before theirs
	line      BillLine
	dueDate   calendar.Date
	allocated decimal.Decimal
	paidOn    calendar.Date // when the line became paid in full; zero while unpaid
	closed    bool
}

func (m memberMonth) covered() decimal.Decimal { return m.before.Add(m.line.Total.Decimal) }

// reach is how much of the participant's line allocations a0..a1 of the bill cover.
func (m memberMonth) reach(a0, a1 decimal.Decimal) decimal.Decimal {
	from, to := decimal.Max(a0, m.before), decimal.Min(a1, m.covered())
	return decimal.Max(to.Sub(from), decimal.Zero)
}

// MemberLine is one month's line for the participant, as the payer's events leave it.
type MemberLine struct {
	Period  calendar.Period
	DueDate calendar.Date
	Total   decimal.Decimal
	PaidOn  calendar.Date // zero while unpaid
	Closed  bool
}

// Paid reports whether the line is paid in full.
func (l MemberLine) Paid() bool { return !l.PaidOn.IsZero() }

// Lines lists the participant's lines, oldest month first.
func (v MemberBills) Lines() []MemberLine {
	var lines []MemberLine
	for period, month := range v.months {
		if month.billedOn {
			lines = append(lines, MemberLine{Period: period, DueDate: month.dueDate, Total: month.line.Total.Decimal, PaidOn: month.paidOn, Closed: month.closed})
		}
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i].Period.Before(lines[j].Period) })
	return lines
}

// LineExcerpt is how a payment or a reversal reached the participant's line.
type LineExcerpt struct {
	Period    calendar.Period `json:"period"`
	Amount    command.Money   `json:"amount"` // the part of this event on the participant's line
	LineTotal command.Money   `json:"line_total"`
	Paid      bool            `json:"paid"` // the line is paid in full after the event
}

// AssessedExcerpt is the participant's line of a ContributionsAssessed.
type AssessedExcerpt struct {
	Period   calendar.Period `json:"period"`
	DueDate  calendar.Date   `json:"due_date"`
	RuleBook string          `json:"rule_book"`
	Line     BillLine        `json:"line"`
}

// PaymentExcerpt is the participant's part of a PaymentReceived.
type PaymentExcerpt struct {
	PaymentID     string        `json:"payment_id"`
	Amount        command.Money `json:"amount"`
	PaidOn        calendar.Date `json:"paid_on"`
	BankReference string        `json:"bank_reference"`
	Lines         []LineExcerpt `json:"lines"`
}

// ReversalExcerpt is the participant's part of a PaymentReversed.
type ReversalExcerpt struct {
	PaymentID  string        `json:"payment_id"`
	Reason     string        `json:"reason"`
	ReversedOn calendar.Date `json:"reversed_on"`
	Lines      []LineExcerpt `json:"lines"`
}

// Evolve folds one payer event into the participant's view and returns what
// of it concerns them: an excerpt (AssessedExcerpt, PaymentExcerpt,
// ReversalExcerpt), the event itself (a penalty or a closing of a month they
// are billed in: nothing of other participants in it), or nil.
func (v MemberBills) Evolve(e event.Event) (MemberBills, any) {
	switch e := e.(type) {
	case *ContributionsAssessed:
		return v.assessed(e.Period, e.DueDate, e.RuleBook, e.Lines, e.Total.Decimal)
	case *ContributionsBilled:
		return v, nil // its lines, and its total with them, come in its parts
	case *BillLinesRecorded:
		return v.assessed(e.Period, e.DueDate, e.RuleBook, e.Lines, e.Total.Decimal)
	case *PaymentReceived:
		next, lines := v.allocate(e.PaymentID, e.PaidOn, e.Allocations, 1)
		if len(lines) == 0 {
			return next, nil
		}
		return next, &PaymentExcerpt{PaymentID: e.PaymentID, Amount: e.Amount, PaidOn: e.PaidOn, BankReference: e.BankReference, Lines: lines}
	case *PaymentReversed:
		next, lines := v.allocate(e.PaymentID, e.ReversedOn, e.Allocations, -1)
		if len(lines) == 0 {
			return next, nil
		}
		return next, &ReversalExcerpt{PaymentID: e.PaymentID, Reason: e.Reason, ReversedOn: e.ReversedOn, Lines: lines}
	case *LatePenaltyAssessed:
		if v.touched[e.PaymentID+"/"+e.Period.String()] {
			return v, e
		}
	case *PeriodClosed:
		if month, ok := v.months[e.Period]; ok && month.billedOn {
			next := v.clone()
			month.closed = true
			next.months[e.Period] = month
			return next, e
		}
	}
	return v, nil
}

// assessed folds lines of a bill (a whole ContributionsAssessed or one part
// of a bill's stream, in billing order) and their total.
func (v MemberBills) assessed(period calendar.Period, dueDate calendar.Date, ruleBook string, lines []BillLine, total decimal.Decimal) (MemberBills, any) {
	next := v.clone()
	month := next.months[period]
	var excerpt any
	running := month.billed
	for _, line := range lines {
		// A construction worker's line is the line of the project that covers them.
		if (line.ParticipantID == v.ParticipantID || slices.Contains(line.Workers, v.ParticipantID)) && !month.billedOn {
			month.billedOn, month.before, month.line, month.dueDate = true, running, line, dueDate
			excerpt = &AssessedExcerpt{Period: period, DueDate: dueDate, RuleBook: ruleBook, Line: line}
		}
		running = running.Add(line.Total.Decimal)
	}
	if month.dueDate.IsZero() {
		month.dueDate = dueDate
	}
	month.billed = month.billed.Add(total)
	next.months[period] = month
	return next, excerpt
}

// allocate adds (sign 1) or takes off (sign -1) a payment's allocations and
// lists those that reached the participant's line.
func (v MemberBills) allocate(paymentID string, on calendar.Date, allocations []Allocation, sign int64) (MemberBills, []LineExcerpt) {
	next := v.clone()
	var lines []LineExcerpt
	for _, allocation := range allocations {
		month := next.months[allocation.Period]
		amount := allocation.Amount.Decimal.Mul(decimal.NewFromInt(sign))
		a0, a1 := month.allocated, month.allocated.Add(amount)
		month.allocated = a1
		if month.billedOn {
			if reached := month.reach(decimal.Min(a0, a1), decimal.Max(a0, a1)); reached.IsPositive() {
				paid := !month.covered().GreaterThan(a1)
				switch {
				case paid && month.paidOn.IsZero():
					month.paidOn = on
				case !paid:
					month.paidOn = calendar.Date{}
				}
				lines = append(lines, LineExcerpt{Period: allocation.Period, Amount: command.Money{Decimal: reached},
					LineTotal: month.line.Total, Paid: paid})
				next.touched[paymentID+"/"+allocation.Period.String()] = true
			}
		}
		next.months[allocation.Period] = month
	}
	return next, lines
}

// clone copies the maps so Evolve never changes a view the caller still holds.
func (v MemberBills) clone() MemberBills {
	next := MemberBills{ParticipantID: v.ParticipantID, months: make(map[calendar.Period]memberMonth, len(v.months)+1),
		touched: make(map[string]bool, len(v.touched)+1)}
	for period, month := range v.months {
		next.months[period] = month
	}
	for key, value := range v.touched {
		next.touched[key] = value
	}
	return next
}
