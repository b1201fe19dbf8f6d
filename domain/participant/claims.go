package participant

import (
	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

// LodgeClaim decides the participant's half of FileClaim: the claim is
// possible (registered, covered on the incident date, the incident is on
// record) and, for a death benefit, the first death claim.
func LodgeClaim(state State, c *command.FileClaim, paid PaidFunc, today calendar.Date) ([]event.Event, error) {
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
		if err := checkJHT(state, c, today); err != nil {
			return nil, err
		}
		return []event.Event{lodged}, nil
	}
	if err := checkIncident(state, c); err != nil {
		return nil, err
	}
	coverageProgramme := c.Programme
	if c.Programme == "SCHOLARSHIP" {
		coverageProgramme = "JKM"
		if state.Death != nil && state.Death.Cause == "work_accident" {
			coverageProgramme = "JKK"
		}
	}
	if covered, reason := state.CoveredOn(coverageProgramme, c.IncidentDate, paid); !covered {
		return nil, problem.Field("incident_date", "not_covered", "%s did not cover the participant on %s: %s", coverageProgramme, c.IncidentDate, reason)
	}
	return []event.Event{lodged}, nil
}

func checkIncident(state State, c *command.FileClaim) error {
	if c.IsDeath() || c.Programme == "SCHOLARSHIP" {
		return checkDeath(state, c)
	}
	if c.Programme == "JKK" {
		for _, accident := range state.Accidents {
			if accident.Date.Equal(c.IncidentDate) {
				return nil
			}
		}
		return problem.Field("incident_date", "accident_not_found", "no accident on %s is reported for this participant; report it first (ReportAccident)", c.IncidentDate)
	}
	return nil
}

func checkDeath(state State, c *command.FileClaim) error {
	if state.Death == nil {
		return problem.Field("incident_date", "death_not_reported", "no death is reported for this participant; report it first (ReportDeath)")
	}
	if !state.Death.Date.Equal(c.IncidentDate) {
		return problem.Field("incident_date", "wrong_date", "the death is recorded on %s, not %s", state.Death.Date, c.IncidentDate)
	}
	if c.Programme == "SCHOLARSHIP" || c.Programme == "JHT" {
		return nil
	}
	wantCause := map[string]string{"JKM": "other", "JKK": "work_accident"}[c.Programme]
	if state.Death.Cause != wantCause {
		return problem.Field("programme", "wrong_programme", "a death with cause %q is claimed under %s", state.Death.Cause, map[string]string{"other": "JKM", "work_accident": "JKK"}[state.Death.Cause])
	}
	if state.DeathClaimID != "" && state.DeathClaimID != c.ClaimID {
		return &problem.Error{Kind: problem.Conflict, Code: "death_already_claimed", Field: "claim_id",
			Message: "this death is claimed already by claim " + state.DeathClaimID + " (one death claim per participant: JKM or JKK, not both)"}
	}
	return nil
}

// MembershipMonthsAt is the membership used by benefit rules: from the first enrollment to d.
func (s State) MembershipMonthsAt(d calendar.Date) int {
	first, ok := s.FirstEnrolled()
	if !ok || d.Before(first) {
		return 0
	}
	return calendar.FullMonthsBetween(first, d)
}

// JHT withdrawal rules (PP 46/2015 as amended by PP 60/2015).
const (
	jhtAge                    = 56
	jhtPartialMinimumMonths   = 120 // 10 years of membership
	jhtWaitingMonthsAfterExit = 1
)

// checkJHT: the full balance at 56, on death (to heirs), or a month after
// resignation or the end of a term; a partial withdrawal once, after 10 years.
func checkJHT(state State, c *command.FileClaim, today calendar.Date) error {
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
		for _, lodged := range state.Claims {
			if lodged.Programme == "JHT" && lodged.Benefit != "full" {
				return &problem.Error{Kind: problem.Conflict, Code: "partial_taken", Field: "benefit", Message: "the one partial withdrawal was claimed already by claim " + lodged.ClaimID}
			}
		}
		return nil
	}
	switch {
	case state.Death != nil:
		return checkDeath(state, c)
	case calendar.FullYearsBetween(state.BirthDate, c.IncidentDate) >= jhtAge:
		return nil
	case state.Ended != nil && (state.Ended.Reason == "resigned" || state.Ended.Reason == "end_of_term"):
		if payable := state.Ended.Date.AddMonths(jhtWaitingMonthsAfterExit); today.Before(payable) {
			return problem.Field("incident_date", "too_early", "the JHT balance is payable one month after the exit, from %s", payable)
		}
		return nil
	}
	return problem.Field("benefit", "not_eligible", "the full JHT balance is paid at 56, on death, or a month after resignation or the end of a term")
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
