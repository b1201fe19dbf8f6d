package claim

import (
	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/domain/money"
	"github.com/tanahbumbu/jaminan/domain/problem"
	"github.com/tanahbumbu/jaminan/domain/rules"
)

// TrancheSkipped: one child's tranche for one school year will not be paid.
type TrancheSkipped struct {
	Child      string        `json:"child"`
	SchoolYear int           `json:"school_year"`
	Reason     string        `json:"reason"`
	Amount     command.Money `json:"amount"`
	SkippedOn  calendar.Date `json:"skipped_on"`
}

// ScholarshipEnded: a child's remaining tranches are cancelled from a school year on.
type ScholarshipEnded struct {
	Child          string        `json:"child"`
	FromSchoolYear int           `json:"from_school_year"`
	Reason         string        `json:"reason"`
	Amount         command.Money `json:"amount"`
	EndedOn        calendar.Date `json:"ended_on"`
}

func (TrancheSkipped) EventType() string             { return "ScholarshipTrancheSkipped" }
func (ScholarshipEnded) EventType() string           { return "ScholarshipEnded" }
func (e TrancheSkipped) OccurredOn() calendar.Date   { return e.SkippedOn }
func (e ScholarshipEnded) OccurredOn() calendar.Date { return e.EndedOn }

// Tranche statuses.
const (
	TrancheScheduled = "scheduled"
	TranchePaid      = "paid"
	TrancheSkippedAs = "skipped"
	TrancheEnded     = "ended"
)

// ScheduledTranche is a tranche with its status now.
type ScheduledTranche struct {
	Tranche
	Status string `json:"status"`
}

// Schedule lists every tranche of a scholarship claim with its status; the
// commitment outstanding is the sum of those still scheduled.
func (s State) Schedule() ([]ScheduledTranche, decimal.Decimal) {
	if s.Approved == nil {
		return nil, decimal.Zero
	}
	outstanding := decimal.Zero
	schedule := make([]ScheduledTranche, 0, len(s.Approved.Tranches))
	for _, tranche := range s.Approved.Tranches {
		status := TrancheScheduled
		switch {
		case s.paidYears[tranche.SchoolYear] && !s.skipped[trancheKey(tranche.Child, tranche.SchoolYear)]:
			status = TranchePaid
		case s.skipped[trancheKey(tranche.Child, tranche.SchoolYear)]:
			status = TrancheSkippedAs
		case s.endedFrom[tranche.Child] != 0 && tranche.SchoolYear >= s.endedFrom[tranche.Child]:
			status = TrancheEnded
		default:
			outstanding = outstanding.Add(tranche.Amount.Decimal)
		}
		schedule = append(schedule, ScheduledTranche{Tranche: tranche, Status: status})
	}
	return schedule, outstanding
}

func trancheKey(child string, schoolYear int) string {
	return child + "\x00" + decimal.NewFromInt(int64(schoolYear)).String()
}

// dueInYear is what a payout for a school year must pay: the year's scheduled tranches.
func (s State) dueInYear(schoolYear int) (decimal.Decimal, int) {
	schedule, _ := s.Schedule()
	due, count := decimal.Zero, 0
	for _, tranche := range schedule {
		if tranche.SchoolYear == schoolYear && tranche.Status == TrancheScheduled {
			due = due.Add(tranche.Amount.Decimal)
			count++
		}
	}
	return due, count
}

// checkScholarshipPayout: a scholarship payout names its school year, is
// paid no earlier than the start of the school year before it (a tranche
// may go ahead of its year, for enrolment, but not years ahead: the child
// may not be at school then), and pays exactly its tranches.
func checkScholarshipPayout(state State, c *command.RecordPayout, library *rules.Library) error {
	if state.Filed.Programme != "SCHOLARSHIP" {
		if c.SchoolYear != 0 {
			return problem.Field("school_year", "unexpected_field", "only scholarship payouts name a school year")
		}
		return nil
	}
	if c.SchoolYear == 0 {
		return problem.Field("school_year", "missing_field", "a scholarship payout names the school year it pays (e.g. 2024 for 2024/2025)")
	}
	due, count := state.dueInYear(c.SchoolYear)
	if count == 0 {
		return problem.Field("school_year", "nothing_scheduled", "no tranche is scheduled for %d/%d", c.SchoolYear, c.SchoolYear+1)
	}
	book, err := library.ForDate(state.Filed.IncidentDate)
	if err != nil {
		return problem.Field("claim_id", "no_rule_book", "%v", err)
	}
	if earliest := book.SchoolYearStart(c.SchoolYear - 1); c.PaidOn.Before(earliest) {
		return problem.Field("paid_on", "tranche_not_due", "the tranches of %d/%d are paid from %s at the earliest (the start of the school year before)",
			c.SchoolYear, c.SchoolYear+1, earliest)
	}
	if !c.Amount.Equal(due) {
		return problem.Field("amount", "amount_mismatch", "the tranches of %d/%d come to %s, not %s", c.SchoolYear, c.SchoolYear+1, money.FormatIDR(due), money.FormatIDR(c.Amount.Decimal))
	}
	return nil
}

