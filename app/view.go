package app

import (
	"encoding/json"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

// EventView is how an appended event is shown to users (apply output, API).
type EventView struct {
	Position int64           `json:"position"`
	Stream   string          `json:"stream"`
	Version  int64           `json:"version"`
	Type     string          `json:"type"`
	Data     json.RawMessage `json:"data"`
}

// Views turns a result into its public shape.
func (r Result) Views() []EventView {
	views := make([]EventView, 0, len(r.Events))
	for _, recorded := range r.Events {
		views = append(views, View(recorded))
	}
	return views
}

// View is one recorded event in its public shape.
func View(recorded eventstore.RecordedEvent) EventView {
	return EventView{Position: recorded.Position, Stream: recorded.StreamID, Version: recorded.Version, Type: recorded.Type, Data: recorded.Data}
}

// ErrorView is a failed command in its public shape.
type ErrorView struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// Describe turns any error into an ErrorView; internal errors keep their text
// out of the view (it may hold SQL) and get code "internal".
func Describe(err error) (ErrorView, problem.Kind) {
	if domainError, ok := problem.As(err); ok {
		return ErrorView{Code: domainError.Code, Message: domainError.Message, Field: domainError.Field}, domainError.Kind
	}
	return ErrorView{Code: "internal", Message: "internal error; the server log has the details"}, ""
}
