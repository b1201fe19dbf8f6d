// Package eventstore is the port to jaminan's immutable log, and the hashing
// rules every implementation shares.
//
// Implementations: postgres (the default), memory (runs the same contract
// suite, for fast domain tests) and eventstoredb. All of them pass
// eventstoretest.Run.
//
// Contract, for every implementation:
//   - Append is atomic: all events of one call are stored, or none.
//     AppendMany is atomic across its streams too, except on EventStoreDB
//     (see AppendMany).
//   - The expected version is always explicit; its zero value is invalid.
//     A mismatch returns an error matching ErrConcurrencyConflict and stores nothing.
//   - Appending events whose event ids are all stored already returns the
//     original records (Duplicate=true) and stores nothing. A call that mixes
//     stored and new event ids is refused with ErrEventIDReused.
//   - Streams start at version 1. Positions in the global log start at 1,
//     are gap-free and only grow; ReadAll never returns an event after one
//     with a higher position has been returned (no late commits are skipped).
//   - No event is larger than MaxEventSize (EventSize): an append holding
//     one is refused with an *EventTooLargeError, matching ErrEventTooLarge
//     and ErrInvalidAppend, before anything is stored.
//   - Methods are safe for concurrent use.
package eventstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Limits on one call; TigerStyle: everything has a bound.
const (
	// MaxEventsPerAppend bounds one Append, and each stream of an AppendMany.
	MaxEventsPerAppend = 1000
	// MaxEventsPerAppendMany bounds the events of all streams of one AppendMany
	// (an assessment records a lapse on many participants beside its bill).
	MaxEventsPerAppendMany = 10 * MaxEventsPerAppend
	// MaxReadLimit bounds one page of ReadStream or ReadAll.
	MaxReadLimit = 10_000
	// MaxEventSize bounds one event (EventSize): a quarter of EventStoreDB's
	// default maximum append size, so any event can move to any store, and
	// no aggregate's load is held hostage by one huge event. What is larger
	// is split by its writer (a bill's lines go in chunks, docs/events.md).
	MaxEventSize = 256 << 10
)

// Store is the event-store port.
type Store interface {
	// Append stores events at the end of streamID if its version matches.
	Append(ctx context.Context, streamID string, expected ExpectedVersion, events []EventData) (AppendResult, error)
	// AppendMany stores the events of one command that span several streams,
	// each behind its own expected version, and returns one result per
	// StreamAppend, in order. A conflict on any stream is returned as that
	// stream's *ConflictError. When every event id is stored already, every
	// result is the stored records (Duplicate=true); a mix of stored and new
	// ids is ErrEventIDReused.
	//
	// The PostgreSQL and memory stores store all streams or none, in one
	// transaction. EventStoreDB has no transaction across streams: it appends
	// stream by stream in order (AppendEach); a failure part way leaves the
	// first streams stored, and running the same command again completes it,
	// because the command path's event ids are deterministic and the stored
	// streams answer as duplicates.
	AppendMany(ctx context.Context, appends []StreamAppend) ([]AppendResult, error)
	// ReadStream returns up to limit events of streamID with version >= fromVersion, in version order.
	// Events not yet placed in the global order have Position 0.
	ReadStream(ctx context.Context, streamID string, fromVersion int64, limit int) ([]RecordedEvent, error)
	// ReadAll returns up to limit events with position > afterPosition, in position order.
	ReadAll(ctx context.Context, afterPosition int64, limit int) ([]RecordedEvent, error)
	// Head is the highest position readable by ReadAll now.
	Head(ctx context.Context) (int64, error)
}

type expectKind uint8

const (
	expectInvalid expectKind = iota
	expectAny
	expectNoStream
	expectExact
)

// ExpectedVersion is what the caller believes the stream's version is.
// Build it with Any, NoStream or Exact; the zero value is refused.
type ExpectedVersion struct {
	kind    expectKind
	version int64
}

// Any appends whatever the stream's version; use only for streams with a single writer.
func Any() ExpectedVersion { return ExpectedVersion{kind: expectAny} }

// NoStream requires that the stream has no events yet.
func NoStream() ExpectedVersion { return ExpectedVersion{kind: expectNoStream} }

// Exact requires that the stream's last event has this version (>= 1).
// Exact(0) means the same as NoStream.
func Exact(version int64) ExpectedVersion {
	if version == 0 {
		return NoStream()
	}
	return ExpectedVersion{kind: expectExact, version: version}
}

// IsAny, IsNoStream and Version let adapters map the sealed value.
func (e ExpectedVersion) IsAny() bool      { return e.kind == expectAny }
func (e ExpectedVersion) IsNoStream() bool { return e.kind == expectNoStream }

// Version is the exact version expected, and whether one is.
func (e ExpectedVersion) Version() (int64, bool) { return e.version, e.kind == expectExact }

// Valid reports whether e was built by a constructor.
func (e ExpectedVersion) Valid() bool {
	switch e.kind {
	case expectAny, expectNoStream:
		return true
	case expectExact:
		return e.version >= 1
	default:
		return false
	}
}

