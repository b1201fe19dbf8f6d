package participant

import (
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

// LodgeClaim decides the participant's half of FileClaim: the claim is
// possible (registered, covered on the incident date, the incident is on
// record) and, for a death benefit, the first death claim.
func LodgeClaim(state State, c *command.FileClaim, paid PaidFunc) ([]event.Event, error) {
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
	if c.Programme == "SCHOLARSHIP" {
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
