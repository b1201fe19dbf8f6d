// Package project is a construction project: registered once with the payer
// (the contractor) that pays its contributions, its contract value and its
// term. Its workers are enrolled onto it (Enroll.project_id), and the payer's
// bill carries the project once, on its contract value (payer.Assess), not
// once per worker. Pure: no I/O, no clock.
package project

import (
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

// Registered: a construction project exists, with its payer, contract value and term.
type Registered struct {
	ProjectID     string        `json:"project_id"`
	PayerID       string        `json:"payer_id"`
	Name          string        `json:"name"`
	ContractValue command.Money `json:"contract_value"`
	StartOn       calendar.Date `json:"start_on"`
	EndOn         calendar.Date `json:"end_on"`
	RegisteredOn  calendar.Date `json:"registered_on"`
}

func (Registered) EventType() string           { return "ProjectRegistered" }
func (e Registered) OccurredOn() calendar.Date { return e.RegisteredOn }

// Events is the registry of this aggregate's event types.
func Events() *event.Registry {
	return event.NewRegistry(func() event.Event { return &Registered{} })
}

// State is the project as its events leave it; the zero State is "not registered".
type State struct {
	Registered *Registered
	Version    int64
}

// Evolve applies one event.
func Evolve(state State, e event.Event) State {
	if registered, ok := e.(*Registered); ok {
		copied := *registered
		state.Registered = &copied
	}
	return state
}

// Register decides RegisterProject; a repeat with the same data decides nothing.
// The payer must be registered (the caller says whether it is).
func Register(state State, c *command.RegisterProject, payerRegistered bool, today calendar.Date) ([]event.Event, error) {
	registered := &Registered{ProjectID: c.ProjectID, PayerID: c.PayerID, Name: c.ProjectName, ContractValue: *c.ContractValue,
		StartOn: c.StartOn, EndOn: c.EndOn, RegisteredOn: command.BusinessDate(c.RegisteredOn, today)}
	if existing := state.Registered; existing != nil {
		if existing.PayerID == c.PayerID && existing.Name == c.ProjectName && existing.ContractValue.Equal(c.ContractValue.Decimal) &&
			existing.StartOn.Equal(c.StartOn) && existing.EndOn.Equal(c.EndOn) {
			return nil, nil
		}
		return nil, &problem.Error{Kind: problem.Conflict, Code: "project_exists", Field: "project_id", Message: "project " + c.ProjectID + " is registered already with other data"}
	}
	if !payerRegistered {
		return nil, &problem.Error{Kind: problem.NotFound, Code: "payer_not_found", Field: "payer_id", Message: "no payer " + c.PayerID + "; register it first (RegisterPayer)"}
	}
	return []event.Event{registered}, nil
}
