package eventstore_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoretest"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/memory"
)

// batched gives the memory store a one-round-trip read, as PostgreSQL's
// behaves (grouped by stream, cut at the limit), and counts its calls.
type batched struct {
	eventstore.Store
	calls int
}

func (b *batched) ReadStreams(ctx context.Context, streamIDs []string, limit int) ([]eventstore.RecordedEvent, error) {
	b.calls++
	ids := slices.Clone(streamIDs)
	slices.Sort(ids)
	var page []eventstore.RecordedEvent
	for _, id := range slices.Compact(ids) {
		events, err := b.ReadStream(ctx, id, 1, eventstore.MaxReadLimit)
		if err != nil {
			return nil, err
		}
		page = append(page, events...)
	}
	return page[:min(len(page), limit)], nil
}

// Pages that overflow (a page cut inside a stream, a stream larger than a
// page) still give every stream whole, each once.
func TestReadStreamsOverflowingPages(t *testing.T) {
	ctx := context.Background()
	store := &batched{Store: memory.New()}
	sizes := map[string]int{}
	var ids []string
	for i := range 12 {
		id, size := fmt.Sprintf("s-%02d", i), 1+(i*7)%11
		sizes[id] = size
		ids = append(ids, id)
		if _, err := store.Append(ctx, id, eventstore.NoStream(), eventstoretest.Events("Sized", size)); err != nil {
			t.Fatal(err)
		}
	}
	ids = append(ids, "s-missing")
	for _, pageLimit := range []int{1, 3, 5, 10, 1000} {
		store.calls = 0
		read, err := eventstore.ReadStreamsPaged(ctx, store, ids, pageLimit)
		if err != nil {
			t.Fatalf("page %d: %v", pageLimit, err)
		}
		if len(read) != len(sizes) {
			t.Errorf("page %d: %d streams, want %d", pageLimit, len(read), len(sizes))
		}
		for id, size := range sizes {
			want, _ := store.ReadStream(ctx, id, 1, eventstore.MaxReadLimit)
			if len(want) != size || !reflect.DeepEqual(read[id], want) {
				t.Errorf("page %d: stream %s has %d events, want %d", pageLimit, id, len(read[id]), size)
			}
		}
		if pageLimit == 1000 && store.calls != 1 {
			t.Errorf("13 streams in one page took %d round trips, want 1", store.calls)
		}
	}
}

// More ids than one call may carry are split into bounded batches.
func TestReadStreamsBatchesIDs(t *testing.T) {
	store := &batched{Store: memory.New()}
	ids := make([]string, 2*eventstore.MaxStreamsPerRead+1)
	for i := range ids {
		ids[i] = "none-" + strings.Repeat("x", i%3) + fmt.Sprint(i)
	}
	if _, err := eventstore.ReadStreams(context.Background(), store, ids); err != nil {
		t.Fatal(err)
	}
	if store.calls != 3 {
		t.Errorf("%d ids took %d calls, want 3", len(ids), store.calls)
	}
}
