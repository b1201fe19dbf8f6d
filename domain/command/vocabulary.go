package command

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

// RegisterPayer registers whoever pays contributions: a village government,
// the regency, a BUMDes, a koperasi, or the worker himself.
type RegisterPayer struct {
	PayerID   string `json:"payer_id"`
	PayerName string `json:"name"`
	Kind      string `json:"kind"`
	RiskClass int    `json:"risk_class"`
	// RegisteredOn is the business date of the registration; zero: today.
	RegisteredOn calendar.Date `json:"registered_on"`
}

// RegisterParticipant registers a worker; the NIK resolves to an internal id.
type RegisterParticipant struct {
	NIK       string        `json:"nik"`
	FullName  string        `json:"name"`
	BirthDate calendar.Date `json:"birth_date"`
	Category  string        `json:"category"`
	Segment   string        `json:"segment"`
	Kecamatan string        `json:"kecamatan"`
	Desa      string        `json:"desa"`
	PayerID   string        `json:"payer_id"`
	// RegisteredOn is the business date of the registration; zero: today.
	RegisteredOn calendar.Date `json:"registered_on"`
}

// Enroll enrolls a participant in programmes from a date with a wage base.
type Enroll struct {
	NIK            string        `json:"nik"`
	Programmes     []string      `json:"programmes"`
	EffectiveDate  calendar.Date `json:"effective_date"`
	Wage           *Money        `json:"wage"`
	DeclaredIncome *Money        `json:"declared_income"`
	// ProjectID enrolls a construction worker onto a registered project
	// (RegisterProject), covered for the project's term.
	ProjectID string `json:"project_id"`
	// ContractValue and ProjectEnd were how a construction worker was
	// enrolled before projects had their own identity; they are refused now
	// (project_required), and events written that way still decode.
	ContractValue *Money        `json:"contract_value"`
	ProjectEnd    calendar.Date `json:"project_end"`
}

// ChangeWage changes the wage (PU) or declared income (BPU) from a date.
type ChangeWage struct {
	NIK            string        `json:"nik"`
	EffectiveDate  calendar.Date `json:"effective_date"`
	Wage           *Money        `json:"wage"`
	DeclaredIncome *Money        `json:"declared_income"`
}

// EndMembership ends every programme of a participant on a date.
type EndMembership struct {
	NIK    string        `json:"nik"`
	Date   calendar.Date `json:"date"`
	Reason string        `json:"reason"`
}

// AssessContributions bills a payer's participants for one month.
type AssessContributions struct {
	PayerID string          `json:"payer_id"`
	Period  calendar.Period `json:"period"`
	// AssessedOn is the business date of the bill; zero: today.
	AssessedOn calendar.Date `json:"assessed_on"`
}

// RecordPayment records money received from a payer. Period is optional: when
// given, the payment goes to that month's bill; otherwise to the oldest open bills.
type RecordPayment struct {
	PaymentID     string          `json:"payment_id"`
	PayerID       string          `json:"payer_id"`
	Amount        *Money          `json:"amount"`
	PaidOn        calendar.Date   `json:"paid_on"`
	BankReference string          `json:"bank_reference"`
	Period        calendar.Period `json:"period"`
}

// ReportAccident records a work accident.
type ReportAccident struct {
	AccidentID  string        `json:"accident_id"`
	NIK         string        `json:"nik"`
	Date        calendar.Date `json:"date"`
	ReportedOn  calendar.Date `json:"reported_on"`
	Description string        `json:"description"`
}

// ReportDeath records a participant's death.
type ReportDeath struct {
	NIK        string        `json:"nik"`
	Date       calendar.Date `json:"date"`
	Cause      string        `json:"cause"`
	AccidentID string        `json:"accident_id"`
}

// Heir is who receives a death benefit.
type Heir struct {
	FullName     string `json:"name"`
	Relationship string `json:"relationship"`
	NIK          string `json:"nik"`
}

// Child is a member's child, for the scholarship.
type Child struct {
	FullName  string        `json:"name"`
	BirthDate calendar.Date `json:"birth_date"`
	Level     string        `json:"level"`
	Grade     int           `json:"grade"`
}

