package memory

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

var _ eventstore.Importer = (*Store)(nil)

// Import stores events recorded elsewhere as they were (eventstore.Importer).
func (s *Store) Import(_ context.Context, streamID string, expected eventstore.ExpectedVersion, events []eventstore.RecordedEvent) (eventstore.AppendResult, error) {
	if err := eventstore.ValidateImport(streamID, expected, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	s.mutex.Lock()
	defer s.mutex.Unlock()
	if result, found, err := s.importedAlready(events); found || err != nil {
		return result, err
	}
	current := int64(len(s.streams[streamID]))
	if !expected.Matches(current) {
		return eventstore.AppendResult{}, &eventstore.ConflictError{StreamID: streamID, Expected: expected, Actual: current}
	}
	tip := eventstore.ZeroHash()
	if current > 0 {
		tip = s.log[s.streams[streamID][current-1]].Hash
	}
	if !bytes.Equal(events[0].PreviousHash, tip) {
		return eventstore.AppendResult{}, fmt.Errorf("%w: the first event's previous hash is not the hash of version %d of stream %s", eventstore.ErrInvalidAppend, current, streamID)
	}
	globalPrevious := eventstore.ZeroHash()
	if len(s.log) > 0 {
		globalPrevious = s.log[len(s.log)-1].GlobalHash
	}
	result := eventstore.AppendResult{NextExpectedVersion: current + int64(len(events))}
	for _, event := range events {
		recorded := event
		recorded.Position = int64(len(s.log)) + 1
		recorded.OccurredAt, recorded.RecordedAt = eventstore.CanonicalTime(event.OccurredAt), eventstore.CanonicalTime(event.RecordedAt)
		recorded.Data = append(json.RawMessage(nil), event.Data...)
		recorded.PreviousHash, recorded.Hash = bytes.Clone(event.PreviousHash), bytes.Clone(event.Hash)
		recorded.GlobalHash = eventstore.GlobalChainHash(globalPrevious, recorded.Position, recorded.Hash)
		globalPrevious = recorded.GlobalHash
		s.byID[event.EventID] = len(s.log)
		s.streams[streamID] = append(s.streams[streamID], len(s.log))
		s.log = append(s.log, recorded)
		result.Events = append(result.Events, recorded)
	}
	return result, nil
}

// importedAlready finds events stored before (the caller holds the mutex):
// all with the same hashes is a duplicate; any other overlap is refused.
func (s *Store) importedAlready(events []eventstore.RecordedEvent) (eventstore.AppendResult, bool, error) {
	var stored []eventstore.RecordedEvent
	for _, event := range events {
		if index, ok := s.byID[event.EventID]; ok {
			stored = append(stored, s.log[index])
		}
	}
	switch {
	case len(stored) == 0:
		return eventstore.AppendResult{}, false, nil
	case len(stored) < len(events):
		return eventstore.AppendResult{}, true, fmt.Errorf("%w: %d of %d event ids are stored already", eventstore.ErrEventIDReused, len(stored), len(events))
	}
	if err := eventstore.CheckImportedHashes(stored, events); err != nil {
		return eventstore.AppendResult{}, true, err
	}
	return eventstore.AppendResult{Events: stored, NextExpectedVersion: stored[len(stored)-1].Version, Duplicate: true}, true, nil
}
