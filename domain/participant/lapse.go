package participant

import (
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/event"
)

// MembershipInactive: a non-wage earner left the given number of consecutive
// months unpaid; from FromPeriod the member is not billed and not covered.
type MembershipInactive struct {
	FromPeriod    calendar.Period   `json:"from_period"`
	UnpaidPeriods []calendar.Period `json:"unpaid_periods"`
}

// MembershipReactivated: a payment arrived for a month; billing and cover resume from it.
type MembershipReactivated struct {
	FromPeriod calendar.Period `json:"from_period"`
}

func (MembershipInactive) EventType() string              { return "MembershipInactive" }
func (MembershipReactivated) EventType() string           { return "MembershipReactivated" }
func (e MembershipInactive) OccurredOn() calendar.Date    { return e.FromPeriod.FirstDay() }
func (e MembershipReactivated) OccurredOn() calendar.Date { return e.FromPeriod.FirstDay() }

// DecideLapse is the billing run's check on a non-wage earner before period:
// the unpaid-months rule (docs/rulebook.md#non-wage-earners-bpu: after 3 consecutive unpaid months the
// membership becomes inactive) and reactivation by a month paid since.
// billed and paid tell, for a month, whether it was billed and is paid now.
func DecideLapse(state State, period calendar.Period, unpaidMonthsMax int, billed, paid func(calendar.Period) bool) []event.Event {
	if state.Segment != "BPU" || unpaidMonthsMax < 1 {
		return nil
	}
	if state.Inactive != nil {
		// Any month billed before the lapse and paid since reactivates, from this period on.
		for _, month := range state.Inactive.UnpaidPeriods {
			if billed(month) && paid(month) {
				return []event.Event{&MembershipReactivated{FromPeriod: period}}
			}
		}
		return nil
	}
	var unpaid []calendar.Period
	for back := unpaidMonthsMax; back >= 1; back-- {
		month := period.AddMonths(-back)
		if !billed(month) || paid(month) {
			return nil
		}
		unpaid = append(unpaid, month)
	}
	return []event.Event{&MembershipInactive{FromPeriod: period, UnpaidPeriods: unpaid}}
}
