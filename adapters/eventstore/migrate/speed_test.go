package migrate_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoretest"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/memory"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/migrate"
	pgstore "github.com/tanahbumbu/jaminan/adapters/eventstore/postgres"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
)

const (
	// speedStreams is how many streams take turns in the measured log; each
	// turn writes a run of 1, 2 or 3 events, as one command does.
	speedStreams = 1000
)

// TestMeasureCopySpeed measures a copy of a PostgreSQL log into the memory
// store (docs/scaling.md quotes it). It loads a log of
// JAMINAN_MIGRATE_MEASURE_EVENTS events first, so it runs only when asked:
//
//	JAMINAN_MIGRATE_MEASURE_EVENTS=100000 go test -run TestMeasureCopySpeed -v ./adapters/eventstore/migrate/
func TestMeasureCopySpeed(t *testing.T) {
	events, err := strconv.Atoi(os.Getenv("JAMINAN_MIGRATE_MEASURE_EVENTS"))
	if err != nil || events < 1 {
		t.Skip("SKIPPED: a measurement, not a test; set JAMINAN_MIGRATE_MEASURE_EVENTS (e.g. 100000) to run it")
	}
	ctx := context.Background()
	database := pgtest.New(t)
	source, err := pgstore.New(database.Pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	bulkLoad(ctx, t, source, events)
	t.Logf("loaded %d events in %s", events, time.Since(started).Round(time.Millisecond))
	for _, batch := range []int{migrate.DefaultBatchSize, eventstore.MaxReadLimit} {
		target := memory.New()
		started = time.Now()
		report, err := migrate.Copy(ctx, migrate.Config{Source: source, Target: target, BatchSize: batch})
		if err != nil {
			t.Fatal(err)
		}
		copied := time.Since(started)
		started = time.Now()
		if _, err := migrate.Verify(ctx, source, target, report.SourceHead, nil); err != nil {
			t.Fatal(err)
		}
		verified := time.Since(started)
		t.Logf("batch %d: copied %d events in %d imports in %s (%d events/s); verified in %s (%d events/s)",
			batch, report.Copied, report.Imports, copied.Round(time.Millisecond), report.Copied*int64(time.Second)/int64(copied),
			verified.Round(time.Millisecond), report.Copied*int64(time.Second)/int64(verified))
	}
}

// bulkLoad appends events round after round over speedStreams streams,
// each round one AppendMany (one group commit) of a run of 1, 2 or 3 events
// per stream, as one command writes.
func bulkLoad(ctx context.Context, t *testing.T, source *pgstore.Store, events int) {
	t.Helper()
	versions := make([]int64, speedStreams)
	loaded := 0
	for turn := 0; loaded < events; {
		var appends []eventstore.StreamAppend
		for stream := 0; stream < speedStreams && loaded < events; stream++ {
			count := min(turn%3+1, events-loaded)
			appends = append(appends, eventstore.StreamAppend{StreamID: fmt.Sprintf("participant-%d", stream),
				Expected: eventstore.Exact(versions[stream]), Events: eventstoretest.Events("E", count)})
			versions[stream] += int64(count)
			loaded += count
			turn++
		}
		if _, err := source.AppendMany(ctx, appends); err != nil {
			t.Fatal(err)
		}
	}
}
