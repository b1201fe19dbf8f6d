package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

const (
	// lockHoldMax ends the session of a writer that holds the log lock but
	// goes quiet between its two round trips (a frozen process), so that the
	// other writers are not held up longer than this.
	lockHoldMax = 5 * time.Second
	// rollbackTimeout bounds the rollback after a failed group.
	rollbackTimeout = 5 * time.Second
)

// writeGroup writes group and sets each request's outcome.
func (s *Store) writeGroup(ctx context.Context, group []*request) {
	s.groups.Add(1)
	if s.writeFast(ctx, group) {
		s.fastGroups.Add(1)
		return
	}
	err := s.commitGroup(ctx, group)
	if err == nil {
		return
	}
	if len(group) > 1 && refusedData(err) {
		// PostgreSQL refused one request's data (the store's own checks let
		// it through): write each request alone, so that one fails by itself.
		for _, r := range group {
			if err := s.commitGroup(ctx, []*request{r}); err != nil {
				r.err = err
			}
		}
		return
	}
	for _, r := range group {
		r.err = err
	}
}

// refusedData reports a data exception or an integrity violation: an error
// of some request's data, not of the connection or the server.
func refusedData(err error) bool {
	var pgError *pgconn.PgError
	if !errors.As(err, &pgError) {
		return false
	}
	class := pgError.Code[:2]
	return class == "22" || class == "23"
}

// commitGroup writes group in one transaction under the log lock and, once
// it has committed, gives every request its outcome.
func (s *Store) commitGroup(ctx context.Context, group []*request) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquire a connection: %w", err)
	}
	defer conn.Release()
	defer rollbackIfOpen(ctx, conn.Conn())
	read, err := lockAndRead(ctx, conn.Conn(), group)
	if err != nil {
		s.cache.forget()
		return err
	}
	s.cache.sawHead(read)
	plan := planGroup(group, read, time.Now())
	if len(plan.records) > 0 {
		if err := insertAndCommit(ctx, conn.Conn(), plan); err != nil {
			s.cache.forget()
			return err
		}
		s.cache.committed(plan)
	}
	for i, r := range group {
		r.results, r.err = plan.outcomes[i].results, plan.outcomes[i].err
	}
	return nil
}

// rollbackIfOpen ends a transaction a failed group left open, so the
// connection goes back to the pool clean (or is closed by it, if this fails).
func rollbackIfOpen(ctx context.Context, conn *pgx.Conn) {
	if conn.PgConn().TxStatus() == 'I' || conn.IsClosed() {
		return
	}
	rollbackContext, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	_, _ = conn.Exec(rollbackContext, "ROLLBACK")
}

// snapshot is what a group reads under the log lock.
type snapshot struct {
	position   int64
	globalHash []byte
	tips       map[string]streamTip
	stored     map[uuid.UUID]eventstore.RecordedEvent
}

// streamTip is a stream's last event as the next append needs it.
type streamTip struct {
	version int64
	hash    []byte
}

// Statements of a group's first round trip.
const (
	beginWrite = `BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE`
	// The log lock. READ COMMITTED: once the lock is granted, this statement
	// returns the head as the previous writer committed it, and every later
	// statement of the transaction sees that writer's events.
	lockHead = `SELECT position, global_hash FROM log_head FOR UPDATE`
	readTips = `SELECT s.stream_id, t.version, t.hash FROM unnest($1::text[]) AS s(stream_id)
		CROSS JOIN LATERAL (SELECT e.version, e.hash FROM events e WHERE e.stream_id = s.stream_id ORDER BY e.version DESC LIMIT 1) t`
	readStored = `SELECT ` + eventColumns + ` FROM events e WHERE e.event_id = ANY($1::uuid[])`
)

