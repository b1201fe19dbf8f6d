package eventstoredb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoredb/esdbfake"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoretest"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
)

const skipWithoutServer = "SKIPPED: EVENTSTOREDB_URL not set; the EventStoreDB contract suite needs a server (see docker-compose.yml)"

// serverURL is the EventStoreDB to test against, or a skip.
func serverURL(t *testing.T) string {
	t.Helper()
	url := os.Getenv("EVENTSTOREDB_URL")
	if url == "" {
		t.Skip(skipWithoutServer)
	}
	return url
}

// testNamespace keeps each store's streams apart from every other store's
// on one server, across tests and across runs.
func testNamespace() string {
	return "jaminan-test-" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12] + "-"
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// testConfig takes every stream under a fresh namespace: the suite writes
// streams such as "stream-a" that are not jaminan's prefixes.
func testConfig(url string, pool *pgxpool.Pool) Config {
	return Config{URL: url, Namespace: testNamespace(), StreamPrefixes: []string{""}, Pool: pool, Logger: quietLogger()}
}

// open connects a store, as a process of its own would.
func open(t *testing.T, config Config) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	store, err := New(ctx, config)
	if err != nil {
		t.Fatalf("open the store: %v", err)
	}
	t.Cleanup(func() { _ = store.Close() })
	return store
}

// newServerStore connects to EVENTSTOREDB_URL with a fresh namespace.
func newServerStore(t *testing.T, database *pgtest.Database) *Store {
	t.Helper()
	return open(t, testConfig(serverURL(t), database.Pool))
}

// fakeNode is an esdbfake node with the PostgreSQL beside it: one
// EventStoreDB and one DATABASE_URL, as a deployment has.
type fakeNode struct {
	*esdbfake.Server
	database *pgtest.Database
}

// newFakeServer starts a node that the official client talks to over gRPC,
// and a fresh PostgreSQL database for the index.
func newFakeServer(t *testing.T) *fakeNode {
	t.Helper()
	return newFakeServerWith(t, esdbfake.Config{})
}

func newFakeServerWith(t *testing.T, config esdbfake.Config) *fakeNode {
	t.Helper()
	server, err := esdbfake.Start(config)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(server.Close)
	return &fakeNode{Server: server, database: pgtest.New(t)}
}

// newFakeStore connects a store to the node with a fresh namespace.
func newFakeStore(t *testing.T, server *fakeNode) *Store {
	t.Helper()
	return open(t, testConfig(server.URL(), server.database.Pool))
}

// another is a second process on the same node, PostgreSQL and namespace.
func another(t *testing.T, store *Store, server *fakeNode) *Store {
	t.Helper()
	config := testConfig(server.URL(), server.database.Pool)
	config.Namespace = store.streams.namespace
	return open(t, config)
}

func TestContractAgainstServer(t *testing.T) {
	serverURL(t)
	database := pgtest.New(t)
	eventstoretest.RunWithFeatures(t, esdbFeatures(), func(t *testing.T) eventstore.Store { return newServerStore(t, database) })
}

// TestContractAgainstFakeServer runs the whole contract, on every run,
// through the official client over gRPC to esdbfake: the store's own logic
// (chaining, numbering, the index, duplicates, races, paging) and the
// client's path (serialisation, options, the server's answers) are
// exercised; only the server is stood in for. The subtests share one node
// and one PostgreSQL, as they would share one server.
func TestContractAgainstFakeServer(t *testing.T) {
	t.Parallel()
	server := newFakeServer(t)
	// What the store sent on the wire, once the parallel subtests are done:
	// never Any (it would cut the chain), never a read that resolves links.
	t.Cleanup(func() {
		if counters := server.Counters(); counters.AppendsWithAny != 0 || counters.ReadsResolvingLinks != 0 || counters.Appends == 0 {
			t.Errorf("the store sent %+v", counters)
		}
	})
	eventstoretest.RunWithFeatures(t, esdbFeatures(), func(t *testing.T) eventstore.Store { return newFakeStore(t, server) })
}

