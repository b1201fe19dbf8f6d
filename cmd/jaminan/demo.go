package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/app/demo"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/reference"
	"github.com/tanahbumbu/jaminan/projections"
)

// fullDemoWorkers is the regency's figure: 10.488 village workers protected.
const fullDemoWorkers = 10_488

// projectionPoll is how often the projections' progress bar looks at the checkpoints.
const projectionPoll = 250 * time.Millisecond

func newDemoCommand() *cobra.Command {
	var options demo.Options
	var quiet bool
	var statementPath, cpuProfile string
	var memory *memoryLimit
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Load the Tanah Bumbu demo through the command path, run the projections, and exit",
		Long: `Registers the regency and the 157 village governments of the 12 kecamatan of
Tanah Bumbu as payers, enrolls village workers of every category (wage earners
paid by their village, non-wage earners and vulnerable workers paid by the
regency), and bills three years of monthly contributions up to this month: most
paid on time, some late with the 2 % penalty, a few villages in arrears. Some
wages change, some memberships end, a few workers have accidents (JKK medical
care and time off work) or die (JKM, JKK death, JHT, scholarships), and every
claim is filed, approved and paid in the month it happened (a week, five days
and three days apart). The seed story is always in: the JKM death of a
posyandu cadre in Muara Pagatan Tengah (Rp42.000.000) and the work-accident
death of a village official in Pakatellu (Rp231.000.000 to her heirs).

It also writes one bank statement CSV (--statement) of the month of the last
claim payout, its receipts and payouts on their real dates, with three
deliberate mismatches for 'jaminan reconcile'.

Every step is a command through the same path as the API, several payers at a
time. The same seed gives the same demo; running it again appends nothing.

The default is a quick 300 workers. The full picture, the regency's 10.488
protected village workers, takes minutes:

  jaminan demo --workers 10488`,
		Example: "  jaminan demo\n  jaminan demo --workers 10488 --seed 1\n  jaminan demo --kecamatan 'Kusan Hilir' --statement /tmp/bank.csv",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			places, err := reference.Load()
			if err != nil {
				return err
			}
			if len(options.Kecamatan) == 1 && options.Kecamatan[0] == "all" {
				options.Kecamatan = nil
			}
			for _, kecamatan := range options.Kecamatan {
				if !places.HasKecamatan(kecamatan) {
					return &usageError{fmt.Errorf("--kecamatan: %q is not a kecamatan of Tanah Bumbu (%v)", kecamatan, places.Kecamatan())}
				}
			}
			if options.Workers < 0 || options.Months < 0 || options.Concurrency < 0 {
				return &usageError{fmt.Errorf("--workers, --months and --concurrency must not be negative")}
			}
			if err := memory.apply(); err != nil {
				return err
			}
			if cpuProfile != "" {
				// Where the time of a run goes (go tool pprof); not timed otherwise.
				file, err := os.Create(cpuProfile)
				if err != nil {
					return err
				}
				defer file.Close()
				if err := pprof.StartCPUProfile(file); err != nil {
					return err
				}
				defer pprof.StopCPUProfile()
			}
			return runDemo(cmd, places, options, statementPath, quiet)
		},
	}
	cmd.Flags().IntVar(&options.Workers, "workers", 300, fmt.Sprintf("village workers to enroll besides the two of the story (the full picture: %d)", fullDemoWorkers))
	cmd.Flags().Uint64Var(&options.Seed, "seed", 1, "random seed; the same seed gives the same demo")
	cmd.Flags().IntVar(&options.Months, "months", 0, "months of contributions ending with this month (default 36, or back to January 2024 when longer, so the seed story is in)")
	cmd.Flags().IntVar(&options.Concurrency, "concurrency", 0, "goroutines executing commands (default 6)")
	cmd.Flags().StringVar(&cpuProfile, "cpu-profile", "", "write a CPU profile of the run here (go tool pprof)")
	memory = addMemoryLimitFlag(cmd)
	cmd.Flags().StringVar(&statementPath, "statement", "demo-statement.csv", "write the bank statement CSV here (\"\" for none)")
	cmd.Flags().BoolVar(&quiet, "quiet", false, "no progress bar")
	cmd.Flags().StringSliceVar(&options.Kecamatan, "kecamatan", nil, "kecamatan to populate (default all 12 of Tanah Bumbu)")
	return cmd
}

