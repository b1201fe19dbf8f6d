// Package postgres connects to PostgreSQL and applies the embedded migrations.
// Every pool it opens has the shopspring decimal type registered, so NUMERIC
// columns travel as decimal.Decimal, never as float.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	pgxdecimal "github.com/jackc/pgx-shopspring-decimal"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"

	"github.com/tanahbumbu/jaminan/migrations"
)

// migrationLockID is the advisory lock that serialises concurrent migrators
// (serve started twice, tests in parallel against one database).
const migrationLockID = 7_061_999_001

// Config says where PostgreSQL is and how large the pool may grow.
type Config struct {
	// URL is a libpq connection string or URL (DATABASE_URL).
	URL string
	// MaxConns bounds the pool; zero means 16.
	MaxConns int32
}

func (c *Config) setDefaults() {
	if c.MaxConns == 0 {
		c.MaxConns = 16
	}
}

// Validate reports every missing or impossible field at once.
func (c Config) Validate() error {
	var errs []error
	if c.URL == "" {
		errs = append(errs, errors.New("database URL is empty: set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/jaminan"))
	}
	if c.MaxConns < 0 {
		errs = append(errs, fmt.Errorf("max connections %d is negative", c.MaxConns))
	}
	return errors.Join(errs...)
}

// Connect opens a pool with the decimal type registered on every connection
// and checks that the server answers.
func Connect(ctx context.Context, config Config) (*pgxpool.Pool, error) {
	config.setDefaults()
	if err := config.Validate(); err != nil {
		return nil, err
	}
	poolConfig, err := pgxpool.ParseConfig(config.URL)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	poolConfig.MaxConns = config.MaxConns
	poolConfig.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
		pgxdecimal.Register(conn.TypeMap())
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, poolConfig)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("reach PostgreSQL at %s (is it running? see README): %w", redact(poolConfig.ConnConfig), err)
	}
	return pool, nil
}

func redact(config *pgx.ConnConfig) string {
	return fmt.Sprintf("%s:%d/%s", config.Host, config.Port, config.Database)
}

// Migrate applies every pending migration under an advisory lock and returns
// the schema version reached.
func Migrate(ctx context.Context, pool *pgxpool.Pool) (int32, error) {
	return migrateTo(ctx, pool, latestVersion)
}

// SchemaVersion is the version the schema is at: 0 before the first migration.
func SchemaVersion(ctx context.Context, pool *pgxpool.Pool) (int32, error) {
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT to_regclass('public.schema_version') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, fmt.Errorf("look for the schema version table: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var version int32
	if err := pool.QueryRow(ctx, `SELECT version FROM public.schema_version`).Scan(&version); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return version, nil
}

// MigrateTo moves the schema to version (up or down) under the same lock;
// tests use it to write a log the way an earlier version did.
func MigrateTo(ctx context.Context, pool *pgxpool.Pool, version int32) (int32, error) {
	if version < 0 {
		return 0, fmt.Errorf("migrate to version %d: versions start at 0", version)
	}
	return migrateTo(ctx, pool, version)
}

// latestVersion asks migrateTo for the last migration there is.
const latestVersion = -1

func migrateTo(ctx context.Context, pool *pgxpool.Pool, version int32) (int32, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return 0, fmt.Errorf("acquire connection for migration: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLockID); err != nil {
		return 0, fmt.Errorf("take migration lock: %w", err)
	}
	defer func() {
		_, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockID)
	}()
	migrator, err := migrate.NewMigrator(ctx, conn.Conn(), "public.schema_version")
	if err != nil {
		return 0, fmt.Errorf("prepare migrator: %w", err)
	}
	files, err := fs.Sub(migrations.Files, ".")
	if err != nil {
		return 0, fmt.Errorf("open embedded migrations: %w", err)
	}
	if err := migrator.LoadMigrations(files); err != nil {
		return 0, fmt.Errorf("load migrations: %w", err)
	}
	if version == latestVersion {
		err = migrator.Migrate(ctx)
	} else {
		err = migrator.MigrateTo(ctx, version)
	}
	if err != nil {
		return 0, fmt.Errorf("apply migrations: %w", err)
	}
	current, err := migrator.GetCurrentVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return current, nil
}

// EnsureDatabase creates the database named in url when it does not exist,
// connecting to the server's "postgres" database to do so.
func EnsureDatabase(ctx context.Context, url string) error {
	config, err := pgx.ParseConfig(url)
	if err != nil {
		return fmt.Errorf("parse database URL: %w", err)
	}
	name := config.Database
	if name == "" || name == "postgres" {
		return nil
	}
	config.Database = "postgres"
	admin, err := pgx.ConnectConfig(ctx, config)
	if err != nil {
		return fmt.Errorf("reach PostgreSQL at %s:%d (is it running? see README): %w", config.Host, config.Port, err)
	}
	defer admin.Close(ctx)
	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("look for database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		var pgError *pgconn.PgError
		if errors.As(err, &pgError) && pgError.Code == "42P04" { // created meanwhile by someone else
			return nil
		}
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}
