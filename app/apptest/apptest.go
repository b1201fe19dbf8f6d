// Package apptest wires the application and its projections over a test
// database as cmd/jaminan's wire does, so adapter tests outside app and
// projections share one wiring and one way of applying command lines.
package apptest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/adapters/directory"
	pgstore "github.com/tanahbumbu/jaminan/adapters/eventstore/postgres"
	"github.com/tanahbumbu/jaminan/adapters/ledgeritems"
	"github.com/tanahbumbu/jaminan/adapters/snapshot"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/payer"
	"github.com/tanahbumbu/jaminan/domain/reference"
	"github.com/tanahbumbu/jaminan/domain/rules"
	"github.com/tanahbumbu/jaminan/projections"
)

// SnapshotEvery is how often a System snapshots a payer: often, so tests
// that never meant to load through snapshots do.
const SnapshotEvery = 5

// System is the application, its store and the projections' runner.
type System struct {
	Application *app.Application
	Store       *pgstore.Store
	Runner      *projections.Runner
	today       calendar.Date // the application's clock
}

// New wires a System over pool with the clock fixed at now.
func New(t testing.TB, pool *pgxpool.Pool, now time.Time) *System {
	t.Helper()
	store, err := pgstore.New(pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	nikDirectory, err := directory.NewPostgres(pool, directory.DevelopmentKey)
	if err != nil {
		t.Fatal(err)
	}
	snapshots, err := snapshot.NewPostgres(pool)
	if err != nil {
		t.Fatal(err)
	}
	var runner *projections.Runner
	ledger := ledgeritems.New(pool, func(ctx context.Context) (int64, error) { return runner.CatchUp(ctx) })
	application, err := app.New(app.Config{Store: store, Directory: nikDirectory, Library: rules.Default(), Places: reference.MustLoad(),
		Now: func() time.Time { return now }, Ledger: ledger, Snapshots: snapshots, Snapshot: snapshot.Config{Every: SnapshotEvery}})
	if err != nil {
		t.Fatal(err)
	}
	runner, err = projections.NewRunner(projections.Config{Pool: pool, Store: store, Decode: application.DecodeTransient,
		Projections: projections.All(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return &System{Application: application, Store: store, Runner: runner, today: calendar.DateOf(now)}
}

// Apply executes command lines, one JSON object each as `jaminan apply`
// reads them, through the command path; any refusal fails the test.
func (s *System) Apply(t testing.TB, meta app.Meta, lines ...string) {
	t.Helper()
	for i, line := range lines {
		decoded, err := command.DecodeLine([]byte(line))
		if err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if _, err := s.Application.Execute(context.Background(), decoded, meta); err != nil {
			t.Fatalf("line %d %s: %v", i+1, line, err)
		}
	}
}

// CatchUp brings every projection up to the log head.
func (s *System) CatchUp(t testing.TB) {
	t.Helper()
	if _, err := s.Runner.CatchUp(context.Background()); err != nil {
		t.Fatalf("catch up: %v", err)
	}
}

// AppendBill bills payerID, registered already, for period with members PU
// workers on a wage of 3,000,000 in JKK, JKM and JHT (docs/rulebook.md: 187,200 a
// month each) and returns the bill's total. The workers are not registered
// (Application.AssessMembers): the bill is all the journal and the finance
// read models read of them. So a test has thousands of members' accounts
// without thousands of commands.
func (s *System) AppendBill(t testing.TB, payerID string, period calendar.Period, members int) decimal.Decimal {
	t.Helper()
	ctx := context.Background()
	billed := make([]payer.Member, 0, members)
	for i := range members {
		billed = append(billed, payer.Member{ParticipantID: fmt.Sprintf("%s-member-%06d", payerID, i), Segment: "PU",
			WageBase: decimal.NewFromInt(3_000_000), Programmes: []string{"JKK", "JKM", "JHT"}})
	}
	assessed, err := s.Application.AssessMembers(ctx, &command.AssessContributions{PayerID: payerID, Period: period}, app.Meta{Actor: "apptest", Source: "test"}, billed)
	if err != nil {
		t.Fatalf("assess %d members: %v", members, err)
	}
	return assessed.Total.Decimal
}
