package eventstoredb

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

// scriptedSource plays server messages, then blocks until closed, as a
// subscription does when the log is quiet.
type scriptedSource struct {
	messages  chan *esdb.SubscriptionEvent
	closed    chan struct{}
	closeOnce sync.Once
}

func newScriptedSource(messages ...*esdb.SubscriptionEvent) *scriptedSource {
	source := &scriptedSource{messages: make(chan *esdb.SubscriptionEvent, len(messages)), closed: make(chan struct{})}
	for _, message := range messages {
		source.messages <- message
	}
	return source
}

func (s *scriptedSource) Recv() *esdb.SubscriptionEvent {
	select {
	case message := <-s.messages:
		return message
	case <-s.closed:
		return &esdb.SubscriptionEvent{SubscriptionDropped: &esdb.SubscriptionDropped{Error: errors.New("subscription has been dropped")}}
	}
}

func (s *scriptedSource) Close() error {
	s.closeOnce.Do(func() { close(s.closed) })
	return nil
}

func appeared(event *esdb.RecordedEvent) *esdb.SubscriptionEvent {
	return &esdb.SubscriptionEvent{EventAppeared: &esdb.ResolvedEvent{Event: event}}
}

// script turns a slice of $all into what a filtered subscription sends: the
// log's events, a checkpoint for the rest, and CaughtUp at the end.
func script(events []*esdb.RecordedEvent) []*esdb.SubscriptionEvent {
	var out []*esdb.SubscriptionEvent
	for _, event := range events {
		if testStreams.matches(event.StreamID) {
			out = append(out, appeared(event))
			continue
		}
		position := event.Position
		out = append(out, &esdb.SubscriptionEvent{CheckPointReached: &position})
	}
	return append(out, &esdb.SubscriptionEvent{CaughtUp: &esdb.Subscription{}}, &esdb.SubscriptionEvent{FellBehind: &esdb.Subscription{}})
}

func recvAll(ctx context.Context, t *testing.T, subscription Subscription, count int) []eventstore.RecordedEvent {
	t.Helper()
	var out []eventstore.RecordedEvent
	for range count {
		event, err := subscription.Recv(ctx)
		if err != nil {
			t.Fatalf("recv after %d events: %v", len(out), err)
		}
		out = append(out, event)
	}
	return out
}

// TestSubscriptionResumesFromItsCheckpoint: the caller keeps the checkpoint
// of the last event it applied; a new subscription from it, which the server
// starts with that very event, goes on with the next one, numbered and
// chained as one uninterrupted run.
func TestSubscriptionResumesFromItsCheckpoint(t *testing.T) {
	ctx := t.Context()
	events := allLog(t, 10)
	_, whole, _, err := number(Checkpoint{}, events, testStreams)
	if err != nil {
		t.Fatal(err)
	}
	first := newSubscription(newScriptedSource(script(events)...), Checkpoint{}, testStreams)
	got := recvAll(ctx, t, first, 4)
	applied := first.Checkpoint()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if applied.Position != 4 || !bytes.Equal(applied.GlobalHash, whole[3].GlobalHash) {
		t.Fatalf("checkpoint after 4 events: %+v", applied)
	}
	start := 0
	for events[start].Position.Commit != applied.Commit {
		start++
	}
	second := newSubscription(newScriptedSource(script(events[start:])...), applied, testStreams)
	got = append(got, recvAll(ctx, t, second, 6)...)
	for i, event := range got {
		if event.Position != whole[i].Position || event.EventID != whole[i].EventID || !bytes.Equal(event.GlobalHash, whole[i].GlobalHash) {
			t.Errorf("event %d: position %d id %s, want %d %s", i, event.Position, event.EventID, whole[i].Position, whole[i].EventID)
		}
	}
	// The server's checkpoints after the last event move the checkpoint past
	// the other streams' events without changing the position. They are read
	// while waiting for the next event, so wait in the background.
	waiting := make(chan error, 1)
	go func() {
		_, err := second.Recv(ctx)
		waiting <- err
	}()
	waitFor(t, func() bool { return second.Checkpoint().Commit == events[len(events)-1].Position.Commit })
	if second.Checkpoint().Position != 10 {
		t.Errorf("checkpoint %+v", second.Checkpoint())
	}
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-waiting; !errors.Is(err, ErrSubscriptionDropped) && !errors.Is(err, ErrSubscriptionClosed) {
		t.Errorf("the waiting Recv ended with %v", err)
	}
}

// waitFor polls cond for up to a second.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	const attempts = 1000
	for range attempts {
		if cond() {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("condition not met within a second")
}

func TestSubscriptionServerCheckpointWithoutEvents(t *testing.T) {
	position := esdb.Position{Commit: 777, Prepare: 777}
	from := Checkpoint{Commit: 100, Prepare: 100, Position: 2, GlobalHash: bytes.Repeat([]byte{3}, eventstore.HashSize)}
	subscription := newSubscription(newScriptedSource(&esdb.SubscriptionEvent{CheckPointReached: &position},
		&esdb.SubscriptionEvent{SubscriptionDropped: &esdb.SubscriptionDropped{Error: errors.New("leader changed")}}), from, testStreams)
	_, err := subscription.Recv(t.Context())
	if !errors.Is(err, ErrSubscriptionDropped) || err.Error() != "subscription dropped: leader changed" {
		t.Errorf("got %v, want the drop with its reason", err)
	}
	got := subscription.Checkpoint()
	if got.Commit != 777 || got.Position != 2 || !bytes.Equal(got.GlobalHash, from.GlobalHash) {
		t.Errorf("checkpoint %+v", got)
	}
}

func TestSubscriptionErrors(t *testing.T) {
	bad := *allLog(t, 1)[0]
	bad.UserMetadata = []byte("{}")
	cases := []struct {
		name    string
		message *esdb.SubscriptionEvent
	}{
		{"empty message", nil},
		{"drop without a reason", &esdb.SubscriptionEvent{SubscriptionDropped: &esdb.SubscriptionDropped{}}},
		{"event of the log without our metadata", appeared(&bad)},
		{"empty event", &esdb.SubscriptionEvent{EventAppeared: &esdb.ResolvedEvent{}}},
	}
	for _, c := range cases {
		subscription := newSubscription(newScriptedSource(c.message), Checkpoint{}, testStreams)
		if _, err := subscription.Recv(t.Context()); err == nil {
			t.Errorf("%s: no error", c.name)
		}
		if got := subscription.Checkpoint(); got.started() || got.Position != 0 {
			t.Errorf("%s: checkpoint moved to %+v", c.name, got)
		}
	}
}

func TestSubscriptionEndsWithItsContext(t *testing.T) {
	source := newScriptedSource()
	subscription := newSubscription(source, Checkpoint{}, testStreams)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	if _, err := subscription.Recv(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want the context's error", err)
	}
	select {
	case <-source.closed:
	default:
		t.Error("the source was not closed")
	}
	if _, err := subscription.Recv(t.Context()); !errors.Is(err, ErrSubscriptionClosed) {
		t.Errorf("after the context ended: %v", err)
	}
}

func TestSubscriptionClose(t *testing.T) {
	source := newScriptedSource(appeared(allLog(t, 1)[0]))
	subscription := newSubscription(source, Checkpoint{}, testStreams)
	if err := subscription.Close(); err != nil {
		t.Fatal(err)
	}
	if err := subscription.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
	if _, err := subscription.Recv(t.Context()); !errors.Is(err, ErrSubscriptionClosed) {
		t.Errorf("recv after close: %v", err)
	}
}
