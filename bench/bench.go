// Package bench measures jaminan against the raw PostgreSQL limit on the same
// server: appends against bare INSERTs, a rebuild of the read models against
// COPY, history against a plain SELECT, and the process's peak memory. Every
// figure is measured beside its baseline in the same run, on the same scratch
// database, so the ratio means something on a noisy machine. `jaminan bench`
// runs it and writes docs/BENCHMARKS.md; it is never part of the tests.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	pgstore "github.com/tanahbumbu/jaminan/adapters/eventstore/postgres"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/projections"
)

// Bounds of a benchmark run.
const (
	// DefaultRuns is how often each measurement runs; the report shows medians.
	DefaultRuns = 3
	maxRuns     = 25
	// DefaultLogEvents is the size of the log the rebuild and history run
	// over in a default run (make bench); make bench-full uses 1,000,000.
	DefaultLogEvents = 10_000
	minLogEvents     = 1_000
	maxLogEvents     = 5_000_000
)

// Result is one figure of the report beside its baseline.
type Result struct {
	Name  string
	Value float64
	Unit  string
	// Baseline is the same quantity for the raw PostgreSQL operation, measured
	// in the same run on the same database; BaselineName says which.
	Baseline     float64
	BaselineName string
	// Ratio is Value / Baseline (the median of the runs' ratios).
	Ratio  float64
	Target Target
}

// Target is a goal from the issue that a figure is held against.
type Target struct {
	Text string
	// Met reports whether a result reaches the target; nil means no target.
	Met func(Result) bool
}

func ratioAtLeast(ratio float64) Target {
	return Target{Text: fmt.Sprintf("≥ %.2f× baseline", ratio), Met: func(r Result) bool { return r.Ratio >= ratio }}
}

func ratioAtMost(ratio float64) Target {
	return Target{Text: fmt.Sprintf("≤ %.2f× baseline", ratio), Met: func(r Result) bool { return r.Ratio <= ratio }}
}

func valueBelow(limit float64, unit string) Target {
	return Target{Text: fmt.Sprintf("< %g %s", limit, unit), Met: func(r Result) bool { return r.Value < limit }}
}

func ratioAndValueAtLeast(ratio, value float64, unit string) Target {
	return Target{Text: fmt.Sprintf("≥ %.2f× baseline and ≥ %s %s", ratio, thousands(value), unit),
		Met: func(r Result) bool { return r.Ratio >= ratio && r.Value >= value }}
}

// System is the application wired on one scratch database.
type System struct {
	Store       *pgstore.Store
	Application *app.Application
	Runner      *projections.Runner
}

// Wire builds the System on a migrated database (cmd/jaminan passes its own wiring).
type Wire func(pool *pgxpool.Pool) (System, error)

// Config says where to measure and how much.
type Config struct {
	// ServerURL is any database URL on the server; scratch databases are created beside it.
	ServerURL string
	// Note says what else ran on the machine during the run, for the report
	// (benchmarks share the server; a reader weighs the figures by it).
	Note string
	// Runs is how often each measurement runs; zero means DefaultRuns.
	Runs int
	// LogEvents is about how many events the log for rebuild and history holds; zero means DefaultLogEvents.
	LogEvents int
	// LagDuration is how long the live-lag load runs; zero means DefaultLagDuration.
	LagDuration time.Duration
	// Participants the dashboards' read models hold; zero means DefaultParticipants.
	Participants int
	// DashScaleTo are the sizes, in participants, the dashboards are measured
	// at again, in order, their read side scaled up in SQL from the size before
	// (scaleDashboards): each a multiple of the one before, the first of
	// Participants rounded up to whole villages.
	DashScaleTo []int
	// DashBudget is how long each dashboard query is timed per run; zero means DefaultDashBudget.
	DashBudget time.Duration
	// ServeDuration is how long serve is driven with commands; zero means DefaultServeDuration.
	ServeDuration time.Duration
	// Binary is the jaminan executable run as a subprocess (serve, rebuild); "" skips those rows.
	Binary string
	Wire   Wire
	// Phases names the measurements to run (Phases lists them); empty means all.
	Phases []string
	// Progress receives one line per step; nil means io.Discard.
	Progress io.Writer
	// analyzeEvery is how often the scratch databases are analyzed by the
	// benchmark itself: autovacuum's naptime when the server runs without it.
	analyzeEvery time.Duration
}

