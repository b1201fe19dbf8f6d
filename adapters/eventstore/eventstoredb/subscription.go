package eventstoredb

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

const (
	// subscriptionSearchWindow is how many $all events the server filters
	// before it reports progress; with subscriptionCheckpointInterval 1 a
	// checkpoint comes every window without an event of the log, so a quiet
	// log still moves the Checkpoint forward past other streams' events.
	subscriptionSearchWindow       = 32
	subscriptionCheckpointInterval = 1
	// maxMessagesPerRecv bounds the server messages one Recv reads without
	// finding an event of the log (about 32 million other events).
	maxMessagesPerRecv = 1 << 20
)

var (
	// ErrSubscriptionDropped means the server or the connection ended the
	// subscription; subscribe again from its Checkpoint.
	ErrSubscriptionDropped = errors.New("subscription dropped")
	// ErrSubscriptionClosed means Recv was called after Close.
	ErrSubscriptionClosed = errors.New("subscription closed")
)

// Subscription delivers the log's events live, in the global order, from a
// Checkpoint. It is a catch-up subscription to $all, filtered on the server
// to the log's stream prefixes. It delivers each event at least once across
// restarts: keep Checkpoint in the same transaction as the effect of the
// event Recv returned, and a crash neither skips nor repeats an event.
type Subscription interface {
	// Recv blocks until the next event of the log, and returns it with its
	// Position and GlobalHash. When ctx ends, the subscription is closed.
	Recv(ctx context.Context) (eventstore.RecordedEvent, error)
	// Checkpoint is where the subscription stands after the event Recv
	// returned last (or the one it started from).
	Checkpoint() Checkpoint
	// Close ends the subscription. It is safe to call more than once.
	Close() error
}

// Subscribe starts a subscription after from; the zero Checkpoint starts at
// the beginning of the log. ctx bounds the subscription's life.
func (s *Store) Subscribe(ctx context.Context, from Checkpoint) (Subscription, error) {
	if err := from.Validate(); err != nil {
		return nil, err
	}
	source, err := s.client.subscribeToAll(ctx, esdb.SubscribeToAllOptions{
		From:               from.allPosition(),
		ResolveLinkTos:     false,
		MaxSearchWindow:    subscriptionSearchWindow,
		CheckpointInterval: subscriptionCheckpointInterval,
		Filter:             s.streams.subscriptionFilter(),
		RequiresLeader:     true, // the same order as Append's reads, never behind them
	})
	if err != nil {
		return nil, fmt.Errorf("subscribe to $all after position %d: %w", from.Position, mapError(err))
	}
	return newSubscription(source, from, s.streams), nil
}

// subscription is a Subscription over any source.
type subscription struct {
	source    subscriptionSource
	streams   streamFilter
	closeOnce sync.Once

	mutex      sync.Mutex // guards the fields below
	checkpoint Checkpoint
	closed     bool
}

func newSubscription(source subscriptionSource, from Checkpoint, streams streamFilter) *subscription {
	return &subscription{source: source, streams: streams, checkpoint: from}
}

// Recv reads server messages until one is an event of the log.
func (s *subscription) Recv(ctx context.Context) (eventstore.RecordedEvent, error) {
	// The client's Recv takes no ctx; closing the source is what unblocks it.
	stop := context.AfterFunc(ctx, func() { _ = s.Close() })
	defer stop()
	for range maxMessagesPerRecv {
		s.mutex.Lock()
		closed, checkpoint := s.closed, s.checkpoint
		s.mutex.Unlock()
		if err := ctx.Err(); err != nil {
			return eventstore.RecordedEvent{}, err
		}
		if closed {
			return eventstore.RecordedEvent{}, ErrSubscriptionClosed
		}
		next, recorded, ours, err := step(checkpoint, s.source.Recv(), s.streams)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return eventstore.RecordedEvent{}, ctxErr // the drop was ours
		}
		if err != nil {
			return eventstore.RecordedEvent{}, err
		}
		s.mutex.Lock()
		s.checkpoint = next
		s.mutex.Unlock()
		if ours {
			return recorded, nil
		}
	}
	return eventstore.RecordedEvent{}, fmt.Errorf("no event of the log among %d messages from the server", maxMessagesPerRecv)
}

func (s *subscription) Checkpoint() Checkpoint {
	s.mutex.Lock()
	defer s.mutex.Unlock()
	return s.checkpoint
}

func (s *subscription) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.mutex.Lock()
		s.closed = true
		s.mutex.Unlock()
		err = s.source.Close()
	})
	return err
}

// step applies one server message to c: an event of the log is returned
// (ours true) with the checkpoint after it; a server checkpoint moves c past
// the other streams' events it skipped; a drop is an error.
func step(c Checkpoint, message *esdb.SubscriptionEvent, streams streamFilter) (Checkpoint, eventstore.RecordedEvent, bool, error) {
	switch {
	case message == nil:
		return c, eventstore.RecordedEvent{}, false, fmt.Errorf("%w: the server sent an empty message", ErrSubscriptionDropped)
	case message.SubscriptionDropped != nil:
		reason := message.SubscriptionDropped.Error
		if reason == nil {
			reason = errors.New("the server gave no reason")
		}
		return c, eventstore.RecordedEvent{}, false, fmt.Errorf("%w: %w", ErrSubscriptionDropped, reason)
	case message.EventAppeared != nil:
		next, recorded, ours, err := advance(c, message.EventAppeared.Event, streams)
		if err != nil {
			return c, eventstore.RecordedEvent{}, false, fmt.Errorf("after position %d: %w", c.Position, err)
		}
		return next, recorded, ours, nil
	case message.CheckPointReached != nil:
		return advanceTo(c, *message.CheckPointReached), eventstore.RecordedEvent{}, false, nil
	default:
		// CaughtUp and FellBehind say where the subscription is, not what it read.
		return c, eventstore.RecordedEvent{}, false, nil
	}
}
