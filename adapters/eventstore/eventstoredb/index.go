package eventstoredb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

const (
	// scanPageSize is how many $all events one read of a scan asks for.
	scanPageSize = 1000
	// maxCatchUpPages bounds one catch-up. Only the first process on an
	// empty index reads all of $all: 2^20 pages is about a billion events.
	maxCatchUpPages = 1 << 20
	// maxRangePages bounds one read below the head: eventstore.MaxReadLimit
	// events of the log, and whatever else $all holds between them (system
	// events, other applications' streams).
	maxRangePages = 1 << 16
)

// ErrIndexMismatch means the count of $all kept in PostgreSQL does not
// describe the EventStoreDB the store is connected to: it was built against
// another server, or $all changed under it (a stream of the log deleted,
// truncated or scavenged). Nothing is read or written past it.
var ErrIndexMismatch = errors.New("the index of $all in PostgreSQL does not match EventStoreDB")

// placement is where an event sits in the global order.
type placement struct {
	position   int64
	globalHash []byte
}

// indexRow is one counted event: its id, and the checkpoint right after it
// (its $all position, Position and GlobalHash).
type indexRow struct {
	eventID uuid.UUID
	at      Checkpoint
}

// positionIndex is the store's count of $all, kept in PostgreSQL
// (eventstoredb_positions, migration 010): one row per event of the log with
// its position, its place in $all, its id and its global hash. Any process
// extends it as it counts new events; every process counts the same, so
// concurrent writers insert the same rows. A process resumes at the last
// row, reads the log from any position by starting at that row's place in
// $all, and finds events by id with one query: nothing of the log's size is
// read at start or held in memory.
type positionIndex struct {
	pool  *pgxpool.Pool
	logID int32

	// scanning lets one catch-up of this process run at a time.
	scanning sync.Mutex

	mutex sync.Mutex // guards scanned
	// scanned is how far this process has read $all: at the last event of
	// the log it counted, or past it (other streams' events read after it).
	scanned Checkpoint
}

// openIndex finds the log's row in eventstoredb_logs, or makes it.
func openIndex(ctx context.Context, pool *pgxpool.Pool, namespace string, prefixes []string) (*positionIndex, error) {
	want := slices.Sorted(slices.Values(prefixes))
	if _, err := pool.Exec(ctx, `INSERT INTO eventstoredb_logs (namespace, stream_prefixes) VALUES ($1, $2)
		ON CONFLICT (namespace) DO NOTHING`, namespace, want); err != nil {
		return nil, fmt.Errorf("register the log in eventstoredb_logs (is DATABASE_URL migrated?): %w", err)
	}
	var logID int32
	var kept []string
	if err := pool.QueryRow(ctx, `SELECT log_id, stream_prefixes FROM eventstoredb_logs WHERE namespace = $1`, namespace).Scan(&logID, &kept); err != nil {
		return nil, fmt.Errorf("read the log's row of eventstoredb_logs: %w", err)
	}
	if !slices.Equal(slices.Sorted(slices.Values(kept)), want) {
		return nil, fmt.Errorf("%w: its count of namespace %q is over the stream prefixes %q, and this store takes %q: "+
			"positions would differ; configure the same prefixes, or delete the log's rows (eventstoredb_positions and "+
			"eventstoredb_logs, log_id %d) to count $all again", ErrIndexMismatch, namespace, kept, want, logID)
	}
	return &positionIndex{pool: pool, logID: logID}, nil
}

// head is how far this process has counted.
func (x *positionIndex) head() Checkpoint {
	x.mutex.Lock()
	defer x.mutex.Unlock()
	return x.scanned
}

func (x *positionIndex) moveScanned(to Checkpoint) {
	x.mutex.Lock()
	defer x.mutex.Unlock()
	if to.Position >= x.scanned.Position {
		x.scanned = to
	}
}

// rowAt is the row at position (the zero Checkpoint for 0), with the event id
// a read of $all from its place must begin with.
func (x *positionIndex) rowAt(ctx context.Context, position int64) (indexRow, bool, error) {
	if position <= 0 {
		return indexRow{}, true, nil
	}
	return x.queryRow(ctx, `SELECT event_id, position, commit_position, prepare_position, global_hash
		FROM eventstoredb_positions WHERE log_id = $1 AND position = $2`, x.logID, position)
}

// last is the row of the highest position (the zero row when there is none).
func (x *positionIndex) last(ctx context.Context) (indexRow, error) {
	row, found, err := x.queryRow(ctx, `SELECT event_id, position, commit_position, prepare_position, global_hash
		FROM eventstoredb_positions WHERE log_id = $1 ORDER BY position DESC LIMIT 1`, x.logID)
	if err != nil || !found {
		return indexRow{}, err
	}
	return row, nil
}

func (x *positionIndex) queryRow(ctx context.Context, query string, args ...any) (indexRow, bool, error) {
	var row indexRow
	var commit, prepare int64
	err := x.pool.QueryRow(ctx, query, args...).Scan(&row.eventID, &row.at.Position, &commit, &prepare, &row.at.GlobalHash)
	if errors.Is(err, pgx.ErrNoRows) {
		return indexRow{}, false, nil
	}
	if err != nil {
		return indexRow{}, false, fmt.Errorf("read the index: %w", err)
	}
	row.at.Commit, row.at.Prepare = uint64(commit), uint64(prepare)
	return row, true, nil
}

