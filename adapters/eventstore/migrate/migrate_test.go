package migrate_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoretest"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/memory"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/migrate"
	pgstore "github.com/tanahbumbu/jaminan/adapters/eventstore/postgres"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
)

// appendStep is one Append of the source log.
type appendStep struct {
	stream string
	events int
}

// sourceLog interleaves three streams so that runs of one stream cross the
// batches of 4 the tests read with:
//
//	positions 1-3 participant-a, 4-5 payer-b, 6 participant-a, 7-10 claim-c,
//	11 payer-b, 12-13 participant-a
//
// Batches of 4 are 1-4, 5-8, 9-12, 13; their runs of one stream are
// (1-3)(4) (5)(6)(7-8) (9-10)(11)(12) (13): 9 imports for 13 events.
var sourceLog = []appendStep{
	{"participant-a", 3}, {"payer-b", 2}, {"participant-a", 1}, {"claim-c", 4}, {"payer-b", 1}, {"participant-a", 2},
}

const (
	sourceEvents  = 13
	sourceImports = 9
	testBatch     = 4
)

func newSource(t *testing.T, steps []appendStep) *pgstore.Store {
	t.Helper()
	database := pgtest.New(t)
	store, err := pgstore.New(database.Pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	appendSteps(t, store, steps)
	return store
}

func appendSteps(t *testing.T, store eventstore.Store, steps []appendStep) {
	t.Helper()
	ctx := context.Background()
	for _, step := range steps {
		current, err := store.ReadStream(ctx, step.stream, 1, eventstore.MaxReadLimit)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.Append(ctx, step.stream, eventstore.Exact(int64(len(current))), eventstoretest.Events("Copied", step.events)); err != nil {
			t.Fatal(err)
		}
	}
}

func copyAll(t *testing.T, config migrate.Config) migrate.Report {
	t.Helper()
	report, err := migrate.Copy(context.Background(), config)
	if err != nil {
		t.Fatalf("copy: %v", err)
	}
	return report
}

// assertSameLog compares every event of both stores, field by field.
func assertSameLog(t *testing.T, source, target eventstore.Store, want int64) {
	t.Helper()
	ctx := context.Background()
	theirs, err := source.ReadAll(ctx, 0, eventstore.MaxReadLimit)
	if err != nil {
		t.Fatal(err)
	}
	ours, err := target.ReadAll(ctx, 0, eventstore.MaxReadLimit)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(ours)) != want || len(theirs) < len(ours) {
		t.Fatalf("target holds %d events, source %d; want %d copied", len(ours), len(theirs), want)
	}
	for i, event := range ours {
		source := theirs[i]
		if event.Position != source.Position || event.EventID != source.EventID || event.StreamID != source.StreamID ||
			event.Version != source.Version || event.Type != source.Type || event.SchemaVersion != source.SchemaVersion ||
			!event.OccurredAt.Equal(source.OccurredAt) || !event.RecordedAt.Equal(source.RecordedAt) ||
			!bytes.Equal(event.Data, source.Data) || event.Metadata != source.Metadata ||
			!bytes.Equal(event.PreviousHash, source.PreviousHash) || !bytes.Equal(event.Hash, source.Hash) ||
			!bytes.Equal(event.GlobalHash, source.GlobalHash) {
			t.Errorf("position %d: target %+v\nsource %+v", source.Position, event, source)
		}
	}
	verification, err := migrate.Verify(ctx, source, target, want, nil)
	if err != nil {
		t.Errorf("verify the copy: %v", err)
	}
	if verification.Events != want || verification.Head != want {
		t.Errorf("verification: got %+v, want %d events", verification, want)
	}
}