// Details carries the per-benefit inputs of a claim.
type Details struct {
	Months            int     `json:"months"`
	DisabilityPercent *Money  `json:"disability_percent"`
	BodyPart          string  `json:"body_part"`
	LeftHanded        bool    `json:"left_handed"`
	TransportMode     string  `json:"transport_mode"`
	Cost              *Money  `json:"cost"`
	Children          []Child `json:"children"`
}

// FileClaim files a claim for a participant.
type FileClaim struct {
	ClaimID      string        `json:"claim_id"`
	NIK          string        `json:"nik"`
	Programme    string        `json:"programme"`
	Benefit      string        `json:"benefit"`
	IncidentDate calendar.Date `json:"incident_date"`
	Heir         *Heir         `json:"heir"`
	Details      *Details      `json:"details"`
	// FiledOn is the business date the claim was filed; zero: today.
	FiledOn calendar.Date `json:"filed_on"`
}

// ApproveClaim approves a filed claim; the benefit is computed now, under the
// rule book in force on the incident date.
type ApproveClaim struct {
	ClaimID string `json:"claim_id"`
	// ApprovedOn is the business date of the decision; zero: today.
	ApprovedOn calendar.Date `json:"approved_on"`
}

// RejectClaim rejects a filed claim with a reason.
type RejectClaim struct {
	ClaimID string `json:"claim_id"`
	Reason  string `json:"reason"`
	// RejectedOn is the business date of the decision; zero: today.
	RejectedOn calendar.Date `json:"rejected_on"`
}

// RecordPayout records money paid out on an approved claim. For a
// scholarship claim SchoolYear names the year whose tranches it pays.
type RecordPayout struct {
	PayoutID      string        `json:"payout_id"`
	ClaimID       string        `json:"claim_id"`
	Amount        *Money        `json:"amount"`
	PaidOn        calendar.Date `json:"paid_on"`
	BankReference string        `json:"bank_reference"`
	SchoolYear    int           `json:"school_year"`
}

// Reverse reverses an earlier event (a payment or a payout) with a reason
// code. When the original falls in a closed period, PostToPeriod names the
// open month that carries the correction.
type Reverse struct {
	EventID      string          `json:"event_id"`
	Reason       string          `json:"reason"`
	Note         string          `json:"note"`
	PostToPeriod calendar.Period `json:"post_to_period"`
	// ReversedOn is the business date of the reversal; zero: today.
	ReversedOn calendar.Date `json:"reversed_on"`
}

func (*RegisterPayer) Name() string       { return "RegisterPayer" }
func (*RegisterParticipant) Name() string { return "RegisterParticipant" }
func (*Enroll) Name() string              { return "Enroll" }
func (*ChangeWage) Name() string          { return "ChangeWage" }
func (*EndMembership) Name() string       { return "EndMembership" }
func (*AssessContributions) Name() string { return "AssessContributions" }
func (*RecordPayment) Name() string       { return "RecordPayment" }
func (*ReportAccident) Name() string      { return "ReportAccident" }
func (*ReportDeath) Name() string         { return "ReportDeath" }
func (*FileClaim) Name() string           { return "FileClaim" }
func (*ApproveClaim) Name() string        { return "ApproveClaim" }
func (*RejectClaim) Name() string         { return "RejectClaim" }
func (*RecordPayout) Name() string        { return "RecordPayout" }
func (*Reverse) Name() string             { return "Reverse" }

func (c *RegisterPayer) Validate() error {
	err := firstError(checkID("payer_id", c.PayerID), checkText("name", c.PayerName, true, maxNameRunes), checkOneOf("kind", c.Kind, PayerKinds...))
	if err != nil {
		return err
	}
	if c.RiskClass == 0 { // absent (JSON has no 0 class either)
		return problem.Field("risk_class", "missing_field", "is required: 1 to 5 (1 = very low … 5 = very high); village governments are 1")
	}
	if c.RiskClass < 1 || c.RiskClass > 5 {
		return problem.Field("risk_class", "invalid_risk_class", "must be 1 to 5 (1 = very low … 5 = very high); village governments are 1")
	}
	return nil
}

func (c *RegisterParticipant) Validate() error {
	return firstError(
		checkNIK("nik", c.NIK),
		checkText("name", c.FullName, true, maxNameRunes),
		checkDate("birth_date", c.BirthDate),
		checkOneOf("category", c.Category, Categories...),
		checkOneOf("segment", c.Segment, Segments...),
		checkText("kecamatan", c.Kecamatan, true, maxNameRunes),
		checkText("desa", c.Desa, true, maxNameRunes),
		checkID("payer_id", c.PayerID),
	)
}