// add stores rows counted by this process. Rows another process stored
// first must be the same; anything else means the two counted different $alls.
func (x *positionIndex) add(ctx context.Context, rows []indexRow) error {
	if len(rows) == 0 {
		return nil
	}
	positions := make([]int64, len(rows))
	commits := make([]int64, len(rows))
	prepares := make([]int64, len(rows))
	ids := make([]uuid.UUID, len(rows))
	hashes := make([][]byte, len(rows))
	for i, row := range rows {
		if row.at.Commit > math.MaxInt64 || row.at.Prepare > math.MaxInt64 {
			return fmt.Errorf("$all position %d/%d of event %s does not fit the index", row.at.Commit, row.at.Prepare, row.eventID)
		}
		positions[i], commits[i], prepares[i] = row.at.Position, int64(row.at.Commit), int64(row.at.Prepare)
		ids[i], hashes[i] = row.eventID, row.at.GlobalHash
	}
	inserted, err := x.pool.Query(ctx, `INSERT INTO eventstoredb_positions
			(log_id, position, commit_position, prepare_position, event_id, global_hash)
		SELECT $1, u.position, u.commit_position, u.prepare_position, u.event_id, u.global_hash
		FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::uuid[], $6::bytea[])
			AS u(position, commit_position, prepare_position, event_id, global_hash)
		ON CONFLICT (log_id, position) DO NOTHING
		RETURNING position`, x.logID, positions, commits, prepares, ids, hashes)
	if err != nil {
		return fmt.Errorf("extend the index: %w", err)
	}
	stored, err := pgx.CollectRows(inserted, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("extend the index: %w", err)
	}
	if len(stored) == len(rows) {
		return nil
	}
	return x.sameAsStored(ctx, rows, stored)
}

// sameAsStored checks, in one query, the rows another process inserted first.
func (x *positionIndex) sameAsStored(ctx context.Context, rows []indexRow, inserted []int64) error {
	mine := make(map[int64]bool, len(inserted))
	for _, position := range inserted {
		mine[position] = true
	}
	theirs := make(map[int64]indexRow, len(rows)-len(inserted))
	positions := make([]int64, 0, len(rows)-len(inserted))
	for _, row := range rows {
		if !mine[row.at.Position] {
			theirs[row.at.Position] = row
			positions = append(positions, row.at.Position)
		}
	}
	stored, err := x.pool.Query(ctx, `SELECT position, event_id, global_hash FROM eventstoredb_positions
		WHERE log_id = $1 AND position = ANY($2)`, x.logID, positions)
	if err != nil {
		return fmt.Errorf("read the index: %w", err)
	}
	defer stored.Close()
	for stored.Next() {
		var position int64
		var id uuid.UUID
		var hash []byte
		if err := stored.Scan(&position, &id, &hash); err != nil {
			return fmt.Errorf("read the index: %w", err)
		}
		row := theirs[position]
		if id != row.eventID || !bytes.Equal(hash, row.at.GlobalHash) {
			return fmt.Errorf("%w: position %d is event %s in the index and %s in this count of $all", ErrIndexMismatch, position, id, row.eventID)
		}
		delete(theirs, position)
	}
	if err := stored.Err(); err != nil {
		return fmt.Errorf("read the index: %w", err)
	}
	if len(theirs) > 0 {
		return fmt.Errorf("%w: %d rows were neither inserted nor found (deleted meanwhile?)", ErrIndexMismatch, len(theirs))
	}
	return nil
}

// placements looks event ids up; an id stored twice (two racing appends)
// is found at its lower position.
func (x *positionIndex) placements(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]placement, error) {
	rows, err := x.pool.Query(ctx, `SELECT DISTINCT ON (event_id) event_id, position, global_hash
		FROM eventstoredb_positions WHERE log_id = $1 AND event_id = ANY($2)
		ORDER BY event_id, position`, x.logID, ids)
	if err != nil {
		return nil, fmt.Errorf("look event ids up in the index: %w", err)
	}
	defer rows.Close()
	found := make(map[uuid.UUID]placement, len(ids))
	for rows.Next() {
		var id uuid.UUID
		var at placement
		if err := rows.Scan(&id, &at.position, &at.globalHash); err != nil {
			return nil, fmt.Errorf("look event ids up in the index: %w", err)
		}
		found[id] = at
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("look event ids up in the index: %w", err)
	}
	return found, nil
}

// number advances c over a page of $all; it returns the log's events in it,
// numbered and chained, and a row of the index for each.
func number(c Checkpoint, events []*esdb.RecordedEvent, streams streamFilter) (Checkpoint, []eventstore.RecordedEvent, []indexRow, error) {
	var placed []eventstore.RecordedEvent
	var rows []indexRow
	for _, event := range events {
		next, recorded, ours, err := advance(c, event, streams)
		if err != nil {
			return c, nil, nil, fmt.Errorf("after position %d: %w", c.Position, err)
		}
		c = next
		if !ours {
			continue
		}
		placed = append(placed, recorded)
		rows = append(rows, indexRow{eventID: recorded.EventID, at: next})
	}
	return c, placed, rows, nil
}

