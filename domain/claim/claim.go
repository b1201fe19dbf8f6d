package claim

import (
	"maps"
	"slices"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/event"
)

// Status of a claim.
const (
	StatusFiled    = "filed"
	StatusApproved = "approved"
	StatusRejected = "rejected"
	StatusPaid     = "paid"
)

// State is the claim as its events leave it. The zero State is "not filed".
type State struct {
	Filed    *Filed
	Approved *Approved
	Rejected *Rejected
	Payouts  map[string]PayoutRecorded
	PaidOut  decimal.Decimal
	Reversed map[string]PayoutReversed // by payout id
	// Scheduled are the payouts the process managers scheduled, by payout id.
	Scheduled map[string]PayoutScheduled
	// Cancelled is scholarship money skipped or ended: no longer payable.
	Cancelled decimal.Decimal
	paidYears map[int]bool
	skipped   map[string]bool
	endedFrom map[string]int
	Version   int64
}

// Status is derived, never stored.
func (s State) Status() string {
	switch {
	case s.Rejected != nil:
		return StatusRejected
	case s.Approved != nil && s.Outstanding().IsZero():
		return StatusPaid
	case s.Approved != nil:
		return StatusApproved
	case s.Filed != nil:
		return StatusFiled
	default:
		return ""
	}
}

// Set is a participant's claims by id.
type Set map[string]State

// Standing is the status of the claim with id, "" when it is not in the set.
func (s Set) Standing(claimID string) string { return s[claimID].Status() }

// Without is the set less one claim (the one being decided).
func (s Set) Without(claimID string) Set {
	others := make(Set, len(s))
	for id, state := range s {
		if id != claimID {
			others[id] = state
		}
	}
	return others
}

// approvedOn lists the approved claims of programme/benefit on the incident
// date (an accident), by claim id so that the notes read the same every time.
func (s Set) approvedOn(programme, benefit string, incident calendar.Date) []State {
	var found []State
	for _, id := range slices.Sorted(maps.Keys(s)) {
		state := s[id]
		if state.Approved != nil && state.Rejected == nil && state.Filed.Programme == programme && state.Filed.Benefit == benefit &&
			state.Filed.IncidentDate.Equal(incident) {
			found = append(found, state)
		}
	}
	return found
}

// Outstanding is the approved total not yet paid out.
func (s State) Outstanding() decimal.Decimal {
	if s.Approved == nil {
		return decimal.Zero
	}
	return s.Approved.Total.Sub(s.PaidOut).Sub(s.Cancelled)
}

// Evolve applies one event.
func Evolve(state State, e event.Event) State {
	switch e := e.(type) {
	case *Filed:
		filed := *e
		state.Filed = &filed
	case *Approved:
		approved := *e
		state.Approved = &approved
	case *Rejected:
		rejected := *e
		state.Rejected = &rejected
	case *PayoutRecorded:
		state.Payouts = cloneMap(state.Payouts)
		state.Payouts[e.PayoutID] = *e
		state.PaidOut = state.PaidOut.Add(e.Amount.Decimal)
		if e.SchoolYear != 0 {
			state.paidYears = cloneMap(state.paidYears)
			state.paidYears[e.SchoolYear] = true
		}
	case *TrancheSkipped:
		state.skipped = cloneMap(state.skipped)
		state.skipped[trancheKey(e.Child, e.SchoolYear)] = true
		state.Cancelled = state.Cancelled.Add(e.Amount.Decimal)
	case *ScholarshipEnded:
		state.endedFrom = cloneMap(state.endedFrom)
		state.endedFrom[e.Child] = e.FromSchoolYear
		state.Cancelled = state.Cancelled.Add(e.Amount.Decimal)
	case *PayoutScheduled:
		state.Scheduled = cloneMap(state.Scheduled)
		state.Scheduled[e.PayoutID] = *e
	case *PayoutReversed:
		state.Reversed = cloneMap(state.Reversed)
		state.Reversed[e.PayoutID] = *e
		state.PaidOut = state.PaidOut.Sub(e.Amount.Decimal)
		if year := state.Payouts[e.PayoutID].SchoolYear; year != 0 {
			state.paidYears = cloneMap(state.paidYears)
			delete(state.paidYears, year)
		}
	}
	return state
}

func cloneMap[K comparable, V any](original map[K]V) map[K]V {
	clone := make(map[K]V, len(original)+1)
	for key, value := range original {
		clone[key] = value
	}
	return clone
}
