package demo_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/adapters/directory"
	pgstore "github.com/tanahbumbu/jaminan/adapters/eventstore/postgres"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/app/demo"
	"github.com/tanahbumbu/jaminan/domain/reference"
	"github.com/tanahbumbu/jaminan/domain/rules"
	"github.com/tanahbumbu/jaminan/projections"
)

// The seed story's figures, produced by the rule book through the command path
// on real PostgreSQL: Rp42.000.000 to Santi's heirs, Rp231.000.000 to Halimatus's.
func TestDemoProducesTheSeedFigures(t *testing.T) {
	database := pgtest.New(t)
	ctx := context.Background()
	store, err := pgstore.New(database.Pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	application, err := app.New(app.Config{Store: store, Directory: must(directory.NewPostgres(database.Pool, "test-key")), Library: rules.Default(),
		Places: reference.MustLoad(), Now: func() time.Time { return time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	summary, err := demo.Run(ctx, application, reference.MustLoad(), demo.Options{Workers: 20, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if summary.Participants != 22 || summary.Payers != 36 {
		t.Errorf("demo: got %d participants and %d payers, want 22 (20 + the story's 2) and 36 (35 desa of Kusan Hilir and Kusan Tengah + the regency)", summary.Participants, summary.Payers)
	}
	runner, err := projections.NewRunner(projections.Config{Pool: database.Pool, Store: store, Decode: application.Decode,
		Projections: projections.All(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runner.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	for _, test := range []struct {
		participant string
		want        string
	}{{"Santi", "42000000.00"}, {"Halimatus Sa'diah", "231000000.00"}} {
		var paid decimal.Decimal
		err := database.Pool.QueryRow(ctx, `SELECT coalesce(sum(o.amount), 0) FROM rm_payouts o JOIN rm_participants p USING (participant_id) WHERE p.name = $1`, test.participant).Scan(&paid)
		if err != nil {
			t.Fatal(err)
		}
		if paid.StringFixed(2) != test.want {
			t.Errorf("paid to the heirs of %s: got %s, want %s", test.participant, paid.StringFixed(2), test.want)
		}
	}
	again, err := demo.Run(ctx, application, reference.MustLoad(), demo.Options{Workers: 20, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if again.Events != 0 {
		t.Errorf("a second demo run appended %d events, want 0", again.Events)
	}
}

func must[T any](value T, err error) T {
	if err != nil {
		panic(err)
	}
	return value
}
