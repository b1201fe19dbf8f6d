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
func (s *Store) Append(ctx context.Context, streamID string, expected eventstore.ExpectedVersion, events []eventstore.EventData) (eventstore.AppendResult, error) {
	if err := eventstore.ValidateAppend(streamID, expected, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	results, err := s.AppendMany(ctx, []eventstore.StreamAppend{{StreamID: streamID, Expected: expected, Events: events}})
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	return results[0], nil
}

// AppendMany stores the events of several streams, all or none.
func (s *Store) AppendMany(_ context.Context, appends []eventstore.StreamAppend) ([]eventstore.AppendResult, error) {
	if err := eventstore.ValidateAppendMany(appends); err != nil {
		return nil, err
	}
	s.mutex.Lock()
	defer s.mutex.Unlock()
	if results, found, err := s.storedAlready(appends); found || err != nil {
		return results, err
	}
	for _, part := range appends {
		current := int64(len(s.streams[part.StreamID]))
		if !part.Expected.Matches(current) {
			return nil, &eventstore.ConflictError{StreamID: part.StreamID, Expected: part.Expected, Actual: current}
		}
	}
	recordedAt := eventstore.CanonicalTime(s.now())
	results := make([]eventstore.AppendResult, len(appends))
	for i, part := range appends {
		results[i] = s.store(part, recordedAt)
	}
	return results, nil
}

// storedAlready returns the stored records when every event id is stored,
// and refuses a mix of stored and new ids. The caller holds the mutex.
func (s *Store) storedAlready(appends []eventstore.StreamAppend) ([]eventstore.AppendResult, bool, error) {
	stored, total := 0, 0
	for _, part := range appends {
		for _, event := range part.Events {
			if _, ok := s.byID[event.EventID]; ok {
				stored++
			}
		}
		total += len(part.Events)
	}
	if stored == 0 {
		return nil, false, nil
	}
	if stored < total {
		return nil, true, fmt.Errorf("%w: %d of %d event ids are stored already", eventstore.ErrEventIDReused, stored, total)
	}
	results := make([]eventstore.AppendResult, len(appends))
	for i, part := range appends {
		results[i].Duplicate = true
		for _, event := range part.Events {
			results[i].Events = append(results[i].Events, s.log[s.byID[event.EventID]])
		}
		results[i].NextExpectedVersion = results[i].Events[len(results[i].Events)-1].Version
	}
	return results, true, nil
}

// store chains part's events onto its stream and the log. The caller holds the mutex.
func (s *Store) store(part eventstore.StreamAppend, recordedAt time.Time) eventstore.AppendResult {
	current := int64(len(s.streams[part.StreamID]))
	previous := eventstore.ZeroHash()
	if current > 0 {
		previous = s.log[s.streams[part.StreamID][current-1]].Hash
	}
	globalPrevious := eventstore.ZeroHash()
	if len(s.log) > 0 {
		globalPrevious = s.log[len(s.log)-1].GlobalHash
	}
	result := eventstore.AppendResult{NextExpectedVersion: current + int64(len(part.Events))}
	for i, event := range part.Events {
		recorded := eventstore.RecordedEvent{
			Position: int64(len(s.log)) + 1, StreamID: part.StreamID, Version: current + int64(i) + 1, EventID: event.EventID,
			Type: event.Type, SchemaVersion: event.SchemaVersion, OccurredAt: eventstore.CanonicalTime(event.OccurredAt), RecordedAt: recordedAt,
			Data: append([]byte(nil), event.Data...), Metadata: event.Metadata, PreviousHash: previous,
		}
		recorded.Hash = eventstore.EventHash(previous, recorded)
		recorded.GlobalHash = eventstore.GlobalChainHash(globalPrevious, recorded.Position, recorded.Hash)
		previous, globalPrevious = recorded.Hash, recorded.GlobalHash
		s.byID[event.EventID] = len(s.log)
		s.streams[part.StreamID] = append(s.streams[part.StreamID], len(s.log))
		s.log = append(s.log, recorded)
		result.Events = append(result.Events, recorded)
	}
	return result
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