// SkipTranche decides SkipScholarshipTranche.
func SkipTranche(state State, c *command.SkipScholarshipTranche, today calendar.Date) ([]event.Event, error) {
	tranche, err := scheduledTranche(state, c.Child, c.SchoolYear)
	if err != nil {
		return nil, err
	}
	if tranche.Status == TrancheSkippedAs {
		return nil, nil
	}
	if tranche.Status != TrancheScheduled {
		return nil, &problem.Error{Kind: problem.Conflict, Code: "tranche_" + tranche.Status, Field: "school_year", Message: "this tranche is " + tranche.Status + " already"}
	}
	on, err := decidedOn(state, "skipped_on", c.SkippedOn, today)
	if err != nil {
		return nil, err
	}
	return []event.Event{&TrancheSkipped{Child: c.Child, SchoolYear: c.SchoolYear, Reason: c.Reason, Amount: tranche.Amount, SkippedOn: on}}, nil
}

// EndScholarshipOf decides EndScholarship: every still-scheduled tranche of the child from that year on is cancelled.
func EndScholarshipOf(state State, c *command.EndScholarship, today calendar.Date) ([]event.Event, error) {
	if _, err := scheduledTranche(state, c.Child, 0); err != nil {
		return nil, err
	}
	if from := state.endedFrom[c.Child]; from != 0 {
		if from == c.FromSchoolYear {
			return nil, nil
		}
		return nil, &problem.Error{Kind: problem.Conflict, Code: "scholarship_ended", Field: "child", Message: "this child's scholarship ended already"}
	}
	on, err := decidedOn(state, "ended_on", c.EndedOn, today)
	if err != nil {
		return nil, err
	}
	schedule, _ := state.Schedule()
	cancelled := decimal.Zero
	for _, tranche := range schedule {
		if tranche.Child == c.Child && tranche.SchoolYear >= c.FromSchoolYear && tranche.Status == TrancheScheduled {
			cancelled = cancelled.Add(tranche.Amount.Decimal)
		}
	}
	return []event.Event{&ScholarshipEnded{Child: c.Child, FromSchoolYear: c.FromSchoolYear, Reason: c.Reason, Amount: command.Money{Decimal: cancelled}, EndedOn: on}}, nil
}

// decidedOn is the business date of a decision on an approved claim (given,
// or today), refused before the approval.
func decidedOn(state State, field string, given, today calendar.Date) (calendar.Date, error) {
	on := command.BusinessDate(given, today)
	if on.Before(state.Approved.ApprovedOn) {
		return calendar.Date{}, problem.Field(field, "before_approval", "%s is before the claim was approved on %s", on, state.Approved.ApprovedOn)
	}
	return on, nil
}

// scheduledTranche finds a child's tranche (any year when schoolYear is 0).
func scheduledTranche(state State, child string, schoolYear int) (ScheduledTranche, error) {
	if state.Approved == nil || state.Filed.Programme != "SCHOLARSHIP" {
		return ScheduledTranche{}, &problem.Error{Kind: problem.Conflict, Code: "not_an_approved_scholarship", Field: "claim_id", Message: "the claim is not an approved scholarship"}
	}
	schedule, _ := state.Schedule()
	for _, tranche := range schedule {
		if tranche.Child == child && (schoolYear == 0 || tranche.SchoolYear == schoolYear) {
			return tranche, nil
		}
	}
	return ScheduledTranche{}, problem.Field("child", "tranche_not_found", "no tranche for this child in %d", schoolYear)
}
