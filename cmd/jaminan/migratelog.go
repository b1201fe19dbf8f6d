package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/migrate"
	pgstore "github.com/tanahbumbu/jaminan/adapters/eventstore/postgres"
	"github.com/tanahbumbu/jaminan/adapters/postgres"
)

type migrateLogOptions struct {
	from, to      string
	batch         int
	dryRun, quiet bool
}

// validate checks the flags: PostgreSQL into EventStoreDB is the one copy there is.
func (o migrateLogOptions) validate() error {
	var errs []error
	if o.from != storePostgres {
		errs = append(errs, fmt.Errorf("--from %q: the log can be copied from %s only", o.from, storePostgres))
	}
	if o.to != storeEventStoreDB {
		errs = append(errs, fmt.Errorf("--to %q: the log can be copied to %s only", o.to, storeEventStoreDB))
	}
	if o.batch < 1 || o.batch > eventstore.MaxReadLimit {
		errs = append(errs, fmt.Errorf("--batch %d: must be 1 to %d", o.batch, eventstore.MaxReadLimit))
	}
	return errors.Join(errs...)
}

func newMigrateLogCommand() *cobra.Command {
	options := migrateLogOptions{batch: migrate.DefaultBatchSize}
	cmd := &cobra.Command{
		Use:   "migrate-log --from postgres --to eventstoredb",
		Short: "Copy the PostgreSQL log into EventStoreDB, keeping order, event ids, versions and hashes",
		Long: `Copies the log of DATABASE_URL into the EventStoreDB of EVENTSTOREDB_URL in global
order: every event keeps its id, stream version, recorded_at, metadata and
hashes, each stream is written with its previous version as the expected
revision, and the global positions come out the same, so the read models'
checkpoints stay valid. At the end it verifies the copy: the count, every
hash chain on EventStoreDB, and the global hash at the last position against
PostgreSQL's.

Resumable: the events EventStoreDB holds already are the ones copied, so a run
that stopped anywhere goes on where it stopped, and a re-sent batch is a no-op
(its event ids are stored). Events appended meanwhile are copied by the next
run; stop jaminan serve before the last run, then start it with
JAMINAN_EVENTSTORE=eventstoredb (docs/scaling.md). The copy fills the index of
EventStoreDB positions in DATABASE_URL as it goes, so jaminan starts on
EventStoreDB without reading all of $all. A run of one stream's events larger
than EventStoreDB's maximum append size (1 MiB by default) stops the copy,
naming the stream and its size; nothing of it is written.`,
		Example: "  EVENTSTOREDB_URL='esdb://localhost:2113?tls=false' jaminan migrate-log --from postgres --to eventstoredb --dry-run\n" +
			"  EVENTSTOREDB_URL='esdb://localhost:2113?tls=false' jaminan migrate-log --from postgres --to eventstoredb",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := options.validate(); err != nil {
				return &usageError{err}
			}
			return runMigrateLog(cmd.Context(), options, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&options.from, "from", "", "the store to copy from: postgres")
	cmd.Flags().StringVar(&options.to, "to", "", "the store to copy into: eventstoredb")
	cmd.Flags().IntVar(&options.batch, "batch", migrate.DefaultBatchSize, "events read from PostgreSQL per batch")
	cmd.Flags().BoolVar(&options.dryRun, "dry-run", false, "read everything that would be copied and recompute its hashes, write nothing")
	cmd.Flags().BoolVar(&options.quiet, "quiet", false, "no progress bar")
	return cmd
}

func runMigrateLog(ctx context.Context, options migrateLogOptions, out, errOut io.Writer) error {
	config, err := storeConfigFromEnv()
	if err != nil {
		return err
	}
	config.Kind = storeEventStoreDB // the target, whatever JAMINAN_EVENTSTORE says
	if config.EventStoreDBURL == "" {
		return errors.New("--to eventstoredb needs EVENTSTOREDB_URL: set it to the EventStoreDB connection string, for example esdb://localhost:2113?tls=false (make up-esdb starts one)")
	}
	config.setDefaults()
	if err := config.Validate(); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(errOut, &slog.HandlerOptions{Level: slog.LevelWarn}))
	pool, err := postgres.Connect(ctx, postgres.Config{URL: databaseURL()})
	if err != nil {
		return err
	}
	defer pool.Close()
	if _, err := migrateSchema(ctx, pool, errOut); err != nil {
		return err
	}
	source, err := pgstore.New(pool, pgstore.Config{})
	if err != nil {
		return err
	}
	target, err := openEventStoreDB(ctx, config, pool, logger)
	if err != nil {
		return err
	}
	defer closeStore(target, logger)
	report, err := copyLog(ctx, source, target, options, out, errOut)
	if err != nil || options.dryRun {
		return err
	}
	return verifyCopy(ctx, source, target, report.SourceHead, options.quiet, out, errOut)
}

