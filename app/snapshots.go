package app

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/tanahbumbu/jaminan/adapters/snapshot"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/domain/payer"
)

// snapshotSaveTimeout bounds writing one snapshot: a slow snapshot store
// delays the command that took it by at most this, and never fails it.
const snapshotSaveTimeout = 10 * time.Second

// aggregate is what loading through snapshots needs of an aggregate: which
// streams are its, its snapshot codec, and its fold from a state someone may
// still hold (copy on write) to the given stream version.
type aggregate[S any] struct {
	prefix string
	codec  snapshot.Codec[S]
	fold   func(base S, events []event.Event, version int64) S
}

func payerAggregate() aggregate[payer.State] {
	return aggregate[payer.State]{prefix: "payer-", codec: payer.SnapshotCodec{},
		fold: func(base payer.State, events []event.Event, version int64) payer.State {
			builder := payer.NewBuilder(base)
			for _, e := range events {
				builder.Apply(e)
			}
			state := builder.State()
			state.Version = version
			return state
		}}
}

// held is a state at a stream version, and the version of the stream's
// persisted snapshot as far as this process knows (0: none).
type held[S any] struct {
	state           S
	version         int64
	snapshotVersion int64
}

// load brings from up to the stream's head: from the process's state when
// it has one, else from the stream's snapshot when it is of this code and
// still matches the stream, else from the start. A load that folded
// Snapshot.Every events past the last snapshot writes a new one; a snapshot
// that cannot be read or written is logged, never returned: the stream is
// the truth and replaying it is always possible.
//
// A snapshot is taken only once a load folds Snapshot.Every events, so a
// stream shorter than that has none: its first Snapshot.Every events are read
// before the snapshot is looked up, and when they are all of it (a new
// payer's registration, a young stream) the look-up is spared, a round trip
// of every such command. A longer stream pays that page on every load that
// misses the cache, and folds it when it has no snapshot past it.
func load[S any](ctx context.Context, a *Application, agg aggregate[S], streamID string, from held[S]) (held[S], error) {
	var hash []byte // of the event at the version folded to, when this load read it
	if from.version == 0 && a.config.Snapshots != nil {
		limit := min(a.config.Snapshot.Every, streamPageSize)
		head, err := a.loadStreamAfter(ctx, streamID, 0, limit)
		if err != nil {
			return held[S]{}, err
		}
		if head.version == 0 {
			return held[S]{}, nil
		}
		if int64(len(head.events)) == limit {
			from = fromSnapshot(ctx, a, agg, streamID)
		}
		// The whole stream, or no snapshot past the page: the page is folded
		// from the start (never onto a snapshot inside it) and the stream
		// read on after it.
		if from.version < head.version {
			var start held[S]
			from, hash = held[S]{state: agg.fold(start.state, head.events, head.version), version: head.version}, head.hash
			if int64(len(head.events)) < limit {
				return from, nil // shorter than Snapshot.Every: none to take
			}
		}
	}
	tail, err := a.loadStreamAfter(ctx, streamID, from.version, 0)
	if err != nil {
		return held[S]{}, err
	}
	loaded := from
	if len(tail.events) > 0 {
		loaded = held[S]{state: agg.fold(from.state, tail.events, tail.version), version: tail.version, snapshotVersion: from.snapshotVersion}
		hash = tail.hash
	}
	if a.config.Snapshots != nil && hash != nil && loaded.version-loaded.snapshotVersion >= a.config.Snapshot.Every {
		if err := saveSnapshot(ctx, a, agg, streamID, loaded, hash); err != nil {
			a.config.Logger.Warn("snapshot not saved; loads replay more of the stream until one is", "stream", streamID, "version", loaded.version, "error", err)
		} else {
			loaded.snapshotVersion = loaded.version
		}
	}
	return loaded, nil
}

// fromSnapshot is the stream's snapshot when it can be trusted, else nothing.
func fromSnapshot[S any](ctx context.Context, a *Application, agg aggregate[S], streamID string) held[S] {
	if a.config.Snapshots == nil {
		return held[S]{}
	}
	stored, found, err := a.config.Snapshots.Load(ctx, streamID)
	if err != nil {
		a.config.Logger.Warn("snapshot not read; replaying the stream", "stream", streamID, "error", err)
		return held[S]{}
	}
	if !found {
		return held[S]{}
	}
	if stored.CodeVersion != agg.codec.Version() {
		// Built by other evolve code: ignored here, replaced by the next one taken.
		return held[S]{}
	}
	if err := a.matchesStream(ctx, stored); err != nil {
		a.config.Logger.Warn("snapshot ignored; replaying the stream", "stream", streamID, "version", stored.Version, "error", err)
		return held[S]{}
	}
	state, err := agg.codec.Decode(stored.State)
	if err != nil {
		a.config.Logger.Warn("snapshot ignored; replaying the stream", "stream", streamID, "version", stored.Version, "error", err)
		return held[S]{}
	}
	return held[S]{state: state, version: stored.Version, snapshotVersion: stored.Version}
}

