package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tanahbumbu/jaminan/projections"
)

// Units of the results.
const (
	unitRate   = "events/s"
	unitMillis = "ms"
	unitMiB    = "MiB"
)

// Machine is where the benchmark ran.
type Machine struct {
	CPUs      int
	CPUModel  string
	MemoryKiB int64
	Uname     string
	GoVersion string
	// LoadAtStart and LoadAtEnd are /proc/loadavg's 1, 5 and 15 minute
	// averages when the run began and ended: how busy the machine was.
	LoadAtStart, LoadAtEnd string
}

// loadAverage is the first three fields of /proc/loadavg, or "" where there is none.
func loadAverage() string {
	content, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	fields := strings.Fields(string(content))
	return strings.Join(fields[:min(3, len(fields))], " ")
}

// Postgres is the server and the settings that bound its write and read speed.
type Postgres struct {
	Version  string
	Settings [][2]string
	// AnalyzeEvery is autovacuum's naptime when autovacuum is off (the
	// benchmark then analyzes its databases itself), else zero.
	AnalyzeEvery time.Duration
}

// postgresSettings are shown in the report, in this order.
var postgresSettings = []string{"shared_buffers", "synchronous_commit", "fsync", "max_connections", "wal_level",
	"work_mem", "max_wal_size", "checkpoint_timeout", "autovacuum", "autovacuum_naptime"}

func describeMachine(ctx context.Context) (Machine, error) {
	machine := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH, LoadAtStart: loadAverage()}
	uname, err := exec.CommandContext(ctx, "uname", "-a").Output()
	if err != nil {
		return Machine{}, fmt.Errorf("uname -a: %w", err)
	}
	machine.Uname = strings.TrimSpace(string(uname))
	if cpuinfo, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		machine.CPUModel = procField(cpuinfo, "model name")
	}
	if meminfo, err := os.ReadFile("/proc/meminfo"); err == nil {
		fmt.Sscanf(procField(meminfo, "MemTotal"), "%d", &machine.MemoryKiB)
	}
	return machine, nil
}

// procField is the value of the first "name: value" line of a /proc file.
func procField(content []byte, name string) string {
	scanner := bufio.NewScanner(bytes.NewReader(content))
	for scanner.Scan() {
		key, value, found := strings.Cut(scanner.Text(), ":")
		if found && strings.TrimSpace(key) == name {
			return strings.TrimSpace(value)
		}
	}
	return ""
}

func describePostgres(ctx context.Context, serverURL string) (Postgres, error) {
	var described Postgres
	err := withAdmin(ctx, serverURL, func(admin *pgx.Conn) error {
		if err := admin.QueryRow(ctx, `SELECT version()`).Scan(&described.Version); err != nil {
			return err
		}
		rows, err := admin.Query(ctx, `SELECT name, current_setting(name) FROM unnest($1::text[]) WITH ORDINALITY AS s(name, n) ORDER BY n`, postgresSettings)
		if err != nil {
			return err
		}
		described.Settings, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) ([2]string, error) {
			var setting [2]string
			err := row.Scan(&setting[0], &setting[1])
			return setting, err
		})
		if err != nil {
			return err
		}
		var autovacuum bool
		var naptime float64
		if err := admin.QueryRow(ctx, `SELECT current_setting('autovacuum')::bool,
				extract(epoch FROM current_setting('autovacuum_naptime')::interval)::float8`).Scan(&autovacuum, &naptime); err != nil {
			return err
		}
		if !autovacuum {
			described.AnalyzeEvery = time.Duration(naptime * float64(time.Second))
		}
		return nil
	})
	if err != nil {
		return Postgres{}, fmt.Errorf("describe PostgreSQL: %w", err)
	}
	return described, nil
}

