package esdbfake

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/google/uuid"
)

const (
	// firstPosition is where $all begins: the transaction log opens with an
	// epoch record, so no event sits at (0, 0).
	firstPosition = 4096
	// recordOverhead is what a prepare record costs in the transaction log
	// besides its stream name, type, data and metadata: positions grow by
	// each record's size, so $all has gaps as the real one has.
	recordOverhead = 100
	// tombstoneRevision is the event number of a tombstone ($streamDeleted),
	// long.MaxValue in the server.
	tombstoneRevision = math.MaxInt64
)

// Event is an event as a fixture writes it straight into the log (Load).
type Event struct {
	ID   uuid.UUID
	Type string
	// ContentType is "application/json" when empty.
	ContentType    string
	Data, Metadata []byte
}

// Position is a place in $all: byte offsets of the commit and the prepare record.
type Position struct{ Commit, Prepare uint64 }

func comparePositions(a, b Position) int {
	if order := cmp.Compare(a.Commit, b.Commit); order != 0 {
		return order
	}
	return cmp.Compare(a.Prepare, b.Prepare)
}

// record is one event in the transaction log.
type record struct {
	id          uuid.UUID
	stream      string
	revision    uint64
	position    Position
	eventType   string
	contentType string
	// created is in .NET ticks (100 ns) since the Unix epoch, as the server sends it.
	created        int64
	data, metadata []byte
}

// sizeOnDisk is how the server counts an event against its maximum append
// size: data, metadata, and the type as UTF-16.
func sizeOnDisk(eventType string, data, metadata []byte) int {
	units := 0
	for _, r := range eventType {
		units += utf16.RuneLen(max(r, 0))
	}
	return len(data) + len(metadata) + 2*units
}

// streamState is what the log knows of one stream.
type streamState struct {
	indexes    []int // into log.records, by revision
	tombstoned bool
}

// expectKind is the expected revision an append or a tombstone carries.
type expectKind int

const (
	expectAny expectKind = iota
	expectNoStream
	expectStreamExists
	expectRevision
)

type expectation struct {
	kind     expectKind
	revision uint64
}

// count is the number of events a stream must hold to meet e, when e names one.
func (e expectation) count() (int, bool) {
	switch e.kind {
	case expectNoStream:
		return 0, true
	case expectRevision:
		return int(min(e.revision, math.MaxInt32)) + 1, true
	default:
		return 0, false
	}
}

// metBy reports whether a stream holding current events meets e.
func (e expectation) metBy(current int) bool {
	if want, names := e.count(); names {
		return current == want
	}
	return e.kind != expectStreamExists || current > 0
}

func (e expectation) String() string {
	switch e.kind {
	case expectNoStream:
		return "no stream"
	case expectStreamExists:
		return "stream exists"
	case expectRevision:
		return fmt.Sprintf("revision %d", e.revision)
	default:
		return "any"
	}
}

// noise says which writes the log adds besides its clients': the server's
// own statistics and another application writing to the same node.
type noise struct {
	statsEvery, foreignEvery int
}

// log is the node's transaction log, the streams and $all in one. Its
// methods are not safe for concurrent use; Server holds the lock.
type log struct {
	records []record // $all, in position order
	streams map[string]*streamState
	next    uint64 // where the next record goes
	writes  int
	noise   noise
	now     func() time.Time
}

func newLog(noise noise, now func() time.Time) *log {
	l := &log{streams: map[string]*streamState{}, next: firstPosition, noise: noise, now: now}
	// A fresh node writes a few system events of its own before any client.
	l.write("$$$scavenges", []Event{{ID: uuid.New(), Type: "$metadata", Data: []byte(`{"$maxAge":2592000}`)}})
	l.write("$$$stats-127.0.0.1:2113", []Event{{ID: uuid.New(), Type: "$metadata", Data: []byte(`{"$maxAge":86400}`)}})
	return l
}

func (l *log) stream(name string) *streamState {
	state, ok := l.streams[name]
	if !ok {
		state = &streamState{}
		l.streams[name] = state
	}
	return state
}

// current is the stream's event count (0: no stream).
func (l *log) current(name string) int {
	if state, ok := l.streams[name]; ok {
		return len(state.indexes)
	}
	return 0
}

// write appends events to a stream as one transaction: one commit position,
// a prepare position each. It returns the index of the last record.
func (l *log) write(name string, events []Event) int {
	state := l.stream(name)
	commit := l.next
	created := l.now().UnixNano() / 100
	for _, event := range events {
		contentType := event.ContentType
		if contentType == "" {
			contentType = "application/json"
		}
		l.records = append(l.records, record{
			id: event.ID, stream: name, revision: uint64(len(state.indexes)),
			position:  Position{Commit: commit, Prepare: l.next},
			eventType: event.Type, contentType: contentType, created: created,
			data: slices.Clone(event.Data), metadata: slices.Clone(event.Metadata),
		})
		state.indexes = append(state.indexes, len(l.records)-1)
		l.next += uint64(recordOverhead + len(name) + len(event.Type) + len(event.Data) + len(event.Metadata))
	}
	return len(l.records) - 1
}

