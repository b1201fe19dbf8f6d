package projections

import (
	"context"
	"fmt"
)

// maxTailRounds bounds how often a rebuild catches up with events appended
// while it ran; whatever comes after the last round the live runner applies.
const maxTailRounds = 10

// RebuildReport says what a rebuild did.
type RebuildReport struct {
	Projections []string
	// Events is how many events were read from the log.
	Events int64
	// Positions are the checkpoints the rebuilt read models start from.
	Positions map[string]int64
}

// RebuildProgress is told how many events are done of the head known now.
type RebuildProgress func(done, head int64)

// RebuildInPlace empties the projections' tables and checkpoints (Reset) and
// replays the log into them. Readers see the read models empty and filling
// while it runs; RebuildSideBySide spares them that.
func (r *Runner) RebuildInPlace(ctx context.Context, names []string, batchSize int, progress RebuildProgress) (RebuildReport, error) {
	selected, err := r.Select(names)
	if err != nil {
		return RebuildReport{}, err
	}
	for _, projection := range selected {
		if err := r.Reset(ctx, projection.Name()); err != nil {
			return RebuildReport{}, err
		}
	}
	return r.replayToHead(ctx, selected, batchSize, progress)
}

// RebuildSideBySide is the blue/green rebuild: it builds fresh copies of the
// projections' tables in a scratch schema from the log (the "next" tables),
// catches up with events appended meanwhile, and swaps them in by name, with
// their checkpoints, in one transaction (Scratch.SwapIn). Readers see the old
// read model until the swap and the new one after it, never an empty one.
func (r *Runner) RebuildSideBySide(ctx context.Context, names []string, batchSize int, progress RebuildProgress) (report RebuildReport, err error) {
	selected, err := r.Select(names)
	if err != nil {
		return RebuildReport{}, err
	}
	scratch, err := r.NewScratch(ctx, "rebuild", ScratchToSwap, selected)
	if err != nil {
		return RebuildReport{}, err
	}
	defer func() {
		if dropErr := scratch.Drop(ctx); dropErr != nil && err == nil {
			err = dropErr
		}
	}()
	report, err = scratch.Runner.replayToHead(ctx, selected, batchSize, progress)
	if err != nil {
		return report, err
	}
	if err := scratch.BuildIndexes(ctx); err != nil {
		return report, err
	}
	if err := scratch.SwapIn(ctx); err != nil {
		return report, err
	}
	return report, nil
}

// replayToHead replays the projections to the log head, and again to the
// new head while events keep arriving, a bounded number of times.
func (r *Runner) replayToHead(ctx context.Context, selected []Projection, batchSize int, progress RebuildProgress) (RebuildReport, error) {
	report := RebuildReport{}
	for _, projection := range selected {
		report.Projections = append(report.Projections, projection.Name())
	}
	for round := 0; round < maxTailRounds; round++ {
		head, err := r.config.Store.Head(ctx)
		if err != nil {
			return report, err
		}
		if report.Positions, err = r.Checkpoints(ctx, selected); err != nil {
			return report, err
		}
		targets, behind := map[string]int64{}, false
		for _, projection := range selected {
			targets[projection.Name()] = head
			behind = behind || report.Positions[projection.Name()] < head
		}
		if !behind {
			return report, nil
		}
		_, err = r.ReplayTo(ctx, targets, batchSize, func(events int) {
			report.Events += int64(events)
			if progress != nil {
				progress(report.Events, head)
			}
		})
		if err != nil {
			return report, fmt.Errorf("replay to position %d: %w", head, err)
		}
	}
	positions, err := r.Checkpoints(ctx, selected)
	report.Positions = positions
	return report, err
}