func TestSubscriptionAgainstServer(t *testing.T) {
	serverURL(t)
	testSubscriptionFollowsReadAll(t, newServerStore(t, pgtest.New(t)))
}

func TestSubscriptionAgainstFakeServer(t *testing.T) {
	t.Parallel()
	testSubscriptionFollowsReadAll(t, newFakeStore(t, newFakeServer(t)))
}

// testSubscriptionFollowsReadAll: a subscription numbers the log as ReadAll
// does, and one resumed from a checkpoint goes on where the first stopped.
func testSubscriptionFollowsReadAll(t *testing.T, store *Store) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	versions := map[string]int64{}
	for i := range 6 {
		stream := fmt.Sprintf("participant-%d", i%2)
		result, err := store.Append(ctx, stream, eventstore.Exact(versions[stream]), eventstoretest.Events("E", 2))
		if err != nil {
			t.Fatal(err)
		}
		versions[stream] = result.NextExpectedVersion
	}
	all, err := store.ReadAll(ctx, 0, 100)
	if err != nil || len(all) != 12 {
		t.Fatalf("read all: %d events, %v", len(all), err)
	}
	first := receive(ctx, t, store, Checkpoint{}, 5)
	checkpoint := first.checkpoint
	second := receive(ctx, t, store, checkpoint, 7)
	got := append(first.events, second.events...)
	for i, event := range got {
		want := all[i]
		if event.Position != want.Position || event.EventID != want.EventID || !bytes.Equal(event.GlobalHash, want.GlobalHash) {
			t.Errorf("subscription event %d: position %d id %s, ReadAll has %d %s (same global hash: %v)",
				i, event.Position, event.EventID, want.Position, want.EventID, bytes.Equal(event.GlobalHash, want.GlobalHash))
		}
	}
	if checkpoint.Position != 5 || !bytes.Equal(checkpoint.GlobalHash, all[4].GlobalHash) {
		t.Errorf("checkpoint after 5 events: %+v", checkpoint)
	}
}

type received struct {
	events     []eventstore.RecordedEvent
	checkpoint Checkpoint
}

func receive(ctx context.Context, t *testing.T, store *Store, from Checkpoint, count int) received {
	t.Helper()
	subscription, err := store.Subscribe(ctx, from)
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	defer func() { _ = subscription.Close() }()
	var out received
	for range count {
		event, err := subscription.Recv(ctx)
		if err != nil {
			t.Fatalf("recv after %d events: %v", len(out.events), err)
		}
		out.events = append(out.events, event)
	}
	out.checkpoint = subscription.Checkpoint()
	return out
}

func TestNewRefusesInvalidConfigWithoutConnecting(t *testing.T) {
	_, err := New(t.Context(), Config{URL: "http://admin:secret@localhost:2113", StreamPrefixes: []string{"$ce-"}})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"esdb://", "reserves for system streams"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("error %q repeats the password", err)
	}
}

func TestAppendRefusesStreamsOutsideThePrefixes(t *testing.T) {
	t.Parallel()
	server := newFakeServer(t)
	config := testConfig(server.URL(), server.database.Pool)
	config.StreamPrefixes = DefaultStreamPrefixes()
	store := open(t, config)
	_, err := store.Append(t.Context(), "orders-1", eventstore.NoStream(), eventstoretest.Events("E", 1))
	if !errors.Is(err, eventstore.ErrInvalidAppend) {
		t.Fatalf("got %v, want ErrInvalidAppend", err)
	}
	if _, err := store.Append(t.Context(), "claim-1", eventstore.NoStream(), eventstoretest.Events("ClaimFiled", 1)); err != nil {
		t.Fatalf("claim stream: %v", err)
	}
	// Another application's stream on the same server is not part of the log.
	writeForeign(t, server, store.streams.esdbStream("orders-1"))
	if events, err := store.ReadStream(t.Context(), "orders-1", 1, 10); err != nil || len(events) != 0 {
		t.Errorf("read another application's stream: %d events, %v", len(events), err)
	}
	if head, err := store.Head(t.Context()); err != nil || head != 1 {
		t.Errorf("head %d, %v; want 1", head, err)
	}
}

