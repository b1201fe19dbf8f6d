package eventstoredb

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

// tombstoneType is the type of the event EventStoreDB writes into a stream it
// deletes for good.
const tombstoneType = "$streamDeleted"

// Checkpoint is where a reader of the global order stands.
//
// EventStoreDB's $all positions are (commit, prepare) pairs of byte offsets in
// its transaction log: increasing, but with gaps, and shared with system
// events and with streams that are not the log. The port's positions are
// gap-free. The store numbers the log's events itself: the Position of an
// event is how many events of the log's streams (streamFilter) come before
// it in $all, plus one. $all's order never changes once written, so every
// process that counts gets the same numbers, and an event that commits late
// cannot land behind a reader. GlobalHash chains the numbering the same way
// the other stores chain theirs.
//
// A Checkpoint holds the three together, so a reader can resume counting from
// the middle of $all instead of from its start. Subscribers keep it (in
// PostgreSQL, in the transaction that applies the event) and pass it back to
// Subscribe.
type Checkpoint struct {
	// Commit and Prepare are the $all position of the last event passed, of
	// the log or not; both 0 before the first.
	Commit, Prepare uint64
	// Position is the Position of the last event of the log passed (0: none yet).
	Position int64
	// GlobalHash is that event's GlobalHash; nil at Position 0.
	GlobalHash []byte
}

// Validate reports a checkpoint that cannot have come from this store.
func (c Checkpoint) Validate() error {
	var errs []error
	if c.Position < 0 {
		errs = append(errs, fmt.Errorf("position %d is negative", c.Position))
	}
	if c.Position > 0 && len(c.GlobalHash) != eventstore.HashSize {
		errs = append(errs, fmt.Errorf("position %d needs a %d-byte global hash, got %d bytes", c.Position, eventstore.HashSize, len(c.GlobalHash)))
	}
	if c.Position == 0 && len(c.GlobalHash) != 0 && !bytes.Equal(c.GlobalHash, eventstore.ZeroHash()) {
		errs = append(errs, errors.New("position 0 has no global hash"))
	}
	if c.Position > 0 && !c.started() {
		errs = append(errs, fmt.Errorf("position %d needs the $all position of its event", c.Position))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("eventstoredb: invalid checkpoint: %w", err)
	}
	return nil
}

// started reports whether c has passed any event of $all. No event of $all
// sits at (0, 0): the transaction log opens with an epoch record.
func (c Checkpoint) started() bool { return c.Commit != 0 || c.Prepare != 0 }

// allPosition is where a read of $all that resumes from c begins. Reads
// include the event at that position; advance skips it.
func (c Checkpoint) allPosition() esdb.AllPosition {
	if !c.started() {
		return esdb.Start{}
	}
	return esdb.Position{Commit: c.Commit, Prepare: c.Prepare}
}

// passed reports whether the event at p is behind c already.
func (c Checkpoint) passed(p esdb.Position) bool {
	return c.started() && comparePositions(p, esdb.Position{Commit: c.Commit, Prepare: c.Prepare}) <= 0
}

// globalHash is the hash the next event's GlobalHash chains on.
func (c Checkpoint) globalHash() []byte {
	if c.Position == 0 {
		return eventstore.ZeroHash()
	}
	return c.GlobalHash
}

func comparePositions(a, b esdb.Position) int {
	if order := cmp.Compare(a.Commit, b.Commit); order != 0 {
		return order
	}
	return cmp.Compare(a.Prepare, b.Prepare)
}

// advance moves c past one event of $all. When the event belongs to the log
// it is returned, numbered and chained, with ours true. An event c has passed
// already (a resumed read sees its first event again) leaves c as it is.
func advance(c Checkpoint, event *esdb.RecordedEvent, streams streamFilter) (Checkpoint, eventstore.RecordedEvent, bool, error) {
	if event == nil {
		return c, eventstore.RecordedEvent{}, false, errors.New("the server sent an empty event")
	}
	if c.passed(event.Position) {
		return c, eventstore.RecordedEvent{}, false, nil
	}
	next := c
	next.Commit, next.Prepare = event.Position.Commit, event.Position.Prepare
	if !streams.matches(event.StreamID) {
		return next, eventstore.RecordedEvent{}, false, nil
	}
	if event.EventType == tombstoneType {
		return c, eventstore.RecordedEvent{}, false, fmt.Errorf("%w: stream %s was tombstoned", ErrStreamDeleted, streams.streamID(event.StreamID))
	}
	read, err := decodeEvent(event, streams)
	if err != nil {
		return c, eventstore.RecordedEvent{}, false, err
	}
	recorded := read.recorded
	recorded.Position = c.Position + 1
	recorded.GlobalHash = eventstore.GlobalChainHash(c.globalHash(), recorded.Position, recorded.Hash)
	next.Position, next.GlobalHash = recorded.Position, bytes.Clone(recorded.GlobalHash)
	return next, recorded, true, nil
}

// advanceTo moves c to a position the server vouches for (a subscription's
// checkpoint: nothing of the log lies between c and p). It never moves back.
func advanceTo(c Checkpoint, p esdb.Position) Checkpoint {
	if c.passed(p) {
		return c
	}
	c.Commit, c.Prepare = p.Commit, p.Prepare
	return c
}
