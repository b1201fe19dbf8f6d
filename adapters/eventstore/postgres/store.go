// Package postgres is the PostgreSQL event store, jaminan's default log
// (schema: migrations/001_event_log.sql).
//
// An append queues on its stream (an advisory lock, then the stream's row
// lock), checks the expected version, stores its events hash-chained on the
// stream's last one, and commits. The events then get their global positions
// from the sealer, which places only events whose transaction is older than
// every transaction still running (transaction_id < pg_snapshot_xmin), in
// (transaction_id, seq) order, and chains a hash over each position. Readers
// of the global order therefore never skip an event that commits late: it
// cannot be placed behind them. Append seals and waits for its own positions.
package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

const (
	// DefaultSealWait is how long Append waits for its positions unless configured.
	DefaultSealWait = 10 * time.Second
	// maxSealWait bounds Config.SealWait.
	maxSealWait = 10 * time.Minute
	// sealPollMin and sealPollMax bound the pause between two looks for positions.
	sealPollMin = time.Millisecond
	sealPollMax = 16 * time.Millisecond
	// MaxSealBatch bounds the events one Seal places.
	MaxSealBatch = 5000
	// maxSealBatchesPerTick bounds the batches RunSealer seals before pausing.
	maxSealBatchesPerTick = 100
	// sealLockID is the advisory lock that lets one sealer run at a time per database.
	sealLockID = 7_061_999_002
	// streamLockSpace is the first key of the per-stream advisory locks
	// (the second is a hash of the stream id; a collision only queues two
	// streams' appends together).
	streamLockSpace = 7_061_999
	// maxAppendAttempts bounds the retries of one Append (a concurrent
	// retry of the same events, or a stream head written by a newer transaction).
	maxAppendAttempts = 3
	// NotifyChannel is notified with the new head position after every seal.
	NotifyChannel = "jaminan_log"

	uniqueViolation         = "23505"
	constraintEventID       = "events_event_id_key"
	constraintStreamVersion = "events_stream_version_key"
	constraintStreams       = "streams_pkey"
)

// ErrNotSealed means an Append's events are stored (durably; a retry with the
// same event ids returns them) but were not placed in the global order within
// Config.SealWait.
var ErrNotSealed = errors.New("events stored but not yet placed in the global order")