func (c *Enroll) Validate() error {
	if err := firstError(checkNIK("nik", c.NIK), checkDate("effective_date", c.EffectiveDate)); err != nil {
		return err
	}
	if len(c.Programmes) == 0 {
		return problem.Field("programmes", "missing_field", "is required: a list such as [\"JKK\",\"JKM\",\"JHT\"]")
	}
	seen := map[string]bool{}
	for _, programme := range c.Programmes {
		if err := checkOneOf("programmes", programme, Programmes...); err != nil {
			return err
		}
		if seen[programme] {
			return problem.Field("programmes", "duplicate_value", "%s is listed twice", programme)
		}
		seen[programme] = true
	}
	if c.ContractValue != nil || !c.ProjectEnd.IsZero() {
		field := "contract_value"
		if c.ContractValue == nil {
			field = "project_end"
		}
		return problem.Field(field, "project_required", "a construction project is registered once (RegisterProject) and its workers are enrolled onto it with project_id; it is billed once, not per worker")
	}
	if c.ProjectID != "" {
		if c.Wage != nil || c.DeclaredIncome != nil {
			return problem.Field("project_id", "ambiguous_wage_base", "a construction worker is covered on the project's contract value, not a wage or a declared income")
		}
		return checkID("project_id", c.ProjectID)
	}
	return describeMoneyPair(c.Wage, c.DeclaredIncome, "wage", "declared_income")
}

func (c *ChangeWage) Validate() error {
	if err := firstError(checkNIK("nik", c.NIK), checkDate("effective_date", c.EffectiveDate)); err != nil {
		return err
	}
	return describeMoneyPair(c.Wage, c.DeclaredIncome, "wage", "declared_income")
}

func (c *EndMembership) Validate() error {
	return firstError(checkNIK("nik", c.NIK), checkDate("date", c.Date), checkOneOf("reason", c.Reason, EndReasons...))
}

func (c *AssessContributions) Validate() error {
	if err := checkID("payer_id", c.PayerID); err != nil {
		return err
	}
	if c.Period.IsZero() {
		return problem.Field("period", "missing_field", "is required (YYYY-MM)")
	}
	return nil
}

func (c *RecordPayment) Validate() error {
	err := firstError(checkID("payment_id", c.PaymentID), checkID("payer_id", c.PayerID), checkDate("paid_on", c.PaidOn),
		checkText("bank_reference", c.BankReference, true, maxNameRunes))
	if err != nil {
		return err
	}
	return checkPositive("amount", c.Amount)
}

func checkPositive(field string, amount *Money) error {
	if amount == nil {
		return problem.Field(field, "missing_field", "is required: a decimal string such as \"300000.00\"")
	}
	if !amount.IsPositive() {
		return problem.Field(field, "invalid_money", "must be more than zero")
	}
	return checkAmount(field, amount.Decimal)
}

func (c *ReportAccident) Validate() error {
	err := firstError(checkID("accident_id", c.AccidentID), checkNIK("nik", c.NIK), checkDate("date", c.Date),
		checkDate("reported_on", c.ReportedOn), checkText("description", c.Description, false, maxDescriptionRunes))
	if err != nil {
		return err
	}
	if c.ReportedOn.Before(c.Date) {
		return problem.Field("reported_on", "before_incident", "an accident cannot be reported before it happened (%s)", c.Date)
	}
	return nil
}

func (c *ReportDeath) Validate() error {
	if err := firstError(checkNIK("nik", c.NIK), checkDate("date", c.Date), checkOneOf("cause", c.Cause, DeathCauses...)); err != nil {
		return err
	}
	if c.Cause == "work_accident" {
		return checkID("accident_id", c.AccidentID)
	}
	if c.AccidentID != "" {
		return problem.Field("accident_id", "unexpected_field", "only a death by work accident names an accident")
	}
	return nil
}

