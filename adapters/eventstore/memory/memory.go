// Package memory is an in-memory eventstore.Store with the PostgreSQL store's
// semantics, for fast tests of the command path. It runs the same contract suite.
package memory

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

// Store keeps the log in a slice; positions are assigned at append.
type Store struct {
	mutex   sync.Mutex
	log     []eventstore.RecordedEvent // index = position - 1
	streams map[string][]int           // stream -> indexes into log
	byID    map[uuid.UUID]int
	now     func() time.Time
}

// New builds an empty store.
func New() *Store {
	return &Store{streams: map[string][]int{}, byID: map[uuid.UUID]int{}, now: time.Now}
}

var _ eventstore.Store = (*Store)(nil)

// Append stores events if the stream's version matches.
func (s *Store) Append(_ context.Context, streamID string, expected eventstore.ExpectedVersion, events []eventstore.EventData) (eventstore.AppendResult, error) {
	if err := eventstore.ValidateAppend(streamID, expected, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	s.mutex.Lock()
	defer s.mutex.Unlock()
	stored := 0
	for _, event := range events {
		if _, ok := s.byID[event.EventID]; ok {
			stored++
		}
	}
	if stored == len(events) {
		result := eventstore.AppendResult{Duplicate: true}
		for _, event := range events {
			result.Events = append(result.Events, s.log[s.byID[event.EventID]])
		}
		result.NextExpectedVersion = result.Events[len(result.Events)-1].Version
		return result, nil
	}
	if stored > 0 {
		return eventstore.AppendResult{}, fmt.Errorf("%w: %d of %d event ids are stored already", eventstore.ErrEventIDReused, stored, len(events))
	}
	current := int64(len(s.streams[streamID]))
	if !expected.Matches(current) {
		return eventstore.AppendResult{}, &eventstore.ConflictError{StreamID: streamID, Expected: expected, Actual: current}
	}
	previous := eventstore.ZeroHash()
	if current > 0 {
		previous = s.log[s.streams[streamID][current-1]].Hash
	}
	globalPrevious := eventstore.ZeroHash()
	if len(s.log) > 0 {
		globalPrevious = s.log[len(s.log)-1].GlobalHash
	}
	recordedAt := eventstore.CanonicalTime(s.now())
	result := eventstore.AppendResult{}
	for i, event := range events {
		recorded := eventstore.RecordedEvent{
			Position: int64(len(s.log)) + 1, StreamID: streamID, Version: current + int64(i) + 1, EventID: event.EventID,
			Type: event.Type, SchemaVersion: event.SchemaVersion, OccurredAt: eventstore.CanonicalTime(event.OccurredAt), RecordedAt: recordedAt,
			Data: append([]byte(nil), event.Data...), Metadata: event.Metadata, PreviousHash: previous,
		}
		recorded.Hash = eventstore.EventHash(previous, recorded)
		recorded.GlobalHash = eventstore.GlobalChainHash(globalPrevious, recorded.Position, recorded.Hash)
		previous, globalPrevious = recorded.Hash, recorded.GlobalHash
		s.byID[event.EventID] = len(s.log)
		s.streams[streamID] = append(s.streams[streamID], len(s.log))
		s.log = append(s.log, recorded)
		result.Events = append(result.Events, recorded)
	}
	result.NextExpectedVersion = current + int64(len(events))
	return result, nil
}

// ReadStream returns events of one stream from a version.
func (s *Store) ReadStream(_ context.Context, streamID string, fromVersion int64, limit int) ([]eventstore.RecordedEvent, error) {
	if limit < 1 || limit > eventstore.MaxReadLimit {
		return nil, fmt.Errorf("limit must be 1 to %d", eventstore.MaxReadLimit)
	}
	s.mutex.Lock()
	defer s.mutex.Unlock()
	indexes := s.streams[streamID]
	var out []eventstore.RecordedEvent
	for version := max(fromVersion, 1); version <= int64(len(indexes)) && len(out) < limit; version++ {
		out = append(out, s.log[indexes[version-1]])
	}
	return out, nil
}

// ReadAll returns events after a position.
func (s *Store) ReadAll(_ context.Context, afterPosition int64, limit int) ([]eventstore.RecordedEvent, error) {
	if limit < 1 || limit > eventstore.MaxReadLimit {
		return nil, fmt.Errorf("limit must be 1 to %d", eventstore.MaxReadLimit)
	}
	s.mutex.Lock()
	defer s.mutex.Unlock()
	start := max(afterPosition, 0)
	end := min(start+int64(limit), int64(len(s.log)))
	if start >= end {
		return nil, nil
	}
	return append([]eventstore.RecordedEvent(nil), s.log[start:end]...), nil
}

// Head is the last position.
func (s *Store) Head(_ context.Context) (int64, error) {
	s.mutex.Lock()
	defer s.mutex.Unlock()
	return int64(len(s.log)), nil
}

// Verify recomputes every stream chain and the global chain (eventstore.Verify).
func (s *Store) Verify(ctx context.Context, progress func(checked, head int64)) (eventstore.Report, error) {
	return eventstore.Verify(ctx, s, progress)
}
