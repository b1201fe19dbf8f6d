package bench

import (
	"context"
	"strings"
	"testing"
	"time"
)

// Each acknowledgement meets the first checkpoint that covers its position; an
// event applied before its append returned has no lag; one never covered is missing.
func TestLagsPairAcksWithTheFirstCoveringCheckpoint(t *testing.T) {
	start := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return start.Add(time.Duration(ms) * time.Millisecond) }
	observations := []observation{{key: 2, at: at(10)}, {key: 5, at: at(30)}}
	tests := []struct {
		name        string
		ack         acked
		wantLag     time.Duration
		wantMissing int
	}{
		{name: "covered by the first advance", ack: acked{key: 1, at: at(4)}, wantLag: 6 * time.Millisecond},
		{name: "covered by the second advance", ack: acked{key: 3, at: at(12)}, wantLag: 18 * time.Millisecond},
		{name: "applied before the append returned", ack: acked{key: 5, at: at(31)}, wantLag: 0},
		{name: "never covered", ack: acked{key: 6, at: at(31)}, wantMissing: 1},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			durations, missing := lags([]acked{test.ack}, observations)
			if missing != test.wantMissing {
				t.Fatalf("missing %d, want %d", missing, test.wantMissing)
			}
			if missing == 0 && (len(durations) != 1 || durations[0] != test.wantLag) {
				t.Errorf("lags %v, want [%s]", durations, test.wantLag)
			}
		})
	}
}

// A short smoke run of the live-lag measurement on real PostgreSQL: every
// event is seen applied, and the report rows come out. Not a timed test: the
// figures are not held to anything here.
func TestLiveLagSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("live-lag smoke run skipped in -short mode")
	}
	ctx := context.Background()
	db := newTestScratch(t)
	const smoke = 2 * time.Second
	results, err := LiveLag(ctx, db, 1, smoke)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 3 {
		t.Fatalf("got %d results, want the achieved rate, p50 and p99", len(results))
	}
	for _, result := range results {
		if result.Value <= 0 && !strings.Contains(result.Name, "lag") || result.Value < 0 || result.Baseline < 0 {
			t.Errorf("%s: value %g, baseline %g", result.Name, result.Value, result.Baseline)
		}
		t.Logf("%s: %s (%s %s)", result.Name, formatValue(result.Value, result.Unit), result.BaselineName, formatValue(result.Baseline, result.Unit))
	}
	var applied int64
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM rm_participants`).Scan(&applied); err != nil || applied == 0 {
		t.Errorf("rm_participants has %d rows (%v): the live runner applied nothing", applied, err)
	}
}
