package eventstoredb

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoretest"
)

func sampleRecord(t *testing.T) eventstore.RecordedEvent {
	t.Helper()
	event := eventstoretest.Event("ClaimApproved", 7)
	event.Metadata = eventstore.Metadata{CorrelationID: "corr-9", CausationID: "cause-3", Actor: "petugas@desa", Source: "http",
		RuleBook: "2024.1", Command: "ApproveClaim"}
	previous := bytes.Repeat([]byte{0xab}, eventstore.HashSize)
	// Nanoseconds and a zone: the store keeps UTC microseconds, like PostgreSQL.
	at := time.Date(2025, 1, 31, 23, 59, 59, 999_999_999, time.FixedZone("WITA", 8*3600))
	return chain("claim-1", 2, previous, []eventstore.EventData{event}, at)[0]
}

func TestMetadataRoundTrip(t *testing.T) {
	recorded := sampleRecord(t)
	appendID := uuid.New()
	encoded, err := encodeMetadata(recorded, appendID)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(encoded, &fields); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"correlation", "causation", "actor", "source", "rule_book", "command", "occurred_at",
		"recorded_at", "schema_version", "previous_hash", "hash", "append_id"} {
		if _, ok := fields[key]; !ok {
			t.Errorf("metadata lacks %q: %s", key, encoded)
		}
	}
	if fields["recorded_at"] != "2025-01-31T15:59:59.999999Z" {
		t.Errorf("recorded_at %v, want UTC microseconds", fields["recorded_at"])
	}
	decodedRecord := eventstore.RecordedEvent{StreamID: recorded.StreamID, Version: recorded.Version, EventID: recorded.EventID,
		Type: recorded.Type, Data: recorded.Data}
	gotAppendID, err := decodeMetadata(encoded, &decodedRecord)
	if err != nil {
		t.Fatal(err)
	}
	if gotAppendID != appendID || decodedRecord.Metadata != recorded.Metadata || decodedRecord.SchemaVersion != recorded.SchemaVersion {
		t.Errorf("got %+v (append %s), want %+v (append %s)", decodedRecord.Metadata, gotAppendID, recorded.Metadata, appendID)
	}
	if !decodedRecord.OccurredAt.Equal(recorded.OccurredAt) || !decodedRecord.RecordedAt.Equal(recorded.RecordedAt) {
		t.Errorf("times: %v %v, want %v %v", decodedRecord.OccurredAt, decodedRecord.RecordedAt, recorded.OccurredAt, recorded.RecordedAt)
	}
	if !bytes.Equal(decodedRecord.PreviousHash, recorded.PreviousHash) || !bytes.Equal(decodedRecord.Hash, recorded.Hash) {
		t.Errorf("hashes: %x %x, want %x %x", decodedRecord.PreviousHash, decodedRecord.Hash, recorded.PreviousHash, recorded.Hash)
	}
	// What was read back hashes to what was stored: the chain survives the trip.
	if !bytes.Equal(eventstore.EventHash(decodedRecord.PreviousHash, decodedRecord), recorded.Hash) {
		t.Error("the decoded event does not hash to its stored hash")
	}
}

func TestMetadataWithEmptyFields(t *testing.T) {
	recorded := sampleRecord(t)
	recorded.Metadata = eventstore.Metadata{}
	encoded, err := encodeMetadata(recorded, uuid.Nil)
	if err != nil {
		t.Fatal(err)
	}
	var back eventstore.RecordedEvent
	if _, err := decodeMetadata(encoded, &back); err != nil || back.Metadata != (eventstore.Metadata{}) {
		t.Errorf("got %+v, %v", back.Metadata, err)
	}
}

func TestDecodeMetadataRefusesWhatIsNotOurs(t *testing.T) {
	good, err := encodeMetadata(sampleRecord(t), uuid.New())
	if err != nil {
		t.Fatal(err)
	}
	edit := func(key string, value any) []byte {
		var fields map[string]any
		if err := json.Unmarshal(good, &fields); err != nil {
			t.Fatal(err)
		}
		if value == nil {
			delete(fields, key)
		} else {
			fields[key] = value
		}
		out, _ := json.Marshal(fields)
		return out
	}
	cases := map[string][]byte{
		"not JSON":          []byte(`not jaminan's`),
		"empty":             nil,
		"no hash":           edit("hash", nil),
		"hash not hex":      edit("hash", "zz"),
		"short hash":        edit("previous_hash", "abcd"),
		"schema version 0":  edit("schema_version", 0),
		"no occurred_at":    edit("occurred_at", nil),
		"no recorded_at":    edit("recorded_at", nil),
		"time not RFC 3339": edit("recorded_at", "yesterday"),
	}
	for name, encoded := range cases {
		var recorded eventstore.RecordedEvent
		if _, err := decodeMetadata(encoded, &recorded); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestEventDataAndDecodeEvent(t *testing.T) {
	streams := newStreamFilter("ns-", DefaultStreamPrefixes())
	recorded := sampleRecord(t)
	appendID := uuid.New()
	data, err := toEventData(recorded, appendID)
	if err != nil {
		t.Fatal(err)
	}
	if data.EventID != recorded.EventID || data.EventType != recorded.Type || data.ContentType != esdb.ContentTypeJson || !bytes.Equal(data.Data, recorded.Data) {
		t.Errorf("event data %+v", data)
	}
	stored := &esdb.RecordedEvent{EventID: data.EventID, EventType: data.EventType, StreamID: "ns-claim-1", EventNumber: 2,
		Position: esdb.Position{Commit: 9000, Prepare: 9000}, Data: data.Data, UserMetadata: data.Metadata}
	back, err := decodeEvent(stored, streams)
	if err != nil {
		t.Fatal(err)
	}
	if back.appendID != appendID || back.recorded.StreamID != "claim-1" || back.recorded.Version != 3 || back.recorded.Position != 0 {
		t.Errorf("decoded %+v", back)
	}
	if !bytes.Equal(back.recorded.Hash, eventstore.EventHash(back.recorded.PreviousHash, back.recorded)) {
		t.Error("decoded event does not hash to its hash")
	}
	for _, stream := range []string{"claim-1", "ns-orders-1", "$$ns-claim-1"} {
		foreign := *stored
		foreign.StreamID = stream
		if _, err := decodeEvent(&foreign, streams); err == nil || !strings.Contains(err.Error(), "not part of the log") {
			t.Errorf("stream %s: %v", stream, err)
		}
	}
	if _, err := decodeEvent(nil, streams); err == nil {
		t.Error("nil event: no error")
	}
}
