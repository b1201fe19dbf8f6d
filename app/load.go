package app

import (
	"context"
	"fmt"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/claim"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/domain/participant"
	"github.com/tanahbumbu/jaminan/domain/payer"
	"github.com/tanahbumbu/jaminan/domain/problem"
	"github.com/tanahbumbu/jaminan/domain/project"
	"github.com/tanahbumbu/jaminan/domain/reconciliation"
)

// decoders finds the registry of an event type among the aggregates'.
type decoders struct {
	registries []*event.Registry
}

func newDecoders() *decoders {
	return &decoders{registries: []*event.Registry{participant.Events(), payer.Events(), claim.Events(), reconciliation.Events(), project.Events()}}
}

func (d *decoders) decode(recorded eventstore.RecordedEvent) (event.Event, error) {
	registry, err := d.registry(recorded.Type)
	if err != nil {
		return nil, err
	}
	return registry.Decode(recorded.Type, recorded.SchemaVersion, recorded.Data)
}

func (d *decoders) decodeTransient(recorded eventstore.RecordedEvent) (event.Event, error) {
	registry, err := d.registry(recorded.Type)
	if err != nil {
		return nil, err
	}
	return registry.DecodeTransient(recorded.Type, recorded.SchemaVersion, recorded.Data)
}

func (d *decoders) registry(eventType string) (*event.Registry, error) {
	for _, registry := range d.registries {
		if registry.Knows(eventType) {
			return registry, nil
		}
	}
	return nil, fmt.Errorf("unknown event type %q", eventType)
}

// version is the schema version new events of a type are written with.
func (d *decoders) version(eventType string) int {
	for _, registry := range d.registries {
		if registry.Knows(eventType) {
			return registry.Version(eventType)
		}
	}
	return event.FirstVersion
}

// LoadParticipant replays a participant's stream.
func (a *Application) LoadParticipant(ctx context.Context, participantID string) (participant.State, error) {
	events, version, err := a.loadStream(ctx, participantStream(participantID))
	if err != nil {
		return participant.State{}, err
	}
	state := participant.Replay(events)
	state.ID = participantID
	state.Version = version
	return state, nil
}

// LoadParticipants replays many participants' streams, read together (one
// round trip per eventstore.MaxStreamsPerRead streams on PostgreSQL), keyed
// by id; an id without events is the zero participant with that id.
func (a *Application) LoadParticipants(ctx context.Context, participantIDs []string) (map[string]participant.State, error) {
	streamIDs := make([]string, len(participantIDs))
	for i, id := range participantIDs {
		streamIDs[i] = participantStream(id)
	}
	read, err := eventstore.ReadStreams(ctx, a.config.Store, streamIDs)
	if err != nil {
		return nil, err
	}
	states := make(map[string]participant.State, len(participantIDs))
	for _, id := range participantIDs {
		recorded := read[participantStream(id)]
		events, err := a.decodeAll(participantStream(id), recorded)
		if err != nil {
			return nil, err
		}
		state := participant.Replay(events)
		state.ID = id
		if len(recorded) > 0 {
			state.Version = recorded[len(recorded)-1].Version
		}
		states[id] = state
	}
	return states, nil
}

// LoadPayer loads a payer with its bills' lines: the cached state
// (PayerCache), else the payer's snapshot (Config.Snapshots), and the events
// after it, or a replay of the whole stream; then the parts of its bills'
// streams not folded yet, all in one read. The state returned may be the
// cache's: callers must not change it (decide functions never do).
func (a *Application) LoadPayer(ctx context.Context, payerID string) (payer.State, error) {
	return a.loadPayer(ctx, payerID, true)
}

// loadPayer loads a payer; without lines, only its own stream is read, and
// bills assessed since the cached state have totals but no lines (what
// payments, penalties and corrections decide on). Snapshots hold no lines
// of bill streams (payer.SnapshotCodec): a state from one reads them anew.
func (a *Application) loadPayer(ctx context.Context, payerID string, lines bool) (payer.State, error) {
	streamID := payerStream(payerID)
	cached := a.config.PayerCache.get(streamID)
	loaded, err := load(ctx, a, payerAggregate(), streamID, cached)
	if err != nil {
		return payer.State{}, err
	}
	changed := loaded.version != cached.version || loaded.snapshotVersion != cached.snapshotVersion
	if lines {
		var folded bool
		if loaded.state, folded, err = a.withBillLines(ctx, payerID, loaded.state); err != nil {
			return payer.State{}, err
		}
		changed = changed || folded
	}
	if changed {
		a.config.PayerCache.put(streamID, loaded)
	}
	return loaded.state, nil
}

