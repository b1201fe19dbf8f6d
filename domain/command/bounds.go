package command

import (
	"encoding/json"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/money"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

// Bounds of the vocabulary that keep every event the domain accepts
// decodable and projectable (docs/events.md, "Bounds"). Money has its own
// (money.MaxAmountRupiah); dates lie between calendar.MinDate and MaxDate.
const (
	// MaxMonthsAhead is how far ahead a change may take effect (an
	// enrollment, a wage or payer change): the longest advance payment the
	// rule book allows a non-wage earner (12 months).
	MaxMonthsAhead = 12
	// MaxLineNumber bounds a bank line's number, stored in an integer column.
	MaxLineNumber = 1_000_000_000
)

// decodeInput reads, strictly, the leaf types whose stored form an event
// decodes leniently: money, dates and periods. A command is input and is
// judged (range, sign, precision); an event in the log never is again.
// handled is false for every other type.
func decodeInput(raw json.RawMessage, target any) (handled bool, err error) {
	switch target := target.(type) {
	case *calendar.Date:
		*target, err = calendar.DecodeInputDate(raw)
	case *calendar.Period:
		*target, err = calendar.DecodeInputPeriod(raw)
	case *Money:
		err = target.decodeInput(raw)
	case *SignedMoney:
		err = target.decodeInput(raw)
	default:
		return false, nil
	}
	return true, err
}

// checkAmount bounds an amount every command path may build (JSON, CSV, Go):
// at most money.MaxAmount and two decimals, never negative.
func checkAmount(field string, amount decimal.Decimal) error {
	if amount.IsNegative() {
		return problem.Field(field, "negative_amount", "must not be negative")
	}
	return CheckMagnitude(field, amount)
}

// CheckMagnitude is checkAmount for a signed amount (a bank line parser holds
// its lines to it too, so what it accepts ReconcileStatement takes).
func CheckMagnitude(field string, amount decimal.Decimal) error {
	if amount.Abs().GreaterThan(money.MaxAmount()) {
		return problem.Field(field, "amount_too_large", "%s is more than the largest amount a command may carry, %s",
			money.FormatIDR(amount), money.FormatIDR(money.MaxAmount()))
	}
	if !amount.Equal(amount.Round(2)) {
		return problem.Field(field, "invalid_money", "at most two decimals (sen)")
	}
	return nil
}

// notAfter refuses a business date after today.
func notAfter(field string, date, today calendar.Date) error {
	if date.After(today) {
		return problem.Field(field, "future_date", "%s is after today (%s): record a fact once it has happened", date, today)
	}
	return nil
}

// notFarAhead refuses a change taking effect more than MaxMonthsAhead after today.
func notFarAhead(field string, date, today calendar.Date) error {
	if limit := today.AddMonths(MaxMonthsAhead); date.After(limit) {
		return problem.Field(field, "too_far_ahead", "%s is more than %d months after today (%s)", date, MaxMonthsAhead, today)
	}
	return nil
}

// CheckDates judges a command's business dates against today, after
// Validate: no fact is dated after today (future_date), a change takes
// effect at most MaxMonthsAhead ahead (too_far_ahead), and the dates of one
// command keep the story's order. The domain never reads a clock; the
// command path passes today in.
func CheckDates(c Command, today calendar.Date) error {
	for _, d := range factDates(c) {
		if err := notAfter(d.field, d.date, today); err != nil {
			return err
		}
	}
	for _, d := range changeDates(c) {
		if err := notFarAhead(d.field, d.date, today); err != nil {
			return err
		}
	}
	if ordered, ok := c.(interface {
		checkOrder(today calendar.Date) error
	}); ok {
		return ordered.checkOrder(today)
	}
	return nil
}

// namedDate is a command's date and the field it came from.
type namedDate struct {
	field string
	date  calendar.Date
}

// factDates are the dates a command records a fact on: a payment or payout
// made, a death, an accident and its report, the end of a membership, an
// incident, a bank statement, and every optional business date of a
// registration, a decision or a correction (zero when omitted: today).
func factDates(c Command) []namedDate {
	switch c := c.(type) {
	case *RecordPayment:
		return []namedDate{{"paid_on", c.PaidOn}}
	case *RecordPayout:
		return []namedDate{{"paid_on", c.PaidOn}}
	case *ReportDeath:
		return []namedDate{{"date", c.Date}}
	case *ReportAccident:
		return []namedDate{{"date", c.Date}, {"reported_on", c.ReportedOn}}
	case *EndMembership:
		return []namedDate{{"date", c.Date}}
	case *FileClaim:
		return []namedDate{{"incident_date", c.IncidentDate}, {"filed_on", c.FiledOn}}
	case *RegisterPayer:
		return []namedDate{{"registered_on", c.RegisteredOn}}
	case *RegisterParticipant:
		return []namedDate{{"registered_on", c.RegisteredOn}}
	case *RegisterProject:
		return []namedDate{{"registered_on", c.RegisteredOn}}
	case *Reverse:
		return []namedDate{{"reversed_on", c.ReversedOn}}
	case *ClosePeriod:
		return []namedDate{{"closed_on", c.ClosedOn}}
	case *CreditJHTReturn:
		return []namedDate{{"credited_on", c.CreditedOn}}
	case *ApproveClaim:
		return []namedDate{{"approved_on", c.ApprovedOn}}
	case *RejectClaim:
		return []namedDate{{"rejected_on", c.RejectedOn}}
	case *AssessContributions:
		return []namedDate{{"assessed_on", c.AssessedOn}}
	case *SkipScholarshipTranche:
		return []namedDate{{"skipped_on", c.SkippedOn}}
	case *EndScholarship:
		return []namedDate{{"ended_on", c.EndedOn}}
	case *SchedulePayout:
		return []namedDate{{"scheduled_on", c.ScheduledOn}}
	case *ReconcileStatement:
		dates := []namedDate{{"period_from", c.PeriodFrom}, {"period_to", c.PeriodTo}, {"reconciled_on", c.ReconciledOn}}
		for i, line := range c.Lines.Items {
			dates = append(dates, namedDate{"lines[" + itoa(i) + "].date", line.Date})
		}
		return dates
	}
	return nil
}

// changeDates are the dates a change takes effect on, which may be planned
// at most MaxMonthsAhead ahead: an enrollment, a wage or payer change, the
// start of a project.
func changeDates(c Command) []namedDate {
	switch c := c.(type) {
	case *Enroll:
		return []namedDate{{"effective_date", c.EffectiveDate}}
	case *ChangeWage:
		return []namedDate{{"effective_date", c.EffectiveDate}}
	case *ChangePayer:
		return []namedDate{{"effective_date", c.EffectiveDate}}
	case *RegisterProject:
		return []namedDate{{"start_on", c.StartOn}}
	}
	return nil
}

// BusinessDate is a command's optional business date: the date given, or
// today when none is (the day the fact is recorded).
func BusinessDate(given, today calendar.Date) calendar.Date {
	if given.IsZero() {
		return today
	}
	return given
}

// checkOrder: a claim is filed on or after its incident, and its children are born.
func (c *FileClaim) checkOrder(today calendar.Date) error {
	if !c.FiledOn.IsZero() && c.FiledOn.Before(c.IncidentDate) {
		return problem.Field("filed_on", "before_incident", "%s is before the incident on %s: a claim is filed after its incident", c.FiledOn, c.IncidentDate)
	}
	if c.Details == nil {
		return nil
	}
	for i, child := range c.Details.Children {
		if err := notAfter("details.children["+itoa(i)+"].birth_date", child.BirthDate, today); err != nil {
			return err
		}
	}
	return nil
}

// checkOrder: a participant is registered once born.
func (c *RegisterParticipant) checkOrder(calendar.Date) error {
	if !c.RegisteredOn.IsZero() && c.RegisteredOn.Before(c.BirthDate) {
		return problem.Field("registered_on", "before_birth", "%s is before the birth date %s", c.RegisteredOn, c.BirthDate)
	}
	return nil
}

// checkOrder: a month is billed once it has begun; non-wage earners, whose
// contribution is due by the 15th of the month itself (docs/rulebook.md), also the
// next one (payer.Assess then bills only them).
func (c *AssessContributions) checkOrder(today calendar.Date) error {
	if next := today.Period().Next(); c.Period.After(next) {
		return problem.Field("period", "future_period", "%s is after %s: a month is billed once it has begun (non-wage earners one month ahead)", c.Period, next)
	}
	return nil
}

// DuplicateChild finds a child listed under the name of an earlier one, case
// and spacing aside: the name is how a scholarship's tranches, its read model
// and SkipScholarshipTranche / EndScholarship name a child, so one name is one child.
func (d *Details) DuplicateChild() (later, earlier int, found bool) {
	seen := make(map[string]int, len(d.Children))
	for i, child := range d.Children {
		key := strings.ToLower(strings.Join(strings.Fields(child.FullName), " "))
		if first, taken := seen[key]; taken {
			return i, first, true
		}
		seen[key] = i
	}
	return 0, 0, false
}
