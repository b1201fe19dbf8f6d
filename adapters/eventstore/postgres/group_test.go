package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoretest"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
)

// startAppendMany is startAppend for AppendMany.
func startAppendMany(ctx context.Context, store *Store, appends []eventstore.StreamAppend) *pendingMany {
	p := &pendingMany{done: make(chan struct{})}
	go func() {
		defer close(p.done)
		p.results, p.err = store.AppendMany(ctx, appends)
	}()
	return p
}

type pendingMany struct {
	results []eventstore.AppendResult
	err     error
	done    chan struct{}
}

// appendLater is a startAppend to run when a test says (queueBehindLock).
func appendLater(ctx context.Context, store *Store, streamID string, expected eventstore.ExpectedVersion, events []eventstore.EventData) func() *pending {
	return func() *pending { return startAppend(ctx, store, streamID, expected, events) }
}

// newSecondStore is another Store on database with a pool of its own, as a
// second serve process has; the pool closes when the test ends.
func newSecondStore(ctx context.Context, t *testing.T, database *pgtest.Database) *Store {
	t.Helper()
	pool, err := pgxpool.New(ctx, database.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	store, err := New(pool, Config{})
	if err != nil {
		t.Fatal(err)
	}
	return store
}

// transactionOf is the id of the transaction that inserted the event.
func transactionOf(ctx context.Context, t *testing.T, database *pgtest.Database, streamID string, version int64) string {
	t.Helper()
	var xmin string
	if err := database.Pool.QueryRow(ctx, `SELECT xmin::text FROM events WHERE stream_id = $1 AND version = $2`, streamID, version).Scan(&xmin); err != nil {
		t.Fatalf("%s version %d: %v", streamID, version, err)
	}
	return xmin
}

// TestOneGroupAnswersEachRequest gathers many requests into one group (they
// queue while the first waits for the log lock) and checks each gets its
// own outcome: the conflicts and the reused id fail alone, duplicates
// answer with the stored records, two requests on one stream chain in
// order, and everything accepted is one transaction.
func TestOneGroupAnswersEachRequest(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	store, database := newTestStore(t, Config{})
	eventsA, eventsB := eventstoretest.Events("A", 1), eventstoretest.Events("B", 2)
	release := holdLogLock(ctx, t, database)
	var many, manyConflict *pendingMany
	starts := []func() *pending{
		appendLater(ctx, store, "b", eventstore.NoStream(), eventsB),                         // 0: stored
		appendLater(ctx, store, "stale", eventstore.Exact(5), eventstoretest.Events("S", 1)), // 1: conflict
		appendLater(ctx, store, "c", eventstore.Any(), eventstoretest.Events("C", 1)),        // 2: stored, version 1
		appendLater(ctx, store, "c", eventstore.Exact(1), eventstoretest.Events("C", 1)),     // 3: chained, version 2
		appendLater(ctx, store, "c", eventstore.Exact(1), eventstoretest.Events("C", 1)),     // 4: conflict at 2
		appendLater(ctx, store, "a", eventstore.NoStream(), eventsA),                         // 5: duplicate of the first group
		appendLater(ctx, store, "b", eventstore.Exact(7), eventsB),                           // 6: duplicate within the group
		func() *pending { // 7: reuses one of A's ids
			return startAppend(ctx, store, "d", eventstore.NoStream(), append(eventstoretest.Events("D", 1), eventsA[0]))
		},
		func() *pending { // 8: two streams, stored
			many = startAppendMany(ctx, store, []eventstore.StreamAppend{
				{StreamID: "e", Expected: eventstore.NoStream(), Events: eventstoretest.Events("E", 1)},
				{StreamID: "f", Expected: eventstore.NoStream(), Events: eventstoretest.Events("F", 2)}})
			return &pending{done: many.done}
		},
		func() *pending { // 9: two streams, the second stale: nothing of it stored
			manyConflict = startAppendMany(ctx, store, []eventstore.StreamAppend{
				{StreamID: "g", Expected: eventstore.NoStream(), Events: eventstoretest.Events("G", 1)},
				{StreamID: "c", Expected: eventstore.Exact(0), Events: eventstoretest.Events("C", 1)}})
			return &pending{done: manyConflict.done}
		},
	}
	first, queued := queueBehindLock(ctx, t, store, database,
		appendLater(ctx, store, "a", eventstore.NoStream(), eventsA), starts)
	release()
	if result, err := first.wait(ctx, t); err != nil || result.Events[0].Position != 1 {
		t.Fatalf("first group: %v at %v", err, result.Events)
	}
	outcomes := make([]eventstore.AppendResult, len(queued))
	errs := make([]error, len(queued))
	for i, p := range queued {
		outcomes[i], errs[i] = p.wait(ctx, t)
	}
	errs[8], errs[9] = many.err, manyConflict.err
	for _, i := range []int{0, 2, 3, 5, 6, 8} {
		if errs[i] != nil {
			t.Errorf("request %d: %v", i, errs[i])
		}
	}
	wantConflictAt(t, errs[1], "stale", 0)
	wantConflictAt(t, errs[4], "c", 2)
	wantConflictAt(t, errs[9], "c", 2)
	if !errors.Is(errs[7], eventstore.ErrEventIDReused) {
		t.Errorf("request 7: got %v, want ErrEventIDReused", errs[7])
	}
	if outcomes[0].Events[0].Position != 2 || outcomes[2].Events[0].Position != 4 || outcomes[3].Events[0].Position != 5 || outcomes[3].Events[0].Version != 2 {
		t.Errorf("positions: b at %d, c at %d and %d (version %d); want 2, 4, 5 and version 2: in queue order, the second on c chained on the first",
			outcomes[0].Events[0].Position, outcomes[2].Events[0].Position, outcomes[3].Events[0].Position, outcomes[3].Events[0].Version)
	}
	if !outcomes[5].Duplicate || outcomes[5].Events[0].Position != 1 || !outcomes[6].Duplicate || outcomes[6].Events[1].Position != 3 {
		t.Errorf("duplicates: a %v at %d, b %v at %d; want both duplicates, at 1 and 3", outcomes[5].Duplicate, outcomes[5].Events[0].Position,
			outcomes[6].Duplicate, outcomes[6].Events[1].Position)
	}
	if many.err == nil && (many.results[0].Events[0].Position != 6 || many.results[1].Events[1].Position != 8) {
		t.Errorf("two streams: e at %d, f ending at %d; want 6 and 8", many.results[0].Events[0].Position, many.results[1].Events[1].Position)
	}
	if got, err := store.ReadStream(ctx, "g", 1, 10); err != nil || len(got) != 0 {
		t.Errorf("g: %d events stored by an AppendMany that conflicted (%v)", len(got), err)
	}
	group := transactionOf(ctx, t, database, "b", 1)
	for _, event := range []struct {
		stream  string
		version int64
	}{{"b", 2}, {"c", 1}, {"c", 2}, {"e", 1}, {"f", 2}} {
		if got := transactionOf(ctx, t, database, event.stream, event.version); got != group {
			t.Errorf("%s version %d was written by transaction %s, the group by %s: want one transaction", event.stream, event.version, got, group)
		}
	}
	if transactionOf(ctx, t, database, "a", 1) == group {
		t.Error("the first append was written in the second group's transaction")
	}
	mustVerify(ctx, t, store, 8)
}

func wantConflictAt(t *testing.T, err error, streamID string, actual int64) {
	t.Helper()
	var conflict *eventstore.ConflictError
	if !errors.As(err, &conflict) || conflict.StreamID != streamID || conflict.Actual != actual {
		t.Errorf("got %v, want a conflict on %s at version %d", err, streamID, actual)
	}
}

// TestRequestRefusedByPostgreSQLFailsAlone: when PostgreSQL refuses the data
// of one request of a group (here a constraint the store does not know
// about), the group is written again request by request: that one fails,
// the others are stored.
func TestRequestRefusedByPostgreSQLFailsAlone(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	store, database := newTestStore(t, Config{})
	if _, err := database.Pool.Exec(ctx, `ALTER TABLE events ADD CONSTRAINT no_poison CHECK (type <> 'Poison')`); err != nil {
		t.Fatal(err)
	}
	release := holdLogLock(ctx, t, database)
	first, queued := queueBehindLock(ctx, t, store, database,
		appendLater(ctx, store, "first", eventstore.NoStream(), eventstoretest.Events("E", 1)),
		[]func() *pending{
			appendLater(ctx, store, "before", eventstore.NoStream(), eventstoretest.Events("E", 2)),
			appendLater(ctx, store, "poison", eventstore.NoStream(), eventstoretest.Events("Poison", 1)),
			appendLater(ctx, store, "after", eventstore.NoStream(), eventstoretest.Events("E", 1)),
		})
	release()
	if _, err := first.wait(ctx, t); err != nil {
		t.Fatal(err)
	}
	for i, p := range queued {
		_, err := p.wait(ctx, t)
		switch {
		case i == 1 && (err == nil || !strings.Contains(err.Error(), "no_poison")):
			t.Errorf("the poisoned append: got %v, want the constraint named", err)
		case i != 1 && err != nil:
			t.Errorf("append %d: %v; one refused request must not fail the others", i, err)
		}
	}
	mustVerify(ctx, t, store, 4)
}

// TestWaitingAppendLeavesWhenItsContextEnds: an append still waiting for its
// group returns when its context ends, and stores nothing.
func TestWaitingAppendLeavesWhenItsContextEnds(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	store, database := newTestStore(t, Config{})
	release := holdLogLock(ctx, t, database)
	leaving, leave := context.WithCancel(ctx)
	first, queued := queueBehindLock(ctx, t, store, database,
		appendLater(ctx, store, "first", eventstore.NoStream(), eventstoretest.Events("E", 1)),
		[]func() *pending{appendLater(leaving, store, "left", eventstore.NoStream(), eventstoretest.Events("E", 1))})
	leave()
	if _, err := queued[0].wait(ctx, t); !errors.Is(err, context.Canceled) {
		t.Fatalf("the append whose caller left: got %v, want context.Canceled while the lock is still held", err)
	}
	release()
	if _, err := first.wait(ctx, t); err != nil {
		t.Fatal(err)
	}
	if got, err := store.ReadStream(ctx, "left", 1, 10); err != nil || len(got) != 0 {
		t.Errorf("the append that left stored %d events (%v)", len(got), err)
	}
	mustVerify(ctx, t, store, 1)
}

// TestGroupOutlivesItsFirstCaller: the caller whose request writes a group
// leaving does not fail the group: every request in it is stored, its own too.
func TestGroupOutlivesItsFirstCaller(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	store, database := newTestStore(t, Config{})
	release := holdLogLock(ctx, t, database)
	leaving, leave := context.WithCancel(ctx)
	first, _ := queueBehindLock(ctx, t, store, database,
		appendLater(leaving, store, "first", eventstore.NoStream(), eventstoretest.Events("E", 1)), nil)
	second := startAppend(ctx, store, "second", eventstore.NoStream(), eventstoretest.Events("E", 1))
	waitFor(ctx, t, "the second append to queue", func() bool { return store.waitingRequests() == 1 })
	leave()
	release()
	if result, err := first.wait(ctx, t); err != nil || result.Events[0].Position != 1 {
		t.Errorf("the first append, whose caller left while its group waited: %v at %v; want it stored at 1", err, result.Events)
	}
	if result, err := second.wait(ctx, t); err != nil || result.Events[0].Position != 2 {
		t.Errorf("the second append: %v at %v", err, result.Events)
	}
	mustVerify(ctx, t, store, 2)
}

// TestWriteHeldOpenElsewhereDoesNotHoldAppendsBack: write transactions left
// open in another database on the server, and in this one, do not hold
// appends (or their readers) back: every append completes and is read while
// they are still open. The deadline is far below how long they stay open.
func TestWriteHeldOpenElsewhereDoesNotHoldAppendsBack(t *testing.T) {
	t.Parallel()
	const writers, appendsPerWriter, appendsDeadline = 8, 25, 15 * time.Second
	ctx := testContext(t)
	store, database := newTestStore(t, Config{})
	other := pgtest.New(t)
	var holders []*pgxpool.Conn
	for _, db := range []*pgtest.Database{other, database} {
		if _, err := db.Pool.Exec(ctx, `CREATE TABLE held (n int)`); err != nil {
			t.Fatal(err)
		}
		holder, err := db.Pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer holder.Release()
		for _, statement := range []string{`BEGIN`, `INSERT INTO held VALUES (1)`} {
			if _, err := holder.Exec(ctx, statement); err != nil {
				t.Fatal(err)
			}
		}
		holders = append(holders, holder)
	}
	appendContext, cancel := context.WithTimeout(ctx, appendsDeadline)
	defer cancel()
	var wait sync.WaitGroup
	errs := make([]error, writers)
	for writer := range writers {
		wait.Go(func() {
			for version := range int64(appendsPerWriter) {
				if _, err := store.Append(appendContext, "held-"+string(rune('a'+writer)), eventstore.Exact(version), eventstoretest.Events("E", 1)); err != nil {
					errs[writer] = err
					return
				}
			}
		})
	}
	wait.Wait()
	for writer, err := range errs {
		if err != nil {
			t.Fatalf("writer %d, behind transactions open elsewhere: %v", writer, err)
		}
	}
	reader := &follower{store: store, seen: map[uuid.UUID]int64{}}
	if read := reader.catchUp(ctx, t); len(read) != writers*appendsPerWriter {
		t.Errorf("read %d events while the transactions were open, want %d", len(read), writers*appendsPerWriter)
	}
	for i, holder := range holders {
		var open bool
		if err := holder.QueryRow(ctx, `SELECT pg_current_xact_id_if_assigned() IS NOT NULL`).Scan(&open); err != nil || !open {
			t.Fatalf("holder %d: its write transaction was not open any more (%v): the test proves nothing", i, err)
		}
		if _, err := holder.Exec(ctx, `ROLLBACK`); err != nil {
			t.Fatal(err)
		}
	}
	mustVerify(ctx, t, store, writers*appendsPerWriter)
}

// TestTwoStoresWriteOneLog: two Stores with pools of their own (as two serve
// processes would) append to one database at once while a reader follows:
// they take turns on the log lock, and the reader sees every position once,
// in order.
func TestTwoStoresWriteOneLog(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	first, database := newTestStore(t, Config{})
	second := newSecondStore(ctx, t, database)
	eventstoretest.ConcurrentWritersAndReader(ctx, t, eventstoretest.DefaultFeatures(), first, second)
	mustVerify(ctx, t, first, int64(eventstoretest.DefaultFeatures().ConcurrentEvents))
}

// TestFrozenWriterLetsTheLogGo: a writer that has taken the log lock and then
// stops talking (a frozen process) loses its session after lockHoldMax, and
// the others go on.
func TestFrozenWriterLetsTheLogGo(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	store, database := newTestStore(t, Config{})
	frozen, err := database.Pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer frozen.Release()
	group := []*request{newRequest([]eventstore.StreamAppend{{StreamID: "frozen", Expected: eventstore.NoStream(), Events: eventstoretest.Events("E", 1)}})}
	if _, err := lockAndRead(ctx, frozen.Conn(), group); err != nil {
		t.Fatal(err)
	}
	// Far more than lockHoldMax, far less than the frozen session would hold the lock without it.
	deadline, cancel := context.WithTimeout(ctx, lockHoldMax+20*time.Second)
	defer cancel()
	if _, err := store.Append(deadline, "alive", eventstore.NoStream(), eventstoretest.Events("E", 1)); err != nil {
		t.Fatalf("append behind a frozen writer: %v", err)
	}
	mustVerify(ctx, t, store, 1)
}

// TestLoneWriterGoesTheFastWay: appends one after the other from a single
// Store, to streams it has written or read, are written in one round trip
// each, all but the first (which learns the head).
func TestLoneWriterGoesTheFastWay(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	store, _ := newTestStore(t, Config{})
	if _, err := store.Append(ctx, "lone", eventstore.NoStream(), eventstoretest.Events("E", 1)); err != nil {
		t.Fatal(err)
	}
	for version := int64(1); version <= 5; version++ {
		if _, err := store.Append(ctx, "lone", eventstore.Exact(version), eventstoretest.Events("E", 1)); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Append(ctx, "new-"+strconv.FormatInt(version, 10), eventstore.NoStream(), eventstoretest.Events("E", 2)); err != nil {
			t.Fatal(err)
		}
	}
	if groups, fast := store.groups.Load(), store.fastGroups.Load(); fast != groups-1 {
		t.Errorf("%d of %d groups went the fast way, want all but the first", fast, groups)
	}
	mustVerify(ctx, t, store, 16)
}

// TestStaleMemoryOfAnotherWritersStreamIsCaught: two Stores take turns on one
// stream, so each one's memory of its tip is behind by the other's append.
// The fast way's insert collides on (stream, version) and the slow way
// decides on the stream as it stands: Any chains on the real tip, Exact on
// an old version conflicts, Exact on the real one succeeds.
func TestStaleMemoryOfAnotherWritersStreamIsCaught(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	first, database := newTestStore(t, Config{})
	second := newSecondStore(ctx, t, database)
	for round := range int64(4) {
		writer, other := first, second
		if round%2 == 1 {
			writer, other = second, first
		}
		if result, err := writer.Append(ctx, "shared", eventstore.Any(), eventstoretest.Events("E", 1)); err != nil || result.Events[0].Version != 3*round+1 {
			t.Fatalf("round %d: Any: %v at %v", round, err, result.Events)
		}
		if _, err := other.Append(ctx, "shared", eventstore.Exact(3*round), eventstoretest.Events("E", 1)); err == nil {
			t.Fatalf("round %d: Exact on a version the other Store moved past was accepted", round)
		}
		if _, err := other.Append(ctx, "shared", eventstore.Exact(3*round+1), eventstoretest.Events("E", 2)); err != nil {
			t.Fatalf("round %d: Exact on the real tip: %v", round, err)
		}
	}
	mustVerify(ctx, t, first, 12)
}

// TestFastWayCollisionsFallBackToTheSlowWay: a Store that knows the head but
// not a stream written before it started tries the fast way, collides in
// PostgreSQL (the stream's version, an event id stored already), writes
// nothing, and the slow way answers exactly: a conflict, a duplicate.
func TestFastWayCollisionsFallBackToTheSlowWay(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	earlier, database := newTestStore(t, Config{})
	stored := eventstoretest.Events("E", 2)
	if _, err := earlier.Append(ctx, "earlier", eventstore.NoStream(), stored); err != nil {
		t.Fatal(err)
	}
	store, err := New(database.Pool, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Append(ctx, "learns-the-head", eventstore.NoStream(), eventstoretest.Events("E", 1)); err != nil {
		t.Fatal(err)
	}
	fastBefore := store.fastGroups.Load()
	_, err = store.Append(ctx, "earlier", eventstore.NoStream(), eventstoretest.Events("E", 1))
	wantConflictAt(t, err, "earlier", 2)
	retry, err := store.Append(ctx, "earlier", eventstore.NoStream(), stored)
	if err != nil || !retry.Duplicate || retry.Events[1].Position != 2 {
		t.Errorf("retry of stored events: %v, duplicate %v", err, retry.Duplicate)
	}
	if store.fastGroups.Load() != fastBefore {
		t.Errorf("a colliding group was counted as written the fast way")
	}
	if _, err := store.Append(ctx, "earlier", eventstore.Exact(2), eventstoretest.Events("E", 1)); err != nil {
		t.Fatal(err)
	}
	mustVerify(ctx, t, store, 4)
}
