package participant

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/domain/money"
	"github.com/tanahbumbu/jaminan/domain/problem"
	"github.com/tanahbumbu/jaminan/domain/project"
	"github.com/tanahbumbu/jaminan/domain/reference"
)

// Policy is what the participant decisions need from the rule book.
type Policy struct {
	MinimumAge int // 18
	JHTAge     int // 56
	// WageBaseLimits returns the inclusive bounds of the wage base for a segment on a date.
	WageBaseLimits func(segment string, on calendar.Date) (minimum, maximum decimal.Decimal)
}

// lateReportDays is the 2 × 24 hours within which an accident is reported.
const lateReportDays = 2

// Register decides RegisterParticipant. A repeat with the same data decides nothing.
func Register(state State, c *command.RegisterParticipant, participantID string, places *reference.Places, today calendar.Date) ([]event.Event, error) {
	kecamatan, desa, ok := places.Resolve(c.Kecamatan, c.Desa)
	if !places.HasKecamatan(c.Kecamatan) {
		return nil, problem.Field("kecamatan", "unknown_kecamatan", "%q is not a kecamatan of Tanah Bumbu", c.Kecamatan)
	}
	if !ok {
		return nil, problem.Field("desa", "unknown_desa", "%q is not a desa of Kecamatan %s", c.Desa, kecamatan)
	}
	if err := checkPairing(c.Category, c.Segment); err != nil {
		return nil, err
	}
	if c.BirthDate.After(today) {
		return nil, problem.Field("birth_date", "future_date", "is after today (%s)", today)
	}
	registered := &Registered{
		ParticipantID: participantID, NIK: c.NIK, Name: strings.TrimSpace(c.FullName), BirthDate: c.BirthDate,
		Category: c.Category, Segment: c.Segment, Kecamatan: kecamatan, Desa: desa, PayerID: c.PayerID, RegisteredOn: command.BusinessDate(c.RegisteredOn, today),
	}
	if state.Registered {
		if sameRegistration(state, registered) {
			return nil, nil
		}
		return nil, &problem.Error{Kind: problem.Conflict, Code: "already_registered", Field: "nik",
			Message: "this NIK is registered already with other data; corrections to a registration are not supported yet"}
	}
	return []event.Event{registered}, nil
}

func sameRegistration(state State, r *Registered) bool {
	return state.NIK == r.NIK && state.Name == r.Name && state.BirthDate.Equal(r.BirthDate) && state.Category == r.Category &&
		state.Segment == r.Segment && state.Kecamatan == r.Kecamatan && state.Desa == r.Desa && state.PayerID == r.PayerID
}

// checkPairing enforces the segment a category may have (docs/rulebook.md#who-is-covered).
func checkPairing(category, segment string) error {
	required := map[string]string{
		"perangkat_kecamatan": "PU", "perangkat_kelurahan": "PU", "perangkat_desa": "PU", "bpd": "PU",
		"kader": "BPU", "pkk": "BPU", "pekerja_rentan": "BPU", "konstruksi": "construction",
	}
	if want, ok := required[category]; ok && want != segment {
		return problem.Field("segment", "segment_mismatch", "category %s belongs to segment %s, not %s", category, want, segment)
	}
	if segment == "construction" && category != "konstruksi" {
		return problem.Field("segment", "segment_mismatch", "only category konstruksi is in the construction segment")
	}
	return nil
}

// Enroll decides Enroll. Programmes already enrolled from the same date are skipped.
func Enroll(state State, c *command.Enroll, policy Policy) ([]event.Event, error) {
	if err := requireRegistered(state); err != nil {
		return nil, err
	}
	if enrolledAlready(state, c) {
		return nil, retriedEnrollment(state, c, policy) // even after the membership has ended since
	}
	if err := requireLiving(state); err != nil {
		return nil, err
	}
	if state.Segment == "construction" {
		return nil, problem.Field("project_id", "missing_field", "a construction worker is enrolled onto a project: register it (RegisterProject) and give project_id")
	}
	wageKind, wage, err := wageBase(state, c.Wage, c.DeclaredIncome, c.EffectiveDate, policy)
	if err != nil {
		return nil, err
	}
	if err := checkAge(state, c.EffectiveDate, policy); err != nil {
		return nil, err
	}
	if err := checkProgrammes(state.Segment, c.Programmes); err != nil {
		return nil, err
	}
	var fresh []string
	for _, programme := range c.Programmes {
		existing, ok := state.Enrollment(programme)
		switch {
		case !ok:
			fresh = append(fresh, programme)
		case existing.From.Equal(c.EffectiveDate):
			// a retry: already enrolled from this date
		default:
			return nil, &problem.Error{Kind: problem.Conflict, Code: "already_enrolled", Field: "programmes",
				Message: programme + " is enrolled already from " + existing.From.String()}
		}
	}
	if len(fresh) == 0 {
		return nil, nil
	}
	return []event.Event{&Enrolled{Programmes: fresh, EffectiveDate: c.EffectiveDate, WageBase: command.Money{Decimal: wage}, WageKind: wageKind}}, nil
}

