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
	decoded, decodeErr := reader.read(ctx, from, limit)
	if decodeErr != nil && !errors.As(decodeErr, new(*decodeError)) {
		return outcome, decodeErr
	}
	outcome.read = len(decoded)
	if decodeErr != nil {
		outcome.read = limit // more to read: the event it cannot decode, for the projections taken alone
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
		// Events a replay left undecoded are not given; the checkpoint moves past them.
		var applyErr error
		if given := decodedOnly(subset); len(given) > 0 {
			applyErr = applyUnderSavepoint(ctx, tx, projection, given)
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

// readOnce reads up to limit events after the position and decodes them,
// each once; at an event it cannot decode it returns those before it with a
// *decodeError.
func (r *Runner) readOnce(ctx context.Context, after int64, limit int, takes func(string) bool) ([]Decoded, error) {
	recorded, err := r.config.Store.ReadAll(ctx, after, limit)
	if err != nil {
		return nil, err
	}
	decoded := make([]Decoded, 0, len(recorded))
	for _, event := range recorded {
		if takes != nil && !takes(event.Type) {
			decoded = append(decoded, Decoded{Recorded: event, undecoded: true}) // its position counts; nobody reads it
			continue
		}
		value, err := r.config.Decode(event)
		if err != nil {
			return decoded, &decodeError{position: event.Position, err: err}
		}
		decoded = append(decoded, Decoded{Recorded: event, Event: value})
	}
	return decoded, nil
}

// batchSource is where applyShared takes its batch: the log (logReader), or
// a replay lane's share of a batch read once for every lane (laneBatch).
type batchSource interface {
	read(ctx context.Context, after int64, limit int) ([]Decoded, error)
}

// logReader reads the log for applyShared. A replay's reader reads ahead:
// while one batch is applied, the next (from where the batch ends, as every
// projection of a replay moves to its end) is read and decoded on another
// connection, so the log's read and the projections' writes overlap. At most
// two batches are in memory.
type logReader struct {
	runner *Runner
	ahead  bool
	// takes, when not nil, says which event types to decode (takesAny);
	// the others come marked undecoded and are given to no projection.
	takes func(string) bool
	next  *pendingRead
}

type pendingRead struct {
	after   int64
	limit   int
	done    chan struct{}
	decoded []Decoded
	err     error
}

func (rd *logReader) read(ctx context.Context, after int64, limit int) ([]Decoded, error) {
	var decoded []Decoded
	var err error
	if pending := rd.next; pending != nil {
		rd.next = nil
		<-pending.done
		if pending.after == after && pending.limit >= limit {
			// The last batch of a replay asks for fewer (its target is
			// near): the events read ahead, up to its limit, are those.
			decoded, err = pending.decoded, pending.err
			if len(decoded) >= limit {
				decoded, err = decoded[:limit], nil
			}
		} else {
			decoded, err = rd.runner.readOnce(ctx, after, limit, rd.takes)
		}
	} else {
		decoded, err = rd.runner.readOnce(ctx, after, limit, rd.takes)
	}
	if rd.ahead && err == nil && len(decoded) == limit {
		pending := &pendingRead{after: decoded[len(decoded)-1].Recorded.Position, limit: limit, done: make(chan struct{})}
		rd.next = pending
		go func() {
			defer close(pending.done)
			pending.decoded, pending.err = rd.runner.readOnce(ctx, pending.after, pending.limit, rd.takes)
		}()
	}
	return decoded, err
}

// close waits for a read ahead still running.
func (rd *logReader) close() {
	if rd.next != nil {
		<-rd.next.done
		rd.next = nil
	}
}
