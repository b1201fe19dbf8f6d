package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/cobra"

	"github.com/tanahbumbu/jaminan/adapters/directory"
	"github.com/tanahbumbu/jaminan/adapters/ledgeritems"
	"github.com/tanahbumbu/jaminan/adapters/postgres"
	"github.com/tanahbumbu/jaminan/adapters/snapshot"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/reference"
	"github.com/tanahbumbu/jaminan/domain/rules"
	"github.com/tanahbumbu/jaminan/projections"
)

const defaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/jaminan?sslmode=disable"

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "jaminan",
		Short: "Event-sourced claims and benefits ledger for JKK, JKM, JHT and scholarships",
		Long: `jaminan keeps every fact of a regency's employment social-security programmes
(JKK work accident, JKM death, JHT old-age savings, children's scholarships) as an
immutable event in PostgreSQL, and derives read models and dashboards from the log.

Every subcommand reads DATABASE_URL (default ` + defaultDatabaseURL + `).
Other settings, all from the environment:
  JAMINAN_NIK_KEY           HMAC key of the NIK directory (set a secret one in production)
  JAMINAN_BUNDLE_KEY        64 hex digits: the Ed25519 seed that signs audit bundles
  JAMINAN_AUTH=off          serve the API without tokens (laptop demos only)
  JAMINAN_EVENTSTORE        postgres (default) or eventstoredb, with EVENTSTOREDB_URL
  JAMINAN_NATS_URL          publish the log to NATS JetStream and run the process managers there
  JAMINAN_PROCESSES         inprocess or off: the process managers without NATS
  JAMINAN_RULEBOOK          an operator's rule-book file instead of the built-in one
  JAMINAN_PROJECTION_BATCH  events per projection transaction
  JAMINAN_SNAPSHOT_EVERY    events a payer's stream gains between snapshots (default 50, docs/loading.md)
docs/api.md, docs/commands.md and docs/scaling.md say more.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.AddCommand(newMigrateCommand(), newServeCommand(), newApplyCommand(), newDemoCommand(),
		newHistoryCommand(), newVerifyCommand(), newStatusCommand(), newExplainCommand(), newImportCommand(), newRebuildCommand(), newBenchCommand())
	root.AddCommand(newReconcileCommand(), newExportCommand())
	root.AddCommand(newTokenCommand(), newBundleCommand())
	root.AddCommand(newMigrateLogCommand())
	return root
}

func databaseURL() string {
	if url := os.Getenv("DATABASE_URL"); url != "" {
		return url
	}
	return defaultDatabaseURL
}

// system is everything a subcommand may need, wired once.
type system struct {
	pool        *pgxpool.Pool
	store       logStore
	application *app.Application
	runner      *projections.Runner
	logger      *slog.Logger
}

func (s *system) Close() { closeStore(s.store, s.logger); s.pool.Close() }

// open connects, migrates and wires the application and the projections.
func open(ctx context.Context) (*system, error) {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := postgres.EnsureDatabase(ctx, databaseURL()); err != nil {
		return nil, err
	}
	pool, err := postgres.Connect(ctx, postgres.Config{URL: databaseURL()})
	if err != nil {
		return nil, err
	}
	if _, err := migrateSchema(ctx, pool, os.Stderr); err != nil {
		pool.Close()
		return nil, err
	}
	built, err := wire(pool, logger, time.Now)
	if err != nil {
		pool.Close()
		return nil, err
	}
	return built, nil
}

// wire builds the system; now is the clock the command path passes to the domain.
func wire(pool *pgxpool.Pool, logger *slog.Logger, now func() time.Time) (*system, error) {
	// No ctx here: openStore bounds its own start (EVENTSTOREDB_START_TIMEOUT).
	store, err := openStore(context.Background(), pool, logger)
	if err != nil {
		return nil, err
	}
	key := os.Getenv("JAMINAN_NIK_KEY")
	if key == "" {
		key = directory.DevelopmentKey
	}
	nikDirectory, err := directory.NewPostgres(pool, key)
	if err != nil {
		return nil, err
	}
	places, err := reference.Load()
	if err != nil {
		return nil, err
	}
	library, err := loadRuleBook()
	if err != nil {
		return nil, err
	}
	// The ledger a reconciliation matches against reads the read models, which
	// the runner (built next, from the application) brings up to the log head.
	var runner *projections.Runner
	ledger := ledgeritems.New(pool, func(ctx context.Context) (int64, error) { return runner.CatchUp(ctx) })
	snapshots, err := snapshot.NewPostgres(pool)
	if err != nil {
		return nil, err
	}
	every, err := snapshotEvery()
	if err != nil {
		return nil, err
	}
	application, err := app.New(app.Config{Store: store, Directory: nikDirectory, Library: library, Places: places, Now: now, Ledger: ledger,
		Snapshots: snapshots, Snapshot: snapshot.Config{Every: every}, Logger: logger})
	if err != nil {
		return nil, err
	}
	runner, err = projections.NewRunner(projections.Config{Pool: pool, Store: store, Decode: application.DecodeTransient,
		Projections: projections.All(), Logger: logger, BatchSize: projectionBatchSize()})
	if err != nil {
		return nil, err
	}
	return &system{pool: pool, store: store, application: application, runner: runner, logger: logger}, nil
}

// loadRuleBook reads JAMINAN_RULEBOOK when set (an operator's own rule-book
// data), else the rule book built into the binary.
func loadRuleBook() (*rules.Library, error) {
	path := os.Getenv("JAMINAN_RULEBOOK")
	if path == "" {
		return rules.Default(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read rule book %s: %w", path, err)
	}
	library, err := rules.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("rule book %s: %w", path, err)
	}
	return library, nil
}

func newMigrateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply the embedded database migrations",
		Long:  "Creates or upgrades the schema in DATABASE_URL. Safe to run again; concurrent runs wait for each other.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := postgres.EnsureDatabase(cmd.Context(), databaseURL()); err != nil {
				return err
			}
			pool, err := postgres.Connect(cmd.Context(), postgres.Config{URL: databaseURL()})
			if err != nil {
				return err
			}
			defer pool.Close()
			version, err := migrateSchema(cmd.Context(), pool, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "schema at version %d\n", version)
			return nil
		},
	}
}

// migrateSchema applies the pending migrations and writes to notes what an
// operator must do that a migration could not (projections.UpgradeNotices).
// Every command that migrates goes through it, so whichever runs first after
// an upgrade says it.
func migrateSchema(ctx context.Context, pool *pgxpool.Pool, notes io.Writer) (int32, error) {
	from, err := postgres.SchemaVersion(ctx, pool)
	if err != nil {
		return 0, err
	}
	to, err := postgres.Migrate(ctx, pool)
	if err != nil {
		return 0, err
	}
	notices, err := projections.UpgradeNotices(ctx, pool, from, to)
	if err != nil {
		return to, err
	}
	for _, notice := range notices {
		fmt.Fprintf(notes, "note: %s\n", notice)
	}
	return to, nil
}

// projectionBatchSize reads JAMINAN_PROJECTION_BATCH (events per projection
// transaction); zero or unset means the runner's default.
// snapshotEvery reads JAMINAN_SNAPSHOT_EVERY, how many events a stream
// gains between snapshots (unset: snapshot.DefaultEvery).
func snapshotEvery() (int64, error) {
	text := strings.TrimSpace(os.Getenv("JAMINAN_SNAPSHOT_EVERY"))
	if text == "" {
		return 0, nil
	}
	every, err := strconv.ParseInt(text, 10, 64)
	if err != nil || every < 1 {
		return 0, fmt.Errorf("JAMINAN_SNAPSHOT_EVERY=%q: want a whole number of events, at least 1 (default %d)", text, snapshot.DefaultEvery)
	}
	return every, nil
}

func projectionBatchSize() int {
	size, err := strconv.Atoi(os.Getenv("JAMINAN_PROJECTION_BATCH"))
	if err != nil || size < 1 {
		return 0
	}
	return size
}
