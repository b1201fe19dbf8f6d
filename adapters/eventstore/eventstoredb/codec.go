package eventstoredb

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

// eventMetadata is the user metadata of every ESDB event of the log: the
// port's metadata, the envelope fields ESDB has no place for, and the
// stream chain. ESDB's own fields carry the rest: EventID is the port's
// event id (so ESDB's idempotency on retries works), EventType its type,
// EventNumber+1 its version.
type eventMetadata struct {
	Correlation string `json:"correlation,omitempty"`
	Causation   string `json:"causation,omitempty"`
	Actor       string `json:"actor,omitempty"`
	Source      string `json:"source,omitempty"`
	RuleBook    string `json:"rule_book,omitempty"`
	Command     string `json:"command,omitempty"`
	// OccurredAt and RecordedAt are UTC with microseconds (eventstore.CanonicalTime).
	OccurredAt    time.Time `json:"occurred_at"`
	RecordedAt    time.Time `json:"recorded_at"`
	SchemaVersion int       `json:"schema_version"`
	// PreviousHash and Hash are hex SHA-256 (eventstore.EventHash).
	PreviousHash string `json:"previous_hash"`
	Hash         string `json:"hash"`
	// AppendID names the Append call that wrote the event. ESDB answers an
	// idempotent retry with success, exactly as it answers the first write;
	// reading this back is how an Append tells which of the two it was.
	AppendID uuid.UUID `json:"append_id"`
}

// encodeMetadata is the user metadata of recorded, written by the Append appendID.
func encodeMetadata(recorded eventstore.RecordedEvent, appendID uuid.UUID) ([]byte, error) {
	metadata := eventMetadata{
		Correlation: recorded.Metadata.CorrelationID, Causation: recorded.Metadata.CausationID,
		Actor: recorded.Metadata.Actor, Source: recorded.Metadata.Source,
		RuleBook: recorded.Metadata.RuleBook, Command: recorded.Metadata.Command,
		OccurredAt:    eventstore.CanonicalTime(recorded.OccurredAt),
		RecordedAt:    eventstore.CanonicalTime(recorded.RecordedAt),
		SchemaVersion: recorded.SchemaVersion,
		PreviousHash:  hex.EncodeToString(recorded.PreviousHash),
		Hash:          hex.EncodeToString(recorded.Hash),
		AppendID:      appendID,
	}
	encoded, err := json.Marshal(metadata)
	if err != nil {
		return nil, fmt.Errorf("encode metadata of event %s: %w", recorded.EventID, err)
	}
	return encoded, nil
}

// decodeMetadata reads what encodeMetadata wrote into recorded, checking
// what every event of the log must have.
func decodeMetadata(encoded []byte, recorded *eventstore.RecordedEvent) (uuid.UUID, error) {
	var metadata eventMetadata
	if err := json.Unmarshal(encoded, &metadata); err != nil {
		return uuid.Nil, fmt.Errorf("metadata is not jaminan's: %w", err)
	}
	previous, previousErr := decodeHash(metadata.PreviousHash)
	hash, hashErr := decodeHash(metadata.Hash)
	var errs []error
	if previousErr != nil || hashErr != nil {
		errs = append(errs, fmt.Errorf("hashes: %w", errors.Join(previousErr, hashErr)))
	}
	if metadata.SchemaVersion < 1 {
		errs = append(errs, fmt.Errorf("schema version %d is not >= 1", metadata.SchemaVersion))
	}
	if metadata.OccurredAt.IsZero() || metadata.RecordedAt.IsZero() {
		errs = append(errs, errors.New("occurred_at or recorded_at is missing"))
	}
	if err := errors.Join(errs...); err != nil {
		return uuid.Nil, fmt.Errorf("metadata is not jaminan's: %w", err)
	}
	recorded.Metadata = eventstore.Metadata{
		CorrelationID: metadata.Correlation, CausationID: metadata.Causation, Actor: metadata.Actor,
		Source: metadata.Source, RuleBook: metadata.RuleBook, Command: metadata.Command,
	}
	recorded.OccurredAt = eventstore.CanonicalTime(metadata.OccurredAt)
	recorded.RecordedAt = eventstore.CanonicalTime(metadata.RecordedAt)
	recorded.SchemaVersion = metadata.SchemaVersion
	recorded.PreviousHash, recorded.Hash = previous, hash
	return metadata.AppendID, nil
}

