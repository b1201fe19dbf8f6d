package app_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tanahbumbu/jaminan/adapters/directory"
	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/memory"
	pgstore "github.com/tanahbumbu/jaminan/adapters/eventstore/postgres"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/adapters/snapshot"
	"github.com/tanahbumbu/jaminan/adapters/snapshot/snapshottest"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/payer"
	"github.com/tanahbumbu/jaminan/domain/reference"
	"github.com/tanahbumbu/jaminan/domain/rules"
)

const snapshotEvery = 3

// snapshotRig is a log on PostgreSQL with snapshots in its table.
type snapshotRig struct {
	pool      *pgxpool.Pool
	store     eventstore.Store
	snapshots snapshot.Store
	// replay loads without cache or snapshots: the truth to compare with.
	replay *app.Application
}

func newSnapshotRig(t *testing.T) *snapshotRig {
	t.Helper()
	database := pgtest.New(t)
	store, err := pgstore.New(database.Pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	snapshots, err := snapshot.NewPostgres(database.Pool)
	if err != nil {
		t.Fatal(err)
	}
	return &snapshotRig{pool: database.Pool, store: store, snapshots: snapshots, replay: newApplicationWithCache(t, store, app.NewPayerCache(0))}
}

// process is another process on the same log: its own (empty) cache, the
// shared snapshot store, a snapshot every snapshotEvery events.
func (r *snapshotRig) process(t *testing.T, cache *app.PayerCache, snapshots snapshot.Store, logger *slog.Logger) *app.Application {
	t.Helper()
	return r.processEvery(t, cache, snapshots, logger, snapshotEvery)
}

// processEvery is process with a snapshot every `every` events.
func (r *snapshotRig) processEvery(t *testing.T, cache *app.PayerCache, snapshots snapshot.Store, logger *slog.Logger, every int64) *app.Application {
	t.Helper()
	application, err := app.New(app.Config{Store: r.store, Directory: directory.NewMemory("test-key"), Library: rules.Default(),
		Places: reference.MustLoad(), Now: func() time.Time { return fixedNow }, PayerCache: cache,
		Snapshots: snapshots, Snapshot: snapshot.Config{Every: every}, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	return application
}

// bill assesses and pays (some late, so penalties too) months first to
// last, counted from January 2024 as 1.
func bill(t *testing.T, application *app.Application, first, last int) {
	t.Helper()
	period := calendar.NewPeriod(2024, time.January).AddMonths(first - 1)
	for month := first; month <= last; month++ {
		mustRun(t, application, fmt.Sprintf(`{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"%s"}`, period))
		mustRun(t, application, fmt.Sprintf(`{"command":"RecordPayment","payment_id":"pay-%d","payer_id":"desa-pakatellu","amount":"%d","paid_on":"%s","bank_reference":"BPD-%d"}`,
			month, 100_000+month*7_919, period.FirstDay().AddDays(10+month%3*30), month))
		period = period.Next()
	}
}

func (r *snapshotRig) mustMatchReplay(t *testing.T, application *app.Application, when string) payer.State {
	t.Helper()
	ctx := context.Background()
	want, err := r.replay.LoadPayer(ctx, "desa-pakatellu")
	if err != nil {
		t.Fatal(err)
	}
	got, err := application.LoadPayer(ctx, "desa-pakatellu")
	if err != nil {
		t.Fatal(err)
	}
	if d := snapshottest.Diff(got, want); d != "" {
		t.Fatalf("%s: the load differs from a replay at version %d: %s", when, want.Version, d)
	}
	return got
}

func (r *snapshotRig) stored(t *testing.T) snapshot.Snapshot {
	t.Helper()
	stored, found, err := r.snapshots.Load(context.Background(), app.PayerStream("desa-pakatellu"))
	if err != nil || !found {
		t.Fatalf("no snapshot of the payer (%v)", err)
	}
	return stored
}

func (r *snapshotRig) verify(t *testing.T, application *app.Application) app.SnapshotReport {
	t.Helper()
	report, err := application.VerifySnapshots(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return report
}

// A process without a cache loads every payer from its snapshot and the
// events after it; after each month billed and paid that equals a replay,
// snapshots follow the stream every snapshotEvery events, and verify finds
// each one equal to a replay of its stream.
func TestSnapshotLoadsEqualReplay(t *testing.T) {
	rig := newSnapshotRig(t)
	writer := rig.process(t, app.NewPayerCache(0), rig.snapshots, nil)
	setUpMember(t, writer)
	for month := 1; month <= 12; month++ {
		bill(t, writer, month, month)
		rig.mustMatchReplay(t, rig.process(t, app.NewPayerCache(0), rig.snapshots, nil), fmt.Sprintf("month %d, a new process", month))
		state := rig.mustMatchReplay(t, writer, fmt.Sprintf("month %d, the writer", month))
		if stored := rig.stored(t); state.Version-stored.Version >= snapshotEvery || stored.CodeVersion != payer.EvolveVersion {
			t.Fatalf("month %d: stream at %d, snapshot at %d (code %d): not taken every %d events", month, state.Version, stored.Version, stored.CodeVersion, snapshotEvery)
		}
	}
	if state := rig.mustMatchReplay(t, writer, "the end"); state.Version < 30 || len(state.Bills) != 12 || len(state.PenaltyOf) == 0 {
		t.Errorf("the history is too short to test snapshots: version %d, %d bills, %d payments with penalties", state.Version, len(state.Bills), len(state.PenaltyOf))
	}
	if report := rig.verify(t, writer); report.Checked != 1 || report.Stale != 0 || len(report.Broken) != 0 {
		t.Errorf("verify: %+v, want 1 snapshot checked", report)
	}
}

// The cache comes first, then the snapshot, then the stream: a process
// whose cache holds the payer reads neither the snapshot nor the stream
// before it, and a process whose cache fell behind reads on from its own
// state, not the snapshot.
func TestCacheBeforeSnapshot(t *testing.T) {
	rig := newSnapshotRig(t)
	writer := rig.process(t, app.NewPayerCache(0), rig.snapshots, nil)
	setUpMember(t, writer)
	bill(t, writer, 1, 4)
	counting := &countingSnapshots{Store: rig.snapshots}
	reader := rig.process(t, app.NewPayerCache(app.DefaultPayerCacheLines), counting, nil)
	rig.mustMatchReplay(t, reader, "first load")
	if counting.loads != 1 {
		t.Fatalf("the first load read %d snapshots, want 1", counting.loads)
	}
	rig.mustMatchReplay(t, reader, "second load, cached")
	mustRun(t, writer, `{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"2024-05"}`)
	rig.mustMatchReplay(t, reader, "after the writer moved on")
	if counting.loads != 1 {
		t.Errorf("a cached payer read the snapshot store %d times, want once in all", counting.loads)
	}
}

// A snapshot is taken only once a load folds snapshotEvery events, so a
// payer whose stream is shorter has none, and a process loads it without
// asking the snapshot store (a registration's load is one read); once the
// stream is that long, the store is asked, and the load still equals a replay.
func TestShortStreamsSkipTheSnapshotLookUp(t *testing.T) {
	rig := newSnapshotRig(t)
	writer := rig.process(t, app.NewPayerCache(0), rig.snapshots, nil)
	mustRun(t, writer, payerLine)
	counting := &countingSnapshots{Store: rig.snapshots}
	reader := rig.process(t, app.NewPayerCache(0), counting, nil)
	if state := rig.mustMatchReplay(t, reader, "a payer of one event"); state.Version >= snapshotEvery {
		t.Fatalf("the payer's stream is at version %d: not shorter than %d", state.Version, snapshotEvery)
	}
	if counting.loads != 0 {
		t.Errorf("a stream shorter than %d events: the snapshot store was asked %d times, want none", snapshotEvery, counting.loads)
	}
	mustRun(t, writer, memberLine)
	mustRun(t, writer, enrollLine)
	bill(t, writer, 1, 2)
	state := rig.mustMatchReplay(t, reader, "a payer of some months")
	if state.Version < snapshotEvery || counting.loads == 0 {
		t.Errorf("a stream at version %d (snapshots every %d): the snapshot store was asked %d times, want at least once", state.Version, snapshotEvery, counting.loads)
	}
}

// A process that takes snapshots less often than the one that wrote them
// reads a first page of the stream that ends past a snapshot: it folds the
// page from the start (the events are in hand) and reads on after it, and
// the load equals a replay. The snapshot's state is altered (its hash still
// matches), so a load that started from it instead would show it.
func TestAFirstPagePastASnapshotIsFoldedFromTheStart(t *testing.T) {
	rig := newSnapshotRig(t)
	writer := rig.process(t, app.NewPayerCache(0), rig.snapshots, nil)
	setUpMember(t, writer)
	bill(t, writer, 1, 12)
	stored := rig.stored(t)
	tag, err := rig.pool.Exec(context.Background(), `UPDATE snapshots SET state = convert_to(replace(convert_from(state, 'UTF8'), '"credit":"', '"credit":"1'), 'UTF8')
		WHERE stream_id = $1 AND convert_from(state, 'UTF8') LIKE '%"credit":"%'`, stored.StreamID)
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("alter the snapshot: %v, %d rows", err, tag.RowsAffected())
	}
	reader := rig.processEvery(t, app.NewPayerCache(0), rig.snapshots, nil, stored.Version+2)
	state := rig.mustMatchReplay(t, reader, "a page past the snapshot")
	if state.Version < stored.Version+2 {
		t.Fatalf("the stream is at version %d: its first page of %d events is not full", state.Version, stored.Version+2)
	}
}

type countingSnapshots struct {
	snapshot.Store
	loads int
}

func (c *countingSnapshots) Load(ctx context.Context, streamID string) (snapshot.Snapshot, bool, error) {
	c.loads++
	return c.Store.Load(ctx, streamID)
}

// A snapshot row changed behind the application's back (its state, or the
// event it claims to follow) is named by verify; a changed event hash also
// makes loads ignore it. Breaking it is how this test knows verify looks.
func TestVerifyFindsAChangedSnapshot(t *testing.T) {
	ctx := context.Background()
	rig := newSnapshotRig(t)
	writer := rig.process(t, app.NewPayerCache(0), rig.snapshots, nil)
	setUpMember(t, writer)
	bill(t, writer, 1, 3)
	if report := rig.verify(t, writer); report.Checked != 1 || len(report.Broken) != 0 {
		t.Fatalf("verify before the change: %+v", report)
	}
	stream := app.PayerStream("desa-pakatellu")
	if _, err := rig.pool.Exec(ctx, `UPDATE snapshots SET state = convert_to(replace(convert_from(state, 'UTF8'), '"credit":"', '"credit":"1'), 'UTF8') WHERE stream_id = $1`, stream); err != nil {
		t.Fatal(err)
	}
	report := rig.verify(t, writer)
	if len(report.Broken) != 1 || report.Broken[0].StreamID != stream || !strings.Contains(report.Broken[0].Reason, "differs from a replay") {
		t.Fatalf("verify after the state was changed: %+v, want %s named", report, stream)
	}

	var logged bytes.Buffer
	if _, err := rig.pool.Exec(ctx, `UPDATE snapshots SET event_hash = sha256(event_hash) WHERE stream_id = $1`, stream); err != nil {
		t.Fatal(err)
	}
	report = rig.verify(t, writer)
	if len(report.Broken) != 1 || !strings.Contains(report.Broken[0].Reason, "not the one the snapshot was taken after") {
		t.Fatalf("verify after the event hash was changed: %+v", report)
	}
	rig.mustMatchReplay(t, rig.process(t, app.NewPayerCache(0), rig.snapshots, slog.New(slog.NewTextHandler(&logged, nil))), "a snapshot of another log")
	if !strings.Contains(logged.String(), "snapshot ignored") {
		t.Errorf("the ignored snapshot was not logged: %s", logged.String())
	}
}

// A snapshot of other evolve code is ignored, however wrong its state, and
// the next load that folds enough events replaces it with one of this code.
func TestSnapshotOfOtherCodeIsIgnored(t *testing.T) {
	ctx := context.Background()
	rig := newSnapshotRig(t)
	writer := rig.process(t, app.NewPayerCache(0), rig.snapshots, nil)
	setUpMember(t, writer)
	bill(t, writer, 1, 3)
	stream := app.PayerStream("desa-pakatellu")
	if _, err := rig.pool.Exec(ctx, `UPDATE snapshots SET code_version = code_version + 1, state = convert_to('{"name":"not this payer"}', 'UTF8') WHERE stream_id = $1`, stream); err != nil {
		t.Fatal(err)
	}
	if report := rig.verify(t, writer); report.Stale != 1 || report.Checked != 0 || len(report.Broken) != 0 {
		t.Fatalf("verify with a snapshot of other code: %+v, want it counted stale", report)
	}
	rig.mustMatchReplay(t, rig.process(t, app.NewPayerCache(0), rig.snapshots, nil), "a snapshot of other code")
	if stored := rig.stored(t); stored.CodeVersion != payer.EvolveVersion || strings.Contains(string(stored.State), "not this payer") {
		t.Errorf("the snapshot of other code was not replaced: code %d, %s", stored.CodeVersion, stored.State)
	}
}

// A snapshot store that fails never fails a command: the failure is logged
// and the stream is replayed.
func TestFailingSnapshotsNeverFailACommand(t *testing.T) {
	rig := newSnapshotRig(t)
	var logged bytes.Buffer
	broken := rig.process(t, app.NewPayerCache(0), failingSnapshots{}, slog.New(slog.NewTextHandler(&logged, nil)))
	setUpMember(t, broken)
	bill(t, broken, 1, 3)
	rig.mustMatchReplay(t, broken, "with a failing snapshot store")
	for _, want := range []string{"snapshot not read", "snapshot not saved", "stream=payer-desa-pakatellu"} {
		if !strings.Contains(logged.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logged.String())
		}
	}
}

type failingSnapshots struct{}

var errSnapshotsDown = errors.New("snapshot store down")

func (failingSnapshots) Load(context.Context, string) (snapshot.Snapshot, bool, error) {
	return snapshot.Snapshot{}, false, errSnapshotsDown
}
func (failingSnapshots) Save(context.Context, snapshot.Snapshot) error { return errSnapshotsDown }
func (failingSnapshots) List(context.Context, string, int) ([]snapshot.Snapshot, error) {
	return nil, errSnapshotsDown
}

func TestSnapshotConfigIsValidated(t *testing.T) {
	_, err := app.New(app.Config{Store: memory.New(), Directory: directory.NewMemory("k"), Library: rules.Default(), Places: reference.MustLoad(),
		Snapshot: snapshot.Config{Every: -1}})
	if err == nil || !strings.Contains(err.Error(), "Every") {
		t.Errorf("Every -1 accepted: %v", err)
	}
}

// snapshotsRoundTrip: along every payer stream of a generated history, at
// every version, decoding the encoded state gives the replayed state again,
// field by field (unexported fields included). A field added to the payer's
// State that the codec does not write fails here on the first history
// that sets it.
func snapshotsRoundTrip(t *testing.T, application *app.Application, log []eventstore.RecordedEvent) {
	t.Helper()
	codec := payer.SnapshotCodec{}
	builders := map[string]*payer.Builder{}
	for _, recorded := range log {
		if !strings.HasPrefix(recorded.StreamID, app.PayerStream("")) {
			continue
		}
		decoded, err := application.Decode(recorded)
		if err != nil {
			t.Fatal(err)
		}
		builder := builders[recorded.StreamID]
		if builder == nil {
			builder = payer.NewBuilder(payer.State{})
			builders[recorded.StreamID] = builder
		}
		builder.Apply(decoded)
		state := builder.State()
		state.Version = recorded.Version
		data, err := codec.Encode(state)
		if err != nil {
			t.Fatal(err)
		}
		back, err := codec.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		if d := snapshottest.Diff(back, state); d != "" {
			t.Fatalf("%s at version %d (%s): decode(encode(state)) differs from the replay: %s", recorded.StreamID, recorded.Version, recorded.Type, d)
		}
	}
}
