package projections

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

// DefaultReplayBatch is how many events one read of the log returns during a
// rebuild or a verification: larger than a live catch-up's batch, because
// nobody waits on a replay's single transactions.
const DefaultReplayBatch = eventstore.MaxReadLimit

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
// target position (inclusive), through the one reader (applyShared): each
// batch of the log read and decoded once, applied to every projection in one
// transaction with every checkpoint. Any failure stops it, with nothing of
// the failing batch committed. progress, when not nil, is told how many
// events each batch read. It returns how many events it read.
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
	from, to := int64(math.MaxInt64), int64(0)
	for _, projection := range selected {
		from, to = min(from, positions[projection.Name()]), max(to, targets[projection.Name()])
	}
	var read int64
	maxBatches := (to-from)/int64(batchSize) + 2
	reader := &logReader{runner: r, ahead: true, takes: takesAny(selected)}
	defer reader.close()
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
