// Package migrate copies one store's log into another through the port
// (`jaminan migrate-log --from postgres --to eventstoredb`), keeping what the
// log's proofs rest on: the global order, event ids, stream versions,
// recorded_at, metadata and the stream hashes. The target recomputes the
// global hashes over the same order, so they come out the same too, and the
// read models' checkpoints (global positions) stay valid after the switch.
//
// Resuming: the copy keeps no checkpoint of its own. The target's head is
// the number of events already copied, because the copy writes them in
// the source's order and nothing else writes to the target; before going on,
// Copy checks that the target's last event is the source's event at the same
// position (the global hash there covers everything before it). A run that
// stopped anywhere, even between a write and its acknowledgement, resumes at
// the first event the target lacks. A batch sent again is a no-op: the
// target recognises its event ids (eventstore.Importer).
package migrate

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

// DefaultBatchSize is how many events one read of the source takes unless configured.
const DefaultBatchSize = 1000

// Target is a store a log can be copied into.
type Target interface {
	eventstore.Store
	eventstore.Importer
}

// Config says what to copy where.
type Config struct {
	Source eventstore.Store
	Target Target
	// BatchSize is how many events one read of the source takes (1 to
	// eventstore.MaxReadLimit); zero means DefaultBatchSize. Consecutive
	// events of one stream within a batch go to the target in one Import
	// of at most eventstore.MaxEventsPerAppend.
	BatchSize int
	// DryRun reads everything that would be copied and checks it as the
	// target would (eventstore.ValidateImport: versions, hashes, the chain
	// within each run), and writes nothing.
	DryRun bool
	// Progress, when not nil, is called after each batch with the positions
	// the target holds (or, in a dry run, would hold) and the source's head.
	Progress func(done, head int64)
}

func (c *Config) setDefaults() {
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
}

// Validate reports every impossible field at once.
func (c Config) Validate() error {
	var errs []error
	if c.Source == nil {
		errs = append(errs, errors.New("migrate: Source is required"))
	}
	if c.Target == nil {
		errs = append(errs, errors.New("migrate: Target is required"))
	}
	if c.BatchSize < 1 || c.BatchSize > eventstore.MaxReadLimit {
		errs = append(errs, fmt.Errorf("migrate: BatchSize must be 1 to %d, got %d", eventstore.MaxReadLimit, c.BatchSize))
	}
	return errors.Join(errs...)
}

// Report is what one run did.
type Report struct {
	// SourceHead is the source's head when the run began; the run copies up to it.
	SourceHead int64
	// Resumed is how many events the target held when the run began.
	Resumed int64
	// Copied is how many events this run wrote (in a dry run: would write).
	Copied int64
	// Duplicates is how many events the target answered as stored already.
	Duplicates int64
	// Imports is how many Import calls the copy made (or would make).
	Imports int64
	DryRun  bool
}

// Copy copies the source's events after the target's head, up to the
// source's head when it starts. Events appended to the source meanwhile are
// left for the next run; stop the writers before the last one.
func Copy(ctx context.Context, config Config) (Report, error) {
	config.setDefaults()
	if err := config.Validate(); err != nil {
		return Report{}, err
	}
	report := Report{DryRun: config.DryRun}
	var err error
	if report.SourceHead, err = config.Source.Head(ctx); err != nil {
		return report, fmt.Errorf("migrate: read the source's head: %w", err)
	}
	if report.Resumed, err = resumePoint(ctx, config.Source, config.Target, report.SourceHead); err != nil {
		return report, err
	}
	if config.Progress != nil {
		config.Progress(report.Resumed, report.SourceHead)
	}
	// Each batch advances at least one position, so this many batches always suffice.
	after := report.Resumed
	for batch := int64(0); after < report.SourceHead && batch < report.SourceHead; batch++ {
		events, err := readBatch(ctx, config.Source, after, int(min(int64(config.BatchSize), report.SourceHead-after)))
		if err != nil {
			return report, err
		}
		for _, run := range runs(events) {
			if err := copyRun(ctx, config, run, &report); err != nil {
				return report, err
			}
		}
		after = events[len(events)-1].Position
		if config.Progress != nil {
			config.Progress(after, report.SourceHead)
		}
	}
	if after != report.SourceHead {
		return report, fmt.Errorf("migrate: the copy stopped at position %d before the source's head %d", after, report.SourceHead)
	}
	return report, nil
}

