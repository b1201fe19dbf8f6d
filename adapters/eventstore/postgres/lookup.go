package postgres

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

// EventByID finds one stored event by its id (corrections name the event they reverse).
func (s *Store) EventByID(ctx context.Context, eventID uuid.UUID) (eventstore.RecordedEvent, bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+eventColumns+` FROM events e WHERE e.event_id = $1`, eventID)
	if err != nil {
		return eventstore.RecordedEvent{}, false, fmt.Errorf("find event %s: %w", eventID, err)
	}
	scanned, err := collectEvents(rows)
	if err != nil {
		return eventstore.RecordedEvent{}, false, fmt.Errorf("find event %s: %w", eventID, err)
	}
	if len(scanned) == 0 {
		return eventstore.RecordedEvent{}, false, nil
	}
	return recordsOf(scanned)[0], true, nil
}