// Config tunes a Store.
type Config struct {
	// SealWait bounds how long Append waits after its commit for its events'
	// global positions; zero means DefaultSealWait. A transaction left open
	// anywhere on the server holds positions back until it ends.
	SealWait time.Duration
	// Logger receives RunSealer's errors; nil means slog.Default().
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.SealWait == 0 {
		c.SealWait = DefaultSealWait
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Validate reports every impossible field at once.
func (c Config) Validate() error {
	var errs []error
	if c.SealWait < 0 || c.SealWait > maxSealWait {
		errs = append(errs, fmt.Errorf("event store: SealWait %s must be between 0 and %s", c.SealWait, maxSealWait))
	}
	return errors.Join(errs...)
}

// Store is the PostgreSQL implementation of eventstore.Store.
type Store struct {
	pool   *pgxpool.Pool
	config Config
}

var _ eventstore.Store = (*Store)(nil)

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

var (
	readCommitted  = pgx.TxOptions{IsoLevel: pgx.ReadCommitted, AccessMode: pgx.ReadWrite, DeferrableMode: pgx.NotDeferrable}
	readOnlyStable = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly, DeferrableMode: pgx.NotDeferrable}
)

// inTx runs fn in a transaction and commits when fn asks for it; otherwise,
// and on any error, it rolls back.
func (s *Store) inTx(ctx context.Context, options pgx.TxOptions, fn func(tx pgx.Tx) (commit bool, err error)) (err error) {
	tx, err := s.pool.BeginTx(ctx, options)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		rollbackErr := tx.Rollback(context.WithoutCancel(ctx))
		if rollbackErr != nil && !errors.Is(rollbackErr, pgx.ErrTxClosed) {
			err = errors.Join(err, fmt.Errorf("roll back: %w", rollbackErr))
		}
	}()
	commit, err := fn(tx)
	if err != nil || !commit {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// retryError asks Append for one more attempt in a fresh transaction.
type retryError struct{ cause error }

func (e *retryError) Error() string { return e.cause.Error() }
func (e *retryError) Unwrap() error { return e.cause }

// appended is what one attempt stored or found.
type appended struct {
	records   []eventstore.RecordedEvent
	seqs      []int64
	duplicate bool
}

// Append stores events at the end of streamID if its version matches, then
// waits (at most Config.SealWait) for their global positions.
//
// Errors: eventstore.ErrInvalidAppend (nothing stored); a
// *eventstore.ConflictError, matching eventstore.ErrConcurrencyConflict
// (nothing stored); eventstore.ErrEventIDReused (nothing stored); ErrNotSealed
// (stored, and the result holds the events without positions; a retry with
// the same event ids returns them once placed); anything else from the
// database, after which a retry with the same event ids is safe.
func (s *Store) Append(ctx context.Context, streamID string, expected eventstore.ExpectedVersion, events []eventstore.EventData) (eventstore.AppendResult, error) {
	if err := eventstore.ValidateAppend(streamID, expected, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	var lastRetry error
	for attempt := 1; attempt <= maxAppendAttempts; attempt++ {
		var out appended
		err := s.inTx(ctx, readCommitted, func(tx pgx.Tx) (bool, error) {
			var err error
			out, err = appendInTx(ctx, tx, streamID, expected, events, time.Now())
			return !out.duplicate, err
		})
		var retry *retryError
		if errors.As(err, &retry) {
			lastRetry = err
			continue
		}
		if err != nil {
			return eventstore.AppendResult{}, fmt.Errorf("append to stream %s: %w", streamID, err)
		}
		result := eventstore.AppendResult{Events: out.records, Duplicate: out.duplicate,
			NextExpectedVersion: out.records[len(out.records)-1].Version}
		if err := s.awaitPositions(ctx, result.Events, out.seqs); err != nil {
			return result, fmt.Errorf("append to stream %s: %w", streamID, err)
		}
		return result, nil
	}
	return eventstore.AppendResult{}, fmt.Errorf("append to stream %s: gave up after %d attempts: %w", streamID, maxAppendAttempts, lastRetry)
}

// appendInTx is one attempt of Append inside tx (READ COMMITTED).
func appendInTx(ctx context.Context, tx pgx.Tx, streamID string, expected eventstore.ExpectedVersion, events []eventstore.EventData, now time.Time) (appended, error) {
	// Appends to one stream queue here before they touch the stream's row.
	// A session waiting for a row lock can be given its transaction id while
	// it waits (seen with many waiters), so the next version could get a
	// lower id than the one before it and be sealed first. Waiting for an
	// advisory lock takes no transaction id: each version's id is then
	// higher than its predecessor's, which the UPDATE below asserts.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, streamLockSpace, streamID); err != nil {
		return appended{}, fmt.Errorf("queue for stream: %w", err)
	}
	// Under the lock every committed append to this stream is visible, so
	// a concurrent retry of these very events shows up here, as a duplicate.
	if out, found, err := findStored(ctx, tx, events); found || err != nil {
		return out, err
	}
	head, err := lockStream(ctx, tx, streamID)
	if err != nil {
		return appended{}, err
	}
	if !expected.Matches(head.version) {
		return appended{}, &eventstore.ConflictError{StreamID: streamID, Expected: expected, Actual: head.version}
	}
	records := chainRecords(streamID, head, events, now)
	seqs, err := insertEvents(ctx, tx, records)
	if err != nil {
		return appended{}, mapInsertError(err, streamID, expected, head.version)
	}
	last := records[len(records)-1]
	tag, err := tx.Exec(ctx, `UPDATE streams SET version = $2, last_hash = $3, last_transaction_id = pg_current_xact_id()
		WHERE stream_id = $1 AND last_transaction_id <= pg_current_xact_id()`, streamID, last.Version, last.Hash)
	if err != nil {
		return appended{}, fmt.Errorf("update stream head: %w", err)
	}
	if tag.RowsAffected() != 1 {
		// The head was written by a transaction with a higher id than ours.
		// The sealer orders by transaction id, so committing would place this
		// version before the previous one; a fresh transaction gets a higher id.
		return appended{}, &retryError{cause: errors.New("stream head written by a newer transaction")}
	}
	return appended{records: records, seqs: seqs}, nil
}

// findStored reports whether every event id is stored already (found, with
// the stored records), and refuses a mix of stored and new ids.
func findStored(ctx context.Context, tx pgx.Tx, events []eventstore.EventData) (appended, bool, error) {
	ids := make([]uuid.UUID, len(events))
	for i, event := range events {
		ids[i] = event.EventID
	}
	rows, err := tx.Query(ctx, `SELECT `+eventColumns+` FROM events e LEFT JOIN log_positions p ON p.seq = e.seq
		WHERE e.event_id = ANY($1)`, ids)
	if err != nil {
		return appended{}, false, fmt.Errorf("look up event ids: %w", err)
	}
	stored, err := collectEvents(rows)
	if err != nil {
		return appended{}, false, fmt.Errorf("look up event ids: %w", err)
	}
	if len(stored) == 0 {
		return appended{}, false, nil
	}
	if len(stored) < len(events) {
		return appended{}, false, fmt.Errorf("%w: %d of %d event ids are stored already; an event id names one event forever",
			eventstore.ErrEventIDReused, len(stored), len(events))
	}
	byID := make(map[uuid.UUID]scannedEvent, len(stored))
	for _, event := range stored {
		byID[event.record.EventID] = event
	}
	out := appended{duplicate: true}
	for _, id := range ids {
		out.records = append(out.records, byID[id].record)
		out.seqs = append(out.seqs, byID[id].seq)
	}
	return out, true, nil
}

// streamHead is a stream's row, locked.
type streamHead struct {
	version  int64
	lastHash []byte
}

// lockStream locks the stream's head row, creating it (version 0) for a new stream.
func lockStream(ctx context.Context, tx pgx.Tx, streamID string) (streamHead, error) {
	const lockHead = `SELECT version, last_hash FROM streams WHERE stream_id = $1 FOR UPDATE`
	var head streamHead
	err := tx.QueryRow(ctx, lockHead, streamID).Scan(&head.version, &head.lastHash)
	if err == nil {
		return head, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return streamHead{}, fmt.Errorf("lock stream head: %w", err)
	}
	// A concurrent creator makes this insert wait for its outcome, then do
	// nothing; the second lock then sees the row either way.
	if _, err := tx.Exec(ctx, `INSERT INTO streams (stream_id, version, last_hash) VALUES ($1, 0, $2)
		ON CONFLICT (stream_id) DO NOTHING`, streamID, eventstore.ZeroHash()); err != nil {
		return streamHead{}, fmt.Errorf("create stream head: %w", err)
	}
	if err := tx.QueryRow(ctx, lockHead, streamID).Scan(&head.version, &head.lastHash); err != nil {
		return streamHead{}, fmt.Errorf("lock new stream head: %w", err)
	}
	return head, nil
}

// chainRecords builds the records of an append, each hash chained on the previous.
func chainRecords(streamID string, head streamHead, events []eventstore.EventData, now time.Time) []eventstore.RecordedEvent {
	recordedAt := eventstore.CanonicalTime(now)
	previous := head.lastHash
	records := make([]eventstore.RecordedEvent, len(events))
	for i, event := range events {
		record := eventstore.RecordedEvent{
			StreamID: streamID, Version: head.version + int64(i) + 1, EventID: event.EventID,
			Type: event.Type, SchemaVersion: event.SchemaVersion,
			OccurredAt: eventstore.CanonicalTime(event.OccurredAt), RecordedAt: recordedAt,
			Data: append(json.RawMessage(nil), event.Data...), Metadata: event.Metadata, PreviousHash: previous,
		}
		record.Hash = eventstore.EventHash(previous, record)
		records[i] = record
		previous = record.Hash
	}
	return records
}

// insertEvents stores records in one statement and returns their seqs in record order.
func insertEvents(ctx context.Context, tx pgx.Tx, records []eventstore.RecordedEvent) ([]int64, error) {
	count := len(records)
	ids, versions := make([]uuid.UUID, count), make([]int64, count)
	types, schemas := make([]string, count), make([]int32, count)
	occurred, data, metadata := make([]time.Time, count), make([]string, count), make([]string, count)
	previous, hashes := make([][]byte, count), make([][]byte, count)
	for i, record := range records {
		encoded, err := json.Marshal(record.Metadata)
		if err != nil {
			return nil, fmt.Errorf("encode metadata of event %s: %w", record.EventID, err)
		}
		ids[i], versions[i], types[i], schemas[i] = record.EventID, record.Version, record.Type, int32(record.SchemaVersion)
		occurred[i], data[i], metadata[i] = record.OccurredAt, string(record.Data), string(encoded)
		previous[i], hashes[i] = record.PreviousHash, record.Hash
	}
	// Text cast to json keeps the bytes exactly as hashed; ORDER BY ordinal
	// makes seq follow version within the append.
	rows, err := tx.Query(ctx, `INSERT INTO events (event_id, stream_id, version, type, schema_version, occurred_at,
			recorded_at, data, metadata, previous_hash, hash)
		SELECT u.event_id, $1, u.version, u.type, u.schema_version, u.occurred_at, $2, u.data::json, u.metadata::json, u.previous_hash, u.hash
		FROM unnest($3::uuid[], $4::bigint[], $5::text[], $6::int[], $7::timestamptz[], $8::text[], $9::text[], $10::bytea[], $11::bytea[])
			WITH ORDINALITY AS u(event_id, version, type, schema_version, occurred_at, data, metadata, previous_hash, hash, ordinal)
		ORDER BY u.ordinal
		RETURNING version, seq`,
		records[0].StreamID, records[0].RecordedAt, ids, versions, types, schemas, occurred, data, metadata, previous, hashes)
	if err != nil {
		return nil, err
	}
	seqByVersion, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) ([2]int64, error) {
		var pair [2]int64
		err := row.Scan(&pair[0], &pair[1])
		return pair, err
	})
	if err != nil {
		return nil, err
	}
	if len(seqByVersion) != count {
		return nil, fmt.Errorf("insert events: stored %d rows for %d events", len(seqByVersion), count)
	}
	seqs := make([]int64, count)
	for _, pair := range seqByVersion {
		index := pair[0] - records[0].Version
		if index < 0 || index >= int64(count) {
			return nil, fmt.Errorf("insert events: stored version %d outside the append", pair[0])
		}
		seqs[index] = pair[1]
	}
	return seqs, nil
}

