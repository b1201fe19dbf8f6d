package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/app/demo"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/reference"
)

// demoSystem is the demo (10 workers and the seed story) through the command
// path, the last payment reversed, and the projections caught up.
func demoSystem(t *testing.T) (*system, *pgtest.Database) {
	t.Helper()
	ctx := context.Background()
	database := pgtest.New(t)
	built := newSystem(t, database)
	if _, err := demo.Run(ctx, built.application, reference.MustLoad(), demo.Options{Workers: 10, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	var eventID string
	if err := built.pool.QueryRow(ctx, `SELECT event_id::text FROM events WHERE type = 'PaymentReceived' ORDER BY position DESC LIMIT 1`).Scan(&eventID); err != nil {
		t.Fatal(err)
	}
	if _, err := built.application.Execute(ctx, &command.Reverse{EventID: eventID, Reason: "bank_returned"}, app.Meta{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := built.runner.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	return built, database
}

// TestVerifyReadModels: `verify --read-models` finds the read models equal to
// what the log gives, then names the row changed by hand on both sides.
func TestVerifyReadModels(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	built, _ := demoSystem(t)
	var output bytes.Buffer
	if err := verifyReadModels(ctx, built, &output, nil); err != nil {
		t.Fatalf("untouched read models: %v\n%s", err, output.String())
	}
	if !strings.HasPrefix(output.String(), "ok: ") || strings.Contains(output.String(), "DIFFERENT") {
		t.Errorf("untouched read models: got %q, want ok and no difference", output.String())
	}
	tag, err := built.pool.Exec(ctx, `UPDATE rm_bills SET allocated = allocated - 1 WHERE (payer_id, period) = (SELECT payer_id, min(period) FROM rm_bills GROUP BY payer_id ORDER BY payer_id LIMIT 1)`)
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("tamper: %v, %d rows", err, tag.RowsAffected())
	}
	output.Reset()
	err = verifyReadModels(ctx, built, &output, nil)
	if !errors.Is(err, errReported) {
		t.Fatalf("tampered bill: got %v, want errReported\n%s", err, output.String())
	}
	text := output.String()
	if strings.Count(text, "DIFFERENT rm_bills live only") != 1 || strings.Count(text, "DIFFERENT rm_bills rebuilt only") != 1 ||
		strings.Count(text, "DIFFERENT ") != 2 || !strings.Contains(text, "2 row(s)") {
		t.Errorf("tampered bill: got\n%s\nwant the bill once on each side, nothing else", text)
	}
	var schemas int
	if err := built.pool.QueryRow(ctx, `SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'verify%'`).Scan(&schemas); err != nil || schemas != 0 {
		t.Errorf("scratch schemas left behind: %d (%v)", schemas, err)
	}
}

// TestRebuildCommand: `jaminan rebuild` reports what it applied; the read
// models it swaps in pass verification, in place or blue/green.
func TestRebuildCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	built, _ := demoSystem(t)
	for _, test := range []struct {
		names   []string
		options rebuildOptions
		want    string
	}{
		{nil, rebuildOptions{batchSize: 64, quiet: true}, "rebuilt participants, claims, contributions, scholarships, journal, reconciliation (blue/green swap): "},
		{[]string{"journal"}, rebuildOptions{batchSize: 7, inPlace: true}, "rebuilt journal (in place): "},
	} {
		var output, progress bytes.Buffer
		if err := runRebuild(ctx, built, test.names, test.options, &output, &progress); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(output.String(), test.want) || !strings.Contains(output.String(), " events applied in ") || !strings.Contains(output.String(), "events/s") {
			t.Errorf("rebuild %v: got %q, want %q… events applied in … events/s", test.names, output.String(), test.want)
		}
		if test.options.quiet != (progress.Len() == 0) {
			t.Errorf("rebuild %v (quiet %v): progress output %q", test.names, test.options.quiet, progress.String())
		}
		output.Reset()
		if err := verifyReadModels(ctx, built, &output, nil); err != nil {
			t.Errorf("verify after rebuild %v: %v\n%s", test.names, err, output.String())
		}
	}
	if _, err := built.runner.Select([]string{"journal", "nope"}); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("unknown projection: got %v, want an error naming it", err)
	}
}
