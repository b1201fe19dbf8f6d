// Package eventstoredb is the EventStoreDB event store, for a log that
// outgrows one PostgreSQL (JAMINAN_EVENTSTORE=eventstoredb, EVENTSTOREDB_URL;
// docs/scaling.md). It passes the same contract suite as the other stores:
// through the official client against a real server when EVENTSTOREDB_URL is
// set, and always against esdbfake, a node in memory that the client talks to
// over gRPC.
//
// How the port maps:
//   - A stream is an ESDB stream of the same name (after Config.Namespace);
//     version n is ESDB revision n-1. The event id is ESDB's EventID, the
//     type its EventType, the data its JSON body byte for byte; the port's
//     metadata, the envelope fields and the stream chain's hashes travel in
//     the ESDB user metadata (codec.go).
//   - Append reads the stream's last event, hashes the new events onto it
//     and writes them with the revision it read, so a racing write makes
//     ESDB answer WrongExpectedVersion instead of cutting the chain.
//   - Global positions are not ESDB's: $all positions have gaps and mix in
//     other streams. The store counts the log's events in $all order
//     (checkpoint.go); every process counts the same.
//   - What was counted is kept in PostgreSQL beside the read models
//     (index.go, migration 010): per event its position, its place in $all,
//     its id and its global hash. A process resumes the count at the last
//     row and reads only the tail of $all; ESDB cannot look an event up by
//     id, so Append, ReadStream and EventByID ask the index.
//
// Limits, said plainly: the index costs PostgreSQL about 200 bytes of disk
// per event, and the first process on an empty index reads all of $all once;
// nothing else may write to the log's streams, delete them, or truncate them
// ($maxAge, $maxCount, $tb), or the numbering changes (ErrIndexMismatch); a
// reused event id is caught except when the two appends race each other into
// different streams.
package eventstoredb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

// Store is the EventStoreDB implementation of eventstore.Store. Its methods
// are safe for concurrent use.
type Store struct {
	client        grpcClient
	streams       streamFilter
	index         *positionIndex
	maxAppendSize int
	now           func() time.Time
}

var (
	_ eventstore.Store       = (*Store)(nil)
	_ eventstore.EventFinder = (*Store)(nil)
)

// New connects to EventStoreDB and counts what $all gained since the last
// event in the index (all of it when the index is empty), so that a wrong
// URL, a user who may not read $all, an index of another server or a log
// written by another tool shows at start rather than at the first command.
// ctx bounds that count.
func New(ctx context.Context, config Config) (*Store, error) {
	config.setDefaults()
	if err := config.Validate(); err != nil {
		return nil, err
	}
	settings, err := parseURL(config.URL)
	if err != nil {
		return nil, err
	}
	settings.Logger = slogLogging(config.Logger)
	connection, err := esdb.NewClient(settings)
	if err != nil {
		return nil, fmt.Errorf("eventstoredb: connect: %w", err)
	}
	index, err := openIndex(ctx, config.Pool, config.Namespace, config.StreamPrefixes)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("eventstoredb: %w", err), connection.Close())
	}
	store := &Store{
		client:        grpcClient{esdb: connection},
		streams:       newStreamFilter(config.Namespace, config.StreamPrefixes),
		index:         index,
		maxAppendSize: config.MaxAppendSize,
		now:           time.Now,
	}
	if _, err := store.catchUp(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("eventstoredb: count the tail of $all: %w", err), connection.Close())
	}
	return store, nil
}

// Close closes the connection.
func (s *Store) Close() error { return s.client.close() }

func checkLimit(limit int) error {
	if limit < 1 || limit > eventstore.MaxReadLimit {
		return fmt.Errorf("limit must be 1 to %d, got %d", eventstore.MaxReadLimit, limit)
	}
	return nil
}

// ReadStream returns up to limit events of streamID from fromVersion on.
func (s *Store) ReadStream(ctx context.Context, streamID string, fromVersion int64, limit int) ([]eventstore.RecordedEvent, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	if !s.streams.allows(streamID) {
		return nil, nil // Append refuses such streams: the log holds none
	}
	read, err := s.readStream(ctx, s.streams.esdbStream(streamID), max(fromVersion, 1), limit)
	if err != nil {
		return nil, fmt.Errorf("read stream %s: %w", streamID, err)
	}
	records := make([]eventstore.RecordedEvent, 0, len(read))
	for _, event := range read {
		records = append(records, event.recorded)
	}
	if err := s.place(ctx, records); err != nil && !errors.Is(err, ErrNotPlaced) {
		return nil, fmt.Errorf("read stream %s: %w", streamID, err)
	}
	// Events not yet seen in $all keep Position 0, as the port allows.
	return records, nil
}

// readStream reads up to count events of an ESDB stream forwards from our
// version fromVersion (>= 1); a missing stream has none.
func (s *Store) readStream(ctx context.Context, stream string, fromVersion int64, count int) ([]decoded, error) {
	events, err := s.client.readStream(ctx, stream, esdb.ReadStreamOptions{
		Direction:      esdb.Forwards,
		From:           esdb.Revision(uint64(fromVersion - 1)),
		ResolveLinkTos: false,
		RequiresLeader: true, // read your own writes
	}, uint64(count))
	if classify(err) == errorStreamNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, mapError(err)
	}
	out := make([]decoded, 0, len(events))
	for _, event := range events {
		read, err := decodeEvent(event, s.streams)
		if err != nil {
			return nil, err
		}
		out = append(out, read)
	}
	return out, nil
}

