package eventstoredb

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/jackc/pgx/v5/pgxpool"
)

const (
	// maxStreamPrefixes bounds Config.StreamPrefixes: each is checked against
	// every event the store scans.
	maxStreamPrefixes = 32
	// maxNamespaceLength bounds Config.Namespace.
	maxNamespaceLength = 100
	// DefaultMaxAppendSize is EventStoreDB's default MaxAppendSize: 1 MiB.
	DefaultMaxAppendSize = 1 << 20
	// maxMaxAppendSize bounds Config.MaxAppendSize: the client takes
	// messages up to 17 MiB.
	maxMaxAppendSize = 16 << 20
)

// DefaultStreamPrefixes are the streams jaminan writes (app/app.go names them).
func DefaultStreamPrefixes() []string {
	return []string{"participant-", "payer-", "bill-", "claim-", "statement-"}
}

// Config tunes a Store.
type Config struct {
	// URL is the EventStoreDB connection string (EVENTSTOREDB_URL), for
	// example esdb://localhost:2113?tls=false for one insecure node, or
	// esdb://admin:changeit@node1:2113,node2:2113,node3:2113 for a cluster.
	// Its user must be allowed to read $all: positions are counted there.
	URL string
	// Namespace goes in front of every stream id in EventStoreDB, and only
	// streams under it belong to this store. Leave it empty in production;
	// the tests give each store a random one, so runs on one server never
	// see each other's events.
	Namespace string
	// StreamPrefixes are the stream ids (after Namespace) that make up the
	// log. Append refuses any other stream, so every stored event is counted
	// by ReadAll, Head and Subscribe, which see only these. Nil means
	// DefaultStreamPrefixes. A single "" takes every stream under Namespace
	// (Namespace must then be set).
	StreamPrefixes []string
	// Pool is the PostgreSQL of the read models (DATABASE_URL). The store
	// keeps its count of $all there (migration 010, index.go), so a process
	// starts from where the last one stopped instead of reading all of $all.
	Pool *pgxpool.Pool
	// MaxAppendSize is the server's MaxAppendSize setting, in bytes as the
	// server counts them (data, metadata, twice the type); zero means
	// DefaultMaxAppendSize. A larger Append or Import is refused before it
	// is sent, with ErrAppendTooLarge naming the stream and the size.
	MaxAppendSize int
	// Logger receives the client library's own log lines; nil means slog.Default().
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.StreamPrefixes == nil {
		c.StreamPrefixes = DefaultStreamPrefixes()
	}
	if c.MaxAppendSize == 0 {
		c.MaxAppendSize = DefaultMaxAppendSize
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Validate reports every impossible field at once.
func (c Config) Validate() error {
	var errs []error
	if c.URL == "" {
		errs = append(errs, errors.New("eventstoredb: URL is required (EVENTSTOREDB_URL, for example esdb://localhost:2113?tls=false)"))
	} else if _, err := parseURL(c.URL); err != nil {
		errs = append(errs, err)
	}
	if len(c.Namespace) > maxNamespaceLength || !utf8.ValidString(c.Namespace) || strings.ContainsRune(c.Namespace, 0) {
		errs = append(errs, fmt.Errorf("eventstoredb: Namespace must be UTF-8 text of at most %d bytes without NUL", maxNamespaceLength))
	}
	if c.Pool == nil {
		errs = append(errs, errors.New("eventstoredb: Pool is required: the store keeps its count of $all in PostgreSQL (DATABASE_URL)"))
	}
	if c.MaxAppendSize < 0 || c.MaxAppendSize > maxMaxAppendSize {
		errs = append(errs, fmt.Errorf("eventstoredb: MaxAppendSize must be 1 to %d bytes (0: the default), got %d", maxMaxAppendSize, c.MaxAppendSize))
	}
	if len(c.StreamPrefixes) == 0 || len(c.StreamPrefixes) > maxStreamPrefixes {
		errs = append(errs, fmt.Errorf("eventstoredb: StreamPrefixes takes 1 to %d prefixes, got %d", maxStreamPrefixes, len(c.StreamPrefixes)))
	}
	seen := make(map[string]bool, len(c.StreamPrefixes))
	for i, prefix := range c.StreamPrefixes {
		full := c.Namespace + prefix
		switch {
		case full == "":
			errs = append(errs, fmt.Errorf("eventstoredb: stream prefix %d is empty and there is no Namespace: the log would take in every stream of the server", i))
		case strings.HasPrefix(full, "$"):
			// EventStoreDB keeps "$" streams for itself ($stats, $settings, metadata streams).
			errs = append(errs, fmt.Errorf("eventstoredb: stream prefix %q (with the namespace) starts with $, which EventStoreDB reserves for system streams", full))
		case seen[prefix]:
			errs = append(errs, fmt.Errorf("eventstoredb: stream prefix %q is listed twice", prefix))
		}
		seen[prefix] = true
	}
	return errors.Join(errs...)
}

// parseURL parses a connection string without echoing it: it may hold a password.
func parseURL(connection string) (*esdb.Configuration, error) {
	settings, err := esdb.ParseConnectionString(connection)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err // url.Error repeats the whole string, credentials included
		}
		return nil, fmt.Errorf("eventstoredb: URL is not an EventStoreDB connection string (esdb://… or esdb+discover://…): %w", err)
	}
	return settings, nil
}

// slogLogging routes the client library's log lines to logger. Its info
// lines ("discovery attempt 1/10" at every connection) go to debug: every
// command connects, and would print them.
func slogLogging(logger *slog.Logger) esdb.LoggingFunc {
	return func(level esdb.LogLevel, format string, args ...any) {
		message := fmt.Sprintf(format, args...)
		switch level {
		case esdb.LogError:
			logger.Error("eventstoredb client: " + message)
		case esdb.LogWarn:
			logger.Warn("eventstoredb client: " + message)
		default:
			logger.Debug("eventstoredb client: " + message)
		}
	}
}
