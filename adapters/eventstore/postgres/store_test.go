package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoretest"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
)

const (
	// testTimeout bounds each test.
	testTimeout = 2 * time.Minute
	// shortSealWait makes an Append held back by an open transaction give up quickly.
	shortSealWait = 300 * time.Millisecond
	// sealDeadline bounds how long a test waits for sealing to catch up
	// (other tests' transactions on the server can hold it back briefly).
	sealDeadline   = 30 * time.Second
	sealRetryPause = 5 * time.Millisecond
)

func newTestStore(t *testing.T, config Config) (*Store, *pgtest.Database) {
	t.Helper()
	database := pgtest.New(t)
	store, err := New(database.Pool, config)
	if err != nil {
		t.Fatal(err)
	}
	return store, database
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

func TestStoreContract(t *testing.T) {
	eventstoretest.Run(t, func(t *testing.T) eventstore.Store {
		store, _ := newTestStore(t, Config{})
		return store
	})
}

func TestConfigIsValidated(t *testing.T) {
	if _, err := New(nil, Config{SealWait: -time.Second}); err == nil ||
		!strings.Contains(err.Error(), "pool is required") || !strings.Contains(err.Error(), "SealWait") {
		t.Errorf("got %v, want both the missing pool and the negative SealWait named", err)
	}
	if err := (Config{SealWait: time.Hour}).Validate(); err == nil {
		t.Error("SealWait of an hour accepted")
	}
}

// sealUntil seals until the head reaches want.
func sealUntil(ctx context.Context, t *testing.T, store *Store, want int64) {
	t.Helper()
	deadline := time.Now().Add(sealDeadline)
	for time.Now().Before(deadline) {
		if _, err := store.Seal(ctx); err != nil {
			t.Fatal(err)
		}
		head, err := store.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if head >= want {
			return
		}
		time.Sleep(sealRetryPause)
	}
	t.Fatalf("head did not reach %d within %s", want, sealDeadline)
}

// appendUnsealed stores events in a transaction of its own that it commits
// without sealing, as a process that stops right after its commit would.
func appendUnsealed(ctx context.Context, t *testing.T, store *Store, streamID string, expected eventstore.ExpectedVersion, events []eventstore.EventData) {
	t.Helper()
	err := store.inTx(ctx, readCommitted, func(tx pgx.Tx) (bool, error) {
		_, err := appendInTx(ctx, tx, streamID, expected, events, time.Now())
		return true, err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// follower reads the global order like a projection, checking each position
// follows the last.
type follower struct {
	store *Store
	after int64
	seen  map[uuid.UUID]int64
}

func (f *follower) catchUp(ctx context.Context, t *testing.T) []eventstore.RecordedEvent {
	t.Helper()
	events, err := f.store.ReadAll(ctx, f.after, eventstore.MaxReadLimit)
	if err != nil {
		t.Fatal(err)
	}
	for _, event := range events {
		if event.Position != f.after+1 {
			t.Fatalf("reader: position %d follows %d", event.Position, f.after)
		}
		if _, twice := f.seen[event.EventID]; twice {
			t.Fatalf("reader: event %s read twice", event.EventID)
		}
		f.seen[event.EventID] = event.Position
		f.after = event.Position
	}
	return events
}

func mustVerify(ctx context.Context, t *testing.T, store *Store, events, unsealed int64) {
	t.Helper()
	report, err := store.Verify(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if report.FirstBroken != nil || report.Events != events || report.Unsealed != unsealed {
		t.Fatalf("verify: got %+v (broken: %v), want %d events, %d unsealed, intact", report, report.FirstBroken, events, unsealed)
	}
}

// TestOpenTransactionHoldsBackSealing: a transaction that holds a
// transaction id keeps every later event out of the global order until it
// ends; the events are stored meanwhile, and then each is read exactly once.
func TestOpenTransactionHoldsBackSealing(t *testing.T) {
	ctx := testContext(t)
	store, database := newTestStore(t, Config{SealWait: shortSealWait})
	reader := &follower{store: store, seen: map[uuid.UUID]int64{}}
	// The setup append waits the default SealWait: other tests' transactions on the
	// same server may briefly hold the safe point back; only the held-back case is short.
	patient, err := New(database.Pool, Config{})
	if err != nil {
		t.Fatal(err)
	}
	first, err := patient.Append(ctx, "before", eventstore.NoStream(), eventstoretest.Events("E", 1))
	if err != nil || first.Events[0].Position != 1 {
		t.Fatalf("first append: position %v, %v", first.Events, err)
	}
	holder, err := database.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = holder.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := holder.Exec(ctx, `SELECT pg_current_xact_id()`); err != nil {
		t.Fatal(err)
	}
	var held []eventstore.EventData
	for version := range int64(3) {
		events := eventstoretest.Events("E", 1)
		held = append(held, events...)
		result, err := store.Append(ctx, "after", eventstore.Exact(version), events)
		if !errors.Is(err, ErrNotSealed) || result.Events[0].Position != 0 {
			t.Fatalf("append %d behind an open transaction: got %v at position %d, want ErrNotSealed", version, err, result.Events[0].Position)
		}
	}
	if retry, err := store.Append(ctx, "after", eventstore.Exact(0), held[:1]); !errors.Is(err, ErrNotSealed) || !retry.Duplicate {
		t.Errorf("retry behind an open transaction: duplicate=%v, %v; want a duplicate, not sealed", retry.Duplicate, err)
	}
	stored, err := store.ReadStream(ctx, "after", 1, 10)
	if err != nil || len(stored) != 3 || stored[0].Position != 0 {
		t.Fatalf("held events: %d stored (%v), first at position %v; want 3 stored without positions", len(stored), err, stored)
	}
	if sealed, err := store.Seal(ctx); sealed != 0 || err != nil {
		t.Errorf("seal behind an open transaction placed %d (%v), want 0", sealed, err)
	}
	if got := reader.catchUp(ctx, t); len(got) != 1 {
		t.Fatalf("reader saw %d events while the transaction was open, want only the first", len(got))
	}
	mustVerify(ctx, t, store, 4, 3)
	if err := holder.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	sealUntil(ctx, t, store, 4)
	got := reader.catchUp(ctx, t)
	if len(got) != 3 || len(reader.seen) != 4 {
		t.Fatalf("reader saw %d more events after the transaction ended, %d in all; want 3 and 4", len(got), len(reader.seen))
	}
	for i, event := range got {
		if event.EventID != held[i].EventID {
			t.Errorf("position %d holds %s, want %s (append order)", event.Position, event.EventID, held[i].EventID)
		}
	}
	mustVerify(ctx, t, store, 4, 0)
}

// TestLateCommitIsPlacedBeforeLaterTransactions: transaction A stores its
// events first and commits last; B appends and commits in between. B must
// not be readable while A is open (a reader would have passed A's place),
// and once A commits A's events come first, then B's. Sealing in seq order,
// or without the xmin fence, fails this test.
func TestLateCommitIsPlacedBeforeLaterTransactions(t *testing.T) {
	ctx := testContext(t)
	store, database := newTestStore(t, Config{SealWait: shortSealWait})
	reader := &follower{store: store, seen: map[uuid.UUID]int64{}}
	transactionA, err := database.Pool.BeginTx(ctx, readCommitted)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = transactionA.Rollback(context.WithoutCancel(ctx)) }()
	eventsA, eventsB := eventstoretest.Events("A", 3), eventstoretest.Events("B", 2)
	if _, err := appendInTx(ctx, transactionA, "stream-a", eventstore.NoStream(), eventsA, time.Now()); err != nil {
		t.Fatal(err)
	}
	resultB, err := store.Append(ctx, "stream-b", eventstore.NoStream(), eventsB)
	if !errors.Is(err, ErrNotSealed) {
		t.Fatalf("B committed while A is open: got %v, want ErrNotSealed", err)
	}
	if sealed, err := store.Seal(ctx); sealed != 0 || err != nil {
		t.Fatalf("seal while A is open placed %d (%v), want 0", sealed, err)
	}
	if got := reader.catchUp(ctx, t); len(got) != 0 {
		t.Fatalf("reader saw %d events (B) while A, which stored first, was still open", len(got))
	}
	if stored, err := store.ReadStream(ctx, "stream-b", 1, 10); err != nil || len(stored) != 2 || stored[0].Position != 0 {
		t.Fatalf("B: %v, %v; want 2 stored events without positions", stored, err)
	}
	if err := transactionA.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	sealUntil(ctx, t, store, 5)
	reader.catchUp(ctx, t)
	for i, event := range append(eventsA, eventsB...) {
		if position := reader.seen[event.EventID]; position != int64(i+1) {
			t.Errorf("event %d (%s): position %d, want %d (A's events, then B's)", i, event.Type, position, i+1)
		}
	}
	if retry, err := store.Append(ctx, "stream-b", eventstore.NoStream(), eventsB); err != nil || retry.Events[0].Position != 4 {
		t.Errorf("retry of B: %v, %v; want B's first event at position 4", retry.Events, err)
	}
	if resultB.Events[0].Position != 0 {
		t.Errorf("B's result claimed position %d before it was placed", resultB.Events[0].Position)
	}
	mustVerify(ctx, t, store, 5, 0)
}

// TestRunSealerPlacesStragglers: events committed by a process that stopped
// before sealing get their positions from the serve process's sealer.
func TestRunSealerPlacesStragglers(t *testing.T) {
	ctx := testContext(t)
	store, _ := newTestStore(t, Config{})
	appendUnsealed(ctx, t, store, "straggler", eventstore.NoStream(), eventstoretest.Events("E", 5))
	if head, err := store.Head(ctx); head != 0 || err != nil {
		t.Fatalf("head %d (%v) before sealing, want 0", head, err)
	}
	sealerContext, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- store.RunSealer(sealerContext, 10*time.Millisecond) }()
	deadline := time.Now().Add(sealDeadline)
	for head := int64(0); head < 5; time.Sleep(sealRetryPause) {
		if time.Now().After(deadline) {
			t.Fatalf("sealer placed %d of 5 events within %s", head, sealDeadline)
		}
		var err error
		if head, err = store.Head(ctx); err != nil {
			t.Fatal(err)
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("RunSealer: %v", err)
	}
	if err := store.RunSealer(ctx, 0); err == nil {
		t.Error("RunSealer with interval 0 ran")
	}
	mustVerify(ctx, t, store, 5, 0)
}

// TestSealPlacesABacklogInBatches: more than one batch of unsealed events is
// placed in bounded batches, in order, with the chain intact.
func TestSealPlacesABacklogInBatches(t *testing.T) {
	ctx := testContext(t)
	store, _ := newTestStore(t, Config{})
	const streams = MaxSealBatch/eventstore.MaxEventsPerAppend + 1
	for stream := range streams {
		appendUnsealed(ctx, t, store, "backlog-"+string(rune('a'+stream)), eventstore.NoStream(),
			eventstoretest.Events("E", eventstore.MaxEventsPerAppend))
	}
	total := int64(streams * eventstore.MaxEventsPerAppend)
	var placed int64
	for round := 0; round < 100 && placed < total; round++ {
		sealed, err := store.Seal(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if sealed > MaxSealBatch {
			t.Fatalf("one seal placed %d events, more than %d", sealed, MaxSealBatch)
		}
		placed += sealed
		if sealed == 0 {
			time.Sleep(sealRetryPause)
		}
	}
	if placed != total {
		t.Fatalf("placed %d of %d events", placed, total)
	}
	var calls []string
	report, err := store.Verify(ctx, func(checked, head int64) { calls = append(calls, fmt.Sprintf("%d/%d", checked, head)) })
	if err != nil || report.FirstBroken != nil || report.Events != total || report.Streams != streams {
		t.Fatalf("verify: %+v, %v", report, err)
	}
	if got, want := strings.Join(calls, " "), fmt.Sprintf("%d/%d %d/%d", eventstore.VerifyPageSize, total, total, total); got != want {
		t.Errorf("progress: got %s, want %s", got, want)
	}
}

// TestSealRefusesTransactionIDsFromTheFuture: a log restored into another
// cluster, whose transaction counter is behind the stored ids, is reported
// instead of silently never placing new events.
func TestSealRefusesTransactionIDsFromTheFuture(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	store, database := newTestStore(t, Config{})
	if _, err := store.Append(ctx, "restored", eventstore.NoStream(), eventstoretest.Events("E", 1)); err != nil {
		t.Fatal(err)
	}
	for _, statement := range []string{
		`ALTER TABLE events DISABLE TRIGGER events_append_only`,
		`UPDATE events SET transaction_id = (pg_current_xact_id()::text::bigint + 1000000000)::text::xid8`,
	} {
		if _, err := database.Pool.Exec(ctx, statement); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := store.Seal(ctx); err == nil || !strings.Contains(err.Error(), "restored into another cluster") {
		t.Errorf("seal: got %v, want the restore named", err)
	}
}

// TestLogIsAppendOnly: the database refuses to change or remove the log.
func TestLogIsAppendOnly(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	store, database := newTestStore(t, Config{})
	if _, err := store.Append(ctx, "claim-1", eventstore.NoStream(), eventstoretest.Events("ClaimFiled", 3)); err != nil {
		t.Fatal(err)
	}
	for _, statement := range []string{
		`UPDATE events SET type = 'ClaimApproved'`,
		`UPDATE events SET data = '{"amount":"1"}' WHERE version = 2`,
		`DELETE FROM events WHERE version = 3`,
		`TRUNCATE events CASCADE`,
		`UPDATE log_positions SET global_hash = global_hash WHERE position = 1`,
		`DELETE FROM log_positions`,
		`TRUNCATE log_positions`,
	} {
		_, err := database.Pool.Exec(ctx, statement)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: got %v, want the append-only refusal", statement, err)
		}
	}
	mustVerify(ctx, t, store, 3, 0)
}

// tamperFixture is a log of 10 events in 3 streams at positions 1..10, with
// the append-only triggers switched off, as an attacker with the database
// owner's rights would.
func tamperFixture(ctx context.Context, t *testing.T) (*Store, *pgtest.Database) {
	t.Helper()
	store, database := newTestStore(t, Config{})
	versions := map[string]int64{}
	for i := range 5 {
		stream := []string{"participant-1", "claim-1", "payer-1"}[i%3]
		result, err := store.Append(ctx, stream, eventstore.Exact(versions[stream]), eventstoretest.Events("E", 2))
		if err != nil {
			t.Fatal(err)
		}
		versions[stream] = result.NextExpectedVersion
	}
	mustVerify(ctx, t, store, 10, 0)
	for _, statement := range []string{
		`ALTER TABLE events DISABLE TRIGGER events_append_only`,
		`ALTER TABLE log_positions DISABLE TRIGGER log_positions_append_only`,
	} {
		if _, err := database.Pool.Exec(ctx, statement); err != nil {
			t.Fatal(err)
		}
	}
	return store, database
}

// TestVerifyNamesTheFirstBrokenPosition tampers with the log in several ways;
// each time Verify names where the chain first breaks.
func TestVerifyNamesTheFirstBrokenPosition(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		tamper     []string
		position   int64
		streamID   string
		reasonPart string
	}{
		{"altered data", []string{`UPDATE events SET data = '{"n": 99,  "amount":"9500000.00", "desa":"Pakatellu"}'
			WHERE seq = (SELECT seq FROM log_positions WHERE position = 4)`}, 4, "", "stored hash differs"},
		{"added metadata field", []string{`UPDATE events SET metadata = '{"correlation_id":"corr-1","actor":"operator","source":"test","rule_book":"2024.1","command":"Enroll","approved_by":"x"}'
			WHERE seq = (SELECT seq FROM log_positions WHERE position = 6)`}, 6, "", "metadata"},
		{"swapped positions", []string{
			`UPDATE log_positions SET position = 1000000 WHERE position = 5`,
			`UPDATE log_positions SET position = 5 WHERE position = 6`,
			`UPDATE log_positions SET position = 6 WHERE position = 1000000`}, 5, "", ""},
		{"removed event", []string{
			`WITH removed AS (DELETE FROM log_positions WHERE position = 7 RETURNING seq) DELETE FROM events WHERE seq IN (SELECT seq FROM removed)`},
			7, "", "missing"},
		{"removed last event", []string{
			`WITH removed AS (DELETE FROM log_positions WHERE position = 10 RETURNING seq) DELETE FROM events WHERE seq IN (SELECT seq FROM removed)`},
			0, "claim-1", "stream head"},
		{"removed stream head", []string{`DELETE FROM streams WHERE stream_id = 'claim-1'`}, 0, "claim-1", "no head row"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			store, database := tamperFixture(ctx, t)
			for _, statement := range c.tamper {
				if _, err := database.Pool.Exec(ctx, statement); err != nil {
					t.Fatalf("%s: %v", statement, err)
				}
			}
			wantBreak(ctx, t, store, c.position, c.streamID, c.reasonPart)
		})
	}
	t.Run("skipped event", testSkippedEvent)
	t.Run("rehashed event", testRehashedEvent)
}

// testSkippedEvent: an event the sealer passed without placing it is named.
func testSkippedEvent(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	store, _ := newTestStore(t, Config{})
	appendUnsealed(ctx, t, store, "skipped", eventstore.NoStream(), eventstoretest.Events("E", 1))
	appendUnsealed(ctx, t, store, "placed", eventstore.NoStream(), eventstoretest.Events("E", 1))
	// A faulty sealer places the later transaction's event and not the earlier one.
	placed, err := store.ReadStream(ctx, "placed", 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.pool.Exec(ctx, `INSERT INTO log_positions (position, seq, global_hash)
		SELECT 1, seq, $1 FROM events WHERE stream_id = 'placed'`, eventstore.GlobalChainHash(eventstore.ZeroHash(), 1, placed[0].Hash)); err != nil {
		t.Fatal(err)
	}
	wantBreak(ctx, t, store, 0, "skipped", "passed it")
}

// testRehashedEvent: an event altered with its stream hash recomputed still
// breaks the global chain at its position.
func testRehashedEvent(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	store, database := tamperFixture(ctx, t)
	events, err := store.ReadAll(ctx, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	forged := events[0]
	forged.Data = json.RawMessage(`{"amount":"9500000.00"}`)
	forged.Hash = eventstore.EventHash(forged.PreviousHash, forged)
	if _, err := database.Pool.Exec(ctx, `UPDATE events SET data = $1::text::json, hash = $2 WHERE event_id = $3`,
		string(forged.Data), forged.Hash, forged.EventID); err != nil {
		t.Fatal(err)
	}
	wantBreak(ctx, t, store, 3, "", "global hash")
}

func wantBreak(ctx context.Context, t *testing.T, store *Store, position int64, streamID, reasonPart string) {
	t.Helper()
	report, err := store.Verify(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	broken := report.FirstBroken
	if broken == nil {
		t.Fatalf("verify found nothing wrong: %+v", report)
	}
	if broken.Position != position || (streamID != "" && broken.StreamID != streamID) || !strings.Contains(broken.Reason, reasonPart) {
		t.Fatalf("got break at %s, want position %d stream %q reason with %q", broken, position, streamID, reasonPart)
	}
	t.Logf("verify: %s", broken)
}

// BenchmarkAppend measures appends of one event, from one goroutine and
// from several at once (each on its own stream), including the wait for positions.
func BenchmarkAppend(b *testing.B) {
	for _, parallelism := range []int{1, 8} {
		b.Run("writers="+strconv.Itoa(parallelism), func(b *testing.B) {
			database := pgtest.New(b)
			store, err := New(database.Pool, Config{})
			if err != nil {
				b.Fatal(err)
			}
			var writer atomic.Int64
			b.SetParallelism(parallelism)
			b.RunParallel(func(pb *testing.PB) {
				streamID := "bench-" + strconv.FormatInt(writer.Add(1), 10)
				for version := int64(0); pb.Next(); version++ {
					if _, err := store.Append(b.Context(), streamID, eventstore.Exact(version), eventstoretest.Events("E", 1)); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkInsertEvents compares the multi-row insert the store uses with
// COPY, for appends of 1, 10, 100 and 1,000 events (inside a transaction
// that is rolled back).
func BenchmarkInsertEvents(b *testing.B) {
	database := pgtest.New(b)
	for _, size := range []int{1, 10, 100, eventstore.MaxEventsPerAppend} {
		records := chainRecords("bench", streamHead{lastHash: eventstore.ZeroHash()}, eventstoretest.Events("E", size), time.Now())
		for _, method := range []string{"unnest", "copy"} {
			b.Run(method+"/events="+strconv.Itoa(size), func(b *testing.B) {
				for b.Loop() {
					tx, err := database.Pool.BeginTx(b.Context(), readCommitted)
					if err != nil {
						b.Fatal(err)
					}
					if method == "unnest" {
						_, err = insertEvents(b.Context(), tx, records)
					} else {
						err = copyEvents(b.Context(), tx, records)
					}
					if err != nil {
						b.Fatal(err)
					}
					if err := tx.Rollback(b.Context()); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// copyEvents is the COPY alternative to insertEvents, kept for the benchmark.
func copyEvents(ctx context.Context, tx pgx.Tx, records []eventstore.RecordedEvent) error {
	rows := make([][]any, len(records))
	for i, record := range records {
		metadata, err := json.Marshal(record.Metadata)
		if err != nil {
			return err
		}
		rows[i] = []any{record.EventID, record.StreamID, record.Version, record.Type, int32(record.SchemaVersion), record.OccurredAt,
			record.RecordedAt, string(record.Data), string(metadata), record.PreviousHash, record.Hash}
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"events"}, []string{"event_id", "stream_id", "version", "type", "schema_version",
		"occurred_at", "recorded_at", "data", "metadata", "previous_hash", "hash"}, pgx.CopyFromRows(rows))
	if err != nil {
		return err
	}
	// The store needs each event's seq back, which COPY does not return.
	var seqs []int64
	return tx.QueryRow(ctx, `SELECT array_agg(seq ORDER BY version) FROM events WHERE stream_id = $1`, records[0].StreamID).Scan(&seqs)
}
