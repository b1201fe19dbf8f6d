package bench

import (
	"strings"
	"testing"
	"time"
)

func TestMedianTakesTheMiddleOfEachField(t *testing.T) {
	perRun := [][]Result{
		{{Name: "a", Value: 3, Baseline: 10, Ratio: 0.3}},
		{{Name: "a", Value: 1, Baseline: 30, Ratio: 0.1}},
		{{Name: "a", Value: 2, Baseline: 20, Ratio: 0.2}},
	}
	got := medians(perRun)
	if len(got) != 1 || got[0].Value != 2 || got[0].Baseline != 20 || got[0].Ratio != 0.2 || got[0].Name != "a" {
		t.Fatalf("medians = %+v, want value 2, baseline 20, ratio 0.2", got)
	}
	if even := median([]float64{4, 1, 3, 2}); even != 2.5 {
		t.Fatalf("median of an even count = %v, want 2.5", even)
	}
}

func TestPercentileIsNearestRank(t *testing.T) {
	durations := make([]time.Duration, 100)
	for i := range durations {
		durations[len(durations)-1-i] = time.Duration(i+1) * time.Millisecond
	}
	if p50, p99 := percentile(durations, 0.50), percentile(durations, 0.99); p50 != 50 || p99 != 99 {
		t.Fatalf("p50, p99 = %v, %v; want 50, 99", p50, p99)
	}
}

func TestThousandsGroupsDigits(t *testing.T) {
	for value, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 1234567.4: "1,234,567", -52000: "-52,000"} {
		if got := thousands(value); got != want {
			t.Errorf("thousands(%v) = %q, want %q", value, got, want)
		}
	}
}

func TestMarkdownShowsEveryResultAndTheTargetsMissed(t *testing.T) {
	report := Report{Started: time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC), Elapsed: 9 * time.Minute, Runs: 3,
		Machine:   Machine{CPUs: 2, Uname: "Linux test", GoVersion: "go1.26"},
		Postgres:  Postgres{Version: "PostgreSQL 15", Settings: [][2]string{{"fsync", "on"}}},
		LogEvents: 200_000,
		Results: []Result{
			{Name: "append, 16 clients", Value: 1000, Unit: unitRate, Baseline: 4000, BaselineName: "bare INSERT", Ratio: 0.25,
				Target: ratioAtLeast(appendTarget)},
			{Name: "history p99", Value: 3.5, Unit: unitMillis, Baseline: 1, BaselineName: "SELECT", Ratio: 3.5,
				Target: valueBelow(historyTargetMillis, unitMillis)},
		},
	}
	var out strings.Builder
	if err := WriteMarkdown(&out, report, "jaminan bench"); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{
		"| append, 16 clients | 1,000 events/s | 4,000 events/s (bare INSERT) | 0.25× | ≥ 1.00× baseline | **no** |",
		"| history p99 | 3.50 ms | 1.00 ms (SELECT) | 3.50× | < 20 ms | yes |",
		"- append, 16 clients: 1,000 events/s, 0.25× its baseline; target ≥ 1.00× baseline.",
		"| `fsync` | on |", "200,000 events", "make bench-full",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the report lacks %q:\n%s", want, text)
		}
	}
}

// The most clients must append at least as fast as LatencyClients: the row
// of the most clients carries that target, met or not.
func TestAppendsAtTheMostClientsAreHeldToTheRateAt16(t *testing.T) {
	for _, c := range []struct {
		at16, at64 float64
		met        bool
	}{{5000, 6000, true}, {5000, 5000, true}, {5000, 4999, false}} {
		results := []Result{{Name: throughputName(1, 1), Value: 900}, {Name: throughputName(1, LatencyClients), Value: c.at16},
			{Name: throughputName(1, 64), Value: c.at64}, {Name: throughputName(10, 64), Value: 1}}
		holdAtMostClients(results)
		if results[2].Target.Met == nil || results[2].Target.Met(results[2]) != c.met {
			t.Errorf("%v at 16, %v at 64: target %q, want met=%v", c.at16, c.at64, results[2].Target.Text, c.met)
		}
		if results[0].Target.Met != nil || results[3].Target.Met != nil {
			t.Error("a target was set on another row")
		}
	}
	if !ratioAtMost(2).Met(Result{Ratio: 2}) || ratioAtMost(2).Met(Result{Ratio: 2.01}) {
		t.Error("ratioAtMost(2) does not hold 2 and refuse 2.01")
	}
}
