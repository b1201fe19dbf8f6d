package postgres

import (
	"sync"

	"github.com/google/uuid"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

const (
	// maxCachedTips bounds the stream tips a Store remembers; past it the
	// memory starts afresh (a forgotten tip only sends a group the slow way).
	maxCachedTips = 20_000
	// contendedGroups is how many groups go the slow way after another
	// writer was seen on the log, before the fast way is tried again.
	contendedGroups = 16
)

// logCache is what this Store knows of the log from its own writes and
// reads: the head it left and the tips of streams it saw. It is only ever
// a guess: the fast way (write.go) checks the head in the same statement
// that writes, and the tips through the unique (stream_id, version), so a
// stale guess costs a round trip and sends the group the slow way, never a
// wrong write.
type logCache struct {
	mutex      sync.Mutex
	headKnown  bool
	head       int64
	headHash   []byte
	tips       map[string]streamTip
	slowGroups int
}

// fastSnapshot is the group's snapshot from memory, and whether the group
// may try the fast way: the head is known, no other writer was seen
// lately, and every stream's tip is known (or the stream is expected new).
func (c *logCache) fastSnapshot(group []*request) (snapshot, bool) {
	c.mutex.Lock()
	defer c.mutex.Unlock()
	if !c.headKnown || c.slowGroups > 0 {
		return snapshot{}, false
	}
	read := snapshot{position: c.head, globalHash: c.headHash, tips: map[string]streamTip{}, stored: map[uuid.UUID]eventstore.RecordedEvent{}}
	for _, r := range group {
		for _, part := range r.appends {
			tip, known := c.tips[part.StreamID]
			switch {
			case known:
				read.tips[part.StreamID] = tip
			case !part.Expected.IsNoStream():
				return snapshot{}, false
			}
		}
	}
	return read, true
}

// sawHead takes note of what the slow way read under the log lock: the head
// (moved by another writer since this Store's last write, or not) and the
// tips of the group's streams.
func (c *logCache) sawHead(read snapshot) {
	c.mutex.Lock()
	defer c.mutex.Unlock()
	if c.headKnown && read.position != c.head {
		c.slowGroups = contendedGroups
	} else if c.slowGroups > 0 {
		c.slowGroups--
	}
	c.headKnown, c.head, c.headHash = true, read.position, read.globalHash
	for streamID, tip := range read.tips {
		c.keepTip(streamID, tip)
	}
}

// missedHead takes note that the fast way found the head moved by another writer.
func (c *logCache) missedHead() {
	c.mutex.Lock()
	defer c.mutex.Unlock()
	c.slowGroups = contendedGroups
}

// committed takes note of a group's commit: the head it left and its streams' tips.
func (c *logCache) committed(plan groupPlan) {
	c.mutex.Lock()
	defer c.mutex.Unlock()
	c.headKnown, c.head, c.headHash = true, plan.head, plan.headHash
	for _, record := range plan.records {
		c.keepTip(record.StreamID, streamTip{version: record.Version, hash: record.Hash})
	}
}

// forget drops the head after a group whose outcome is unknown.
func (c *logCache) forget() {
	c.mutex.Lock()
	defer c.mutex.Unlock()
	c.headKnown = false
}

// sawEvents takes note of the last event of a stream read.
func (c *logCache) sawEvents(events []eventstore.RecordedEvent) {
	if len(events) == 0 {
		return
	}
	last := events[len(events)-1]
	c.mutex.Lock()
	defer c.mutex.Unlock()
	c.keepTip(last.StreamID, streamTip{version: last.Version, hash: last.Hash})
}

// keepTip remembers tip unless a later one is known (mutex held).
func (c *logCache) keepTip(streamID string, tip streamTip) {
	if known, ok := c.tips[streamID]; ok && known.version >= tip.version {
		return
	}
	if c.tips == nil || len(c.tips) >= maxCachedTips {
		c.tips = make(map[string]streamTip, 64)
	}
	c.tips[streamID] = tip
}
