package migrate_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

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
	// speedChunk is how many events one transaction of the bulk load inserts,
	// so no transaction stays open long on a shared server.
	speedChunk = 5000
	// maxSealWaits bounds the waits for the sealer after the bulk load.
	maxSealWaits = 600
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
	bulkLoad(ctx, t, database.Pool, source, events)
	t.Logf("loaded and sealed %d events in %s", events, time.Since(started).Round(time.Millisecond))
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

// bulkLoad writes events straight into the log's tables, chained as the
// store chains them, in chunks of speedChunk, then seals them: Append's
// round trip and seal wait per call would make a 100k-event log take minutes.
func bulkLoad(ctx context.Context, t *testing.T, pool *pgxpool.Pool, source *pgstore.Store, events int) {
	t.Helper()
	heads := make([]eventstore.StreamTip, speedStreams)
	for i := range heads {
		heads[i] = eventstore.StreamTip{Hash: eventstore.ZeroHash()}
	}
	var records []eventstore.RecordedEvent
	for turn := 0; len(records) < events; turn++ {
		stream := turn % speedStreams
		run := eventstoretest.Recorded(fmt.Sprintf("participant-%d", stream), heads[stream].Version, heads[stream].Hash, min(turn%3+1, events-len(records)))
		heads[stream] = eventstore.StreamTip{Version: run[len(run)-1].Version, Hash: run[len(run)-1].Hash}
		records = append(records, run...)
	}
	for start := 0; start < len(records); start += speedChunk {
		insertChunk(ctx, t, pool, records[start:min(start+speedChunk, len(records))])
	}
	for i, head := range heads {
		if head.Version == 0 {
			continue
		}
		if _, err := pool.Exec(ctx, `INSERT INTO streams (stream_id, version, last_hash) VALUES ($1, $2, $3)`,
			fmt.Sprintf("participant-%d", i), head.Version, head.Hash); err != nil {
			t.Fatal(err)
		}
	}
	for range maxSealWaits {
		if placed, err := source.Head(ctx); err != nil || placed == int64(events) {
			return
		}
		if _, err := source.Seal(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond) // another test's open transaction may hold the safe point back
	}
	t.Fatalf("the sealer did not place %d bulk-loaded events", events)
}

// insertChunk inserts records in one statement, as the store's own insert
// does: text cast to json keeps the hashed bytes.
func insertChunk(ctx context.Context, t *testing.T, pool *pgxpool.Pool, records []eventstore.RecordedEvent) {
	t.Helper()
	count := len(records)
	ids, streams, versions, types := make([]uuid.UUID, count), make([]string, count), make([]int64, count), make([]string, count)
	occurred, recorded, data, metadata := make([]time.Time, count), make([]time.Time, count), make([]string, count), make([]string, count)
	previous, hashes := make([][]byte, count), make([][]byte, count)
	for i, record := range records {
		encoded, err := json.Marshal(record.Metadata)
		if err != nil {
			t.Fatal(err)
		}
		ids[i], streams[i], versions[i], types[i] = record.EventID, record.StreamID, record.Version, record.Type
		occurred[i], recorded[i], data[i], metadata[i] = record.OccurredAt, record.RecordedAt, string(record.Data), string(encoded)
		previous[i], hashes[i] = record.PreviousHash, record.Hash
	}
	if _, err := pool.Exec(ctx, `INSERT INTO events (event_id, stream_id, version, type, schema_version, occurred_at,
			recorded_at, data, metadata, previous_hash, hash)
		SELECT u.event_id, u.stream_id, u.version, u.type, 1, u.occurred_at, u.recorded_at, u.data::json, u.metadata::json, u.previous_hash, u.hash
		FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::text[], $8::text[], $9::bytea[], $10::bytea[])
			WITH ORDINALITY AS u(event_id, stream_id, version, type, occurred_at, recorded_at, data, metadata, previous_hash, hash, ordinal)
		ORDER BY u.ordinal`,
		ids, streams, versions, types, occurred, recorded, data, metadata, previous, hashes); err != nil {
		t.Fatal(err)
	}
}
