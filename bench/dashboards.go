package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tanahbumbu/jaminan/adapters/web"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/projections"
)

// The dashboard measurements.
const (
	// DefaultParticipants is how many participants the dashboards' read
	// models hold in a default run; make bench-full uses 100,000.
	DefaultParticipants = 5_000
	minParticipants     = participantsPerVillage
	maxParticipants     = 1_000_000
	// dashMonths are billed and paid for every participant: three years.
	dashMonths = 36
	// dashSamples is how many times each query is timed per run, unless
	// the budget (Config.DashBudget) runs out first (dashMinSamples are always taken).
	dashSamples    = 100
	dashMinSamples = 10
	// DefaultDashBudget is the time each query is given per run in a default
	// run; make bench-full gives it 20 s.
	DefaultDashBudget = 5 * time.Second
	minDashBudget     = time.Second
	maxDashBudget     = 10 * time.Minute
	// dashWarmup calls of each query run untimed first (plans, caches).
	dashWarmup = 3
	// dashTargetMillis is the p99 goal.
	dashTargetMillis = 50
)

// dashFirstMonth starts the three years so that every bill is due and paid before today.
var dashFirstMonth = calendar.NewPeriod(2023, time.January)

// dashAPIViews are the views GET /api/v1/dash/{view} serves (adapters/web/dash.go).
var dashAPIViews = []string{"coverage_by_area", "collections_by_month", "arrears_ageing", "claims_by_programme",
	"payouts_by_programme", "scholarship_commitments", "fund_totals", "trial_balance"}

// dashShape is the log behind the dashboards: participants in villages of
// participantsPerVillage, billed and paid monthly for dashMonths.
func dashShape(participants int) Shape {
	return Shape{Villages: (participants + participantsPerVillage - 1) / participantsPerVillage, Months: dashMonths, First: dashFirstMonth}
}

// dashQuery is one thing a dashboard asks the database, timed beside the
// baseline; unbounded is a read whose answer grows with the regency (every
// row of a view with a row per payer), shown without the target.
type dashQuery struct {
	name      string
	call      func(ctx context.Context) error
	unbounded bool
}

// dashPageRows is the page a BI tool reads of a view (Metabase shows the
// first 2,000 rows of a table; the API's page is 1,000).
const dashPageRows = 2_000

// dashGrowingViews have a row per payer or per claim: their every row grows
// with the regency. What a dashboard reads of them is a page (and the API
// pages them in their key's order); reading every row is measured too, without the target.
var dashGrowingViews = []string{"arrears_ageing", "collections_by_month", "scholarship_commitments"}

// dashQueries are what the page and BI tools run: the page's summary and
// each view through the API handler in process (query, scan, JSON), and the
// raw SQL of every view in the dash schema, all rows read, and of the views
// that grow with the regency also the page a BI tool reads.
func dashQueries(ctx context.Context, db *scratch) ([]dashQuery, error) {
	handler := web.NewDashAPI(db.pool)
	get := func(path string) func(context.Context) error {
		return func(ctx context.Context) error {
			request := httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil)
			recorder := httptest.NewRecorder()
			handler.ServeHTTP(recorder, request)
			if recorder.Code != http.StatusOK {
				return fmt.Errorf("GET %s: %d %s", path, recorder.Code, recorder.Body.String())
			}
			return nil
		}
	}
	queries := []dashQuery{{name: "GET /api/v1/dash/summary (the page)", call: get("/api/v1/dash/summary")}}
	for _, view := range dashAPIViews {
		queries = append(queries, dashQuery{name: "GET /api/v1/dash/" + view, call: get("/api/v1/dash/" + view)})
	}
	rows, err := db.pool.Query(ctx, `SELECT table_name FROM information_schema.views WHERE table_schema = 'dash' ORDER BY table_name`)
	if err != nil {
		return nil, fmt.Errorf("list the dash views: %w", err)
	}
	views, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list the dash views: %w", err)
	}
	for _, view := range views {
		sql := "SELECT * FROM dash." + pgx.Identifier{view}.Sanitize()
		growing := slices.Contains(dashGrowingViews, view)
		if growing {
			page := fmt.Sprintf("%s LIMIT %d", sql, dashPageRows)
			queries = append(queries, dashQuery{name: "SQL " + page, call: func(ctx context.Context) error { return readAll(ctx, db, page) }})
		}
		queries = append(queries, dashQuery{name: "SQL " + sql, call: func(ctx context.Context) error { return readAll(ctx, db, sql) }, unbounded: growing})
	}
	return queries, nil
}

