package participant

import "github.com/tanahbumbu/jaminan/domain/calendar"

// PaidFunc tells whether the participant's contributions for a period count
// as paid on a date. It comes from the payer's bills; nil means "nothing is paid".
type PaidFunc func(period calendar.Period, on calendar.Date) bool

// ProgrammeCoverage is one programme's cover on one date, with the reason.
type ProgrammeCoverage struct {
	Programme string        `json:"programme"`
	Covered   bool          `json:"covered"`
	Reason    string        `json:"reason"`
	From      calendar.Date `json:"from"`
	Until     calendar.Date `json:"until,omitempty"`
}

// CoverageOn is THE coverage query (docs/rulebook.md#coverage): used by claims and by
// auditors alike. Wage earners (PU) stay covered while their employer is in
// arrears; non-wage earners (BPU) are covered only in months paid.
func (s State) CoverageOn(d calendar.Date, paid PaidFunc) []ProgrammeCoverage {
	var result []ProgrammeCoverage
	for _, enrollment := range s.Enrollments {
		coverage := ProgrammeCoverage{Programme: enrollment.Programme, From: enrollment.From, Until: enrollment.Until}
		switch {
		case d.Before(enrollment.From):
			coverage.Reason = "not yet enrolled on " + d.String() + " (from " + enrollment.From.String() + ")"
		case !enrollment.ActiveOn(d):
			coverage.Reason = "membership ended on " + enrollment.Until.String()
		case s.Segment == "BPU" && (paid == nil || !paid(d.Period(), d)):
			coverage.Reason = "contributions for " + d.Period().String() + " not paid by " + d.String() + " (non-wage earners are covered in months paid; a late payment covers only from the day it is made)"
		default:
			coverage.Covered = true
			coverage.Reason = "enrolled since " + enrollment.From.String()
		}
		result = append(result, coverage)
	}
	return result
}

// CoveredOn reports whether one programme covers date d.
func (s State) CoveredOn(programme string, d calendar.Date, paid PaidFunc) (bool, string) {
	for _, coverage := range s.CoverageOn(d, paid) {
		if coverage.Programme == programme {
			return coverage.Covered, coverage.Reason
		}
	}
	return false, "not enrolled in " + programme
}
