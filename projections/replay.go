package projections

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

// DefaultReplayBatch is how many events one read of the log returns during a
// rebuild or a verification: larger than a live catch-up's batch, because
// nobody waits on a replay's single transactions.
const DefaultReplayBatch = eventstore.MaxReadLimit

// DefaultBatchBytes is the event data one batch holds at most (Config.BatchBytes):
// about 3,000 events of a village's log, whose replay holds about 100 MiB at
// its peak, two batches decoded and the rows of one.
const DefaultBatchBytes = 4 << 20

// maxBatchBytes bounds Config.BatchBytes.
const maxBatchBytes = 1 << 30

// Select returns the projections named, in catch-up order; no names means all.
func (r *Runner) Select(names []string) ([]Projection, error) {
	if len(names) == 0 {
		return slices.Clone(r.config.Projections), nil
	}
	var selected []Projection
	for _, name := range names {
		found := false
		for _, projection := range r.config.Projections {
			if projection.Name() == name {
				found = true
				if !slices.Contains(selected, projection) {
					selected = append(selected, projection)
				}
			}
		}
		if !found {
			return nil, fmt.Errorf("no projection named %q (known: %v)", name, r.Names())
		}
	}
	slices.SortStableFunc(selected, func(a, b Projection) int { return r.order(a.Name()) - r.order(b.Name()) })
	return selected, nil
}

func (r *Runner) order(name string) int {
	return slices.IndexFunc(r.config.Projections, func(p Projection) bool { return p.Name() == name })
}

// Checkpoints reads the position each projection has applied.
func (r *Runner) Checkpoints(ctx context.Context, projections []Projection) (map[string]int64, error) {
	positions := make(map[string]int64, len(projections))
	for _, projection := range projections {
		position, err := checkpoint(ctx, r.config.Pool, projection.Name())
		if err != nil {
			return nil, err
		}
		positions[projection.Name()] = position
	}
	return positions, nil
}

// ReplayTo applies the log to each projection named in targets up to its
// target position (inclusive): each batch of the log read and decoded once,
// then applied to each projection in a transaction of its own with its
// checkpoint, all at once (replayInLanes), or with Config.ReplayInOneTransaction
// to every projection in one transaction with every checkpoint (applyShared).
// Any failure stops it; what a projection committed is its rows with its
// checkpoint. progress, when not nil, is told how many events each batch
// read, once every projection has applied it. It returns how many events it read.
func (r *Runner) ReplayTo(ctx context.Context, targets map[string]int64, batchSize int, progress func(events int)) (int64, error) {
	if batchSize < 1 || batchSize > eventstore.MaxReadLimit {
		return 0, fmt.Errorf("replay batch size %d: must be 1 to %d", batchSize, eventstore.MaxReadLimit)
	}
	ctx = withBulk(ctx) // large batches: folded in memory, large inserts by COPY
	names := make([]string, 0, len(targets))
	for name := range targets {
		names = append(names, name)
	}
	selected, err := r.Select(names)
	if err != nil || len(selected) == 0 {
		return 0, err
	}
	positions, err := r.Checkpoints(ctx, selected)
	if err != nil {
		return 0, err
	}
	// Projections already at their target take no part: the reader starts
	// at the lowest checkpoint of those still short of theirs.
	selected = slices.DeleteFunc(selected, func(p Projection) bool { return positions[p.Name()] >= targets[p.Name()] })
	if len(selected) == 0 {
		return 0, nil
	}
	from, to := int64(math.MaxInt64), int64(0)
	for _, projection := range selected {
		from, to = min(from, positions[projection.Name()]), max(to, targets[projection.Name()])
	}
	lanes := !r.config.ReplayInOneTransaction && len(selected) > 1
	// Lanes read the next batch while they apply this one by themselves
	// (replayInLanes); reading further ahead would hold a third batch.
	reader := &logReader{runner: r, ahead: !lanes, takes: takesAny(selected), keepData: readsStoredData(selected)}
	defer reader.close()
	if lanes {
		return r.replayInLanes(ctx, reader, selected, targets, from, to, batchSize, progress)
	}
	var read int64
	// Every batch but the last reads one event at least (BatchBytes cuts
	// batches short of batchSize): the loop's bound.
	maxBatches := to - from + 2
	for batch := int64(0); batch < maxBatches; batch++ {
		outcome, err := r.applyShared(ctx, reader, selected, nil, targets, batchSize)
		read += int64(outcome.read)
		if outcome.read > 0 && progress != nil {
			progress(outcome.read)
		}
		if err != nil || outcome.read == 0 {
			return read, err
		}
	}
	return read, nil
}

