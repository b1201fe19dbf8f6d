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
}

// Postgres is the server and the settings that bound its write and read speed.
type Postgres struct {
	Version  string
	Settings [][2]string
}

// postgresSettings are shown in the report, in this order.
var postgresSettings = []string{"shared_buffers", "synchronous_commit", "fsync", "max_connections", "wal_level",
	"work_mem", "max_wal_size", "checkpoint_timeout"}

func describeMachine(ctx context.Context) (Machine, error) {
	machine := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH}
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
		return err
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
	fmt.Fprintf(&b, "Run it again with `make bench` (`BENCH_RUNS=5`, `BENCH_EVENTS=…` to change the defaults). The rebuild "+
		"and history figures below are over a log of %s events; for a log of a million events run "+
		"`make bench BENCH_EVENTS=1000000` (the same as `bin/jaminan bench --events 1000000`): building it takes about "+
		"five times as long as the build reported in the progress output, and each rebuild five times as long as here.\n\n",
		thousands(float64(report.LogEvents)))

	fmt.Fprintf(&b, "## Machine\n\n| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| CPUs | %d (%s) |\n| memory | %.1f GiB |\n| `uname -a` | `%s` |\n| Go | %s |\n\n",
		report.Machine.CPUs, orDash(report.Machine.CPUModel), float64(report.Machine.MemoryKiB)/kibPerMiB/kibPerMiB, report.Machine.Uname, report.Machine.GoVersion)
	fmt.Fprintf(&b, "## PostgreSQL\n\n| | |\n|---|---|\n| version | %s |\n", report.Postgres.Version)
	for _, setting := range report.Postgres.Settings {
		fmt.Fprintf(&b, "| `%s` | %s |\n", setting[0], setting[1])
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
	b.WriteString(method)
	_, err := io.WriteString(w, b.String())
	return err
}

// method says what each row measures; it describes the code, not the figures.
const method = `
## What is measured

- **Appends** (` + "`bench/appends.go`" + `): each client appends to its own stream, ` + "`store.Append`" + ` with
  ` + "`NoStream`" + ` and then ` + "`Exact`" + `, and an append counts once it returns, that is after the sealer has
  placed its events in the global order. Each configuration runs 0.5 s unmeasured, then 4 s measured. The baseline
  is one ` + "`INSERT`" + ` of the same rows (same columns, JSON and hash sizes) per transaction into
  ` + "`bench_events`" + `, made with ` + "`CREATE TABLE bench_events (LIKE events INCLUDING ALL)`" + `: the same
  columns, defaults, constraints and indexes, no triggers, no sealer. Store and baseline alternate which goes first
  from run to run. The latency rows are a separate 16-client window of one-event appends.
- **Rebuild** (` + "`bench/rebuild.go`" + `): the log is built of synthetic villages shaped like the demo's (a village
  government billing 25 workers monthly for 12 months, one payment in eight late with its penalty; each worker
  registered, enrolled and given one wage change), their events decided by the domain's own ` + "`payer.Assess`" + `
  and ` + "`payer.RecordPayment`" + ` and appended through ` + "`store.Append`" + ` from 8 goroutines. Before each
  rebuild every projection is ` + "`Reset`" + ` and the read-model tables are vacuumed (not timed). Timed: the live
  runner's ` + "`CatchUp`" + ` with ` + "`projections.All()`" + ` (which reads the log once per projection, in batches
  of the runner's batch size) and, separately, ` + "`RebuildInPlace`" + ` (what ` + "`jaminan rebuild --in-place`" + `
  does: the log read once in batches of 5,000 for all projections). Rates are log events per second. Baselines:
  ` + "`COPY (SELECT … FROM log_positions JOIN events … ORDER BY position) TO STDOUT`" + ` of the columns
  ` + "`ReadAll`" + ` reads, discarded in this process (the raw read limit), and the same COPY piped into
  ` + "`COPY bench_copy FROM STDIN`" + ` (a plain table without indexes).
- **History** (` + "`bench/history.go`" + `): 1,000 random participants per run over the big log:
  ` + "`LoadParticipant`" + ` (` + "`ReadStream`" + `, decode, replay), and the coverage as of a date as the API
  answers it (the participant, the payer's stream for the bills paid, ` + "`CoverageOn`" + `). Baseline: a SELECT of
  the same streams' rows with the same columns, not decoded.
- **Memory**: the process's peak resident set (` + "`VmHWM`" + `, reset through ` + "`/proc/self/clear_refs`" + ` at
  the start of each phase) against its RSS at that start; the phases are all append runs, and all rebuild and history
  runs after the log was built.

## Where the time goes

An append is not one statement. ` + "`store.Append`" + ` runs ` + "`BEGIN`" + `, the stream's advisory lock, the look-up
of its event ids (idempotency), the stream head ` + "`SELECT … FOR UPDATE`" + ` (plus an ` + "`INSERT`" + ` and a second
` + "`SELECT`" + ` for a new stream), the ` + "`INSERT … RETURNING`" + `, the head ` + "`UPDATE`" + ` and ` + "`COMMIT`" + `;
then it seals: a second transaction (` + "`BEGIN`" + `, the seal lock, the cursor, the batch behind
` + "`pg_snapshot_xmin`" + `, the positions ` + "`INSERT`" + ` with ` + "`pg_notify`" + `, ` + "`COMMIT`" + `) and a read
of its positions, polling with a 1 to 16 ms back-off while another session holds the seal lock or an older
transaction is still open. That is at least 14 round trips and two commits (two WAL flushes) where the baseline has
one of each, and one sealer at a time for the whole database.
`

// formatValue prints a figure in its unit.
func formatValue(value float64, unit string) string {
	switch unit {
	case unitRate:
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
