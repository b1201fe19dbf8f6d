package projections

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/jackc/pgx/v5"

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
// target position (inclusive). Each batch of the log is read and decoded once
// for all of them; each projection's writes and its checkpoint commit in one
// transaction, as in CatchUp. progress, when not nil, is told how many events
// each batch read. It returns how many events it read.
func (r *Runner) ReplayTo(ctx context.Context, targets map[string]int64, batchSize int, progress func(events int)) (int64, error) {
	if batchSize < 1 || batchSize > eventstore.MaxReadLimit {
		return 0, fmt.Errorf("replay batch size %d: must be 1 to %d", batchSize, eventstore.MaxReadLimit)
	}
	ctx = withBulk(ctx) // fresh tables: large inserts go by COPY
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
	for batch := int64(0); from < to && batch < maxBatches; batch++ {
		decoded, err := r.readDecoded(ctx, from, int(min(int64(batchSize), to-from)))
		if err != nil || len(decoded) == 0 {
			return read, err
		}
		for _, projection := range selected {
			name := projection.Name()
			if positions[name] >= targets[name] {
				continue
			}
			if positions[name], err = r.applyRange(ctx, projection, decoded, targets[name]); err != nil {
				return read, fmt.Errorf("projection %s: %w", name, err)
			}
		}
		from = decoded[len(decoded)-1].Recorded.Position
		read += int64(len(decoded))
		if progress != nil {
			progress(len(decoded))
		}
	}
	return read, nil
}

func (r *Runner) readDecoded(ctx context.Context, after int64, limit int) ([]Decoded, error) {
	recorded, err := r.config.Store.ReadAll(ctx, after, limit)
	if err != nil {
		return nil, err
	}
	decoded := make([]Decoded, 0, len(recorded))
	for _, event := range recorded {
		value, err := r.config.Decode(event)
		if err != nil {
			return nil, fmt.Errorf("decode position %d: %w", event.Position, err)
		}
		decoded = append(decoded, Decoded{Recorded: event, Event: value})
	}
	return decoded, nil
}

// applyRange applies the events after the projection's checkpoint and up to
// `to`, with the checkpoint, in one transaction, and returns the checkpoint.
// The checkpoint row is locked first, so a live runner never applies the same events.
func (r *Runner) applyRange(ctx context.Context, projection Projection, decoded []Decoded, to int64) (position int64, err error) {
	tx, err := r.config.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	err = tx.QueryRow(ctx, `INSERT INTO projection_checkpoints (projection) VALUES ($1)
		ON CONFLICT (projection) DO UPDATE SET projection = EXCLUDED.projection RETURNING position`, projection.Name()).Scan(&position)
	if err != nil {
		return 0, fmt.Errorf("lock checkpoint: %w", err)
	}
	subset := make([]Decoded, 0, len(decoded))
	for _, event := range decoded {
		if event.Recorded.Position > position && event.Recorded.Position <= to {
			subset = append(subset, event)
		}
	}
	if len(subset) == 0 {
		return position, tx.Rollback(ctx)
	}
	if err := projection.Apply(ctx, tx, subset); err != nil {
		return 0, err
	}
	last := subset[len(subset)-1].Recorded.Position
	if _, err := tx.Exec(ctx, `UPDATE projection_checkpoints SET position = $2, updated_at = now() WHERE projection = $1`, projection.Name(), last); err != nil {
		return 0, fmt.Errorf("advance checkpoint: %w", err)
	}
	return last, tx.Commit(ctx)
}
