// Package participant is the participant aggregate: registration, enrollment
// per programme, wage base changes, end of membership, accidents and deaths,
// and the claims lodged against the participant. Pure: no I/O, no clock.
package participant

import (
	"encoding/json"
	"errors"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
)

// Registered: a worker joined the ledger.
type Registered struct {
	ParticipantID string        `json:"participant_id"`
	NIK           string        `json:"nik"`
	Name          string        `json:"name"`
	BirthDate     calendar.Date `json:"birth_date"`
	Category      string        `json:"category"`
	Segment       string        `json:"segment"`
	Kecamatan     string        `json:"kecamatan"`
	Desa          string        `json:"desa"`
	PayerID       string        `json:"payer_id"`
	RegisteredOn  calendar.Date `json:"registered_on"`
}

// Enrolled: programmes start on a date with a wage base.
type Enrolled struct {
	Programmes    []string      `json:"programmes"`
	EffectiveDate calendar.Date `json:"effective_date"`
	// WageBase is the wage (PU) or declared income (BPU).
	WageBase command.Money `json:"wage_base"`
	WageKind string        `json:"wage_kind"` // "wage", "declared_income" or "contract_value"
	// Until is the last covered day of a construction project (zero otherwise).
	Until calendar.Date `json:"until,omitempty"`
	// ProjectID is the construction project the worker is enrolled onto;
	// absent from enrollments on a contract value made before projects had
	// their own identity.
	ProjectID string `json:"project_id,omitempty"`
}

// WageChanged: the wage base changes from a date.
type WageChanged struct {
	EffectiveDate calendar.Date `json:"effective_date"`
	WageBase      command.Money `json:"wage_base"`
	WageKind      string        `json:"wage_kind"`
}

// MembershipEnded: every programme ends on a date.
type MembershipEnded struct {
	Date   calendar.Date `json:"date"`
	Reason string        `json:"reason"`
}

// AccidentReported: a work accident, with whether the report was late (over 2 × 24 hours).
type AccidentReported struct {
	AccidentID  string        `json:"accident_id"`
	Date        calendar.Date `json:"date"`
	ReportedOn  calendar.Date `json:"reported_on"`
	Late        bool          `json:"late"`
	Description string        `json:"description"`
}

// DeathReported: the participant died.
type DeathReported struct {
	Date       calendar.Date `json:"date"`
	Cause      string        `json:"cause"`
	AccidentID string        `json:"accident_id,omitempty"`
}

// ClaimLodged: a claim was filed against this participant; the participant
// stream is where "one death claim per participant" is enforced.
type ClaimLodged struct {
	ClaimID      string        `json:"claim_id"`
	Programme    string        `json:"programme"`
	Benefit      string        `json:"benefit"`
	IncidentDate calendar.Date `json:"incident_date"`
}

func (Registered) EventType() string       { return "ParticipantRegistered" }
func (Enrolled) EventType() string         { return "ParticipantEnrolled" }
func (WageChanged) EventType() string      { return "WageChanged" }
func (MembershipEnded) EventType() string  { return "MembershipEnded" }
func (AccidentReported) EventType() string { return "AccidentReported" }
func (DeathReported) EventType() string    { return "DeathReported" }
func (ClaimLodged) EventType() string      { return "ClaimLodged" }

func (e Registered) OccurredOn() calendar.Date       { return e.RegisteredOn }
func (e Enrolled) OccurredOn() calendar.Date         { return e.EffectiveDate }
func (e WageChanged) OccurredOn() calendar.Date      { return e.EffectiveDate }
func (e MembershipEnded) OccurredOn() calendar.Date  { return e.Date }
func (e AccidentReported) OccurredOn() calendar.Date { return e.Date }
func (e DeathReported) OccurredOn() calendar.Date    { return e.Date }
func (e ClaimLodged) OccurredOn() calendar.Date      { return e.IncidentDate }

// Events is the registry of this aggregate's event types.
func Events() *event.Registry {
	registry := event.NewRegistry(
		func() event.Event { return &Registered{} },
		func() event.Event { return &Enrolled{} },
		func() event.Event { return &WageChanged{} },
		func() event.Event { return &MembershipEnded{} },
		func() event.Event { return &AccidentReported{} },
		func() event.Event { return &DeathReported{} },
		func() event.Event { return &ClaimLodged{} },
		func() event.Event { return &JHTReturnCredited{} },
		func() event.Event { return &JHTDebited{} },
		func() event.Event { return &PayerChanged{} },
		func() event.Event { return &MembershipInactive{} },
		func() event.Event { return &MembershipReactivated{} },
	)
	registry.AddUpcaster("ParticipantEnrolled", 1, upcastEnrolledV1)
	return registry
}

// upcastEnrolledV1: version 1 of ParticipantEnrolled carried "wage" (wage
// earners) or "declared_income" (non-wage earners); version 2 carries one
// "wage_base" and says which it is in "wage_kind".
func upcastEnrolledV1(data json.RawMessage) (json.RawMessage, error) {
	var v1 map[string]json.RawMessage
	if err := json.Unmarshal(data, &v1); err != nil {
		return nil, err
	}
	if _, ok := v1["wage_base"]; ok {
		return data, nil // written by a pre-release build in today's shape
	}
	for _, kind := range []string{"wage", "declared_income"} {
		if amount, ok := v1[kind]; ok {
			delete(v1, kind)
			v1["wage_base"] = amount
			v1["wage_kind"], _ = json.Marshal(kind)
			return json.Marshal(v1)
		}
	}
	return nil, errors.New("ParticipantEnrolled v1 without wage or declared_income")
}

// JHTReturnCredited: a year's development return on the JHT balance, at a declared rate.
type JHTReturnCredited struct {
	Year           int           `json:"year"`
	RatePercent    string        `json:"rate_percent"`
	Source         string        `json:"source"`
	Method         string        `json:"method"`
	AverageBalance command.Money `json:"average_balance"`
	Amount         command.Money `json:"amount"`
	CreditedOn     calendar.Date `json:"credited_on"`
	// RuleBook is the version whose method was used; empty in events recorded before it was kept.
	RuleBook string `json:"rule_book,omitempty"`
}

// JHTDebited: JHT paid out on an approved claim; the participant stream
// guards the balance, so two claims can never spend it twice.
type JHTDebited struct {
	ClaimID string        `json:"claim_id"`
	Kind    string        `json:"kind"` // full, partial_10, partial_30
	Amount  command.Money `json:"amount"`
	DebitOn calendar.Date `json:"debited_on"`
}

// PayerChanged: from a date another payer pays the participant's contributions.
type PayerChanged struct {
	PayerID         string        `json:"payer_id"`
	PreviousPayerID string        `json:"previous_payer_id"`
	EffectiveDate   calendar.Date `json:"effective_date"`
}

func (PayerChanged) EventType() string           { return "PayerChanged" }
func (e PayerChanged) OccurredOn() calendar.Date { return e.EffectiveDate }

func (JHTReturnCredited) EventType() string           { return "JHTReturnCredited" }
func (JHTDebited) EventType() string                  { return "JHTDebited" }
func (e JHTReturnCredited) OccurredOn() calendar.Date { return calendar.NewDate(e.Year, 12, 31) }
func (e JHTDebited) OccurredOn() calendar.Date        { return e.DebitOn }