// readAll runs sql and reads every row without decoding it.
func readAll(ctx context.Context, db *scratch, sql string, args ...any) error {
	rows, err := db.pool.Query(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	for rows.Next() {
		_ = rows.RawValues()
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

// dashBaseline is the trivial indexed SELECT on the same database: one
// participant's row by primary key.
const dashBaseline = "SELECT … FROM rm_participants WHERE participant_id = $1 (primary key)"

// Dashboards times every dashboard query, each call followed by one baseline
// call, and returns the p50 and p99 of each against the baseline's.
func Dashboards(ctx context.Context, db *scratch, participants []Participant, run int, budget time.Duration) ([]Result, error) {
	if len(participants) == 0 {
		return nil, errors.New("dashboards: no participants")
	}
	queries, err := dashQueries(ctx, db)
	if err != nil {
		return nil, err
	}
	random := rand.New(rand.NewPCG(benchSeed, uint64(run)))
	baseline := func(ctx context.Context) error {
		member := participants[random.IntN(len(participants))]
		return readAll(ctx, db, `SELECT participant_id, status, kecamatan, desa FROM rm_participants WHERE participant_id = $1`, member.ID)
	}
	var results []Result
	for _, query := range queries {
		for range dashWarmup {
			if err := query.call(ctx); err != nil {
				return nil, err
			}
		}
		var measured, against []time.Duration
		started := time.Now()
		for sample := 0; sample < dashSamples && (sample < dashMinSamples || time.Since(started) < budget); sample++ {
			elapsed, err := timed(func() error { return query.call(ctx) })
			if err != nil {
				return nil, err
			}
			measured = append(measured, elapsed)
			if elapsed, err = timed(func() error { return baseline(ctx) }); err != nil {
				return nil, fmt.Errorf("dashboard baseline: %w", err)
			}
			against = append(against, elapsed)
		}
		results = append(results, dashResults(query.name, measured, against, !query.unbounded)...)
	}
	return results, nil
}

// dashResults are the p50 and p99 rows of one query; the p99 is held to the target when target.
func dashResults(name string, measured, against []time.Duration, target bool) []Result {
	results := make([]Result, 0, 2)
	for _, q := range []struct {
		name     string
		quantile float64
	}{{"p50", 0.50}, {"p99", 0.99}} {
		result := Result{Name: "dashboard: " + name + " " + q.name, Value: percentile(measured, q.quantile), Unit: unitMillis,
			Baseline: percentile(against, q.quantile), BaselineName: "trivial indexed SELECT"}
		result.Ratio = ratio(result.Value, result.Baseline)
		if q.name == "p99" && target {
			result.Target = valueBelow(dashTargetMillis, unitMillis)
		}
		results = append(results, result)
	}
	return results
}

// prepareDashboards builds the dashboards' log (participants over dashMonths,
// straight to the store), gets the read models from it by rebuild, and
// analyzes them, as autovacuum would after a rebuild. rebuild nil means the
// runner's RebuildInPlace in this process.
func prepareDashboards(ctx context.Context, db *scratch, participants int, rebuild func(context.Context) error, say func(string, ...any)) (Log, error) {
	shape := dashShape(participants)
	say("dashboard database %s: %s participants over %d months, about %s events", db.name,
		thousands(float64(shape.Villages*participantsPerVillage)), shape.Months, thousands(float64(shape.events())))
	built, err := BuildShape(ctx, db, shape, say)
	if err != nil {
		return Log{}, err
	}
	if rebuild == nil {
		rebuild = func(ctx context.Context) error {
			_, err := db.Runner.RebuildInPlace(ctx, nil, projections.DefaultReplayBatch, nil)
			return err
		}
	}
	started := time.Now()
	if err := rebuild(ctx); err != nil {
		return Log{}, fmt.Errorf("rebuild the dashboards' read models: %w", err)
	}
	say("read models rebuilt from %s events in %s", thousands(float64(built.Events)), time.Since(started).Round(time.Second))
	if _, err := db.pool.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		return Log{}, fmt.Errorf("vacuum the read models: %w", err)
	}
	return built, nil
}

// runDashboards builds the dashboards' database, measures the peak memory of
// `jaminan rebuild` there when a binary is configured (that rebuild makes the
// read models), and times the dashboard queries config.Runs times.
func runDashboards(ctx context.Context, config Config, say func(string, ...any)) (results []Result, err error) {
	db, err := openScratch(ctx, config, logPoolSize)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, db.drop(ctx)) }()
	db.say = say
	var rebuild func(context.Context) error
	var memory []Result
	if config.Binary != "" {
		rebuild = func(ctx context.Context) error {
			measured, rebuildErr := RebuildMemory(ctx, config.Binary, withDatabase(config.ServerURL, db.name))
			memory = measured
			return rebuildErr
		}
	}
	built, err := prepareDashboards(ctx, db, config.Participants, rebuild, say)
	if err != nil {
		return nil, err
	}
	for i := range memory {
		memory[i].Name += fmt.Sprintf(", %s events", thousands(float64(built.Events)))
	}
	sayResults(say, 1, 1, memory)
	results, err = timeDashboards(ctx, db, built, config, "", say)
	if err != nil {
		return nil, err
	}
	for _, size := range config.DashScaleTo {
		factor := size / len(built.Participants)
		say("dashboard database %s: scaling the read side ×%d to %s participants", db.name, factor, thousands(float64(size)))
		if built, err = scaleDashboards(ctx, db, built, factor, say); err != nil {
			return nil, err
		}
		more, err := timeDashboards(ctx, db, built, config, "; scaled in SQL", say)
		if err != nil {
			return nil, err
		}
		results = append(results, more...)
	}
	return append(results, memory...), nil
}

