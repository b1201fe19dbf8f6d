package eventstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
)

// Importer is a store that can take events recorded in another store as
// they were: each keeps its event id, stream version, recorded_at, metadata
// and stream hashes, so its Hash is the same in both stores and the copy's
// chains can be checked against the original's. `jaminan migrate-log`
// writes through it; Append cannot serve, because it stamps recorded_at
// with the store's own clock, and recorded_at is hashed.
//
// Contract, besides Append's (atomic; conflicts match ErrConcurrencyConflict
// and store nothing):
//   - expected is NoStream or Exact, never Any: a copy lands exactly behind
//     the version the source had, or not at all.
//   - events are versions expected+1, expected+2, … of streamID, each
//     PreviousHash is the previous event's Hash and each Hash is EventHash
//     over its event (ValidateImport); the first PreviousHash must be the
//     Hash of the stream's last stored event. Otherwise ErrInvalidAppend.
//   - Events whose ids are all stored already with the same hashes return the
//     stored records (Duplicate=true) and store nothing, so a re-sent batch is
//     a no-op. Ids stored with other hashes, or a mix of stored and new ids,
//     are refused with ErrEventIDReused.
//   - Position and GlobalHash of the events are ignored: the store places the
//     events at the end of its own global order and chains them there.
type Importer interface {
	Import(ctx context.Context, streamID string, expected ExpectedVersion, events []RecordedEvent) (AppendResult, error)
}

// EventDataOf is what Append would have been given for events.
func EventDataOf(events []RecordedEvent) []EventData {
	data := make([]EventData, 0, len(events))
	for _, event := range events {
		data = append(data, EventData{EventID: event.EventID, Type: event.Type, SchemaVersion: event.SchemaVersion,
			OccurredAt: event.OccurredAt, Data: event.Data, Metadata: event.Metadata})
	}
	return data
}

// ValidateImport checks the arguments of an Import that every importer
// refuses alike: Append's checks, an explicit expected version, consecutive
// versions of streamID, and an intact stream chain within events.
func ValidateImport(streamID string, expected ExpectedVersion, events []RecordedEvent) error {
	if err := ValidateAppend(streamID, expected, EventDataOf(events)); err != nil {
		return err
	}
	if expected.IsAny() {
		return fmt.Errorf("%w: an import needs NoStream or Exact, not Any: a copy must land behind the version its source had", ErrInvalidAppend)
	}
	next, _ := expected.Version() // 0 for NoStream
	var errs []error
	for i, event := range events {
		next++
		if event.StreamID != streamID {
			errs = append(errs, fmt.Errorf("event %d (%s): belongs to stream %s, not %s", i, event.EventID, event.StreamID, streamID))
		}
		if event.Version != next {
			errs = append(errs, fmt.Errorf("event %d (%s): version %d, want %d (expected %s)", i, event.EventID, event.Version, next, expected))
		}
		if i > 0 && !bytes.Equal(event.PreviousHash, events[i-1].Hash) {
			errs = append(errs, fmt.Errorf("event %d (%s): previous hash is not the hash of the event before it: the stream chain is cut", i, event.EventID))
		}
		if !bytes.Equal(EventHash(event.PreviousHash, event), event.Hash) {
			errs = append(errs, fmt.Errorf("event %d (%s): hash differs from the hash recomputed over the event: it was changed", i, event.EventID))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidAppend, err)
	}
	return nil
}

// CheckImportedHashes reports a duplicate import whose stored events are not
// the events offered: the same ids with other content.
func CheckImportedHashes(stored, offered []RecordedEvent) error {
	if len(stored) != len(offered) {
		return fmt.Errorf("%w: %d events offered, %d found stored", ErrEventIDReused, len(offered), len(stored))
	}
	for i := range offered {
		if stored[i].EventID != offered[i].EventID || !bytes.Equal(stored[i].Hash, offered[i].Hash) {
			return fmt.Errorf("%w: event %s is stored (stream %s version %d) with another hash than the one offered",
				ErrEventIDReused, offered[i].EventID, stored[i].StreamID, stored[i].Version)
		}
	}
	return nil
}
