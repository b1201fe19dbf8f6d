package eventstoredb

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoretest"
)

// TestAppendRacesAtTheServer puts another process's append between an
// Append's read of the stream's tip and its write, so the server, not the
// store's own check, sees the race.
func TestAppendRacesAtTheServer(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		expected eventstore.ExpectedVersion
		// other is what the other process appends, given this append's events.
		other func(mine []eventstore.EventData) []eventstore.EventData
		check func(t *testing.T, mine []eventstore.EventData, result eventstore.AppendResult, err error)
	}{
		{"exact loses to other events: a conflict at the new version", eventstore.Exact(1),
			func([]eventstore.EventData) []eventstore.EventData { return eventstoretest.Events("ClaimRejected", 2) },
			func(t *testing.T, _ []eventstore.EventData, _ eventstore.AppendResult, err error) {
				var conflict *eventstore.ConflictError
				if !errors.As(err, &conflict) || conflict.Actual != 3 {
					t.Errorf("got %v, want a conflict at version 3", err)
				}
			}},
		{"exact meets its own retry: ESDB's idempotent success is a duplicate", eventstore.Exact(1),
			func(mine []eventstore.EventData) []eventstore.EventData { return mine },
			func(t *testing.T, mine []eventstore.EventData, result eventstore.AppendResult, err error) {
				if err != nil || !result.Duplicate || len(result.Events) != 2 || result.Events[0].EventID != mine[0].EventID || result.Events[1].Position == 0 {
					t.Errorf("got %+v, %v; want the other process's records as a duplicate", result, err)
				}
			}},
		{"exact meets a reuse of one of its ids: refused", eventstore.Exact(1),
			func(mine []eventstore.EventData) []eventstore.EventData {
				return []eventstore.EventData{eventstoretest.Event("ClaimRejected", 1), mine[0]}
			},
			func(t *testing.T, _ []eventstore.EventData, _ eventstore.AppendResult, err error) {
				if !errors.Is(err, eventstore.ErrEventIDReused) {
					t.Errorf("got %v, want ErrEventIDReused", err)
				}
			}},
		{"any loses: it tries again behind the other events", eventstore.Any(),
			func([]eventstore.EventData) []eventstore.EventData { return eventstoretest.Events("ClaimRejected", 2) },
			func(t *testing.T, _ []eventstore.EventData, result eventstore.AppendResult, err error) {
				if err != nil || result.Duplicate || result.Events[0].Version != 4 || result.NextExpectedVersion != 5 {
					t.Errorf("got %+v, %v; want versions 4 and 5", result, err)
				}
			}},
	}
	// One node for the cases, run one after the other: the hook is the node's.
	server := newFakeServer(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := t.Context()
			store := newFakeStore(t, server)
			other := another(t, store, server)
			if _, err := store.Append(ctx, "claim-1", eventstore.NoStream(), eventstoretest.Events("ClaimFiled", 1)); err != nil {
				t.Fatal(err)
			}
			mine := eventstoretest.Events("ClaimApproved", 2)
			var otherErr error
			server.BeforeNextAppend(func() { _, otherErr = other.Append(ctx, "claim-1", eventstore.Exact(1), c.other(mine)) })
			result, err := store.Append(ctx, "claim-1", c.expected, mine)
			if otherErr != nil {
				t.Fatalf("the other process: %v", otherErr)
			}
			c.check(t, mine, result, err)
			if report, err := eventstore.Verify(ctx, store, nil); err != nil || report.FirstBroken != nil {
				t.Errorf("verify: %v, %v", report.FirstBroken, err)
			}
		})
	}
}

// TestChainHashesOntoTheTip: the pure part of Append.
func TestChainHashesOntoTheTip(t *testing.T) {
	events := eventstoretest.Events("ContributionPaid", 3)
	tipHash := bytes.Repeat([]byte{7}, eventstore.HashSize)
	at := time.Date(2024, 10, 7, 8, 30, 0, 123456789, time.FixedZone("WITA", 8*3600))
	records := chain("payer-1", 4, tipHash, events, at)
	previous := tipHash
	for i, recorded := range records {
		if recorded.Version != int64(5+i) || recorded.EventID != events[i].EventID || recorded.StreamID != "payer-1" {
			t.Errorf("event %d: version %d id %s stream %s", i, recorded.Version, recorded.EventID, recorded.StreamID)
		}
		if !bytes.Equal(recorded.PreviousHash, previous) || !bytes.Equal(recorded.Hash, eventstore.EventHash(previous, recorded)) {
			t.Errorf("event %d does not chain on the one before", i)
		}
		if !recorded.RecordedAt.Equal(eventstore.CanonicalTime(at)) || recorded.RecordedAt.Location() != time.UTC || recorded.Position != 0 {
			t.Errorf("event %d: recorded at %v, position %d", i, recorded.RecordedAt, recorded.Position)
		}
		previous = recorded.Hash
	}
	first := chain("payer-1", 0, eventstore.ZeroHash(), events[:1], at)
	if first[0].Version != 1 || !bytes.Equal(first[0].PreviousHash, eventstore.ZeroHash()) {
		t.Errorf("first event of a stream: version %d previous %x", first[0].Version, first[0].PreviousHash)
	}
}
