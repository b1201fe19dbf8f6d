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

// BillLine is one participant's contributions for the period.
type BillLine struct {
	ParticipantID string             `json:"participant_id"`
	Segment       string             `json:"segment"`
	WageBase      command.Money      `json:"wage_base"`
	Lines         []ContributionLine `json:"lines"`
	Total         command.Money      `json:"total"`
}

// ContributionsAssessed: a bill (or a supplement to it) for one month.
type ContributionsAssessed struct {
	Period   calendar.Period `json:"period"`
	DueDate  calendar.Date   `json:"due_date"`
	RuleBook string          `json:"rule_book"`
	Lines    []BillLine      `json:"lines"`
	Total    command.Money   `json:"total"`
	// AssessedOn is the day the bill was made (absent from older logs).
	AssessedOn calendar.Date `json:"assessed_on,omitzero"`
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
func (PaymentReceived) EventType() string       { return "PaymentReceived" }
func (LatePenaltyAssessed) EventType() string   { return "LatePenaltyAssessed" }

func (e Registered) OccurredOn() calendar.Date            { return e.RegisteredOn }
func (e ContributionsAssessed) OccurredOn() calendar.Date { return e.Period.FirstDay() }
func (e PaymentReceived) OccurredOn() calendar.Date       { return e.PaidOn }
func (e LatePenaltyAssessed) OccurredOn() calendar.Date   { return e.PaidOn }

// Events is the registry of this aggregate's event types.
func Events() *event.Registry {
	return event.NewRegistry(
		func() event.Event { return &Registered{} },
		func() event.Event { return &ContributionsAssessed{} },
		func() event.Event { return &PaymentReceived{} },
		func() event.Event { return &LatePenaltyAssessed{} },
		func() event.Event { return &PaymentReversed{} },
		func() event.Event { return &PeriodClosed{} },
	)
}
