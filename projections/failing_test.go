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
		if p.broken.Load() && decoded.Recorded.StreamID == p.stream {
			return fmt.Errorf("cannot apply %s version %d", decoded.Recorded.StreamID, decoded.Recorded.Version)
		}
	}
	return nil
}

// A projection that cannot apply an event stops at the event before it, and
// the runner records the error and that event's position with the
// checkpoint, where Status reads it; other projections are not held back.
// Once the projection applies the event, the error is gone.
func TestRunnerRecordsTheErrorAProjectionStopsOn(t *testing.T) {
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
	runner, err := projections.NewRunner(projections.Config{Pool: database.Pool, Store: store, BatchSize: 4,
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
