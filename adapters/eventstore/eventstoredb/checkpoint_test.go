package eventstoredb

import (
	"bytes"
	"errors"
	"testing"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoretest"
)

// allLog builds a slice of $all: count events of the log's streams under
// namespace ns-, each followed by a system event and, every third, an
// event of another application, at positions with gaps.
func allLog(t *testing.T, count int) []*esdb.RecordedEvent {
	t.Helper()
	var out []*esdb.RecordedEvent
	position := uint64(5000)
	versions := map[string]int64{}
	hashes := map[string][]byte{}
	add := func(event *esdb.RecordedEvent) {
		position += 123
		event.Position = esdb.Position{Commit: position, Prepare: position}
		out = append(out, event)
	}
	for i := range count {
		stream := []string{"claim-1", "payer-2"}[i%2]
		previous, ok := hashes[stream]
		if !ok {
			previous = eventstore.ZeroHash()
		}
		recorded := chain(stream, versions[stream], previous, eventstoretest.Events("E", 1), eventstoretest.Event("E", 0).OccurredAt)[0]
		versions[stream], hashes[stream] = recorded.Version, recorded.Hash
		data, err := toEventData(recorded, uuid.New())
		if err != nil {
			t.Fatal(err)
		}
		add(&esdb.RecordedEvent{EventID: data.EventID, EventType: data.EventType, StreamID: "ns-" + stream,
			EventNumber: uint64(recorded.Version - 1), Data: data.Data, UserMetadata: data.Metadata})
		add(&esdb.RecordedEvent{EventID: uuid.New(), EventType: "$statsCollected", StreamID: "$stats-127.0.0.1:2113"})
		if i%3 == 0 {
			add(&esdb.RecordedEvent{EventID: uuid.New(), EventType: "OrderPlaced", StreamID: "orders-1", UserMetadata: []byte("x")})
		}
	}
	return out
}

var testStreams = newStreamFilter("ns-", DefaultStreamPrefixes())

func TestAdvanceNumbersTheLogWithoutGaps(t *testing.T) {
	events := allLog(t, 10)
	c := Checkpoint{}
	global := eventstore.ZeroHash()
	var numbered []eventstore.RecordedEvent
	for _, event := range events {
		next, recorded, ours, err := advance(c, event, testStreams)
		if err != nil {
			t.Fatal(err)
		}
		if next.Commit != event.Position.Commit || next.Prepare != event.Position.Prepare {
			t.Errorf("checkpoint %+v did not move to %+v", next, event.Position)
		}
		if ours {
			global = eventstore.GlobalChainHash(global, recorded.Position, recorded.Hash)
			if recorded.Position != c.Position+1 || !bytes.Equal(recorded.GlobalHash, global) || !bytes.Equal(next.GlobalHash, global) {
				t.Errorf("event %s: position %d after %d, global hash chained: %v", recorded.EventID, recorded.Position, c.Position, bytes.Equal(recorded.GlobalHash, global))
			}
			numbered = append(numbered, recorded)
		} else if next.Position != c.Position {
			t.Errorf("a foreign event moved the position to %d", next.Position)
		}
		c = next
	}
	if len(numbered) != 10 || c.Position != 10 {
		t.Fatalf("numbered %d events, checkpoint at %d", len(numbered), c.Position)
	}
	// An event already passed (a resumed read starts with it) changes nothing.
	again, _, ours, err := advance(c, events[len(events)-1], testStreams)
	if err != nil || ours || again.Position != c.Position || again.Commit != c.Commit {
		t.Errorf("passed event: %+v, ours %v, %v", again, ours, err)
	}
	// A bad event of the log stops the count where it is.
	broken := *events[0]
	broken.Position = esdb.Position{Commit: c.Commit + 1, Prepare: c.Commit + 1}
	broken.UserMetadata = []byte("{}")
	stuck, _, _, err := advance(c, &broken, testStreams)
	if err == nil || stuck.Commit != c.Commit || stuck.Position != c.Position {
		t.Errorf("bad event: %+v, %v", stuck, err)
	}
}