func (c *Config) setDefaults() {
	if c.Runs == 0 {
		c.Runs = DefaultRuns
	}
	if c.LogEvents == 0 {
		c.LogEvents = DefaultLogEvents
	}
	if c.LagDuration == 0 {
		c.LagDuration = DefaultLagDuration
	}
	if c.Participants == 0 {
		c.Participants = DefaultParticipants
	}
	if c.ServeDuration == 0 {
		c.ServeDuration = DefaultServeDuration
	}
	if c.DashBudget == 0 {
		c.DashBudget = DefaultDashBudget
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
}

// Validate reports every impossible field at once.
func (c Config) Validate() error {
	var errs []error
	if c.ServerURL == "" {
		errs = append(errs, errors.New("bench: server URL is empty: set DATABASE_URL"))
	}
	if c.Runs < 1 || c.Runs > maxRuns {
		errs = append(errs, fmt.Errorf("bench: runs %d must be 1 to %d", c.Runs, maxRuns))
	}
	if c.LogEvents < minLogEvents || c.LogEvents > maxLogEvents {
		errs = append(errs, fmt.Errorf("bench: log events %d must be %d to %d", c.LogEvents, minLogEvents, maxLogEvents))
	}
	if c.LagDuration < minLagDuration || c.LagDuration > maxLagDuration {
		errs = append(errs, fmt.Errorf("bench: live-lag duration %s must be %s to %s", c.LagDuration, minLagDuration, maxLagDuration))
	}
	if c.Participants < minParticipants || c.Participants > maxParticipants {
		errs = append(errs, fmt.Errorf("bench: participants %d must be %d to %d", c.Participants, minParticipants, maxParticipants))
	}
	base := dashShape(c.Participants).Villages * participantsPerVillage
	for _, size := range c.DashScaleTo {
		if size <= base || size > maxParticipants || size%base != 0 {
			errs = append(errs, fmt.Errorf("bench: dashboard scale %d must be a multiple of the %d participants before it (whole villages), up to %d", size, base, maxParticipants))
			break
		}
		base = size
	}
	if c.DashBudget < minDashBudget || c.DashBudget > maxDashBudget {
		errs = append(errs, fmt.Errorf("bench: dashboard budget %s must be %s to %s", c.DashBudget, minDashBudget, maxDashBudget))
	}
	if c.ServeDuration < minServeDuration || c.ServeDuration > maxServeDuration {
		errs = append(errs, fmt.Errorf("bench: serve duration %s must be %s to %s", c.ServeDuration, minServeDuration, maxServeDuration))
	}
	if c.Wire == nil {
		errs = append(errs, errors.New("bench: Wire is required"))
	}
	for _, phase := range c.Phases {
		if !slices.Contains(Phases, phase) {
			errs = append(errs, fmt.Errorf("bench: no phase %q; the phases are %s", phase, strings.Join(Phases, ", ")))
		}
	}
	return errors.Join(errs...)
}

// Phases are the groups of measurements, in the order they run.
var Phases = []string{"appends", "log", "lag", "dashboards", "serve", "apply", "payer", "bill"}

// runs reports whether config selects phase.
func (c Config) runs(phase string) bool {
	return len(c.Phases) == 0 || slices.Contains(c.Phases, phase)
}

// Report is everything docs/BENCHMARKS.md shows.
type Report struct {
	Started  time.Time
	Elapsed  time.Duration
	Runs     int
	Machine  Machine
	Postgres Postgres
	// LogEvents is how many events the rebuild and history log held.
	LogEvents int64
	// DashBudget is how long each dashboard query was timed per run.
	DashBudget time.Duration
	// Note says what else ran on the machine during the run (Config.Note).
	Note    string
	Results []Result
}

// Run creates the scratch databases, runs every measurement config.Runs
// times, drops the databases and returns the medians.
func Run(ctx context.Context, config Config) (Report, error) {
	config.setDefaults()
	if err := config.Validate(); err != nil {
		return Report{}, err
	}
	started := time.Now()
	say := func(format string, args ...any) {
		fmt.Fprintf(config.Progress, "bench %s: "+format+"\n", append([]any{time.Since(started).Round(time.Second)}, args...)...)
	}
	report := Report{Started: started, Runs: config.Runs, DashBudget: config.DashBudget, Note: config.Note}
	var err error
	if report.Machine, err = describeMachine(ctx); err != nil {
		return Report{}, err
	}
	if report.Postgres, err = describePostgres(ctx, config.ServerURL); err != nil {
		return Report{}, err
	}
	say("%s; %d CPUs; %s; %d run(s) of each measurement", report.Postgres.Version, report.Machine.CPUs, report.Machine.GoVersion, config.Runs)
	if config.analyzeEvery = report.Postgres.AnalyzeEvery; config.analyzeEvery > 0 {
		say("autovacuum is off on this server: the scratch databases are analyzed every %s instead", config.analyzeEvery)
	}
	phases := []struct {
		name string
		run  func(context.Context, Config, func(string, ...any)) ([]Result, error)
	}{
		{"appends", runAppends},
		{"log", func(ctx context.Context, config Config, say func(string, ...any)) ([]Result, error) {
			results, events, err := runLog(ctx, config, say)
			report.LogEvents = events
			return results, err
		}},
		{"lag", runLag}, {"dashboards", runDashboards}, {"serve", runServe}, {"apply", runApply}, {"payer", runPayer}, {"bill", runBill},
	}
	for _, phase := range phases {
		if !config.runs(phase.name) {
			continue
		}
		results, err := phase.run(ctx, config, say)
		if err != nil {
			return Report{}, err
		}
		report.Results = append(report.Results, results...)
	}
	report.Elapsed = time.Since(report.Started)
	report.Machine.LoadAtEnd = loadAverage()
	return report, nil
}

// runAppends measures appends against bare INSERTs on one scratch database.
func runAppends(ctx context.Context, config Config, say func(string, ...any)) (results []Result, err error) {
	db, err := openScratch(ctx, config, appendPoolSize)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, db.drop(ctx)) }()
	say("append database %s", db.name)
	if err := ensureBareTable(ctx, db.pool); err != nil {
		return nil, err
	}
	memory, err := startMemory()
	if err != nil {
		return nil, err
	}
	perRun := make([][]Result, 0, config.Runs)
	for run := 1; run <= config.Runs; run++ {
		var runResults []Result
		for _, perAppend := range EventsPerAppend {
			for _, clients := range ClientCounts {
				result, err := AppendThroughput(ctx, db, run, clients, perAppend)
				if err != nil {
					return nil, err
				}
				say("run %d/%d: %s: %s (bare INSERT %s, %.2f×)", run, config.Runs, result.Name,
					formatValue(result.Value, result.Unit), formatValue(result.Baseline, result.Unit), result.Ratio)
				runResults = append(runResults, result)
			}
		}
		latency, err := AppendLatency(ctx, db, run, LatencyClients)
		if err != nil {
			return nil, err
		}
		for _, result := range latency {
			say("run %d/%d: %s: %s (bare INSERT %s)", run, config.Runs, result.Name,
				formatValue(result.Value, result.Unit), formatValue(result.Baseline, result.Unit))
		}
		perRun = append(perRun, append(runResults, latency...))
	}
	results = medians(perRun)
	holdAtMostClients(results)
	peak, err := memory.result("peak RSS during the append load")
	if err != nil {
		return nil, err
	}
	say("%s: %s", peak.Name, formatValue(peak.Value, peak.Unit))
	return append(results, peak), nil
}

