package eventstoredb

import (
	"errors"
	"io"
	"testing"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
)

// scriptedRead plays a read's results, then io.EOF.
type scriptedRead struct {
	results []*esdb.ResolvedEvent
	err     error // returned instead of io.EOF when set
}

func (r *scriptedRead) Recv() (*esdb.ResolvedEvent, error) {
	if len(r.results) == 0 {
		if r.err != nil {
			return nil, r.err
		}
		return nil, io.EOF
	}
	next := r.results[0]
	r.results = r.results[1:]
	return next, nil
}

func TestDrain(t *testing.T) {
	event := func() *esdb.ResolvedEvent { return &esdb.ResolvedEvent{Event: &esdb.RecordedEvent{EventType: "E"}} }
	got, err := drain(&scriptedRead{results: []*esdb.ResolvedEvent{event(), event()}}, 5)
	if err != nil || len(got) != 2 {
		t.Errorf("two of five: %d, %v", len(got), err)
	}
	if got, err := drain(&scriptedRead{}, 5); err != nil || len(got) != 0 {
		t.Errorf("empty: %d, %v", len(got), err)
	}
	notFound := &fakeError{code: esdb.ErrorCodeResourceNotFound}
	if _, err := drain(&scriptedRead{results: []*esdb.ResolvedEvent{event()}, err: notFound}, 5); !errors.Is(err, notFound) {
		t.Errorf("error mid-read: %v", err)
	}
	if _, err := drain(&scriptedRead{results: []*esdb.ResolvedEvent{event(), event(), event()}}, 2); err == nil {
		t.Error("more events than asked for: no error")
	}
	if _, err := drain(&scriptedRead{results: []*esdb.ResolvedEvent{{}}}, 2); err == nil {
		t.Error("a result without an event: no error")
	}
}
