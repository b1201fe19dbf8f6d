package web_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tanahbumbu/jaminan/adapters/directory"
	pgstore "github.com/tanahbumbu/jaminan/adapters/eventstore/postgres"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/adapters/web"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/app/demo"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/reference"
	"github.com/tanahbumbu/jaminan/domain/rules"
	"github.com/tanahbumbu/jaminan/projections"
)

// seeded makes a throwaway database and loads the Tanah Bumbu demo into it
// through the command path (app.Execute), then brings every projection up to
// date, as `jaminan demo` followed by `jaminan serve` would.
func seeded(t *testing.T, options demo.Options) *pgtest.Database {
	t.Helper()
	database, application, catchUp := newSystem(t)
	if _, err := demo.Run(t.Context(), application, reference.MustLoad(), options); err != nil {
		t.Fatalf("demo: %v", err)
	}
	catchUp()
	return database
}

// applied executes commands, one JSON object per line as `jaminan apply`
// reads them, through the command path and catches the projections up.
func applied(t *testing.T, lines ...string) *pgtest.Database {
	t.Helper()
	database, application, catchUp := newSystem(t)
	for i, line := range lines {
		decoded, err := command.DecodeLine([]byte(line))
		if err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if _, err := application.Execute(t.Context(), decoded, app.Meta{Actor: "web-test", Source: "test"}); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
	}
	catchUp()
	return database
}

// newSystem wires the application and the projections over a fresh database,
// as cmd/jaminan's wire does.
func newSystem(t *testing.T) (*pgtest.Database, *app.Application, func()) {
	t.Helper()
	database := pgtest.New(t)
	store, err := pgstore.New(database.Pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	nikDirectory, err := directory.NewPostgres(database.Pool, "web-test-key")
	if err != nil {
		t.Fatal(err)
	}
	application, err := app.New(app.Config{Store: store, Directory: nikDirectory, Library: rules.Default(), Places: reference.MustLoad(),
		Now: func() time.Time { return time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	runner, err := projections.NewRunner(projections.Config{Pool: database.Pool, Store: store, Decode: application.Decode,
		Projections: projections.All(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return database, application, func() {
		if _, err := runner.CatchUp(t.Context()); err != nil {
			t.Fatalf("catch up: %v", err)
		}
	}
}

// mount serves the page and the dashboard API on one router, as the API
// server mounts them, with extra routes (a token check, a history stub) when given.
func mount(t *testing.T, database *pgtest.Database, wrapAPI func(http.Handler) http.Handler, extra func(chi.Router)) *httptest.Server {
	t.Helper()
	page, err := web.NewPage()
	if err != nil {
		t.Fatal(err)
	}
	api := web.NewDashAPI(database.Pool)
	if wrapAPI != nil {
		api = wrapAPI(api)
	}
	router := chi.NewRouter()
	router.Handle("/", page)
	router.Handle("/index.html", page)
	router.Handle("/assets/*", page)
	router.Handle("/api/v1/dash/*", api)
	if extra != nil {
		extra(router)
	}
	server := httptest.NewServer(router)
	t.Cleanup(server.Close)
	return server
}

// getJSON fetches a URL and decodes the body keeping numbers as json.Number,
// so a test can tell a money string from a JSON number.
func getJSON(t *testing.T, url string) (int, http.Header, map[string]any) {
	t.Helper()
	response, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer response.Body.Close()
	decoder := json.NewDecoder(response.Body)
	decoder.UseNumber()
	var body map[string]any
	if err := decoder.Decode(&body); err != nil {
		t.Fatalf("GET %s: decode: %v", url, err)
	}
	return response.StatusCode, response.Header, body
}
