package eventstoredb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"
)

// fakeServer stands in for one EventStoreDB node where no server runs. It
// models what the store relies on, as EventStoreDB documents it:
//   - appends are atomic and checked against the expected revision; a write
//     whose event ids already stand right after the expected revision is an
//     idempotent success, any other mismatch is WrongExpectedVersion;
//   - $all holds every event in commit order at (commit, prepare) positions
//     with gaps, interleaved with system events ($stats-…) and with streams of
//     other applications; reads of $all from a position include the event at
//     it (the store must skip what it has passed);
//   - reading a missing stream fails with ResourceNotFound;
//   - a filtered catch-up subscription delivers matching events, a
//     checkpoint every MaxSearchWindow other events, and CaughtUp once.
//
// It also refuses what the store must never send: esdb.Any{} or no expected
// revision, and requests that do not require the leader.
//
// What it cannot prove: that the real server behaves so (network errors,
// leader elections, the exact idempotency window, follower lag). The contract
// suite against a real server covers those when EVENTSTOREDB_URL is set.
type fakeServer struct {
	mutex sync.Mutex
	// changed is closed and replaced at every write, waking subscriptions.
	changed chan struct{}
	log     []*esdb.RecordedEvent
	streams map[string][]int // stream -> indexes into log
	next    uint64           // the next $all position
	writes  int
	// inject fails the next call of an operation ("append", "readStream", "readAll", "subscribe").
	inject map[string]error
	// interleave, when set, runs once at the start of the next append,
	// before the server looks at the stream: another writer's turn, between
	// the store's read of the tip and its write.
	interleave func()
}

// fakeLogStart is where the fake's $all begins: no event sits at (0, 0).
const fakeLogStart = 4096

func newFakeServer() *fakeServer {
	return &fakeServer{changed: make(chan struct{}), streams: map[string][]int{}, next: fakeLogStart, inject: map[string]error{}}
}

// fakeError is an error with the client's error code, as *esdb.Error has.
type fakeError struct {
	code    esdb.ErrorCode
	message string
}

func (e *fakeError) Error() string        { return fmt.Sprintf("fake esdb error %d: %s", e.code, e.message) }
func (e *fakeError) Code() esdb.ErrorCode { return e.code }

// client is a client of the fake, as a Store sees it.
func (f *fakeServer) client() client { return fakeClient{server: f} }

// beforeNextAppend runs fn once, at the start of the next append.
func (f *fakeServer) beforeNextAppend(fn func()) {
	f.mutex.Lock()
	defer f.mutex.Unlock()
	f.interleave = fn
}

// failNext makes the next call of operation fail with err.
func (f *fakeServer) failNext(operation string, err error) {
	f.mutex.Lock()
	defer f.mutex.Unlock()
	f.inject[operation] = err
}

// injected returns and forgets the failure planned for operation (mutex held).
func (f *fakeServer) injected(operation string) error {
	err := f.inject[operation]
	delete(f.inject, operation)
	return err
}

// store appends one event to stream (mutex held).
func (f *fakeServer) store(stream string, event esdb.EventData) {
	recorded := &esdb.RecordedEvent{
		EventID: event.EventID, EventType: event.EventType, ContentType: "application/json",
		StreamID: stream, EventNumber: uint64(len(f.streams[stream])),
		Position:    esdb.Position{Commit: f.next, Prepare: f.next},
		CreatedDate: time.Now().UTC(), Data: slices.Clone(event.Data), UserMetadata: slices.Clone(event.Metadata),
	}
	// Positions are byte offsets: they grow by the record's size, with gaps.
	f.next += uint64(100 + len(event.Data) + len(event.Metadata))
	f.streams[stream] = append(f.streams[stream], len(f.log))
	f.log = append(f.log, recorded)
}

// noise writes what a real $all holds besides the log (mutex held).
func (f *fakeServer) noise() {
	f.writes++
	if f.writes%3 == 0 {
		f.store("$stats-127.0.0.1:2113", esdb.EventData{EventID: uuid.New(), EventType: "$statsCollected", Data: []byte(`{}`)})
	}
	if f.writes%7 == 0 {
		f.store("orders-1", esdb.EventData{EventID: uuid.New(), EventType: "OrderPlaced", Data: []byte(`{"n":1}`), Metadata: []byte(`not jaminan's`)})
	}
}

