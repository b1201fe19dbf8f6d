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

// Dated is a command with business dates. The command path calls CheckDates
// with today after Validate: no fact is dated after today, and a change
// takes effect at most MaxMonthsAhead ahead. The domain never reads a clock.
type Dated interface {
	CheckDates(today calendar.Date) error
}

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
	return checkMagnitude(field, amount)
}

// checkMagnitude is checkAmount for a signed amount.
func checkMagnitude(field string, amount decimal.Decimal) error {
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

// CheckDates: a payment is recorded once received.
func (c *RecordPayment) CheckDates(today calendar.Date) error {
	return notAfter("paid_on", c.PaidOn, today)
}

// CheckDates: a payout is recorded once made.
func (c *RecordPayout) CheckDates(today calendar.Date) error {
	return notAfter("paid_on", c.PaidOn, today)
}

// CheckDates: a death is reported once it happened.
func (c *ReportDeath) CheckDates(today calendar.Date) error { return notAfter("date", c.Date, today) }

// CheckDates: an accident is reported once it happened, and not later than today.
func (c *ReportAccident) CheckDates(today calendar.Date) error {
	return firstError(notAfter("date", c.Date, today), notAfter("reported_on", c.ReportedOn, today))
}

// CheckDates: a membership ends on a day that has come (the event says it ended).
func (c *EndMembership) CheckDates(today calendar.Date) error { return notAfter("date", c.Date, today) }

// BusinessDate is a command's optional business date: the date given, or
// today when none is (the day the fact is recorded).
func BusinessDate(given, today calendar.Date) calendar.Date {
	if given.IsZero() {
		return today
	}
	return given
}

// CheckDates: a claim's incident and its children's births have happened,
// and the claim was filed on or after the incident, not after today.
func (c *FileClaim) CheckDates(today calendar.Date) error {
	if err := firstError(notAfter("incident_date", c.IncidentDate, today), notAfter("filed_on", c.FiledOn, today)); err != nil {
		return err
	}
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

// CheckDates: a payer is registered on a day that has come.
func (c *RegisterPayer) CheckDates(today calendar.Date) error {
	return notAfter("registered_on", c.RegisteredOn, today)
}

// CheckDates: a participant is registered on a day that has come, once born.
func (c *RegisterParticipant) CheckDates(today calendar.Date) error {
	if err := notAfter("registered_on", c.RegisteredOn, today); err != nil {
		return err
	}
	if !c.RegisteredOn.IsZero() && c.RegisteredOn.Before(c.BirthDate) {
		return problem.Field("registered_on", "before_birth", "%s is before the birth date %s", c.RegisteredOn, c.BirthDate)
	}
	return nil
}

// CheckDates: a reversal is recorded on a day that has come.
func (c *Reverse) CheckDates(today calendar.Date) error {
	return notAfter("reversed_on", c.ReversedOn, today)
}

// CheckDates: a month is closed on a day that has come.
func (c *ClosePeriod) CheckDates(today calendar.Date) error {
	return notAfter("closed_on", c.ClosedOn, today)
}

// CheckDates: a return is credited on a day that has come.
func (c *CreditJHTReturn) CheckDates(today calendar.Date) error {
	return notAfter("credited_on", c.CreditedOn, today)
}

// CheckDates: a claim is approved on a day that has come.
func (c *ApproveClaim) CheckDates(today calendar.Date) error {
	return notAfter("approved_on", c.ApprovedOn, today)
}

// CheckDates: a claim is rejected on a day that has come.
func (c *RejectClaim) CheckDates(today calendar.Date) error {
	return notAfter("rejected_on", c.RejectedOn, today)
}

// CheckDates: an enrollment may be planned at most MaxMonthsAhead ahead.
func (c *Enroll) CheckDates(today calendar.Date) error {
	return notFarAhead("effective_date", c.EffectiveDate, today)
}

// CheckDates: a wage change may be planned at most MaxMonthsAhead ahead.
func (c *ChangeWage) CheckDates(today calendar.Date) error {
	return notFarAhead("effective_date", c.EffectiveDate, today)
}

// CheckDates: a payer change may be planned at most MaxMonthsAhead ahead.
func (c *ChangePayer) CheckDates(today calendar.Date) error {
	return notFarAhead("effective_date", c.EffectiveDate, today)
}

// CheckDates: a month is billed once it has begun; non-wage earners, whose
// contribution is due by the 15th of the month itself (docs/rulebook.md), also the
// next one (payer.Assess then bills only them).
func (c *AssessContributions) CheckDates(today calendar.Date) error {
	if err := notAfter("assessed_on", c.AssessedOn, today); err != nil {
		return err
	}
	if next := today.Period().Next(); c.Period.After(next) {
		return problem.Field("period", "future_period", "%s is after %s: a month is billed once it has begun (non-wage earners one month ahead)", c.Period, next)
	}
	return nil
}

// CheckDates: a bank statement lists what has happened.
func (c *ReconcileStatement) CheckDates(today calendar.Date) error {
	err := firstError(notAfter("period_from", c.PeriodFrom, today), notAfter("period_to", c.PeriodTo, today), notAfter("reconciled_on", c.ReconciledOn, today))
	if err != nil {
		return err
	}
	for i, line := range c.Lines.Items {
		if err := notAfter("lines["+itoa(i)+"].date", line.Date, today); err != nil {
			return err
		}
	}
	return nil
}

// CheckDates: a tranche is skipped on a day that has come.
func (c *SkipScholarshipTranche) CheckDates(today calendar.Date) error {
	return notAfter("skipped_on", c.SkippedOn, today)
}

// CheckDates: a scholarship is ended on a day that has come.
func (c *EndScholarship) CheckDates(today calendar.Date) error {
	return notAfter("ended_on", c.EndedOn, today)
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
