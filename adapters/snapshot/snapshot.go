// Package snapshot keeps snapshots of large aggregates: the state the
// aggregate's evolve code folded from a stream up to a version, so a load
// reads the snapshot and only the events after it. Snapshots are outside
// the log and its hash chains: derived, deletable, never evidence. A
// snapshot is trusted only while it carries the running evolve code's
// version (Codec.Version) and the hash of the stream's event at its version;
// otherwise it is ignored and replaced (docs/loading.md).
//
// Stores: Postgres (table snapshots, migration 012) and Memory; both pass
// the same contract test.
package snapshot

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Snapshot is one stream's folded state at one version.
type Snapshot struct {
	StreamID string
	// Version is the stream version the state includes (>= 1).
	Version int64
	// EventHash is the hash of the stream's event at Version: a snapshot of
	// another log holding the same stream id is not trusted.
	EventHash []byte
	// CodeVersion is the evolve code's version that built State.
	CodeVersion int
	// State is the codec's encoding of the state.
	State []byte
	// TakenAt is when it was written (the store sets it).
	TakenAt time.Time
}

// Validate refuses a snapshot no store should keep.
func (s Snapshot) Validate() error {
	var errs []error
	if s.StreamID == "" {
		errs = append(errs, errors.New("snapshot: StreamID is empty"))
	}
	if s.Version < 1 {
		errs = append(errs, fmt.Errorf("snapshot of %s: Version %d, want >= 1", s.StreamID, s.Version))
	}
	if len(s.EventHash) != 32 {
		errs = append(errs, fmt.Errorf("snapshot of %s: EventHash has %d bytes, want 32", s.StreamID, len(s.EventHash)))
	}
	if len(s.State) == 0 {
		errs = append(errs, fmt.Errorf("snapshot of %s: State is empty", s.StreamID))
	}
	return errors.Join(errs...)
}

// Store keeps the latest snapshot of each stream.
type Store interface {
	// Load returns the stream's snapshot, and whether there is one.
	Load(ctx context.Context, streamID string) (Snapshot, bool, error)
	// Save keeps s unless the stored snapshot of the stream is of the same
	// code version and a version at least as high.
	Save(ctx context.Context, s Snapshot) error
	// List returns up to limit snapshots with stream ids after afterStreamID,
	// in stream id order (verify walks them all).
	List(ctx context.Context, afterStreamID string, limit int) ([]Snapshot, error)
}

// Codec turns an aggregate's state into bytes and back. Version is the
// version of the evolve code whose states it encodes: a snapshot of any
// other version is ignored. Encoding must be deterministic, so equal states
// encode to equal bytes (verify compares encodings).
type Codec[S any] interface {
	Version() int
	Encode(state S) ([]byte, error)
	Decode(data []byte) (S, error)
}

// Bounds.
const (
	// DefaultEvery is how many events a stream gains before a new snapshot.
	DefaultEvery = 50
	// MaxListLimit bounds one List page.
	MaxListLimit = 1000
)

// Config says when snapshots are taken.
type Config struct {
	// Every: a load that folds at least this many events past the last
	// snapshot (or from the start) writes a new one. Zero means DefaultEvery.
	Every int64
}

// SetDefaults fills what is zero.
func (c *Config) SetDefaults() {
	if c.Every == 0 {
		c.Every = DefaultEvery
	}
}

// Validate refuses impossible settings.
func (c Config) Validate() error {
	if c.Every < 1 {
		return fmt.Errorf("snapshot: Every = %d, want at least 1 event between snapshots", c.Every)
	}
	return nil
}

// Memory is a Store in memory, for tests and the demo without a database.
type Memory struct {
	mu      sync.Mutex
	streams map[string]Snapshot
	now     func() time.Time
}

// NewMemory makes an empty Memory store.
func NewMemory() *Memory { return &Memory{streams: map[string]Snapshot{}, now: time.Now} }

var _ Store = (*Memory)(nil)

// Load returns a copy of the stream's snapshot.
func (m *Memory) Load(_ context.Context, streamID string) (Snapshot, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.streams[streamID]
	return clone(s), ok, nil
}

// Save keeps a copy of s unless a newer one of its code version is kept.
func (m *Memory) Save(_ context.Context, s Snapshot) error {
	if err := s.Validate(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if kept, ok := m.streams[s.StreamID]; ok && !replaces(kept, s) {
		return nil
	}
	s = clone(s)
	s.TakenAt = m.now().UTC()
	m.streams[s.StreamID] = s
	return nil
}

// List returns copies in stream id order.
func (m *Memory) List(_ context.Context, afterStreamID string, limit int) ([]Snapshot, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := make([]string, 0, len(m.streams))
	for id := range m.streams {
		if id > afterStreamID {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	listed := make([]Snapshot, 0, min(limit, len(ids)))
	for _, id := range ids[:min(limit, len(ids))] {
		listed = append(listed, clone(m.streams[id]))
	}
	return listed, nil
}

// Put stores s as it is, for tests that corrupt or age a snapshot.
func (m *Memory) Put(s Snapshot) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.streams[s.StreamID] = clone(s)
}

// replaces reports whether next should take kept's place: another code
// version always does (the kept one is useless to this code), the same
// code version only with a higher stream version.
func replaces(kept, next Snapshot) bool {
	return kept.CodeVersion != next.CodeVersion || next.Version > kept.Version
}

func clone(s Snapshot) Snapshot {
	s.EventHash = append([]byte(nil), s.EventHash...)
	s.State = append([]byte(nil), s.State...)
	return s
}

func checkLimit(limit int) error {
	if limit < 1 || limit > MaxListLimit {
		return fmt.Errorf("snapshot: list limit %d, want 1 to %d", limit, MaxListLimit)
	}
	return nil
}
