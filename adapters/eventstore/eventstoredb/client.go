package eventstoredb

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
)

// maxPrealloc bounds the slice a read allocates before the events arrive.
const maxPrealloc = 1024

// subscriptionSource is what a subscription reads; *esdb.Subscription is one.
type subscriptionSource interface {
	Recv() *esdb.SubscriptionEvent
	Close() error
}

// grpcClient is what the store needs of *esdb.Client, with reads drained
// into slices. Options are passed whole: the store sets every field that
// matters at the call site. The tests run it against esdbfake, a node the
// client talks to over gRPC, or against a real server.
type grpcClient struct{ esdb *esdb.Client }

func (g grpcClient) appendToStream(ctx context.Context, stream string, options esdb.AppendToStreamOptions, events []esdb.EventData) (*esdb.WriteResult, error) {
	return g.esdb.AppendToStream(ctx, stream, options, events...)
}

func (g grpcClient) readStream(ctx context.Context, stream string, options esdb.ReadStreamOptions, count uint64) ([]*esdb.RecordedEvent, error) {
	read, err := g.esdb.ReadStream(ctx, stream, options, count)
	if err != nil {
		return nil, err
	}
	defer read.Close()
	return drain(read, count)
}

func (g grpcClient) readAll(ctx context.Context, options esdb.ReadAllOptions, count uint64) ([]*esdb.RecordedEvent, error) {
	read, err := g.esdb.ReadAll(ctx, options, count)
	if err != nil {
		return nil, err
	}
	defer read.Close()
	return drain(read, count)
}

func (g grpcClient) subscribeToAll(ctx context.Context, options esdb.SubscribeToAllOptions) (subscriptionSource, error) {
	subscription, err := g.esdb.SubscribeToAll(ctx, options)
	if err != nil {
		return nil, err // not a typed nil in an interface
	}
	return subscription, nil
}

func (g grpcClient) close() error { return g.esdb.Close() }

// receiver is a read in progress; *esdb.ReadStream is one.
type receiver interface {
	Recv() (*esdb.ResolvedEvent, error)
}

// drain reads a read of at most count events to its end (io.EOF).
func drain(read receiver, count uint64) ([]*esdb.RecordedEvent, error) {
	events := make([]*esdb.RecordedEvent, 0, min(count, maxPrealloc))
	// The server sends at most count events; the Recv after them sees io.EOF.
	for range count + 1 {
		resolved, err := read.Recv()
		if errors.Is(err, io.EOF) {
			return events, nil
		}
		if err != nil {
			return nil, err
		}
		// Links are never resolved (ResolveLinkTos is false), so Event is
		// the event as stored.
		if resolved == nil || resolved.Event == nil {
			return nil, errors.New("the server sent a read result without an event")
		}
		events = append(events, resolved.Event)
	}
	return nil, fmt.Errorf("the server sent more than the %d events asked for", count)
}