// WriteMarkdown writes docs/BENCHMARKS.md: how it was measured, the machine,
// the server, the table of medians, and the targets missed.
func WriteMarkdown(w io.Writer, report Report, command string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Benchmarks\n\n")
	fmt.Fprintf(&b, "Written by `%s` on %s in %s. Every figure is the median of %d run(s); its baseline is the raw "+
		"PostgreSQL operation measured in the same run on the same scratch database, and the ratio is the median of the "+
		"runs' ratios (jaminan ÷ baseline), so it holds up on a noisy machine better than either figure alone. Scratch "+
		"databases named `%s_*` are created for the run and dropped after it.\n\n",
		command, report.Started.UTC().Format("2006-01-02 15:04 UTC"), report.Elapsed.Round(time.Second), report.Runs, scratchPrefix)
	fmt.Fprintf(&b, "Run it again with `make bench` (a log of %s events, %s participants on the dashboards, loads of %s; "+
		"about a quarter of an hour) or `make bench-full` (a log of 1,000,000 events, 100,000 participants and the dashboards "+
		"again at 1,000,000 scaled in SQL, loads of a minute; about an hour); `BENCH_RUNS=5`, `BENCH_EVENTS=…`, "+
		"`BENCH_DASH_SCALE=100000,1000000` change them. The rebuild and history figures below are "+
		"over a log of %s events.\n\n", thousands(DefaultLogEvents), thousands(DefaultParticipants), DefaultServeDuration,
		thousands(float64(report.LogEvents)))

	fmt.Fprintf(&b, "## Machine\n\n| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| CPUs | %d (%s) |\n| memory | %.1f GiB |\n| `uname -a` | `%s` |\n| Go | %s |\n\n",
		report.Machine.CPUs, orDash(report.Machine.CPUModel), float64(report.Machine.MemoryKiB)/kibPerMiB/kibPerMiB, report.Machine.Uname, report.Machine.GoVersion)
	fmt.Fprintf(&b, "What else ran: %s. Load average (1, 5, 15 min) at the start %s, at the end %s.\n\n",
		orDash(report.Note), orDash(report.Machine.LoadAtStart), orDash(report.Machine.LoadAtEnd))
	fmt.Fprintf(&b, "## PostgreSQL\n\n| | |\n|---|---|\n| version | %s |\n", report.Postgres.Version)
	for _, setting := range report.Postgres.Settings {
		fmt.Fprintf(&b, "| `%s` | %s |\n", setting[0], setting[1])
	}

	if every := report.Postgres.AnalyzeEvery; every > 0 {
		fmt.Fprintf(&b, "\nThis server runs with `autovacuum = off`, so nothing would ever refresh the planner's statistics. "+
			"The benchmark runs `ANALYZE` on its scratch databases every %s (the server's `autovacuum_naptime`) instead, as "+
			"autovacuum would. Without it the plans that pooled connections cache while the tables are nearly empty are never "+
			"replanned: a look-up by index (such as `Append`'s event-id look-up) stays a sequential scan and every append "+
			"slows down as the log grows.\n", every)
	}
	fmt.Fprintf(&b, "\n## Results\n\n| measurement | jaminan | baseline | ratio | target | met |\n|---|--:|---|--:|---|---|\n")
	var missed []string
	for _, result := range report.Results {
		met := ""
		if result.Target.Met != nil {
			met = "yes"
			if !result.Target.Met(result) {
				met = "**no**"
				missed = append(missed, fmt.Sprintf("- %s: %s, %.2f× its baseline; target %s.", result.Name,
					formatValue(result.Value, result.Unit), result.Ratio, result.Target.Text))
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s (%s) | %.2f× | %s | %s |\n", result.Name, formatValue(result.Value, result.Unit),
			formatValue(result.Baseline, result.Unit), result.BaselineName, result.Ratio, result.Target.Text, met)
	}
	fmt.Fprintf(&b, "\n## Below target\n\n")
	if len(missed) == 0 {
		fmt.Fprintf(&b, "None: every target of the issue is met in this run.\n")
	} else {
		fmt.Fprintf(&b, "%s\n", strings.Join(missed, "\n"))
	}
	b.WriteString(method())
	b.WriteString(verifyMethod())
	b.WriteString(lagMethod())
	b.WriteString(dashMethod(report.DashBudget))
	b.WriteString(serveMethod())
	b.WriteString(outsideFigures)
	_, err := io.WriteString(w, b.String())
	return err
}

// method says what each row measures; it describes the code, not the figures.
func method() string {
	tick := "`"
	code := func(text string) string { return tick + text + tick }
	return fmt.Sprintf(`
## What is measured

- **Appends** (%[1]s): each client appends to its own stream, %[2]s with %[3]s and then %[4]s, and an append counts
  once it returns, that is once its group has committed with its positions. Each configuration runs %[5]s
  unmeasured, then %[6]s measured. The baseline is one %[7]s of the same rows (same columns, JSON and hash sizes) per
  transaction into %[8]s, made with %[9]s: the same columns, defaults, constraints and indexes, no triggers, its
  positions from an identity column (a sequence: neither gap-free nor in commit order), no log lock, no chain. Store
  and baseline alternate which goes first from run to run. The latency rows are a separate %[10]d-client window of
  one-event appends.
- **Rebuild** (%[11]s): the log is built of synthetic villages shaped like the demo's: a village government billing
  %[12]d workers monthly for %[13]d months, one payment in %[14]d late with its penalty, each worker registered,
  enrolled and given one wage change. The bills, payments and penalties are decided by the domain's own %[15]s and
  %[16]s; each stream is appended in one %[2]s call, from %[17]d goroutines. Before each rebuild every projection is
  %[18]s (not timed; nothing is vacuumed or analyzed in between, as on a live server). Timed: the live runner's
  %[19]s with %[20]s (the live path: each batch read and decoded once for every projection, one transaction per batch;
  a catch-up that starts this far behind goes in the replay's large batches with the bulk writes until it is near the
  head); %[21]s, what %[22]s does, and the blue/green rebuild of
  `+"`jaminan rebuild`"+` (`+"`RebuildSideBySide`"+`: scratch tables loaded without their secondary indexes, built before the swap),
  both the bulk path in batches of %[23]s events (folded in memory, written with COPY and set-based updates); and, as the
  floor under all, the %[19]s of a projection that writes nothing (reading and decoding only). Rates are log events per second.
  Baselines: %[24]s of the columns %[25]s reads, discarded in this process (the raw read limit), and the same COPY
  piped into %[26]s (a plain table without indexes); for the blue/green rebuild also the rows it wrote, every row of
  every read model piped by COPY into tables of the same columns without indexes (the raw write limit).
- **History** (%[27]s): %[28]s random participants per run over the big log: %[29]s (%[30]s, decode, replay), and
  the coverage as of a date as the API answers it (the participant, the payer's stream for the bills paid,
  %[31]s). Baseline: a SELECT of the same streams' rows with the same columns, not decoded.
- **Memory**: the process's peak resident set (%[32]s, reset through %[33]s at the start of each phase) against its
  RSS at that start; the phases are all append runs, and all rebuild and history runs after the log was built.
- **Payer history** (bench/payer.go): one payer billed for 36 months for 1,000 workers (the bills decided by the
  domain's payer.Assess and appended straight to its stream) and each month paid by a command: about 73 events, about
  14 MB of JSON, nearly all of it bill lines. Per run, five payments are timed in each of three processes: one with
  no payer cache and no snapshots (it replays the stream), one with no cache reading the payer's snapshot and the
  events after it, and one with the payer in its cache. Baselines: the rows each load reads at the least, selected
  and not decoded.
- **Bill** (bench/bill.go): one payer of 100,000 workers (a national employer; its bill was one event of about 30 MB
  before bills had streams of their own) billed once through Application.AssessMembers: the domain's payer.Assess and
  the command path's one AppendMany of the bill's parts and its summary; then loaded, lines and all, by a process
  with an empty payer cache. One run whatever --runs says. Baselines: an INSERT … SELECT of the same rows into a
  table like events, and a SELECT of the same streams' rows, not decoded.

## Where the time goes

Appends made at the same time are written together (group commit, docs/log.md): while one group commits, the next
gathers, so the clients share one transaction, one WAL flush and, when the store is the log's only writer, one round
trip (%[34]s of the head, %[7]s of the events, %[36]s, in one statement); otherwise two round trips, the first
taking the log lock (%[35]s). The bare INSERTs run in as many transactions as there are clients, each with its own
round trip and commit, which PostgreSQL's own group commit lets share WAL flushes; their CPU work runs in as many
backends, ours in one at a time. So one-event appends gain most from grouping, ten-event appends least (the rows'
own work dominates), and a lone client pays for the lock and the chain. Separate %[39]s processes each write one
command at a time, so their groups hold one command each and they take turns on the log lock.

A rebuild reads more than COPY does and writes much more. Every path reads and decodes the log once for all
projections (docs/scaling.md, "What a rebuild costs"); the bulk path also writes set-wise. Decoding the JSON is most
of the floor row's time, and a bill's lines (%[37]s, on the bill's own stream) carry a line per worker and programme. Every bill becomes one
%[38]s row per worker (its programmes side by side) and one journal entry per account (a payment moves its bill's
row only: whether a line is paid is derived from the bill), so the contributions projection writes tens of rows per
event where the COPY baselines write one. The coverage as of a date
loads the payer's stream too, with the lines of a year of those bills from their streams.
`,
		code("bench/appends.go"), code("store.Append"), code("NoStream"), code("Exact"), appendWarmup, appendWindow,
		code("INSERT"), code("bench_events"), code("CREATE TABLE bench_events (LIKE events INCLUDING ALL)"), LatencyClients,
		code("bench/rebuild.go"), participantsPerVillage, monthsPerVillage, latePaymentOneIn, code("payer.Assess"),
		code("payer.RecordPayment"), buildWorkers, code("Reset"), code("CatchUp"), code("projections.All()"),
		code("RebuildInPlace"), code("jaminan rebuild --in-place"), thousands(projections.DefaultReplayBatch),
		code(copyOutName), code("ReadAll"),
		code("COPY bench_copy FROM STDIN"), code("bench/history.go"), thousands(historySamples), code("LoadParticipant"),
		code("ReadStream"), code("CoverageOn"), code("VmHWM"), code("/proc/self/clear_refs"),
		code("UPDATE log_head"), code("SELECT … FROM log_head FOR UPDATE"), code("pg_notify"), code("BillLinesRecorded"),
		code("rm_bill_lines"), code("jaminan apply"))
}

// formatValue prints a figure in its unit.
func formatValue(value float64, unit string) string {
	switch unit {
	case unitRate, unitRequests:
		return thousands(value) + " " + unit
	case unitMillis:
		return fmt.Sprintf("%.2f %s", value, unit)
	default:
		return fmt.Sprintf("%.0f %s", value, unit)
	}
}

// thousands rounds to a whole number and groups its digits: 1234567 → "1,234,567".
func thousands(value float64) string {
	digits := fmt.Sprintf("%d", int64(math.Round(value)))
	sign := ""
	if strings.HasPrefix(digits, "-") {
		sign, digits = "-", digits[1:]
	}
	var grouped strings.Builder
	for i, digit := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			grouped.WriteByte(',')
		}
		grouped.WriteRune(digit)
	}
	return sign + grouped.String()
}

