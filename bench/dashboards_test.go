package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
)

// The issue's 100,000 participants over three years: 4,000 villages of 25
// (100,000 / 25), each appending 1 payer registration + 36 bills + 36
// payments + 3 events per worker = 1 + 72 + 75 = 148 events, so 592,000.
func TestDashShapeCoversTheIssuesPopulation(t *testing.T) {
	tests := []struct {
		participants, villages, events int
	}{
		{participants: 100_000, villages: 4000, events: 592_000},
		{participants: 25, villages: 1, events: 148},
		{participants: 26, villages: 2, events: 296}, // a partial village is a whole one
	}
	for _, test := range tests {
		shape := dashShape(test.participants)
		if shape.Villages != test.villages || shape.Months != 36 || shape.events() != test.events {
			t.Errorf("dashShape(%d) = %d villages × %d months, %d events; want %d × 36, %d",
				test.participants, shape.Villages, shape.Months, shape.events(), test.villages, test.events)
		}
	}
	// The rebuild log keeps its year: 1 + 24 + 75 = 100 events a village.
	if shape := logShape(1_000_000); shape.Villages != 10_000 || shape.Months != 12 || shape.events() != 1_000_000 {
		t.Errorf("logShape(1,000,000) = %+v, %d events; want 10,000 villages × 12 months", shape, shape.events())
	}
}

// p50 and p99 are nearest-rank over the samples, the p99 alone carries the
// 50 ms target, and the ratio is value ÷ baseline.
func TestDashResultsArePercentileRowsAgainstTheBaseline(t *testing.T) {
	measured, against := make([]time.Duration, 100), make([]time.Duration, 100)
	for i := range measured {
		measured[i] = time.Duration(i+1) * time.Millisecond      // 1 … 100 ms: p50 50, p99 99
		against[i] = time.Duration(i+1) * 100 * time.Microsecond // 0.1 … 10 ms: p50 5, p99 9.9
	}
	results := dashResults("GET /api/v1/dash/summary", measured, against)
	tests := []struct {
		name            string
		value, baseline float64
		ratio           float64
		target          bool
		met             bool
	}{
		{name: "dashboard: GET /api/v1/dash/summary p50", value: 50, baseline: 5, ratio: 10},
		{name: "dashboard: GET /api/v1/dash/summary p99", value: 99, baseline: 9.9, ratio: 10, target: true, met: false},
	}
	if len(results) != len(tests) {
		t.Fatalf("%d results, want %d", len(results), len(tests))
	}
	for i, test := range tests {
		got := results[i]
		if got.Name != test.name || got.Value != test.value || got.Baseline != test.baseline || got.Unit != unitMillis {
			t.Errorf("row %d = %q %v (baseline %v %s), want %q %v (baseline %v)", i, got.Name, got.Value, got.Baseline, got.Unit, test.name, test.value, test.baseline)
		}
		if diff := got.Ratio - test.ratio; diff > 1e-9 || diff < -1e-9 {
			t.Errorf("%s: ratio %v, want %v", got.Name, got.Ratio, test.ratio)
		}
		if (got.Target.Met != nil) != test.target {
			t.Errorf("%s: has target %v, want %v", got.Name, got.Target.Met != nil, test.target)
		} else if test.target && got.Target.Met(got) != test.met {
			t.Errorf("%s: target met %v, want %v", got.Name, got.Target.Met(got), test.met)
		}
	}
	if fast := dashResults("x", []time.Duration{49 * time.Millisecond}, []time.Duration{time.Millisecond}); !fast[1].Target.Met(fast[1]) {
		t.Errorf("a p99 of 49 ms misses the < 50 ms target")
	}
}

func TestConfigRefusesImpossibleParticipantsAndServeDuration(t *testing.T) {
	valid := Config{ServerURL: "postgres://x", Wire: testWire}
	valid.setDefaults()
	if err := valid.Validate(); err != nil {
		t.Fatalf("defaults refused: %v", err)
	}
	tests := []struct {
		name  string
		edit  func(*Config)
		field string
	}{
		{"too few participants", func(c *Config) { c.Participants = 24 }, "participants 24"},
		{"too many participants", func(c *Config) { c.Participants = 2_000_000 }, "participants 2000000"},
		{"serve too short", func(c *Config) { c.ServeDuration = time.Millisecond }, "serve duration 1ms"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			config := valid
			test.edit(&config)
			if err := config.Validate(); err == nil || !strings.Contains(err.Error(), test.field) {
				t.Errorf("Validate() = %v, want an error naming %q", err, test.field)
			}
		})
	}
}

// A smoke run on real PostgreSQL with two villages over three years: the read
// models come out of the rebuild, every dashboard query answers, and every
// row of the report is there. The figures are not held to anything here.
func TestDashboardsSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("dashboards smoke run skipped in -short mode")
	}
	ctx := context.Background()
	database := pgtest.New(t)
	system, err := testWire(database.Pool)
	if err != nil {
		t.Fatal(err)
	}
	db := &scratch{System: system, name: database.Name, serverURL: database.URL, pool: database.Pool}
	const participants = 2 * participantsPerVillage
	built, err := prepareDashboards(ctx, db, participants, nil, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	var members, lines int
	if err := database.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM rm_participants), (SELECT count(*) FROM rm_contributions)`).Scan(&members, &lines); err != nil {
		t.Fatal(err)
	}
	// 50 participants × 36 months × 3 programmes (JKK, JKM, JHT) = 5,400 lines.
	if members != participants || lines != participants*36*3 {
		t.Fatalf("read models hold %d participants and %d contribution lines, want %d and %d", members, lines, participants, participants*36*3)
	}
	results, err := Dashboards(ctx, db, built.Participants, 1, minDashBudget)
	if err != nil {
		t.Fatal(err)
	}
	var views int
	if err := database.Pool.QueryRow(ctx, `SELECT count(*) FROM information_schema.views WHERE table_schema = 'dash'`).Scan(&views); err != nil {
		t.Fatal(err)
	}
	if want := 2 * (1 + len(dashAPIViews) + views); len(results) != want {
		t.Fatalf("%d results, want %d (p50 and p99 of the summary, %d API views and %d SQL views)", len(results), want, len(dashAPIViews), views)
	}
	for _, result := range results {
		if result.Value <= 0 || result.Baseline <= 0 {
			t.Errorf("%s: value %g, baseline %g", result.Name, result.Value, result.Baseline)
		}
	}
}
