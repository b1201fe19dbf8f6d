package app_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/memory"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

// sequentialStore is the memory store with the EventStoreDB adapter's
// AppendMany (stream by stream), which can be cut short after the first
// stream as a killed process would leave it. It records the streams of
// every AppendMany.
type sequentialStore struct {
	*memory.Store
	cutAfterFirst bool
	calls         [][]string
}

var errKilled = errors.New("the process was killed between two streams")

func (s *sequentialStore) AppendMany(ctx context.Context, appends []eventstore.StreamAppend) ([]eventstore.AppendResult, error) {
	var streams []string
	for _, part := range appends {
		streams = append(streams, part.StreamID)
	}
	s.calls = append(s.calls, streams)
	if !s.cutAfterFirst {
		return eventstore.AppendEach(ctx, s.Store, appends)
	}
	s.cutAfterFirst = false
	if _, err := eventstore.AppendEach(ctx, s.Store, appends[:1]); err != nil {
		return nil, err
	}
	return nil, errKilled
}

// TestFileClaimCutShortIsCompletedByTheSameCommand: filing a claim writes
// the participant's and the claim's streams in one AppendMany. On a store
// that writes them one after the other, a crash between the two leaves the
// claim lodged on the participant only; the same command again completes
// it, without lodging the claim twice.
func TestFileClaimCutShortIsCompletedByTheSameCommand(t *testing.T) {
	store := &sequentialStore{Store: memory.New()}
	application := newApplication(t, store)
	setUpMember(t, application)
	mustRun(t, application, `{"command":"ReportAccident","accident_id":"a","nik":"6310064203820002","date":"2024-06-03","reported_on":"2024-06-03"}`)
	fileClaim := `{"command":"FileClaim","claim_id":"k","nik":"6310064203820002","programme":"JKK","benefit":"temporary_incapacity","incident_date":"2024-06-03","details":{"months":2}}`
	store.cutAfterFirst = true
	if _, err := run(t, application, fileClaim); !errors.Is(err, errKilled) {
		t.Fatalf("cut short: got %v", err)
	}
	if len(store.calls) != 1 || !slices.Equal(store.calls[0], []string{"participant-participant-id-0001", "claim-k"}) {
		t.Fatalf("FileClaim wrote %v, want the participant and the claim streams in one AppendMany", store.calls)
	}
	if got := countType(t, store, "ClaimLodged") + countType(t, store, "ClaimFiled"); got != 1 {
		t.Fatalf("after the cut: %d claim events, want the lodging only", got)
	}
	mustRun(t, application, fileClaim)
	if lodged, filed := countType(t, store, "ClaimLodged"), countType(t, store, "ClaimFiled"); lodged != 1 || filed != 1 {
		t.Errorf("after the same command again: %d lodged, %d filed; want one each", lodged, filed)
	}
	mustRun(t, application, `{"command":"ApproveClaim","claim_id":"k"}`)
}

// oversizeStore refuses every append as the stores refuse an event over
// eventstore.MaxEventSize (no command of today's vocabulary decides one).
type oversizeStore struct{ *memory.Store }

func (s oversizeStore) Append(_ context.Context, streamID string, _ eventstore.ExpectedVersion, events []eventstore.EventData) (eventstore.AppendResult, error) {
	return eventstore.AppendResult{}, fmt.Errorf("%w: %w", eventstore.ErrInvalidAppend, &eventstore.EventTooLargeError{StreamID: streamID, Type: events[0].Type, Size: eventstore.MaxEventSize + 1})
}

// An event over the size limit is a problem naming the stream and the size
// (invalid, not an internal error), and nothing is stored.
func TestEventTooLargeIsAProblem(t *testing.T) {
	store := oversizeStore{memory.New()}
	application := newApplication(t, store)
	_, err := application.Execute(context.Background(), &command.RegisterPayer{PayerID: "desa-besar", PayerName: "Desa Besar", Kind: "village_government", RiskClass: 1}, app.Meta{Actor: "test"})
	refusal, ok := problem.As(err)
	if !ok || refusal.Kind != problem.Invalid || refusal.Code != "event_too_large" || !errors.Is(err, eventstore.ErrEventTooLarge) ||
		!strings.Contains(refusal.Message, "payer-desa-besar") || !strings.Contains(refusal.Message, fmt.Sprint(eventstore.MaxEventSize+1)) {
		t.Fatalf("got %v, want an invalid event_too_large problem naming the stream and the size", err)
	}
	if head, _ := store.Head(context.Background()); head != 0 {
		t.Errorf("head %d after the refusal, want 0", head)
	}
}
