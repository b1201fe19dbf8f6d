package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoredb"
	pgstore "github.com/tanahbumbu/jaminan/adapters/eventstore/postgres"
)

// The stores JAMINAN_EVENTSTORE names.
const (
	storePostgres     = "postgres"
	storeEventStoreDB = "eventstoredb"
)

const (
	// defaultStoreStartTimeout bounds connecting to EventStoreDB and its first
	// count of $all, which reads the whole log once (docs/scaling.md).
	defaultStoreStartTimeout = 5 * time.Minute
	// maxStoreStartTimeout bounds EVENTSTOREDB_START_TIMEOUT.
	maxStoreStartTimeout = 24 * time.Hour
)

// logStore is what the commands need of the log, whichever store holds it:
// the port, and the store's own Verify (the PostgreSQL store's checks its
// stored metadata and log head as well; the others walk the port).
type logStore interface {
	eventstore.Store
	Verify(ctx context.Context, progress func(checked, head int64)) (eventstore.Report, error)
}

var (
	_ logStore = (*pgstore.Store)(nil)
	_ logStore = (*eventstoredb.Store)(nil)
)

// storeConfig selects the log. Read models, checkpoints and the NIK
// directory stay in PostgreSQL (DATABASE_URL) whichever store holds the log.
type storeConfig struct {
	// Kind is JAMINAN_EVENTSTORE: postgres (the default) or eventstoredb.
	Kind string
	// EventStoreDBURL is EVENTSTOREDB_URL, the connection string; required for eventstoredb.
	EventStoreDBURL string
	// StartTimeout bounds connecting to EventStoreDB and its first count of
	// $all (EVENTSTOREDB_START_TIMEOUT, a Go duration); zero means 5m.
	StartTimeout time.Duration
}

// storeConfigFromEnv reads JAMINAN_EVENTSTORE, EVENTSTOREDB_URL and EVENTSTOREDB_START_TIMEOUT.
func storeConfigFromEnv() (storeConfig, error) {
	config := storeConfig{
		Kind:            strings.ToLower(strings.TrimSpace(os.Getenv("JAMINAN_EVENTSTORE"))),
		EventStoreDBURL: strings.TrimSpace(os.Getenv("EVENTSTOREDB_URL")),
	}
	if text := strings.TrimSpace(os.Getenv("EVENTSTOREDB_START_TIMEOUT")); text != "" {
		timeout, err := time.ParseDuration(text)
		if err != nil {
			return storeConfig{}, fmt.Errorf("EVENTSTOREDB_START_TIMEOUT=%q is not a duration such as 30s or 5m", text)
		}
		config.StartTimeout = timeout
	}
	return config, nil
}

func (c *storeConfig) setDefaults() {
	if c.Kind == "" {
		c.Kind = storePostgres
	}
	if c.StartTimeout == 0 {
		c.StartTimeout = defaultStoreStartTimeout
	}
}

// Validate reports every impossible setting at once, each naming its variable.
func (c storeConfig) Validate() error {
	var errs []error
	switch c.Kind {
	case storePostgres, storeEventStoreDB:
	default:
		errs = append(errs, fmt.Errorf("JAMINAN_EVENTSTORE=%q is not an event store jaminan knows: set it to %s (the default) or %s",
			c.Kind, storePostgres, storeEventStoreDB))
	}
	if c.Kind == storeEventStoreDB && c.EventStoreDBURL == "" {
		errs = append(errs, errors.New("JAMINAN_EVENTSTORE=eventstoredb needs EVENTSTOREDB_URL: set it to the EventStoreDB connection string, "+
			"for example esdb://localhost:2113?tls=false (make up-esdb starts one)"))
	}
	if c.StartTimeout < 0 || c.StartTimeout > maxStoreStartTimeout {
		errs = append(errs, fmt.Errorf("EVENTSTOREDB_START_TIMEOUT=%s must be positive and at most %s", c.StartTimeout, maxStoreStartTimeout))
	}
	return errors.Join(errs...)
}

// openStore opens the log the environment selects (JAMINAN_EVENTSTORE,
// EVENTSTOREDB_URL); pool is the PostgreSQL of the read models, and of the
// log when it is the PostgreSQL store.
func openStore(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger) (logStore, error) {
	config, err := storeConfigFromEnv()
	if err != nil {
		return nil, err
	}
	return openStoreWith(ctx, config, pool, logger)
}

// openStoreWith opens the log config selects.
func openStoreWith(ctx context.Context, config storeConfig, pool *pgxpool.Pool, logger *slog.Logger) (logStore, error) {
	config.setDefaults()
	if err := config.Validate(); err != nil {
		return nil, err
	}
	if config.Kind == storeEventStoreDB {
		return openEventStoreDB(ctx, config, logger)
	}
	store, err := pgstore.New(pool, pgstore.Config{})
	if err != nil {
		return nil, fmt.Errorf("event store postgres: %w", err)
	}
	return store, nil
}

// openEventStoreDB connects and counts $all once, within StartTimeout, so a
// wrong URL or a server that does not answer fails here, plainly, instead of
// at the first command.
func openEventStoreDB(ctx context.Context, config storeConfig, logger *slog.Logger) (*eventstoredb.Store, error) {
	esdbConfig := eventstoredb.Config{URL: config.EventStoreDBURL, StreamPrefixes: eventstoredb.DefaultStreamPrefixes(), Logger: logger}
	// The URL is never echoed: it may hold a password.
	if err := esdbConfig.Validate(); err != nil {
		return nil, fmt.Errorf("EVENTSTOREDB_URL: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, config.StartTimeout)
	defer cancel()
	store, err := eventstoredb.New(ctx, esdbConfig)
	if err == nil {
		return store, nil
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return nil, fmt.Errorf("event store eventstoredb: no answer from the server at EVENTSTOREDB_URL within %s "+
			"(is it running and reachable? make up-esdb starts one; EVENTSTOREDB_START_TIMEOUT raises the limit for a long log): %w", config.StartTimeout, err)
	}
	return nil, fmt.Errorf("event store eventstoredb: cannot use the server at EVENTSTOREDB_URL (is it running and reachable? make up-esdb starts one): %w", err)
}

// closeStore closes the log's own connection, where it has one (EventStoreDB;
// the PostgreSQL store shares the pool, closed by its owner).
func closeStore(store eventstore.Store, logger *slog.Logger) {
	closer, ok := store.(io.Closer)
	if !ok {
		return
	}
	if err := closer.Close(); err != nil && logger != nil {
		logger.Warn("event store: close", "error", err)
	}
}

// postgresStore is the log as the PostgreSQL store, for what measures or
// reads that store itself (bench, migrate-log's source).
func postgresStore(store eventstore.Store) (*pgstore.Store, error) {
	postgres, ok := store.(*pgstore.Store)
	if !ok {
		return nil, fmt.Errorf("this command works on the PostgreSQL store, and JAMINAN_EVENTSTORE selects %T: unset JAMINAN_EVENTSTORE or set it to %s", store, storePostgres)
	}
	return postgres, nil
}
