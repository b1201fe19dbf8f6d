package migrate_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoredb"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/migrate"
)

// TestCopyPostgresToEventStoreDB is the real copy `jaminan migrate-log`
// makes, into a fresh namespace of the server at EVENTSTOREDB_URL:
// interrupted, resumed, run again, verified.
func TestCopyPostgresToEventStoreDB(t *testing.T) {
	url := os.Getenv("EVENTSTOREDB_URL")
	if url == "" {
		t.Skip("SKIPPED: EVENTSTOREDB_URL not set; copying into a real EventStoreDB needs a server (make up-esdb)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	source := newSource(t, sourceLog)
	namespace := "jaminan-migrate-" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12] + "-"
	target, err := eventstoredb.New(ctx, eventstoredb.Config{URL: url, Namespace: namespace})
	if err != nil {
		t.Fatalf("connect to EVENTSTOREDB_URL: %v", err)
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
}
