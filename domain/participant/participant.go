package participant

import (
	"fmt"
	"sort"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/event"
)

// Enrollment is one programme's membership span.
type Enrollment struct {
	Programme string
	From      calendar.Date
	// Until is the last covered day; zero while open.
	Until calendar.Date
	// Wage is the wage (or declared income) the enrolment recorded: what a
	// retried Enroll must carry, whatever changed the wage since.
	Wage decimal.Decimal
}

// ActiveOn reports whether the programme covers date d.
func (e Enrollment) ActiveOn(d calendar.Date) bool {
	if d.Before(e.From) {
		return false
	}
	return e.Until.IsZero() || !d.After(e.Until)
}

// WageStep is a wage base in force from a date.
type WageStep struct {
	From   calendar.Date
	Amount decimal.Decimal
}

// State is the participant as its events leave it. The zero State is "not registered".
type State struct {
	ID         string
	NIK        string
	Name       string
	BirthDate  calendar.Date
	Category   string
	Segment    string
	Kecamatan  string
	Desa       string
	PayerID    string
	Registered bool

	Enrollments []Enrollment // one per programme, in enrollment order
	// ProjectID is the construction project the worker is enrolled onto, if any.
	ProjectID string
	Wages     []WageStep // ascending by From
	Ended     *MembershipEnded
	Death     *DeathReported
	Accidents map[string]AccidentReported
	Claims    map[string]ClaimLodged
	// DeathClaimID is the one death claim allowed, once lodged.
	DeathClaimID string
	// JHTReturns and JHTDebits are the JHT entries kept on the participant stream.
	JHTReturns []JHTReturnCredited
	JHTDebits  []JHTDebited
	// Inactive is set while a non-wage earner's membership is inactive for unpaid months.
	Inactive *MembershipInactive
	// PayerChanges are the payer's changes after registration, in order.
	PayerChanges []PayerChanged
	// Version is the stream version the state reflects.
	Version int64
}

// Evolve applies one event; it never fails on an event Decide produced.
func Evolve(state State, e event.Event) State {
	switch e := e.(type) {
	case *Registered:
		state.ID, state.NIK, state.Name, state.BirthDate = e.ParticipantID, e.NIK, e.Name, e.BirthDate
		state.Category, state.Segment, state.Kecamatan, state.Desa, state.PayerID = e.Category, e.Segment, e.Kecamatan, e.Desa, e.PayerID
		state.Registered = true
	case *Enrolled:
		for _, programme := range e.Programmes {
			state.Enrollments = append(state.Enrollments, Enrollment{Programme: programme, From: e.EffectiveDate, Until: e.Until, Wage: e.WageBase.Decimal})
		}
		state.Wages = withWage(state.Wages, WageStep{From: e.EffectiveDate, Amount: e.WageBase.Decimal})
		if e.ProjectID != "" {
			state.ProjectID = e.ProjectID
		}
	case *WageChanged:
		state.Wages = withWage(state.Wages, WageStep{From: e.EffectiveDate, Amount: e.WageBase.Decimal})
	case *MembershipEnded:
		ended := *e
		state.Ended = &ended
		for i := range state.Enrollments {
			if state.Enrollments[i].Until.IsZero() {
				state.Enrollments[i].Until = e.Date
			}
		}
	case *AccidentReported:
		if state.Accidents == nil {
			state.Accidents = map[string]AccidentReported{}
		}
		state.Accidents[e.AccidentID] = *e
	case *DeathReported:
		death := *e
		state.Death = &death
	case *MembershipInactive:
		inactive := *e
		state.Inactive = &inactive
	case *MembershipReactivated:
		state.Inactive = nil
	case *PayerChanged:
		state.PayerID = e.PayerID
		state.PayerChanges = append(append([]PayerChanged(nil), state.PayerChanges...), *e)
	case *JHTReturnCredited:
		state.JHTReturns = append(append([]JHTReturnCredited(nil), state.JHTReturns...), *e)
	case *JHTDebited:
		state.JHTDebits = append(append([]JHTDebited(nil), state.JHTDebits...), *e)
	case *ClaimLodged:
		if state.Claims == nil {
			state.Claims = map[string]ClaimLodged{}
		}
		state.Claims[e.ClaimID] = *e
		if e.Benefit == "death" {
			state.DeathClaimID = e.ClaimID
		}
	}
	return state
}

