package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/tanahbumbu/jaminan/adapters/eventstore/memory"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/migrate"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
)

func TestMigrateLogRefusesBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"no flags", nil, []string{`--from ""`, `--to ""`}},
		{"from another store", []string{"--from", "mysql", "--to", "eventstoredb"}, []string{`--from "mysql": the log can be copied from postgres only`}},
		{"to postgres", []string{"--from", "postgres", "--to", "postgres"}, []string{`--to "postgres": the log can be copied to eventstoredb only`}},
		{"batch zero", []string{"--from", "postgres", "--to", "eventstoredb", "--batch", "0"}, []string{"--batch 0: must be 1 to 10000"}},
		{"batch too big", []string{"--from", "postgres", "--to", "eventstoredb", "--batch", "10001"}, []string{"--batch 10001"}},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			_, _, err := runCLI(t, nil, append([]string{"migrate-log"}, test.args...)...)
			var usage *usageError
			if !errors.As(err, &usage) {
				t.Fatalf("got %v, want a usage error (exit 2)", err)
			}
			for _, want := range test.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}

func TestMigrateLogNeedsEventStoreDBURL(t *testing.T) {
	_, _, err := runCLI(t, map[string]string{"EVENTSTOREDB_URL": "", "JAMINAN_EVENTSTORE": ""}, "migrate-log", "--from", "postgres", "--to", "eventstoredb")
	if err == nil || !strings.Contains(err.Error(), "--to eventstoredb needs EVENTSTOREDB_URL") {
		t.Errorf("got %v, want an error saying to set EVENTSTOREDB_URL", err)
	}
}

// TestMigrateLogCopiesAndResumes runs the command over a real PostgreSQL log
// into an in-memory target (the seam EventStoreDB takes in production).
func TestMigrateLogCopiesAndResumes(t *testing.T) {
	database := pgtest.New(t)
	built := newSystem(t, database)
	applyText(t, built, sliceJSONL)
	head, err := built.store.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	target := memory.New()
	original := openMigrationTarget
	t.Cleanup(func() { openMigrationTarget = original })
	openMigrationTarget = func(context.Context, storeConfig, *slog.Logger) (migrate.Target, func(), error) {
		return target, func() {}, nil
	}
	env := map[string]string{"DATABASE_URL": database.URL, "EVENTSTOREDB_URL": "esdb://unused:2113?tls=false"}
	run := func(extra ...string) string {
		t.Helper()
		out, _, err := runCLI(t, env, append([]string{"migrate-log", "--from", "postgres", "--to", "eventstoredb", "--quiet"}, extra...)...)
		if err != nil {
			t.Fatalf("migrate-log %v: %v\n%s", extra, err, out)
		}
		return out
	}

	out := run("--dry-run")
	if want := fmt.Sprintf("dry run: %d events (positions 1 to %d) would be copied", head, head); !strings.Contains(out, want) {
		t.Errorf("dry run: got %q, want %q", out, want)
	}
	if copied, _ := target.Head(context.Background()); copied != 0 {
		t.Fatalf("the dry run wrote %d events", copied)
	}

	out = run("--batch", "2")
	for _, want := range []string{
		fmt.Sprintf("copied %d events (positions 1 to %d)", head, head),
		fmt.Sprintf("verified: %d events", head),
		fmt.Sprintf("the global hash at position %d equals PostgreSQL's", head),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("copy: got %q, want %q", out, want)
		}
	}
	assertSameLogAsSource(t, built, target, head)

	out = run()
	if want := fmt.Sprintf("nothing to copy: the target holds all %d events", head); !strings.Contains(out, want) {
		t.Errorf("second run: got %q, want %q", out, want)
	}

	// New events in PostgreSQL are what the next run copies.
	lines, failed := applyText(t, built, `{"command":"RegisterPayer","payer_id":"desa-batuah","name":"Pemerintah Desa Batuah","kind":"village_government","risk_class":1}`)
	if failed != 0 || len(lines[0].Events) != 1 {
		t.Fatalf("one more payer: %+v", lines)
	}
	out = run()
	if want := fmt.Sprintf("copied 1 events (positions %d to %d)", head+1, head+1); !strings.Contains(out, want) {
		t.Errorf("run after a new event: got %q, want %q", out, want)
	}
	assertSameLogAsSource(t, built, target, head+1)
}

func assertSameLogAsSource(t *testing.T, built *system, target *memory.Store, want int64) {
	t.Helper()
	verification, err := migrate.Verify(context.Background(), built.store, target, want, nil)
	if err != nil || verification.Events != want {
		t.Errorf("the copy: %+v, %v; want %d events, identical", verification, err, want)
	}
}