// writeForeign writes an event the way another tool would, with no jaminan metadata.
func (f *fakeServer) writeForeign(stream string) {
	f.mutex.Lock()
	defer f.mutex.Unlock()
	f.store(stream, esdb.EventData{EventID: uuid.New(), EventType: "Foreign", Data: []byte(`{}`), Metadata: []byte(`{}`)})
	f.wake()
}

func (f *fakeServer) wake() {
	close(f.changed)
	f.changed = make(chan struct{})
}

func copyEvent(event *esdb.RecordedEvent) *esdb.RecordedEvent {
	out := *event
	out.Data, out.UserMetadata = slices.Clone(event.Data), slices.Clone(event.UserMetadata)
	return &out
}

type fakeClient struct{ server *fakeServer }

func (c fakeClient) appendToStream(ctx context.Context, stream string, options esdb.AppendToStreamOptions, events []esdb.EventData) (*esdb.WriteResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f := c.server
	f.mutex.Lock()
	interleave := f.interleave
	f.interleave = nil
	f.mutex.Unlock()
	if interleave != nil {
		interleave()
	}
	f.mutex.Lock()
	defer f.mutex.Unlock()
	if err := f.injected("append"); err != nil {
		return nil, err
	}
	if !options.RequiresLeader {
		return nil, errors.New("fake: the store must write to the leader")
	}
	var want int
	switch revision := options.ExpectedRevision.(type) {
	case esdb.NoStream:
		want = 0
	case esdb.StreamRevision:
		want = int(revision.Value) + 1
	default:
		return nil, fmt.Errorf("fake: the store sent expected revision %T; it must send NoStream or an exact revision", revision)
	}
	current := len(f.streams[stream])
	if current != want {
		if f.idempotent(stream, want, events) {
			return &esdb.WriteResult{NextExpectedVersion: uint64(current - 1)}, nil
		}
		return nil, &fakeError{code: esdb.ErrorCodeWrongExpectedVersion, message: fmt.Sprintf("expected %d events in %s, found %d", want, stream, current)}
	}
	f.noise()
	for _, event := range events {
		f.store(stream, event)
	}
	f.wake()
	last := f.log[len(f.log)-1]
	return &esdb.WriteResult{CommitPosition: last.Position.Commit, PreparePosition: last.Position.Prepare, NextExpectedVersion: last.EventNumber}, nil
}

// idempotent reports whether events stand in stream from revision want on (mutex held).
func (f *fakeServer) idempotent(stream string, want int, events []esdb.EventData) bool {
	indexes := f.streams[stream]
	if want+len(events) > len(indexes) {
		return false
	}
	for i, event := range events {
		if f.log[indexes[want+i]].EventID != event.EventID {
			return false
		}
	}
	return true
}

func (c fakeClient) readStream(ctx context.Context, stream string, options esdb.ReadStreamOptions, count uint64) ([]*esdb.RecordedEvent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f := c.server
	f.mutex.Lock()
	defer f.mutex.Unlock()
	if err := f.injected("readStream"); err != nil {
		return nil, err
	}
	if !options.RequiresLeader || options.ResolveLinkTos {
		return nil, errors.New("fake: the store reads streams from the leader, without resolving links")
	}
	indexes, ok := f.streams[stream]
	if !ok {
		return nil, &fakeError{code: esdb.ErrorCodeResourceNotFound, message: fmt.Sprintf("stream '%s' is not found", stream)}
	}
	var at int
	switch from := options.From.(type) {
	case esdb.Start:
		at = 0
	case esdb.End:
		at = len(indexes) - 1
	case esdb.StreamRevision:
		at = int(from.Value)
	default:
		return nil, fmt.Errorf("fake: read stream from %T", from)
	}
	step := 1
	if options.Direction == esdb.Backwards {
		step = -1
	}
	var out []*esdb.RecordedEvent
	for ; at >= 0 && at < len(indexes) && uint64(len(out)) < count; at += step {
		out = append(out, copyEvent(f.log[indexes[at]]))
	}
	return out, nil
}