// matchesStream checks the stream still holds, at the snapshot's version,
// the event the snapshot was folded up to (a log restored or replaced under
// the same stream ids does not).
func (a *Application) matchesStream(ctx context.Context, stored snapshot.Snapshot) error {
	at, err := a.config.Store.ReadStream(ctx, stored.StreamID, stored.Version, 1)
	if err != nil {
		return fmt.Errorf("read stream %s at version %d: %w", stored.StreamID, stored.Version, err)
	}
	if len(at) == 0 || at[0].Version != stored.Version {
		return fmt.Errorf("stream %s has no version %d", stored.StreamID, stored.Version)
	}
	if !bytes.Equal(at[0].Hash, stored.EventHash) {
		return fmt.Errorf("stream %s: the event at version %d is not the one the snapshot was taken after", stored.StreamID, stored.Version)
	}
	return nil
}

func saveSnapshot[S any](ctx context.Context, a *Application, agg aggregate[S], streamID string, loaded held[S], hash []byte) error {
	data, err := agg.codec.Encode(loaded.state)
	if err != nil {
		return err
	}
	// Not the command's context: a command that ends meanwhile does not cut the write short.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), snapshotSaveTimeout)
	defer cancel()
	return a.config.Snapshots.Save(ctx, snapshot.Snapshot{StreamID: streamID, Version: loaded.version, EventHash: hash,
		CodeVersion: agg.codec.Version(), State: data})
}

// SnapshotReport is what VerifySnapshots found.
type SnapshotReport struct {
	// Checked snapshots equal a replay of their stream up to their version.
	Checked int
	// Stale snapshots are of other evolve code (or of a stream no aggregate
	// snapshots): loads ignore them and the next snapshot replaces them.
	Stale int
	// Broken snapshots do not equal a replay, or their stream no longer
	// holds the event they were taken after.
	Broken []BrokenSnapshot
}

// BrokenSnapshot names a snapshot that is not what its stream gives.
type BrokenSnapshot struct {
	StreamID string
	Version  int64
	Reason   string
}

// VerifySnapshots replays every snapshotted stream up to its snapshot's
// version and compares the encodings: a snapshot is trusted by loads, so one
// that differs from its stream is reported (jaminan verify exits 1).
func (a *Application) VerifySnapshots(ctx context.Context) (SnapshotReport, error) {
	var report SnapshotReport
	if a.config.Snapshots == nil {
		return report, nil
	}
	after := ""
	for {
		page, err := a.config.Snapshots.List(ctx, after, snapshot.MaxListLimit)
		if err != nil {
			return report, err
		}
		for _, stored := range page {
			var stale bool
			var reason string
			switch {
			case strings.HasPrefix(stored.StreamID, payerAggregate().prefix):
				stale, reason, err = verifySnapshot(ctx, a, payerAggregate(), stored)
			default:
				stale = true
			}
			switch {
			case err != nil:
				return report, err
			case stale:
				report.Stale++
			case reason != "":
				report.Broken = append(report.Broken, BrokenSnapshot{StreamID: stored.StreamID, Version: stored.Version, Reason: reason})
			default:
				report.Checked++
			}
		}
		if len(page) < snapshot.MaxListLimit {
			return report, nil
		}
		after = page[len(page)-1].StreamID
	}
}

// verifySnapshot compares one snapshot with a replay: stale when it is of
// other code, else the reason it is broken ("" when it is sound).
func verifySnapshot[S any](ctx context.Context, a *Application, agg aggregate[S], stored snapshot.Snapshot) (stale bool, reason string, err error) {
	if stored.CodeVersion != agg.codec.Version() {
		return true, "", nil
	}
	if err := a.matchesStream(ctx, stored); err != nil {
		return false, err.Error(), nil
	}
	tail, err := a.loadStreamAfter(ctx, stored.StreamID, 0, stored.Version)
	if err != nil {
		return false, "", err
	}
	replayed, err := agg.codec.Encode(agg.fold(*new(S), tail.events, tail.version))
	if err != nil {
		return false, "", err
	}
	decoded, err := agg.codec.Decode(stored.State)
	if err != nil {
		return false, fmt.Sprintf("the state cannot be read: %v", err), nil
	}
	kept, err := agg.codec.Encode(decoded)
	if err != nil {
		return false, "", err
	}
	if !bytes.Equal(kept, replayed) {
		return false, fmt.Sprintf("the state differs from a replay of the stream's %d events", stored.Version), nil
	}
	return false, "", nil
}

// discardLogger is the default: nothing the command path logs is needed to run it.
func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