// lockAndRead opens the group's transaction, takes the log lock and reads
// the head, the tips of the group's streams and the group's event ids
// already stored: one round trip.
func lockAndRead(ctx context.Context, conn *pgx.Conn, group []*request) (snapshot, error) {
	var streams []string
	var ids []uuid.UUID
	seen := map[string]bool{}
	for _, r := range group {
		for _, part := range r.appends {
			if !seen[part.StreamID] {
				seen[part.StreamID] = true
				streams = append(streams, part.StreamID)
			}
			for _, event := range part.Events {
				ids = append(ids, event.EventID)
			}
		}
	}
	read := snapshot{tips: make(map[string]streamTip, len(streams)), stored: map[uuid.UUID]eventstore.RecordedEvent{}}
	batch := &pgx.Batch{}
	batch.Queue(beginWrite)
	batch.Queue(`SELECT set_config('idle_in_transaction_session_timeout', $1, true)`, strconv.FormatInt(lockHoldMax.Milliseconds(), 10))
	batch.Queue(lockHead).QueryRow(func(row pgx.Row) error { return row.Scan(&read.position, &read.globalHash) })
	batch.Queue(readTips, streams).Query(func(rows pgx.Rows) error {
		var streamID string
		var tip streamTip
		_, err := pgx.ForEachRow(rows, []any{&streamID, &tip.version, &tip.hash}, func() error {
			read.tips[streamID] = streamTip{version: tip.version, hash: append([]byte(nil), tip.hash...)}
			return nil
		})
		return err
	})
	batch.Queue(readStored, ids).Query(func(rows pgx.Rows) error {
		stored, err := collectEvents(rows)
		for _, event := range stored {
			read.stored[event.record.EventID] = event.record
		}
		return err
	})
	if err := conn.SendBatch(ctx, batch).Close(); err != nil {
		return snapshot{}, fmt.Errorf("take the log lock and read the streams: %w", err)
	}
	return read, nil
}

// outcome is what one request of a group gets once the group has committed.
type outcome struct {
	results []eventstore.AppendResult
	err     error
}

// groupPlan is a group decided: each request's outcome and the records to insert.
type groupPlan struct {
	outcomes   []outcome
	records    []eventstore.RecordedEvent
	recordedAt time.Time
	head       int64
	headHash   []byte
}

// planGroup decides every request of the group in order, as if each were
// appended alone after the ones before it: a duplicate, a reused event id or
// a conflict answers that request only; an accepted request's events are
// chained on their streams (as the earlier requests of the group left them)
// and on the global order. It does no I/O.
func planGroup(group []*request, read snapshot, now time.Time) groupPlan {
	plan := groupPlan{outcomes: make([]outcome, len(group)), recordedAt: eventstore.CanonicalTime(now),
		head: read.position, headHash: read.globalHash}
	for i, r := range group {
		plan.outcomes[i] = plan.decide(r, read)
	}
	return plan
}

// decide is one request's outcome; accepted events join plan.records, read.tips and read.stored.
func (plan *groupPlan) decide(r *request, read snapshot) outcome {
	stored, total := 0, 0
	for _, part := range r.appends {
		for _, event := range part.Events {
			if _, ok := read.stored[event.EventID]; ok {
				stored++
			}
		}
		total += len(part.Events)
	}
	if stored == total {
		return duplicateOf(r, read)
	}
	if stored > 0 {
		return outcome{err: fmt.Errorf("%w: %d of %d event ids are stored already; an event id names one event forever",
			eventstore.ErrEventIDReused, stored, total)}
	}
	for _, part := range r.appends {
		tip := tipOf(read, part.StreamID)
		if !part.Expected.Matches(tip.version) {
			return outcome{err: &eventstore.ConflictError{StreamID: part.StreamID, Expected: part.Expected, Actual: tip.version}}
		}
	}
	results := make([]eventstore.AppendResult, len(r.appends))
	for i, part := range r.appends {
		tip := tipOf(read, part.StreamID)
		records := make([]eventstore.RecordedEvent, len(part.Events))
		for j, event := range part.Events {
			record := eventstore.RecordedEvent{
				StreamID: part.StreamID, Version: tip.version + 1, EventID: event.EventID,
				Type: event.Type, SchemaVersion: event.SchemaVersion,
				OccurredAt: eventstore.CanonicalTime(event.OccurredAt), RecordedAt: plan.recordedAt,
				Data: append(json.RawMessage(nil), event.Data...), Metadata: event.Metadata, PreviousHash: tip.hash,
			}
			record.Hash = eventstore.EventHash(tip.hash, record)
			record.Position = plan.head + 1
			record.GlobalHash = eventstore.GlobalChainHash(plan.headHash, record.Position, record.Hash)
			plan.head, plan.headHash = record.Position, record.GlobalHash
			tip = streamTip{version: record.Version, hash: record.Hash}
			read.stored[record.EventID] = record
			records[j] = record
		}
		read.tips[part.StreamID] = tip
		plan.records = append(plan.records, records...)
		results[i] = eventstore.AppendResult{Events: records, NextExpectedVersion: tip.version}
	}
	return outcome{results: results}
}

