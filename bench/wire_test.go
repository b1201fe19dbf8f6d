package bench

import (
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"

	"github.com/tanahbumbu/jaminan/adapters/directory"
	pgstore "github.com/tanahbumbu/jaminan/adapters/eventstore/postgres"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/reference"
	"github.com/tanahbumbu/jaminan/domain/rules"
	"github.com/tanahbumbu/jaminan/projections"
)

// testWire wires the application as cmd/jaminan does.
func testWire(pool *pgxpool.Pool) (System, error) {
	store, err := pgstore.New(pool, pgstore.Config{})
	if err != nil {
		return System{}, err
	}
	nikDirectory, err := directory.NewPostgres(pool, directory.DevelopmentKey)
	if err != nil {
		return System{}, err
	}
	places, err := reference.Load()
	if err != nil {
		return System{}, err
	}
	application, err := app.New(app.Config{Store: store, Directory: nikDirectory, Library: rules.Default(), Places: places})
	if err != nil {
		return System{}, err
	}
	runner, err := projections.NewRunner(projections.Config{Pool: pool, Store: store, Decode: application.DecodeTransient, Projections: projections.All()})
	if err != nil {
		return System{}, err
	}
	return System{Store: store, Application: application, Runner: runner}, nil
}

// newTestScratch is a scratch database of the test's own (pgtest), wired as
// cmd/jaminan wires one.
func newTestScratch(t *testing.T) *scratch {
	t.Helper()
	database := pgtest.New(t)
	system, err := testWire(database.Pool)
	if err != nil {
		t.Fatal(err)
	}
	return &scratch{System: system, name: database.Name, serverURL: database.URL, pool: database.Pool}
}