// withBillLines folds the parts of the payer's bills not folded yet,
// reading every such bill's stream in one ReadStreams.
func (a *Application) withBillLines(ctx context.Context, payerID string, state payer.State) (payer.State, bool, error) {
	var streamIDs []string
	for _, period := range state.Periods() {
		if _, missing := state.Bills[period].MissingParts(); missing {
			streamIDs = append(streamIDs, billStream(payerID, period))
		}
	}
	if len(streamIDs) == 0 {
		return state, false, nil
	}
	read, err := eventstore.ReadStreams(ctx, a.config.Store, streamIDs)
	if err != nil {
		return payer.State{}, false, err
	}
	builder := payer.NewBuilder(state)
	for _, streamID := range streamIDs {
		parts, err := a.decodeAll(streamID, read[streamID])
		if err != nil {
			return payer.State{}, false, err
		}
		for _, part := range parts {
			builder.Apply(part)
		}
	}
	folded := builder.State()
	for _, period := range folded.Periods() {
		if first, missing := folded.Bills[period].MissingParts(); missing {
			return payer.State{}, false, fmt.Errorf("payer %s: the bill of %s counts %d parts, its stream %s ends before part %d",
				payerID, period, folded.PartsOf(period), billStream(payerID, period), first)
		}
	}
	return folded, true, nil
}

// LoadClaim replays a claim's stream.
func (a *Application) LoadClaim(ctx context.Context, claimID string) (claim.State, error) {
	events, version, err := a.loadStream(ctx, claimStream(claimID))
	if err != nil {
		return claim.State{}, err
	}
	var state claim.State
	for _, e := range events {
		state = claim.Evolve(state, e)
	}
	state.Version = version
	return state, nil
}

// LoadProject replays a construction project's stream.
func (a *Application) LoadProject(ctx context.Context, projectID string) (project.State, error) {
	events, version, err := a.loadStream(ctx, projectStream(projectID))
	if err != nil {
		return project.State{}, err
	}
	var state project.State
	for _, e := range events {
		state = project.Evolve(state, e)
	}
	state.Version = version
	return state, nil
}

// Billing loads every payer the participant has had, for coverage and JHT.
func (a *Application) Billing(ctx context.Context, member participant.State) (payer.Billing, error) {
	var states []payer.State
	for _, payerID := range member.PayerIDs() {
		state, err := a.LoadPayer(ctx, payerID)
		if err != nil {
			return payer.Billing{}, err
		}
		states = append(states, state)
	}
	return payer.NewBilling(member.ID, states...), nil
}

// ParticipantByNIK resolves a NIK and loads the participant.
func (a *Application) ParticipantByNIK(ctx context.Context, nik string) (participant.State, error) {
	id, found, err := a.config.Directory.Lookup(ctx, nik)
	if err != nil {
		return participant.State{}, err
	}
	if !found {
		return participant.State{}, &problem.Error{Kind: problem.NotFound, Code: "participant_not_found", Field: "nik",
			Message: "no participant is registered with this NIK; register first (RegisterParticipant)"}
	}
	state, err := a.LoadParticipant(ctx, id)
	if err != nil {
		return participant.State{}, err
	}
	if !state.Registered {
		return participant.State{}, &problem.Error{Kind: problem.NotFound, Code: "participant_not_found", Field: "nik",
			Message: "no participant is registered with this NIK; register first (RegisterParticipant)"}
	}
	return state, nil
}

// ParticipantStream is the stream id of a participant (history, audits).
func ParticipantStream(participantID string) string { return participantStream(participantID) }

// PayerStream is the stream id of a payer.
func PayerStream(payerID string) string { return payerStream(payerID) }

// BillStream is the stream id of the lines of a payer's bill for a month.
func BillStream(payerID string, period calendar.Period) string { return billStream(payerID, period) }

// ClaimStream is the stream id of a claim.
func ClaimStream(claimID string) string { return claimStream(claimID) }
