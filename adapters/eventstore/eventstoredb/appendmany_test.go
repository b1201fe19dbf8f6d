package eventstoredb

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoretest"
)

// esdbFeatures is the contract as this store meets it: AppendMany goes
// stream by stream.
func esdbFeatures() eventstoretest.Features {
	features := eventstoretest.DefaultFeatures()
	features.SequentialAppendMany = true
	return features
}

// TestAppendManyCutShortIsCompletedByTheSameAppends: the process stops
// between the streams of one command (here: the server drops the second
// write). The first stream is stored and the error says so; the same
// appends again — a retry of the command, whose event ids are deterministic
// — find the first stream's events stored and append the second.
func TestAppendManyCutShortIsCompletedByTheSameAppends(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	server := newFakeServer()
	store := newFakeStore(t, server)
	if _, err := store.Append(ctx, "participant-1", eventstore.NoStream(), eventstoretest.Events("ParticipantRegistered", 1)); err != nil {
		t.Fatal(err)
	}
	appends := []eventstore.StreamAppend{
		{StreamID: "participant-1", Expected: eventstore.Exact(1), Events: eventstoretest.Events("ClaimLodged", 1)},
		{StreamID: "claim-1", Expected: eventstore.NoStream(), Events: eventstoretest.Events("ClaimFiled", 2)},
	}
	killed := errors.New("connection reset by peer")
	server.beforeNextAppend(func() { server.beforeNextAppend(func() { server.failNext("append", killed) }) })
	if _, err := store.AppendMany(ctx, appends); !errors.Is(err, killed) {
		t.Fatalf("append cut short: got %v, want the dropped write", err)
	}
	participant, err := store.ReadStream(ctx, "participant-1", 1, 10)
	if err != nil || len(participant) != 2 {
		t.Fatalf("participant-1: %d events (%v), want 2: the first stream is stored before the cut", len(participant), err)
	}
	if claim, err := store.ReadStream(ctx, "claim-1", 1, 10); err != nil || len(claim) != 0 {
		t.Fatalf("claim-1: %d events (%v), want none", len(claim), err)
	}
	results, err := store.AppendMany(ctx, appends)
	if err != nil {
		t.Fatalf("the same appends again: %v", err)
	}
	if !results[0].Duplicate || results[1].Duplicate || results[1].NextExpectedVersion != 2 {
		t.Errorf("the same appends again: duplicate %v and %v, claim at %d; want the participant a duplicate and the claim stored at 2",
			results[0].Duplicate, results[1].Duplicate, results[1].NextExpectedVersion)
	}
	report, err := eventstoretest.VerifyStore(ctx, store)
	if err != nil || report.FirstBroken != nil || report.Events != 4 {
		t.Errorf("verify: %+v, %v; want 4 events, intact", report, err)
	}
}
