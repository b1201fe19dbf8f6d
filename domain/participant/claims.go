package participant

import (
	"maps"
	"slices"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

// Standing tells how a lodged claim stands now: "filed", "approved", "paid"
// or "rejected" (claim.State.Status). The decisions live in the claim
// streams, so the caller reads them; nil counts every lodged claim as open.
type Standing func(claimID string) string

// rejected: a rejected claim uses up no once-only right.
func (s Standing) rejected(claimID string) bool { return s != nil && s(claimID) == "rejected" }

// approved: approved, or approved and paid out.
func (s Standing) approved(claimID string) bool {
	return s != nil && (s(claimID) == "approved" || s(claimID) == "paid")
}

// Lodging is what LodgeClaim reads besides the participant and the command.
type Lodging struct {
	Paid     PaidFunc
	Standing Standing
	Policy   Policy // JHTAge: the full JHT balance is paid at that age
	Today    calendar.Date
}

// LodgeClaim decides the participant's half of FileClaim: the claim is
// possible (registered, covered on the incident date, the incident is on
// record) and, for a death benefit, the first death claim still standing.
func LodgeClaim(state State, c *command.FileClaim, in Lodging) ([]event.Event, error) {
	paid, today := in.Paid, in.Today
	if err := requireRegistered(state); err != nil {
		return nil, err
	}
	lodged := &ClaimLodged{ClaimID: c.ClaimID, Programme: c.Programme, Benefit: c.Benefit, IncidentDate: c.IncidentDate}
	if existing, ok := state.Claims[c.ClaimID]; ok {
		if existing == *lodged {
			return nil, nil
		}
		return nil, &problem.Error{Kind: problem.Conflict, Code: "claim_exists", Field: "claim_id", Message: "this claim id is filed already with other data"}
	}
	if c.Programme == "JHT" {
		if err := checkJHT(state, c, in, today); err != nil {
			return nil, err
		}
		return []event.Event{lodged}, nil
	}
	if err := checkIncident(state, c, in.Standing); err != nil {
		return nil, err
	}
	coverageProgramme := c.Programme
	if c.Programme == "SCHOLARSHIP" {
		coverageProgramme = "JKM"
		if state.Death == nil || state.Death.Cause == "work_accident" {
			coverageProgramme = "JKK" // a work-accident death, or total disability (checkIncident)
		}
	}
	if covered, reason := state.CoveredOn(coverageProgramme, c.IncidentDate, paid); !covered {
		return nil, problem.Field("incident_date", "not_covered", "%s did not cover the participant on %s: %s", coverageProgramme, c.IncidentDate, reason)
	}
	return []event.Event{lodged}, nil
}

func checkIncident(state State, c *command.FileClaim, standing Standing) error {
	if c.Programme == "SCHOLARSHIP" && state.Death == nil {
		// Total permanent disability brings the scholarship as for death
		// (docs/rulebook.md#jkk): its claim must be approved first.
		if _, ok := state.TotalDisabilityOn(c.IncidentDate, standing); ok {
			return nil
		}
		return problem.Field("incident_date", "death_not_reported",
			"no death is reported for this participant and no total disability claim on %s is approved; report the death first (ReportDeath) or approve the disability claim", c.IncidentDate)
	}
	if c.IsDeath() || c.Programme == "SCHOLARSHIP" {
		return checkDeath(state, c, standing)
	}
	if c.Programme == "JKK" {
		if _, ok := state.AccidentOn(c.IncidentDate); !ok {
			return problem.Field("incident_date", "accident_not_found", "no accident on %s is reported for this participant; report it first (ReportAccident)", c.IncidentDate)
		}
		if c.Benefit == "total_disability" {
			// Paid once per accident: a second claim waits for the first to be rejected.
			for _, lodged := range sortedClaims(state.Claims) {
				if lodged.ClaimID != c.ClaimID && lodged.Programme == "JKK" && lodged.Benefit == "total_disability" &&
					lodged.IncidentDate.Equal(c.IncidentDate) && !standing.rejected(lodged.ClaimID) {
					return &problem.Error{Kind: problem.Conflict, Code: "benefit_already_claimed", Field: "benefit",
						Message: "total disability for the accident of " + c.IncidentDate.String() + " is claimed already by claim " + lodged.ClaimID}
				}
			}
		}
	}
	return nil
}

// AccidentOn is the reported accident on d.
func (s State) AccidentOn(d calendar.Date) (AccidentReported, bool) {
	for _, accident := range s.Accidents {
		if accident.Date.Equal(d) {
			return accident, true
		}
	}
	return AccidentReported{}, false
}

// TotalDisabilityOn is an approved JKK total disability claim for the accident on d.
func (s State) TotalDisabilityOn(d calendar.Date, standing Standing) (ClaimLodged, bool) {
	for _, lodged := range sortedClaims(s.Claims) {
		if lodged.Programme == "JKK" && lodged.Benefit == "total_disability" && lodged.IncidentDate.Equal(d) && standing.approved(lodged.ClaimID) {
			return lodged, true
		}
	}
	return ClaimLodged{}, false
}

// DeathDates are the incident dates a claim on the death may name: the date
// of death, and for a death caused by a reported work accident also the
// accident's date (its wage base is the one of the accident's month).
func (s State) DeathDates() []calendar.Date {
	if s.Death == nil {
		return nil
	}
	dates := []calendar.Date{s.Death.Date}
	if accident, ok := s.Accidents[s.Death.AccidentID]; ok && s.Death.Cause == "work_accident" && !accident.Date.Equal(s.Death.Date) {
		dates = append(dates, accident.Date)
	}
	return dates
}

func checkDeath(state State, c *command.FileClaim, standing Standing) error {
	if state.Death == nil {
		return problem.Field("incident_date", "death_not_reported", "no death is reported for this participant; report it first (ReportDeath)")
	}
	dates := state.DeathDates()
	if c.Programme == "JHT" {
		dates = dates[:1] // the JHT balance is paid on the death itself
	}
	if !slices.ContainsFunc(dates, c.IncidentDate.Equal) {
		if len(dates) > 1 {
			return problem.Field("incident_date", "wrong_date", "the death is recorded on %s after the accident of %s; give one of them, not %s", dates[0], dates[1], c.IncidentDate)
		}
		return problem.Field("incident_date", "wrong_date", "the death is recorded on %s, not %s", state.Death.Date, c.IncidentDate)
	}
	if c.Programme == "SCHOLARSHIP" || c.Programme == "JHT" {
		return nil
	}
	wantCause := map[string]string{"JKM": "other", "JKK": "work_accident"}[c.Programme]
	if state.Death.Cause != wantCause {
		return problem.Field("programme", "wrong_programme", "a death with cause %q is claimed under %s", state.Death.Cause, map[string]string{"other": "JKM", "work_accident": "JKK"}[state.Death.Cause])
	}
	// One death claim per participant; a rejected one uses up nothing.
	for _, lodged := range sortedClaims(state.Claims) {
		if lodged.Benefit == "death" && lodged.ClaimID != c.ClaimID && !standing.rejected(lodged.ClaimID) {
			return &problem.Error{Kind: problem.Conflict, Code: "death_already_claimed", Field: "claim_id",
				Message: "this death is claimed already by claim " + lodged.ClaimID + " (one death claim per participant: JKM or JKK, not both; only a rejected claim frees it)"}
		}
	}
	return nil
}

// sortedClaims lists the lodged claims by id, so a refusal names the same claim every time.
func sortedClaims(claims map[string]ClaimLodged) []ClaimLodged {
	list := make([]ClaimLodged, 0, len(claims))
	for _, id := range slices.Sorted(maps.Keys(claims)) {
		list = append(list, claims[id])
	}
	return list
}

// MembershipMonthsAt is the membership used by benefit rules: from the first enrollment to d.
func (s State) MembershipMonthsAt(d calendar.Date) int {
	first, ok := s.FirstEnrolled()
	if !ok || d.Before(first) {
		return 0
	}
	return calendar.FullMonthsBetween(first, d)
}

// JHT withdrawal rules (PP 46/2015 as amended by PP 60/2015); the JHT age is
// the rule book's (participation.jht_age_years).
const (
	jhtPartialMinimumMonths   = 120 // 10 years of membership
	jhtWaitingMonthsAfterExit = 1
)

// checkJHT: the full balance at 56, on death (to heirs), or a month after
// resignation or the end of a term; a partial withdrawal once, after 10 years.
func checkJHT(state State, c *command.FileClaim, in Lodging, today calendar.Date) error {
	enrollment, ok := state.Enrollment("JHT")
	if !ok {
		return problem.Field("programme", "not_enrolled_jht", "the participant was never enrolled in JHT")
	}
	if c.Benefit != "full" {
		if state.Ended != nil {
			return problem.Field("benefit", "membership_ended", "a partial withdrawal is for active members; after the end of membership claim the full balance")
		}
		if months := calendar.FullMonthsBetween(enrollment.From, c.IncidentDate); months < jhtPartialMinimumMonths {
			return problem.Field("benefit", "membership_too_short", "a partial withdrawal needs 10 years of membership; the member has %d months", months)
		}
		for _, lodged := range sortedClaims(state.Claims) {
			if lodged.Programme == "JHT" && lodged.Benefit != "full" && lodged.ClaimID != c.ClaimID && !in.Standing.rejected(lodged.ClaimID) {
				return &problem.Error{Kind: problem.Conflict, Code: "partial_taken", Field: "benefit", Message: "the one partial withdrawal was claimed already by claim " + lodged.ClaimID}
			}
		}
		return nil
	}
	switch {
	case state.Death != nil:
		return checkDeath(state, c, in.Standing)
	case in.Policy.JHTAge > 0 && calendar.FullYearsBetween(state.BirthDate, c.IncidentDate) >= in.Policy.JHTAge:
		return nil
	case state.Ended != nil && (state.Ended.Reason == "resigned" || state.Ended.Reason == "end_of_term"):
		if payable := state.Ended.Date.AddMonths(jhtWaitingMonthsAfterExit); today.Before(payable) {
			return problem.Field("incident_date", "too_early", "the JHT balance is payable one month after the exit, from %s", payable)
		}
		return nil
	}
	return problem.Field("benefit", "not_eligible", "the full JHT balance is paid at %d, on death, or a month after resignation or the end of a term", in.Policy.JHTAge)
}

// DebitJHT decides the participant's half of approving a JHT claim: the
// balance is debited once per claim; a retry decides nothing.
func DebitJHT(state State, claimID, kind string, amount decimal.Decimal, today calendar.Date) []event.Event {
	for _, debit := range state.JHTDebits {
		if debit.ClaimID == claimID {
			return nil
		}
	}
	return []event.Event{&JHTDebited{ClaimID: claimID, Kind: kind, Amount: command.Money{Decimal: amount}, DebitOn: today}}
}