// progressTo is a progress callback drawing a bar on errOut (none when quiet).
func progressTo(errOut io.Writer, description string, quiet bool) (progress func(done, head int64), finish func()) {
	var bar *progressbar.ProgressBar
	progress = func(done, head int64) {
		if quiet {
			return
		}
		if bar == nil {
			bar = progressbar.NewOptions64(head, progressbar.OptionSetDescription(description), progressbar.OptionShowCount(),
				progressbar.OptionShowIts(), progressbar.OptionSetItsString("events"), progressbar.OptionSetWriter(errOut),
				progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionSetPredictTime(true))
		}
		_ = bar.Set64(done)
	}
	finish = func() {
		if bar != nil {
			_ = bar.Finish()
			fmt.Fprintln(errOut)
		}
	}
	return progress, finish
}

func copyLog(ctx context.Context, source *pgstore.Store, target migrate.Target, options migrateLogOptions, out, errOut io.Writer) (migrate.Report, error) {
	progress, finish := progressTo(errOut, "copy", options.quiet)
	started := time.Now()
	report, err := migrate.Copy(ctx, migrate.Config{Source: source, Target: target, BatchSize: options.batch, DryRun: options.dryRun, Progress: progress})
	finish()
	if err != nil {
		return report, err
	}
	elapsed := time.Since(started)
	if report.DryRun {
		if report.Copied == 0 {
			fmt.Fprintf(out, "dry run: nothing to copy: the target holds all %d events of the log\n", report.SourceHead)
			return report, nil
		}
		fmt.Fprintf(out, "dry run: %d events (positions %d to %d) would be copied in %d appends; the target holds %d; nothing written\n",
			report.Copied, report.Resumed+1, report.SourceHead, report.Imports, report.Resumed)
		return report, nil
	}
	if report.Copied == 0 && report.Duplicates == 0 {
		fmt.Fprintf(out, "nothing to copy: the target holds all %d events of the log\n", report.SourceHead)
		return report, nil
	}
	fmt.Fprintf(out, "copied %d events (positions %d to %d) in %s (%s events/s); %d were in the target before this run, %d re-sent and found stored\n",
		report.Copied, report.Resumed+1, report.SourceHead, elapsed.Round(time.Millisecond), eventsPerSecond(report.Copied, elapsed), report.Resumed, report.Duplicates)
	return report, nil
}

func verifyCopy(ctx context.Context, source *pgstore.Store, target migrate.Target, head int64, quiet bool, out, errOut io.Writer) error {
	progress, finish := progressTo(errOut, "verify", quiet)
	verification, err := migrate.Verify(ctx, source, target, head, progress)
	finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "verified: %d events in %d streams on %s, every hash chain intact, the global hash at position %d equals PostgreSQL's\n",
		verification.Events, verification.Streams, storeEventStoreDB, verification.Head)
	fmt.Fprintln(out, "next: stop every writer, run migrate-log once more, then run jaminan with JAMINAN_EVENTSTORE=eventstoredb")
	return nil
}