// mapInsertError turns a unique violation into the port's error.
func mapInsertError(err error, streamID string, expected eventstore.ExpectedVersion, actual int64) error {
	var pgError *pgconn.PgError
	if !errors.As(err, &pgError) || pgError.Code != uniqueViolation {
		return fmt.Errorf("insert events: %w", err)
	}
	switch pgError.ConstraintName {
	case constraintEventID:
		// A concurrent append stored one of these ids after the look-up: the
		// next attempt sees them, as a duplicate or as reuse.
		return &retryError{cause: fmt.Errorf("%w: stored concurrently: %s", eventstore.ErrEventIDReused, pgError.Detail)}
	case constraintStreamVersion, constraintStreams:
		return &eventstore.ConflictError{StreamID: streamID, Expected: expected, Actual: actual}
	default:
		return fmt.Errorf("insert events: %w", err)
	}
}

// awaitPositions seals and waits, at most Config.SealWait, until every record
// has its position, and fills them in.
func (s *Store) awaitPositions(ctx context.Context, records []eventstore.RecordedEvent, seqs []int64) error {
	deadline := time.Now().Add(s.config.SealWait)
	pause := sealPollMin
	maxRounds := int(s.config.SealWait/sealPollMin) + 1
	missing := len(records)
	for round := 0; round < maxRounds; round++ {
		sealed, err := s.Seal(ctx)
		if err != nil {
			return fmt.Errorf("%w: seal: %w", ErrNotSealed, err)
		}
		if missing, err = s.fillPositions(ctx, records, seqs); err != nil {
			return fmt.Errorf("%w: %w", ErrNotSealed, err)
		}
		if missing == 0 {
			return nil
		}
		if time.Now().Add(pause).After(deadline) {
			break
		}
		if sealed == MaxSealBatch {
			continue // a backlog: seal the next batch at once
		}
		if err := sleep(ctx, pause); err != nil {
			return fmt.Errorf("%w: %w", ErrNotSealed, err)
		}
		pause = min(2*pause, sealPollMax)
	}
	return fmt.Errorf("%w: %d of %d events still have no position after %s; they will get one once the "+
		"transaction holding back the safe point (the oldest one still open on the server) ends",
		ErrNotSealed, missing, len(records), s.config.SealWait)
}

