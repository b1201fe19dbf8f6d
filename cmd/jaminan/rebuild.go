package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/projections"
)

// rebuildOptions are the flags of `jaminan rebuild`.
type rebuildOptions struct {
	inPlace   bool
	batchSize int
	quiet     bool
}

func newRebuildCommand() *cobra.Command {
	var options rebuildOptions
	var memory *memoryLimit
	cmd := &cobra.Command{
		Use:   "rebuild [NAME...]",
		Short: "Rebuild read models from the log (all projections, or those named)",
		Long: `Derives the named projections' read models again from the whole log, reading it
directly in large batches, and prints how many events were applied and how long it took.

By default the rebuild is blue/green: fresh copies of the tables are built in a
scratch schema while the live ones keep serving, then swapped in by name, with
their checkpoints, in one transaction; the live projections carry on from there.
With --in-place the tables and checkpoints are emptied first (Reset) and filled
again; readers see them empty meanwhile.`,
		Example: "  jaminan rebuild\n  jaminan rebuild journal contributions\n  jaminan rebuild --in-place participants",
		RunE: func(cmd *cobra.Command, names []string) error {
			if options.batchSize < 1 || options.batchSize > eventstore.MaxReadLimit {
				return &usageError{fmt.Errorf("--batch must be 1 to %d", eventstore.MaxReadLimit)}
			}
			if err := memory.apply(); err != nil {
				return err
			}
			built, err := open(cmd.Context())
			if err != nil {
				return err
			}
			defer built.Close()
			if _, err := built.runner.Select(names); err != nil {
				return &usageError{err}
			}
			return runRebuild(cmd.Context(), built, names, options, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().BoolVar(&options.inPlace, "in-place", false, "empty the live tables and rebuild them where they are (no blue/green swap)")
	cmd.Flags().IntVar(&options.batchSize, "batch", projections.DefaultReplayBatch, "events read from the log per batch")
	cmd.Flags().BoolVar(&options.quiet, "quiet", false, "no progress bar")
	memory = addMemoryLimitFlag(cmd)
	return cmd
}

// runRebuild rebuilds and reports; the progress bar shows events per second on errOut.
func runRebuild(ctx context.Context, built *system, names []string, options rebuildOptions, out, errOut io.Writer) error {
	var bar *progressbar.ProgressBar
	if !options.quiet {
		head, err := built.store.Head(ctx)
		if err != nil {
			return err
		}
		bar = progressbar.NewOptions64(head, progressbar.OptionSetDescription("rebuild"), progressbar.OptionShowCount(),
			progressbar.OptionShowIts(), progressbar.OptionSetItsString("events"), progressbar.OptionSetWriter(errOut),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionSetPredictTime(true))
		_ = bar.RenderBlank() // starts the clock of the events/s figure
	}
	progress := func(done, head int64) {
		if bar == nil {
			return
		}
		if head > bar.GetMax64() {
			bar.ChangeMax64(head)
		}
		_ = bar.Set64(done)
	}
	rebuild, mode := built.runner.RebuildSideBySide, "blue/green swap"
	if options.inPlace {
		rebuild, mode = built.runner.RebuildInPlace, "in place"
	}
	started := time.Now()
	report, err := rebuild(ctx, names, options.batchSize, progress)
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(errOut)
	}
	if err != nil {
		return err
	}
	elapsed := time.Since(started)
	fmt.Fprintf(out, "rebuilt %s (%s): %d events applied in %s (%s events/s); checkpoints %s\n",
		strings.Join(report.Projections, ", "), mode, report.Events, elapsed.Round(time.Millisecond), eventsPerSecond(report.Events, elapsed), positionsText(report.Positions))
	return nil
}

// eventsPerSecond is a whole rate, computed in integers (no float on any path).
func eventsPerSecond(events int64, elapsed time.Duration) string {
	if elapsed <= 0 {
		return "-"
	}
	return fmt.Sprint(events * int64(time.Second) / int64(elapsed))
}

func positionsText(positions map[string]int64) string {
	names := make([]string, 0, len(positions))
	for name := range positions {
		names = append(names, name)
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, name := range names {
		parts = append(parts, fmt.Sprintf("%s@%d", name, positions[name]))
	}
	return strings.Join(parts, " ")
}
