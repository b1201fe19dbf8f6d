// Package payer is the payer aggregate: who pays contributions, the monthly
// bills (one line per participant), payments received and how each was
// allocated (oldest open bill first; over-payment held as credit), and
// late-payment penalties. Pure: no I/O, no clock.
package payer

import (
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
)

// Registered: a payer exists.
type Registered struct {
	PayerID      string        `json:"payer_id"`
	Name         string        `json:"name"`
	Kind         string        `json:"kind"`
	RiskClass    int           `json:"risk_class"`
	RegisteredOn calendar.Date `json:"registered_on"`
}

// ContributionLine is one programme's contribution for one participant.
type ContributionLine struct {
	Programme string        `json:"programme"`
	Rate      string        `json:"rate"`
	Employer  command.Money `json:"employer"`
	Worker    command.Money `json:"worker"`
	Total     command.Money `json:"total"`
}

// BillLine is one participant's contributions for the period, or one
// construction project's (ProjectID, on its contract value, with the
// workers it covers; no participant id).
type BillLine struct {
	ParticipantID string             `json:"participant_id,omitempty"`
	ProjectID     string             `json:"project_id,omitempty"`
	Workers       []string           `json:"workers,omitempty"`
	Segment       string             `json:"segment"`
	WageBase      command.Money      `json:"wage_base"`
	Lines         []ContributionLine `json:"lines"`
	Total         command.Money      `json:"total"`
}

// ProjectKey is what names a project's line where a participant id names a
// participant's (a bill's index, rm_contributions.participant_id): the
// project's stream id, which no participant id can be.
func ProjectKey(projectID string) string { return "project-" + projectID }

// Key names the line on its bill: the participant id, or ProjectKey.
func (l BillLine) Key() string {
	if l.ProjectID != "" {
		return ProjectKey(l.ProjectID)
	}
	return l.ParticipantID
}

// ContributionsAssessed: a bill (or a supplement to it) for one month, lines
// and all, on the payer's stream. Written by releases before bills had
// streams of their own (a large payer's came to megabytes); still read, never
// written: Assess decides ContributionsBilled and BillLinesRecorded.
type ContributionsAssessed struct {
	Period   calendar.Period `json:"period"`
	DueDate  calendar.Date   `json:"due_date"`
	RuleBook string          `json:"rule_book"`
	Lines    []BillLine      `json:"lines"`
	Total    command.Money   `json:"total"`
	// AssessedOn is the day the bill was made (absent from older logs).
	AssessedOn calendar.Date `json:"assessed_on,omitzero"`
}

// MaxLinesPerPart bounds the lines of one BillLinesRecorded: at the largest
// line the fields allow (TestBillPartFitsTheEventSizeLimit) a part stays well
// under the log's maximum event size.
const MaxLinesPerPart = 150

// MaxPartsPerAssessment bounds the parts one assessment appends to a bill's
// stream (the log takes at most this many events in one stream's append),
// so one run bills at most 150,000 workers; a larger payer is split.
const MaxPartsPerAssessment = 1000

// ProgrammeTotal is one programme's share of a bill or a supplement.
type ProgrammeTotal struct {
	Programme string        `json:"programme"`
	Employer  command.Money `json:"employer"`
	Worker    command.Money `json:"worker"`
	Total     command.Money `json:"total"`
}

// ContributionsBilled: a bill (or a supplement to it) for one month, on the
// payer's stream, with what the payer's decisions need and no lines: those
// are the Parts BillLinesRecorded events appended to the bill's own stream
// (bill-<payer>-<period>) in the same write.
type ContributionsBilled struct {
	Period   calendar.Period `json:"period"`
	DueDate  calendar.Date   `json:"due_date"`
	RuleBook string          `json:"rule_book"`
	Lines    int             `json:"lines"`
	// FirstPart and Parts number this assessment's BillLinesRecorded events
	// on the bill's stream: FirstPart, FirstPart+1, … (the stream's versions).
	FirstPart  int              `json:"first_part"`
	Parts      int              `json:"parts"`
	Segments   []string         `json:"segments"` // of the lines, sorted
	Programmes []ProgrammeTotal `json:"programmes"`
	Total      command.Money    `json:"total"`
	// AssessedOn is the day the bill was made.
	AssessedOn calendar.Date `json:"assessed_on,omitzero"`
}

