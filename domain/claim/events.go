// Package claim is the claim aggregate: filed, approved with the benefit
// computed once by the rule book in force on the incident date (every
// component, its formula and the version), or rejected; then paid out.
// Pure: no I/O, no clock.
package claim

import (
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
)

// Filed: a claim was filed.
type Filed struct {
	ClaimID       string        `json:"claim_id"`
	ParticipantID string        `json:"participant_id"`
	PayerID       string        `json:"payer_id"`
	Programme     string        `json:"programme"`
	Benefit       string        `json:"benefit"`
	IncidentDate  calendar.Date `json:"incident_date"`
	Heir          *command.Heir `json:"heir,omitempty"`
	// HeirClass is the heir's place in the order of docs/rulebook.md#heirs (1 spouse and
	// children … 5 named in writing); filing under class N asserts no heir of a lower class survives.
	HeirClass int              `json:"heir_class,omitempty"`
	Details   *command.Details `json:"details,omitempty"`
	FiledOn   calendar.Date    `json:"filed_on"`
}

// Component is one part of a benefit, with its formula in both languages.
type Component struct {
	Code      string        `json:"code"`
	LabelID   string        `json:"label_id"`
	LabelEN   string        `json:"label_en"`
	Amount    command.Money `json:"amount"`
	FormulaID string        `json:"formula_id"`
	FormulaEN string        `json:"formula_en"`
}

// Tranche is one school year of a child's scholarship.
type Tranche struct {
	Child      string        `json:"child"`
	SchoolYear int           `json:"school_year"`
	Level      string        `json:"level"`
	Grade      int           `json:"grade"`
	Amount     command.Money `json:"amount"`
}

// Eligibility records why the claim could be paid, and by whom first.
type Eligibility struct {
	Coverage         string        `json:"coverage"`
	MembershipMonths int           `json:"membership_months"`
	ArrearsMonths    int           `json:"arrears_months"`
	ArrearsAmount    command.Money `json:"arrears_amount"`
	// PaidFirstBy is "bpjs" or "employer" (employer arrears beyond the grace months).
	PaidFirstBy string `json:"paid_first_by"`
}

// Approved: the benefit, computed once; replays never recompute it.
type Approved struct {
	RuleBook    string        `json:"rule_book"`
	Regulation  string        `json:"regulation"`
	WageBase    command.Money `json:"wage_base"`
	Components  []Component   `json:"components"`
	Tranches    []Tranche     `json:"tranches,omitempty"`
	Total       command.Money `json:"total"`
	Notes       []string      `json:"notes,omitempty"`
	Eligibility Eligibility   `json:"eligibility"`
	ApprovedOn  calendar.Date `json:"approved_on"`
	DueBy       calendar.Date `json:"due_by"`
}

// Rejected: the claim is refused, with the reason.
type Rejected struct {
	Reason     string        `json:"reason"`
	RejectedOn calendar.Date `json:"rejected_on"`
}

// PayoutRecorded: money left for the heir or the member.
type PayoutRecorded struct {
	PayoutID      string        `json:"payout_id"`
	Amount        command.Money `json:"amount"`
	PaidOn        calendar.Date `json:"paid_on"`
	BankReference string        `json:"bank_reference"`
	Payee         string        `json:"payee"`
	Relationship  string        `json:"relationship"`
	SchoolYear    int           `json:"school_year,omitempty"`
}

func (Filed) EventType() string          { return "ClaimFiled" }
func (Approved) EventType() string       { return "ClaimApproved" }
func (Rejected) EventType() string       { return "ClaimRejected" }
func (PayoutRecorded) EventType() string { return "PayoutRecorded" }

func (e Filed) OccurredOn() calendar.Date          { return e.IncidentDate }
func (e Approved) OccurredOn() calendar.Date       { return e.ApprovedOn }
func (e Rejected) OccurredOn() calendar.Date       { return e.RejectedOn }
func (e PayoutRecorded) OccurredOn() calendar.Date { return e.PaidOn }

// Events is the registry of this aggregate's event types.
func Events() *event.Registry {
	return event.NewRegistry(
		func() event.Event { return &Filed{} },
		func() event.Event { return &Approved{} },
		func() event.Event { return &Rejected{} },
		func() event.Event { return &PayoutRecorded{} },
		func() event.Event { return &PayoutReversed{} },
		func() event.Event { return &TrancheSkipped{} },
		func() event.Event { return &ScholarshipEnded{} },
		func() event.Event { return &PayoutScheduled{} },
	)
}