// timeDashboards times the dashboard queries config.Runs times over the
// read side of built and returns the medians, named by its size.
func timeDashboards(ctx context.Context, db *scratch, built Log, config Config, how string, say func(string, ...any)) ([]Result, error) {
	perRun := make([][]Result, 0, config.Runs)
	for run := 1; run <= config.Runs; run++ {
		runResults, err := Dashboards(ctx, db, built.Participants, run, config.DashBudget)
		if err != nil {
			return nil, err
		}
		sayResults(say, run, config.Runs, runResults)
		perRun = append(perRun, runResults)
	}
	results := medians(perRun)
	for i := range results {
		results[i].Name = fmt.Sprintf("%s (%s participants, %d months%s)", results[i].Name,
			thousands(float64(len(built.Participants))), dashMonths, how)
	}
	return results, nil
}

// dashMethod says what the dashboard rows measure.
func dashMethod(budget time.Duration) string {
	return fmt.Sprintf(`
## Dashboards

`+"`bench/dashboards.go`"+`: a log of villages of %[4]d workers billed and paid monthly for %[2]d months from %[5]s
  (the synthetic log of the rebuild rows, stretched to three years) is appended straight to the store, and the read
  models are made from it by `+"`jaminan rebuild`"+` (its COPY path; its peak memory is the rebuild memory row), then
  `+"`VACUUM ANALYZE`"+`. Timed, each after %[6]d untimed calls, up to %[7]d times per run (at least %[8]d, then until %[9]s
  is spent): the page's `+"`GET /api/v1/dash/summary`"+` and every `+"`GET /api/v1/dash/{view}`"+` through
  `+"`web.NewDashAPI`"+`'s handler in this process (its SQL, scanning and JSON; no network), and the plain
  `+"`SELECT *`"+` of every view of the `+"`dash`"+` schema with every row read (of the views that grow with the regency,
  also its first 2,000 rows). Each call is followed by the
  baseline, a look-up of one random participant by primary key, so both see the same moment of the machine. The synthetic
  log has no claims, payouts or bank statements: those views are empty and their figures are the floor of a query.
  Both synthetic logs (this one and the rebuild log) are appended through `+"`store.Append`"+` on a pool of their own
  whose sessions set `+"`synchronous_commit = off`"+`: building them is setup, not a measurement, and every figure is
  measured on connections that commit as the server is configured.

Where the dashboards' time goes: the aggregate views read summary tables the projections keep by increments
(`+"`sum_*`"+`, docs/dashboards.md), a few rows each whatever the size of the log: `+"`dash.fund_totals`"+` no longer sums
`+"`rm_contributions`"+` (%[1]s participants × %[2]d months × 3 = %[3]s rows at the default size: a view over
`+"`rm_bill_lines`"+`, a row per participant and month), and
`+"`dash.trial_balance`"+` has a row per control account, every member's JHT account rolled up into `+"`jht_liability`"+`.
The synthetic villages lie in the reference list's 157 desa in turn and their workers take the 11 categories in
turn, so `+"`coverage_by_area`"+` holds at most 157 × 11 × 3 rows at any size. What still grows is what has a row
per payer or per claim (%[10]s): the synthetic log has a payer per village of %[4]d workers, and
`+"`collections_by_month`"+` has a row per payer and month. Of those views a BI tool reads a page (Metabase shows the
first 2,000 rows; the API answers a page of 1,000 in the view's order, through the index `+"`rm_bills_period`"+`),
and the page carries the target; the `+"`SELECT *`"+` of every row is shown too, without a target: it grows with the
payers by definition. `+"`arrears_ageing`"+` reads only the bills not paid in full (none here: every bill is paid).

The rows marked "scaled in SQL" (`+"`--dash-scale-to`"+`; make bench-full: 1,000,000 participants) are the same
queries on a read side made larger straight in SQL from the one the projections made (`+"`bench/dashscale.go`"+`):
every village copied under new ids with its participants, coverage and bills, every summary multiplied, as the
projections would make of a log holding each village that many times; only the tables the dashboards read are
scaled. The same figure at both sizes is the point: the cost does not grow with the data.
`, thousands(DefaultParticipants), dashMonths, thousands(float64(DefaultParticipants*dashMonths*3)),
		participantsPerVillage, dashFirstMonth, dashWarmup, dashSamples, dashMinSamples, budget, strings.Join(dashGrowingViews, ", "))
}
