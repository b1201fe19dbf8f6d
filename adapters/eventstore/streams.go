package eventstore

import (
	"context"
	"fmt"
	"slices"
)

// MaxStreamsPerRead bounds the stream ids of one ReadStreams call.
const MaxStreamsPerRead = 1000

// StreamsReader is what a store implements when it can read many streams in
// one round trip (PostgreSQL: one query). ReadStreams uses it when present.
type StreamsReader interface {
	// ReadStreams returns up to limit events of the given streams (at most
	// MaxStreamsPerRead ids), every stream from its first event, ordered by
	// stream id and then version. When limit events come back, the last
	// stream among them may be cut short.
	ReadStreams(ctx context.Context, streamIDs []string, limit int) ([]RecordedEvent, error)
}

// ReadStreams reads the given streams whole, keyed by stream id; a stream
// without events has no key. Stores that are StreamsReaders answer in one
// round trip per MaxStreamsPerRead streams (more only when the events
// overflow a page); others in one ReadStream per stream.
func ReadStreams(ctx context.Context, store Store, streamIDs []string) (map[string][]RecordedEvent, error) {
	return readStreams(ctx, store, streamIDs, MaxReadLimit)
}

func readStreams(ctx context.Context, store Store, streamIDs []string, pageLimit int) (map[string][]RecordedEvent, error) {
	ids := slices.Clone(streamIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	read := make(map[string][]RecordedEvent, len(ids))
	reader, batched := store.(StreamsReader)
	if !batched {
		for _, id := range ids {
			events, err := readWhole(ctx, store, id, pageLimit)
			if err != nil {
				return nil, err
			}
			if len(events) > 0 {
				read[id] = events
			}
		}
		return read, nil
	}
	for len(ids) > 0 {
		batch := ids[:min(len(ids), MaxStreamsPerRead)]
		page, err := reader.ReadStreams(ctx, batch, pageLimit)
		if err != nil {
			return nil, fmt.Errorf("read %d streams from %s: %w", len(batch), batch[0], err)
		}
		if len(page) < pageLimit {
			for _, recorded := range page {
				read[recorded.StreamID] = append(read[recorded.StreamID], recorded)
			}
			ids = ids[len(batch):]
			continue
		}
		// A full page: the last stream in it may be cut short. Keep the
		// streams before it and read the rest again; a stream that fills a
		// page alone is read by itself.
		last := page[len(page)-1].StreamID
		if page[0].StreamID == last {
			events, err := readWhole(ctx, store, last, pageLimit)
			if err != nil {
				return nil, err
			}
			read[last] = events
		} else {
			for _, recorded := range page {
				if recorded.StreamID != last {
					read[recorded.StreamID] = append(read[recorded.StreamID], recorded)
				}
			}
		}
		ids = slices.DeleteFunc(ids, func(id string) bool {
			_, done := read[id]
			return done
		})
	}
	return read, nil
}

// readWhole pages through one stream.
func readWhole(ctx context.Context, store Store, streamID string, pageLimit int) ([]RecordedEvent, error) {
	var events []RecordedEvent
	for {
		page, err := store.ReadStream(ctx, streamID, int64(len(events))+1, pageLimit)
		if err != nil {
			return nil, fmt.Errorf("read stream %s: %w", streamID, err)
		}
		events = append(events, page...)
		if len(page) < pageLimit {
			return events, nil
		}
	}
}