func tipOf(read snapshot, streamID string) streamTip {
	if tip, ok := read.tips[streamID]; ok {
		return tip
	}
	return streamTip{version: 0, hash: eventstore.ZeroHash()}
}

// duplicateOf answers a request whose events are all stored (or written by
// an earlier request of the group) with the stored records.
func duplicateOf(r *request, read snapshot) outcome {
	results := make([]eventstore.AppendResult, len(r.appends))
	for i, part := range r.appends {
		records := make([]eventstore.RecordedEvent, len(part.Events))
		for j, event := range part.Events {
			records[j] = read.stored[event.EventID]
		}
		results[i] = eventstore.AppendResult{Events: records, NextExpectedVersion: records[len(records)-1].Version, Duplicate: true}
	}
	return outcome{results: results}
}

// Statements of a group's second round trip. Text cast to json keeps the
// bytes exactly as hashed.
const (
	insertEvents = `INSERT INTO events (position, event_id, stream_id, version, type, schema_version, occurred_at,
			recorded_at, data, metadata, previous_hash, hash, global_hash)
		SELECT u.position, u.event_id, u.stream_id, u.version, u.type, u.schema_version, u.occurred_at,
			$1, u.data::json, u.metadata::json, u.previous_hash, u.hash, u.global_hash
		FROM unnest($2::bigint[], $3::uuid[], $4::text[], $5::bigint[], $6::text[], $7::int[], $8::timestamptz[],
			$9::text[], $10::text[], $11::bytea[], $12::bytea[], $13::bytea[])
			AS u(position, event_id, stream_id, version, type, schema_version, occurred_at, data, metadata, previous_hash, hash, global_hash)`
	moveHead = `WITH moved AS (UPDATE log_head SET position = $1, global_hash = $2 RETURNING position)
		SELECT pg_notify($3, position::text) FROM moved`
	commitWrite = `COMMIT`
)

// insertAndCommit inserts the group's records, moves the head on, notifies
// and commits: one round trip, one WAL flush.
func insertAndCommit(ctx context.Context, conn *pgx.Conn, plan groupPlan) error {
	columns, err := eventArrays(plan.records)
	if err != nil {
		return err
	}
	batch := &pgx.Batch{}
	batch.Queue(insertEvents, append([]any{plan.recordedAt}, columns...)...).Exec(func(tag pgconn.CommandTag) error {
		if tag.RowsAffected() != int64(len(plan.records)) {
			return fmt.Errorf("inserted %d rows for %d events", tag.RowsAffected(), len(plan.records))
		}
		return nil
	})
	batch.Queue(moveHead, plan.head, plan.headHash, NotifyChannel)
	committed := false
	batch.Queue(commitWrite).Exec(func(tag pgconn.CommandTag) error {
		committed = tag.String() == "COMMIT"
		return nil
	})
	if err := conn.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("store events at positions %d to %d: %w", plan.records[0].Position, plan.head, err)
	}
	if !committed {
		return fmt.Errorf("store events at positions %d to %d: the transaction did not commit", plan.records[0].Position, plan.head)
	}
	return nil
}