func runDemo(cmd *cobra.Command, places *reference.Places, options demo.Options, statementPath string, quiet bool) error {
	ctx := cmd.Context()
	built, err := open(ctx)
	if err != nil {
		return err
	}
	defer built.Close()
	now := time.Now()
	options.Today = calendar.DateOf(now)
	// Each goroutine registers through its own application, whose participant
	// ids come from the seed, so the same seed gives the same events.
	options.NewApplication = func(newID func() string) (*app.Application, error) {
		return app.New(app.Config{Store: built.application.Store(), Directory: built.application.Directory(), Library: built.application.Library(),
			Places: places, Now: time.Now, NewID: newID, PayerCache: built.application.PayerCache(),
			Snapshots: built.application.Snapshots(), Snapshot: built.application.SnapshotConfig(), Logger: built.logger})
	}
	var statement *os.File
	if statementPath != "" {
		if statement, err = os.Create(statementPath); err != nil {
			return fmt.Errorf("--statement: %w", err)
		}
		defer statement.Close()
		options.Statement = statement
	}
	var bar *progressbar.ProgressBar
	if !quiet {
		options.Progress = func(done, total int) {
			if bar == nil {
				bar = newBar(cmd.ErrOrStderr(), total, "demo commands")
			}
			_ = bar.Set(done)
		}
	}
	started := time.Now()
	summary, err := demo.Run(ctx, built.application, places, options)
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(cmd.ErrOrStderr())
	}
	if err != nil {
		return err
	}
	loaded := time.Since(started)
	applied, err := catchUp(ctx, built.runner, cmd.ErrOrStderr(), quiet)
	if err != nil {
		return fmt.Errorf("run projections: %w", err)
	}
	if statement != nil {
		if err := statement.Close(); err != nil {
			return fmt.Errorf("--statement: %w", err)
		}
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "demo loaded in %s (%s to %s): %d payers, %d participants, %d claims, %d commands, %d new events; projections applied %d events in %s\n",
		loaded.Round(time.Millisecond), summary.FirstPeriod, summary.LastPeriod, summary.Payers, summary.Participants, summary.Claims,
		summary.Commands, summary.Events, applied, (time.Since(started) - loaded).Round(time.Millisecond))
	if statement != nil {
		where, _ := filepath.Abs(statementPath)
		s := summary.Statement
		fmt.Fprintf(out, "bank statement %s to %s: %s (%d lines; mismatches: %s short by Rp%d, %s has no ledger entry, payout %s is not on it)\n",
			s.From, s.Through, where, s.Lines, s.ShortPaidReference, demo.StatementShortfallRupiah, demo.StatementBankChargeReference, s.MissingPayoutReference)
	}
	fmt.Fprintf(out, "look: jaminan history claim %s   |   jaminan history participant %s\n", demo.SantiClaim, demo.SantiNIK)
	if options.Workers < fullDemoWorkers {
		fmt.Fprintf(out, "the full Tanah Bumbu picture (%d workers, takes minutes): jaminan demo --workers %d\n", fullDemoWorkers, fullDemoWorkers)
	}
	return nil
}

func newBar(w io.Writer, total int, description string) *progressbar.ProgressBar {
	return progressbar.NewOptions(total, progressbar.OptionSetDescription(description), progressbar.OptionShowCount(),
		progressbar.OptionShowIts(), progressbar.OptionSetWriter(w), progressbar.OptionSetPredictTime(true))
}

// catchUp runs the projections, with a second bar following the slowest checkpoint.
func catchUp(ctx context.Context, runner *projections.Runner, w io.Writer, quiet bool) (int64, error) {
	if quiet {
		return runner.CatchUp(ctx)
	}
	done := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		var bar *progressbar.ProgressBar
		ticker := time.NewTicker(projectionPoll)
		defer ticker.Stop()
		for {
			if statuses, err := runner.Status(ctx); err == nil && len(statuses) > 0 {
				head, behind := statuses[0].Head, int64(0)
				for _, status := range statuses {
					behind = max(behind, status.Lag)
				}
				if bar == nil && head > 0 {
					bar = newBar(w, int(head), "projections")
				}
				if bar != nil {
					_ = bar.Set(int(head - behind))
				}
			}
			select {
			case <-done:
				if bar != nil {
					_ = bar.Finish()
					fmt.Fprintln(w)
				}
				return
			case <-ticker.C:
			}
		}
	}()
	applied, err := runner.CatchUp(ctx)
	close(done)
	<-watched
	return applied, err
}