// BillLinesRecorded: up to MaxLinesPerPart lines of one month's bill, in
// billing order, on the bill's stream. Part is its place in that stream
// (its version).
type BillLinesRecorded struct {
	PayerID  string          `json:"payer_id"`
	Period   calendar.Period `json:"period"`
	DueDate  calendar.Date   `json:"due_date"`
	RuleBook string          `json:"rule_book"`
	Part     int             `json:"part"`
	Lines    []BillLine      `json:"lines"`
	Total    command.Money   `json:"total"` // of these lines
}

// AsAssessed reads a part as an assessment of its lines alone: read models
// built from whole ContributionsAssessed events are built from parts alike,
// part after part, since the parts of a bill are its lines in billing order.
func (e *BillLinesRecorded) AsAssessed() *ContributionsAssessed {
	return &ContributionsAssessed{Period: e.Period, DueDate: e.DueDate, RuleBook: e.RuleBook, Lines: e.Lines, Total: e.Total}
}

// Allocation is part of a payment applied to one month's bill.
type Allocation struct {
	Period calendar.Period `json:"period"`
	Amount command.Money   `json:"amount"`
}

// PaymentReceived: money came in, and where it went.
type PaymentReceived struct {
	PaymentID     string          `json:"payment_id"`
	Amount        command.Money   `json:"amount"`
	PaidOn        calendar.Date   `json:"paid_on"`
	BankReference string          `json:"bank_reference"`
	Period        calendar.Period `json:"period,omitempty"`
	Allocations   []Allocation    `json:"allocations"`
	// Credit is what was left over, held for the payer.
	Credit command.Money `json:"credit"`
}

// LatePenaltyAssessed: a contribution was paid after its due date.
type LatePenaltyAssessed struct {
	PaymentID  string          `json:"payment_id"`
	Period     calendar.Period `json:"period"`
	Unpaid     command.Money   `json:"unpaid"`
	DueDate    calendar.Date   `json:"due_date"`
	PaidOn     calendar.Date   `json:"paid_on"`
	MonthsLate int             `json:"months_late"`
	Rate       string          `json:"rate"`
	Amount     command.Money   `json:"amount"`
	RuleBook   string          `json:"rule_book"`
}

func (Registered) EventType() string            { return "PayerRegistered" }
func (ContributionsAssessed) EventType() string { return "ContributionsAssessed" }
func (ContributionsBilled) EventType() string   { return "ContributionsBilled" }
func (BillLinesRecorded) EventType() string     { return "BillLinesRecorded" }
func (PaymentReceived) EventType() string       { return "PaymentReceived" }
func (LatePenaltyAssessed) EventType() string   { return "LatePenaltyAssessed" }

func (e Registered) OccurredOn() calendar.Date            { return e.RegisteredOn }
func (e ContributionsAssessed) OccurredOn() calendar.Date { return e.Period.FirstDay() }
func (e ContributionsBilled) OccurredOn() calendar.Date   { return e.Period.FirstDay() }
func (e BillLinesRecorded) OccurredOn() calendar.Date     { return e.Period.FirstDay() }
func (e PaymentReceived) OccurredOn() calendar.Date       { return e.PaidOn }
func (e LatePenaltyAssessed) OccurredOn() calendar.Date   { return e.PaidOn }

// Events is the registry of this aggregate's event types.
func Events() *event.Registry {
	return event.NewRegistry(
		func() event.Event { return &Registered{} },
		func() event.Event { return &ContributionsAssessed{} },
		func() event.Event { return &ContributionsBilled{} },
		func() event.Event { return &BillLinesRecorded{} },
		func() event.Event { return &PaymentReceived{} },
		func() event.Event { return &LatePenaltyAssessed{} },
		func() event.Event { return &PaymentReversed{} },
		func() event.Event { return &PeriodClosed{} },
	)
}