func decodeHash(text string) ([]byte, error) {
	hash, err := hex.DecodeString(text)
	if err != nil {
		return nil, fmt.Errorf("%q is not hex: %w", text, err)
	}
	if len(hash) != eventstore.HashSize {
		return nil, fmt.Errorf("%q is %d bytes, want %d", text, len(hash), eventstore.HashSize)
	}
	return hash, nil
}

// toEventData is the ESDB event that stores recorded (hashed, not placed).
func toEventData(recorded eventstore.RecordedEvent, appendID uuid.UUID) (esdb.EventData, error) {
	metadata, err := encodeMetadata(recorded, appendID)
	if err != nil {
		return esdb.EventData{}, err
	}
	return esdb.EventData{
		EventID:   recorded.EventID,
		EventType: recorded.Type,
		// JSON, so ESDB's UI and projections can read it; the bytes are stored as sent.
		ContentType: esdb.ContentTypeJson,
		Data:        append([]byte(nil), recorded.Data...),
		Metadata:    metadata,
	}, nil
}

// decoded is an ESDB event of the log, read back: the port's record without
// a position, and the Append that wrote it.
type decoded struct {
	recorded eventstore.RecordedEvent
	appendID uuid.UUID
}

// decodeEvent reads an ESDB event of one of the log's streams.
func decodeEvent(event *esdb.RecordedEvent, streams streamFilter) (decoded, error) {
	if event == nil {
		return decoded{}, errors.New("the server sent an empty event")
	}
	where := fmt.Sprintf("event %s of stream %s (revision %d)", event.EventID, event.StreamID, event.EventNumber)
	if !streams.matches(event.StreamID) {
		return decoded{}, fmt.Errorf("%s: the stream is not part of the log", where)
	}
	version, err := versionOf(event.EventNumber)
	if err != nil {
		return decoded{}, fmt.Errorf("%s: %w", where, err)
	}
	recorded := eventstore.RecordedEvent{
		StreamID: streams.streamID(event.StreamID), Version: version, EventID: event.EventID,
		Type: event.EventType, Data: append(json.RawMessage(nil), event.Data...),
	}
	appendID, err := decodeMetadata(event.UserMetadata, &recorded)
	if err != nil {
		// Someone wrote to a stream of the log with another tool; its events
		// cannot be numbered or verified.
		return decoded{}, fmt.Errorf("%s: %w", where, err)
	}
	return decoded{recorded: recorded, appendID: appendID}, nil
}

// chain hashes events onto a stream whose last event has version current and
// hash previous (eventstore.ZeroHash when current is 0); every event is
// recorded at recordedAt. The records have no position yet.
func chain(streamID string, current int64, previous []byte, events []eventstore.EventData, recordedAt time.Time) []eventstore.RecordedEvent {
	records := make([]eventstore.RecordedEvent, 0, len(events))
	recordedAt = eventstore.CanonicalTime(recordedAt)
	for i, event := range events {
		recorded := eventstore.RecordedEvent{
			StreamID: streamID, Version: current + int64(i) + 1, EventID: event.EventID, Type: event.Type,
			SchemaVersion: event.SchemaVersion, OccurredAt: eventstore.CanonicalTime(event.OccurredAt), RecordedAt: recordedAt,
			Data: append(json.RawMessage(nil), event.Data...), Metadata: event.Metadata, PreviousHash: previous,
		}
		recorded.Hash = eventstore.EventHash(previous, recorded)
		previous = recorded.Hash
		records = append(records, recorded)
	}
	return records
}