// retriedEnrollment is nil when an Enroll of programmes enrolled already
// from its date is a retry: its wage (or declared income) valid, and the one
// each of those enrolments recorded (a ChangeWage since does not make the
// retry a conflict). Another wage is a conflict, not a retry: the caller
// would be told it was applied when it was not.
func retriedEnrollment(state State, c *command.Enroll, policy Policy) error {
	kind, wage, err := wageBase(state, c.Wage, c.DeclaredIncome, c.EffectiveDate, policy)
	if err != nil {
		return err
	}
	for _, programme := range c.Programmes {
		if enrolled, ok := state.Enrollment(programme); ok && !enrolled.Wage.Equal(wage) {
			return &problem.Error{Kind: problem.Conflict, Code: "already_enrolled", Field: kind,
				Message: fmt.Sprintf("%s is enrolled already from %s with a %s of %s; to change it, use ChangeWage", programme, c.EffectiveDate, strings.ReplaceAll(kind, "_", " "), money.FormatIDR(enrolled.Wage))}
		}
	}
	return nil
}

func enrolledAlready(state State, c *command.Enroll) bool {
	for _, programme := range c.Programmes {
		existing, ok := state.Enrollment(programme)
		if !ok || !existing.From.Equal(c.EffectiveDate) {
			return false
		}
	}
	return true
}

func checkProgrammes(segment string, programmes []string) error {
	has := map[string]bool{}
	for _, programme := range programmes {
		has[programme] = true
	}
	if segment == "construction" && has["JHT"] {
		return problem.Field("programmes", "jht_not_for_construction", "construction workers are covered by JKK and JKM for the project's term")
	}
	if !has["JKK"] || !has["JKM"] {
		return problem.Field("programmes", "jkk_jkm_required", "JKK and JKM are enrolled together; JHT is added to them")
	}
	return nil
}

func checkAge(state State, on calendar.Date, policy Policy) error {
	age := calendar.FullYearsBetween(state.BirthDate, on)
	if age < policy.MinimumAge {
		return problem.Field("effective_date", "too_young", "the participant is %d on %s; coverage starts at %d", age, on, policy.MinimumAge)
	}
	if age >= policy.JHTAge {
		return problem.Field("effective_date", "too_old", "the participant is %d on %s; membership ends at %d", age, on, policy.JHTAge)
	}
	return nil
}

// wageBase checks that the right field was used for the segment and that the amount is within the limits.
func wageBase(state State, wage, declared *command.Money, on calendar.Date, policy Policy) (string, decimal.Decimal, error) {
	kind, field, amount := "wage", "wage", wage
	if state.Segment == "BPU" {
		kind, field, amount = "declared_income", "declared_income", declared
		if wage != nil {
			return "", decimal.Zero, problem.Field("wage", "wrong_wage_field", "a non-wage earner (BPU) declares an income: use declared_income")
		}
	} else if declared != nil {
		return "", decimal.Zero, problem.Field("declared_income", "wrong_wage_field", "a wage earner (%s) has a wage: use wage", state.Segment)
	}
	if amount == nil {
		return "", decimal.Zero, problem.Field(field, "missing_field", "is required")
	}
	minimum, maximum := policy.WageBaseLimits(state.Segment, on)
	if amount.LessThan(minimum) || amount.GreaterThan(maximum) {
		return "", decimal.Zero, problem.Field(field, "wage_out_of_range", "%s is outside %s to %s for segment %s",
			money.FormatIDR(amount.Decimal), money.FormatIDR(minimum), money.FormatIDR(maximum), state.Segment)
	}
	return kind, amount.Decimal, nil
}

