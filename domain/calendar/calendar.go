// Package calendar has the two business-time types of the rule book: a Date
// (YYYY-MM-DD, no clock, no zone) and a Period (YYYY-MM, a contribution month).
package calendar

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Date is a calendar day. The zero Date is "no date".
type Date struct{ t time.Time }

// Bounds on dates the ledger accepts: nothing before 1900 or after 2199.
var (
	MinDate = NewDate(1900, time.January, 1)
	MaxDate = NewDate(2199, time.December, 31)
)

// ErrDate is returned for text that is not a valid YYYY-MM-DD date in range.
var ErrDate = errors.New("not a date in YYYY-MM-DD form")

// ErrPeriod is returned for text that is not a valid YYYY-MM month in range.
var ErrPeriod = errors.New("not a period in YYYY-MM form")

// NewDate builds a date; it normalises like time.Date.
func NewDate(year int, month time.Month, day int) Date {
	return Date{time.Date(year, month, day, 0, 0, 0, 0, time.UTC)}
}

// DateOf takes the UTC calendar day of t.
func DateOf(t time.Time) Date {
	t = t.UTC()
	return NewDate(t.Year(), t.Month(), t.Day())
}

// ParseDate reads YYYY-MM-DD strictly, between MinDate and MaxDate: what
// input (a command, a query, a file) may name.
func ParseDate(text string) (Date, error) {
	d, err := parseStoredDate(text)
	if err != nil {
		return Date{}, err
	}
	if !d.InRange() {
		return Date{}, fmt.Errorf("%q: %w (between %s and %s)", text, ErrDate, MinDate, MaxDate)
	}
	return d, nil
}

// parseStoredDate reads any YYYY-MM-DD date (years 0000 to 9999): what an
// event already in the log may hold. A stored event is never judged again,
// so a date the domain computed (a due date, a school year's start) decodes
// whatever range input is held to.
func parseStoredDate(text string) (Date, error) {
	t, err := time.Parse(time.DateOnly, text)
	if err != nil || t.Format(time.DateOnly) != text {
		return Date{}, fmt.Errorf("%q: %w", text, ErrDate)
	}
	return Date{t}, nil
}

// InRange reports whether d lies between MinDate and MaxDate, the dates input may name.
func (d Date) InRange() bool { return !d.Before(MinDate) && !d.After(MaxDate) }

func (d Date) IsZero() bool           { return d.t.IsZero() }
func (d Date) Time() time.Time        { return d.t }
func (d Date) Year() int              { return d.t.Year() }
func (d Date) Month() time.Month      { return d.t.Month() }
func (d Date) Day() int               { return d.t.Day() }
func (d Date) Before(other Date) bool { return d.t.Before(other.t) }
func (d Date) After(other Date) bool  { return d.t.After(other.t) }
func (d Date) Equal(other Date) bool  { return d.t.Equal(other.t) }
func (d Date) AddDays(days int) Date  { return Date{d.t.AddDate(0, 0, days)} }

// AddMonths adds months, clamping to the last day of the target month.
func (d Date) AddMonths(months int) Date {
	first := NewDate(d.Year(), d.Month()+time.Month(months), 1)
	last := first.t.AddDate(0, 1, -1).Day()
	day := d.Day()
	if day > last {
		day = last
	}
	return NewDate(first.Year(), first.Month(), day)
}

// AddYears adds years (29 February becomes 28 February in common years).
func (d Date) AddYears(years int) Date { return d.AddMonths(12 * years) }

// Period is the month d falls in.
func (d Date) Period() Period { return Period{year: d.Year(), month: d.Month()} }

func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format(time.DateOnly)
}

// MarshalJSON writes "YYYY-MM-DD" (null for the zero date).
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON reads a stored "YYYY-MM-DD" (any year the form can hold);
// null leaves the zero date. Input is read by DecodeInputDate instead.
func (d *Date) UnmarshalJSON(data []byte) error {
	return d.decodeJSON(data, parseStoredDate)
}

// DecodeInputDate reads a command's JSON date strictly (ParseDate); null is the zero date.
func DecodeInputDate(data []byte) (Date, error) {
	var d Date
	err := d.decodeJSON(data, ParseDate)
	return d, err
}