// TestNumberGivesARowPerEventAndResumes: each event of the log gets its
// row of the index (id, $all place, position, global hash); a read resumed
// at any row numbers the rest as the whole read did.
func TestNumberGivesARowPerEventAndResumes(t *testing.T) {
	const count = 300
	events := allLog(t, count)
	whole, placed, rows, err := number(Checkpoint{}, events, testStreams)
	if err != nil {
		t.Fatal(err)
	}
	if whole.Position != count || len(placed) != count || len(rows) != count {
		t.Fatalf("numbered %d with %d rows, checkpoint at %d", len(placed), len(rows), whole.Position)
	}
	byID := map[uuid.UUID]esdb.Position{}
	for _, event := range events {
		byID[event.EventID] = event.Position
	}
	for i, row := range rows {
		if row.eventID != placed[i].EventID || row.at.Position != int64(i+1) || !bytes.Equal(row.at.GlobalHash, placed[i].GlobalHash) ||
			(esdb.Position{Commit: row.at.Commit, Prepare: row.at.Prepare}) != byID[row.eventID] {
			t.Fatalf("row %d: %+v, event %s at %d", i, row, placed[i].EventID, placed[i].Position)
		}
	}
	if rows[count-1].at.Position != whole.Position || !bytes.Equal(rows[count-1].at.GlobalHash, whole.GlobalHash) {
		t.Errorf("the last row %+v is not the checkpoint %+v", rows[count-1].at, whole)
	}
	// Resume at a row over a read that, like ESDB's, starts at the row's own
	// event: the rest numbers the same.
	for _, k := range []int{1, 128, 299} {
		resume := rows[k-1]
		start := 0
		for events[start].EventID != resume.eventID {
			start++
		}
		if err := checkStart(resume, events[start:]); err != nil {
			t.Fatalf("resume at %d: %v", k, err)
		}
		resumed, rest, _, err := number(resume.at, events[start:], testStreams)
		if err != nil {
			t.Fatal(err)
		}
		if resumed.Position != whole.Position || !bytes.Equal(resumed.GlobalHash, whole.GlobalHash) || len(rest) != count-k {
			t.Errorf("resumed at %d: ends at %d with %d events", k, resumed.Position, len(rest))
		}
		for i, event := range rest {
			want := placed[k+i]
			if event.Position != want.Position || event.EventID != want.EventID || !bytes.Equal(event.GlobalHash, want.GlobalHash) {
				t.Fatalf("resumed at %d, event %d differs: %d %s, want %d %s", k, i, event.Position, event.EventID, want.Position, want.EventID)
			}
		}
		// A read that does not begin with the row's event is another $all.
		if err := checkStart(resume, events[start+1:]); !errors.Is(err, ErrIndexMismatch) {
			t.Errorf("resume at %d over another $all: %v", k, err)
		}
	}
	if err := checkStart(rows[0], nil); !errors.Is(err, ErrIndexMismatch) {
		t.Errorf("resume over an empty $all: %v", err)
	}
}

func TestAdvanceToNeverMovesBack(t *testing.T) {
	c := Checkpoint{Commit: 100, Prepare: 100, Position: 3, GlobalHash: bytes.Repeat([]byte{1}, eventstore.HashSize)}
	forward := advanceTo(c, esdb.Position{Commit: 200, Prepare: 200})
	if forward.Commit != 200 || forward.Position != 3 || !bytes.Equal(forward.GlobalHash, c.GlobalHash) {
		t.Errorf("forward: %+v", forward)
	}
	if back := advanceTo(forward, esdb.Position{Commit: 150, Prepare: 150}); back.Commit != 200 {
		t.Errorf("moved back to %+v", back)
	}
	if fromStart := advanceTo(Checkpoint{}, esdb.Position{Commit: 7, Prepare: 7}); fromStart.Commit != 7 || fromStart.Position != 0 {
		t.Errorf("from the start: %+v", fromStart)
	}
}

func TestCheckpointValidateAndStart(t *testing.T) {
	hash := bytes.Repeat([]byte{1}, eventstore.HashSize)
	valid := []Checkpoint{{}, {Commit: 10, Prepare: 10}, {Commit: 10, Prepare: 10, Position: 1, GlobalHash: hash}, {GlobalHash: eventstore.ZeroHash()}}
	for _, c := range valid {
		if err := c.Validate(); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
	invalid := []Checkpoint{{Position: -1}, {Commit: 10, Position: 1}, {Commit: 10, Position: 1, GlobalHash: hash[:5]}, {Position: 1, GlobalHash: hash}, {GlobalHash: hash}}
	for _, c := range invalid {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
	if _, ok := (Checkpoint{}).allPosition().(esdb.Start); !ok {
		t.Error("the zero checkpoint does not read from the start")
	}
	if got := (Checkpoint{Commit: 5, Prepare: 4}).allPosition(); got != (esdb.Position{Commit: 5, Prepare: 4}) {
		t.Errorf("read from %#v", got)
	}
	for _, c := range []struct {
		a, b esdb.Position
		want int
	}{{esdb.Position{Commit: 1, Prepare: 9}, esdb.Position{Commit: 2, Prepare: 0}, -1}, {esdb.Position{Commit: 2, Prepare: 1}, esdb.Position{Commit: 2, Prepare: 0}, 1}, {esdb.Position{Commit: 3, Prepare: 3}, esdb.Position{Commit: 3, Prepare: 3}, 0}} {
		if got := comparePositions(c.a, c.b); got != c.want {
			t.Errorf("compare %+v %+v: %d", c.a, c.b, got)
		}
	}
}
