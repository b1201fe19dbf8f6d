// Package postgres is the PostgreSQL event store, jaminan's default log
// (schema: migrations/001_event_log.sql and 009_log_written_at_commit.sql;
// how it writes: docs/log.md).
//
// Appends made at the same time in one process are written together, as one
// transaction (group commit, group.go and write.go): while one group
// commits, the next gathers. A group takes the log lock (the log_head row,
// FOR UPDATE), reads the tips of its streams and looks its event ids up,
// decides each request on its own (a conflict or a reused id answers that
// request only), chains the accepted events on their streams and on the
// global order, inserts them with their positions, moves the head on and
// commits: two round trips and one WAL flush for the whole group. When this
// Store is the log's only writer it knows the head and its streams' tips
// already (cache.go), and a group goes in one round trip: one statement that
// moves the head only if it is still where this Store left it, and inserts
// only then. PostgreSQL makes a commit visible before it releases the
// transaction's locks, so the next group, in this process or another,
// continues from a committed head: positions are gap-free and in commit
// order, and a reader following them never skips a late commit.
package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

const (
	// DefaultGroupEvents bounds the events of one group commit unless configured.
	DefaultGroupEvents = 2000
	// DefaultGroupBytes bounds the event data and metadata of one group commit unless configured.
	DefaultGroupBytes = 4 << 20
	// DefaultWriteTimeout bounds one group's transaction unless configured.
	DefaultWriteTimeout = 30 * time.Second
	// maxGroupEvents, maxGroupBytes and maxWriteTimeout bound the configuration.
	maxGroupEvents  = 100_000
	maxGroupBytes   = 256 << 20
	maxWriteTimeout = 10 * time.Minute
	// NotifyChannel is notified with the new head position after every commit.
	NotifyChannel = "jaminan_log"
)

// Config tunes a Store.
type Config struct {
	// GroupEvents bounds the events one group commit writes; a single append
	// larger than that is written alone. Zero means DefaultGroupEvents.
	GroupEvents int
	// GroupBytes bounds the bytes of event data and metadata one group
	// commit writes, the same way. Zero means DefaultGroupBytes.
	GroupBytes int
	// WriteTimeout bounds one group's transaction, from the wait for the
	// log lock to the commit. Zero means DefaultWriteTimeout.
	WriteTimeout time.Duration
}

func (c *Config) setDefaults() {
	if c.GroupEvents == 0 {
		c.GroupEvents = DefaultGroupEvents
	}
	if c.GroupBytes == 0 {
		c.GroupBytes = DefaultGroupBytes
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
}

// Validate reports every impossible field at once.
func (c Config) Validate() error {
	var errs []error
	if c.GroupEvents < 0 || c.GroupEvents > maxGroupEvents {
		errs = append(errs, fmt.Errorf("event store: GroupEvents %d must be between 0 and %d", c.GroupEvents, maxGroupEvents))
	}
	if c.GroupBytes < 0 || c.GroupBytes > maxGroupBytes {
		errs = append(errs, fmt.Errorf("event store: GroupBytes %d must be between 0 and %d", c.GroupBytes, maxGroupBytes))
	}
	if c.WriteTimeout < 0 || c.WriteTimeout > maxWriteTimeout {
		errs = append(errs, fmt.Errorf("event store: WriteTimeout %s must be between 0 and %s", c.WriteTimeout, maxWriteTimeout))
	}
	return errors.Join(errs...)
}

// Store is the PostgreSQL implementation of eventstore.Store. Its methods
// are safe for concurrent use; several Stores, in one process or in many,
// may write to one database.
type Store struct {
	pool   *pgxpool.Pool
	config Config
	queue  queue
	cache  logCache
	// groups and fastGroups count the groups written, and those written the fast way.
	groups, fastGroups atomic.Int64
}

var (
	_ eventstore.Store       = (*Store)(nil)
	_ eventstore.EventFinder = (*Store)(nil)
)

// New builds a Store on a migrated database.
func New(pool *pgxpool.Pool, config Config) (*Store, error) {
	config.setDefaults()
	var errs []error
	if pool == nil {
		errs = append(errs, errors.New("event store: pool is required"))
	}
	errs = append(errs, config.Validate())
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Store{pool: pool, config: config}, nil
}

var readOnlyStable = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly, DeferrableMode: pgx.NotDeferrable}

// Append stores events at the end of streamID if its version matches; the
// result holds them with their positions.
//
// Errors: eventstore.ErrInvalidAppend (nothing stored); a
// *eventstore.ConflictError, matching eventstore.ErrConcurrencyConflict
// (nothing stored); eventstore.ErrEventIDReused (nothing stored); the
// context's error while the append still waited for its group (nothing
// stored); anything else from the database, after which the events may or
// may not be stored and a retry with the same event ids is safe.
func (s *Store) Append(ctx context.Context, streamID string, expected eventstore.ExpectedVersion, events []eventstore.EventData) (eventstore.AppendResult, error) {
	if err := eventstore.ValidateAppend(streamID, expected, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	results, err := s.write(ctx, []eventstore.StreamAppend{{StreamID: streamID, Expected: expected, Events: events}})
	if err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("append to stream %s: %w", streamID, err)
	}
	return results[0], nil
}