func orDash(text string) string {
	if text == "" {
		return "-"
	}
	return text
}

// outsideFigures points at the figures this run cannot take: they need the
// full demo's log, or the gRPC EventStoreDB fake that lives in tests.
const outsideFigures = `
## Figures measured outside this run

The full demo (` + "`/usr/bin/time -v jaminan demo --workers 10488`" + `: wall time and peak RSS), a payer of 100,000
workers billed on the gRPC EventStoreDB fake through the official client
(` + "`BILL_WORKERS=100000 go test -run TestAPayerOfManyWorkersIsBilledOnEveryStore -v ./app/`" + `), the assessment's cost at
months 1–3 against 34–36 (` + "`ASSESS_WORKERS=5000 go test -run TestAssessmentCostOverHistory -v ./app/`" + `) and
` + "`migrate-log`" + ` of the full demo's log into that fake
(` + "`MIGRATE_SOURCE_URL=… go test -run TestMigrateALogIntoFakeServer ./adapters/eventstore/eventstoredb/`" + `) are measured by
those commands; their figures, before and after, are in docs/loading.md ("Bills in their own streams: figures").
The same measurements over a log of a million events, and the dashboards at 100,000 and 1,000,000 participants,
are ` + "`make bench-full`" + ` (docs/BENCHMARKS-full.md); what bounds a rebuild at that size is in docs/scaling.md
("What a rebuild costs, and what bounds it").
`
