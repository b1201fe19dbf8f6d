package projections_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/adapters/directory"
	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	pgstore "github.com/tanahbumbu/jaminan/adapters/eventstore/postgres"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/reference"
	"github.com/tanahbumbu/jaminan/domain/rules"
	"github.com/tanahbumbu/jaminan/projections"
)

type fixtureEvent struct {
	Stream        string          `json:"stream"`
	Type          string          `json:"type"`
	SchemaVersion int             `json:"schema_version"`
	OccurredAt    string          `json:"occurred_at"`
	Data          json.RawMessage `json:"data"`
	// EventID and Metadata, when given, are stored as they were written.
	EventID  string              `json:"event_id,omitempty"`
	Metadata eventstore.Metadata `json:"metadata"`
}

// A log written by an older release (ParticipantEnrolled version 1, with
// "wage" or "declared_income") is stored as it was and upcast on read: the
// read models and the domain see only today's shape.
func TestOldSchemaVersionsAreUpcastOnRead(t *testing.T) {
	ctx := context.Background()
	database := pgtest.New(t)
	store, err := pgstore.New(database.Pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	appendFixture(t, store, "testdata/v1-log.jsonl")
	application, err := app.New(app.Config{Store: store, Directory: directory.NewMemory("k"), Library: rules.Default(), Places: reference.MustLoad(),
		Now: func() time.Time { return time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	runner, err := projections.NewRunner(projections.Config{Pool: database.Pool, Store: store, Decode: application.DecodeTransient,
		Projections: []projections.Projection{projections.Participants{}}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runner.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	for nik, want := range map[string]string{"6310064203820002": "3000000.00", "6310054507850001": "1000000.00"} {
		var wage decimal.Decimal
		var status string
		if err := database.Pool.QueryRow(ctx, `SELECT wage_base, status FROM rm_participants WHERE nik = $1`, nik).Scan(&wage, &status); err != nil {
			t.Fatal(err)
		}
		if wage.StringFixed(2) != want || status != "active" {
			t.Errorf("read model from the v1 log: wage base %s status %s, want %s active", wage.StringFixed(2), status, want)
		}
	}
	member, err := application.LoadParticipant(ctx, "0b6f5e2a-1111-4c6e-9c1a-000000000001")
	if err != nil {
		t.Fatal(err)
	}
	if wage, ok := member.WageOn(calendar.NewDate(2024, 1, 1)); !ok || !wage.Equal(decimal.NewFromInt(3_000_000)) {
		t.Errorf("domain state from the v1 log: wage %s, want 3000000", wage)
	}
	stored, err := store.ReadStream(ctx, "participant-0b6f5e2a-1111-4c6e-9c1a-000000000001", 2, 1)
	if err != nil || stored[0].SchemaVersion != 1 || string(stored[0].Data) == "" {
		t.Fatalf("the stored event must stay version 1 as written: %+v %v", stored, err)
	}
}

func appendFixture(t *testing.T, store eventstore.Store, path string) {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	scanner := bufio.NewScanner(file)
	for scanner.Scan() {
		var fixture fixtureEvent
		if err := json.Unmarshal(scanner.Bytes(), &fixture); err != nil {
			t.Fatal(err)
		}
		occurred, err := time.Parse(time.DateOnly, fixture.OccurredAt)
		if err != nil {
			t.Fatal(err)
		}
		id := uuid.New()
		if fixture.EventID != "" {
			if id, err = uuid.Parse(fixture.EventID); err != nil {
				t.Fatal(err)
			}
		}
		_, err = store.Append(context.Background(), fixture.Stream, eventstore.Any(), []eventstore.EventData{{EventID: id, Type: fixture.Type,
			SchemaVersion: fixture.SchemaVersion, OccurredAt: occurred, Data: fixture.Data, Metadata: fixture.Metadata}})
		if err != nil {
			t.Fatal(err)
		}
	}
}
