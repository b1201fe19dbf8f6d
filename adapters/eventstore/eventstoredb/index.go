package eventstoredb

import (
	"context"
	"fmt"
	"sync"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

const (
	// checkpointEvery is how many events of the log lie between two kept
	// checkpoints: a read of the global order starts scanning at most this
	// many events before its first one.
	checkpointEvery = 128
	// scanPageSize is how many $all events one read of a scan asks for.
	scanPageSize = 1000
	// maxCatchUpPages bounds one catch-up. The first one of a process reads
	// all of $all: 2^20 pages is about a billion events.
	maxCatchUpPages = 1 << 20
	// maxRangePages bounds one read below the head: checkpointEvery +
	// eventstore.MaxReadLimit events of the log, and whatever else $all
	// holds between them (system events, other applications' streams).
	maxRangePages = 1 << 16
)

// placement is where an event sits in the global order.
type placement struct {
	position   int64
	globalHash [eventstore.HashSize]byte
}

// logIndex is what a process knows of the numbering of $all: the tip (how
// far it has counted), a checkpoint every checkpointEvery events (where reads
// below the tip start), and the placement of every event id (how Append finds
// stored event ids, which ESDB cannot look up, and how ReadStream gives
// positions without scanning). It lives in memory and is rebuilt by one scan
// of $all when the process starts; docs/scaling.md gives its size.
type logIndex struct {
	// scanning lets one catch-up run at a time: each reads $all from the
	// tip, and only catch-ups move it.
	scanning sync.Mutex

	mutex sync.Mutex // guards the fields below
	tip   Checkpoint
	// checkpoints[i] stands at Position i*checkpointEvery.
	checkpoints []Checkpoint
	placements  map[uuid.UUID]placement
}

func newLogIndex() *logIndex {
	return &logIndex{checkpoints: []Checkpoint{{}}, placements: map[uuid.UUID]placement{}}
}

// head is how far the index has counted.
func (x *logIndex) head() Checkpoint {
	x.mutex.Lock()
	defer x.mutex.Unlock()
	return x.tip
}

// nearest is the kept checkpoint at or closest below position.
func (x *logIndex) nearest(position int64) Checkpoint {
	x.mutex.Lock()
	defer x.mutex.Unlock()
	return x.checkpoints[min(max(position, 0)/checkpointEvery, int64(len(x.checkpoints)-1))]
}

func (x *logIndex) placementOf(eventID uuid.UUID) (placement, bool) {
	x.mutex.Lock()
	defer x.mutex.Unlock()
	found, ok := x.placements[eventID]
	return found, ok
}

// extend records one page of a catch-up: its events, its checkpoints to
// keep, and the new tip.
func (x *logIndex) extend(placed []eventstore.RecordedEvent, kept []Checkpoint, tip Checkpoint) {
	x.mutex.Lock()
	defer x.mutex.Unlock()
	for _, event := range placed {
		// ESDB does not stop one event id from being stored in two streams
		// (two racing appends can both pass Append's check); the first
		// placement stays, as the port's EventByID expects one event.
		if _, ok := x.placements[event.EventID]; ok {
			continue
		}
		x.placements[event.EventID] = placement{position: event.Position, globalHash: [eventstore.HashSize]byte(event.GlobalHash)}
	}
	x.checkpoints = append(x.checkpoints, kept...)
	x.tip = tip
}

// number advances c over a page of $all; it returns the log's events in it,
// numbered and chained, and the checkpoints to keep.
func number(c Checkpoint, events []*esdb.RecordedEvent, streams streamFilter) (Checkpoint, []eventstore.RecordedEvent, []Checkpoint, error) {
	var placed []eventstore.RecordedEvent
	var kept []Checkpoint
	for _, event := range events {
		next, recorded, ours, err := advance(c, event, streams)
		if err != nil {
			return c, nil, nil, fmt.Errorf("after position %d: %w", c.Position, err)
		}
		c = next
		if !ours {
			continue
		}
		placed = append(placed, recorded)
		if c.Position%checkpointEvery == 0 {
			kept = append(kept, c)
		}
	}
	return c, placed, kept, nil
}

// readAllPage reads one page of $all from c.
func (s *Store) readAllPage(ctx context.Context, c Checkpoint) ([]*esdb.RecordedEvent, error) {
	return s.client.readAll(ctx, esdb.ReadAllOptions{
		Direction: esdb.Forwards,
		From:      c.allPosition(),
		// A link would show an event a second time, under another stream.
		ResolveLinkTos: false,
		// A follower may lag; Append must see its own events, and a catch-up
		// every event acknowledged before it began.
		RequiresLeader: true,
	}, scanPageSize)
}

// catchUp counts $all from the tip to its end and returns the new tip.
func (s *Store) catchUp(ctx context.Context) (Checkpoint, error) {
	s.index.scanning.Lock()
	defer s.index.scanning.Unlock()
	tip := s.index.head()
	for range maxCatchUpPages {
		events, err := s.readAllPage(ctx, tip)
		if err != nil {
			return tip, fmt.Errorf("read $all after position %d: %w", tip.Position, mapError(err))
		}
		next, placed, kept, err := number(tip, events, s.streams)
		if err != nil {
			return tip, fmt.Errorf("number $all: %w", err)
		}
		s.index.extend(placed, kept, next)
		tip = next
		if len(events) < scanPageSize {
			return tip, nil
		}
	}
	return tip, fmt.Errorf("catch-up did not reach the end of $all within %d pages of %d events", maxCatchUpPages, scanPageSize)
}

// readRange returns up to limit events of the log with after < Position <=
// until (until <= the tip), scanning $all from the nearest kept checkpoint.
func (s *Store) readRange(ctx context.Context, after int64, limit int, until int64) ([]eventstore.RecordedEvent, error) {
	from := s.index.nearest(after)
	out := make([]eventstore.RecordedEvent, 0, min(int64(limit), max(until-after, 0)))
	for range maxRangePages {
		if from.Position >= until || len(out) == limit {
			return out, nil
		}
		events, err := s.readAllPage(ctx, from)
		if err != nil {
			return nil, fmt.Errorf("read $all after position %d: %w", from.Position, mapError(err))
		}
		next, placed, _, err := number(from, events, s.streams)
		if err != nil {
			return nil, fmt.Errorf("number $all: %w", err)
		}
		for _, event := range placed {
			if event.Position > after && event.Position <= until && len(out) < limit {
				out = append(out, event)
			}
		}
		from = next
		if len(events) < scanPageSize {
			// $all ended before until: events counted earlier are gone
			// (scavenged); Verify reports where.
			return out, nil
		}
	}
	return nil, fmt.Errorf("read of positions %d to %d did not end within %d pages of $all", after+1, until, maxRangePages)
}
