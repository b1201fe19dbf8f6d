package postgres

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoretest"
	"github.com/tanahbumbu/jaminan/adapters/postgres"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
)

// versionBeforeLogAtCommit is the schema version the fixture was written under.
const versionBeforeLogAtCommit = 8

// placedBefore is the fixture's global order by seq, as the sealer left it
// (testdata/log_before_009.sql): positions 13 and 14 hold seq 15 and 16 (a
// late commit), and seq 19 to 22 were never placed; the older of their
// transactions (seq 21, 22) must come first.
var placedBefore = []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 15, 16, 13, 14, 17, 18, 21, 22, 19, 20}

// TestLogWrittenBeforeMigration009 loads a log written by the sealer's code
// (placed events, a late commit, and events committed but never placed),
// migrates it, and checks that it reads in the same order, verifies, and
// takes new appends on the same chain.
func TestLogWrittenBeforeMigration009(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	database := pgtest.NewEmpty(t)
	pool, err := postgres.Connect(ctx, postgres.Config{URL: database.URL})
	if err != nil {
		t.Fatal(err)
	}
	database.Pool = pool
	if _, err := postgres.MigrateTo(ctx, pool, versionBeforeLogAtCommit); err != nil {
		t.Fatal(err)
	}
	fixture, err := os.ReadFile(filepath.Join("testdata", "log_before_009.sql"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, string(fixture)); err != nil {
		t.Fatalf("load the fixture: %v", err)
	}
	bySeq := map[int64]uuid.UUID{}
	rows, err := pool.Query(ctx, `SELECT seq, event_id FROM events`)
	if err != nil {
		t.Fatal(err)
	}
	var seq int64
	var id uuid.UUID
	for rows.Next() {
		if err := rows.Scan(&seq, &id); err != nil {
			t.Fatal(err)
		}
		bySeq[seq] = id
	}
	if err := rows.Err(); err != nil || len(bySeq) != len(placedBefore) {
		t.Fatalf("fixture: %d events (%v), want %d", len(bySeq), err, len(placedBefore))
	}
	if _, err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatalf("migrate the old log: %v", err)
	}
	store, err := New(pool, Config{})
	if err != nil {
		t.Fatal(err)
	}
	mustVerify(ctx, t, store, int64(len(placedBefore)))
	read, err := store.ReadAll(ctx, 0, eventstore.MaxReadLimit)
	if err != nil {
		t.Fatal(err)
	}
	for i, event := range read {
		if want := bySeq[placedBefore[i]]; event.Position != int64(i+1) || event.EventID != want {
			t.Errorf("position %d: event %s, want %s (seq %d)", event.Position, event.EventID, want, placedBefore[i])
		}
	}
	assertAppendsContinue(ctx, t, store, read[len(read)-1])
	assertWayBack(ctx, t, database, int64(len(placedBefore))+3)
}

// assertWayBack steps down to the sealer's layout (tern's down step) and up
// again: the log survives both ways.
func assertWayBack(ctx context.Context, t *testing.T, database *pgtest.Database, events int64) {
	t.Helper()
	if _, err := postgres.MigrateTo(ctx, database.Pool, versionBeforeLogAtCommit); err != nil {
		t.Fatalf("migrate down: %v", err)
	}
	var placed, heads int64
	if err := database.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM log_positions p JOIN events e ON e.seq = p.seq),
		(SELECT count(*) FROM streams)`).Scan(&placed, &heads); err != nil || placed != events || heads != 6 {
		t.Fatalf("down: %d placed events and %d stream heads (%v), want %d and 6", placed, heads, err, events)
	}
	if _, err := postgres.Migrate(ctx, database.Pool); err != nil {
		t.Fatalf("migrate up again: %v", err)
	}
	pool, err := postgres.Connect(ctx, postgres.Config{URL: database.URL}) // no statements cached before the swap
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	store, err := New(pool, Config{})
	if err != nil {
		t.Fatal(err)
	}
	mustVerify(ctx, t, store, events)
}

// assertAppendsContinue appends to an old stream and a new one and checks
// they continue both chains.
func assertAppendsContinue(ctx context.Context, t *testing.T, store *Store, last eventstore.RecordedEvent) {
	t.Helper()
	old, err := store.ReadStream(ctx, "participant-1", 1, eventstore.MaxReadLimit)
	if err != nil || len(old) == 0 {
		t.Fatalf("participant-1: %d events, %v", len(old), err)
	}
	results, err := store.AppendMany(ctx, []eventstore.StreamAppend{
		{StreamID: "participant-1", Expected: eventstore.Exact(old[len(old)-1].Version), Events: eventstoretest.Events("E", 2)},
		{StreamID: "claim-9", Expected: eventstore.NoStream(), Events: eventstoretest.Events("E", 1)},
	})
	if err != nil {
		t.Fatalf("append after the migration: %v", err)
	}
	if got := results[0].Events[0]; got.Position != last.Position+1 || string(got.PreviousHash) != string(old[len(old)-1].Hash) {
		t.Errorf("first new event at position %d after %d, chained on its stream: %v", got.Position, last.Position,
			string(got.PreviousHash) == string(old[len(old)-1].Hash))
	}
	mustVerify(ctx, t, store, last.Position+3)
}