// runLog builds the big log, then measures rebuild and history over it.
func runLog(ctx context.Context, config Config, say func(string, ...any)) (results []Result, events int64, err error) {
	db, err := openScratch(ctx, config, logPoolSize)
	if err != nil {
		return nil, 0, err
	}
	defer func() { err = errors.Join(err, db.drop(ctx)) }()
	db.say = say
	say("log database %s: building a log of about %s events", db.name, thousands(float64(config.LogEvents)))
	built, err := BuildLog(ctx, db, config.LogEvents, say)
	if err != nil {
		return nil, 0, err
	}
	if err := prepareRebuild(ctx, db); err != nil {
		return nil, 0, err
	}
	memory, err := startMemory()
	if err != nil {
		return nil, 0, err
	}
	perRun := make([][]Result, 0, config.Runs)
	for run := 1; run <= config.Runs; run++ {
		var runResults []Result
		for _, measure := range []func(context.Context, *scratch, int64) ([]Result, error){Rebuild, RebuildInPlace, RebuildSideBySide, ReadFloor, Verify} {
			results, err := measure(ctx, db, built.Events)
			if err != nil {
				return nil, 0, err
			}
			sayResults(say, run, config.Runs, results)
			runResults = append(runResults, results...)
		}
		history, err := History(ctx, db, built.Participants, run)
		if err != nil {
			return nil, 0, err
		}
		sayResults(say, run, config.Runs, history)
		perRun = append(perRun, append(runResults, history...))
	}
	results = medians(perRun)
	peak, err := memory.result("peak RSS during rebuild and history")
	if err != nil {
		return nil, 0, err
	}
	say("%s: %s", peak.Name, formatValue(peak.Value, peak.Unit))
	return append(results, peak), built.Events, nil
}

