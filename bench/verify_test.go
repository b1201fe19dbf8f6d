package bench

import (
	"context"
	"strings"
	"testing"

	"github.com/tanahbumbu/jaminan/projections"
)

// A smoke run on real PostgreSQL: the verify rows come out of a small log
// whose read models the rebuild made, each beside COPY out, the last held to
// the pace (1,000,000 events in 120 s: 8,334 events/s).
func TestVerifyRowsSmoke(t *testing.T) {
	ctx := context.Background()
	db, built := smokeLog(t)
	if _, err := db.Runner.RebuildInPlace(ctx, nil, projections.DefaultReplayBatch, nil); err != nil {
		t.Fatal(err)
	}
	results, err := Verify(ctx, db, built.Events)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 3 {
		t.Fatalf("%d rows, want chains, read models, both", len(results))
	}
	for i, result := range results {
		if result.Value <= 0 || result.Baseline <= 0 || result.Unit != unitRate || !strings.HasPrefix(result.BaselineName, "COPY") {
			t.Errorf("%s: %g %s against %g (%s)", result.Name, result.Value, result.Unit, result.Baseline, result.BaselineName)
		}
		if (result.Target.Met != nil) != (i == 2) {
			t.Errorf("%s: target %q, want one on the last row only", result.Name, result.Target.Text)
		}
	}
	both := results[2]
	if !both.Target.Met(Result{Value: 8_334}) || both.Target.Met(Result{Value: 8_333}) || !strings.Contains(both.Target.Text, "8,334") {
		t.Errorf("target %q: 8,334 events/s must meet it and 8,333 not", both.Target.Text)
	}
}

// smokeLog is the smallest bench log, built on real PostgreSQL and prepared
// as a rebuild measurement finds it; skipped in -short mode.
func smokeLog(t *testing.T) (*scratch, Log) {
	t.Helper()
	if testing.Short() {
		t.Skip("smoke run skipped in -short mode")
	}
	ctx := context.Background()
	db := newTestScratch(t)
	built, err := BuildLog(ctx, db, minLogEvents, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if err := prepareRebuild(ctx, db); err != nil {
		t.Fatal(err)
	}
	return db, built
}
