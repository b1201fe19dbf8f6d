package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/adapters/web"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/app/apptest"
	"github.com/tanahbumbu/jaminan/app/demo"
	"github.com/tanahbumbu/jaminan/domain/reference"
)

// seededNow is the clock of every seeded database.
var seededNow = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

// seeded makes a throwaway database and loads the Tanah Bumbu demo into it
// through the command path (app.Execute), then brings every projection up to
// date, as `jaminan demo` followed by `jaminan serve` would.
func seeded(t *testing.T, options demo.Options) *pgtest.Database {
	t.Helper()
	database := pgtest.New(t)
	system := apptest.New(t, database.Pool, seededNow)
	if _, err := demo.Run(t.Context(), system.Application, reference.MustLoad(), options); err != nil {
		t.Fatalf("demo: %v", err)
	}
	system.CatchUp(t)
	return database
}

// applied executes commands, one JSON object per line as `jaminan apply`
// reads them, through the command path and catches the projections up.
func applied(t *testing.T, lines ...string) *pgtest.Database {
	t.Helper()
	database := pgtest.New(t)
	system := apptest.New(t, database.Pool, seededNow)
	system.Apply(t, app.Meta{Actor: "web-test", Source: "test"}, lines...)
	system.CatchUp(t)
	return database
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