func (d *Date) decodeJSON(data []byte, parse func(string) (Date, error)) error {
	if string(data) == "null" {
		*d = Date{}
		return nil
	}
	var text string
	if err := json.Unmarshal(data, &text); err != nil {
		return fmt.Errorf("%w: expected a string: %w", ErrDate, err) // a JSON number or list is a wrong type (invalid_type)
	}
	parsed, err := parse(text)
	if err != nil {
		return err
	}
	*d = parsed
	return nil
}

// FullYearsBetween counts whole years from start to end (age, membership).
func FullYearsBetween(start, end Date) int {
	years := end.Year() - start.Year()
	if end.Month() < start.Month() || (end.Month() == start.Month() && end.Day() < start.Day()) {
		years--
	}
	return years
}

// FullMonthsBetween counts whole months from start to end.
func FullMonthsBetween(start, end Date) int {
	months := (end.Year()-start.Year())*12 + int(end.Month()-start.Month())
	if end.Day() < start.Day() {
		months--
	}
	return months
}

// Period is a contribution month. The zero Period is "no period".
type Period struct {
	year  int
	month time.Month
}

// NewPeriod builds a period; month is normalised.
func NewPeriod(year int, month time.Month) Period { return NewDate(year, month, 1).Period() }

// ParsePeriod reads YYYY-MM strictly, within the months of MinDate to MaxDate.
func ParsePeriod(text string) (Period, error) {
	p, err := parseStoredPeriod(text)
	if err != nil {
		return Period{}, err
	}
	if !p.InRange() {
		return Period{}, fmt.Errorf("%q: %w (out of range)", text, ErrPeriod)
	}
	return p, nil
}

// parseStoredPeriod reads any YYYY-MM period, as parseStoredDate reads dates.
func parseStoredPeriod(text string) (Period, error) {
	t, err := time.Parse("2006-01", text)
	if err != nil || t.Format("2006-01") != text {
		return Period{}, fmt.Errorf("%q: %w", text, ErrPeriod)
	}
	return Period{year: t.Year(), month: t.Month()}, nil
}

// InRange reports whether p lies within the months of MinDate to MaxDate.
func (p Period) InRange() bool { return p.FirstDay().InRange() }

func (p Period) IsZero() bool           { return p.year == 0 }
func (p Period) Year() int              { return p.year }
func (p Period) Month() time.Month      { return p.month }
func (p Period) FirstDay() Date         { return NewDate(p.year, p.month, 1) }
func (p Period) LastDay() Date          { return NewDate(p.year, p.month+1, 0) }
func (p Period) Next() Period           { return p.AddMonths(1) }
func (p Period) AddMonths(n int) Period { return NewPeriod(p.year, p.month+time.Month(n)) }
func (p Period) Before(o Period) bool {
	return p.year < o.year || (p.year == o.year && p.month < o.month)
}
func (p Period) After(o Period) bool { return o.Before(p) }

// MonthsUntil is the number of months from p to o (negative when o is earlier).
func (p Period) MonthsUntil(o Period) int {
	return (o.year-p.year)*12 + int(o.month-p.month)
}

// Contains reports whether d falls in p.
func (p Period) Contains(d Date) bool { return d.Period() == p }

func (p Period) String() string {
	if p.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d", p.year, int(p.month))
}

// MarshalJSON writes "YYYY-MM".
func (p Period) MarshalJSON() ([]byte, error) {
	if p.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(p.String())
}

// UnmarshalJSON reads a stored "YYYY-MM" (any year); input is read by DecodeInputPeriod.
func (p *Period) UnmarshalJSON(data []byte) error {
	return p.decodeJSON(data, parseStoredPeriod)
}

// DecodeInputPeriod reads a command's JSON period strictly (ParsePeriod); null is the zero period.
func DecodeInputPeriod(data []byte) (Period, error) {
	var p Period
	err := p.decodeJSON(data, ParsePeriod)
	return p, err
}

func (p *Period) decodeJSON(data []byte, parse func(string) (Period, error)) error {
	if string(data) == "null" {
		*p = Period{}
		return nil
	}
	var text string
	if err := json.Unmarshal(data, &text); err != nil {
		return fmt.Errorf("%w: expected a string: %w", ErrPeriod, err) // a JSON number or list is a wrong type (invalid_type)
	}
	parsed, err := parse(text)
	if err != nil {
		return err
	}
	*p = parsed
	return nil
}
