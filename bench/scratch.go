package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tanahbumbu/jaminan/adapters/postgres"
)

const (
	// scratchPrefix names every database the benchmark creates.
	scratchPrefix = "jaminan_bench"
	// maintenanceDatabase is where scratch databases are created from.
	maintenanceDatabase = "postgres"
	// dropTimeout bounds dropping a scratch database, even after ctx ended.
	dropTimeout = time.Minute
	// appendPoolSize serves the most clients of the append measurements, plus slack.
	appendPoolSize = 72
	// logPoolSize serves the log builders and the runner.
	logPoolSize = 24
	// rebuildProgressEvery is how often a rebuild reports its checkpoints.
	rebuildProgressEvery = 15 * time.Second
)

// scratch is one throwaway database with the application wired on it.
type scratch struct {
	System
	name      string
	serverURL string
	pool      *pgxpool.Pool
	// say reports progress during long measurements; nil means silence.
	say func(string, ...any)
	// stopAnalyzer ends the ANALYZE loop, when one runs.
	stopAnalyzer func()
	// wire built System; nil when the scratch was made by hand (tests).
	wire Wire
}

// openScratch creates, migrates and wires a database named jaminan_bench_<random>.
func openScratch(ctx context.Context, config Config, maxConns int32) (*scratch, error) {
	suffix := make([]byte, 6)
	if _, err := rand.Read(suffix); err != nil {
		return nil, fmt.Errorf("name scratch database: %w", err)
	}
	db := &scratch{name: scratchPrefix + "_" + hex.EncodeToString(suffix), serverURL: config.ServerURL}
	err := withAdmin(ctx, config.ServerURL, func(admin *pgx.Conn) error {
		_, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{db.name}.Sanitize())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create scratch database %s: %w", db.name, err)
	}
	if err := db.open(ctx, config, maxConns); err != nil {
		return nil, errors.Join(err, db.drop(ctx))
	}
	return db, nil
}

func (db *scratch) open(ctx context.Context, config Config, maxConns int32) error {
	pool, err := postgres.Connect(ctx, postgres.Config{URL: withDatabase(config.ServerURL, db.name), MaxConns: maxConns})
	if err != nil {
		return err
	}
	db.pool = pool
	db.wire = config.Wire
	if _, err := postgres.Migrate(ctx, pool); err != nil {
		return err
	}
	if db.System, err = config.Wire(pool); err != nil {
		return fmt.Errorf("wire the application: %w", err)
	}
	db.stopAnalyzer = db.analyze(ctx, config.analyzeEvery)
	return nil
}

// analyze runs ANALYZE on the database every interval until the returned stop
// is called; with interval zero (autovacuum is on) it does nothing. It stands
// in for autovacuum's analyze on a server that runs without: otherwise no
// statistics ever change, so plans that pooled connections cached while the
// tables were nearly empty are never replanned as they grow.
func (db *scratch) analyze(ctx context.Context, interval time.Duration) (stop func()) {
	if interval <= 0 {
		return func() {}
	}
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		for {
			select {
			case <-done:
				return
			case <-ticker.C:
			}
			if _, err := db.pool.Exec(ctx, `ANALYZE`); err != nil && db.say != nil && ctx.Err() == nil {
				db.say("ANALYZE %s: %v", db.name, err)
			}
		}
	}()
	return func() { close(done); <-stopped }
}

// builderPoolSize serves the log builder's workers.
const builderPoolSize = buildWorkers + 4

// builder is the application on a pool of its own whose sessions commit
// without waiting for the WAL flush (synchronous_commit = off), for building
// the synthetic logs: setup, not a measurement, and a scratch database has
// nothing to lose in a crash. Every figure is measured on db's own pool,
// which commits as the server is configured. Without a Wire (a scratch made
// by a test) it is db itself.
func (db *scratch) builder(ctx context.Context) (builder *scratch, release func(), err error) {
	if db.wire == nil {
		return db, func() {}, nil
	}
	pool, err := postgres.Connect(ctx, postgres.Config{URL: withRuntimeParam(withDatabase(db.serverURL, db.name), "synchronous_commit", "off"),
		MaxConns: builderPoolSize})
	if err != nil {
		return nil, nil, fmt.Errorf("open the builder's pool: %w", err)
	}
	system, err := db.wire(pool)
	if err != nil {
		pool.Close()
		return nil, nil, fmt.Errorf("wire the builder: %w", err)
	}
	return &scratch{System: system, name: db.name, serverURL: db.serverURL, pool: pool, say: db.say}, pool.Close, nil
}

// withRuntimeParam adds a session setting to a URL or keyword/value connection string.
func withRuntimeParam(connString, name, value string) string {
	parsed, err := url.Parse(connString)
	if err != nil || parsed.Scheme == "" {
		return connString + " " + name + "=" + value
	}
	query := parsed.Query()
	query.Set(name, value)
	parsed.RawQuery = query.Encode()
	return parsed.String()
}

// drop closes the pool and removes the database, even when ctx has ended.
func (db *scratch) drop(ctx context.Context) error {
	if db.stopAnalyzer != nil {
		db.stopAnalyzer()
	}
	if db.pool != nil {
		db.pool.Close()
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), dropTimeout)
	defer cancel()
	err := withAdmin(ctx, db.serverURL, func(admin *pgx.Conn) error {
		_, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{db.name}.Sanitize()+" WITH (FORCE)")
		return err
	})
	if err != nil {
		return fmt.Errorf("drop scratch database %s: %w", db.name, err)
	}
	return nil
}

// watch reports the projections' checkpoints every rebuildProgressEvery
// until the returned stop is called.
func (db *scratch) watch(ctx context.Context, what string) (stop func()) {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		ticker := time.NewTicker(rebuildProgressEvery)
		defer ticker.Stop()
		for {
			select {
			case <-done:
				return
			case <-ticker.C:
			}
			statuses, err := db.Runner.Status(ctx)
			if err != nil || db.say == nil {
				continue
			}
			parts := make([]string, 0, len(statuses))
			for _, status := range statuses {
				parts = append(parts, fmt.Sprintf("%s@%d", status.Name, status.Position))
			}
			db.say("%s: %s of %d", what, strings.Join(parts, " "), statuses[0].Head)
		}
	}()
	return func() { close(done); <-stopped }
}

// withAdmin runs fn on a connection to the server's maintenance database.
func withAdmin(ctx context.Context, serverURL string, fn func(admin *pgx.Conn) error) error {
	admin, err := pgx.Connect(ctx, withDatabase(serverURL, maintenanceDatabase))
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer admin.Close(context.WithoutCancel(ctx))
	return fn(admin)
}

// withDatabase swaps the database of a URL or of a keyword/value connection string.
func withDatabase(serverURL, name string) string {
	parsed, err := url.Parse(serverURL)
	if err != nil || parsed.Scheme == "" {
		return serverURL + " dbname=" + name
	}
	parsed.Path = "/" + name
	return parsed.String()
}
