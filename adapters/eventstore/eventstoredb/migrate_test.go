package eventstoredb

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoretest"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/memory"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/migrate"
)

// migrationSteps is how many appends the source log takes: appends of 1 to 3
// events over 7 streams, so $all spans several of the store's scan pages.
const migrationSteps = 700

// TestMigrateIntoFakeServer copies a log into this store, over the fake
// server, the way `jaminan migrate-log` does: the write of one batch fails
// mid-copy, a second run resumes from the store's own head, a third copies
// nothing, and the copy verifies against its source.
func TestMigrateIntoFakeServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	source := memory.New()
	versions := map[string]int64{}
	total := 0
	for step := range migrationSteps {
		stream := fmt.Sprintf("participant-%d", step%7)
		count := step%3 + 1
		result, err := source.Append(ctx, stream, eventstore.Exact(versions[stream]), eventstoretest.Events("Migrated", count))
		if err != nil {
			t.Fatal(err)
		}
		versions[stream] = result.NextExpectedVersion
		total += count
	}
	// 700 appends of 1, 2, 3, 1, 2, 3, … events: 233 full rounds of 6 plus one more of 1.
	if total != 233*6+1 {
		t.Fatalf("source holds %d events, want %d", total, 233*6+1)
	}
	server := newFakeServer()
	target := newFakeStore(t, server)

	// Let 100 imports through, then fail the next write before it lands.
	failing := &failAfter{Target: target, server: server, after: 100}
	_, err := migrate.Copy(ctx, migrate.Config{Source: source, Target: failing, BatchSize: 250})
	if !errors.Is(err, errInjected) {
		t.Fatalf("interrupted copy: got %v, want the injected failure", err)
	}
	held, err := target.Head(ctx)
	if err != nil || held == 0 || held >= int64(total) {
		t.Fatalf("after the failure the target holds %d events (%v); want some, not all", held, err)
	}
	resumed, err := migrate.Copy(ctx, migrate.Config{Source: source, Target: target, BatchSize: 250})
	if err != nil {
		t.Fatal(err)
	}
	if resumed.Resumed != held || resumed.Copied != int64(total)-held || resumed.Duplicates != 0 {
		t.Errorf("resumed copy: got %+v, want resumed at %d, %d copied", resumed, held, int64(total)-held)
	}
	again, err := migrate.Copy(ctx, migrate.Config{Source: source, Target: target, BatchSize: 250})
	if err != nil || again.Copied != 0 || again.Imports != 0 {
		t.Errorf("third run: got %+v, %v; want nothing copied", again, err)
	}
	if _, err := migrate.Verify(ctx, source, target, int64(total), nil); err != nil {
		t.Errorf("verify the copy: %v", err)
	}
	// A fresh process on the same server counts the same log.
	if _, err := migrate.Verify(ctx, source, newStoreLike(target, server), int64(total), nil); err != nil {
		t.Errorf("verify the copy from a fresh process: %v", err)
	}
}

var errInjected = errors.New("injected: connection reset")

// failAfter makes the server refuse the write of the import after the first after.
type failAfter struct {
	migrate.Target
	server  *fakeServer
	after   int
	imports int
}

func (f *failAfter) Import(ctx context.Context, streamID string, expected eventstore.ExpectedVersion, events []eventstore.RecordedEvent) (eventstore.AppendResult, error) {
	f.imports++
	if f.imports == f.after+1 {
		f.server.failNext("append", errInjected)
	}
	return f.Target.Import(ctx, streamID, expected, events)
}

// newStoreLike is another Store on the same server and namespace, with an empty index.
func newStoreLike(store *Store, server *fakeServer) *Store {
	config := Config{URL: "esdb://fake:2113?tls=false", Namespace: store.streams.namespace, StreamPrefixes: []string{""}}
	config.setDefaults()
	return newStore(server.client(), config)
}
