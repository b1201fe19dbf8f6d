package eventstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
)

// VerifyPageSize is how many events one page of a verification walk reads.
const VerifyPageSize = 5000

// Report is the outcome of walking the whole log.
type Report struct {
	// Events is how many events were checked.
	Events int64
	// Streams is how many streams were seen.
	Streams int64
	// Unsealed is how many stored events have no global position yet. Every
	// store places events as it stores them now, so it is 0; the API's
	// verify answer still carries it.
	Unsealed int64
	// FirstBroken is the first place where the log disagrees with its hashes; nil when intact.
	FirstBroken *Break
}

// Break names where the chain breaks and why.
type Break struct {
	// Position is 0 when the break is in an event without a position or in a stream head.
	Position int64
	StreamID string
	Version  int64
	Reason   string
}

func (b *Break) String() string {
	return fmt.Sprintf("position %d (stream %s, version %d): %s", b.Position, b.StreamID, b.Version, b.Reason)
}

// StreamTip is the last event checked in one stream.
type StreamTip struct {
	Version int64
	Hash    []byte
}

// Chains recomputes the stream chains and the global chain, one event at a
// time: feed it the events in position order (Placed). It is the shared core
// of every store's Verify; a store adds checks of its own (the PostgreSQL
// store compares its log head with GlobalHash).
type Chains struct {
	position   int64
	globalHash []byte
	tips       map[string]StreamTip
	events     int64
}

// NewChains starts a walk at position 0.
func NewChains() *Chains {
	return &Chains{globalHash: ZeroHash(), tips: map[string]StreamTip{}}
}

// Placed checks the next event of the global order.
func (c *Chains) Placed(event RecordedEvent) *Break {
	broken := func(reason string, args ...any) *Break {
		return &Break{Position: event.Position, StreamID: event.StreamID, Version: event.Version, Reason: fmt.Sprintf(reason, args...)}
	}
	if event.Position > c.position+1 {
		return &Break{Position: c.position + 1, Reason: fmt.Sprintf("position %d is missing: the log goes from %d to %d (stream %s version %d): an event was removed",
			c.position+1, c.position, event.Position, event.StreamID, event.Version)}
	}
	if event.Position != c.position+1 {
		return broken("position %d repeats or goes back after position %d: the global order was changed", event.Position, c.position)
	}
	if reason := c.checkStream(event); reason != "" {
		return broken("%s", reason)
	}
	want := GlobalChainHash(c.globalHash, event.Position, event.Hash)
	if !bytes.Equal(want, event.GlobalHash) {
		return broken("global hash does not match the chain of positions: the global order was changed")
	}
	c.position, c.globalHash = event.Position, event.GlobalHash
	c.advance(event)
	return nil
}

// checkStream returns why event does not continue its stream's chain, or "".
func (c *Chains) checkStream(event RecordedEvent) string {
	tip, ok := c.tips[event.StreamID]
	if !ok {
		tip = StreamTip{Version: 0, Hash: ZeroHash()}
	}
	if event.Version != tip.Version+1 {
		return fmt.Sprintf("version %d follows version %d of its stream: a stream event is missing or out of order", event.Version, tip.Version)
	}
	if !bytes.Equal(event.PreviousHash, tip.Hash) {
		return "previous hash differs from the hash of the stream's previous event: the stream chain was cut"
	}
	if !bytes.Equal(EventHash(event.PreviousHash, event), event.Hash) {
		return "stored hash differs from the hash recomputed over the event: its data, metadata or envelope was changed"
	}
	return ""
}

func (c *Chains) advance(event RecordedEvent) {
	c.tips[event.StreamID] = StreamTip{Version: event.Version, Hash: event.Hash}
	c.events++
}

// Position is the last position checked.
func (c *Chains) Position() int64 { return c.position }

// GlobalHash is the global hash at Position (ZeroHash before position 1).
func (c *Chains) GlobalHash() []byte { return c.globalHash }

// Events is how many events were checked.
func (c *Chains) Events() int64 { return c.events }

// Streams is how many streams were seen.
func (c *Chains) Streams() int64 { return int64(len(c.tips)) }

// Tip is the last checked event of a stream.
func (c *Chains) Tip(streamID string) (StreamTip, bool) {
	tip, ok := c.tips[streamID]
	return tip, ok
}

// PageFunc returns up to limit placed events after afterPosition, in position order.
type PageFunc func(ctx context.Context, afterPosition int64, limit int) ([]RecordedEvent, error)

// WalkPlaced feeds every placed event up to head, page by page, to chains.
// It stops at the first break, which it returns. progress, when not nil, is
// called after each page with the positions checked so far and head.
func WalkPlaced(ctx context.Context, chains *Chains, head int64, next PageFunc, progress func(checked, head int64)) (*Break, error) {
	// Every page advances at least one position, so head pages always suffice.
	for page := int64(0); page < head && chains.Position() < head; page++ {
		limit := int(min(VerifyPageSize, head-chains.Position()))
		events, err := next(ctx, chains.Position(), limit)
		if err != nil {
			return nil, fmt.Errorf("read positions after %d: %w", chains.Position(), err)
		}
		if len(events) == 0 {
			return &Break{Position: chains.Position() + 1, Reason: fmt.Sprintf("the log ends at position %d, before its head %d: events were removed", chains.Position(), head)}, nil
		}
		for _, event := range events {
			if broken := chains.Placed(event); broken != nil {
				return broken, nil
			}
		}
		if progress != nil {
			progress(chains.Position(), head)
		}
	}
	if chains.Position() != head {
		return nil, errors.New("verify: walk did not reach the head within its page bound")
	}
	return nil, nil
}

// Verify walks a store's whole global order through ReadAll and recomputes
// every stream chain and the global chain; stores that know more add their
// own checks.
func Verify(ctx context.Context, store Store, progress func(checked, head int64)) (Report, error) {
	head, err := store.Head(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("verify: read head: %w", err)
	}
	chains := NewChains()
	broken, err := WalkPlaced(ctx, chains, head, store.ReadAll, progress)
	if err != nil {
		return Report{}, fmt.Errorf("verify: %w", err)
	}
	return Report{Events: chains.Events(), Streams: chains.Streams(), FirstBroken: broken}, nil
}
