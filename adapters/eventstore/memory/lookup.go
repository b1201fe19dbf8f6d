package memory

import (
	"context"

	"github.com/google/uuid"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

// EventByID finds one stored event by its id.
func (s *Store) EventByID(_ context.Context, eventID uuid.UUID) (eventstore.RecordedEvent, bool, error) {
	s.mutex.Lock()
	defer s.mutex.Unlock()
	index, ok := s.byID[eventID]
	if !ok {
		return eventstore.RecordedEvent{}, false, nil
	}
	return s.log[index], true, nil
}
