// Package rules is the rule book of jaminan: versioned rates, amounts and
// tables (held as data in rulebook.json) and the pure computations on them:
// monthly contributions, due dates and late penalties, and the JKM, JKK and
// scholarship benefits. It reads no clock and does no I/O; every amount is an
// exact decimal, rounded half up to whole rupiah per component.
package rules

import (
	_ "embed"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
)

//go:embed rulebook.json
var defaultRuleBook []byte

// Errors returned when no version applies.
var (
	ErrNoRuleBook     = errors.New("no rule-book version in force")
	ErrUnknownVersion = errors.New("unknown rule-book version")
)

// Segment is the membership segment a contribution is computed for.
type Segment string

// Segments of docs/rulebook.md#who-is-covered.
const (
	SegmentPU           Segment = "PU"
	SegmentBPU          Segment = "BPU"
	SegmentConstruction Segment = "construction"
)

// Programme is a social-security programme.
type Programme string

// Programmes of docs/rulebook.md. Scholarship is a benefit, never a contribution line.
const (
	JKK         Programme = "JKK"
	JKM         Programme = "JKM"
	JHT         Programme = "JHT"
	Scholarship Programme = "SCHOLARSHIP"
)

// FieldError is an invalid input or rule-book field, named by its path.
type FieldError struct {
	Field  string
	Reason string
}

// Error writes "field: reason".
func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

func fieldError(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Library holds every rule-book version and the shared holiday calendar.
// It is immutable once parsed and safe for concurrent use.
type Library struct {
	books           []*Book // sorted by effective date, then file order
	byID            map[string]*Book
	minimumAgeYears int
	jhtAgeYears     int
}

var defaultLibrary = sync.OnceValue(func() *Library {
	library, err := Parse(defaultRuleBook)
	if err != nil {
		panic(fmt.Sprintf("rules: the embedded rulebook.json is broken: %v", err))
	}
	return library
})

// Default is the rule book built into the binary (rulebook.json). It panics
// only if that embedded file is broken, which a test rules out.
func Default() *Library { return defaultLibrary() }

// ForDate is the full version (benefit rules) in force on d, the incident date.
func (l *Library) ForDate(d calendar.Date) (*Book, error) {
	var found *Book
	for _, book := range l.books {
		if book.full() && !book.effectiveFrom.After(d) {
			found = book
		}
	}
	if found == nil {
		return nil, fmt.Errorf("%w on %s", ErrNoRuleBook, d)
	}
	return found.boundTo(d), nil
}

// ForPeriod is the version whose contribution rules govern period p: a
// contributions-only version (pp49-2020) for its periods, else the full
// version in force on the period's first day.
func (l *Library) ForPeriod(p calendar.Period) (*Book, error) {
	for _, book := range l.books {
		if !book.full() && !p.Before(book.firstPeriod) && !p.After(book.lastPeriod) {
			return book.boundTo(p.FirstDay()), nil
		}
	}
	book, err := l.ForDate(p.FirstDay())
	if err != nil {
		return nil, fmt.Errorf("period %s: %w", p, err)
	}
	return book, nil
}

// Version is the version with the given id, not bound to a date (rates
// introduced inside it, such as the JKP rates, apply).
func (l *Library) Version(id string) (*Book, error) {
	book, ok := l.byID[id]
	if !ok {
		return nil, fmt.Errorf("%w %q (known: %v)", ErrUnknownVersion, id, l.Versions())
	}
	return book, nil
}

// Versions lists the version ids by effective date.
func (l *Library) Versions() []string {
	ids := make([]string, 0, len(l.books))
	for _, book := range l.books {
		ids = append(ids, book.id)
	}
	return ids
}

// MinimumAge is the youngest age, in years, at which a person is covered.
func (l *Library) MinimumAge() int { return l.minimumAgeYears }

// JHTAge is the JHT age in years, at which membership ends.
func (l *Library) JHTAge() int { return l.jhtAgeYears }

// WageBaseLimits are the inclusive bounds of the wage base (declared income
// for BPU) of a segment on a date. With no version or an unknown segment both
// are zero, so every positive wage is refused.
func (l *Library) WageBaseLimits(segment string, on calendar.Date) (minimum, maximum decimal.Decimal) {
	book, err := l.ForDate(on)
	if err != nil {
		return decimal.Zero, decimal.Zero
	}
	limits, ok := book.wageLimits[Segment(segment)]
	if !ok {
		return decimal.Zero, decimal.Zero
	}
	return limits.minimum, limits.maximum
}

func sortBooks(books []*Book) {
	sort.SliceStable(books, func(i, j int) bool { return books[i].effectiveFrom.Before(books[j].effectiveFrom) })
}