// replayInLanes is ReplayTo with a lane per projection: the log is read and
// decoded once per batch, as by one transaction, and each projection applies
// the batch in a transaction of its own that also moves its own checkpoint
// (applyShared over that one projection), so one projection's rows go to
// PostgreSQL while another's are folded in Go. A lane takes a batch only
// when done with the one before (the feeds are unbuffered), and the next
// batch is read once every lane has taken this one, while they apply it: at
// most two batches are in memory, as with one transaction and its read
// ahead. Any failure stops every lane; each checkpoint stays with the rows
// its lane committed, so a replay run again goes on from each projection's
// own position.
func (r *Runner) replayInLanes(ctx context.Context, reader *logReader, selected []Projection, targets map[string]int64, from, to int64,
	batchSize int, progress func(events int)) (int64, error) {
	group, ctx := errgroup.WithContext(ctx)
	var progressed sync.Mutex
	feeds := make([]chan *laneBatch, len(selected))
	for i, projection := range selected {
		feed := make(chan *laneBatch)
		feeds[i] = feed
		group.Go(func() error {
			for batch := range feed {
				if _, err := r.applyShared(ctx, batch, []Projection{projection}, nil, targets, len(batch.decoded)); err != nil {
					return err
				}
				if batch.lanesLeft.Add(-1) == 0 && progress != nil {
					progressed.Lock()
					progress(len(batch.decoded))
					progressed.Unlock()
				}
			}
			return nil
		})
	}
	var read int64
	var readErr error // the lanes apply what was read before it, then the replay fails with it
	group.Go(func() error {
		defer func() {
			for _, feed := range feeds {
				close(feed)
			}
		}()
		for after := from; after < to; {
			limit := int(min(int64(batchSize), to-after))
			decoded, more, err := reader.read(ctx, after, limit)
			if err != nil {
				// An event it cannot decode (or a failed read): the events
				// before it are applied, as one transaction would commit them.
				readErr = err
			}
			if len(decoded) == 0 {
				return nil
			}
			batch := &laneBatch{after: after, decoded: decoded}
			batch.lanesLeft.Store(int32(len(feeds)))
			for _, feed := range feeds {
				select {
				case feed <- batch:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			read += int64(len(decoded))
			after = decoded[len(decoded)-1].Recorded.Position
			if readErr != nil || !more {
				return nil
			}
		}
		return nil
	})
	if err := group.Wait(); err != nil {
		return read, err
	}
	return read, readErr
}

// laneBatch is one batch of a replay in lanes, read once and given to every
// lane: the events after position after.
type laneBatch struct {
	after     int64
	decoded   []Decoded
	lanesLeft atomic.Int32 // lanes that have not applied it yet
}

// read gives a lane the batch. The lane's checkpoint (after) is never before
// the batch's start: every lane takes every batch in order from the lowest
// checkpoint on, so its events before the batch were in the batches before.
func (b *laneBatch) read(_ context.Context, after int64, _ int) ([]Decoded, bool, error) {
	if after < b.after {
		return nil, false, fmt.Errorf("replay lane at position %d was given the batch after %d: events between would be skipped", after, b.after)
	}
	return b.decoded, false, nil // a lane's outcome is its error alone; the reader knows what follows
}