// resumePoint is how many of the source's events the target holds already,
// after checking that they are the source's first events.
func resumePoint(ctx context.Context, source eventstore.Store, target Target, sourceHead int64) (int64, error) {
	targetHead, err := target.Head(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrate: read the target's head: %w", err)
	}
	if targetHead == 0 {
		return 0, nil
	}
	if targetHead > sourceHead {
		return 0, fmt.Errorf("migrate: the target holds %d events, more than the source's %d: it holds another log, or the source lost events", targetHead, sourceHead)
	}
	if err := samePrefix(ctx, source, target, targetHead); err != nil {
		return 0, fmt.Errorf("migrate: the target holds %d events but they are not the source's first %d (%w); copy into an empty store", targetHead, targetHead, err)
	}
	return targetHead, nil
}

// samePrefix checks that both stores hold the same events at positions
// 1..position, by the global hash at position: it chains every event hash
// and position before it, and each store computed its own.
func samePrefix(ctx context.Context, source, target eventstore.Store, position int64) error {
	theirs, err := eventAt(ctx, source, position)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	ours, err := eventAt(ctx, target, position)
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	if ours.EventID != theirs.EventID || !bytes.Equal(ours.GlobalHash, theirs.GlobalHash) {
		return fmt.Errorf("at position %d the target has event %s (stream %s version %d), the source %s (stream %s version %d), global hashes %x and %x",
			position, ours.EventID, ours.StreamID, ours.Version, theirs.EventID, theirs.StreamID, theirs.Version, ours.GlobalHash, theirs.GlobalHash)
	}
	return nil
}

func eventAt(ctx context.Context, store eventstore.Store, position int64) (eventstore.RecordedEvent, error) {
	events, err := store.ReadAll(ctx, position-1, 1)
	if err != nil {
		return eventstore.RecordedEvent{}, fmt.Errorf("read position %d: %w", position, err)
	}
	if len(events) != 1 || events[0].Position != position {
		return eventstore.RecordedEvent{}, fmt.Errorf("position %d cannot be read", position)
	}
	return events[0], nil
}

// readBatch reads up to limit source events after position after and checks
// that they continue the order without a gap.
func readBatch(ctx context.Context, source eventstore.Store, after int64, limit int) ([]eventstore.RecordedEvent, error) {
	events, err := source.ReadAll(ctx, after, limit)
	if err != nil {
		return nil, fmt.Errorf("migrate: read the source after position %d: %w", after, err)
	}
	if len(events) == 0 {
		return nil, fmt.Errorf("migrate: the source ends at position %d, below the head it reported", after)
	}
	for i, event := range events {
		if event.Position != after+int64(i)+1 {
			return nil, fmt.Errorf("migrate: the source returned position %d where %d was due", event.Position, after+int64(i)+1)
		}
	}
	return events, nil
}

// maxRunBytes bounds the bytes of one run (eventstore.EventSize plus
// runEventOverhead an event): half of EventStoreDB's default maximum append
// size, so a bill's parts, consecutive in the log, are imported in writes it takes.
const (
	maxRunBytes      = 512 << 10
	runEventOverhead = 1 << 10
)

