package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoredb"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoredb/esdbfake"
	pgstore "github.com/tanahbumbu/jaminan/adapters/eventstore/postgres"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
)

// unreachableTimeout bounds a start against a closed port; the client gives
// up on its own after its discovery attempts (about a second).
const unreachableTimeout = "5s"

// closedPort is a local address nothing listens on: a port the kernel just
// handed out and that was closed again.
func closedPort(t *testing.T) string {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	address := listener.Addr().String()
	if err := listener.Close(); err != nil {
		t.Fatal(err)
	}
	return address
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestStoreSelection: JAMINAN_EVENTSTORE and EVENTSTOREDB_URL pick the log,
// or fail naming the variable to fix.
func TestStoreSelection(t *testing.T) {
	database := pgtest.New(t)
	unreachable := closedPort(t)
	tests := []struct {
		name          string
		kind, url     string
		timeout       string
		wantPostgres  bool
		wantErr       []string
		secretNotEcho string
	}{
		{name: "unset is postgres", wantPostgres: true},
		{name: "postgres", kind: "postgres", wantPostgres: true},
		{name: "case and spaces do not matter", kind: " PostgreS ", wantPostgres: true},
		{name: "postgres ignores EVENTSTOREDB_URL", kind: "postgres", url: "esdb://" + unreachable + "?tls=false", wantPostgres: true},
		{name: "unknown store", kind: "mysql", wantErr: []string{`JAMINAN_EVENTSTORE="mysql"`, "postgres (the default) or eventstoredb"}},
		{name: "eventstoredb without a URL", kind: "eventstoredb", wantErr: []string{"needs EVENTSTOREDB_URL", "esdb://localhost:2113?tls=false"}},
		{name: "eventstoredb with a URL of another scheme", kind: "eventstoredb", url: "http://admin:s3cret@localhost:2113",
			wantErr: []string{"EVENTSTOREDB_URL", "not an EventStoreDB connection string"}, secretNotEcho: "s3cret"},
		{name: "eventstoredb on a closed port", kind: "eventstoredb", url: "esdb://admin:s3cret@" + unreachable + "?tls=false", timeout: unreachableTimeout,
			wantErr: []string{"EVENTSTOREDB_URL", "is it running and reachable"}, secretNotEcho: "s3cret"},
		{name: "start timeout not a duration", kind: "eventstoredb", url: "esdb://" + unreachable + "?tls=false", timeout: "soon",
			wantErr: []string{`EVENTSTOREDB_START_TIMEOUT="soon"`}},
		{name: "negative start timeout", kind: "eventstoredb", url: "esdb://" + unreachable + "?tls=false", timeout: "-1s",
			wantErr: []string{"EVENTSTOREDB_START_TIMEOUT=-1s"}},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			t.Setenv("JAMINAN_EVENTSTORE", test.kind)
			t.Setenv("EVENTSTOREDB_URL", test.url)
			t.Setenv("EVENTSTOREDB_START_TIMEOUT", test.timeout)
			started := time.Now()
			store, err := openStore(context.Background(), database.Pool, quietLogger())
			if elapsed := time.Since(started); elapsed > 30*time.Second {
				t.Errorf("openStore took %s; it must fail within its start timeout", elapsed)
			}
			if test.wantPostgres {
				if _, ok := store.(*pgstore.Store); err != nil || !ok {
					t.Fatalf("got %T, %v; want the PostgreSQL store", store, err)
				}
				return
			}
			if err == nil {
				closeStore(store, nil)
				t.Fatalf("got %T, want an error", store)
			}
			t.Logf("error: %v", err)
			for _, want := range test.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if test.secretNotEcho != "" && strings.Contains(err.Error(), test.secretNotEcho) {
				t.Errorf("error %q echoes the password of the URL", err)
			}
		})
	}
}

