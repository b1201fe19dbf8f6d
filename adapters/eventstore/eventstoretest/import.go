package eventstoretest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

// ImportedAt is the recorded_at of every event Recorded builds: a time no
// store's clock shows now, so a store that stamps its own is caught.
var ImportedAt = time.Date(2023, 2, 3, 4, 5, 6, 789012000, time.UTC)

// Recorded builds count events of streamID as another store recorded them:
// versions after, after+1, …, chained on previous (eventstore.ZeroHash for
// a new stream), recorded at ImportedAt.
func Recorded(streamID string, after int64, previous []byte, count int) []eventstore.RecordedEvent {
	records := make([]eventstore.RecordedEvent, 0, count)
	for i, event := range Events("Imported", count) {
		recorded := eventstore.RecordedEvent{
			StreamID: streamID, Version: after + int64(i) + 1, EventID: event.EventID, Type: event.Type,
			SchemaVersion: event.SchemaVersion, OccurredAt: eventstore.CanonicalTime(event.OccurredAt), RecordedAt: ImportedAt,
			Data: event.Data, Metadata: event.Metadata, PreviousHash: previous,
		}
		recorded.Hash = eventstore.EventHash(previous, recorded)
		previous = recorded.Hash
		records = append(records, recorded)
	}
	return records
}

// RunImport runs the eventstore.Importer contract as parallel subtests, each
// on a fresh store from newStore, which must implement eventstore.Importer.
func RunImport(t *testing.T, newStore func(t *testing.T) eventstore.Store) {
	tests := []struct {
		name string
		run  func(ctx context.Context, t *testing.T, store eventstore.Store, importer eventstore.Importer)
	}{
		{"KeepsRecordedAtAndHashes", testImportKeeps},
		{"ResentBatchIsANoOp", testImportResent},
		{"RefusesWhatAppendWouldNot", testImportRefuses},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
			defer cancel()
			store := newStore(t)
			importer, ok := store.(eventstore.Importer)
			if !ok {
				t.Fatalf("%T does not implement eventstore.Importer", store)
			}
			test.run(ctx, t, store, importer)
		})
	}
}

func mustImport(ctx context.Context, t *testing.T, importer eventstore.Importer, expected eventstore.ExpectedVersion, events []eventstore.RecordedEvent) eventstore.AppendResult {
	t.Helper()
	result, err := importer.Import(ctx, events[0].StreamID, expected, events)
	if err != nil {
		t.Fatalf("import %d events to %s (%s): %v", len(events), events[0].StreamID, expected, err)
	}
	return result
}

func testImportKeeps(ctx context.Context, t *testing.T, store eventstore.Store, importer eventstore.Importer) {
	first := Recorded("participant-i1", 0, eventstore.ZeroHash(), 2)
	other := Recorded("payer-i2", 0, eventstore.ZeroHash(), 1)
	second := Recorded("participant-i1", 2, first[1].Hash, 3)
	mustImport(ctx, t, importer, eventstore.NoStream(), first)
	mustImport(ctx, t, importer, eventstore.NoStream(), other)
	result := mustImport(ctx, t, importer, eventstore.Exact(2), second)
	if result.Duplicate || result.NextExpectedVersion != 5 || len(result.Events) != 3 {
		t.Fatalf("third import: got duplicate=%v next=%d events=%d, want false, 5, 3", result.Duplicate, result.NextExpectedVersion, len(result.Events))
	}
	// Imported in this order, the events take positions 1-2, 3, 4-6.
	want := append(append(append([]eventstore.RecordedEvent(nil), first...), other...), second...)
	got, err := store.ReadAll(ctx, 0, eventstore.MaxReadLimit)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("read %d events, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Position != int64(i+1) || got[i].EventID != want[i].EventID || got[i].Version != want[i].Version ||
			!got[i].RecordedAt.Equal(ImportedAt) || !bytes.Equal(got[i].Hash, want[i].Hash) ||
			!bytes.Equal(got[i].PreviousHash, want[i].PreviousHash) || !bytes.Equal(got[i].Data, want[i].Data) || got[i].Metadata != want[i].Metadata {
			t.Errorf("position %d: got %s v%d at %s, want %s v%d recorded at %s with the source's hash, data and metadata",
				i+1, got[i].EventID, got[i].Version, got[i].RecordedAt, want[i].EventID, want[i].Version, ImportedAt)
		}
	}
	report, err := VerifyStore(ctx, store)
	if err != nil || report.FirstBroken != nil || report.Events != 6 || report.Streams != 2 {
		t.Errorf("verify after import: %+v, %v; want 6 events in 2 streams, intact", report, err)
	}
	// Appends chain on imported events as on their own.
	appended := mustAppend(ctx, t, store, "participant-i1", eventstore.Exact(5), Events("E", 1))
	if !bytes.Equal(appended.Events[0].PreviousHash, second[2].Hash) || appended.Events[0].Position != 7 {
		t.Errorf("append after import: got previous hash %x at position %d, want %x at 7", appended.Events[0].PreviousHash, appended.Events[0].Position, second[2].Hash)
	}
}

