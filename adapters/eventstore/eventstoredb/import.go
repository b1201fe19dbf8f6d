package eventstoredb

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

var _ eventstore.Importer = (*Store)(nil)

// Import stores events recorded in another store as they were
// (eventstore.Importer): their recorded_at and stream hashes go into the
// ESDB metadata unchanged, so each event's Hash is the original's. It is
// Append's path with the chaining left out: read the tip, look the ids up,
// check the version and the link to the tip, write with the explicit
// revision. Never retried here: expected is never Any.
//
// Errors: as Append's.
func (s *Store) Import(ctx context.Context, streamID string, expected eventstore.ExpectedVersion, events []eventstore.RecordedEvent) (eventstore.AppendResult, error) {
	if err := eventstore.ValidateImport(streamID, expected, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	if !s.streams.allows(streamID) {
		return eventstore.AppendResult{}, fmt.Errorf("%w: stream %s is not under the configured stream prefixes %q",
			eventstore.ErrInvalidAppend, streamID, s.streams.prefixes)
	}
	result, err := s.importOnce(ctx, streamID, expected, events)
	if err != nil {
		return result, fmt.Errorf("import to stream %s: %w", streamID, err)
	}
	return result, nil
}

func (s *Store) importOnce(ctx context.Context, streamID string, expected eventstore.ExpectedVersion, events []eventstore.RecordedEvent) (eventstore.AppendResult, error) {
	stream := s.streams.esdbStream(streamID)
	tip, err := s.readTip(ctx, stream)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	data := eventstore.EventDataOf(events)
	if result, found, err := s.storedAlready(ctx, data); found || err != nil {
		if err == nil {
			err = eventstore.CheckImportedHashes(result.Events, events)
		}
		return result, err
	}
	if !expected.Matches(tip.version) {
		return eventstore.AppendResult{}, &eventstore.ConflictError{StreamID: streamID, Expected: expected, Actual: tip.version}
	}
	if !bytes.Equal(events[0].PreviousHash, tip.hash) {
		return eventstore.AppendResult{}, fmt.Errorf("%w: the first event's previous hash is not the hash of version %d of the stream", eventstore.ErrInvalidAppend, tip.version)
	}
	revision, err := writeRevision(expected, tip.version)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	appendID := uuid.New()
	written, err := toEventsData(unplaced(events), appendID)
	if err == nil {
		err = s.checkAppendSize(streamID, written)
	}
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	_, err = s.client.appendToStream(ctx, stream, esdb.AppendToStreamOptions{
		ExpectedRevision: revision,
		RequiresLeader:   true, // only the leader writes; say so rather than be redirected
	}, written)
	if err != nil {
		return s.afterRefusal(ctx, streamID, expected, data, err)
	}
	return s.afterWrite(ctx, stream, tip.version, data, appendID)
}

// unplaced copies events without the source's placement: this store counts its own.
func unplaced(events []eventstore.RecordedEvent) []eventstore.RecordedEvent {
	out := make([]eventstore.RecordedEvent, 0, len(events))
	for _, event := range events {
		event.Position, event.GlobalHash = 0, nil
		event.Data = append(json.RawMessage(nil), event.Data...)
		out = append(out, event)
	}
	return out
}
