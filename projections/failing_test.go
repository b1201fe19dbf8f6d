package projections_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	pgstore "github.com/tanahbumbu/jaminan/adapters/eventstore/postgres"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/projections"
)

// marker is the one event type of these tests: it moves no read model.
type marker struct{}

func (marker) EventType() string         { return "Marker" }
func (marker) OccurredOn() calendar.Date { return calendar.NewDate(2026, 11, 28) }

// poisoned is the failure of these tests' projections: every event of the
// poison stream while broken is set.
func poisoned(broken *atomic.Bool, stream string, decoded projections.Decoded) error {
	if broken.Load() && decoded.Recorded.StreamID == stream {
		return fmt.Errorf("cannot apply %s version %d", decoded.Recorded.StreamID, decoded.Recorded.Version)
	}
	return nil
}

// failOn is a projection made to fail on every event of one stream while
// broken is set, the way a poison event stops a real one.
type failOn struct {
	name, stream string
	broken       *atomic.Bool
}

func (p failOn) Name() string     { return p.name }
func (p failOn) Tables() []string { return nil }
func (p failOn) Apply(_ context.Context, _ pgx.Tx, events []projections.Decoded) error {
	for _, decoded := range events {
		if err := poisoned(p.broken, p.stream, decoded); err != nil {
			return err
		}
	}
	return nil
}

// A projection that cannot apply an event stops at the event before it, and
// the runner records the error and that event's position with the
// checkpoint, where Status reads it; other projections are not held back.
// Once the projection applies the event, the error is gone.
// It holds as well when the catch-up starts far behind the head and goes
// as a replay does (FarBehind 1: one large batch, written in bulk).
func TestRunnerRecordsTheErrorAProjectionStopsOn(t *testing.T) {
	for _, farBehind := range []int64{0, 1} {
		t.Run(fmt.Sprintf("far behind from %d events", farBehind), func(t *testing.T) {
			runnerRecordsTheError(t, farBehind)
		})
	}
}

