package app

import (
	"container/list"
	"sync"

	"github.com/tanahbumbu/jaminan/domain/payer"
)

// DefaultPayerCacheLines bounds the default payer cache: about this many
// bill lines in all (a regency's 5,000 workers over three years is 180,000).
const DefaultPayerCacheLines = 1_000_000

// PayerCache keeps the last state loaded of the payers used most recently,
// so a load reads and folds only the events after the cached version: a
// payer's stream grows by a bill a month, and replaying years of bills on
// every payment is what made commands slow. It lives in the process only,
// outside the log and its hash chain; an entry built by other evolve code
// (payer.EvolveVersion) is thrown away. Cached states are never changed:
// a load folds newer events through a copy-on-write payer.Builder. A
// load the cache cannot serve reads the payer's snapshot, if any
// (Config.Snapshots); each entry remembers the version of the payer's last
// snapshot, so a payer that stays cached still takes one every
// Snapshot.Every events. One cache may serve several Applications of a process; it is safe for
// concurrent use.
type PayerCache struct {
	maxLines int
	mu       sync.Mutex
	lines    int
	order    *list.List // of *cachedPayer, most recently used first
	byStream map[string]*list.Element
}

type cachedPayer struct {
	streamID      string
	evolveVersion int
	payer         held[payer.State]
	lines         int
}

// NewPayerCache makes a cache holding about maxLines bill lines (LRU);
// 0 keeps nothing, so every load replays the whole stream.
func NewPayerCache(maxLines int) *PayerCache {
	return &PayerCache{maxLines: max(maxLines, 0), order: list.New(), byStream: map[string]*list.Element{}}
}

// get returns the cached state of a stream (version 0 when none) and the
// version of its snapshot as this process last knew it.
func (c *PayerCache) get(streamID string) held[payer.State] {
	c.mu.Lock()
	defer c.mu.Unlock()
	element, ok := c.byStream[streamID]
	if !ok {
		return held[payer.State]{}
	}
	entry := element.Value.(*cachedPayer)
	if entry.evolveVersion != payer.EvolveVersion {
		c.remove(element)
		return held[payer.State]{}
	}
	c.order.MoveToFront(element)
	return entry.payer
}

// put keeps a state unless a newer one of the stream is kept already.
func (c *PayerCache) put(streamID string, loaded held[payer.State]) {
	lines := 1
	for _, bill := range loaded.state.Bills {
		lines += len(bill.Lines)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if element, ok := c.byStream[streamID]; ok {
		if entry := element.Value.(*cachedPayer); entry.evolveVersion == payer.EvolveVersion &&
			(entry.payer.version > loaded.version || entry.payer.version == loaded.version && entry.payer.snapshotVersion >= loaded.snapshotVersion &&
				entry.payer.state.PartsMissing() <= loaded.state.PartsMissing()) {
			return
		}
		c.remove(element)
	}
	if lines > c.maxLines {
		return
	}
	c.byStream[streamID] = c.order.PushFront(&cachedPayer{streamID: streamID, evolveVersion: payer.EvolveVersion, payer: loaded, lines: lines})
	c.lines += lines
	for c.lines > c.maxLines {
		c.remove(c.order.Back())
	}
}

func (c *PayerCache) remove(element *list.Element) {
	entry := c.order.Remove(element).(*cachedPayer)
	delete(c.byStream, entry.streamID)
	c.lines -= entry.lines
}

// Len is how many payers the cache holds.
func (c *PayerCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