func (c fakeClient) readAll(ctx context.Context, options esdb.ReadAllOptions, count uint64) ([]*esdb.RecordedEvent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f := c.server
	f.mutex.Lock()
	defer f.mutex.Unlock()
	if err := f.injected("readAll"); err != nil {
		return nil, err
	}
	if options.Direction != esdb.Forwards || !options.RequiresLeader || options.ResolveLinkTos {
		return nil, errors.New("fake: the store reads $all forwards, from the leader, without resolving links")
	}
	at, err := f.indexOf(options.From)
	if err != nil {
		return nil, err
	}
	var out []*esdb.RecordedEvent
	for ; at < len(f.log) && uint64(len(out)) < count; at++ {
		out = append(out, copyEvent(f.log[at]))
	}
	return out, nil
}

// indexOf is the first event of $all at or after from (mutex held).
func (f *fakeServer) indexOf(from esdb.AllPosition) (int, error) {
	switch from := from.(type) {
	case esdb.Start:
		return 0, nil
	case esdb.Position:
		index, _ := slices.BinarySearchFunc(f.log, from, func(event *esdb.RecordedEvent, target esdb.Position) int {
			return comparePositions(event.Position, target)
		})
		return index, nil
	default:
		return 0, fmt.Errorf("fake: read $all from %T", from)
	}
}

func (c fakeClient) subscribeToAll(ctx context.Context, options esdb.SubscribeToAllOptions) (subscriptionSource, error) {
	f := c.server
	f.mutex.Lock()
	defer f.mutex.Unlock()
	if err := f.injected("subscribe"); err != nil {
		return nil, err
	}
	if options.Filter == nil || options.Filter.Type != esdb.StreamFilterType || options.MaxSearchWindow < 1 {
		return nil, errors.New("fake: the store subscribes with a stream filter and a search window")
	}
	at, err := f.indexOf(options.From)
	if err != nil {
		return nil, err
	}
	subscription := &fakeSubscription{server: f, at: at, prefixes: options.Filter.Prefixes, window: options.MaxSearchWindow, done: make(chan struct{})}
	// The subscription ends with ctx, as the client's does.
	context.AfterFunc(ctx, func() { _ = subscription.Close() })
	return subscription, nil
}

func (c fakeClient) close() error { return nil }

// fakeSubscription is a filtered catch-up subscription to the fake's $all.
type fakeSubscription struct {
	server    *fakeServer
	at        int // the next index of $all to look at
	prefixes  []string
	window    int
	skipped   int
	caughtUp  bool
	closeOnce sync.Once
	done      chan struct{}
}

// maxFakeWaits bounds how often one Recv waits for a write.
const maxFakeWaits = 1 << 20

func (s *fakeSubscription) Recv() *esdb.SubscriptionEvent {
	for range maxFakeWaits {
		select {
		case <-s.done:
			return &esdb.SubscriptionEvent{SubscriptionDropped: &esdb.SubscriptionDropped{Error: errors.New("subscription has been dropped")}}
		default:
		}
		if message := s.next(); message != nil {
			return message
		}
		s.server.mutex.Lock()
		changed, behind := s.server.changed, s.at < len(s.server.log)
		s.server.mutex.Unlock()
		if behind {
			continue
		}
		select {
		case <-s.done:
		case <-changed:
		}
	}
	return &esdb.SubscriptionEvent{SubscriptionDropped: &esdb.SubscriptionDropped{Error: errors.New("fake: waited too often")}}
}

// next is the next message from what $all holds now, or nil when there is none yet.
func (s *fakeSubscription) next() *esdb.SubscriptionEvent {
	s.server.mutex.Lock()
	defer s.server.mutex.Unlock()
	for s.at < len(s.server.log) {
		event := s.server.log[s.at]
		s.at++
		if slices.ContainsFunc(s.prefixes, func(prefix string) bool { return strings.HasPrefix(event.StreamID, prefix) }) {
			s.skipped = 0
			return &esdb.SubscriptionEvent{EventAppeared: &esdb.ResolvedEvent{Event: copyEvent(event)}}
		}
		if s.skipped++; s.skipped == s.window {
			s.skipped = 0
			position := event.Position
			return &esdb.SubscriptionEvent{CheckPointReached: &position}
		}
	}
	if !s.caughtUp {
		s.caughtUp = true
		return &esdb.SubscriptionEvent{CaughtUp: &esdb.Subscription{}}
	}
	return nil
}

func (s *fakeSubscription) Close() error {
	s.closeOnce.Do(func() { close(s.done) })
	return nil
}