func TestCopyPostgresToMemory(t *testing.T) {
	t.Parallel()
	source := newSource(t, sourceLog)
	target := memory.New()
	var progress []int64
	report := copyAll(t, migrate.Config{Source: source, Target: target, BatchSize: testBatch,
		Progress: func(done, head int64) { progress = append(progress, done) }})
	want := migrate.Report{SourceHead: sourceEvents, Copied: sourceEvents, Imports: sourceImports}
	if report != want {
		t.Errorf("report: got %+v, want %+v", report, want)
	}
	// Once at the start, then after each of the batches 1-4, 5-8, 9-12, 13.
	if got := progress; len(got) != 5 || got[0] != 0 || got[1] != 4 || got[2] != 8 || got[3] != 12 || got[4] != 13 {
		t.Errorf("progress: got %v, want [0 4 8 12 13]", got)
	}
	assertSameLog(t, source, target, sourceEvents)

	// A second run finds everything copied and writes nothing.
	again := copyAll(t, migrate.Config{Source: source, Target: target, BatchSize: testBatch})
	if again != (migrate.Report{SourceHead: sourceEvents, Resumed: sourceEvents}) {
		t.Errorf("re-run: got %+v, want nothing copied, resumed at %d", again, sourceEvents)
	}

	// Events appended to the source after a run are what the next run copies.
	appendSteps(t, source, []appendStep{{"payer-b", 2}, {"claim-d", 1}})
	more := copyAll(t, migrate.Config{Source: source, Target: target, BatchSize: testBatch})
	if more != (migrate.Report{SourceHead: sourceEvents + 3, Resumed: sourceEvents, Copied: 3, Imports: 2}) {
		t.Errorf("run after new appends: got %+v, want 3 events in 2 imports from position %d", more, sourceEvents)
	}
	assertSameLog(t, source, target, sourceEvents+3)
	// And the copy's chains continue: an append to the target links to the copied tip.
	appended, err := target.Append(context.Background(), "payer-b", eventstore.Exact(5), eventstoretest.Events("After", 1))
	if err != nil || appended.Events[0].Position != sourceEvents+4 {
		t.Fatalf("append to the target after the copy: %+v, %v", appended, err)
	}
}

// failingTarget fails its failAt-th Import: before writing, or after (the
// write landed but its acknowledgement was lost).
type failingTarget struct {
	migrate.Target
	failAt     int
	afterWrite bool
	imports    int
}

var errCrash = errors.New("connection lost")

func (f *failingTarget) Import(ctx context.Context, streamID string, expected eventstore.ExpectedVersion, events []eventstore.RecordedEvent) (eventstore.AppendResult, error) {
	f.imports++
	if f.imports != f.failAt {
		return f.Target.Import(ctx, streamID, expected, events)
	}
	if f.afterWrite {
		if _, err := f.Target.Import(ctx, streamID, expected, events); err != nil {
			return eventstore.AppendResult{}, err
		}
	}
	return eventstore.AppendResult{}, errCrash
}

func TestInterruptedCopyResumes(t *testing.T) {
	t.Parallel()
	source := newSource(t, sourceLog)
	tests := []struct {
		name       string
		failAt     int
		afterWrite bool
		// held is how many events the target holds after the failure: the
		// runs before it (see sourceLog), plus the failing run if it was written.
		held int64
	}{
		// Imports 1-3 are positions 1-3, 4 and 5; the 4th (position 6) fails unwritten.
		{"fails before writing", 4, false, 5},
		// Imports 1-5 reach position 8; the 6th (positions 9-10) is written, its answer lost.
		{"acknowledgement lost", 6, true, 10},
		// The very first import fails: nothing to resume from.
		{"first import fails", 1, false, 0},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			target := &failingTarget{Target: memory.New(), failAt: test.failAt, afterWrite: test.afterWrite}
			_, err := migrate.Copy(context.Background(), migrate.Config{Source: source, Target: target, BatchSize: testBatch})
			if !errors.Is(err, errCrash) {
				t.Fatalf("interrupted run: got %v, want the injected failure", err)
			}
			if head, _ := target.Head(context.Background()); head != test.held {
				t.Fatalf("target after the failure: head %d, want %d", head, test.held)
			}
			resumed := copyAll(t, migrate.Config{Source: source, Target: target.Target, BatchSize: testBatch})
			if resumed.Resumed != test.held || resumed.Copied != sourceEvents-test.held || resumed.Duplicates != 0 {
				t.Errorf("resumed run: got %+v, want resumed at %d and %d copied", resumed, test.held, sourceEvents-test.held)
			}
			assertSameLog(t, source, target.Target, sourceEvents)
		})
	}
}

// laggingTarget reports a head behind what it holds, as a reader that lags
// the leader would: the copy sends events again, and the target must take
// them as the no-ops they are.
type laggingTarget struct {
	*memory.Store
	lag int64
}