func (c *FileClaim) Validate() error {
	err := firstError(checkID("claim_id", c.ClaimID), checkNIK("nik", c.NIK), checkOneOf("programme", c.Programme, ClaimPrograms...),
		checkDate("incident_date", c.IncidentDate))
	if err != nil {
		return err
	}
	if err := c.validateBenefit(); err != nil {
		return err
	}
	if c.Heir != nil {
		if err := firstError(checkText("heir.name", c.Heir.FullName, true, maxNameRunes), checkOneOf("heir.relationship", c.Heir.Relationship, Relationships...)); err != nil {
			return err
		}
		if c.Heir.NIK != "" {
			if err := checkNIK("heir.nik", c.Heir.NIK); err != nil {
				return err
			}
			if c.Heir.NIK == c.NIK {
				return problem.Field("heir.nik", "heir_is_member", "is the member's own NIK; the heir is another person")
			}
		}
	}
	if c.IsDeath() && c.Heir == nil {
		return problem.Field("heir", "missing_field", "a death claim names the heir: {name, relationship, nik}")
	}
	return c.validateDetails()
}

func (c *FileClaim) validateBenefit() error {
	switch c.Programme {
	case "JKM":
		return checkOneOf("benefit", c.Benefit, "death")
	case "JKK":
		return checkOneOf("benefit", c.Benefit, JKKBenefits...)
	case "JHT":
		return checkOneOf("benefit", c.Benefit, "full", "partial_10", "partial_30")
	default:
		return checkOneOf("benefit", c.Benefit, "scholarship")
	}
}

// IsDeath reports whether the claim is a death benefit (JKM, or JKK death).
func (c *FileClaim) IsDeath() bool { return c.Benefit == "death" }

