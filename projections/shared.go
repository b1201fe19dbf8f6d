package projections

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"
)

// sharedOutcome is what one shared batch did.
type sharedOutcome struct {
	// read is how many events the batch read from the log.
	read int
	// more: the read stopped at its limit or its bytes, so the log may go on
	// after the batch; false only when it reached the end of the log.
	more bool
	// applied is how many events it applied, summed over the projections.
	applied int64
	// last is the position of the last event read.
	last int64
}

// applyShared is the one reader: it reads one batch of the log after the
// lowest checkpoint of the projections, decodes each event once, and applies
// to each projection the events after its own checkpoint (and, with targets,
// up to its target), all in ONE transaction that also moves every checkpoint.
// Each projection applies under its own savepoint.
//
// alone == nil is a replay (rebuild, verify): any failure fails the batch,
// nothing of it commits, and the error is returned. Otherwise (the live
// runner) a projection that fails is rolled back to its savepoint and added
// to alone, the others commit, and so do projections already named in alone
// or with an error recorded with their checkpoint: those are left out (added
// to alone), for the caller to take one by one. An event no projection can
// decode ends the batch before it; when it is the batch's first event, every
// projection that still needs it goes to alone, where the decoding error is
// recorded for each.
//
// Checkpoints stay exact: a projection's rows and its checkpoint commit in the
// same transaction, the checkpoint rows are locked first (in the runner's
// order, as Scratch.SwapIn locks them) so two runners never apply the same
// events, and a savepoint rolled back takes that projection's rows and leaves
// its checkpoint where it was.
func (r *Runner) applyShared(ctx context.Context, reader batchSource, projections []Projection, alone map[string]bool, targets map[string]int64, limit int) (outcome sharedOutcome, err error) {
	tx, err := r.config.Pool.BeginTx(ctx, projectionTx)
	if err != nil {
		return outcome, err
	}
	defer func() {
		if err != nil || outcome.applied == 0 {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	positions, recorded, err := lockCheckpoints(ctx, tx, projections)
	if err != nil {
		return outcome, err
	}
	from, to := int64(math.MaxInt64), int64(math.MaxInt64)
	var members []Projection
	for _, projection := range projections {
		name := projection.Name()
		if alone != nil && (alone[name] || recorded[name]) {
			alone[name] = true
			continue
		}
		if target, ok := targets[name]; targets != nil && (!ok || positions[name] >= target) {
			continue
		}
		members = append(members, projection)
		from = min(from, positions[name])
	}
	if len(members) == 0 {
		return outcome, nil
	}
	if targets != nil {
		to = 0
		for _, projection := range members {
			to = max(to, targets[projection.Name()])
		}
		limit = int(min(int64(limit), to-from))
	}
	decoded, more, decodeErr := reader.read(ctx, from, limit)
	if decodeErr != nil && !errors.As(decodeErr, new(*decodeError)) {
		return outcome, decodeErr
	}
	outcome.read, outcome.more = len(decoded), more
	if decodeErr != nil {
		outcome.more = true // the event it cannot decode, for the projections taken alone
	}
	if len(decoded) == 0 {
		if decodeErr != nil && alone != nil {
			for _, projection := range members {
				alone[projection.Name()] = true
			}
			return outcome, nil
		}
		return outcome, decodeErr
	}
	outcome.last = decoded[len(decoded)-1].Recorded.Position
	var names []string
	var moved []int64
	for _, projection := range members {
		name := projection.Name()
		subset := eventsFor(decoded, positions[name], targets, name)
		if len(subset) == 0 {
			continue
		}
		// Events it does not take are not given; the checkpoint moves past them.
		var applyErr error
		if taken := given(projection, subset); len(taken) > 0 {
			applyErr = applyUnderSavepoint(ctx, tx, projection, taken)
		}
		if err := applyErr; err != nil {
			if alone == nil || ctx.Err() != nil {
				return outcome, fmt.Errorf("projection %s: %w", name, err)
			}
			alone[name] = true
			continue
		}
		names, moved = append(names, name), append(moved, subset[len(subset)-1].Recorded.Position)
		outcome.applied += int64(len(subset))
	}
	if len(names) == 0 {
		return outcome, nil
	}
	if _, err := tx.Exec(ctx, `UPDATE projection_checkpoints c SET position = a.position, updated_at = now(),
			error = NULL, error_position = NULL, failed_at = NULL
		FROM unnest($1::text[], $2::bigint[]) AS a(projection, position) WHERE c.projection = a.projection`, names, moved); err != nil {
		return outcome, fmt.Errorf("advance checkpoints: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return outcome, err
	}
	if decodeErr != nil && alone == nil {
		return outcome, decodeErr
	}
	return outcome, nil
}

// lockCheckpoints locks (creating where missing) the projections' checkpoint
// rows in their order, and reads each position and whether an error is recorded.
func lockCheckpoints(ctx context.Context, tx pgx.Tx, projections []Projection) (map[string]int64, map[string]bool, error) {
	names := make([]string, 0, len(projections))
	for _, projection := range projections {
		names = append(names, projection.Name())
	}
	rows, err := tx.Query(ctx, `INSERT INTO projection_checkpoints (projection) SELECT unnest($1::text[])
		ON CONFLICT (projection) DO UPDATE SET projection = EXCLUDED.projection
		RETURNING projection, position, error IS NOT NULL`, names)
	if err != nil {
		return nil, nil, fmt.Errorf("lock checkpoints: %w", err)
	}
	positions, recorded := make(map[string]int64, len(names)), make(map[string]bool, len(names))
	var name string
	var position int64
	var failing bool
	_, err = pgx.ForEachRow(rows, []any{&name, &position, &failing}, func() error {
		positions[name], recorded[name] = position, failing
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("lock checkpoints: %w", err)
	}
	return positions, recorded, nil
}

// eventsFor is the part of a batch a projection at position has not applied,
// up to its target when there are targets.
func eventsFor(decoded []Decoded, position int64, targets map[string]int64, name string) []Decoded {
	start := 0
	for start < len(decoded) && decoded[start].Recorded.Position <= position {
		start++
	}
	end := len(decoded)
	if targets != nil {
		for end > start && decoded[end-1].Recorded.Position > targets[name] {
			end--
		}
	}
	return decoded[start:end]
}

// applyUnderSavepoint applies events to one projection under a savepoint of
// tx, rolled back alone when the projection fails.
func applyUnderSavepoint(ctx context.Context, tx pgx.Tx, projection Projection, events []Decoded) error {
	savepoint, err := tx.Begin(ctx)
	if err != nil {
		return err
	}
	if err := projection.Apply(ctx, savepoint, events); err != nil {
		if rollbackErr := savepoint.Rollback(ctx); rollbackErr != nil {
			return errors.Join(err, rollbackErr)
		}
		return err
	}
	return savepoint.Commit(ctx)
}

// decodeError is an event of the log the runner cannot decode.
type decodeError struct {
	position int64
	err      error
}

func (e *decodeError) Error() string { return fmt.Sprintf("decode position %d: %v", e.position, e.err) }
func (e *decodeError) Unwrap() error { return e.err }

// readOnce reads up to limit events after the position, no more of them than
// fit in maxBytes of event data (the first always does), and decodes them,
// each once; at an event it cannot decode it returns those before it with a
// *decodeError. more says it stopped at limit or at maxBytes, so the log may
// go on; bytes is the data of the events it returns. Unless keepData (a
// projection fed reads it: ReadsStoredData), an event's data is dropped once
// decoded, and the batch holds its decoded form alone.
func (r *Runner) readOnce(ctx context.Context, after int64, limit, maxBytes int, takes func(string) bool, keepData bool) (decoded []Decoded, more bool, bytes int, err error) {
	recorded, err := r.config.Store.ReadAll(ctx, after, limit)
	if err != nil {
		return nil, false, 0, err
	}
	more = len(recorded) == limit
	for i, event := range recorded {
		if i > 0 && bytes+len(event.Data) > maxBytes {
			recorded, more = recorded[:i], true
			break
		}
		bytes += len(event.Data)
	}
	decoded = make([]Decoded, 0, len(recorded))
	for _, stored := range recorded {
		next := Decoded{undecoded: takes != nil && !takes(stored.Type)} // undecoded: its position counts; nobody reads it
		if !next.undecoded {
			if next.Event, err = r.config.Decode(stored); err != nil {
				return decoded, more, bytes, &decodeError{position: stored.Position, err: err}
			}
		}
		if !keepData {
			stored.Data = nil
		}
		next.Recorded = stored
		decoded = append(decoded, next)
	}
	return decoded, more, bytes, nil
}

// batchSource is where applyShared takes its batch: the log (logReader), or
// a replay lane's share of a batch read once for every lane (laneBatch).
// more is false only when the batch reached the end of the log.
type batchSource interface {
	read(ctx context.Context, after int64, limit int) (decoded []Decoded, more bool, err error)
}

// logReader reads the log for applyShared. A replay's reader reads ahead:
// while one batch is applied, the next (from where the batch ends, as every
// projection of a replay moves to its end) is read and decoded on another
// connection, so the log's read and the projections' writes overlap. At most
// two batches are in memory.
//
// A batch holds at most Config.BatchBytes of event data (and at least one
// event): events may be up to eventstore.MaxEventSize each, so a batch of
// ReplayBatch events could otherwise hold gigabytes once decoded. The page
// read for a batch is sized from the bytes per event of the batch before it
// (pageLimit), so little is read only to be cut; a page goes past the bound
// only where event sizes jump, and what is cut is dropped before decoding.
type logReader struct {
	runner *Runner
	ahead  bool
	// takes, when not nil, says which event types to decode (takesAny);
	// the others come marked undecoded and are given to no projection.
	takes func(string) bool
	// keepData: a projection fed reads an event's stored JSON (ReadsStoredData).
	keepData bool
	next     *pendingRead
	// perEventBytes is the mean data of an event in the last batch read.
	perEventBytes int
}

// firstPerEventBytes is the size a reader assumes for the events of its
// first page, before it has seen any: four times the mean of a village's log.
const firstPerEventBytes = 4 << 10

type pendingRead struct {
	after   int64
	limit   int
	done    chan struct{}
	decoded []Decoded
	more    bool
	bytes   int
	err     error
}

// pageLimit is how many events to ask of the log for a batch of at most
// limit: as many as fill BatchBytes at the last batch's size, a quarter more
// for the spread, so that the bytes rather than the page end the batch.
func (rd *logReader) pageLimit(limit int) int {
	perEvent := rd.perEventBytes
	if perEvent == 0 {
		perEvent = firstPerEventBytes
	}
	fits := rd.runner.config.BatchBytes / perEvent
	return max(1, min(limit, fits+fits/4+1))
}

func (rd *logReader) read(ctx context.Context, after int64, limit int) ([]Decoded, bool, error) {
	pending := rd.next
	rd.next = nil
	if pending != nil {
		<-pending.done
	}
	if pending == nil || pending.after != after {
		pending = &pendingRead{after: after, limit: rd.pageLimit(limit)}
		rd.readPage(ctx, pending)
	} else if len(pending.decoded) > limit {
		// The last batch of a replay asks for fewer (its target is near):
		// the events read ahead, up to its limit, are those.
		pending.decoded, pending.more, pending.err = pending.decoded[:limit], true, nil
	}
	decoded := pending.decoded
	if len(decoded) > 0 {
		rd.perEventBytes = max(1, pending.bytes/len(decoded))
	}
	if rd.ahead && pending.err == nil && pending.more && len(decoded) > 0 {
		next := &pendingRead{after: decoded[len(decoded)-1].Recorded.Position, limit: rd.pageLimit(limit), done: make(chan struct{})}
		rd.next = next
		go func() {
			defer close(next.done)
			rd.readPage(ctx, next)
		}()
	}
	return decoded, pending.more, pending.err
}

// readPage reads the page read asks for (its position and limit) into it.
func (rd *logReader) readPage(ctx context.Context, page *pendingRead) {
	page.decoded, page.more, page.bytes, page.err = rd.runner.readOnce(ctx, page.after, page.limit, rd.runner.config.BatchBytes, rd.takes, rd.keepData)
}

// close waits for a read ahead still running.
func (rd *logReader) close() {
	if rd.next != nil {
		<-rd.next.done
		rd.next = nil
	}
}