func requireRegistered(state State) error {
	if !state.Registered {
		return &problem.Error{Kind: problem.NotFound, Code: "participant_not_found", Field: "nik", Message: "no participant is registered with this NIK; register first (RegisterParticipant)"}
	}
	return nil
}

func requireLiving(state State) error {
	if err := requireRegistered(state); err != nil {
		return err
	}
	if state.Ended != nil {
		return &problem.Error{Kind: problem.Conflict, Code: "membership_ended", Field: "nik", Message: "membership ended on " + state.Ended.Date.String() + " (" + state.Ended.Reason + ")"}
	}
	return nil
}

// ChangeWage decides ChangeWage; the same wage on the same date decides nothing.
func ChangeWage(state State, c *command.ChangeWage, policy Policy) ([]event.Event, error) {
	if err := requireLiving(state); err != nil {
		return nil, err
	}
	first, enrolled := state.FirstEnrolled()
	if !enrolled {
		return nil, problem.New(problem.Conflict, "not_enrolled", "the participant is not enrolled in any programme; enroll first")
	}
	if c.EffectiveDate.Before(first) {
		return nil, problem.Field("effective_date", "before_enrollment", "is before the enrollment on %s", first)
	}
	kind, wage, err := wageBase(state, c.Wage, c.DeclaredIncome, c.EffectiveDate, policy)
	if err != nil {
		return nil, err
	}
	if current, ok := state.WageOn(c.EffectiveDate); ok && current.Equal(wage) {
		return nil, nil
	}
	return []event.Event{&WageChanged{EffectiveDate: c.EffectiveDate, WageBase: command.Money{Decimal: wage}, WageKind: kind}}, nil
}

// EndMembership decides EndMembership.
func EndMembership(state State, c *command.EndMembership) ([]event.Event, error) {
	if err := requireRegistered(state); err != nil {
		return nil, err
	}
	if state.Ended != nil {
		if state.Ended.Date.Equal(c.Date) && state.Ended.Reason == c.Reason {
			return nil, nil
		}
		return nil, &problem.Error{Kind: problem.Conflict, Code: "membership_ended", Field: "date", Message: "membership ended already on " + state.Ended.Date.String()}
	}
	if first, ok := state.FirstEnrolled(); ok && c.Date.Before(first) {
		return nil, problem.Field("date", "before_enrollment", "is before the enrollment on %s", first)
	}
	return []event.Event{&MembershipEnded{Date: c.Date, Reason: c.Reason}}, nil
}

// ReportAccident decides ReportAccident; a late report is recorded, not refused.
func ReportAccident(state State, c *command.ReportAccident) ([]event.Event, error) {
	if err := requireRegistered(state); err != nil {
		return nil, err
	}
	reported := &AccidentReported{AccidentID: c.AccidentID, Date: c.Date, ReportedOn: c.ReportedOn,
		Late: c.ReportedOn.After(c.Date.AddDays(lateReportDays)), Description: c.Description}
	if existing, ok := state.Accidents[c.AccidentID]; ok {
		if existing == *reported {
			return nil, nil
		}
		return nil, &problem.Error{Kind: problem.Conflict, Code: "accident_exists", Field: "accident_id", Message: "this accident id is recorded already with other data"}
	}
	if state.Death != nil && c.Date.After(state.Death.Date) {
		return nil, problem.Field("date", "after_death", "is after the participant's death on %s", state.Death.Date)
	}
	return []event.Event{reported}, nil
}

// ReportDeath decides ReportDeath; it also ends the membership on the date of death.
func ReportDeath(state State, c *command.ReportDeath) ([]event.Event, error) {
	if err := requireRegistered(state); err != nil {
		return nil, err
	}
	death := &DeathReported{Date: c.Date, Cause: c.Cause, AccidentID: c.AccidentID}
	if state.Death != nil {
		if *state.Death == *death {
			return nil, nil
		}
		return nil, &problem.Error{Kind: problem.Conflict, Code: "death_reported", Field: "date", Message: "a death is recorded already on " + state.Death.Date.String()}
	}
	if c.Date.Before(state.BirthDate) {
		return nil, problem.Field("date", "before_birth", "is before the birth date")
	}
	if c.Cause == "work_accident" {
		accident, ok := state.Accidents[c.AccidentID]
		if !ok {
			return nil, problem.Field("accident_id", "accident_not_found", "no accident %q is reported for this participant; report it first (ReportAccident)", c.AccidentID)
		}
		if c.Date.Before(accident.Date) {
			return nil, problem.Field("date", "before_accident", "is before the accident on %s", accident.Date)
		}
	}
	events := []event.Event{death}
	if state.Ended == nil {
		events = append(events, &MembershipEnded{Date: c.Date, Reason: "death"})
	}
	return events, nil
}