// addNoise writes what a real $all holds besides the clients' streams.
func (l *log) addNoise() {
	l.writes++
	if l.noise.statsEvery > 0 && l.writes%l.noise.statsEvery == 0 {
		l.write("$stats-127.0.0.1:2113", []Event{{ID: uuid.New(), Type: "$statsCollected", Data: []byte(`{"proc-cpu":1.5}`)}})
	}
	if l.noise.foreignEvery > 0 && l.writes%l.noise.foreignEvery == 0 {
		l.write("orders-1", []Event{{ID: uuid.New(), Type: "OrderPlaced", Data: []byte(`{"n":1}`), Metadata: []byte(`not jaminan's`)}})
	}
}

// appendOutcome is the server's answer to an append.
type appendOutcome struct {
	// written: the events were stored; last is the index of the last one.
	written bool
	last    int
	// idempotent: the events stood there already; revision is the last one's.
	idempotent bool
	revision   uint64
	// wrong: the expected revision did not hold; current is the stream's
	// event count (0: no stream).
	wrong   bool
	current int
	// deleted: the stream is tombstoned.
	deleted bool
}

// append decides and applies an append as the server does.
func (l *log) append(name string, expected expectation, events []Event) appendOutcome {
	state, exists := l.streams[name]
	if exists && state.tombstoned {
		return appendOutcome{deleted: true}
	}
	current := l.current(name)
	if !expected.metBy(current) {
		// The same ids right after the expected revision: a retry of a write
		// that was stored. Anything else is a wrong expected version.
		if want, names := expected.count(); names && len(events) > 0 && l.standAt(name, want, events) {
			return appendOutcome{idempotent: true, revision: uint64(want + len(events) - 1)}
		}
		return appendOutcome{wrong: true, current: current}
	}
	if expected.kind == expectAny && len(events) > 0 && l.standAt(name, current-len(events), events) {
		return appendOutcome{idempotent: true, revision: uint64(current - 1)}
	}
	if len(events) == 0 {
		return appendOutcome{idempotent: true, revision: uint64(max(current-1, 0))}
	}
	l.addNoise()
	return appendOutcome{written: true, last: l.write(name, events)}
}

// standAt reports whether events stand in the stream from revision from on, by id.
func (l *log) standAt(name string, from int, events []Event) bool {
	state, ok := l.streams[name]
	if !ok || from < 0 || from+len(events) > len(state.indexes) {
		return false
	}
	for i, event := range events {
		if l.records[state.indexes[from+i]].id != event.ID {
			return false
		}
	}
	return true
}

// tombstone deletes a stream for good, writing $streamDeleted into $all.
func (l *log) tombstone(name string, expected expectation) appendOutcome {
	state, exists := l.streams[name]
	if exists && state.tombstoned {
		return appendOutcome{deleted: true}
	}
	if current := l.current(name); !expected.metBy(current) {
		return appendOutcome{wrong: true, current: current}
	}
	state = l.stream(name)
	l.records = append(l.records, record{
		id: uuid.New(), stream: name, revision: tombstoneRevision,
		position: Position{Commit: l.next, Prepare: l.next}, eventType: "$streamDeleted",
		contentType: "application/octet-stream", created: l.now().UnixNano() / 100,
	})
	l.next += recordOverhead + uint64(len(name))
	state.tombstoned = true
	return appendOutcome{written: true, last: len(l.records) - 1}
}

// readStream returns up to count events of a stream from revision from
// (backwards: down from it); fromEnd starts at the last event.
func (l *log) readStream(name string, from uint64, fromEnd, backwards bool, count uint64) []record {
	state := l.streams[name]
	at := int(min(from, math.MaxInt32))
	if fromEnd {
		at = len(state.indexes) - 1
		if !backwards {
			at = len(state.indexes)
		}
	}
	step := 1
	if backwards {
		step = -1
		at = min(at, len(state.indexes)-1)
	}
	var out []record
	for ; at >= 0 && at < len(state.indexes) && uint64(len(out)) < count; at += step {
		out = append(out, l.records[state.indexes[at]])
	}
	return out
}

// indexAt is the index of the first record at or after p.
func (l *log) indexAt(p Position) int {
	index, _ := slices.BinarySearchFunc(l.records, p, func(r record, target Position) int {
		return comparePositions(r.position, target)
	})
	return index
}

// filter is what a filtered read or subscription of $all keeps.
type filter struct {
	byStream bool // stream names; otherwise event types
	prefixes []string
	regex    *regexp.Regexp
}

func (f *filter) matches(r record) bool {
	if f == nil {
		return true
	}
	subject := r.eventType
	if f.byStream {
		subject = r.stream
	}
	if f.regex != nil {
		return f.regex.MatchString(subject)
	}
	return slices.ContainsFunc(f.prefixes, func(prefix string) bool { return strings.HasPrefix(subject, prefix) })
}

// readAll returns up to count records of $all that pass f, from index at
// (forwards) or before it (backwards).
func (l *log) readAll(at int, backwards bool, count uint64, f *filter) []record {
	var out []record
	if backwards {
		for at--; at >= 0 && uint64(len(out)) < count; at-- {
			if f.matches(l.records[at]) {
				out = append(out, l.records[at])
			}
		}
		return out
	}
	for ; at < len(l.records) && uint64(len(out)) < count; at++ {
		if f.matches(l.records[at]) {
			out = append(out, l.records[at])
		}
	}
	return out
}