// eventstoredb gives the EventStoreDB store, through the official client:
// on esdbfake always, and on the server at EVENTSTOREDB_URL when one is set.
func TestStoreSelectionEventStoreDB(t *testing.T) {
	database := pgtest.New(t)
	for name, url := range map[string]string{"esdbfake": startFakeEventStoreDB(t).URL(), "EVENTSTOREDB_URL": os.Getenv("EVENTSTOREDB_URL")} {
		t.Run(name, func(t *testing.T) {
			if url == "" {
				t.Skip("SKIPPED: EVENTSTOREDB_URL not set; selecting a running EventStoreDB needs a server (make up-esdb)")
			}
			t.Setenv("JAMINAN_EVENTSTORE", "eventstoredb")
			t.Setenv("EVENTSTOREDB_URL", url)
			store, err := openStore(context.Background(), database.Pool, quietLogger())
			if err != nil {
				t.Fatal(err)
			}
			defer closeStore(store, nil)
			if _, ok := store.(*eventstoredb.Store); !ok {
				t.Errorf("got %T, want the EventStoreDB store", store)
			}
		})
	}
}

// startFakeEventStoreDB runs an esdbfake node for the test.
func startFakeEventStoreDB(t *testing.T) *esdbfake.Server {
	t.Helper()
	server, err := esdbfake.Start(esdbfake.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(server.Close)
	return server
}

func TestStoreConfigValidate(t *testing.T) {
	tests := []struct {
		config storeConfig
		want   int // how many errors, joined
	}{
		{storeConfig{Kind: "postgres", StartTimeout: time.Second}, 0},
		{storeConfig{Kind: "eventstoredb", EventStoreDBURL: "esdb://x:2113", StartTimeout: time.Second}, 0},
		{storeConfig{Kind: "kafka", StartTimeout: time.Second}, 1},
		{storeConfig{Kind: "eventstoredb", StartTimeout: -time.Second}, 2},
		{storeConfig{Kind: "eventstoredb", EventStoreDBURL: "esdb://x:2113", StartTimeout: 25 * time.Hour}, 1},
	}
	for _, test := range tests {
		err := test.config.Validate()
		got := 0
		if err != nil {
			got = strings.Count(err.Error(), "\n") + 1
		}
		if got != test.want {
			t.Errorf("%+v: got %d errors (%v), want %d", test.config, got, err, test.want)
		}
	}
}

// runCLI runs the binary's command tree in process with args; env is set for the test.
func runCLI(t *testing.T, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	for name, value := range env {
		t.Setenv(name, value)
	}
	root := newRootCommand()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// TestVerifyCommandOnEitherStore: `jaminan verify` on JAMINAN_EVENTSTORE=postgres
// proves the log; on eventstoredb with no server it fails at once, plainly.
func TestVerifyCommandOnEitherStore(t *testing.T) {
	database := pgtest.New(t)
	built := newSystem(t, database)
	applyText(t, built, sliceJSONL)
	head, err := built.store.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := runCLI(t, map[string]string{"DATABASE_URL": database.URL, "JAMINAN_EVENTSTORE": "postgres"}, "verify", "--quiet", "--log-only")
	if want := fmt.Sprintf("ok: %d events in ", head); err != nil || !strings.HasPrefix(out, want) || !strings.Contains(out, "every hash chain intact") {
		t.Fatalf("verify on postgres: got %v\n%s\nwant %q…every hash chain intact", err, out, want)
	}

	started := time.Now()
	_, _, err = runCLI(t, map[string]string{"DATABASE_URL": database.URL, "JAMINAN_EVENTSTORE": "eventstoredb",
		"EVENTSTOREDB_URL": "esdb://" + closedPort(t) + "?tls=false", "EVENTSTOREDB_START_TIMEOUT": unreachableTimeout}, "verify", "--quiet")
	if err == nil || !strings.Contains(err.Error(), "EVENTSTOREDB_URL") || !strings.Contains(err.Error(), "is it running and reachable") {
		t.Errorf("verify on an unreachable eventstoredb: got %v, want an error naming EVENTSTOREDB_URL", err)
	}
	if elapsed := time.Since(started); elapsed > 30*time.Second {
		t.Errorf("verify on an unreachable eventstoredb took %s", elapsed)
	}
	var usage *usageError
	if errors.As(err, &usage) {
		t.Errorf("an unreachable server is not a usage error: %v", err)
	}

	_, _, err = runCLI(t, map[string]string{"DATABASE_URL": database.URL, "JAMINAN_EVENTSTORE": "eventstoredb", "EVENTSTOREDB_URL": ""}, "verify", "--quiet")
	if err == nil || !strings.Contains(err.Error(), "needs EVENTSTOREDB_URL") {
		t.Errorf("verify on eventstoredb without a URL: got %v", err)
	}
}