// Matches reports whether a stream currently at version current (0 = no stream) satisfies e.
func (e ExpectedVersion) Matches(current int64) bool {
	switch e.kind {
	case expectAny:
		return true
	case expectNoStream:
		return current == 0
	case expectExact:
		return current == e.version
	default:
		return false
	}
}

func (e ExpectedVersion) String() string {
	switch e.kind {
	case expectAny:
		return "any"
	case expectNoStream:
		return "no stream"
	case expectExact:
		return fmt.Sprintf("version %d", e.version)
	default:
		return "invalid"
	}
}

// Metadata travels with every event; it is hashed with it.
type Metadata struct {
	CorrelationID string `json:"correlation_id,omitempty"`
	CausationID   string `json:"causation_id,omitempty"`
	Actor         string `json:"actor,omitempty"`
	Source        string `json:"source,omitempty"`
	RuleBook      string `json:"rule_book,omitempty"`
	Command       string `json:"command,omitempty"`
}

// EventData is an event to append.
type EventData struct {
	EventID       uuid.UUID
	Type          string
	SchemaVersion int
	// OccurredAt is business time (the date of an accident, the period paid), UTC.
	OccurredAt time.Time
	// Data is the event body as JSON; money inside it is a decimal string.
	Data     json.RawMessage
	Metadata Metadata
}

// RecordedEvent is an event as stored.
type RecordedEvent struct {
	// Position in the global log; 0 while not yet placed (ReadStream only).
	Position      int64
	StreamID      string
	Version       int64
	EventID       uuid.UUID
	Type          string
	SchemaVersion int
	OccurredAt    time.Time
	RecordedAt    time.Time
	Data          json.RawMessage
	Metadata      Metadata
	// PreviousHash is the Hash of the stream's previous event (32 zero bytes for version 1).
	PreviousHash []byte
	// Hash is EventHash(PreviousHash, this event).
	Hash []byte
	// GlobalHash is GlobalChainHash(previous position's GlobalHash, Position, Hash); nil while not placed.
	GlobalHash []byte
}

// StreamAppend is one stream's part of an AppendMany.
type StreamAppend struct {
	StreamID string
	Expected ExpectedVersion
	Events   []EventData
}

// AppendResult says where the events went.
type AppendResult struct {
	// Events are the stored records, with positions.
	Events []RecordedEvent
	// NextExpectedVersion is the stream's version after the append.
	NextExpectedVersion int64
	// Duplicate is true when every event id was stored already and nothing new was written.
	Duplicate bool
}

// Errors every implementation returns (wrapped; match with errors.Is / errors.As).
var (
	ErrConcurrencyConflict = errors.New("concurrency conflict")
	ErrEventIDReused       = errors.New("event id reused")
	ErrInvalidAppend       = errors.New("invalid append")
	ErrEventTooLarge       = errors.New("event larger than the maximum event size")
)

// EventSize is what counts against MaxEventSize: the event's data, its type
// and its metadata's values, in bytes.
func EventSize(event EventData) int {
	m := event.Metadata
	return len(event.Data) + len(event.Type) + len(m.CorrelationID) + len(m.CausationID) + len(m.Actor) + len(m.Source) + len(m.RuleBook) + len(m.Command)
}

// EventTooLargeError is an event over MaxEventSize; nothing was stored. It
// matches ErrEventTooLarge and ErrInvalidAppend: sending it again cannot help.
type EventTooLargeError struct {
	StreamID string
	Index    int // the event's place in its append, from 0
	Type     string
	Size     int
}

func (e *EventTooLargeError) Error() string {
	return fmt.Sprintf("event %d (%s) of stream %s is %d bytes, over the maximum event size of %d bytes: nothing stored",
		e.Index, e.Type, e.StreamID, e.Size, MaxEventSize)
}

// Is makes errors.Is match ErrEventTooLarge and ErrInvalidAppend.
func (e *EventTooLargeError) Is(target error) bool {
	return target == ErrEventTooLarge || target == ErrInvalidAppend
}

var _ error = (*EventTooLargeError)(nil)

// ConflictError is the concrete conflict: the stream moved on.
type ConflictError struct {
	StreamID string
	Expected ExpectedVersion
	Actual   int64
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("concurrency conflict on stream %s: expected %s, stream is at version %d; reload and decide again", e.StreamID, e.Expected, e.Actual)
}

// Is makes errors.Is(err, ErrConcurrencyConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConcurrencyConflict }

var _ error = (*ConflictError)(nil)

