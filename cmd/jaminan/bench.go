package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/cobra"

	"github.com/tanahbumbu/jaminan/bench"
)

func newBenchCommand() *cobra.Command {
	var runs, events, participants int
	var dashScaleTo []int
	var serveDuration, lagDuration, dashBudget time.Duration
	var out, note string
	var only []string
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Benchmark appends, rebuild, history and memory against the raw PostgreSQL limit",
		Long: `Creates scratch databases on the server of DATABASE_URL (named jaminan_bench_*,
dropped afterwards), measures each figure --runs times beside its baseline on the
same database — appends against bare INSERTs, a rebuild of every read model against
COPY of the log, history against a plain SELECT, dashboard queries against an
indexed SELECT, and the peak memory of this process and of serve and rebuild —
and writes the medians to --out. Progress goes to stderr. It takes several minutes;
it is never part of the tests.`,
		Example: "  jaminan bench\n  jaminan bench --runs 5 --events 1000000 --out /tmp/BENCHMARKS.md",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			binary, cleanup, err := benchBinary()
			if err != nil {
				return err
			}
			defer cleanup()
			logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
			report, err := bench.Run(ctx, bench.Config{ServerURL: databaseURL(), Note: note, Runs: runs, LogEvents: events, Progress: cmd.ErrOrStderr(),
				Participants: participants, ServeDuration: serveDuration, LagDuration: lagDuration, DashScaleTo: dashScaleTo, DashBudget: dashBudget, Binary: binary, Phases: only,
				Wire: func(pool *pgxpool.Pool) (bench.System, error) {
					built, err := wire(pool, logger, time.Now)
					if err != nil {
						return bench.System{}, err
					}
					store, err := postgresStore(built.store)
					if err != nil {
						return bench.System{}, err
					}
					return bench.System{Store: store, Application: built.application, Runner: built.runner}, nil
				}})
			if err != nil {
				return err
			}
			command := []string{"jaminan bench", fmt.Sprintf("--runs %d", runs), fmt.Sprintf("--events %d", events),
				fmt.Sprintf("--participants %d", participants), "--serve-duration " + serveDuration.String(), "--lag-duration " + lagDuration.String(),
				"--dash-budget " + dashBudget.String()}
			if len(dashScaleTo) > 0 {
				command = append(command, "--dash-scale-to "+strings.Trim(strings.Join(strings.Fields(fmt.Sprint(dashScaleTo)), ","), "[]"))
			}
			if len(only) > 0 {
				command = append(command, "--only "+strings.Join(only, ","))
			}
			return writeBenchReport(report, out, strings.Join(append(command, "--out "+out), " "))
		},
	}
	cmd.Flags().IntVar(&runs, "runs", bench.DefaultRuns, "how often each measurement runs (the report shows medians)")
	cmd.Flags().IntVar(&events, "events", bench.DefaultLogEvents, "about how many events the log for rebuild and history holds")
	cmd.Flags().IntVar(&participants, "participants", bench.DefaultParticipants, "participants (over 36 months) the dashboards' read models hold")
	cmd.Flags().IntSliceVar(&dashScaleTo, "dash-scale-to", nil, "measure the dashboards again at these many participants, in order, their read side scaled up in SQL (each a multiple of the size before)")
	cmd.Flags().DurationVar(&serveDuration, "serve-duration", bench.DefaultServeDuration, "how long serve is driven with commands for its memory")
	cmd.Flags().DurationVar(&lagDuration, "lag-duration", bench.DefaultLagDuration, "how long the live-lag load runs")
	cmd.Flags().DurationVar(&dashBudget, "dash-budget", bench.DefaultDashBudget, "how long each dashboard query is timed per run")
	cmd.Flags().StringVar(&out, "out", "docs/BENCHMARKS.md", "where to write the report")
	cmd.Flags().StringVar(&note, "note", "not said", "what else ran on the machine during the run, written into the report beside the load averages (benchmarks share the server)")
	cmd.Flags().StringSliceVar(&only, "only", nil, "run only these phases ("+strings.Join(bench.Phases, ", ")+"); the report then holds only their rows")
	return cmd
}

// benchBinary is a private copy of this executable for the serve and rebuild
// subprocesses, so a `make build` during the run cannot swap what they measure.
func benchBinary() (path string, cleanup func(), err error) {
	self, err := os.Executable()
	if err != nil {
		return "", nil, fmt.Errorf("bench: find this binary to run serve and rebuild: %w", err)
	}
	dir, err := os.MkdirTemp("", "jaminan-bench-")
	if err != nil {
		return "", nil, fmt.Errorf("bench: copy this binary: %w", err)
	}
	cleanup = func() { _ = os.RemoveAll(dir) }
	source, err := os.Open(self)
	if err != nil {
		cleanup()
		return "", nil, fmt.Errorf("bench: copy this binary: %w", err)
	}
	defer source.Close()
	path = filepath.Join(dir, "jaminan")
	target, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err == nil {
		_, err = io.Copy(target, source)
		err = errors.Join(err, target.Close())
	}
	if err != nil {
		cleanup()
		return "", nil, fmt.Errorf("bench: copy this binary: %w", err)
	}
	return path, cleanup, nil
}

// writeBenchReport writes the report to a temporary file beside out and renames it into place.
func writeBenchReport(report bench.Report, out, command string) (err error) {
	file, err := os.CreateTemp(filepath.Dir(out), ".benchmarks-*.md")
	if err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(file.Name())
		}
	}()
	if err := bench.WriteMarkdown(file, report, command); err != nil {
		_ = file.Close()
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := file.Close(); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := os.Rename(file.Name(), out); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	fmt.Fprintf(os.Stderr, "bench: wrote %s\n", out)
	return nil
}
