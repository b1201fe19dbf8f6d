// Package pgtest gives each test package its own throwaway PostgreSQL
// database, migrated, and drops it when the package's tests end.
//
// The server comes from JAMINAN_TEST_DATABASE_URL, else DATABASE_URL, else
// postgres://postgres@127.0.0.1:5432/postgres. Tests never mock the database.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tanahbumbu/jaminan/adapters/postgres"
)

const setupTimeout = 60 * time.Second

// ServerURL is the maintenance URL of the test server.
func ServerURL() string {
	for _, name := range []string{"JAMINAN_TEST_DATABASE_URL", "DATABASE_URL"} {
		if value := os.Getenv(name); value != "" {
			return value
		}
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// Database is one throwaway database.
type Database struct {
	Name string
	URL  string
	Pool *pgxpool.Pool
}

// New creates a fresh database named jaminan_test_<random>, applies the
// migrations, and registers its removal with t.Cleanup.
func New(t testing.TB) *Database {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	database, err := Create(ctx, "jaminan_test")
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		cleanupContext, cancelCleanup := context.WithTimeout(context.Background(), setupTimeout)
		defer cancelCleanup()
		if err := database.Drop(cleanupContext); err != nil {
			t.Logf("pgtest: drop %s: %v", database.Name, err)
		}
	})
	return database
}

// Create makes a migrated database with a random name under prefix.
func Create(ctx context.Context, prefix string) (*Database, error) {
	name, err := randomName(prefix)
	if err != nil {
		return nil, err
	}
	admin, err := pgx.Connect(ctx, ServerURL())
	if err != nil {
		return nil, fmt.Errorf("connect to test server %s (start PostgreSQL, or set JAMINAN_TEST_DATABASE_URL): %w", ServerURL(), err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return nil, fmt.Errorf("create database %s: %w", name, err)
	}
	databaseURL, err := withDatabase(ServerURL(), name)
	if err != nil {
		return nil, err
	}
	pool, err := postgres.Connect(ctx, postgres.Config{URL: databaseURL, MaxConns: 24})
	if err != nil {
		return nil, err
	}
	if _, err := postgres.Migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return &Database{Name: name, URL: databaseURL, Pool: pool}, nil
}

// Drop closes the pool and removes the database.
func (d *Database) Drop(ctx context.Context) error {
	if d.Pool != nil {
		d.Pool.Close()
	}
	admin, err := pgx.Connect(ctx, ServerURL())
	if err != nil {
		return err
	}
	defer admin.Close(ctx)
	_, err = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{d.Name}.Sanitize()+" WITH (FORCE)")
	return err
}

func randomName(prefix string) (string, error) {
	buffer := make([]byte, 6)
	if _, err := rand.Read(buffer); err != nil {
		return "", err
	}
	return prefix + "_" + hex.EncodeToString(buffer), nil
}

// withDatabase swaps the database in a URL or keyword/value connection string.
func withDatabase(serverURL, name string) (string, error) {
	parsed, err := url.Parse(serverURL)
	if err != nil || parsed.Scheme == "" {
		return serverURL + " dbname=" + name, nil
	}
	parsed.Path = "/" + name
	return parsed.String(), nil
}

// NewEmpty creates a fresh database without migrations (a restore target),
// dropped at cleanup; its Pool is nil until Open.
func NewEmpty(t testing.TB) *Database {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	name, err := randomName("jaminan_test")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.Connect(ctx, ServerURL())
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create %s: %v", name, err)
	}
	databaseURL, err := withDatabase(ServerURL(), name)
	if err != nil {
		t.Fatal(err)
	}
	database := &Database{Name: name, URL: databaseURL}
	t.Cleanup(func() {
		cleanupContext, cancelCleanup := context.WithTimeout(context.Background(), setupTimeout)
		defer cancelCleanup()
		if err := database.Drop(cleanupContext); err != nil {
			t.Logf("pgtest: drop %s: %v", name, err)
		}
	})
	return database
}