// AppendMany stores the events of several streams in one transaction: all
// of them or none. Errors as Append's; a conflict names its stream.
func (s *Store) AppendMany(ctx context.Context, appends []eventstore.StreamAppend) ([]eventstore.AppendResult, error) {
	if err := eventstore.ValidateAppendMany(appends); err != nil {
		return nil, err
	}
	results, err := s.write(ctx, appends)
	if err != nil {
		return nil, fmt.Errorf("append to streams %s: %w", eventstore.StreamsOf(appends), err)
	}
	return results, nil
}

// eventColumns are read by every query that returns events (alias e).
const eventColumns = `e.position, e.stream_id, e.version, e.event_id, e.type, e.schema_version, e.occurred_at, e.recorded_at,
	e.data, e.metadata, e.previous_hash, e.hash, e.global_hash`

// scannedEvent is a row with the metadata as stored, which the record decodes.
type scannedEvent struct {
	record      eventstore.RecordedEvent
	rawMetadata []byte
}

func scanEvent(row pgx.CollectableRow) (scannedEvent, error) {
	var out scannedEvent
	var data []byte // not json.RawMessage: pgx would run that through json.Unmarshal, which trims
	record := &out.record
	if err := row.Scan(&record.Position, &record.StreamID, &record.Version, &record.EventID, &record.Type, &record.SchemaVersion,
		&record.OccurredAt, &record.RecordedAt, &data, &out.rawMetadata, &record.PreviousHash, &record.Hash, &record.GlobalHash); err != nil {
		return scannedEvent{}, err
	}
	if err := json.Unmarshal(out.rawMetadata, &record.Metadata); err != nil {
		return scannedEvent{}, fmt.Errorf("decode metadata of event %s: %w", record.EventID, err)
	}
	record.Data = data
	record.OccurredAt, record.RecordedAt = record.OccurredAt.UTC(), record.RecordedAt.UTC()
	return out, nil
}

func collectEvents(rows pgx.Rows) ([]scannedEvent, error) {
	return pgx.CollectRows(rows, scanEvent)
}

func recordsOf(scanned []scannedEvent) []eventstore.RecordedEvent {
	out := make([]eventstore.RecordedEvent, len(scanned))
	for i, event := range scanned {
		out[i] = event.record
	}
	return out
}

func checkLimit(limit int) error {
	if limit < 1 || limit > eventstore.MaxReadLimit {
		return fmt.Errorf("read limit %d must be 1 to %d", limit, eventstore.MaxReadLimit)
	}
	return nil
}

// ReadStream returns up to limit events of streamID with version >= fromVersion.
func (s *Store) ReadStream(ctx context.Context, streamID string, fromVersion int64, limit int) ([]eventstore.RecordedEvent, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT `+eventColumns+` FROM events e
		WHERE e.stream_id = $1 AND e.version >= $2 ORDER BY e.version LIMIT $3`, streamID, max(fromVersion, 1), limit)
	if err != nil {
		return nil, fmt.Errorf("read stream %s: %w", streamID, err)
	}
	scanned, err := collectEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("read stream %s: %w", streamID, err)
	}
	records := recordsOf(scanned)
	s.cache.sawEvents(records) // a command reads its stream before it appends to it
	return records, nil
}

// ReadAll returns up to limit events with position > afterPosition, in position order.
func (s *Store) ReadAll(ctx context.Context, afterPosition int64, limit int) ([]eventstore.RecordedEvent, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	scanned, err := readPlaced(ctx, s.pool, afterPosition, limit)
	if err != nil {
		return nil, err
	}
	return recordsOf(scanned), nil
}

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func readPlaced(ctx context.Context, db querier, afterPosition int64, limit int) ([]scannedEvent, error) {
	rows, err := db.Query(ctx, `SELECT `+eventColumns+` FROM events e WHERE e.position > $1 ORDER BY e.position LIMIT $2`,
		max(afterPosition, 0), limit)
	if err != nil {
		return nil, fmt.Errorf("read log after position %d: %w", afterPosition, err)
	}
	scanned, err := collectEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("read log after position %d: %w", afterPosition, err)
	}
	return scanned, nil
}

// Head is the last position of the log.
func (s *Store) Head(ctx context.Context) (int64, error) {
	var head int64
	if err := s.pool.QueryRow(ctx, `SELECT position FROM log_head`).Scan(&head); err != nil {
		return 0, fmt.Errorf("read head: %w", err)
	}
	return head, nil
}

// canonical reports whether stored metadata is byte for byte what the hash
// covered; otherwise a field was added or rewritten behind the decoder's back.
func canonical(event scannedEvent) bool {
	encoded, err := json.Marshal(event.record.Metadata)
	return err == nil && bytes.Equal(encoded, event.rawMetadata)
}