// place gives records their positions and global hashes from the index,
// counting $all once more if some are not in it yet. Records it cannot place
// keep Position 0, and it returns ErrNotPlaced.
func (s *Store) place(ctx context.Context, records []eventstore.RecordedEvent) error {
	if len(records) == 0 {
		return nil
	}
	missing, err := s.placeKnown(ctx, records)
	if err != nil || missing == 0 {
		return err
	}
	if _, err := s.catchUp(ctx); err != nil {
		return err
	}
	if missing, err = s.placeKnown(ctx, records); err != nil {
		return err
	}
	if missing > 0 {
		return fmt.Errorf("%w: %d of %d events", ErrNotPlaced, missing, len(records))
	}
	return nil
}

// placeKnown places the records the index knows and returns how many it does not.
func (s *Store) placeKnown(ctx context.Context, records []eventstore.RecordedEvent) (int, error) {
	ids := make([]uuid.UUID, 0, len(records))
	for _, record := range records {
		ids = append(ids, record.EventID)
	}
	found, err := s.index.placements(ctx, ids)
	if err != nil {
		return 0, err
	}
	missing := 0
	for i := range records {
		at, ok := found[records[i].EventID]
		if !ok {
			missing++
			continue
		}
		records[i].Position, records[i].GlobalHash = at.position, at.globalHash
	}
	return missing, nil
}

// ReadAll returns up to limit events with position > afterPosition, in position order.
func (s *Store) ReadAll(ctx context.Context, afterPosition int64, limit int) ([]eventstore.RecordedEvent, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	afterPosition = max(afterPosition, 0)
	tip := s.index.head()
	if afterPosition+int64(limit) > tip.Position {
		// The page reaches the head: count what $all gained since.
		var err error
		if tip, err = s.catchUp(ctx); err != nil {
			return nil, fmt.Errorf("read log after position %d: %w", afterPosition, err)
		}
	}
	if afterPosition >= tip.Position {
		return nil, nil
	}
	events, err := s.readRange(ctx, afterPosition, limit, tip.Position)
	if err != nil {
		return nil, fmt.Errorf("read log after position %d: %w", afterPosition, err)
	}
	return events, nil
}

// Head is the number of the log's events in $all now.
func (s *Store) Head(ctx context.Context) (int64, error) {
	tip, err := s.catchUp(ctx)
	if err != nil {
		return 0, fmt.Errorf("head: %w", err)
	}
	return tip.Position, nil
}

// EventByID finds one stored event by its id.
func (s *Store) EventByID(ctx context.Context, eventID uuid.UUID) (eventstore.RecordedEvent, bool, error) {
	ids := []uuid.UUID{eventID}
	found, err := s.index.placements(ctx, ids)
	if err == nil && len(found) == 0 {
		if _, err = s.catchUp(ctx); err == nil {
			found, err = s.index.placements(ctx, ids)
		}
	}
	if err != nil {
		return eventstore.RecordedEvent{}, false, fmt.Errorf("find event %s: %w", eventID, err)
	}
	if len(found) == 0 {
		return eventstore.RecordedEvent{}, false, nil
	}
	events, err := s.eventsByID(ctx, ids, found)
	if err != nil {
		return eventstore.RecordedEvent{}, false, fmt.Errorf("find event %s: %w", eventID, err)
	}
	return events[0], true, nil
}

// eventsByID returns the stored events of ids, placed by found, in the
// order of ids, reading each run of consecutive positions once.
func (s *Store) eventsByID(ctx context.Context, ids []uuid.UUID, found map[uuid.UUID]placement) ([]eventstore.RecordedEvent, error) {
	positions := make([]int64, 0, len(ids))
	for _, id := range ids {
		at, ok := found[id]
		if !ok {
			return nil, fmt.Errorf("event %s is not in the index", id)
		}
		positions = append(positions, at.position)
	}
	sorted := slices.Clone(positions)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	byPosition := make(map[int64]eventstore.RecordedEvent, len(sorted))
	// Each pass reads one run; ids are at most eventstore.MaxEventsPerAppend.
	for start := 0; start < len(sorted); {
		end := start + 1
		for end < len(sorted) && sorted[end] == sorted[end-1]+1 {
			end++
		}
		events, err := s.readRange(ctx, sorted[start]-1, end-start, sorted[end-1])
		if err != nil {
			return nil, err
		}
		for _, event := range events {
			byPosition[event.Position] = event
		}
		start = end
	}
	out := make([]eventstore.RecordedEvent, 0, len(ids))
	for i, position := range positions {
		event, ok := byPosition[position]
		if !ok || event.EventID != ids[i] {
			return nil, fmt.Errorf("position %d does not hold event %s any more: $all changed under the index", position, ids[i])
		}
		out = append(out, event)
	}
	return out, nil
}