// fillPositions sets the positions of the records already placed and returns how many are not.
func (s *Store) fillPositions(ctx context.Context, records []eventstore.RecordedEvent, seqs []int64) (int, error) {
	rows, err := s.pool.Query(ctx, `SELECT seq, position, global_hash FROM log_positions WHERE seq = ANY($1)`, seqs)
	if err != nil {
		return 0, fmt.Errorf("read positions: %w", err)
	}
	type placed struct {
		position   int64
		globalHash []byte
	}
	bySeq := map[int64]placed{}
	var seq int64
	var place placed
	_, err = pgx.ForEachRow(rows, []any{&seq, &place.position, &place.globalHash}, func() error {
		bySeq[seq] = placed{position: place.position, globalHash: append([]byte(nil), place.globalHash...)}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("read positions: %w", err)
	}
	missing := 0
	for i := range records {
		found, ok := bySeq[seqs[i]]
		if !ok {
			missing++
			continue
		}
		records[i].Position, records[i].GlobalHash = found.position, found.globalHash
	}
	return missing, nil
}

func sleep(ctx context.Context, pause time.Duration) error {
	timer := time.NewTimer(pause)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// sealCursor is the last placed event: the sealer resumes after it.
type sealCursor struct {
	position      int64
	globalHash    []byte
	transactionID uint64
	seq           int64
}

// Seal places up to MaxSealBatch stored events in the global order and
// returns how many it placed. It returns 0 at once when another session is
// sealing. Only events of transactions older than every running transaction
// are placed, so a transaction that commits late is placed after everything
// a reader may already have read, never before it.
func (s *Store) Seal(ctx context.Context) (int64, error) {
	var sealed int64
	err := s.inTx(ctx, readCommitted, func(tx pgx.Tx) (bool, error) {
		var locked bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, sealLockID).Scan(&locked); err != nil {
			return false, fmt.Errorf("take seal lock: %w", err)
		}
		if !locked {
			return false, nil
		}
		cursor, err := readSealCursor(ctx, tx)
		if err != nil {
			return false, err
		}
		positions, seqs, hashes, err := nextSealBatch(ctx, tx, cursor)
		if err != nil || len(positions) == 0 {
			return false, err
		}
		head := positions[len(positions)-1]
		if _, err := tx.Exec(ctx, `WITH placed AS (
				INSERT INTO log_positions (position, seq, global_hash)
				SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bytea[]))
			SELECT pg_notify($4, $5)`, positions, seqs, hashes, NotifyChannel, strconv.FormatInt(head, 10)); err != nil {
			return false, fmt.Errorf("place events at positions %d to %d: %w", positions[0], head, err)
		}
		sealed = int64(len(positions))
		return true, nil
	})
	if err != nil {
		return 0, fmt.Errorf("seal: %w", err)
	}
	return sealed, nil
}

// readSealCursor reads the last placed event, or the start of the log.
func readSealCursor(ctx context.Context, tx pgx.Tx) (sealCursor, error) {
	cursor := sealCursor{globalHash: eventstore.ZeroHash()}
	var nextTransactionID uint64
	err := tx.QueryRow(ctx, `SELECT p.position, p.global_hash, e.transaction_id, e.seq, pg_snapshot_xmax(pg_current_snapshot())
		FROM log_positions p JOIN events e ON e.seq = p.seq ORDER BY p.position DESC LIMIT 1`).
		Scan(&cursor.position, &cursor.globalHash, &cursor.transactionID, &cursor.seq, &nextTransactionID)
	if errors.Is(err, pgx.ErrNoRows) {
		return cursor, nil
	}
	if err != nil {
		return sealCursor{}, fmt.Errorf("read last position: %w", err)
	}
	if cursor.transactionID >= nextTransactionID {
		// Only after a restore into another cluster can stored transaction ids
		// be ahead of the server's counter; new events would then sort before
		// the cursor and never be placed.
		return sealCursor{}, fmt.Errorf("the last placed event's transaction id %d is ahead of this server's next "+
			"transaction id %d: the log was restored into another cluster; advance the cluster's transaction id "+
			"(pg_resetwal -x) past it before appending", cursor.transactionID, nextTransactionID)
	}
	return cursor, nil
}

// nextSealBatch reads the next events to place, after the cursor and behind
// the safe point, and chains their global hashes.
//
// Why "after the cursor" misses nothing: an event with transaction_id below
// the safe point xmin belongs to a finished transaction, so once a seal has
// seen xmin every committed event below it was visible to that seal and was
// placed, in (transaction_id, seq) order, up to the batch limit. Transaction
// ids only grow, so every event committed later has transaction_id >= that
// xmin, which is above the cursor. Without the xmin fence this breaks: a
// transaction with a lower id committing after a higher one would fall
// behind the cursor and never be placed.
func nextSealBatch(ctx context.Context, tx pgx.Tx, cursor sealCursor) (positions, seqs []int64, hashes [][]byte, err error) {
	rows, err := tx.Query(ctx, `SELECT e.seq, e.hash FROM events e
		WHERE (e.transaction_id, e.seq) > ($1::xid8, $2::bigint)
			AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
		ORDER BY e.transaction_id, e.seq
		LIMIT $3`, cursor.transactionID, cursor.seq, MaxSealBatch)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read events to place: %w", err)
	}
	previous, position := cursor.globalHash, cursor.position
	var seq int64
	var hash []byte
	_, err = pgx.ForEachRow(rows, []any{&seq, &hash}, func() error {
		position++
		global := eventstore.GlobalChainHash(previous, position, hash)
		positions, seqs, hashes = append(positions, position), append(seqs, seq), append(hashes, global)
		previous = global
		return nil
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read events to place: %w", err)
	}
	return positions, seqs, hashes, nil
}

// RunSealer places stragglers (events committed by a process that stopped
// before sealing, or held back by a long transaction) every interval until
// ctx ends. Errors are logged and retried at the next tick.
func (s *Store) RunSealer(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		return fmt.Errorf("run sealer: interval %s must be positive", interval)
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		s.sealBacklog(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// sealBacklog seals full batches until the backlog is gone, at most maxSealBatchesPerTick.
func (s *Store) sealBacklog(ctx context.Context) {
	for batch := 0; batch < maxSealBatchesPerTick; batch++ {
		sealed, err := s.Seal(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.config.Logger.Error("event store: sealing failed; retrying at the next tick", "error", err)
			}
			return
		}
		if sealed < MaxSealBatch {
			return
		}
	}
}

// eventColumns are read by every query that returns events (alias e for
// events, p for log_positions).
const eventColumns = `e.seq, e.stream_id, e.version, e.event_id, e.type, e.schema_version, e.occurred_at, e.recorded_at,
	e.data, e.metadata, e.previous_hash, e.hash, p.position, p.global_hash`

// scannedEvent is a row with what the port's record leaves out.
type scannedEvent struct {
	record      eventstore.RecordedEvent
	seq         int64
	rawMetadata []byte
}

func scanEvent(row pgx.CollectableRow) (scannedEvent, error) {
	var out scannedEvent
	var position *int64
	var data []byte // not json.RawMessage: pgx would run that through json.Unmarshal, which trims
	record := &out.record
	if err := row.Scan(&out.seq, &record.StreamID, &record.Version, &record.EventID, &record.Type, &record.SchemaVersion,
		&record.OccurredAt, &record.RecordedAt, &data, &out.rawMetadata, &record.PreviousHash, &record.Hash,
		&position, &record.GlobalHash); err != nil {
		return scannedEvent{}, err
	}
	if err := json.Unmarshal(out.rawMetadata, &record.Metadata); err != nil {
		return scannedEvent{}, fmt.Errorf("decode metadata of event %s: %w", record.EventID, err)
	}
	record.Data = data
	if position != nil {
		record.Position = *position
	}
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
// Events not yet placed in the global order have Position 0.
func (s *Store) ReadStream(ctx context.Context, streamID string, fromVersion int64, limit int) ([]eventstore.RecordedEvent, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT `+eventColumns+` FROM events e LEFT JOIN log_positions p ON p.seq = e.seq
		WHERE e.stream_id = $1 AND e.version >= $2 ORDER BY e.version LIMIT $3`, streamID, max(fromVersion, 1), limit)
	if err != nil {
		return nil, fmt.Errorf("read stream %s: %w", streamID, err)
	}
	scanned, err := collectEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("read stream %s: %w", streamID, err)
	}
	return recordsOf(scanned), nil
}

// ReadAll returns up to limit placed events with position > afterPosition, in position order.
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
	rows, err := db.Query(ctx, `SELECT `+eventColumns+` FROM log_positions p JOIN events e ON e.seq = p.seq
		WHERE p.position > $1 ORDER BY p.position LIMIT $2`, max(afterPosition, 0), limit)
	if err != nil {
		return nil, fmt.Errorf("read log after position %d: %w", afterPosition, err)
	}
	scanned, err := collectEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("read log after position %d: %w", afterPosition, err)
	}
	return scanned, nil
}

// Head is the highest position placed.
func (s *Store) Head(ctx context.Context) (int64, error) {
	var head int64
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(position), 0) FROM log_positions`).Scan(&head); err != nil {
		return 0, fmt.Errorf("read head: %w", err)
	}
	return head, nil
}

// Verify walks the whole log in one consistent snapshot and recomputes every
// stream chain and the global chain (eventstore.Chains), checks that stored
// metadata is exactly what was hashed, walks the events not yet placed, and
// checks the streams table against the events. progress, when not nil, is
// called after each page of positions.
func (s *Store) Verify(ctx context.Context, progress func(checked, head int64)) (eventstore.Report, error) {
	var report eventstore.Report
	err := s.inTx(ctx, readOnlyStable, func(tx pgx.Tx) (bool, error) {
		var head int64
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(position), 0) FROM log_positions`).Scan(&head); err != nil {
			return false, fmt.Errorf("read head: %w", err)
		}
		chains := eventstore.NewChains()
		steps := []func() (*eventstore.Break, error){
			func() (*eventstore.Break, error) { return walkPlaced(ctx, tx, chains, head, progress) },
			func() (*eventstore.Break, error) { return walkUnplaced(ctx, tx, chains, &report.Unsealed) },
			func() (*eventstore.Break, error) { return checkLeftBehind(ctx, tx) },
			func() (*eventstore.Break, error) { return checkHeads(ctx, tx, chains) },
		}
		for _, step := range steps {
			broken, err := step()
			if err != nil {
				return false, err
			}
			report.Events, report.Streams, report.FirstBroken = chains.Events(), chains.Streams(), broken
			if broken != nil {
				return false, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return eventstore.Report{}, fmt.Errorf("verify: %w", err)
	}
	return report, nil
}

// canonical reports whether stored metadata is byte for byte what the hash
// covered; otherwise a field was added or rewritten behind the decoder's back.
func canonical(event scannedEvent) bool {
	encoded, err := json.Marshal(event.record.Metadata)
	return err == nil && bytes.Equal(encoded, event.rawMetadata)
}

func metadataBreak(event scannedEvent) *eventstore.Break {
	return &eventstore.Break{Position: event.record.Position, StreamID: event.record.StreamID, Version: event.record.Version,
		Reason: "stored metadata differs from the metadata that was hashed: it was changed"}
}

// walkPlaced checks positions 1..head, page by page.
func walkPlaced(ctx context.Context, tx pgx.Tx, chains *eventstore.Chains, head int64, progress func(checked, head int64)) (*eventstore.Break, error) {
	// Every page advances at least one position, so head pages always suffice.
	for page := int64(0); page < head && chains.Position() < head; page++ {
		limit := int(min(eventstore.VerifyPageSize, head-chains.Position()))
		events, err := readPlaced(ctx, tx, chains.Position(), limit)
		if err != nil {
			return nil, err
		}
		if len(events) == 0 {
			return &eventstore.Break{Position: chains.Position() + 1,
				Reason: fmt.Sprintf("the log ends at position %d, before its head %d: events were removed", chains.Position(), head)}, nil
		}
		for _, event := range events {
			if broken := chains.Placed(event.record); broken != nil {
				return broken, nil
			}
			if !canonical(event) {
				return metadataBreak(event), nil
			}
		}
		if progress != nil {
			progress(chains.Position(), head)
		}
	}
	return nil, nil
}

// walkUnplaced checks the stream chains of events without a position (few:
// those of running or just committed transactions) and counts them.
func walkUnplaced(ctx context.Context, tx pgx.Tx, chains *eventstore.Chains, unsealed *int64) (*eventstore.Break, error) {
	var total int64
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM log_positions p WHERE p.seq = e.seq)`).
		Scan(&total); err != nil {
		return nil, fmt.Errorf("count events without position: %w", err)
	}
	afterStream, afterVersion := "", int64(0)
	for *unsealed < total {
		rows, err := tx.Query(ctx, `SELECT `+eventColumns+` FROM events e LEFT JOIN log_positions p ON p.seq = e.seq
			WHERE p.seq IS NULL AND (e.stream_id, e.version) > ($1, $2) ORDER BY e.stream_id, e.version LIMIT $3`,
			afterStream, afterVersion, eventstore.VerifyPageSize)
		if err != nil {
			return nil, fmt.Errorf("read events without position: %w", err)
		}
		events, err := collectEvents(rows)
		if err != nil {
			return nil, fmt.Errorf("read events without position: %w", err)
		}
		if len(events) == 0 {
			return nil, fmt.Errorf("read events without position: %d counted, %d found", total, *unsealed)
		}
		for _, event := range events {
			if broken := chains.Unplaced(event.record); broken != nil {
				return broken, nil
			}
			if !canonical(event) {
				return metadataBreak(event), nil
			}
			*unsealed++
		}
		afterStream, afterVersion = events[len(events)-1].record.StreamID, events[len(events)-1].record.Version
	}
	return nil, nil
}

// checkLeftBehind finds an event without a position that sorts before the
// last placed event in the sealer's (transaction_id, seq) order: the sealer
// has passed it, so it would never be placed (a removed position, or a seal
// that ignored the safe point).
func checkLeftBehind(ctx context.Context, tx pgx.Tx) (*eventstore.Break, error) {
	var streamID string
	var version int64
	err := tx.QueryRow(ctx, `WITH last AS (
			SELECT e.transaction_id, e.seq FROM log_positions p JOIN events e ON e.seq = p.seq ORDER BY p.position DESC LIMIT 1)
		SELECT e.stream_id, e.version FROM events e, last
		WHERE (e.transaction_id, e.seq) < (last.transaction_id, last.seq)
			AND NOT EXISTS (SELECT 1 FROM log_positions p WHERE p.seq = e.seq)
		ORDER BY e.transaction_id, e.seq LIMIT 1`).Scan(&streamID, &version)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look for events left behind: %w", err)
	}
	return &eventstore.Break{StreamID: streamID, Version: version, Reason: "the event has no position but the global order " +
		"has already passed it, so it would never get one: a position was removed or the sealer skipped it"}, nil
}

// storedHead is a row of the streams table.
type storedHead struct {
	streamID string
	version  int64
	lastHash []byte
}

// checkHeads compares the streams table with the last event of every stream.
func checkHeads(ctx context.Context, tx pgx.Tx, chains *eventstore.Chains) (*eventstore.Break, error) {
	var rowsSeen int64
	after := ""
	// Each page holds at least one row, so one page per stream bounds the walk.
	for page := int64(0); page <= chains.Streams(); page++ {
		rows, err := tx.Query(ctx, `SELECT stream_id, version, last_hash FROM streams WHERE stream_id > $1 ORDER BY stream_id LIMIT $2`,
			after, eventstore.VerifyPageSize)
		if err != nil {
			return nil, fmt.Errorf("read stream heads: %w", err)
		}
		heads, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (storedHead, error) {
			var head storedHead
			err := row.Scan(&head.streamID, &head.version, &head.lastHash)
			return head, err
		})
		if err != nil {
			return nil, fmt.Errorf("read stream heads: %w", err)
		}
		for _, head := range heads {
			tip, ok := chains.Tip(head.streamID)
			if !ok || tip.Version != head.version || !bytes.Equal(tip.Hash, head.lastHash) {
				return &eventstore.Break{StreamID: head.streamID, Version: head.version, Reason: fmt.Sprintf("the stream head (version %d) "+
					"does not match the stream's last event (version %d): an event was removed or the head was altered", head.version, tip.Version)}, nil
			}
		}
		rowsSeen += int64(len(heads))
		if len(heads) < eventstore.VerifyPageSize {
			break
		}
		after = heads[len(heads)-1].streamID
	}
	if rowsSeen == chains.Streams() {
		return nil, nil
	}
	var orphan string
	if err := tx.QueryRow(ctx, `SELECT e.stream_id FROM events e WHERE NOT EXISTS (SELECT 1 FROM streams s WHERE s.stream_id = e.stream_id) LIMIT 1`).
		Scan(&orphan); err != nil {
		return nil, fmt.Errorf("%d stream heads for %d streams: %w", rowsSeen, chains.Streams(), err)
	}
	return &eventstore.Break{StreamID: orphan, Reason: "the stream has events but no head row: the head was removed"}, nil
}