// readAllPage reads one page of $all from c.
func (s *Store) readAllPage(ctx context.Context, c Checkpoint) ([]*esdb.RecordedEvent, error) {
	return s.client.readAll(ctx, esdb.ReadAllOptions{
		Direction: esdb.Forwards,
		From:      c.allPosition(),
		// A link would show an event a second time, under another stream.
		ResolveLinkTos: false,
		// A follower may lag; Append must see its own events, and a catch-up
		// every event acknowledged before it began.
		RequiresLeader: true,
	}, scanPageSize)
}

// checkStart checks the first page of a read that resumes at a row of the
// index: EventStoreDB must hold the row's event at the row's place (a read
// from a position includes the event there).
func checkStart(row indexRow, events []*esdb.RecordedEvent) error {
	if row.at.Position == 0 {
		return nil
	}
	place := esdb.Position{Commit: row.at.Commit, Prepare: row.at.Prepare}
	if len(events) == 0 || events[0].Position != place || events[0].EventID != row.eventID {
		held := "nothing"
		if len(events) > 0 {
			held = fmt.Sprintf("event %s at %d/%d", events[0].EventID, events[0].Position.Commit, events[0].Position.Prepare)
		}
		return fmt.Errorf("%w: it has position %d as event %s at $all %d/%d, and EventStoreDB holds %s there: "+
			"the index was built against another server, or $all changed (deleted, truncated or scavenged streams); "+
			"`jaminan verify` shows where the log broke", ErrIndexMismatch, row.at.Position, row.eventID, row.at.Commit, row.at.Prepare, held)
	}
	return nil
}

// resumePoint is where a catch-up of this process starts: its own scan when
// that is as far as the index (check false: it may stand past the last row,
// on another stream's event), else the index's last row, whose event the
// first page must begin with.
func (s *Store) resumePoint(ctx context.Context) (start indexRow, check bool, err error) {
	last, err := s.index.last(ctx)
	if err != nil {
		return indexRow{}, false, err
	}
	scanned := s.index.head()
	if scanned.Position == last.at.Position && scanned.started() {
		return indexRow{at: scanned}, false, nil
	}
	return last, true, nil
}

// catchUp counts $all from the last counted event to its end, storing what
// it counts in the index, and returns the new tip.
func (s *Store) catchUp(ctx context.Context) (Checkpoint, error) {
	s.index.scanning.Lock()
	defer s.index.scanning.Unlock()
	start, check, err := s.resumePoint(ctx)
	if err != nil {
		return Checkpoint{}, err
	}
	tip := start.at
	for page := range maxCatchUpPages {
		events, err := s.readAllPage(ctx, tip)
		if err != nil {
			return tip, fmt.Errorf("read $all after position %d: %w", tip.Position, mapError(err))
		}
		if page == 0 && check {
			if err := checkStart(start, events); err != nil {
				return tip, err
			}
		}
		next, _, rows, err := number(tip, events, s.streams)
		if err != nil {
			return tip, fmt.Errorf("number $all: %w", err)
		}
		if err := s.index.add(ctx, rows); err != nil {
			return tip, err
		}
		s.index.moveScanned(next)
		tip = next
		if len(events) < scanPageSize {
			return tip, nil
		}
	}
	return tip, fmt.Errorf("catch-up did not reach the end of $all within %d pages of %d events", maxCatchUpPages, scanPageSize)
}

// readRange returns up to limit events of the log with after < Position <=
// until (until <= the tip), reading $all from the place of position after.
func (s *Store) readRange(ctx context.Context, after int64, limit int, until int64) ([]eventstore.RecordedEvent, error) {
	start, found, err := s.index.rowAt(ctx, after)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("%w: position %d is below the tip but not in the index (were its rows deleted?)", ErrIndexMismatch, after)
	}
	from := start.at
	out := make([]eventstore.RecordedEvent, 0, min(int64(limit), max(until-after, 0)))
	for page := range maxRangePages {
		if from.Position >= until || len(out) == limit {
			return out, nil
		}
		events, err := s.readAllPage(ctx, from)
		if err != nil {
			return nil, fmt.Errorf("read $all after position %d: %w", from.Position, mapError(err))
		}
		if page == 0 {
			if err := checkStart(start, events); err != nil {
				return nil, err
			}
		}
		next, placed, _, err := number(from, events, s.streams)
		if err != nil {
			return nil, fmt.Errorf("number $all: %w", err)
		}
		for _, event := range placed {
			if event.Position > after && event.Position <= until && len(out) < limit {
				out = append(out, event)
			}
		}
		from = next
		if len(events) < scanPageSize {
			// $all ended before until: events counted earlier are gone
			// (scavenged); Verify reports where.
			return out, nil
		}
	}
	return nil, fmt.Errorf("read of positions %d to %d did not end within %d pages of $all", after+1, until, maxRangePages)
}