func (l laggingTarget) Head(ctx context.Context) (int64, error) {
	head, err := l.Store.Head(ctx)
	return max(head-l.lag, 0), err
}

func TestResentBatchIsANoOp(t *testing.T) {
	t.Parallel()
	source := newSource(t, sourceLog)
	target := memory.New()
	copyAll(t, migrate.Config{Source: source, Target: target, BatchSize: testBatch})
	// Told it holds 8 of 13, the copy sends 9-13 again: runs (9-10)(11)(12)(13).
	report := copyAll(t, migrate.Config{Source: source, Target: laggingTarget{Store: target, lag: 5}, BatchSize: testBatch})
	if report.Resumed != 8 || report.Copied != 0 || report.Duplicates != 5 || report.Imports != 4 {
		t.Errorf("re-sent events: got %+v, want 5 duplicates in 4 imports, none copied", report)
	}
	assertSameLog(t, source, target, sourceEvents)
}

func TestDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	source := newSource(t, sourceLog)
	target := memory.New()
	report := copyAll(t, migrate.Config{Source: source, Target: target, BatchSize: testBatch, DryRun: true})
	if report != (migrate.Report{SourceHead: sourceEvents, Copied: sourceEvents, Imports: sourceImports, DryRun: true}) {
		t.Errorf("dry run: got %+v, want 13 events in 9 imports reported", report)
	}
	if head, _ := target.Head(context.Background()); head != 0 {
		t.Errorf("dry run wrote %d events", head)
	}
}

func TestCopyRefusesATargetWithAnotherLog(t *testing.T) {
	t.Parallel()
	source := newSource(t, sourceLog)
	other := memory.New()
	appendSteps(t, other, []appendStep{{"participant-a", 3}})
	bigger := memory.New()
	appendSteps(t, bigger, append(append([]appendStep(nil), sourceLog...), appendStep{"payer-z", 1}))
	tests := []struct {
		name   string
		target migrate.Target
		want   string
	}{
		{"other events", other, "not the source's first 3"},
		{"more events than the source", bigger, "more than the source's 13"},
	}
	for _, test := range tests {
		before, _ := test.target.Head(context.Background())
		_, err := migrate.Copy(context.Background(), migrate.Config{Source: source, Target: test.target})
		if err == nil || !strings.Contains(err.Error(), test.want) {
			t.Errorf("%s: got %v, want an error saying %q", test.name, err, test.want)
		}
		if after, _ := test.target.Head(context.Background()); after != before {
			t.Errorf("%s: target went from %d to %d events", test.name, before, after)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	store := memory.New()
	tests := []struct {
		name   string
		config migrate.Config
		want   []string
	}{
		{"nothing", migrate.Config{}, []string{"Source is required", "Target is required"}},
		{"batch too big", migrate.Config{Source: store, Target: store, BatchSize: eventstore.MaxReadLimit + 1}, []string{"BatchSize must be 1 to 10000"}},
		{"negative batch", migrate.Config{Source: store, Target: store, BatchSize: -1}, []string{"BatchSize must be 1 to 10000"}},
	}
	for _, test := range tests {
		_, err := migrate.Copy(context.Background(), test.config)
		for _, want := range test.want {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: got %v, want an error saying %q", test.name, err, want)
			}
		}
	}
}

// A copy that was tampered with after the fact fails verification.
func TestVerifyFindsADifferentCopy(t *testing.T) {
	t.Parallel()
	source := newSource(t, sourceLog)
	target := memory.New()
	copyAll(t, migrate.Config{Source: source, Target: target})
	short := memory.New()
	copyAll(t, migrate.Config{Source: source, Target: short})
	if _, err := migrate.Verify(context.Background(), source, short, sourceEvents+1, nil); err == nil || !strings.Contains(err.Error(), "want 14") {
		t.Errorf("count off by one: got %v", err)
	}
	// Another log of the same length: same count, different global hash.
	stranger := memory.New()
	appendSteps(t, stranger, sourceLog)
	if _, err := migrate.Verify(context.Background(), source, stranger, sourceEvents, nil); err == nil || !strings.Contains(err.Error(), "differs from the source") {
		t.Errorf("another log: got %v", err)
	}
	if _, err := migrate.Verify(context.Background(), source, target, sourceEvents, nil); err != nil {
		t.Errorf("the copy itself: %v", err)
	}
}