func runnerRecordsTheError(t *testing.T, farBehind int64) {
	ctx := context.Background()
	database := pgtest.New(t)
	store, err := pgstore.New(database.Pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, stream := range []string{"ok-1", "ok-1", "ok-1", "poison-1", "ok-2", "ok-2"} {
		appendMarker(t, store, stream)
	}
	broken := &atomic.Bool{}
	broken.Store(true)
	runner, err := projections.NewRunner(projections.Config{Pool: database.Pool, Store: store, BatchSize: 4, FarBehind: farBehind,
		Decode:      func(eventstore.RecordedEvent) (event.Event, error) { return marker{}, nil },
		Projections: []projections.Projection{failOn{name: "fragile", stream: "poison-1", broken: broken}, failOn{name: "sturdy", stream: "none", broken: broken}},
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	_, err = runner.CatchUp(ctx)
	var failed *projections.ApplyError
	if !errors.As(err, &failed) || failed.Projection != "fragile" || failed.Position != 4 || !strings.Contains(failed.Error(), "cannot apply poison-1 version 1") {
		t.Fatalf("catch-up: got %v, want fragile unable to apply position 4", err)
	}
	want := map[string]projections.Status{
		"fragile": {Position: 3, Lag: 3, State: projections.StateFailing, ErrorPosition: 4},
		"sturdy":  {Position: 6, Lag: 0, State: projections.StateCurrent},
	}
	checkStatuses(t, runner, want, "cannot apply poison-1 version 1")
	// Asked again, it fails again on the same event and keeps the record.
	if _, err := runner.CatchUp(ctx); !errors.As(err, &failed) || failed.Position != 4 {
		t.Fatalf("second catch-up: got %v", err)
	}
	checkStatuses(t, runner, want, "cannot apply poison-1 version 1")

	broken.Store(false) // the cause is fixed (a release that can apply the event)
	if _, err := runner.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	checkStatuses(t, runner, map[string]projections.Status{
		"fragile": {Position: 6, State: projections.StateCurrent},
		"sturdy":  {Position: 6, State: projections.StateCurrent},
	}, "")
	appendMarker(t, store, "ok-3")
	checkStatuses(t, runner, map[string]projections.Status{
		"fragile": {Position: 6, Lag: 1, State: projections.StateBehind},
		"sturdy":  {Position: 6, Lag: 1, State: projections.StateBehind},
	}, "")
}

func appendMarker(t *testing.T, store eventstore.Store, stream string) {
	t.Helper()
	_, err := store.Append(context.Background(), stream, eventstore.Any(), []eventstore.EventData{{EventID: uuid.New(), Type: "Marker",
		SchemaVersion: 1, OccurredAt: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC), Data: []byte(`{}`)}})
	if err != nil {
		t.Fatal(err)
	}
}

// checkStatuses compares position, lag, state and error position, and that
// a failing projection's error says errorText and has a time.
func checkStatuses(t *testing.T, runner *projections.Runner, want map[string]projections.Status, errorText string) {
	t.Helper()
	statuses, err := runner.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, status := range statuses {
		expected := want[status.Name]
		if status.Position != expected.Position || status.Lag != expected.Lag || status.State != expected.State || status.ErrorPosition != expected.ErrorPosition {
			t.Errorf("%s: got %+v, want %+v", status.Name, status, expected)
		}
		failing := status.State == projections.StateFailing
		if failing != (status.Error != "") || failing != (status.FailedAt != nil) || (failing && !strings.Contains(status.Error, errorText)) {
			t.Errorf("%s: error %q at %v (state %s), want one that says %q when failing and none otherwise", status.Name, status.Error, status.FailedAt, status.State, errorText)
		}
	}
}

// writesThenFails writes a row per event into its table and, while broken,
// fails on the poison stream after writing that event's row too: the
// savepoint must take back every row of the batch it wrote.
type writesThenFails struct {
	name, stream string
	broken       *atomic.Bool
}

func (p writesThenFails) Name() string     { return p.name }
func (p writesThenFails) Tables() []string { return []string{p.name + "_rows"} }
func (p writesThenFails) Apply(ctx context.Context, tx pgx.Tx, events []projections.Decoded) error {
	for _, decoded := range events {
		if _, err := tx.Exec(ctx, `INSERT INTO `+p.name+`_rows (position) VALUES ($1)`, decoded.Recorded.Position); err != nil {
			return err
		}
		if err := poisoned(p.broken, p.stream, decoded); err != nil {
			return err
		}
	}
	return nil
}

// With one reader and one transaction for every projection, a projection
// that fails is rolled back alone (its rows of the batch too): the others
// commit their rows and checkpoints in the same batches and go on to the
// head; the failing one stops just before the poison event with the error
// recorded, and a rebuild of it alone after the fix brings it back, equal to
// a projection that never failed.
func TestOneReaderHaltsOnlyTheFailingProjection(t *testing.T) {
	ctx := context.Background()
	f := newFragileAndSturdy(t)
	database, store, runner, broken := f.database, f.store, f.runner, f.broken
	var failed *projections.ApplyError
	if _, err := runner.CatchUp(ctx); !errors.As(err, &failed) || failed.Projection != "fragile" || failed.Position != 4 {
		t.Fatalf("catch-up: got %v, want fragile unable to apply position 4", err)
	}
	checkStatuses(t, runner, map[string]projections.Status{
		"fragile": {Position: 3, Lag: 6, State: projections.StateFailing, ErrorPosition: 4},
		"sturdy":  {Position: 9, State: projections.StateCurrent},
	}, "cannot apply poison-1 version 1")
	checkRows(t, database.Pool, "fragile", 3)
	checkRows(t, database.Pool, "sturdy", 9)

	// Events appended while it fails reach the others; the failing one stays put.
	appendMarker(t, store, "ok-4")
	if _, err := runner.CatchUp(ctx); !errors.As(err, &failed) || failed.Position != 4 {
		t.Fatalf("second catch-up: got %v", err)
	}
	checkStatuses(t, runner, map[string]projections.Status{
		"fragile": {Position: 3, Lag: 7, State: projections.StateFailing, ErrorPosition: 4},
		"sturdy":  {Position: 10, State: projections.StateCurrent},
	}, "cannot apply poison-1 version 1")

	broken.Store(false) // the fix, then `jaminan rebuild fragile`
	if _, err := runner.RebuildSideBySide(ctx, []string{"fragile"}, 3, nil); err != nil {
		t.Fatal(err)
	}
	checkStatuses(t, runner, map[string]projections.Status{
		"fragile": {Position: 10, State: projections.StateCurrent},
		"sturdy":  {Position: 10, State: projections.StateCurrent},
	}, "")
	checkRows(t, database.Pool, "fragile", 10)
	appendMarker(t, store, "ok-5")
	if _, err := runner.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	checkRows(t, database.Pool, "fragile", 11)
	checkRows(t, database.Pool, "sturdy", 11)
}

// fragileAndSturdy: a log of nine markers, the fourth on the poison stream,
// and a runner (live batches of 4) over two projections that write a row per
// event: fragile fails on the poison while broken, sturdy never.
type fragileAndSturdy struct {
	database    *pgtest.Database
	store       eventstore.Store
	runner      *projections.Runner
	projections []projections.Projection
	broken      *atomic.Bool
	// undecodable: the poison stream's event cannot be decoded while set.
	undecodable *atomic.Bool
}

func newFragileAndSturdy(t *testing.T) fragileAndSturdy {
	t.Helper()
	ctx := context.Background()
	f := fragileAndSturdy{database: pgtest.New(t), broken: &atomic.Bool{}, undecodable: &atomic.Bool{}}
	store, err := pgstore.New(f.database.Pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	f.store = store
	for _, name := range []string{"fragile", "sturdy"} {
		if _, err := f.database.Pool.Exec(ctx, `CREATE TABLE `+name+`_rows (position bigint PRIMARY KEY)`); err != nil {
			t.Fatal(err)
		}
	}
	for _, stream := range []string{"ok-1", "ok-1", "ok-1", "poison-1", "ok-2", "ok-2", "ok-3", "ok-3", "ok-3"} {
		appendMarker(t, store, stream)
	}
	f.broken.Store(true)
	f.projections = []projections.Projection{writesThenFails{name: "fragile", stream: "poison-1", broken: f.broken},
		writesThenFails{name: "sturdy", stream: "none", broken: f.broken}}
	f.runner, err = projections.NewRunner(projections.Config{Pool: f.database.Pool, Store: store, BatchSize: 4,
		Decode: func(recorded eventstore.RecordedEvent) (event.Event, error) {
			if f.undecodable.Load() && recorded.StreamID == "poison-1" {
				return nil, errors.New("no decoder for this marker")
			}
			return marker{}, nil
		},
		Projections: f.projections, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// checkRows: the projection's table holds exactly positions 1 to last.
func checkRows(t *testing.T, pool interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, name string, last int64) {
	t.Helper()
	var count, highest int64
	if err := pool.QueryRow(context.Background(), `SELECT count(*), coalesce(max(position), 0) FROM `+name+`_rows`).Scan(&count, &highest); err != nil {
		t.Fatal(err)
	}
	if count != last || highest != last {
		t.Errorf("%s holds %d rows up to position %d, want positions 1 to %d", name, count, highest, last)
	}
}

// A replay in lanes (a transaction per projection and batch) that one
// projection fails: the replay stops with its error, every projection holds
// exactly the rows of the batches its checkpoint has passed (whatever the
// other lanes had reached), and the replay run again after the fix goes on
// from each projection's own checkpoint to the same rows as a clean one.
func TestReplayLanesKeepEachCheckpointWithItsRows(t *testing.T) {
	ctx := context.Background()
	f := newFragileAndSturdy(t)
	database, runner, broken := f.database, f.runner, f.broken
	if _, err := runner.RebuildInPlace(ctx, nil, 3, nil); err == nil || !strings.Contains(err.Error(), "cannot apply poison-1") {
		t.Fatalf("replay: got %v, want fragile's error", err)
	}
	positions, err := runner.Checkpoints(ctx, f.projections)
	if err != nil {
		t.Fatal(err)
	}
	// Fragile committed its first batch before failing on the second; sturdy
	// is wherever its lane was when the failure stopped it (its transaction
	// then in flight rolled back): at the end of a batch, 0, 3 or 6.
	if positions["fragile"] != 3 || positions["sturdy"]%3 != 0 {
		t.Errorf("checkpoints after the failed replay: %v, want fragile at 3 (its first batch) and sturdy at the end of a batch", positions)
	}
	checkRows(t, database.Pool, "fragile", positions["fragile"])
	checkRows(t, database.Pool, "sturdy", positions["sturdy"])

	broken.Store(false)
	if _, err := runner.ReplayTo(ctx, map[string]int64{"fragile": 9, "sturdy": 9}, 3, nil); err != nil {
		t.Fatal(err)
	}
	checkRows(t, database.Pool, "fragile", 9)
	checkRows(t, database.Pool, "sturdy", 9)
}

// A replay in lanes that meets an event it cannot decode applies every
// event before it, in each lane, and fails naming it: the checkpoints stand
// just before it, as one transaction would leave them, and the replay run
// again once it decodes goes on from there.
func TestReplayLanesApplyWhatPrecedesAnUndecodableEvent(t *testing.T) {
	ctx := context.Background()
	f := newFragileAndSturdy(t)
	f.broken.Store(false)
	f.undecodable.Store(true)
	if _, err := f.runner.RebuildInPlace(ctx, nil, 10, nil); err == nil || !strings.Contains(err.Error(), "decode position 4") {
		t.Fatalf("replay: got %v, want the decoding error at position 4", err)
	}
	positions, err := f.runner.Checkpoints(ctx, f.projections)
	if err != nil {
		t.Fatal(err)
	}
	if positions["fragile"] != 3 || positions["sturdy"] != 3 {
		t.Errorf("checkpoints: %v, want both at 3, just before the event that cannot be decoded", positions)
	}
	checkRows(t, f.database.Pool, "fragile", 3)
	checkRows(t, f.database.Pool, "sturdy", 3)
	f.undecodable.Store(false)
	if _, err := f.runner.ReplayTo(ctx, map[string]int64{"fragile": 9, "sturdy": 9}, 10, nil); err != nil {
		t.Fatal(err)
	}
	checkRows(t, f.database.Pool, "fragile", 9)
	checkRows(t, f.database.Pool, "sturdy", 9)
}

// picky is a Selective projection counting the events it is given.
type picky struct {
	name, takes string
	given       *atomic.Int64
	calls       *atomic.Int64
}

func (p picky) Name() string                { return p.name }
func (p picky) Tables() []string            { return nil }
func (p picky) Takes(eventType string) bool { return eventType == p.takes }
func (p picky) Apply(_ context.Context, _ pgx.Tx, events []projections.Decoded) error {
	p.calls.Add(1)
	for _, decoded := range events {
		if decoded.Recorded.Type != p.takes {
			return fmt.Errorf("%s was given a %s", p.name, decoded.Recorded.Type)
		}
	}
	p.given.Add(int64(len(events)))
	return nil
}

// A Selective projection is given only the events of the types it takes,
// live and in a replay; one that takes nothing of a batch is not called at
// all (no savepoint, no statement), and its checkpoint still moves to the
// batch's end.
func TestProjectionsAreGivenOnlyWhatTheyTake(t *testing.T) {
	ctx := context.Background()
	database := pgtest.New(t)
	store, err := pgstore.New(database.Pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		appendMarker(t, store, "marked")
	}
	markers, others := picky{name: "markers", takes: "Marker", given: &atomic.Int64{}, calls: &atomic.Int64{}},
		picky{name: "others", takes: "Other", given: &atomic.Int64{}, calls: &atomic.Int64{}}
	runner, err := projections.NewRunner(projections.Config{Pool: database.Pool, Store: store, BatchSize: 2,
		Decode:      func(eventstore.RecordedEvent) (event.Event, error) { return marker{}, nil },
		Projections: []projections.Projection{markers, others}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	check := func(when string, markersGiven int64) {
		t.Helper()
		if markers.given.Load() != markersGiven || others.calls.Load() != 0 {
			t.Errorf("%s: markers given %d events (want %d), others called %d times (want none)", when, markers.given.Load(), markersGiven, others.calls.Load())
		}
		checkStatuses(t, runner, map[string]projections.Status{
			"markers": {Position: 5, State: projections.StateCurrent},
			"others":  {Position: 5, State: projections.StateCurrent},
		}, "")
	}
	if _, err := runner.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	check("live", 5)
	if _, err := runner.RebuildInPlace(ctx, nil, 2, nil); err != nil {
		t.Fatal(err)
	}
	check("replayed", 10)
}
