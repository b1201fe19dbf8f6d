package claim

import (
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

// PayoutReversed: a recorded payout is undone (returned by the bank, or wrong).
type PayoutReversed struct {
	PayoutID        string        `json:"payout_id"`
	ReversedEventID string        `json:"reversed_event_id"`
	Reason          string        `json:"reason"`
	Note            string        `json:"note,omitempty"`
	Amount          command.Money `json:"amount"`
	ReversedOn      calendar.Date `json:"reversed_on"`
}

func (PayoutReversed) EventType() string           { return "PayoutReversed" }
func (e PayoutReversed) OccurredOn() calendar.Date { return e.ReversedOn }

// ReversePayout decides Reverse for a PayoutRecorded event.
func ReversePayout(state State, original *PayoutRecorded, eventID string, c *command.Reverse, today calendar.Date) ([]event.Event, error) {
	if reversal, ok := state.Reversed[original.PayoutID]; ok {
		if reversal.Reason == c.Reason {
			return nil, nil
		}
		return nil, &problem.Error{Kind: problem.Conflict, Code: "already_reversed", Field: "event_id", Message: "payout " + original.PayoutID + " is reversed already"}
	}
	on := command.BusinessDate(c.ReversedOn, today)
	if on.Before(original.PaidOn) {
		return nil, problem.Field("reversed_on", "before_payout", "%s is before the payout on %s", on, original.PaidOn)
	}
	return []event.Event{&PayoutReversed{PayoutID: original.PayoutID, ReversedEventID: eventID, Reason: c.Reason, Note: c.Note,
		Amount: original.Amount, ReversedOn: on}}, nil
}
