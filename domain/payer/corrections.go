package payer

import (
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

// PaymentReversed: a recorded payment is undone; nothing is edited. Its
// allocations come off the bills they went to (or off the open month named
// when that bill's month is closed), and its credit and penalties with it.
type PaymentReversed struct {
	PaymentID       string        `json:"payment_id"`
	ReversedEventID string        `json:"reversed_event_id"`
	Reason          string        `json:"reason"`
	Note            string        `json:"note,omitempty"`
	Amount          command.Money `json:"amount"`
	Allocations     []Allocation  `json:"allocations"`
	Credit          command.Money `json:"credit"`
	Penalties       command.Money `json:"penalties"`
	ReversedOn      calendar.Date `json:"reversed_on"`
}

// PeriodClosed: the payer's month is closed; corrections post into an open month.
type PeriodClosed struct {
	Period   calendar.Period `json:"period"`
	ClosedOn calendar.Date   `json:"closed_on"`
}

func (PaymentReversed) EventType() string           { return "PaymentReversed" }
func (PeriodClosed) EventType() string              { return "PeriodClosed" }
func (e PaymentReversed) OccurredOn() calendar.Date { return e.ReversedOn }
func (e PeriodClosed) OccurredOn() calendar.Date    { return e.Period.LastDay() }

// ClosePeriod decides ClosePeriod; closing twice decides nothing.
func ClosePeriod(state State, c *command.ClosePeriod, today calendar.Date) ([]event.Event, error) {
	if err := requireRegistered(state); err != nil {
		return nil, err
	}
	if state.Closed[c.Period] {
		return nil, nil
	}
	on := command.BusinessDate(c.ClosedOn, today)
	if !c.Period.LastDay().Before(on) {
		if !c.ClosedOn.IsZero() {
			return nil, problem.Field("closed_on", "period_not_over", "%s is not after the end of %s", on, c.Period)
		}
		return nil, problem.Field("period", "period_not_over", "%s is not over yet", c.Period)
	}
	return []event.Event{&PeriodClosed{Period: c.Period, ClosedOn: on}}, nil
}

// Open refuses a decision dated inside a month the payer has closed (a bill,
// a payment, a decision on a claim of one of its participants): a closed
// month takes only corrections (Reverse), which post into an open month.
func (s State) Open(field string, on calendar.Date) error {
	if s.Closed[on.Period()] {
		return problem.Field(field, "period_closed", "%s falls in %s, which payer %s has closed: only a correction (Reverse) touches a closed month", on, on.Period(), s.ID)
	}
	return nil
}

// ReversePayment decides Reverse for a PaymentReceived event.
func ReversePayment(state State, original *PaymentReceived, eventID string, c *command.Reverse, today calendar.Date) ([]event.Event, error) {
	if reversal, ok := state.Reversed[original.PaymentID]; ok {
		if reversal.Reason == c.Reason {
			return nil, nil
		}
		return nil, &problem.Error{Kind: problem.Conflict, Code: "already_reversed", Field: "event_id", Message: "payment " + original.PaymentID + " is reversed already"}
	}
	on := command.BusinessDate(c.ReversedOn, today)
	if on.Before(original.PaidOn) {
		return nil, problem.Field("reversed_on", "before_payment", "%s is before the payment on %s", on, original.PaidOn)
	}
	reversed := &PaymentReversed{PaymentID: original.PaymentID, ReversedEventID: eventID, Reason: c.Reason, Note: c.Note, Amount: original.Amount,
		Credit: original.Credit, Penalties: command.Money{Decimal: state.PenaltyOf[original.PaymentID]}, ReversedOn: on}
	for _, allocation := range original.Allocations {
		target := allocation.Period
		if state.Closed[target] {
			if c.PostToPeriod.IsZero() {
				return nil, problem.Field("post_to_period", "period_closed", "%s is closed: name an open month to post the correction into", target)
			}
			target = c.PostToPeriod
		}
		if state.Closed[target] || state.Bills[target] == nil {
			return nil, problem.Field("post_to_period", "period_not_open", "%s is not an open, billed month of this payer", target)
		}
		reversed.Allocations = append(reversed.Allocations, Allocation{Period: target, Amount: allocation.Amount})
	}
	if state.Credit.LessThan(original.Credit.Decimal) {
		return nil, &problem.Error{Kind: problem.Conflict, Code: "credit_used", Field: "event_id",
			Message: "the credit this payment left has been used since; reverse the later payments first"}
	}
	return []event.Event{reversed}, nil
}