func (c *FileClaim) validateDetails() error {
	if c.Details == nil {
		return nil
	}
	for i, child := range c.Details.Children {
		prefix := "details.children[" + itoa(i) + "]"
		if err := firstError(checkText(prefix+".name", child.FullName, true, maxNameRunes), checkDate(prefix+".birth_date", child.BirthDate),
			checkOneOf(prefix+".level", child.Level, SchoolLevels...)); err != nil {
			return err
		}

		if child.Grade < 0 || child.Grade > 6 {
			return problem.Field(prefix+".grade", "invalid_grade", "must be 0 to 6")
		}
	}
	if err := checkText("details.body_part", c.Details.BodyPart, false, maxNameRunes); err != nil {
		return err
	}
	if c.Details.Cost != nil {
		if err := checkAmount("details.cost", c.Details.Cost.Decimal); err != nil {
			return err
		}
	}
	if later, earlier, found := c.Details.DuplicateChild(); found {
		return problem.Field("details.children["+itoa(later)+"].name", "duplicate_child",
			"is the name of details.children[%d] too: give each child's full name as on the family card (KK)", earlier)
	}
	if c.Details.Months < 0 || c.Details.Months > 600 {
		return problem.Field("details.months", "invalid_months", "must be 0 to 600")
	}
	if c.Details.TransportMode != "" {
		if err := checkOneOf("details.transport_mode", c.Details.TransportMode, "land", "sea", "air"); err != nil {
			return err
		}
	}
	return nil
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

func (c *ApproveClaim) Validate() error { return checkID("claim_id", c.ClaimID) }

func (c *RejectClaim) Validate() error {
	return firstError(checkID("claim_id", c.ClaimID), checkText("reason", c.Reason, true, maxDescriptionRunes))
}

func (c *RecordPayout) Validate() error {
	if c.SchoolYear != 0 {
		if err := checkSchoolYear("school_year", c.SchoolYear); err != nil {
			return err
		}
	}
	err := firstError(checkID("payout_id", c.PayoutID), checkID("claim_id", c.ClaimID), checkDate("paid_on", c.PaidOn),
		checkText("bank_reference", c.BankReference, true, maxNameRunes))
	if err != nil {
		return err
	}
	return checkPositive("amount", c.Amount)
}

// Validate also writes event_id in its canonical form (lower case, no
// braces or urn prefix), the form the log holds and a reversal records.
func (c *Reverse) Validate() error {
	id, err := uuid.Parse(c.EventID)
	if err != nil {
		return problem.Field("event_id", "invalid_event_id", "must be the UUID of a stored event (see jaminan history)")
	}
	c.EventID = id.String()
	return firstError(checkOneOf("reason", c.Reason, ReversalReasons...), checkText("note", c.Note, false, maxDescriptionRunes))
}

// CreditJHTReturn credits a year's JHT development return at a declared rate.
type CreditJHTReturn struct {
	NIK         string  `json:"nik"`
	Year        int     `json:"year"`
	RatePercent Percent `json:"rate_percent"`
	Source      string  `json:"source"`
	// CreditedOn is the business date of the credit; zero: today.
	CreditedOn calendar.Date `json:"credited_on"`
}

func (*CreditJHTReturn) Name() string { return "CreditJHTReturn" }

func (c *CreditJHTReturn) Validate() error {
	if err := firstError(checkNIK("nik", c.NIK), checkText("source", c.Source, true, maxDescriptionRunes)); err != nil {
		return err
	}
	if c.Year < 1990 || c.Year > 2199 {
		return problem.Field("year", "invalid_year", "must be a year such as 2024")
	}
	if !c.RatePercent.IsPositive() || c.RatePercent.GreaterThan(decimal.NewFromInt(100)) {
		return problem.Field("rate_percent", "invalid_rate", "must be a decimal string above 0 and at most 100, e.g. \"5.63\"")
	}
	return nil
}

// ReversalReasons are the reason codes a correction must give.
var ReversalReasons = []string{"duplicate_entry", "wrong_amount", "wrong_payer", "wrong_date", "bank_returned", "other"}

// ClosePeriod closes a payer's month: corrections to it then post into an open month.
type ClosePeriod struct {
	PayerID string          `json:"payer_id"`
	Period  calendar.Period `json:"period"`
	// ClosedOn is the business date of the closing; zero: today.
	ClosedOn calendar.Date `json:"closed_on"`
}

func (*ClosePeriod) Name() string { return "ClosePeriod" }

func (c *ClosePeriod) Validate() error {
	if err := checkID("payer_id", c.PayerID); err != nil {
		return err
	}
	if c.Period.IsZero() {
		return problem.Field("period", "missing_field", "is required (YYYY-MM)")
	}
	return nil
}

// ScholarshipEndReasons say why a child's scholarship stops or a year is skipped.
var ScholarshipEndReasons = []string{"married", "working", "age_limit", "left_school", "not_enrolled_this_year", "other"}

// SkipScholarshipTranche skips one child's tranche for one school year.
type SkipScholarshipTranche struct {
	ClaimID    string `json:"claim_id"`
	Child      string `json:"child"`
	SchoolYear int    `json:"school_year"`
	Reason     string `json:"reason"`
	// SkippedOn is the business date of the decision; zero: today.
	SkippedOn calendar.Date `json:"skipped_on"`
}

// EndScholarship ends a child's scholarship from a school year on.
type EndScholarship struct {
	ClaimID        string `json:"claim_id"`
	Child          string `json:"child"`
	FromSchoolYear int    `json:"from_school_year"`
	Reason         string `json:"reason"`
	// EndedOn is the business date of the decision; zero: today.
	EndedOn calendar.Date `json:"ended_on"`
}

func (*SkipScholarshipTranche) Name() string { return "SkipScholarshipTranche" }
func (*EndScholarship) Name() string         { return "EndScholarship" }

func (c *SkipScholarshipTranche) Validate() error {
	return firstError(checkID("claim_id", c.ClaimID), checkText("child", c.Child, true, maxNameRunes),
		checkSchoolYear("school_year", c.SchoolYear), checkOneOf("reason", c.Reason, ScholarshipEndReasons...))
}

func (c *EndScholarship) Validate() error {
	return firstError(checkID("claim_id", c.ClaimID), checkText("child", c.Child, true, maxNameRunes),
		checkSchoolYear("from_school_year", c.FromSchoolYear), checkOneOf("reason", c.Reason, ScholarshipEndReasons...))
}

func checkSchoolYear(field string, year int) error {
	if year < 1990 || year > 2199 {
		return problem.Field(field, "invalid_school_year", "must be the first calendar year of a school year, e.g. 2024 for 2024/2025")
	}
	return nil
}

// RegisterProject registers a construction project: the payer (contractor)
// that pays its contributions, its contract value and its term. Stream
// project-<project_id>.
type RegisterProject struct {
	ProjectID     string        `json:"project_id"`
	PayerID       string        `json:"payer_id"`
	ProjectName   string        `json:"name"`
	ContractValue *Money        `json:"contract_value"`
	StartOn       calendar.Date `json:"start_on"`
	EndOn         calendar.Date `json:"end_on"`
	// RegisteredOn is the business date of the registration; zero: today.
	RegisteredOn calendar.Date `json:"registered_on"`
}

func (*RegisterProject) Name() string { return "RegisterProject" }

func (c *RegisterProject) Validate() error {
	err := firstError(checkID("project_id", c.ProjectID), checkID("payer_id", c.PayerID), checkText("name", c.ProjectName, true, maxNameRunes),
		checkDate("start_on", c.StartOn), checkDate("end_on", c.EndOn))
	if err != nil {
		return err
	}
	if c.EndOn.Before(c.StartOn) {
		return problem.Field("end_on", "before_start", "%s is before the project starts on %s", c.EndOn, c.StartOn)
	}
	return checkPositive("contract_value", c.ContractValue)
}

// ChangePayer moves a participant to another payer from a date.
type ChangePayer struct {
	NIK           string        `json:"nik"`
	PayerID       string        `json:"payer_id"`
	EffectiveDate calendar.Date `json:"effective_date"`
}

func (*ChangePayer) Name() string { return "ChangePayer" }

func (c *ChangePayer) Validate() error {
	return firstError(checkNIK("nik", c.NIK), checkID("payer_id", c.PayerID), checkDate("effective_date", c.EffectiveDate))
}

// Bounds of a bank statement.
const (
	// MaxStatementLines bounds one statement: its outcomes are appended in one
	// atomic append, and the log takes at most 1000 events per append.
	MaxStatementLines = 900
	// DefaultWindowDays is how many days a bank line's date may be from a
	// ledger item's for a match on amount alone.
	DefaultWindowDays = 3
	// MaxWindowDays bounds window_days.
	MaxWindowDays = 31
)

// StatementLine is one line of a bank statement. Amount is signed as the
// account sees it: positive is money in (a contribution receipt), negative is
// money out (a benefit payout). Line is the line's number in the bank's file;
// 0 means its place in the list, from 1.
type StatementLine struct {
	Line                int           `json:"line"`
	Date                calendar.Date `json:"date"`
	Reference           string        `json:"reference"`
	Amount              *SignedMoney  `json:"amount"`
	CounterpartyAccount string        `json:"counterparty_account"`
	Description         string        `json:"description"`
}

// StatementLines is a statement's lines. It decodes itself (strictly, like
// every command) so a statement may hold up to MaxStatementLines lines rather
// than the MaxListItems of other lists.
type StatementLines struct{ Items []StatementLine }

// UnmarshalJSON reads a JSON array of lines; an error names the item and its field.
func (l *StatementLines) UnmarshalJSON(data []byte) error {
	var items []json.RawMessage
	if err := json.Unmarshal(data, &items); err != nil {
		return problem.Field("", "invalid_type", "must be an array of statement lines")
	}
	if len(items) > MaxStatementLines {
		return problem.Field("", "too_many", "at most %d lines in one statement; split it by period", MaxStatementLines)
	}
	lines := make([]StatementLine, len(items))
	for i, item := range items {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(item, &fields); err != nil || fields == nil {
			return problem.Field("", "invalid_type", "[%d] must be an object", i)
		}
		if err := decodeStruct(fields, reflect.ValueOf(&lines[i]).Elem(), "", maxDepth-1); err != nil {
			if domainError, ok := problem.As(err); ok {
				// The caller names the field "lines"; the item and its field go in the message.
				domainError.Message = fmt.Sprintf("[%d].%s: %s", i, domainError.Field, domainError.Message)
				return domainError
			}
			return err
		}
	}
	l.Items = lines
	return nil
}

// MarshalJSON writes the lines as a JSON array.
func (l StatementLines) MarshalJSON() ([]byte, error) {
	if l.Items == nil {
		return []byte("[]"), nil
	}
	return json.Marshal(l.Items)
}

// ReconcileStatement imports a bank statement and reconciles it against the
// ledger's contribution receipts and benefit payouts (docs/reconciliation.md).
// PeriodFrom and PeriodTo default to the first and last line dates;
// WindowDays defaults to DefaultWindowDays.
type ReconcileStatement struct {
	StatementID string         `json:"statement_id"`
	Account     string         `json:"account"`
	PeriodFrom  calendar.Date  `json:"period_from"`
	PeriodTo    calendar.Date  `json:"period_to"`
	WindowDays  *int           `json:"window_days"`
	Lines       StatementLines `json:"lines"`
	// ReconciledOn is the business date of the reconciliation; zero: today.
	ReconciledOn calendar.Date `json:"reconciled_on"`
}

func (*ReconcileStatement) Name() string { return "ReconcileStatement" }

// Window is the date window of an amount-only match, in days either side.
func (c *ReconcileStatement) Window() int {
	if c.WindowDays == nil {
		return DefaultWindowDays
	}
	return *c.WindowDays
}

// LineNo is the number of the i-th line: its own, or its place from 1.
func (c *ReconcileStatement) LineNo(i int) int {
	if c.Lines.Items[i].Line != 0 {
		return c.Lines.Items[i].Line
	}
	return i + 1
}

// Period is the statement's period: as given, or the first and last line dates.
func (c *ReconcileStatement) Period() (from, to calendar.Date) {
	from, to = c.PeriodFrom, c.PeriodTo
	for _, line := range c.Lines.Items {
		if c.PeriodFrom.IsZero() && (from.IsZero() || line.Date.Before(from)) {
			from = line.Date
		}
		if c.PeriodTo.IsZero() && (to.IsZero() || line.Date.After(to)) {
			to = line.Date
		}
	}
	return from, to
}

func (c *ReconcileStatement) Validate() error {
	if err := firstError(checkID("statement_id", c.StatementID), checkText("account", c.Account, false, maxNameRunes)); err != nil {
		return err
	}
	if c.WindowDays != nil && (*c.WindowDays < 0 || *c.WindowDays > MaxWindowDays) {
		return problem.Field("window_days", "invalid_window", "must be 0 to %d days", MaxWindowDays)
	}
	if len(c.Lines.Items) == 0 {
		return problem.Field("lines", "missing_field", "a statement has at least one line")
	}
	if len(c.Lines.Items) > MaxStatementLines {
		return problem.Field("lines", "too_many", "at most %d lines in one statement; split it by period", MaxStatementLines)
	}
	if !c.PeriodFrom.IsZero() && !c.PeriodTo.IsZero() && c.PeriodTo.Before(c.PeriodFrom) {
		return problem.Field("period_to", "invalid_period", "is before period_from (%s)", c.PeriodFrom)
	}
	seen := make(map[int]bool, len(c.Lines.Items))
	from, to := c.Period()
	for i := range c.Lines.Items {
		if err := c.validateLine(i, seen, from, to); err != nil {
			return err
		}
	}
	return nil
}

func (c *ReconcileStatement) validateLine(i int, seen map[int]bool, from, to calendar.Date) error {
	line := c.Lines.Items[i]
	prefix := "lines[" + itoa(i) + "]"
	if line.Line < 0 || line.Line > MaxLineNumber {
		return problem.Field(prefix+".line", "invalid_line", "must be 1 to %d (0 means the line's place in the list)", MaxLineNumber)
	}
	if seen[c.LineNo(i)] {
		return problem.Field(prefix+".line", "duplicate_value", "line %d is listed twice", c.LineNo(i))
	}
	seen[c.LineNo(i)] = true
	err := firstError(checkDate(prefix+".date", line.Date), checkText(prefix+".reference", line.Reference, false, maxNameRunes),
		checkText(prefix+".counterparty_account", line.CounterpartyAccount, false, maxNameRunes),
		checkText(prefix+".description", line.Description, false, maxDescriptionRunes))
	if err != nil {
		return err
	}
	if line.Amount == nil {
		return problem.Field(prefix+".amount", "missing_field", "is required: a decimal string, negative for money out, e.g. \"-42000000.00\"")
	}
	if line.Amount.IsZero() {
		return problem.Field(prefix+".amount", "invalid_money", "must not be zero")
	}
	if err := CheckMagnitude(prefix+".amount", line.Amount.Decimal); err != nil {
		return err
	}
	if line.Date.Before(from) || line.Date.After(to) {
		return problem.Field(prefix+".date", "outside_period", "%s is outside the statement period %s to %s", line.Date, from, to)
	}
	return nil
}
