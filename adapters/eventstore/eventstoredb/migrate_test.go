package eventstoredb

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoredb/esdbfake"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoretest"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/memory"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/migrate"
	pgstore "github.com/tanahbumbu/jaminan/adapters/eventstore/postgres"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
)

// migrationSteps is how many appends the source log takes: appends of 1 to 3
// events over 7 streams, so $all spans several of the store's scan pages.
const migrationSteps = 700

// TestMigrateIntoFakeServer copies a log into this store, through the
// official client to esdbfake, the way `jaminan migrate-log` does: the node
// drops the write of one batch mid-copy, a second run resumes from the
// store's own head, a third copies nothing, and the copy verifies against
// its source, from this process and from fresh ones.
func TestMigrateIntoFakeServer(t *testing.T) {
	t.Parallel()
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
	server := newFakeServer(t)
	target := newFakeStore(t, server)

	// Let 100 imports through, then fail the next write before it lands.
	failing := &failAfter{Target: target, server: server, after: 100}
	_, err := migrate.Copy(ctx, migrate.Config{Source: source, Target: failing, BatchSize: 250})
	if esdbCode(err) != esdb.ErrorUnavailable {
		t.Fatalf("interrupted copy: got %v, want the node's Unavailable", err)
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
	// Another process beside it, and one that counts $all from its start
	// (another PostgreSQL), see the same log.
	fresh := testConfig(server.URL(), pgtest.New(t).Pool)
	fresh.Namespace = target.streams.namespace
	for name, process := range map[string]*Store{"beside it": another(t, target, server), "with an empty index": open(t, fresh)} {
		if _, err := migrate.Verify(ctx, source, process, int64(total), nil); err != nil {
			t.Errorf("verify the copy from a process %s: %v", name, err)
		}
	}
}

// failAfter makes the node drop the write of the import after the first after.
type failAfter struct {
	migrate.Target
	server  *fakeNode
	after   int
	imports int
}

func (f *failAfter) Import(ctx context.Context, streamID string, expected eventstore.ExpectedVersion, events []eventstore.RecordedEvent) (eventstore.AppendResult, error) {
	f.imports++
	if f.imports == f.after+1 {
		f.server.FailNext(esdbfake.OperationAppend, esdbfake.Unavailable())
	}
	return f.Target.Import(ctx, streamID, expected, events)
}

// TestMigrateALogIntoFakeServer copies the log of MIGRATE_SOURCE_URL (a
// PostgreSQL database of jaminan's, such as the full demo's) into esdbfake
// through the official client, as `jaminan migrate-log` does, and verifies
// it. A measurement for docs/BENCHMARKS.md: skipped unless the variable is set.
func TestMigrateALogIntoFakeServer(t *testing.T) {
	sourceURL := os.Getenv("MIGRATE_SOURCE_URL")
	if sourceURL == "" {
		t.Skip("set MIGRATE_SOURCE_URL to copy a log")
	}
	ctx := t.Context()
	pool, err := pgxpool.New(ctx, sourceURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	source, err := pgstore.New(pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	head, err := source.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	target := newFakeStore(t, newFakeServer(t))
	started := time.Now()
	report, err := migrate.Copy(ctx, migrate.Config{Source: source, Target: target})
	if err != nil {
		t.Fatal(err)
	}
	copied := time.Since(started)
	started = time.Now()
	if _, err := migrate.Verify(ctx, source, target, head, nil); err != nil {
		t.Fatalf("verify the copy: %v", err)
	}
	t.Logf("copied %d events in %d imports in %s, verified in %s", report.Copied, report.Imports, copied.Round(time.Second), time.Since(started).Round(time.Second))
}
