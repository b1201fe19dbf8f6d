package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoredb"
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
// into esdbfake through the official client, then switches the regency to
// EventStoreDB: status and verify read the copied log there.
func TestMigrateLogCopiesAndResumes(t *testing.T) {
	database := pgtest.New(t)
	built := newSystem(t, database)
	applyText(t, built, sliceJSONL)
	head, err := built.store.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	server := startFakeEventStoreDB(t)
	env := map[string]string{"DATABASE_URL": database.URL, "EVENTSTOREDB_URL": server.URL(), "JAMINAN_EVENTSTORE": ""}
	run := func(extra ...string) string {
		t.Helper()
		out, _, err := runCLI(t, env, append([]string{"migrate-log", "--from", "postgres", "--to", "eventstoredb", "--quiet"}, extra...)...)
		if err != nil {
			t.Fatalf("migrate-log %v: %v\n%s", extra, err, out)
		}
		return out
	}
	target := func() *eventstoredb.Store {
		t.Helper()
		store, err := openEventStoreDB(context.Background(), storeConfig{EventStoreDBURL: server.URL(), StartTimeout: time.Minute}, database.Pool, quietLogger())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { closeStore(store, nil) })
		return store
	}

	out := run("--dry-run")
	if want := fmt.Sprintf("dry run: %d events (positions 1 to %d) would be copied", head, head); !strings.Contains(out, want) {
		t.Errorf("dry run: got %q, want %q", out, want)
	}
	if copied, _ := target().Head(context.Background()); copied != 0 {
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
	assertSameLogAsSource(t, built, target(), head)

	out = run()
	if want := fmt.Sprintf("nothing to copy: the target holds all %d events", head); !strings.Contains(out, want) {
		t.Errorf("second run: got %q, want %q", out, want)
	}

	// New events in PostgreSQL are what the next run copies.
	applied, failed := applyText(t, built, `{"command":"RegisterPayer","payer_id":"desa-batuah","name":"Pemerintah Desa Batuah","kind":"village_government","risk_class":1}`)
	if failed != 0 || len(applied[0].Events) != 1 {
		t.Fatalf("one more payer: %+v", applied)
	}
	out = run()
	if want := fmt.Sprintf("copied 1 events (positions %d to %d)", head+1, head+1); !strings.Contains(out, want) {
		t.Errorf("run after a new event: got %q, want %q", out, want)
	}
	assertSameLogAsSource(t, built, target(), head+1)

	// The switch: the same positions, so the read models' checkpoints,
	// brought to the head on PostgreSQL, hold on EventStoreDB.
	if _, err := built.runner.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	switched := map[string]string{"DATABASE_URL": database.URL, "EVENTSTOREDB_URL": server.URL(), "JAMINAN_EVENTSTORE": "eventstoredb"}
	out, _, err = runCLI(t, switched, "verify", "--quiet", "--log-only")
	if want := fmt.Sprintf("ok: %d events in ", head+1); err != nil || !strings.HasPrefix(out, want) {
		t.Errorf("verify on EventStoreDB: got %v\n%s\nwant %q", err, out, want)
	}
	out, _, err = runCLI(t, switched, "status")
	if err != nil {
		t.Fatalf("status on EventStoreDB: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, line := range lines[1:] {
		fields := strings.Fields(line)
		if want := []string{fields[0], fmt.Sprint(head + 1), fmt.Sprint(head + 1), "0", "current"}; strings.Join(fields, " ") != strings.Join(want, " ") {
			t.Errorf("status on EventStoreDB: %q, want %q", line, strings.Join(want, " "))
		}
	}
	if len(lines) < 2 {
		t.Errorf("status on EventStoreDB printed %q", out)
	}
}

func assertSameLogAsSource(t *testing.T, built *system, target eventstore.Store, want int64) {
	t.Helper()
	verification, err := migrate.Verify(context.Background(), built.store, target, want, nil)
	if err != nil || verification.Events != want {
		t.Errorf("the copy: %+v, %v; want %d events, identical", verification, err, want)
	}
}
