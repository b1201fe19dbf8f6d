package eventstoredb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoretest"
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

// testConfig takes every stream under a fresh namespace: the suite writes
// streams such as "stream-a" that are not jaminan's prefixes.
func testConfig(url string) Config {
	return Config{URL: url, Namespace: testNamespace(), StreamPrefixes: []string{""}}
}

// newServerStore connects to EVENTSTOREDB_URL with a fresh namespace.
func newServerStore(t *testing.T) *Store {
	t.Helper()
	url := serverURL(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	store, err := New(ctx, testConfig(url))
	if err != nil {
		t.Fatalf("connect to EVENTSTOREDB_URL: %v", err)
	}
	t.Cleanup(func() { _ = store.Close() })
	return store
}

// newFakeStore builds a store on server with a fresh namespace.
func newFakeStore(t *testing.T, server *fakeServer) *Store {
	t.Helper()
	config := testConfig("esdb://fake:2113?tls=false")
	config.setDefaults()
	if err := config.Validate(); err != nil {
		t.Fatal(err)
	}
	return newStore(server.client(), config)
}

func TestContractAgainstServer(t *testing.T) {
	serverURL(t)
	eventstoretest.RunWithFeatures(t, esdbFeatures(), func(t *testing.T) eventstore.Store { return newServerStore(t) })
}

// TestContractAgainstFakeServer runs the whole contract, on every run, over
// the in-process fake: all the store's own logic (chaining, numbering,
// duplicates, races, paging) is exercised; only the server is stood in for.
// The subtests share one fake, as they would share one server.
func TestContractAgainstFakeServer(t *testing.T) {
	server := newFakeServer()
	eventstoretest.RunWithFeatures(t, esdbFeatures(), func(t *testing.T) eventstore.Store { return newFakeStore(t, server) })
}

func TestSubscriptionAgainstServer(t *testing.T) {
	testSubscriptionFollowsReadAll(t, newServerStore(t))
}

func TestSubscriptionAgainstFakeServer(t *testing.T) {
	testSubscriptionFollowsReadAll(t, newFakeStore(t, newFakeServer()))
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
	config := Config{URL: "esdb://fake:2113?tls=false"}
	config.setDefaults()
	server := newFakeServer()
	store := newStore(server.client(), config)
	_, err := store.Append(t.Context(), "orders-1", eventstore.NoStream(), eventstoretest.Events("E", 1))
	if !errors.Is(err, eventstore.ErrInvalidAppend) {
		t.Fatalf("got %v, want ErrInvalidAppend", err)
	}
	if _, err := store.Append(t.Context(), "claim-1", eventstore.NoStream(), eventstoretest.Events("ClaimFiled", 1)); err != nil {
		t.Fatalf("claim stream: %v", err)
	}
	// Another application's stream on the same server is not part of the log.
	server.writeForeign("orders-1")
	if events, err := store.ReadStream(t.Context(), "orders-1", 1, 10); err != nil || len(events) != 0 {
		t.Errorf("read another application's stream: %d events, %v", len(events), err)
	}
	if head, err := store.Head(t.Context()); err != nil || head != 1 {
		t.Errorf("head %d, %v; want 1", head, err)
	}
}

func TestAppendMapsServerErrors(t *testing.T) {
	server := newFakeServer()
	store := newFakeStore(t, server)
	ctx := t.Context()
	if _, err := store.Append(ctx, "claim-1", eventstore.NoStream(), eventstoretest.Events("ClaimFiled", 1)); err != nil {
		t.Fatal(err)
	}
	deleted := &fakeError{code: esdb.ErrorCodeStreamDeleted, message: "stream 'claim-1' is deleted"}
	server.failNext("append", deleted)
	_, err := store.Append(ctx, "claim-1", eventstore.Exact(1), eventstoretest.Events("ClaimApproved", 1))
	if !errors.Is(err, ErrStreamDeleted) || !errors.Is(err, deleted) {
		t.Errorf("deleted stream: got %v, want ErrStreamDeleted wrapping the server's error", err)
	}
	unavailable := &fakeError{code: esdb.ErrorUnavailable, message: "node down"}
	server.failNext("readAll", unavailable)
	_, err = store.Append(ctx, "claim-1", eventstore.Exact(1), eventstoretest.Events("ClaimApproved", 1))
	if !errors.Is(err, unavailable) || errors.Is(err, eventstore.ErrConcurrencyConflict) {
		t.Errorf("unavailable: got %v, want the server's error, not a conflict", err)
	}
	if got, err := store.Head(ctx); err != nil || got != 1 {
		t.Errorf("after refused appends: head %d, %v; want 1", got, err)
	}
}

// TestEveryProcessCountsTheSame: a second process, counting $all from its
// start, gives every event the position and global hash the first gave.
func TestEveryProcessCountsTheSame(t *testing.T) {
	server := newFakeServer()
	first := newFakeStore(t, server)
	ctx := t.Context()
	var appended []eventstore.RecordedEvent
	versions := map[string]int64{}
	for i := range 3 * checkpointEvery {
		stream := fmt.Sprintf("payer-%d", i%5)
		result, err := first.Append(ctx, stream, eventstore.Exact(versions[stream]), eventstoretest.Events("E", 1+i%3))
		if err != nil {
			t.Fatal(err)
		}
		versions[stream] = result.NextExpectedVersion
		appended = append(appended, result.Events...)
	}
	second := newStore(server.client(), Config{Namespace: first.streams.namespace, StreamPrefixes: []string{""}})
	for _, after := range []int64{0, 1, checkpointEvery - 1, checkpointEvery, 2*checkpointEvery + 7} {
		page, err := second.ReadAll(ctx, after, 50)
		if err != nil {
			t.Fatal(err)
		}
		for i, event := range page {
			want := appended[int(after)+i]
			if event.Position != want.Position || event.EventID != want.EventID || !bytes.Equal(event.GlobalHash, want.GlobalHash) {
				t.Fatalf("after %d, event %d: position %d id %s; the first process had %d %s", after, i, event.Position, event.EventID, want.Position, want.EventID)
			}
		}
	}
	report, err := eventstore.Verify(ctx, second, nil)
	if err != nil || report.FirstBroken != nil || report.Events != int64(len(appended)) {
		t.Errorf("verify by the second process: %+v, %v, %v", report, report.FirstBroken, err)
	}
	stream, err := second.ReadStream(ctx, "payer-3", 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, event := range stream {
		if event.Position == 0 || len(event.GlobalHash) != eventstore.HashSize {
			t.Errorf("read stream: version %d has position %d", event.Version, event.Position)
		}
	}
}

// TestForeignEventsInTheLog: an event another tool wrote into a stream of
// the log cannot be numbered; the store says so instead of skipping it.
func TestForeignEventsInTheLog(t *testing.T) {
	server := newFakeServer()
	store := newFakeStore(t, server)
	ctx := t.Context()
	if _, err := store.Append(ctx, "claim-1", eventstore.NoStream(), eventstoretest.Events("ClaimFiled", 1)); err != nil {
		t.Fatal(err)
	}
	server.writeForeign(store.streams.esdbStream("claim-1"))
	if _, err := store.Head(ctx); err == nil || !strings.Contains(err.Error(), "not jaminan's") {
		t.Errorf("head over a foreign event: %v", err)
	}
	if _, err := store.ReadStream(ctx, "claim-1", 1, 10); err == nil {
		t.Error("read stream over a foreign event: no error")
	}
}

func TestEventByID(t *testing.T) {
	store := newFakeStore(t, newFakeServer())
	ctx := t.Context()
	events := eventstoretest.Events("ClaimFiled", 3)
	result, err := store.Append(ctx, "claim-1", eventstore.NoStream(), events)
	if err != nil {
		t.Fatal(err)
	}
	found, ok, err := store.EventByID(ctx, events[1].EventID)
	if err != nil || !ok || found.Position != result.Events[1].Position || found.Version != 2 {
		t.Errorf("got %+v, %v, %v", found, ok, err)
	}
	if _, ok, err := store.EventByID(ctx, uuid.New()); ok || err != nil {
		t.Errorf("unknown id: found %v, %v", ok, err)
	}
}

func TestSubscribeRefusesInvalidCheckpoint(t *testing.T) {
	store := newFakeStore(t, newFakeServer())
	if _, err := store.Subscribe(t.Context(), Checkpoint{Position: 3}); err == nil {
		t.Error("no error")
	}
}
