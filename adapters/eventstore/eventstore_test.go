package eventstore_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoretest"
)

func parts(streams, eventsEach int) []eventstore.StreamAppend {
	appends := make([]eventstore.StreamAppend, streams)
	for i := range appends {
		appends[i] = eventstore.StreamAppend{StreamID: fmt.Sprintf("participant-%d", i), Expected: eventstore.NoStream(),
			Events: eventstoretest.Events("MembershipInactive", eventsEach)}
	}
	return appends
}

// An AppendMany is bounded in all, beyond each stream's own bound.
func TestValidateAppendManyBoundsTheWhole(t *testing.T) {
	if err := eventstore.ValidateAppendMany(parts(10, eventstore.MaxEventsPerAppend)); err != nil {
		t.Errorf("%d events in 10 streams: %v", 10*eventstore.MaxEventsPerAppend, err)
	}
	if err := eventstore.ValidateAppendMany(parts(eventstore.MaxEventsPerAppendMany+1, 1)); !errors.Is(err, eventstore.ErrInvalidAppend) {
		t.Errorf("%d streams of one event: got %v, want ErrInvalidAppend", eventstore.MaxEventsPerAppendMany+1, err)
	}
}

// Messages name a few streams, not thousands.
func TestStreamsOfNamesAFew(t *testing.T) {
	for _, c := range []struct {
		streams int
		want    string
	}{
		{1, "participant-0"},
		{5, "participant-0, participant-1, participant-2, participant-3, participant-4"},
		{5000, "participant-0, participant-1, participant-2, participant-3, participant-4 and 4995 more"},
	} {
		if got := eventstore.StreamsOf(parts(c.streams, 1)); got != c.want {
			t.Errorf("%d streams: got %q, want %q", c.streams, got, c.want)
		}
	}
}
