package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/claim"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/domain/participant"
	"github.com/tanahbumbu/jaminan/domain/payer"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

// Bounds of a history listing.
const (
	maxHistoryEvents = 100_000
	historyPageSize  = 1000
)

// HistoryBound limits a history to what was true or known at some point:
// AsOf keeps the events whose business date is on or before it (the state as
// of that date), AtPosition the events at or before that global position
// (what the ledger knew then). Zero values mean no bound.
type HistoryBound struct {
	AsOf       calendar.Date
	AtPosition int64
}

func (b HistoryBound) admits(recorded eventstore.RecordedEvent) bool {
	if !b.AsOf.IsZero() && calendar.DateOf(recorded.OccurredAt).After(b.AsOf) {
		return false
	}
	// An event not yet placed in the global order (Position 0) is newer than any bound.
	if b.AtPosition > 0 && (recorded.Position == 0 || recorded.Position > b.AtPosition) {
		return false
	}
	return true
}

// HistoryEntry is one event of a stream and the state after it.
type HistoryEntry struct {
	Position   int64           `json:"position"`
	Stream     string          `json:"stream"`
	Version    int64           `json:"version"`
	EventID    string          `json:"event_id"`
	Type       string          `json:"type"`
	OccurredAt string          `json:"occurred_at"`
	RecordedAt string          `json:"recorded_at"`
	Actor      string          `json:"actor"`
	Command    string          `json:"command,omitempty"`
	Hash       string          `json:"hash"`
	Data       json.RawMessage `json:"data"`
	StateAfter string          `json:"state_after"`
	// PayerID names the payer whose stream the event is from, in a participant's timeline.
	PayerID string `json:"payer_id,omitempty"`
	// Excerpt: Data is the participant's part of a payer's event (their bill
	// line, what a payment paid on it); Hash is the whole stored event's.
	Excerpt bool `json:"excerpt,omitempty"`
}

func historyEntry(recorded eventstore.RecordedEvent, stateAfter string) HistoryEntry {
	return HistoryEntry{Position: recorded.Position, Stream: recorded.StreamID, Version: recorded.Version, EventID: recorded.EventID.String(),
		Type: recorded.Type, OccurredAt: recorded.OccurredAt.Format(time.DateOnly), RecordedAt: recorded.RecordedAt.UTC().Format(time.RFC3339),
		Actor: recorded.Metadata.Actor, Command: recorded.Metadata.Command, Hash: fmt.Sprintf("%x", recorded.Hash), Data: recorded.Data, StateAfter: stateAfter}
}

// History replays from the log — never from the read models — and returns
// every event within bound with the state after it: a participant's whole
// timeline (named by NIK; participantTimeline), or one payer's or claim's stream.
func (a *Application) History(ctx context.Context, kind, id string, bound HistoryBound) ([]HistoryEntry, error) {
	var streamID string
	var stateAfter func(eventstore.RecordedEvent) (string, error)
	switch kind {
	case "participant":
		return a.participantTimeline(ctx, id, bound)
	case "payer":
		return a.payerHistory(ctx, id, bound)
	case "claim":
		streamID = claimStream(id)
		var folded claim.State
		stateAfter = func(recorded eventstore.RecordedEvent) (string, error) {
			decoded, err := a.Decode(recorded)
			if err != nil {
				return "", err
			}
			folded = claim.Evolve(folded, decoded)
			return fmt.Sprintf("%s; paid out %s of %s", folded.Status(), folded.PaidOut.StringFixed(2), folded.Outstanding().Add(folded.PaidOut).StringFixed(2)), nil
		}
	default:
		return nil, problem.Field("kind", "unknown_kind", "history takes participant, payer or claim, not %q", kind)
	}
	recorded, err := a.readWholeStream(ctx, streamID)
	if err != nil {
		return nil, err
	}
	if len(recorded) == 0 {
		return nil, &problem.Error{Kind: problem.NotFound, Code: kind + "_not_found", Field: "id", Message: "no " + kind + " " + id + " in the log"}
	}
	entries := make([]HistoryEntry, 0, len(recorded))
	for _, event := range recorded {
		if !bound.admits(event) {
			continue
		}
		state, err := stateAfter(event)
		if err != nil {
			return nil, fmt.Errorf("%s version %d: %w", streamID, event.Version, err)
		}
		entries = append(entries, historyEntry(event, state))
	}
	return entries, nil
}

// payerHistory is the payer's stream with its bills' lines (eachPayerEvent),
// each event with the payer's state after it (its bills, credit and
// penalties: what the lines do not change).
func (a *Application) payerHistory(ctx context.Context, payerID string, bound HistoryBound) ([]HistoryEntry, error) {
	var entries []HistoryEntry
	builder := payer.NewBuilder(payer.State{})
	seen := false
	err := a.eachPayerEvent(ctx, payerID, func(recorded eventstore.RecordedEvent, decoded event.Event) error {
		seen = true
		if !bound.admits(recorded) {
			return nil
		}
		if len(entries) == maxHistoryEvents {
			return fmt.Errorf("payer %s has more than %d events with its bills' lines; history shows at most that many", payerID, maxHistoryEvents)
		}
		builder.Apply(decoded)
		folded := builder.State()
		entries = append(entries, historyEntry(recorded, fmt.Sprintf("%d bill(s), credit %s, penalties %s", len(folded.Bills), folded.Credit.StringFixed(2), folded.Penalties.StringFixed(2))))
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !seen {
		return nil, &problem.Error{Kind: problem.NotFound, Code: "payer_not_found", Field: "id", Message: "no payer " + payerID + " in the log"}
	}
	return entries, nil
}

// readWholeStream reads a stream whole, up to maxHistoryEvents.
func (a *Application) readWholeStream(ctx context.Context, streamID string) ([]eventstore.RecordedEvent, error) {
	var all []eventstore.RecordedEvent
	err := a.eachEvent(ctx, streamID, func(recorded eventstore.RecordedEvent) error {
		all = append(all, recorded)
		return nil
	})
	return all, err
}

// DescribeParticipant is a participant's state in one line: coverage spans and wage base.
func DescribeParticipant(state participant.State) string {
	if len(state.Enrollments) == 0 {
		return "registered, not enrolled"
	}
	var parts []string
	for _, enrollment := range state.Enrollments {
		span := enrollment.Programme + " from " + enrollment.From.String()
		if !enrollment.Until.IsZero() {
			span += " until " + enrollment.Until.String()
		}
		parts = append(parts, span)
	}
	if len(state.Wages) > 0 {
		if wage, ok := state.WageOn(state.Wages[len(state.Wages)-1].From); ok {
			parts = append(parts, "wage base "+wage.StringFixed(2))
		}
	}
	return strings.Join(parts, "; ")
}