// ChangePayer decides ChangePayer; the same payer decides nothing.
//
// billedThrough is, for each payer the worker has had, the last month it
// billed them (none: absent). A month is billed by the payer of its last day
// (AssessContributions), so a change that would move a month another payer
// has billed already is refused: that month would be billed twice.
func ChangePayer(state State, c *command.ChangePayer, billedThrough map[string]calendar.Period) ([]event.Event, error) {
	if err := requireLiving(state); err != nil {
		return nil, err
	}
	if state.PayerAt(c.EffectiveDate) == c.PayerID && state.PayerID == c.PayerID {
		return nil, nil
	}
	if last := len(state.PayerChanges); last > 0 && c.EffectiveDate.Before(state.PayerChanges[last-1].EffectiveDate) {
		return nil, problem.Field("effective_date", "before_last_change", "is before the last payer change on %s", state.PayerChanges[last-1].EffectiveDate)
	}
	for _, payerID := range slices.Sorted(maps.Keys(billedThrough)) {
		if period := billedThrough[payerID]; payerID != c.PayerID && !c.EffectiveDate.After(period.LastDay()) {
			return nil, &problem.Error{Kind: problem.Conflict, Code: "billed_already", Field: "effective_date",
				Message: fmt.Sprintf("%s billed this worker for %s already: a change of payer takes effect on %s at the earliest (or correct those bills first)",
					payerID, period, period.Next().FirstDay())}
		}
	}
	return []event.Event{&PayerChanged{PayerID: c.PayerID, PreviousPayerID: state.PayerID, EffectiveDate: c.EffectiveDate}}, nil
}

// EnrollOnProject decides Enroll with a project_id: a construction worker
// is enrolled in JKK and JKM onto a registered project of their payer, from
// effective_date (inside the project's term) to the project's end, on its
// contract value. The project is billed once, not per worker (payer.Assess).
// registered is the project, nil when it is not registered.
func EnrollOnProject(state State, c *command.Enroll, registered *project.Registered, policy Policy) ([]event.Event, error) {
	if err := requireRegistered(state); err != nil {
		return nil, err
	}
	if enrolledAlready(state, c) && state.ProjectID == c.ProjectID {
		return nil, nil // a retry
	}
	if err := requireLiving(state); err != nil {
		return nil, err
	}
	if state.Segment != "construction" {
		return nil, problem.Field("project_id", "wrong_wage_field", "only construction workers are enrolled onto a project; segment %s has a wage or declared income", state.Segment)
	}
	if registered == nil {
		return nil, &problem.Error{Kind: problem.NotFound, Code: "project_not_found", Field: "project_id", Message: "no project " + c.ProjectID + "; register it first (RegisterProject)"}
	}
	if payerID := state.PayerAt(c.EffectiveDate); registered.PayerID != payerID {
		return nil, problem.Field("project_id", "other_payer", "project %s is paid by %s, the worker by %s", c.ProjectID, registered.PayerID, payerID)
	}
	if c.EffectiveDate.Before(registered.StartOn) || c.EffectiveDate.After(registered.EndOn) {
		return nil, problem.Field("effective_date", "outside_project", "%s is outside the project's term, %s to %s", c.EffectiveDate, registered.StartOn, registered.EndOn)
	}
	if err := checkAge(state, c.EffectiveDate, policy); err != nil {
		return nil, err
	}
	if err := checkProgrammes(state.Segment, c.Programmes); err != nil {
		return nil, err
	}
	if existing, ok := state.Enrollment("JKK"); ok {
		return nil, &problem.Error{Kind: problem.Conflict, Code: "already_enrolled", Field: "effective_date", Message: "enrolled already for a project from " + existing.From.String()}
	}
	return []event.Event{&Enrolled{Programmes: c.Programmes, EffectiveDate: c.EffectiveDate, WageBase: registered.ContractValue, WageKind: "contract_value",
		Until: registered.EndOn, ProjectID: registered.ProjectID}}, nil
}
