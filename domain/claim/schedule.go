package claim

import (
	"strconv"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

// PayoutScheduled: a payout of an approved claim is due: the whole benefit
// (by the service deadline), or one school year of a scholarship (from the
// school year's first day). A scheduled payout is a plan, not money moved:
// PayoutRecorded is the disbursement. Scheduling the same payout again with
// another amount (a tranche of that year skipped meanwhile) replaces it.
type PayoutScheduled struct {
	PayoutID    string        `json:"payout_id"`
	Amount      command.Money `json:"amount"`
	DueOn       calendar.Date `json:"due_on"`
	SchoolYear  int           `json:"school_year,omitempty"`
	ScheduledOn calendar.Date `json:"scheduled_on"`
}

func (PayoutScheduled) EventType() string           { return "PayoutScheduled" }
func (e PayoutScheduled) OccurredOn() calendar.Date { return e.ScheduledOn }

// ScheduledPayoutID names the payout scheduled for a claim: the school year of
// a scholarship, "benefit" for any other claim. Deterministic, so a process
// manager that schedules twice finds the first one.
func ScheduledPayoutID(claimID string, schoolYear int) string {
	if schoolYear == 0 {
		return claimID + ":benefit"
	}
	return claimID + ":" + strconv.Itoa(schoolYear)
}

// SchedulePayout decides SchedulePayout: the next payout the claim owes, or
// nothing when that payout is scheduled already with the same amount, or
// nothing is left to pay. schoolYearStart is the rule book's first day of a
// school year.
func SchedulePayout(state State, c *command.SchedulePayout, schoolYearStart func(int) calendar.Date, today calendar.Date) ([]event.Event, error) {
	if state.Filed == nil {
		return nil, &problem.Error{Kind: problem.NotFound, Code: "claim_not_found", Field: "claim_id", Message: "no claim " + c.ClaimID + " is filed"}
	}
	if state.Rejected != nil {
		return nil, &problem.Error{Kind: problem.Conflict, Code: "claim_rejected", Field: "claim_id", Message: "claim " + c.ClaimID + " was rejected: " + state.Rejected.Reason}
	}
	if state.Approved == nil {
		return nil, &problem.Error{Kind: problem.Conflict, Code: "claim_not_approved", Field: "claim_id", Message: "claim " + c.ClaimID + " is not approved; nothing to schedule"}
	}
	on, err := decidedOn(state, "scheduled_on", c.ScheduledOn, today)
	if err != nil {
		return nil, err
	}
	next, ok := state.nextPayout(c.ClaimID, schoolYearStart)
	if !ok {
		return nil, nil
	}
	if existing, found := state.Scheduled[next.PayoutID]; found && existing.Amount.Equal(next.Amount.Decimal) {
		return nil, nil
	}
	next.ScheduledOn = on
	return []event.Event{&next}, nil
}

// nextPayout is the payout the claim owes next, without ScheduledOn.
func (s State) nextPayout(claimID string, schoolYearStart func(int) calendar.Date) (PayoutScheduled, bool) {
	if s.Filed.Programme != "SCHOLARSHIP" {
		id := ScheduledPayoutID(claimID, 0)
		if existing, found := s.Scheduled[id]; found {
			return existing, true // scheduled once, for the whole benefit
		}
		if !s.Outstanding().IsPositive() {
			return PayoutScheduled{}, false // paid before it was scheduled
		}
		return PayoutScheduled{PayoutID: id, Amount: command.Money{Decimal: s.Outstanding()}, DueOn: s.Approved.DueBy}, true
	}
	schedule, _ := s.Schedule()
	year := 0
	for _, tranche := range schedule {
		if tranche.Status == TrancheScheduled && (year == 0 || tranche.SchoolYear < year) {
			year = tranche.SchoolYear
		}
	}
	if year == 0 {
		return PayoutScheduled{}, false
	}
	due, _ := s.dueInYear(year)
	dueOn := schoolYearStart(year)
	if dueOn.Before(s.Approved.DueBy) {
		dueOn = s.Approved.DueBy // a school year already under way is paid by the service deadline
	}
	return PayoutScheduled{PayoutID: ScheduledPayoutID(claimID, year), Amount: command.Money{Decimal: due}, DueOn: dueOn, SchoolYear: year}, true
}
