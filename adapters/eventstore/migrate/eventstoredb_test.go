package migrate_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoredb"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoredb/esdbfake"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/migrate"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
)

// TestCopyPostgresToEventStoreDB is the real copy `jaminan migrate-log`
// makes, through the official client, into a fresh namespace: interrupted,
// resumed, run again, verified. It runs against esdbfake always, and against
// the server at EVENTSTOREDB_URL when one is set.
func TestCopyPostgresToEventStoreDB(t *testing.T) {
	t.Parallel()
	targets := []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"esdbfake", func(t *testing.T) string {
			server, err := esdbfake.Start(esdbfake.Config{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(server.Close)
			return server.URL()
		}},
		{"EVENTSTOREDB_URL", func(t *testing.T) string {
			url := os.Getenv("EVENTSTOREDB_URL")
			if url == "" {
				t.Skip("SKIPPED: EVENTSTOREDB_URL not set; copying into a real EventStoreDB needs a server (make up-esdb)")
			}
			return url
		}},
	}
	for _, target := range targets {
		t.Run(target.name, func(t *testing.T) { testCopyToEventStoreDB(t, target.url(t)) })
	}
}

func testCopyToEventStoreDB(t *testing.T, url string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	source := newSource(t, sourceLog)
	namespace := "jaminan-migrate-" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12] + "-"
	config := eventstoredb.Config{URL: url, Namespace: namespace, Pool: pgtest.New(t).Pool,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	target, err := eventstoredb.New(ctx, config)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = target.Close() })

	// Imports 1-3 reach position 5 (see sourceLog); the 4th fails unwritten.
	failing := &failingTarget{Target: target, failAt: 4}
	if _, err := migrate.Copy(ctx, migrate.Config{Source: source, Target: failing, BatchSize: testBatch}); !errors.Is(err, errCrash) {
		t.Fatalf("interrupted run: got %v, want the injected failure", err)
	}
	resumed := copyAll(t, migrate.Config{Source: source, Target: target, BatchSize: testBatch})
	if resumed.Resumed != 5 || resumed.Copied != sourceEvents-5 {
		t.Errorf("resumed run: got %+v, want resumed at 5 and 8 copied", resumed)
	}
	again := copyAll(t, migrate.Config{Source: source, Target: target, BatchSize: testBatch})
	if again.Copied != 0 || again.Imports != 0 {
		t.Errorf("re-run: got %+v, want nothing copied", again)
	}
	assertSameLog(t, source, target, sourceEvents)
	// Another process, resuming at the index the copy filled, sees the same log.
	other, err := eventstoredb.New(ctx, config)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Close() })
	assertSameLog(t, source, other, sourceEvents)
}
