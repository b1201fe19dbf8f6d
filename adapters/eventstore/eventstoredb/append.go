package eventstoredb

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

const (
	// maxAppendAttempts bounds the attempts of one Append with Any: each
	// attempt that loses a race to another append on the stream tries again
	// on the new last event. Exact and NoStream never retry.
	maxAppendAttempts = 64
	// retryPauseMin and retryPauseMax bound the jittered pause between two
	// attempts, so racing appends spread out instead of colliding again.
	retryPauseMin = time.Millisecond
	retryPauseMax = 64 * time.Millisecond
)

// errRaced means an Append with Any lost a race to another append on its
// stream; it never leaves Append.
var errRaced = errors.New("another append landed on the stream first")

// Append stores events at the end of streamID if its version matches.
//
// Errors: eventstore.ErrInvalidAppend (nothing stored; also for a stream
// outside Config.StreamPrefixes); a *eventstore.ConflictError, matching
// eventstore.ErrConcurrencyConflict (nothing stored); eventstore.ErrEventIDReused
// (nothing stored); ErrAppendTooLarge, also matching eventstore.ErrInvalidAppend
// (nothing stored); ErrNotPlaced (stored; the result holds the events without
// positions); ErrStreamDeleted; ErrIndexMismatch; anything else from the
// server, after which a retry with the same event ids is safe.
func (s *Store) Append(ctx context.Context, streamID string, expected eventstore.ExpectedVersion, events []eventstore.EventData) (eventstore.AppendResult, error) {
	if err := eventstore.ValidateAppend(streamID, expected, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	if !s.streams.allows(streamID) {
		return eventstore.AppendResult{}, fmt.Errorf("%w: stream %s is not under the configured stream prefixes %q",
			eventstore.ErrInvalidAppend, streamID, s.streams.prefixes)
	}
	if batches := bySize(events, s.maxAppendSize/2); len(batches) > 1 {
		return s.appendBatches(ctx, streamID, expected, batches)
	}
	return s.appendBatch(ctx, streamID, expected, events)
}

// perEventOverhead is what the store adds to an event on the wire beside its
// data, type and metadata values (hashes, version, envelope fields), and more.
const perEventOverhead = 1 << 10

// bySize cuts events into consecutive batches of at most budget bytes each
// (eventstore.EventSize plus perEventOverhead), every batch at least one event.
func bySize(events []eventstore.EventData, budget int) [][]eventstore.EventData {
	var batches [][]eventstore.EventData
	start, size := 0, 0
	for i, event := range events {
		add := eventstore.EventSize(event) + perEventOverhead
		if i > start && size+add > budget {
			batches = append(batches, events[start:i])
			start, size = i, 0
		}
		size += add
	}
	return append(batches, events[start:])
}

// appendBatches writes an append larger than EventStoreDB takes in one write
// (a bill of many parts) as consecutive writes to the stream, each behind
// the version the previous one left. Like AppendEach across streams, it is
// not atomic: a failure part way leaves the first batches stored, and the
// same append again (the same event ids) finds them stored, as duplicates,
// and writes the rest. Another writer appending to the stream in between
// makes the next batch conflict.
func (s *Store) appendBatches(ctx context.Context, streamID string, expected eventstore.ExpectedVersion, batches [][]eventstore.EventData) (eventstore.AppendResult, error) {
	all := eventstore.AppendResult{Duplicate: true}
	for _, batch := range batches {
		result, err := s.appendBatch(ctx, streamID, expected, batch)
		if err != nil {
			if len(all.Events) > 0 {
				err = fmt.Errorf("%w (the first %d events of the append are stored; the same append again completes it)", err, len(all.Events))
			}
			return eventstore.AppendResult{}, err
		}
		all.Events = append(all.Events, result.Events...)
		all.NextExpectedVersion = result.NextExpectedVersion
		all.Duplicate = all.Duplicate && result.Duplicate
		expected = eventstore.Exact(result.NextExpectedVersion)
	}
	return all, nil
}

// appendBatch is one write, retried while an append with Any loses races.
func (s *Store) appendBatch(ctx context.Context, streamID string, expected eventstore.ExpectedVersion, events []eventstore.EventData) (eventstore.AppendResult, error) {
	pause := retryPauseMin
	for range maxAppendAttempts {
		result, err := s.appendOnce(ctx, streamID, expected, events)
		if !errors.Is(err, errRaced) {
			if err != nil {
				return result, fmt.Errorf("append to stream %s: %w", streamID, err)
			}
			return result, nil
		}
		// Jitter in [pause/2, pause]: integer nanoseconds, no float.
		wait := pause/2 + time.Duration(rand.Int64N(int64(pause/2)+1))
		select {
		case <-ctx.Done():
			return eventstore.AppendResult{}, fmt.Errorf("append to stream %s: %w", streamID, ctx.Err())
		case <-time.After(wait):
		}
		pause = min(pause*2, retryPauseMax)
	}
	return eventstore.AppendResult{}, fmt.Errorf("append to stream %s: gave up after %d attempts: %w", streamID, maxAppendAttempts, errRaced)
}

// streamTip is a stream's last event as an append needs it.
type streamTip struct {
	version int64 // 0: the stream has no events
	hash    []byte
}

// appendOnce is one attempt: read the tip, look for the event ids, check the
// version, write behind the tip. The order matters: the ids are looked up
// after the tip is read, so an identical append that landed before the read
// is found here, and one that lands after it makes this write collide with
// it at the server (ESDB's idempotency or WrongExpectedVersion), never
// store the events twice.
func (s *Store) appendOnce(ctx context.Context, streamID string, expected eventstore.ExpectedVersion, events []eventstore.EventData) (eventstore.AppendResult, error) {
	stream := s.streams.esdbStream(streamID)
	tip, err := s.readTip(ctx, stream)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	if result, found, err := s.storedAlready(ctx, events); found || err != nil {
		return result, err
	}
	if !expected.Matches(tip.version) {
		return eventstore.AppendResult{}, &eventstore.ConflictError{StreamID: streamID, Expected: expected, Actual: tip.version}
	}
	revision, err := writeRevision(expected, tip.version)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	appendID := uuid.New()
	data, err := toEventsData(chain(streamID, tip.version, tip.hash, events, s.now()), appendID)
	if err == nil {
		err = s.checkAppendSize(streamID, data)
	}
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	_, err = s.client.appendToStream(ctx, stream, esdb.AppendToStreamOptions{
		ExpectedRevision: revision,
		RequiresLeader:   true, // only the leader writes; say so rather than be redirected
	}, data)
	if err != nil {
		return s.afterRefusal(ctx, streamID, expected, events, err)
	}
	return s.afterWrite(ctx, stream, tip.version, events, appendID)
}

func toEventsData(records []eventstore.RecordedEvent, appendID uuid.UUID) ([]esdb.EventData, error) {
	data := make([]esdb.EventData, 0, len(records))
	for _, recorded := range records {
		event, err := toEventData(recorded, appendID)
		if err != nil {
			return nil, err
		}
		data = append(data, event)
	}
	return data, nil
}

// readTip reads the last event of an ESDB stream.
func (s *Store) readTip(ctx context.Context, stream string) (streamTip, error) {
	events, err := s.client.readStream(ctx, stream, esdb.ReadStreamOptions{
		Direction:      esdb.Backwards,
		From:           esdb.End{},
		ResolveLinkTos: false,
		RequiresLeader: true, // the tip must be the latest, or the write is refused anyway
	}, 1)
	if classify(err) == errorStreamNotFound {
		return streamTip{version: 0, hash: eventstore.ZeroHash()}, nil
	}
	if err != nil {
		return streamTip{}, fmt.Errorf("read the last event: %w", mapError(err))
	}
	if len(events) == 0 {
		return streamTip{version: 0, hash: eventstore.ZeroHash()}, nil
	}
	last, err := decodeEvent(events[0], s.streams)
	if err != nil {
		return streamTip{}, fmt.Errorf("read the last event: %w", err)
	}
	return streamTip{version: last.recorded.Version, hash: last.recorded.Hash}, nil
}

// storedAlready looks the event ids up after counting $all to its end. All
// stored: the stored records, as a duplicate. Some: ErrEventIDReused.
func (s *Store) storedAlready(ctx context.Context, events []eventstore.EventData) (eventstore.AppendResult, bool, error) {
	if _, err := s.catchUp(ctx); err != nil {
		return eventstore.AppendResult{}, false, err
	}
	ids := make([]uuid.UUID, 0, len(events))
	for _, event := range events {
		ids = append(ids, event.EventID)
	}
	found, err := s.index.placements(ctx, ids)
	switch {
	case err != nil:
		return eventstore.AppendResult{}, false, err
	case len(found) == 0:
		return eventstore.AppendResult{}, false, nil
	case len(found) < len(events):
		return eventstore.AppendResult{}, true, fmt.Errorf("%w: %d of %d event ids are stored already", eventstore.ErrEventIDReused, len(found), len(events))
	}
	stored, err := s.eventsByID(ctx, ids, found)
	if err != nil {
		return eventstore.AppendResult{}, true, err
	}
	return eventstore.AppendResult{Events: stored, NextExpectedVersion: stored[len(stored)-1].Version, Duplicate: true}, true, nil
}

// afterRefusal handles an error of the write. WrongExpectedVersion means the
// stream moved since its tip was read: by these very events (a concurrent
// retry), by others that reused some of their ids, or by other events.
func (s *Store) afterRefusal(ctx context.Context, streamID string, expected eventstore.ExpectedVersion, events []eventstore.EventData, err error) (eventstore.AppendResult, error) {
	if classify(err) != errorWrongExpectedVersion {
		return eventstore.AppendResult{}, fmt.Errorf("write: %w", mapWriteError(streamID, err))
	}
	if result, found, err := s.storedAlready(ctx, events); found || err != nil {
		return result, err
	}
	if expected.IsAny() {
		return eventstore.AppendResult{}, errRaced
	}
	tip, tipErr := s.readTip(ctx, s.streams.esdbStream(streamID))
	if tipErr != nil {
		return eventstore.AppendResult{}, fmt.Errorf("the stream moved (%w); reading its new version failed: %w", err, tipErr)
	}
	return eventstore.AppendResult{}, &eventstore.ConflictError{StreamID: streamID, Expected: expected, Actual: tip.version}
}

// afterWrite reads the written revisions back. ESDB answers success both to
// the write that stored the events and to an identical retry it recognised;
// the append id in the stored metadata tells which this was.
func (s *Store) afterWrite(ctx context.Context, stream string, previousVersion int64, events []eventstore.EventData, appendID uuid.UUID) (eventstore.AppendResult, error) {
	written, err := s.readStream(ctx, stream, previousVersion+1, len(events))
	if err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("read the written events back: %w", err)
	}
	if len(written) != len(events) {
		return eventstore.AppendResult{}, fmt.Errorf("the server acknowledged %d events but %d stand after version %d", len(events), len(written), previousVersion)
	}
	records := make([]eventstore.RecordedEvent, 0, len(written))
	ours := 0
	for i, event := range written {
		if event.recorded.EventID != events[i].EventID {
			return eventstore.AppendResult{}, fmt.Errorf("version %d holds event %s, not the acknowledged %s", event.recorded.Version, event.recorded.EventID, events[i].EventID)
		}
		if event.appendID == appendID {
			ours++
		}
		records = append(records, event.recorded)
	}
	if ours != 0 && ours != len(written) {
		return eventstore.AppendResult{}, fmt.Errorf("%d of %d events were written by this append: ESDB split a write", ours, len(written))
	}
	result := eventstore.AppendResult{Events: records, NextExpectedVersion: records[len(records)-1].Version, Duplicate: ours == 0}
	if err := s.place(ctx, result.Events); err != nil {
		return result, err
	}
	return result, nil
}
