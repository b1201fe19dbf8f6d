package eventstoretest

import (
	"context"
	"reflect"
	"testing"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

// testReadStreams: many streams read at once are each what ReadStream gives;
// a missing stream has no key; a store's one-round-trip read (when it has
// one) is grouped by stream in version order and stops at its limit.
func testReadStreams(ctx context.Context, t *testing.T, store eventstore.Store) {
	sizes := map[string]int{"rs-a": 3, "rs-b": 1, "rs-c": 5}
	// Interleaved, so the log's order is not the streams' order.
	for round := range 5 {
		for _, id := range []string{"rs-c", "rs-a", "rs-b"} {
			if round < sizes[id] {
				mustAppend(ctx, t, store, id, eventstore.Exact(int64(round)), []eventstore.EventData{Event("Sized", 100*round+len(id))})
			}
		}
	}
	mustAppend(ctx, t, store, "rs-other", eventstore.NoStream(), Events("Sized", 2))
	read, err := eventstore.ReadStreams(ctx, store, []string{"rs-c", "rs-a", "rs-missing", "rs-b", "rs-a"})
	if err != nil {
		t.Fatalf("ReadStreams: %v", err)
	}
	if len(read) != len(sizes) {
		t.Errorf("ReadStreams answered %d streams, want %d (rs-a, rs-b, rs-c)", len(read), len(sizes))
	}
	for id, size := range sizes {
		if want := readStream(ctx, t, store, id); len(want) != size || !reflect.DeepEqual(read[id], want) {
			t.Errorf("stream %s: ReadStreams gave %d events, ReadStream %d (want %d), or they differ", id, len(read[id]), len(want), size)
		}
	}
	reader, ok := store.(eventstore.StreamsReader)
	if !ok {
		return
	}
	page, err := reader.ReadStreams(ctx, []string{"rs-c", "rs-a", "rs-b"}, 4)
	if err != nil {
		t.Fatalf("StreamsReader.ReadStreams: %v", err)
	}
	if len(page) != 4 {
		t.Fatalf("a page of limit 4 held %d events", len(page))
	}
	for i := 1; i < len(page); i++ {
		previous, current := page[i-1], page[i]
		if current.StreamID == previous.StreamID && current.Version != previous.Version+1 {
			t.Errorf("stream %s: version %d after %d", current.StreamID, current.Version, previous.Version)
		}
		if current.StreamID != previous.StreamID && current.Version != 1 {
			t.Errorf("stream %s starts at version %d, want 1", current.StreamID, current.Version)
		}
	}
	seen := map[string]bool{}
	for i, recorded := range page {
		if seen[recorded.StreamID] && page[i-1].StreamID != recorded.StreamID {
			t.Errorf("stream %s comes back in two runs: not grouped", recorded.StreamID)
		}
		seen[recorded.StreamID] = true
	}
	if _, err := reader.ReadStreams(ctx, make([]string, eventstore.MaxStreamsPerRead+1), 10); err == nil {
		t.Errorf("a read of %d streams was accepted, want refused", eventstore.MaxStreamsPerRead+1)
	}
}
