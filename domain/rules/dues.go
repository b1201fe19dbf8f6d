package rules

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/money"
)

// nonWorkingRunMax bounds the search for a working day: no run of weekends and
// holidays is longer.
const nonWorkingRunMax = 31

// DueDate is the day a segment's contribution for period p is due. PU: the
// 15th of the following month, moved to the next working day; BPU: the 15th
// of the month itself; pp49-2020: the 30th of the following month (the last
// day in a shorter month), moved to the working day before. Saturdays,
// Sundays and the listed holidays are not working days.
func (b *Book) DueDate(segment Segment, p calendar.Period) calendar.Date {
	rule, ok := b.due[segment]
	if !ok {
		rule = b.due[SegmentPU]
	}
	month := p.AddMonths(rule.monthOffset)
	day := min(rule.day, month.LastDay().Day())
	due := calendar.NewDate(month.Year(), month.Month(), day)
	switch rule.nonWorkingDay {
	case rollNext:
		return b.nearestWorkingDay(due, 1)
	case rollPrevious:
		return b.nearestWorkingDay(due, -1)
	}
	return due
}

// IsWorkingDay reports whether d is neither a weekend day nor a listed holiday.
func (b *Book) IsWorkingDay(d calendar.Date) bool { return isWorkingDay(b.holidays, d) }

func isWorkingDay(holidays map[string]bool, d calendar.Date) bool {
	weekday := d.Time().Weekday()
	return weekday != time.Saturday && weekday != time.Sunday && !holidays[d.String()]
}

// nonWorkingRun counts the days without work from d on, up to nonWorkingRunMax.
func nonWorkingRun(holidays map[string]bool, d calendar.Date) int {
	run := 0
	for run < nonWorkingRunMax && !isWorkingDay(holidays, d) {
		run++
		d = d.AddDays(1)
	}
	return run
}

func (b *Book) nearestWorkingDay(d calendar.Date, step int) calendar.Date {
	for range nonWorkingRunMax {
		if b.IsWorkingDay(d) {
			return d
		}
		d = d.AddDays(step)
	}
	// Parse refuses a holiday list with so long a run, so this is a broken invariant.
	panic(fmt.Sprintf("rules: no working day within %d days of %s", nonWorkingRunMax, d))
}

// ServiceDeadline is the day BPJS must pay a complete claim of a programme
// received on day received: 3 working days for JKM, 7 for JKK (policy).
func (b *Book) ServiceDeadline(programme string, received calendar.Date) calendar.Date {
	days, ok := b.serviceWorkingDays[programme]
	if !ok {
		days = b.serviceWorkingDaysDefault
	}
	d := received
	for range days {
		d = b.nearestWorkingDay(d.AddDays(1), 1)
	}
	return d
}

// Penalty is a late-payment penalty on an unpaid contribution.
type Penalty struct {
	RuleBook   string
	MonthsLate int
	Rate       string // per month late, "2%"
	Amount     decimal.Decimal
	Basis      string // "2% × 1 month × Rp300.000"
}

// LatePenalty is the employer's penalty (PU) on a contribution unpaid at its
// due date and paid on paid: rate × months late × unpaid, rounded half up.
// Months are counted by calendar month after the due date's month; a late
// payment inside the due month is one started month (docs/rulebook.md worked example
// 10: due 2024-05-15, paid 2024-06-20 is one month).
func (b *Book) LatePenalty(unpaid decimal.Decimal, due, paid calendar.Date) (Penalty, error) {
	return b.LatePenaltyFor(SegmentPU, unpaid, due, paid)
}

// LatePenaltyFor is LatePenalty for a segment; a segment the rule book sets no
// penalty for (BPU) gets a zero penalty.
func (b *Book) LatePenaltyFor(segment Segment, unpaid decimal.Decimal, due, paid calendar.Date) (Penalty, error) {
	switch {
	case unpaid.IsNegative():
		return Penalty{}, fieldError("unpaid", "must not be negative")
	case due.IsZero():
		return Penalty{}, fieldError("due_date", "is required")
	case paid.IsZero():
		return Penalty{}, fieldError("paid_on", "is required")
	}
	rate := b.penalty.percentPerMonth
	if !b.penalty.segments[segment] {
		return Penalty{RuleBook: b.id, Rate: "0%", Amount: decimal.Zero, Basis: fmt.Sprintf("no late penalty for %s", segment)}, nil
	}
	if !paid.After(due) {
		return Penalty{RuleBook: b.id, Rate: percentText(rate), Amount: decimal.Zero, Basis: "paid on time"}, nil
	}
	months := max(1, due.Period().MonthsUntil(paid.Period()))
	amount := money.RoundRupiah(unpaid.Mul(rate.Shift(-2)).Mul(decimal.NewFromInt(int64(months))))
	return Penalty{RuleBook: b.id, MonthsLate: months, Rate: percentText(rate), Amount: amount,
		Basis: fmt.Sprintf("%s × %d %s × %s", percentText(rate), months, plural(months, "month"), money.FormatIDR(unpaid))}, nil
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