func testImportResent(ctx context.Context, t *testing.T, store eventstore.Store, importer eventstore.Importer) {
	batch := Recorded("participant-r", 0, eventstore.ZeroHash(), 4)
	first := mustImport(ctx, t, importer, eventstore.NoStream(), batch)
	again := mustImport(ctx, t, importer, eventstore.NoStream(), batch)
	if !again.Duplicate || again.NextExpectedVersion != 4 || len(again.Events) != 4 {
		t.Fatalf("re-sent batch: got duplicate=%v next=%d events=%d, want true, 4, 4", again.Duplicate, again.NextExpectedVersion, len(again.Events))
	}
	for i := range first.Events {
		if again.Events[i].Position != first.Events[i].Position || again.Events[i].EventID != batch[i].EventID {
			t.Errorf("re-sent event %d: got position %d, want the first import's %d", i, again.Events[i].Position, first.Events[i].Position)
		}
	}
	if got := head(ctx, t, store); got != 4 {
		t.Errorf("head after a re-sent batch: got %d, want 4", got)
	}
}

func testImportRefuses(ctx context.Context, t *testing.T, store eventstore.Store, importer eventstore.Importer) {
	stored := Recorded("participant-x", 0, eventstore.ZeroHash(), 2)
	mustImport(ctx, t, importer, eventstore.NoStream(), stored)
	next := Recorded("participant-x", 2, stored[1].Hash, 2)
	tampered := append([]eventstore.RecordedEvent(nil), next...)
	tampered[1].Data = []byte(`{"amount":"9999999.00"}`)
	otherContent := Recorded("participant-y", 0, eventstore.ZeroHash(), 1)
	otherContent[0].EventID = stored[0].EventID // an id of the log, with other content, hashed as such
	otherContent[0].Hash = eventstore.EventHash(otherContent[0].PreviousHash, otherContent[0])
	tests := []struct {
		name     string
		expected eventstore.ExpectedVersion
		events   []eventstore.RecordedEvent
		want     error
	}{
		{"any", eventstore.Any(), next, eventstore.ErrInvalidAppend},
		{"version behind the stream", eventstore.Exact(1), Recorded("participant-x", 1, stored[0].Hash, 1), eventstore.ErrConcurrencyConflict},
		{"versions not after expected", eventstore.Exact(2), Recorded("participant-x", 3, stored[1].Hash, 1), eventstore.ErrInvalidAppend},
		{"changed event", eventstore.Exact(2), tampered, eventstore.ErrInvalidAppend},
		{"not linked to the stream's last hash", eventstore.Exact(2), Recorded("participant-x", 2, eventstore.ZeroHash(), 1), eventstore.ErrInvalidAppend},
		{"stored id with other content", eventstore.NoStream(), otherContent, eventstore.ErrEventIDReused},
		{"stored and new ids", eventstore.NoStream(), append([]eventstore.RecordedEvent{stored[0]}, Recorded("participant-x", 1, stored[0].Hash, 1)...), eventstore.ErrEventIDReused},
	}
	for _, test := range tests {
		_, err := importer.Import(ctx, test.events[0].StreamID, test.expected, test.events)
		if !errors.Is(err, test.want) {
			t.Errorf("%s: got %v, want %v", test.name, err, test.want)
		}
	}
	if got := head(ctx, t, store); got != 2 {
		t.Errorf("head after refused imports: got %d, want 2 (nothing stored)", got)
	}
}