// runs splits events (in position order) into runs of consecutive events of
// one stream, each at most eventstore.MaxEventsPerAppend events and
// maxRunBytes: one Import each, so the target places them in the same order.
func runs(events []eventstore.RecordedEvent) [][]eventstore.RecordedEvent {
	var out [][]eventstore.RecordedEvent
	start, size := 0, 0
	for i := 0; i <= len(events); i++ {
		var add int
		if i < len(events) {
			add = eventstore.EventSize(eventstore.EventDataOf(events[i : i+1])[0]) + runEventOverhead
		}
		if i > start && (i == len(events) || events[i].StreamID != events[start].StreamID || i-start == eventstore.MaxEventsPerAppend || size+add > maxRunBytes) {
			out = append(out, events[start:i])
			start, size = i, 0
		}
		size += add
	}
	return out
}

// copyRun imports one run behind the version the source had before it, and
// checks that the target placed it at the source's positions.
func copyRun(ctx context.Context, config Config, run []eventstore.RecordedEvent, report *Report) error {
	first := run[0]
	expected := eventstore.Exact(first.Version - 1) // Exact(0) is NoStream: explicit either way
	report.Imports++
	if config.DryRun {
		if err := eventstore.ValidateImport(first.StreamID, expected, run); err != nil {
			return fmt.Errorf("migrate: position %d (stream %s version %d) cannot be copied: %w", first.Position, first.StreamID, first.Version, err)
		}
		report.Copied += int64(len(run))
		return nil
	}
	result, err := config.Target.Import(ctx, first.StreamID, expected, run)
	if err != nil {
		return fmt.Errorf("migrate: copy positions %d to %d (stream %s from version %d): %w",
			first.Position, run[len(run)-1].Position, first.StreamID, first.Version, err)
	}
	if len(result.Events) != len(run) {
		return fmt.Errorf("migrate: the target took %d of %d events at position %d", len(result.Events), len(run), first.Position)
	}
	for i, event := range result.Events {
		if event.Position != run[i].Position || !bytes.Equal(event.GlobalHash, run[i].GlobalHash) {
			return fmt.Errorf("migrate: the target placed event %s at position %d, the source has it at %d (or their global hashes differ): "+
				"something else writes to the target; stop it, empty the target and copy again", event.EventID, event.Position, run[i].Position)
		}
	}
	if result.Duplicate {
		report.Duplicates += int64(len(run))
		return nil
	}
	report.Copied += int64(len(run))
	return nil
}

// Verification is the comparison of a finished copy with its source.
type Verification struct {
	// Events and Streams are what the target's walk checked.
	Events, Streams int64
	// Head is the target's head, compared with the source at that position.
	Head int64
	// FirstBroken is where the target's own chains break; nil when intact.
	FirstBroken *eventstore.Break
}

// Verify checks a copy: the target holds want events, its stream chains and
// global chain recompute (eventstore.Verify), and its global hash at its
// head equals the source's there, which proves the same events, hashes and
// order at every position before it. progress follows the target's walk.
func Verify(ctx context.Context, source eventstore.Store, target eventstore.Store, want int64, progress func(checked, head int64)) (Verification, error) {
	report, err := eventstore.Verify(ctx, target, progress)
	if err != nil {
		return Verification{}, fmt.Errorf("migrate: verify the target: %w", err)
	}
	verification := Verification{Events: report.Events, Streams: report.Streams, FirstBroken: report.FirstBroken}
	if report.FirstBroken != nil {
		return verification, fmt.Errorf("migrate: the target's chains break at %s", report.FirstBroken)
	}
	if verification.Head, err = target.Head(ctx); err != nil {
		return verification, fmt.Errorf("migrate: read the target's head: %w", err)
	}
	if verification.Head != want || report.Events != want {
		return verification, fmt.Errorf("migrate: the target holds %d events (head %d), want %d", report.Events, verification.Head, want)
	}
	if want == 0 {
		return verification, nil
	}
	if err := samePrefix(ctx, source, target, want); err != nil {
		return verification, fmt.Errorf("migrate: the copy differs from the source: %w", err)
	}
	return verification, nil
}