// ValidateAppend checks the arguments every implementation refuses alike.
func ValidateAppend(streamID string, expected ExpectedVersion, events []EventData) error {
	var errs []error
	if streamID == "" || len(streamID) > 200 {
		errs = append(errs, errors.New("stream id must be 1 to 200 characters"))
	}
	if !isText(streamID) {
		errs = append(errs, errors.New("stream id must be UTF-8 text without NUL"))
	}
	if !expected.Valid() {
		errs = append(errs, errors.New("expected version not set: use Any, NoStream or Exact"))
	}
	if len(events) == 0 || len(events) > MaxEventsPerAppend {
		errs = append(errs, fmt.Errorf("append takes 1 to %d events, got %d", MaxEventsPerAppend, len(events)))
	}
	seen := make(map[uuid.UUID]bool, len(events))
	for i, event := range events {
		if event.EventID == uuid.Nil {
			errs = append(errs, fmt.Errorf("event %d: event id is empty", i))
		}
		if seen[event.EventID] {
			errs = append(errs, fmt.Errorf("event %d: event id %s repeated in one append", i, event.EventID))
		}
		seen[event.EventID] = true
		if event.Type == "" || !isText(event.Type) {
			errs = append(errs, fmt.Errorf("event %d: type must be non-empty UTF-8 text without NUL", i))
		}
		if event.SchemaVersion < 1 {
			errs = append(errs, fmt.Errorf("event %d: schema version must be >= 1", i))
		}
		if size := EventSize(event); size > MaxEventSize {
			errs = append(errs, &EventTooLargeError{StreamID: streamID, Index: i, Type: event.Type, Size: size})
			continue // too large to be worth validating further
		}
		// json.Valid lets invalid UTF-8 through; every store must refuse it alike.
		if !json.Valid(event.Data) || !utf8.Valid(event.Data) {
			errs = append(errs, fmt.Errorf("event %d: data is not valid UTF-8 JSON", i))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidAppend, err)
	}
	return nil
}

// ValidateAppendMany checks the arguments of an AppendMany that every
// implementation refuses alike: each stream's as ValidateAppend, no stream
// named twice, no event id in two streams, and the bounds.
func ValidateAppendMany(appends []StreamAppend) error {
	if len(appends) == 0 {
		return fmt.Errorf("%w: append many takes at least one stream", ErrInvalidAppend)
	}
	var errs []error
	streams := make(map[string]bool, len(appends))
	ids := map[uuid.UUID]string{}
	total := 0
	for _, part := range appends {
		if err := ValidateAppend(part.StreamID, part.Expected, part.Events); err != nil {
			errs = append(errs, fmt.Errorf("stream %q: %w", part.StreamID, err))
		}
		if streams[part.StreamID] {
			errs = append(errs, fmt.Errorf("stream %q is named twice: give all its events in one part", part.StreamID))
		}
		streams[part.StreamID] = true
		for _, event := range part.Events {
			if other, ok := ids[event.EventID]; ok && other != part.StreamID {
				errs = append(errs, fmt.Errorf("event id %s is in streams %q and %q", event.EventID, other, part.StreamID))
			}
			ids[event.EventID] = part.StreamID
		}
		total += len(part.Events)
	}
	if total > MaxEventsPerAppendMany {
		errs = append(errs, fmt.Errorf("append many takes at most %d events in all, got %d", MaxEventsPerAppendMany, total))
	}
	if err := errors.Join(errs...); err != nil {
		if errors.Is(err, ErrInvalidAppend) {
			return err
		}
		return fmt.Errorf("%w: %w", ErrInvalidAppend, err)
	}
	return nil
}

// maxStreamsNamed bounds the streams a message names (an assessment writes thousands).
const maxStreamsNamed = 5

// StreamsOf names the streams of appends, for messages: the first few, and how many more.
func StreamsOf(appends []StreamAppend) string {
	names := make([]string, 0, min(len(appends), maxStreamsNamed))
	for _, part := range appends[:min(len(appends), maxStreamsNamed)] {
		names = append(names, part.StreamID)
	}
	if more := len(appends) - len(names); more > 0 {
		return fmt.Sprintf("%s and %d more", strings.Join(names, ", "), more)
	}
	return strings.Join(names, ", ")
}

// AppendEach is AppendMany for a store without a transaction across
// streams: one Append per stream, in order. A stream whose events are all
// stored already answers as a duplicate, so running the same appends again
// after a failure part way completes them. The error names the streams
// stored before the failure.
func AppendEach(ctx context.Context, store Store, appends []StreamAppend) ([]AppendResult, error) {
	if err := ValidateAppendMany(appends); err != nil {
		return nil, err
	}
	results := make([]AppendResult, 0, len(appends))
	for i, part := range appends {
		result, err := store.Append(ctx, part.StreamID, part.Expected, part.Events)
		if err != nil {
			if i == 0 {
				return nil, err
			}
			return nil, fmt.Errorf("%w (streams %s are stored; the same command again completes the rest)", err, StreamsOf(appends[:i]))
		}
		results = append(results, result)
	}
	return results, nil
}

// EventFinder finds one event by id; stores that can implement it (corrections use it).
type EventFinder interface {
	EventByID(ctx context.Context, eventID uuid.UUID) (RecordedEvent, bool, error)
}

// isText reports whether s can be stored as text by every store (PostgreSQL
// text refuses NUL and invalid UTF-8).
func isText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }
