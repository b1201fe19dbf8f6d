package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoretest"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
)

// testTimeout bounds each test.
const testTimeout = 2 * time.Minute

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
	err := func() error { _, err := New(nil, Config{GroupEvents: -1, WriteTimeout: -time.Second}); return err }()
	for _, part := range []string{"pool is required", "GroupEvents", "WriteTimeout"} {
		if err == nil || !strings.Contains(err.Error(), part) {
			t.Errorf("got %v, want %s named", err, part)
		}
	}
	if err := (Config{GroupBytes: maxGroupBytes + 1}).Validate(); err == nil {
		t.Error("GroupBytes beyond the bound accepted")
	}
	if err := (Config{WriteTimeout: time.Hour}).Validate(); err == nil {
		t.Error("WriteTimeout of an hour accepted")
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

func mustVerify(ctx context.Context, t *testing.T, store *Store, events int64) {
	t.Helper()
	report, err := store.Verify(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if report.FirstBroken != nil || report.Events != events || report.Unsealed != 0 {
		t.Fatalf("verify: got %+v (broken: %v), want %d events, intact", report, report.FirstBroken, events)
	}
}

// TestLogIsAppendOnly: the database refuses to change or remove the log, or
// to move its head back.
func TestLogIsAppendOnly(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	store, database := newTestStore(t, Config{})
	if _, err := store.Append(ctx, "claim-1", eventstore.NoStream(), eventstoretest.Events("ClaimFiled", 3)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ statement, refusal string }{
		{`UPDATE events SET type = 'ClaimApproved'`, "append-only"},
		{`UPDATE events SET data = '{"amount":"1"}' WHERE version = 2`, "append-only"},
		{`DELETE FROM events WHERE version = 3`, "append-only"},
		{`TRUNCATE events CASCADE`, "append-only"},
		{`UPDATE log_head SET position = 2`, "only moves forward"},
		{`DELETE FROM log_head`, "only moves forward"},
		{`TRUNCATE log_head`, "append-only"},
		{`INSERT INTO log_head (singleton, position, global_hash) VALUES (false, 0, decode(repeat('00', 32), 'hex'))`, "log_head_singleton_check"},
	} {
		_, err := database.Pool.Exec(ctx, c.statement)
		if err == nil || !strings.Contains(err.Error(), c.refusal) {
			t.Errorf("%s: got %v, want a refusal with %q", c.statement, err, c.refusal)
		}
	}
	mustVerify(ctx, t, store, 3)
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
	mustVerify(ctx, t, store, 10)
	for _, statement := range []string{
		`ALTER TABLE events DISABLE TRIGGER events_append_only`,
		`ALTER TABLE log_head DISABLE TRIGGER log_head_forward_only`,
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
		{"altered data", []string{`UPDATE events SET data = '{"n": 99,  "amount":"9500000.00", "desa":"Pakatellu"}' WHERE position = 4`},
			4, "", "stored hash differs"},
		{"added metadata field", []string{`UPDATE events SET metadata = '{"correlation_id":"corr-1","actor":"operator","source":"test","rule_book":"2024.1","command":"Enroll","approved_by":"x"}'
			WHERE position = 6`}, 6, "", "metadata"},
		{"swapped positions", []string{
			`UPDATE events SET position = 1000000 WHERE position = 5`,
			`UPDATE events SET position = 5 WHERE position = 6`,
			`UPDATE events SET position = 6 WHERE position = 1000000`}, 5, "", ""},
		{"removed event", []string{`DELETE FROM events WHERE position = 7`}, 7, "", "missing"},
		{"removed last event", []string{`DELETE FROM events WHERE position = 10`}, 10, "", "before its head"},
		{"removed tail and head moved back", []string{`DELETE FROM events WHERE position = 10`,
			`UPDATE log_head SET position = 9`}, 9, "", "head's global hash"},
		{"head moved back", []string{`UPDATE log_head SET (position, global_hash) = (SELECT position, global_hash FROM events WHERE position = 8)`},
			9, "claim-1", "after the log head"},
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
	t.Run("rehashed event", testRehashedEvent)
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

// TestVerifyReportsProgressPerPage: a log longer than one page is walked in
// pages, each reported.
func TestVerifyReportsProgressPerPage(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	store, _ := newTestStore(t, Config{})
	const streams = verifyPageRows/eventstore.MaxEventsPerAppend + 1
	appends := make([]eventstore.StreamAppend, streams)
	for stream := range appends {
		appends[stream] = eventstore.StreamAppend{StreamID: "page-" + strconv.Itoa(stream), Expected: eventstore.NoStream(),
			Events: eventstoretest.Events("E", eventstore.MaxEventsPerAppend)}
	}
	for half := range 2 { // AppendMany takes at most a page of events
		if _, err := store.AppendMany(ctx, appends[half*streams/2:(half+1)*streams/2]); err != nil {
			t.Fatal(err)
		}
	}
	total := int64(streams * eventstore.MaxEventsPerAppend)
	var calls []string
	report, err := store.Verify(ctx, func(checked, head int64) { calls = append(calls, fmt.Sprintf("%d/%d", checked, head)) })
	if err != nil || report.FirstBroken != nil || report.Events != total || report.Streams != streams {
		t.Fatalf("verify: %+v, %v", report, err)
	}
	if got, want := strings.Join(calls, " "), fmt.Sprintf("%d/%d %d/%d", verifyPageRows, total, total, total); got != want {
		t.Errorf("progress: got %s, want %s", got, want)
	}
}

// BenchmarkAppend measures appends of one event, from one goroutine and
// from several at once (each on its own stream).
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

// holdLogLock takes the log lock in a transaction of its own, so that the
// next group waits for it; the returned function lets it go.
func holdLogLock(ctx context.Context, t *testing.T, database *pgtest.Database) func() {
	t.Helper()
	holder, err := database.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := holder.Exec(ctx, `SELECT position FROM log_head FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	released := false
	release := func() {
		if !released {
			released = true
			if err := holder.Rollback(context.WithoutCancel(ctx)); err != nil {
				t.Errorf("release the log lock: %v", err)
			}
		}
	}
	t.Cleanup(release)
	return release
}

// waitFor polls until done reports true, within the test's deadline.
func waitFor(ctx context.Context, t *testing.T, what string, done func() bool) {
	t.Helper()
	for !done() {
		select {
		case <-ctx.Done():
			t.Fatalf("gave up waiting for %s: %v", what, ctx.Err())
		case <-time.After(time.Millisecond):
		}
	}
}

// waitingRequests is how many requests wait for the next group.
func (s *Store) waitingRequests() int {
	s.queue.mutex.Lock()
	defer s.queue.mutex.Unlock()
	return len(s.queue.waiting)
}

// lockWaiters is how many sessions of the database wait for a lock.
func lockWaiters(ctx context.Context, t *testing.T, database *pgtest.Database) int {
	t.Helper()
	var waiting int
	if err := database.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
		t.Fatal(err)
	}
	return waiting
}

// pending is one append started in the background.
type pending struct {
	result eventstore.AppendResult
	err    error
	done   chan struct{}
}

func startAppend(ctx context.Context, store *Store, streamID string, expected eventstore.ExpectedVersion, events []eventstore.EventData) *pending {
	p := &pending{done: make(chan struct{})}
	go func() {
		defer close(p.done)
		p.result, p.err = store.Append(ctx, streamID, expected, events)
	}()
	return p
}

func (p *pending) wait(ctx context.Context, t *testing.T) (eventstore.AppendResult, error) {
	t.Helper()
	select {
	case <-p.done:
		return p.result, p.err
	case <-ctx.Done():
		t.Fatalf("append did not return: %v", ctx.Err())
		return eventstore.AppendResult{}, ctx.Err()
	}
}

// queueBehindLock starts a first append that takes the writer's turn and
// waits for the held log lock, then queues each of the others, in order,
// behind it: once the lock is let go they make one group.
func queueBehindLock(ctx context.Context, t *testing.T, store *Store, database *pgtest.Database, first func() *pending, others []func() *pending) (*pending, []*pending) {
	t.Helper()
	lead := first()
	waitFor(ctx, t, "the first group to wait for the log lock", func() bool { return lockWaiters(ctx, t, database) == 1 })
	queued := make([]*pending, len(others))
	for i, start := range others {
		queued[i] = start()
		waitFor(ctx, t, "the request to queue", func() bool { return store.waitingRequests() == i+1 })
	}
	return lead, queued
}