// withWage inserts or replaces the step at its date, keeping the list sorted.
func withWage(wages []WageStep, step WageStep) []WageStep {
	out := make([]WageStep, 0, len(wages)+1)
	for _, existing := range wages {
		if !existing.From.Equal(step.From) {
			out = append(out, existing)
		}
	}
	out = append(out, step)
	sort.Slice(out, func(i, j int) bool { return out[i].From.Before(out[j].From) })
	return out
}

// Replay folds events into a state.
func Replay(events []event.Event) State {
	var state State
	for _, e := range events {
		state = Evolve(state, e)
	}
	return state
}

// WageOn is the wage base in force on d, and whether there is one.
func (s State) WageOn(d calendar.Date) (decimal.Decimal, bool) {
	var found *WageStep
	for i := range s.Wages {
		if !s.Wages[i].From.After(d) {
			found = &s.Wages[i]
		}
	}
	if found == nil {
		return decimal.Zero, false
	}
	return found.Amount, true
}

// Enrollment returns the span of one programme, if enrolled.
func (s State) Enrollment(programme string) (Enrollment, bool) {
	for _, enrollment := range s.Enrollments {
		if enrollment.Programme == programme {
			return enrollment, true
		}
	}
	return Enrollment{}, false
}

// FirstEnrolled is the earliest effective date of any programme.
func (s State) FirstEnrolled() (calendar.Date, bool) {
	var first calendar.Date
	for _, enrollment := range s.Enrollments {
		if first.IsZero() || enrollment.From.Before(first) {
			first = enrollment.From
		}
	}
	return first, !first.IsZero()
}

// ProgrammesIn lists the programmes active on any day of the period, in a
// fixed order; none while the membership is inactive for unpaid months.
func (s State) ProgrammesIn(period calendar.Period) []string {
	if s.Inactive != nil && !period.Before(s.Inactive.FromPeriod) {
		return nil
	}
	var programmes []string
	for _, name := range []string{"JKK", "JKM", "JHT"} {
		enrollment, ok := s.Enrollment(name)
		if !ok || enrollment.From.After(period.LastDay()) {
			continue
		}
		if !enrollment.Until.IsZero() && enrollment.Until.Before(period.FirstDay()) {
			continue
		}
		programmes = append(programmes, name)
	}
	return programmes
}

// MembershipMonths counts whole months of membership in a programme up to d.
func (s State) MembershipMonths(programme string, d calendar.Date) int {
	enrollment, ok := s.Enrollment(programme)
	if !ok || d.Before(enrollment.From) {
		return 0
	}
	return calendar.FullMonthsBetween(enrollment.From, d)
}

// String never prints the NIK or the name: states end up in logs.
func (s State) String() string {
	return fmt.Sprintf("participant %s (version %d)", s.ID, s.Version)
}

// PayerAt is the payer on date d.
func (s State) PayerAt(d calendar.Date) string {
	payerID := s.PayerID
	if len(s.PayerChanges) > 0 {
		payerID = s.PayerChanges[0].PreviousPayerID
	}
	for _, change := range s.PayerChanges {
		if !change.EffectiveDate.After(d) {
			payerID = change.PayerID
		}
	}
	return payerID
}

// PayerIDs lists every payer the participant has had, first to last.
func (s State) PayerIDs() []string {
	if len(s.PayerChanges) == 0 {
		return []string{s.PayerID}
	}
	ids := []string{s.PayerChanges[0].PreviousPayerID}
	for _, change := range s.PayerChanges {
		ids = append(ids, change.PayerID)
	}
	return ids
}