// writeForeign writes an event the way another tool would, without jaminan's metadata.
func writeForeign(t *testing.T, server *fakeNode, stream string) {
	t.Helper()
	if err := server.Load(stream, esdbfake.Event{ID: uuid.New(), Type: "Foreign", Data: []byte(`{}`), Metadata: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
}

// connectClient is the official client on the node, for what jaminan never
// does itself (tombstoning a stream).
func connectClient(t *testing.T, server *fakeNode) *esdb.Client {
	t.Helper()
	settings, err := esdb.ParseConnectionString(server.URL())
	if err != nil {
		t.Fatal(err)
	}
	settings.Logger = slogLogging(quietLogger())
	client, err := esdb.NewClient(settings)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return client
}

func esdbCode(err error) esdb.ErrorCode {
	var withCode *esdb.Error
	if errors.As(err, &withCode) {
		return withCode.Code()
	}
	return -1
}

// TestServerErrorsThroughTheClient: what the server answers reaches the
// caller through the client's own mapping, as the port's errors.
func TestServerErrorsThroughTheClient(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	server := newFakeServer(t)
	store := newFakeStore(t, server)
	if _, err := store.Append(ctx, "claim-1", eventstore.NoStream(), eventstoretest.Events("ClaimFiled", 1)); err != nil {
		t.Fatal(err)
	}
	// Someone tombstones a stream of the log by hand.
	if _, err := connectClient(t, server).TombstoneStream(ctx, store.streams.esdbStream("claim-1"),
		esdb.TombstoneStreamOptions{ExpectedRevision: esdb.Revision(0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.ReadStream(ctx, "claim-1", 1, 10); !errors.Is(err, ErrStreamDeleted) || esdbCode(err) != esdb.ErrorCodeStreamDeleted {
		t.Errorf("read a deleted stream: got %v, want ErrStreamDeleted wrapping the client's error", err)
	}
	if _, err := store.Append(ctx, "claim-1", eventstore.Exact(1), eventstoretest.Events("ClaimApproved", 1)); !errors.Is(err, ErrStreamDeleted) {
		t.Errorf("append to a deleted stream: got %v, want ErrStreamDeleted", err)
	}
	// The tombstone stands in $all in the stream's name: the count stops there.
	if _, err := store.Head(ctx); !errors.Is(err, ErrStreamDeleted) || !strings.Contains(err.Error(), "claim-1 was tombstoned") {
		t.Errorf("head over a tombstone: %v", err)
	}

	other := newFakeStore(t, server)
	if _, err := other.Append(ctx, "claim-2", eventstore.NoStream(), eventstoretest.Events("ClaimFiled", 1)); err != nil {
		t.Fatal(err)
	}
	server.FailNext(esdbfake.OperationReadAll, esdbfake.Unavailable())
	_, err := other.Append(ctx, "claim-2", eventstore.Exact(1), eventstoretest.Events("ClaimApproved", 1))
	if esdbCode(err) != esdb.ErrorUnavailable || errors.Is(err, eventstore.ErrConcurrencyConflict) {
		t.Errorf("unavailable: got %v, want the client's Unavailable, not a conflict", err)
	}
	if got, err := other.Head(ctx); err != nil || got != 1 {
		t.Errorf("after a refused append: head %d, %v; want 1", got, err)
	}
}

// TestAppendTooLarge: an event is at most eventstore.MaxEventSize, a quarter
// of EventStoreDB's default maximum append size, so an append larger than
// the server takes in one write (a bill of many parts) goes in several, in
// order, and the same append again answers as a duplicate. A store
// configured below one event refuses it before anything is sent, counted as
// the server counts it, naming the stream and the size; a server whose
// limit is lower refuses on its own, and the store says the same.
func TestAppendTooLarge(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	server := newFakeServer(t)
	store := newFakeStore(t, server)
	big := func(count, bytesEach int) []eventstore.EventData {
		events := eventstoretest.Events("BillLinesRecorded", count)
		for i := range events {
			events[i].Data = json.RawMessage(`{"lines":"` + strings.Repeat("x", bytesEach) + `"}`)
		}
		return events
	}
	sent := server.Counters().Appends
	many := big(8, 200_000)
	result, err := store.Append(ctx, "payer-1", eventstore.NoStream(), many)
	if err != nil || len(result.Events) != 8 || result.NextExpectedVersion != 8 || result.Duplicate {
		t.Fatalf("8 events of 200,000 bytes: %d stored up to version %d (%v)", len(result.Events), result.NextExpectedVersion, err)
	}
	if writes := server.Counters().Appends - sent; writes < 2 {
		t.Errorf("1.6 MB went in %d write(s); the server takes 1 MiB a write", writes)
	}
	stored, err := store.ReadStream(ctx, "payer-1", 1, 10)
	if err != nil || len(stored) != 8 {
		t.Fatalf("read back %d events (%v), want 8", len(stored), err)
	}
	for i, event := range stored {
		if event.EventID != many[i].EventID || event.Version != int64(i+1) {
			t.Errorf("event %d: %s at version %d, want %s at %d", i, event.EventID, event.Version, many[i].EventID, i+1)
		}
	}
	if again, err := store.Append(ctx, "payer-1", eventstore.NoStream(), many); err != nil || !again.Duplicate || len(again.Events) != 8 {
		t.Errorf("the same append again: duplicate %t, %d events (%v); want the 8 stored, as a duplicate", again.Duplicate, len(again.Events), err)
	}

	config := testConfig(server.URL(), server.database.Pool)
	config.MaxAppendSize = 100_000
	small := open(t, config)
	sent = server.Counters().Appends
	_, err = small.Append(ctx, "payer-3", eventstore.NoStream(), big(1, 200_000))
	var tooLarge *AppendTooLargeError
	if !errors.Is(err, ErrAppendTooLarge) || !errors.Is(err, eventstore.ErrInvalidAppend) || !errors.As(err, &tooLarge) {
		t.Fatalf("got %v, want ErrAppendTooLarge", err)
	}
	if tooLarge.StreamID != "payer-3" || tooLarge.Size <= 200_000 || tooLarge.Limit != 100_000 ||
		!strings.Contains(err.Error(), "payer-3") || !strings.Contains(err.Error(), "100000 bytes") {
		t.Errorf("the refusal says %q (%+v)", err, tooLarge)
	}
	// migrate-log's Import is held to the same limit, naming the stream.
	records := chain("payer-4", 0, eventstore.ZeroHash(), big(1, 200_000), time.Now())
	if _, err := small.Import(ctx, "payer-4", eventstore.NoStream(), records); !errors.Is(err, ErrAppendTooLarge) || !strings.Contains(err.Error(), "payer-4") {
		t.Errorf("import: got %v, want ErrAppendTooLarge naming the stream", err)
	}
	if server.Counters().Appends != sent {
		t.Error("an append or import over the limit was sent to the server")
	}

	// A server set below Config.MaxAppendSize refuses as soon as the running
	// size passes its limit. The client reports the server's status when it
	// had sent everything by then, and the end of the stream when it was
	// still sending; either way nothing is stored.
	strict := newFakeServerWith(t, esdbfake.Config{MaxAppendSize: 64 << 10})
	lenient := newFakeStore(t, strict)
	_, err = lenient.Append(ctx, "payer-2", eventstore.NoStream(), big(1, 100_000))
	refusedByServer := errors.As(err, &tooLarge) && tooLarge.Server != nil && strings.Contains(err.Error(), "Maximum Append Size of 65536 Exceeded")
	if !refusedByServer && !strings.Contains(fmt.Sprint(err), "EOF") {
		t.Errorf("refused by the server: got %v", err)
	}
	if events, err := lenient.ReadStream(ctx, "payer-2", 1, 10); err != nil || len(events) != 0 {
		t.Errorf("after the server's refusal the stream holds %d events (%v)", len(events), err)
	}
}

// TestEveryProcessCountsTheSame: a second process beside the first resumes
// at the index and reads only the tail of $all; a process with an empty
// index (another PostgreSQL) counts $all from its start. Both give every
// event the position and global hash the first gave.
func TestEveryProcessCountsTheSame(t *testing.T) {
	t.Parallel()
	server := newFakeServer(t)
	first := newFakeStore(t, server)
	ctx := t.Context()
	var appended []eventstore.RecordedEvent
	versions := map[string]int64{}
	for i := range 600 {
		stream := fmt.Sprintf("payer-%d", i%5)
		result, err := first.Append(ctx, stream, eventstore.Exact(versions[stream]), eventstoretest.Events("E", 1+i%3))
		if err != nil {
			t.Fatal(err)
		}
		versions[stream] = result.NextExpectedVersion
		appended = append(appended, result.Events...)
	}
	read := server.Counters().AllEventsRead
	second := another(t, first, server)
	// One read of $all from the last counted event: that event, and nothing after it.
	if tail := server.Counters().AllEventsRead - read; tail != 1 {
		t.Errorf("the second process read %d events of $all at start, want 1 (the last one counted)", tail)
	}
	config := testConfig(server.URL(), pgtest.New(t).Pool)
	config.Namespace = first.streams.namespace
	read = server.Counters().AllEventsRead
	fresh := open(t, config)
	// Pages of a read resume at the last event of the page before: all of
	// $all, and one event again per page.
	if whole := server.Counters().AllEventsRead - read; whole < server.Events() || whole > server.Events()+server.Events()/scanPageSize {
		t.Errorf("the process with an empty index read %d events of $all at start, want all %d", whole, server.Events())
	}
	for name, process := range map[string]*Store{"beside the first": second, "with an empty index": fresh} {
		for _, after := range []int64{0, 1, 999, 1000, 1001, int64(len(appended)) - 3} {
			page, err := process.ReadAll(ctx, after, 50)
			if err != nil {
				t.Fatal(err)
			}
			for i, event := range page {
				want := appended[int(after)+i]
				if event.Position != want.Position || event.EventID != want.EventID || !bytes.Equal(event.GlobalHash, want.GlobalHash) {
					t.Fatalf("%s: after %d, event %d: position %d id %s; the first process had %d %s", name, after, i, event.Position, event.EventID, want.Position, want.EventID)
				}
			}
		}
		report, err := eventstore.Verify(ctx, process, nil)
		if err != nil || report.FirstBroken != nil || report.Events != int64(len(appended)) {
			t.Errorf("%s: verify: %+v, %v, %v", name, report, report.FirstBroken, err)
		}
		stream, err := process.ReadStream(ctx, "payer-3", 1, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, event := range stream {
			if event.Position == 0 || len(event.GlobalHash) != eventstore.HashSize {
				t.Errorf("%s: read stream: version %d has position %d", name, event.Version, event.Position)
			}
		}
	}
}

// TestIndexDoesNotMatch: an index built against another server, or over
// other stream prefixes, is refused at start instead of giving wrong positions.
func TestIndexDoesNotMatch(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	server := newFakeServer(t)
	store := newFakeStore(t, server)
	if _, err := store.Append(ctx, "claim-1", eventstore.NoStream(), eventstoretest.Events("ClaimFiled", 2)); err != nil {
		t.Fatal(err)
	}
	otherServer, err := esdbfake.Start(esdbfake.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(otherServer.Close)
	config := testConfig(otherServer.URL(), server.database.Pool)
	config.Namespace = store.streams.namespace
	if _, err := New(ctx, config); !errors.Is(err, ErrIndexMismatch) || !strings.Contains(err.Error(), "another server") {
		t.Errorf("another server: got %v, want ErrIndexMismatch", err)
	}
	config = testConfig(server.URL(), server.database.Pool)
	config.Namespace, config.StreamPrefixes = store.streams.namespace, []string{"claim-"}
	if _, err := New(ctx, config); !errors.Is(err, ErrIndexMismatch) || !strings.Contains(err.Error(), `over the stream prefixes [""]`) {
		t.Errorf("other prefixes: got %v, want ErrIndexMismatch", err)
	}
}

// TestIndexRebuiltWhenDeleted: the index is derived; with its rows deleted
// the next process counts $all again and gets the same numbers.
func TestIndexRebuiltWhenDeleted(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	server := newFakeServer(t)
	store := newFakeStore(t, server)
	first, err := store.Append(ctx, "claim-1", eventstore.NoStream(), eventstoretest.Events("ClaimFiled", 3))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := server.database.Pool.Exec(ctx, `DELETE FROM eventstoredb_positions WHERE log_id = $1`, store.index.logID); err != nil {
		t.Fatal(err)
	}
	again := another(t, store, server)
	retry, err := again.Append(ctx, "claim-1", eventstore.NoStream(), eventstore.EventDataOf(first.Events))
	if err != nil || !retry.Duplicate || retry.Events[2].Position != first.Events[2].Position || !bytes.Equal(retry.Events[2].GlobalHash, first.Events[2].GlobalHash) {
		t.Errorf("retry after the rebuild: %+v, %v", retry, err)
	}
}

// TestForeignEventsInTheLog: an event another tool wrote into a stream of
// the log cannot be numbered; the store says so instead of skipping it.
func TestForeignEventsInTheLog(t *testing.T) {
	t.Parallel()
	server := newFakeServer(t)
	store := newFakeStore(t, server)
	ctx := t.Context()
	if _, err := store.Append(ctx, "claim-1", eventstore.NoStream(), eventstoretest.Events("ClaimFiled", 1)); err != nil {
		t.Fatal(err)
	}
	writeForeign(t, server, store.streams.esdbStream("claim-1"))
	if _, err := store.Head(ctx); err == nil || !strings.Contains(err.Error(), "not jaminan's") {
		t.Errorf("head over a foreign event: %v", err)
	}
	if _, err := store.ReadStream(ctx, "claim-1", 1, 10); err == nil {
		t.Error("read stream over a foreign event: no error")
	}
}

// TestEventByID: found through the index, by this process and by another
// that holds nothing of the log in memory.
func TestEventByID(t *testing.T) {
	t.Parallel()
	server := newFakeServer(t)
	store := newFakeStore(t, server)
	ctx := t.Context()
	events := eventstoretest.Events("ClaimFiled", 3)
	result, err := store.Append(ctx, "claim-1", eventstore.NoStream(), events)
	if err != nil {
		t.Fatal(err)
	}
	for _, process := range []*Store{store, another(t, store, server)} {
		found, ok, err := process.EventByID(ctx, events[1].EventID)
		if err != nil || !ok || found.Position != result.Events[1].Position || found.Version != 2 || !bytes.Equal(found.GlobalHash, result.Events[1].GlobalHash) {
			t.Errorf("got %+v, %v, %v", found, ok, err)
		}
		if _, ok, err := process.EventByID(ctx, uuid.New()); ok || err != nil {
			t.Errorf("unknown id: found %v, %v", ok, err)
		}
	}
}

func TestSubscribeRefusesInvalidCheckpoint(t *testing.T) {
	t.Parallel()
	store := newFakeStore(t, newFakeServer(t))
	if _, err := store.Subscribe(t.Context(), Checkpoint{Position: 3}); err == nil {
		t.Error("no error")
	}
}