// eventArrays are the insert's column arrays, $2 to $13.
func eventArrays(records []eventstore.RecordedEvent) ([]any, error) {
	count := len(records)
	positions, ids, streams, versions := make([]int64, count), make([]uuid.UUID, count), make([]string, count), make([]int64, count)
	types, schemas, occurred := make([]string, count), make([]int32, count), make([]time.Time, count)
	data, metadata := make([]string, count), make([]string, count)
	previous, hashes, globals := make([][]byte, count), make([][]byte, count), make([][]byte, count)
	for i, record := range records {
		encoded, err := json.Marshal(record.Metadata)
		if err != nil {
			return nil, fmt.Errorf("encode metadata of event %s: %w", record.EventID, err)
		}
		positions[i], ids[i], streams[i], versions[i] = record.Position, record.EventID, record.StreamID, record.Version
		types[i], schemas[i], occurred[i] = record.Type, int32(record.SchemaVersion), record.OccurredAt
		data[i], metadata[i] = string(record.Data), string(encoded)
		previous[i], hashes[i], globals[i] = record.PreviousHash, record.Hash, record.GlobalHash
	}
	return []any{positions, ids, streams, versions, types, schemas, occurred, data, metadata, previous, hashes, globals}, nil
}

// moveHeadAndInsert is the fast way's one statement, a transaction of its
// own: it moves the head on only if it is still where this Store left it
// ($16; the row lock on log_head is the log lock, and after waiting for it
// the UPDATE sees the latest head), inserts the events only if the head
// moved, and notifies only if they were inserted.
const moveHeadAndInsert = `WITH moved AS (
		UPDATE log_head SET position = $14, global_hash = $15 WHERE position = $16 RETURNING 1),
	stored AS (
		INSERT INTO events (position, event_id, stream_id, version, type, schema_version, occurred_at,
			recorded_at, data, metadata, previous_hash, hash, global_hash)
		SELECT u.position, u.event_id, u.stream_id, u.version, u.type, u.schema_version, u.occurred_at,
			$1, u.data::json, u.metadata::json, u.previous_hash, u.hash, u.global_hash
		FROM unnest($2::bigint[], $3::uuid[], $4::text[], $5::bigint[], $6::text[], $7::int[], $8::timestamptz[],
			$9::text[], $10::text[], $11::bytea[], $12::bytea[], $13::bytea[])
			AS u(position, event_id, stream_id, version, type, schema_version, occurred_at, data, metadata, previous_hash, hash, global_hash)
		WHERE EXISTS (SELECT 1 FROM moved)
		RETURNING 1)
	SELECT stored.n, CASE WHEN stored.n > 0 THEN pg_notify($17, $14::text) IS NULL END
	FROM (SELECT count(*) AS n FROM stored) stored`

// writeFast tries the group the fast way, in one round trip, on what this
// Store knows of the log, and reports whether that settled the group. It
// does not when the group does not qualify (a stream this Store has not
// seen, another writer seen lately, a conflict by what it knows), when the
// head moved, or when PostgreSQL refused the statement (an event id stored
// already, a stream that moved, refused data): nothing was written then,
// and the slow way decides each request on what it reads under the lock.
func (s *Store) writeFast(ctx context.Context, group []*request) bool {
	read, ok := s.cache.fastSnapshot(group)
	if !ok {
		return false
	}
	plan := planGroup(group, read, time.Now())
	for _, outcome := range plan.outcomes {
		if outcome.err != nil {
			return false // the slow way says exactly at which version the stream stands
		}
	}
	columns, err := eventArrays(plan.records)
	if err != nil {
		return false
	}
	var stored int64
	var notified *bool
	arguments := append(append([]any{plan.recordedAt}, columns...), plan.head, plan.headHash, read.position, NotifyChannel)
	err = s.pool.QueryRow(ctx, moveHeadAndInsert, arguments...).Scan(&stored, &notified)
	var pgError *pgconn.PgError
	switch {
	case errors.As(err, &pgError):
		return false // rolled back: nothing was written
	case err != nil:
		s.cache.forget()
		for _, r := range group {
			r.err = fmt.Errorf("store events at positions %d to %d: %w", plan.records[0].Position, plan.head, err)
		}
		return true
	case stored == 0:
		s.cache.missedHead()
		return false
	case stored != int64(len(plan.records)):
		s.cache.forget()
		for _, r := range group {
			r.err = fmt.Errorf("stored %d rows for %d events", stored, len(plan.records))
		}
		return true
	}
	s.cache.committed(plan)
	for i, r := range group {
		r.results = plan.outcomes[i].results
	}
	return true
}
