package postgres

import (
	"context"
	"sync"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

// request is one Append or AppendMany waiting for its group.
type request struct {
	appends []eventstore.StreamAppend
	events  int
	bytes   int
	// results and err are the outcome; set before done is closed.
	results []eventstore.AppendResult
	err     error
	done    chan struct{}
	// lead is closed when this request is to write the next group.
	lead chan struct{}
}

func newRequest(appends []eventstore.StreamAppend) *request {
	r := &request{appends: appends, done: make(chan struct{}), lead: make(chan struct{})}
	for _, part := range appends {
		for _, event := range part.Events {
			r.events++
			r.bytes += len(event.Data) + len(event.Type) + len(part.StreamID) + metadataSize(event.Metadata)
		}
	}
	return r
}

func metadataSize(m eventstore.Metadata) int {
	return len(m.CorrelationID) + len(m.CausationID) + len(m.Actor) + len(m.Source) + len(m.RuleBook) + len(m.Command)
}

// queue gathers requests while a group is being written: the writer of a
// group is the first request of it (no goroutine of its own), and when it
// has committed it names the first waiting request the next writer, which
// takes every request waiting then, within the bounds. A lone request is
// therefore written at once, and under load each group holds what arrived
// during the previous commit (group commit, as LevelDB's writers or
// EventStoreDB's single writer batch). One group per Store is in flight.
type queue struct {
	mutex   sync.Mutex
	waiting []*request
	busy    bool
}

// write runs appends in a group and returns their results. It returns the
// context's error only while the request still waits for a group; once
// taken into one it sees that group through (bounded by Config.WriteTimeout).
func (s *Store) write(ctx context.Context, appends []eventstore.StreamAppend) ([]eventstore.AppendResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := newRequest(appends)
	s.queue.mutex.Lock()
	if !s.queue.busy {
		s.queue.busy = true
		s.queue.mutex.Unlock()
		s.lead(ctx, r)
		return r.results, r.err
	}
	s.queue.waiting = append(s.queue.waiting, r)
	s.queue.mutex.Unlock()
	select {
	case <-r.done:
		return r.results, r.err
	case <-r.lead:
		s.lead(ctx, r)
		return r.results, r.err
	case <-ctx.Done():
	}
	if s.queue.withdraw(r) {
		return nil, ctx.Err()
	}
	// Taken into a group, or named its writer, just as ctx ended: see it through.
	select {
	case <-r.done:
	case <-r.lead:
		s.lead(ctx, r)
	}
	return r.results, r.err
}

// lead writes the group that starts with first, then hands the queue on.
// The group's transaction runs on its own deadline: the first request's
// caller leaving must not fail the others.
func (s *Store) lead(ctx context.Context, first *request) {
	group := s.queue.take(first, s.config.GroupEvents, s.config.GroupBytes)
	defer func() {
		s.queue.handOff()
		for _, r := range group {
			close(r.done)
		}
	}()
	writeContext, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.config.WriteTimeout)
	defer cancel()
	s.writeGroup(writeContext, group)
}

// take makes the group: first, then the waiting requests in arrival order
// while they fit the bounds (the first always goes, whatever its size).
func (q *queue) take(first *request, maxEvents, maxBytes int) []*request {
	q.mutex.Lock()
	defer q.mutex.Unlock()
	group := []*request{first}
	events, size := first.events, first.bytes
	taken := 0
	for _, next := range q.waiting {
		if events+next.events > maxEvents || size+next.bytes > maxBytes {
			break
		}
		group = append(group, next)
		events, size = events+next.events, size+next.bytes
		taken++
	}
	clear(q.waiting[:taken]) // let the written requests go
	q.waiting = q.waiting[taken:]
	return group
}

// handOff names the first waiting request the next writer, or marks the queue idle.
func (q *queue) handOff() {
	q.mutex.Lock()
	defer q.mutex.Unlock()
	if len(q.waiting) == 0 {
		q.busy = false
		return
	}
	next := q.waiting[0]
	q.waiting[0] = nil
	q.waiting = q.waiting[1:]
	close(next.lead)
}

// withdraw removes r if it is still waiting, and reports whether it was.
func (q *queue) withdraw(r *request) bool {
	q.mutex.Lock()
	defer q.mutex.Unlock()
	for i, waiting := range q.waiting {
		if waiting == r {
			q.waiting = append(q.waiting[:i], q.waiting[i+1:]...)
			return true
		}
	}
	return false
}