func sayResults(say func(string, ...any), run, runs int, results []Result) {
	for _, result := range results {
		say("run %d/%d: %s: %s (%s %s, %.2f×)", run, runs, result.Name, formatValue(result.Value, result.Unit),
			result.BaselineName, formatValue(result.Baseline, result.Unit), result.Ratio)
	}
}

// medians folds the runs' results (the same names in the same order) into
// one result each: the median value, baseline and ratio.
func medians(perRun [][]Result) []Result {
	if len(perRun) == 0 {
		return nil
	}
	out := make([]Result, len(perRun[0]))
	for i := range perRun[0] {
		values, baselines, ratios := make([]float64, len(perRun)), make([]float64, len(perRun)), make([]float64, len(perRun))
		for run, results := range perRun {
			values[run], baselines[run], ratios[run] = results[i].Value, results[i].Baseline, results[i].Ratio
		}
		out[i] = perRun[0][i]
		out[i].Value, out[i].Baseline, out[i].Ratio = median(values), median(baselines), median(ratios)
	}
	return out
}

func median(values []float64) float64 {
	if len(values) == 0 {
		return 0
	}
	sorted := append([]float64(nil), values...)
	sort.Float64s(sorted)
	middle := len(sorted) / 2
	if len(sorted)%2 == 1 {
		return sorted[middle]
	}
	return (sorted[middle-1] + sorted[middle]) / 2
}

// percentile is the nearest-rank percentile (0 < q <= 1) of durations, in milliseconds.
func percentile(durations []time.Duration, q float64) float64 {
	if len(durations) == 0 {
		return 0
	}
	sorted := append([]time.Duration(nil), durations...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	rank := int(q*float64(len(sorted))+0.999999) - 1
	rank = min(max(rank, 0), len(sorted)-1)
	return float64(sorted[rank]) / float64(time.Millisecond)
}

func ratio(value, baseline float64) float64 {
	if baseline == 0 {
		return 0
	}
	return value / baseline
}
