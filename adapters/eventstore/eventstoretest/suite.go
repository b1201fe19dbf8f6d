// Package eventstoretest is the contract every eventstore.Store passes: the
// memory, PostgreSQL and EventStoreDB stores each run it from their tests.
package eventstoretest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
)

const (
	// testTimeout bounds each subtest.
	testTimeout = 2 * time.Minute
	// racers is how many goroutines race one Exact append.
	racers = 16
	// raceRounds is how many times the racers race.
	raceRounds = 5
	// readerPage is the ReadAll page of the following reader.
	readerPage = 100
	// readerIdle is the reader's pause when it has caught up.
	readerIdle = time.Millisecond
	// maxEventsPerWriterAppend bounds one writer's append in the concurrent test.
	maxEventsPerWriterAppend = 4
)

// Features sizes the suite for a store.
type Features struct {
	// ConcurrentWriters append ConcurrentEvents in total, on distinct
	// streams, while one reader follows ReadAll.
	ConcurrentWriters int
	ConcurrentEvents  int
	// SequentialAppendMany says the store's AppendMany appends stream by
	// stream (eventstore.AppendEach, EventStoreDB) instead of all or none.
	SequentialAppendMany bool
}

// DefaultFeatures is what the issue demands: 8 writers, 2,000 events.
func DefaultFeatures() Features { return Features{ConcurrentWriters: 8, ConcurrentEvents: 2000} }

// Verifier is a store with its own Verify; stores without one are verified
// by eventstore.Verify over ReadAll.
type Verifier interface {
	Verify(ctx context.Context, progress func(checked, head int64)) (eventstore.Report, error)
}

// Run runs the contract with DefaultFeatures.
func Run(t *testing.T, newStore func(t *testing.T) eventstore.Store) {
	RunWithFeatures(t, DefaultFeatures(), newStore)
}

// RunWithFeatures runs every contract test as a parallel subtest, each on a
// fresh store from newStore.
func RunWithFeatures(t *testing.T, features Features, newStore func(t *testing.T) eventstore.Store) {
	tests := []struct {
		name string
		run  func(ctx context.Context, t *testing.T, store eventstore.Store)
	}{
		{"AppendToNewStreamWithNoStream", testAppendNoStream},
		{"ExactVersionAppendsAndConflicts", testExactVersion},
		{"NoStreamOnExistingStreamConflicts", testNoStreamOnExisting},
		{"ExactOnMissingStreamConflicts", testExactOnMissing},
		{"InvalidAppendsAreRefused", testInvalidAppends},
		{"ConflictStoresNothing", testConflictStoresNothing},
		{"RetryOfSameEventIDsIsIdempotent", testIdempotentRetry},
		{"MixedStoredAndNewEventIDsAreRefused", testMixedEventIDs},
		{"ReadStreamFromVersion", testReadStream},
		{"ReadAllOrderAndPaging", testReadAll},
		{"ReadStreamsManyAtOnce", testReadStreams},
		{"HashesChain", testHashesChain},
		{"VerifyPasses", testVerify},
		{"RacingExactAppendsOneWins", testRacingExact},
		{"RacingAnyAppendsAllSucceed", testRacingAny},
		{"ConcurrentRetriesOfSameEventsStoreOnce", testConcurrentRetries},
		{"ConcurrentWritersAndFollowingReader", func(ctx context.Context, t *testing.T, store eventstore.Store) {
			ConcurrentWritersAndReader(ctx, t, features, store)
		}},
		{"ConflictAmongConcurrentAppendsFailsAlone", testConflictAmongConcurrent},
		{"AppendManyStoresEveryStream", testAppendMany},
		{"AppendManyConflictOnOneStream", func(ctx context.Context, t *testing.T, store eventstore.Store) {
			testAppendManyConflict(ctx, t, store, features)
		}},
		{"AppendManyRetryIsIdempotent", testAppendManyRetry},
		{"InvalidAppendManyIsRefused", testInvalidAppendMany},
		{"EventsOverTheMaximumSizeAreRefused", testEventSizeLimit},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
			defer cancel()
			test.run(ctx, t, newStore(t))
		})
	}
}

// Event builds a valid event with a fresh id; n makes its data distinct.
func Event(eventType string, n int) eventstore.EventData {
	return eventstore.EventData{
		EventID:       uuid.New(),
		Type:          eventType,
		SchemaVersion: 1,
		OccurredAt:    time.Date(2024, 10, 7, 8, 30, 0, 123456789, time.FixedZone("WITA", 8*3600)),
		// Spacing and key order are kept byte for byte; money is a decimal string.
		Data:     json.RawMessage(fmt.Sprintf(`{"n": %d,  "amount":"2500000.00", "desa":"Pakatellu"}`, n)),
		Metadata: eventstore.Metadata{CorrelationID: "corr-1", Actor: "operator", Source: "test", RuleBook: "2024.1", Command: "Enroll"},
	}
}

// Events builds count events.
func Events(eventType string, count int) []eventstore.EventData {
	events := make([]eventstore.EventData, count)
	for i := range events {
		events[i] = Event(eventType, i)
	}
	return events
}

func mustAppend(ctx context.Context, t *testing.T, store eventstore.Store, streamID string, expected eventstore.ExpectedVersion, events []eventstore.EventData) eventstore.AppendResult {
	t.Helper()
	result, err := store.Append(ctx, streamID, expected, events)
	if err != nil {
		t.Fatalf("append %d events to %s (%s): %v", len(events), streamID, expected, err)
	}
	return result
}

func readStream(ctx context.Context, t *testing.T, store eventstore.Store, streamID string) []eventstore.RecordedEvent {
	t.Helper()
	events, err := store.ReadStream(ctx, streamID, 1, eventstore.MaxReadLimit)
	if err != nil {
		t.Fatalf("read stream %s: %v", streamID, err)
	}
	return events
}

func head(ctx context.Context, t *testing.T, store eventstore.Store) int64 {
	t.Helper()
	position, err := store.Head(ctx)
	if err != nil {
		t.Fatalf("head: %v", err)
	}
	return position
}

func wantConflict(t *testing.T, err error, actual int64) {
	t.Helper()
	if !errors.Is(err, eventstore.ErrConcurrencyConflict) {
		t.Fatalf("got error %v, want a concurrency conflict", err)
	}
	var conflict *eventstore.ConflictError
	if !errors.As(err, &conflict) {
		t.Fatalf("conflict %v is not a *ConflictError", err)
	}
	if conflict.Actual != actual {
		t.Errorf("conflict says the stream is at version %d, want %d", conflict.Actual, actual)
	}
}

func testAppendNoStream(ctx context.Context, t *testing.T, store eventstore.Store) {
	events := Events("ParticipantRegistered", 3)
	result := mustAppend(ctx, t, store, "participant-1", eventstore.NoStream(), events)
	if result.Duplicate || result.NextExpectedVersion != 3 || len(result.Events) != 3 {
		t.Fatalf("got duplicate=%v next=%d events=%d, want false, 3, 3", result.Duplicate, result.NextExpectedVersion, len(result.Events))
	}
	for i, recorded := range result.Events {
		sent := events[i]
		if recorded.Version != int64(i+1) || recorded.StreamID != "participant-1" || recorded.EventID != sent.EventID {
			t.Errorf("event %d: got stream %s version %d id %s", i, recorded.StreamID, recorded.Version, recorded.EventID)
		}
		if recorded.Position < 1 || (i > 0 && recorded.Position <= result.Events[i-1].Position) {
			t.Errorf("event %d: position %d does not follow %v", i, recorded.Position, result.Events[:i])
		}
		if recorded.RecordedAt.IsZero() || len(recorded.GlobalHash) != eventstore.HashSize {
			t.Errorf("event %d: recorded at %v, global hash %x", i, recorded.RecordedAt, recorded.GlobalHash)
		}
	}
	stored := readStream(ctx, t, store, "participant-1")
	if len(stored) != 3 {
		t.Fatalf("read back %d events, want 3", len(stored))
	}
	for i, recorded := range stored {
		sent := events[i]
		if !bytes.Equal(recorded.Data, sent.Data) {
			t.Errorf("event %d: data %s, want the same bytes %s", i, recorded.Data, sent.Data)
		}
		if recorded.Metadata != sent.Metadata || recorded.Type != sent.Type || recorded.SchemaVersion != sent.SchemaVersion {
			t.Errorf("event %d: got %+v %s %d", i, recorded.Metadata, recorded.Type, recorded.SchemaVersion)
		}
		if !recorded.OccurredAt.Equal(eventstore.CanonicalTime(sent.OccurredAt)) || !recorded.RecordedAt.Equal(result.Events[i].RecordedAt) {
			t.Errorf("event %d: occurred %v recorded %v", i, recorded.OccurredAt, recorded.RecordedAt)
		}
		if recorded.Position != result.Events[i].Position || !bytes.Equal(recorded.Hash, result.Events[i].Hash) {
			t.Errorf("event %d: read position %d hash %x, appended %d %x", i, recorded.Position, recorded.Hash, result.Events[i].Position, result.Events[i].Hash)
		}
	}
	if got := head(ctx, t, store); got != result.Events[2].Position {
		t.Errorf("head %d, want %d", got, result.Events[2].Position)
	}
}

func testExactVersion(ctx context.Context, t *testing.T, store eventstore.Store) {
	mustAppend(ctx, t, store, "claim-1", eventstore.NoStream(), Events("ClaimFiled", 1))
	result := mustAppend(ctx, t, store, "claim-1", eventstore.Exact(1), Events("ClaimApproved", 2))
	if result.NextExpectedVersion != 3 || result.Events[0].Version != 2 {
		t.Fatalf("got next %d first version %d, want 3 and 2", result.NextExpectedVersion, result.Events[0].Version)
	}
	_, err := store.Append(ctx, "claim-1", eventstore.Exact(1), Events("ClaimRejected", 1))
	wantConflict(t, err, 3)
	mustAppend(ctx, t, store, "claim-1", eventstore.Exact(3), Events("PayoutRecorded", 1))
	mustAppend(ctx, t, store, "claim-1", eventstore.Any(), Events("PayoutRecorded", 1))
	if got := len(readStream(ctx, t, store, "claim-1")); got != 5 {
		t.Errorf("stream has %d events, want 5", got)
	}
}

func testNoStreamOnExisting(ctx context.Context, t *testing.T, store eventstore.Store) {
	mustAppend(ctx, t, store, "payer-1", eventstore.NoStream(), Events("PayerRegistered", 1))
	_, err := store.Append(ctx, "payer-1", eventstore.NoStream(), Events("PayerRegistered", 1))
	wantConflict(t, err, 1)
	_, err = store.Append(ctx, "payer-1", eventstore.Exact(0), Events("PayerRegistered", 1))
	wantConflict(t, err, 1)
}

func testExactOnMissing(ctx context.Context, t *testing.T, store eventstore.Store) {
	_, err := store.Append(ctx, "claim-missing", eventstore.Exact(3), Events("ClaimApproved", 1))
	wantConflict(t, err, 0)
	if got := readStream(ctx, t, store, "claim-missing"); len(got) != 0 {
		t.Errorf("refused append left %d events", len(got))
	}
	mustAppend(ctx, t, store, "claim-missing", eventstore.NoStream(), Events("ClaimFiled", 1))
}

func testInvalidAppends(ctx context.Context, t *testing.T, store eventstore.Store) {
	repeated := Events("X", 2)
	repeated[1].EventID = repeated[0].EventID
	noID, noType, badJSON, noSchema := Event("X", 1), Event("", 1), Event("X", 1), Event("X", 1)
	noID.EventID, badJSON.Data, noSchema.SchemaVersion = uuid.Nil, json.RawMessage(`{"amount": 2500000.`), 0
	badUTF8 := Event("X", 1)
	badUTF8.Data = json.RawMessage("{\"name\":\"\xff\"}")
	cases := []struct {
		name     string
		streamID string
		expected eventstore.ExpectedVersion
		events   []eventstore.EventData
	}{
		{"zero-value expected version", "s-1", eventstore.ExpectedVersion{}, Events("X", 1)},
		{"empty stream id", "", eventstore.NoStream(), Events("X", 1)},
		{"no events", "s-1", eventstore.NoStream(), nil},
		{"too many events", "s-1", eventstore.NoStream(), Events("X", eventstore.MaxEventsPerAppend+1)},
		{"repeated event id", "s-1", eventstore.NoStream(), repeated},
		{"nil event id", "s-1", eventstore.NoStream(), []eventstore.EventData{noID}},
		{"empty type", "s-1", eventstore.NoStream(), []eventstore.EventData{noType}},
		{"invalid JSON", "s-1", eventstore.NoStream(), []eventstore.EventData{badJSON}},
		{"schema version 0", "s-1", eventstore.NoStream(), []eventstore.EventData{noSchema}},
		{"invalid UTF-8 in data", "s-1", eventstore.NoStream(), []eventstore.EventData{badUTF8}},
		{"NUL in stream id", "s-\x00", eventstore.NoStream(), Events("X", 1)},
	}
	for _, c := range cases {
		if _, err := store.Append(ctx, c.streamID, c.expected, c.events); !errors.Is(err, eventstore.ErrInvalidAppend) {
			t.Errorf("%s: got %v, want ErrInvalidAppend", c.name, err)
		}
	}
	if got := head(ctx, t, store); got != 0 {
		t.Errorf("refused appends moved the head to %d", got)
	}
	for _, limit := range []int{0, -1, eventstore.MaxReadLimit + 1} {
		if _, err := store.ReadAll(ctx, 0, limit); err == nil {
			t.Errorf("ReadAll with limit %d: no error", limit)
		}
		if _, err := store.ReadStream(ctx, "s-1", 1, limit); err == nil {
			t.Errorf("ReadStream with limit %d: no error", limit)
		}
	}
}

func testConflictStoresNothing(ctx context.Context, t *testing.T, store eventstore.Store) {
	mustAppend(ctx, t, store, "participant-2", eventstore.NoStream(), Events("ParticipantRegistered", 2))
	before := head(ctx, t, store)
	refused := Events("WageChanged", 3)
	_, err := store.Append(ctx, "participant-2", eventstore.Exact(1), refused)
	wantConflict(t, err, 2)
	if got := readStream(ctx, t, store, "participant-2"); len(got) != 2 {
		t.Fatalf("stream has %d events after a conflict, want 2", len(got))
	}
	if got := head(ctx, t, store); got != before {
		t.Errorf("head moved from %d to %d on a conflict", before, got)
	}
	// The refused ids were not stored: the same events append as new.
	result := mustAppend(ctx, t, store, "participant-2", eventstore.Exact(2), refused)
	if result.Duplicate || result.NextExpectedVersion != 5 {
		t.Errorf("re-decided append: duplicate=%v next=%d, want false and 5", result.Duplicate, result.NextExpectedVersion)
	}
}

func testIdempotentRetry(ctx context.Context, t *testing.T, store eventstore.Store) {
	events := Events("ContributionPaid", 3)
	first := mustAppend(ctx, t, store, "payer-2", eventstore.NoStream(), events)
	mustAppend(ctx, t, store, "payer-3", eventstore.NoStream(), Events("PayerRegistered", 1))
	before := head(ctx, t, store)
	for _, expected := range []eventstore.ExpectedVersion{eventstore.NoStream(), eventstore.Exact(3), eventstore.Any()} {
		retry := mustAppend(ctx, t, store, "payer-2", expected, events)
		if !retry.Duplicate || retry.NextExpectedVersion != first.NextExpectedVersion || len(retry.Events) != len(first.Events) {
			t.Fatalf("retry with %s: duplicate=%v next=%d events=%d, want true, %d, %d", expected, retry.Duplicate,
				retry.NextExpectedVersion, len(retry.Events), first.NextExpectedVersion, len(first.Events))
		}
		for i := range first.Events {
			got, want := retry.Events[i], first.Events[i]
			if got.Position != want.Position || got.Version != want.Version || !bytes.Equal(got.Hash, want.Hash) || !bytes.Equal(got.GlobalHash, want.GlobalHash) {
				t.Errorf("retry event %d: got position %d version %d, want %d %d (same hashes)", i, got.Position, got.Version, want.Position, want.Version)
			}
		}
	}
	if got := head(ctx, t, store); got != before {
		t.Errorf("retries moved the head from %d to %d", before, got)
	}
	if got := len(readStream(ctx, t, store, "payer-2")); got != 3 {
		t.Errorf("stream has %d events after retries, want 3", got)
	}
}

func testMixedEventIDs(ctx context.Context, t *testing.T, store eventstore.Store) {
	events := Events("ClaimFiled", 2)
	mustAppend(ctx, t, store, "claim-2", eventstore.NoStream(), events)
	before := head(ctx, t, store)
	mixed := []eventstore.EventData{events[1], Event("ClaimApproved", 9)}
	if _, err := store.Append(ctx, "claim-2", eventstore.Exact(2), mixed); !errors.Is(err, eventstore.ErrEventIDReused) {
		t.Fatalf("got %v, want ErrEventIDReused", err)
	}
	elsewhere := []eventstore.EventData{Event("ClaimFiled", 1), events[0]}
	if _, err := store.Append(ctx, "claim-3", eventstore.NoStream(), elsewhere); !errors.Is(err, eventstore.ErrEventIDReused) {
		t.Fatalf("reuse in another stream: got %v, want ErrEventIDReused", err)
	}
	if got := head(ctx, t, store); got != before {
		t.Errorf("refused appends moved the head from %d to %d", before, got)
	}
	if got := len(readStream(ctx, t, store, "claim-2")) + len(readStream(ctx, t, store, "claim-3")); got != 2 {
		t.Errorf("streams hold %d events, want 2", got)
	}
}

func testReadStream(ctx context.Context, t *testing.T, store eventstore.Store) {
	mustAppend(ctx, t, store, "participant-3", eventstore.NoStream(), Events("A", 2))
	mustAppend(ctx, t, store, "participant-4", eventstore.NoStream(), Events("B", 1))
	mustAppend(ctx, t, store, "participant-3", eventstore.Exact(2), Events("C", 3))
	versions := func(from int64, limit int) []int64 {
		events, err := store.ReadStream(ctx, "participant-3", from, limit)
		if err != nil {
			t.Fatalf("read from %d limit %d: %v", from, limit, err)
		}
		var out []int64
		for _, event := range events {
			if event.StreamID != "participant-3" {
				t.Errorf("read event of stream %s", event.StreamID)
			}
			out = append(out, event.Version)
		}
		return out
	}
	for _, c := range []struct {
		from  int64
		limit int
		want  string
	}{{1, 100, "[1 2 3 4 5]"}, {0, 100, "[1 2 3 4 5]"}, {3, 100, "[3 4 5]"}, {3, 2, "[3 4]"}, {5, 1, "[5]"}, {6, 10, "[]"}} {
		if got := fmt.Sprint(versions(c.from, c.limit)); got != c.want {
			t.Errorf("from %d limit %d: got %s, want %s", c.from, c.limit, got, c.want)
		}
	}
	if got := readStream(ctx, t, store, "participant-none"); len(got) != 0 {
		t.Errorf("missing stream: got %d events", len(got))
	}
}

func testReadAll(ctx context.Context, t *testing.T, store eventstore.Store) {
	var appended []eventstore.RecordedEvent
	versions := map[string]int64{}
	for round := range 3 {
		for _, stream := range []string{"stream-a", "stream-b", "stream-c"} {
			result := mustAppend(ctx, t, store, stream, eventstore.Exact(versions[stream]), Events("E", round+1))
			versions[stream] = result.NextExpectedVersion
			appended = append(appended, result.Events...)
		}
	}
	var read []eventstore.RecordedEvent
	after := int64(0)
	for page := 0; page <= len(appended); page++ {
		events, err := store.ReadAll(ctx, after, 4)
		if err != nil {
			t.Fatalf("read all after %d: %v", after, err)
		}
		if len(events) == 0 {
			break
		}
		if len(events) > 4 {
			t.Fatalf("page of %d events, limit 4", len(events))
		}
		read = append(read, events...)
		after = events[len(events)-1].Position
	}
	if len(read) != len(appended) {
		t.Fatalf("read %d events, appended %d", len(read), len(appended))
	}
	for i, event := range read {
		if event.Position != int64(i+1) {
			t.Errorf("event %d has position %d: positions must run 1, 2, 3 …", i, event.Position)
		}
		if event.EventID != appended[i].EventID {
			t.Errorf("position %d: got event %s, want %s (append order)", event.Position, event.EventID, appended[i].EventID)
		}
	}
	if got := head(ctx, t, store); got != int64(len(appended)) {
		t.Errorf("head %d, want %d", got, len(appended))
	}
	if rest, err := store.ReadAll(ctx, int64(len(appended)), 10); err != nil || len(rest) != 0 {
		t.Errorf("read after head: %d events, %v", len(rest), err)
	}
}

func testHashesChain(ctx context.Context, t *testing.T, store eventstore.Store) {
	mustAppend(ctx, t, store, "claim-4", eventstore.NoStream(), Events("ClaimFiled", 2))
	mustAppend(ctx, t, store, "claim-5", eventstore.NoStream(), Events("ClaimFiled", 1))
	mustAppend(ctx, t, store, "claim-4", eventstore.Exact(2), Events("ClaimApproved", 2))
	previous := eventstore.ZeroHash()
	for _, event := range readStream(ctx, t, store, "claim-4") {
		if !bytes.Equal(event.PreviousHash, previous) {
			t.Errorf("version %d: previous hash %x, want %x", event.Version, event.PreviousHash, previous)
		}
		if want := eventstore.EventHash(previous, event); !bytes.Equal(event.Hash, want) {
			t.Errorf("version %d: hash %x, recomputed %x", event.Version, event.Hash, want)
		}
		previous = event.Hash
	}
	all, err := store.ReadAll(ctx, 0, eventstore.MaxReadLimit)
	if err != nil {
		t.Fatal(err)
	}
	global := eventstore.ZeroHash()
	for _, event := range all {
		if want := eventstore.GlobalChainHash(global, event.Position, event.Hash); !bytes.Equal(event.GlobalHash, want) {
			t.Errorf("position %d: global hash %x, recomputed %x", event.Position, event.GlobalHash, want)
		}
		global = event.GlobalHash
	}
}

func testVerify(ctx context.Context, t *testing.T, store eventstore.Store) {
	versions := map[string]int64{}
	for i := range 5 {
		stream := fmt.Sprintf("participant-v%d", i%2)
		versions[stream] = mustAppend(ctx, t, store, stream, eventstore.Exact(versions[stream]), Events("E", 2)).NextExpectedVersion
	}
	report, err := VerifyStore(ctx, store)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if report.FirstBroken != nil || report.Events != 10 || report.Streams != 2 || report.Unsealed != 0 {
		t.Errorf("got %+v (broken: %v), want 10 events in 2 streams, intact", report, report.FirstBroken)
	}
}

// VerifyStore verifies with the store's own Verify, or eventstore.Verify.
func VerifyStore(ctx context.Context, store eventstore.Store) (eventstore.Report, error) {
	if verifier, ok := store.(Verifier); ok {
		return verifier.Verify(ctx, nil)
	}
	return eventstore.Verify(ctx, store, nil)
}

func testRacingExact(ctx context.Context, t *testing.T, store eventstore.Store) {
	version := mustAppend(ctx, t, store, "claim-race", eventstore.NoStream(), Events("ClaimFiled", 1)).NextExpectedVersion
	// Several rounds: the first may find a store still warming up (opening
	// connections) and serialise the racers by accident; later rounds race.
	for round := range raceRounds {
		errs := make([]error, racers)
		var wait sync.WaitGroup
		start := make(chan struct{})
		for racer := range racers {
			wait.Go(func() {
				<-start
				_, errs[racer] = store.Append(ctx, "claim-race", eventstore.Exact(version), Events("ClaimApproved", 2))
			})
		}
		close(start)
		wait.Wait()
		wins := 0
		for racer, err := range errs {
			switch {
			case err == nil:
				wins++
			case errors.Is(err, eventstore.ErrConcurrencyConflict):
			default:
				t.Errorf("round %d racer %d: got %v, want success or a conflict", round, racer, err)
			}
		}
		if wins != 1 {
			t.Errorf("round %d: %d racers won, want exactly 1", round, wins)
		}
		version += 2
	}
	if got := len(readStream(ctx, t, store, "claim-race")); got != int(version) {
		t.Errorf("stream has %d events, want %d (the first and each round's winner's 2)", got, version)
	}
	if report, err := VerifyStore(ctx, store); err != nil || report.FirstBroken != nil {
		t.Errorf("verify after the race: %v, %v", report.FirstBroken, err)
	}
}

// testRacingAny: appends with Any never conflict; racing, they queue on the
// stream and every one lands, chained in order.
func testRacingAny(ctx context.Context, t *testing.T, store eventstore.Store) {
	total := int64(0)
	for round := range raceRounds {
		errs := make([]error, racers)
		var wait sync.WaitGroup
		start := make(chan struct{})
		for racer := range racers {
			wait.Go(func() {
				<-start
				_, errs[racer] = store.Append(ctx, "payer-any", eventstore.Any(), Events("PaymentRecorded", 2))
			})
		}
		close(start)
		wait.Wait()
		for racer, err := range errs {
			if err != nil {
				t.Errorf("round %d racer %d: %v", round, racer, err)
				continue
			}
			total += 2
		}
	}
	if got := len(readStream(ctx, t, store, "payer-any")); int64(got) != total {
		t.Errorf("stream has %d events, want %d", got, total)
	}
	if report, err := VerifyStore(ctx, store); err != nil || report.FirstBroken != nil {
		t.Errorf("verify after the race: %v, %v", report.FirstBroken, err)
	}
}

// testConcurrentRetries sends one append many times at once (a client
// retrying a command): one stores, every other returns the same records.
func testConcurrentRetries(ctx context.Context, t *testing.T, store eventstore.Store) {
	events := Events("PaymentRecorded", 3)
	for _, c := range []struct {
		streamID string
		expected eventstore.ExpectedVersion
	}{{"payer-retry-new", eventstore.NoStream()}, {"payer-retry-any", eventstore.Any()}} {
		if c.expected.IsAny() {
			mustAppend(ctx, t, store, c.streamID, eventstore.NoStream(), Events("PayerRegistered", 1))
			events = Events("PaymentRecorded", 3)
		}
		results := make([]eventstore.AppendResult, racers)
		errs := make([]error, racers)
		var wait sync.WaitGroup
		for racer := range racers {
			wait.Go(func() { results[racer], errs[racer] = store.Append(ctx, c.streamID, c.expected, events) })
		}
		wait.Wait()
		stored := 0
		for racer, err := range errs {
			if err != nil {
				t.Fatalf("%s: racer %d: %v", c.streamID, racer, err)
			}
			if !results[racer].Duplicate {
				stored++
			}
			for i, event := range results[racer].Events {
				if event.EventID != events[i].EventID || event.Position != results[0].Events[i].Position || event.Position == 0 {
					t.Errorf("%s: racer %d event %d: id %s position %d, want %s at %d", c.streamID, racer, i, event.EventID,
						event.Position, events[i].EventID, results[0].Events[i].Position)
				}
			}
		}
		if stored != 1 {
			t.Errorf("%s: %d racers stored the events, want exactly 1", c.streamID, stored)
		}
	}
	if got := len(readStream(ctx, t, store, "payer-retry-new")) + len(readStream(ctx, t, store, "payer-retry-any")); got != 7 {
		t.Errorf("streams hold %d events, want 7", got)
	}
}

// ConcurrentWritersAndReader proves the log's reading contract: while
// writers append concurrently (and commit out of order), a reader following
// ReadAll sees every event exactly once, at positions 1, 2, 3 … without a gap.
// Writer w appends through stores[w % len(stores)], so several stores (each
// with its own connections) can write one log at once; the reader follows
// the first.
func ConcurrentWritersAndReader(ctx context.Context, t *testing.T, features Features, stores ...eventstore.Store) {
	store := stores[0]
	if features.ConcurrentWriters < 1 || features.ConcurrentEvents < features.ConcurrentWriters {
		t.Fatalf("features %+v: need at least one event per writer", features)
	}
	readerContext, stopReader := context.WithCancel(ctx)
	defer stopReader()
	read := make(chan []eventstore.RecordedEvent, 1)
	go func() { read <- follow(readerContext, t, store, features.ConcurrentEvents) }()
	started := time.Now()
	appended := make([][]eventstore.RecordedEvent, features.ConcurrentWriters)
	appends := make([]int, features.ConcurrentWriters)
	var writers sync.WaitGroup
	for writer := range features.ConcurrentWriters {
		share := features.ConcurrentEvents / features.ConcurrentWriters
		if writer < features.ConcurrentEvents%features.ConcurrentWriters {
			share++
		}
		writers.Go(func() { appended[writer], appends[writer] = write(ctx, t, stores[writer%len(stores)], writer, share) })
	}
	writers.Wait()
	written := time.Since(started)
	if t.Failed() {
		stopReader()
	}
	seen := <-read
	followed := time.Since(started)
	calls := 0
	for _, count := range appends {
		calls += count
	}
	t.Logf("%d writers appended %d events in %d appends in %s (%d events/s, %d appends/s); the reader was done after %s",
		features.ConcurrentWriters, features.ConcurrentEvents, calls, written.Round(time.Millisecond),
		int64(features.ConcurrentEvents)*int64(time.Second)/max(int64(written), 1), int64(calls)*int64(time.Second)/max(int64(written), 1),
		followed.Round(time.Millisecond))
	checkSeenOnce(t, appended, seen, features.ConcurrentEvents)
}

// write appends count events on four streams of its own, in appends of 1 to
// maxEventsPerWriterAppend events, and returns what it stored and how many appends it made.
func write(ctx context.Context, t *testing.T, store eventstore.Store, writer, count int) ([]eventstore.RecordedEvent, int) {
	const streams = 4
	var stored []eventstore.RecordedEvent
	versions := make([]int64, streams)
	calls := 0
	for len(stored) < count {
		size := min(1+calls%maxEventsPerWriterAppend, count-len(stored))
		stream := calls % streams
		result, err := store.Append(ctx, fmt.Sprintf("writer-%d-stream-%d", writer, stream), eventstore.Exact(versions[stream]), Events("E", size))
		if err != nil {
			t.Errorf("writer %d: append %d: %v", writer, calls, err)
			return stored, calls
		}
		versions[stream] = result.NextExpectedVersion
		stored = append(stored, result.Events...)
		calls++
	}
	return stored, calls
}

// follow reads the log from the start until it has seen total events or ctx
// ends, checking that each position follows the previous one.
func follow(ctx context.Context, t *testing.T, store eventstore.Store, total int) []eventstore.RecordedEvent {
	var seen []eventstore.RecordedEvent
	after := int64(0)
	for len(seen) < total && ctx.Err() == nil {
		events, err := store.ReadAll(ctx, after, readerPage)
		if err != nil {
			if ctx.Err() == nil {
				t.Errorf("reader: read after %d: %v", after, err)
			}
			return seen
		}
		for _, event := range events {
			if event.Position != after+1 {
				t.Errorf("reader: position %d follows %d: a gap or a repeat", event.Position, after)
				return seen
			}
			after = event.Position
			seen = append(seen, event)
		}
		if len(events) == 0 {
			time.Sleep(readerIdle)
		}
	}
	return seen
}

func checkSeenOnce(t *testing.T, appended [][]eventstore.RecordedEvent, seen []eventstore.RecordedEvent, total int) {
	t.Helper()
	if len(seen) != total {
		t.Errorf("reader saw %d events, want %d", len(seen), total)
	}
	positionByID := make(map[uuid.UUID]int64, len(seen))
	for _, event := range seen {
		if _, twice := positionByID[event.EventID]; twice {
			t.Errorf("reader saw event %s twice", event.EventID)
		}
		positionByID[event.EventID] = event.Position
	}
	for writer, events := range appended {
		for _, event := range events {
			position, ok := positionByID[event.EventID]
			if !ok {
				t.Errorf("writer %d: event %s (position %d) never reached the reader", writer, event.EventID, event.Position)
				continue
			}
			if position != event.Position {
				t.Errorf("writer %d: event %s appended at position %d, read at %d", writer, event.EventID, event.Position, position)
			}
		}
	}
}

// testConflictAmongConcurrent: appends made at the same moment, one of them
// behind a stale version: that one conflicts, every other one is stored
// (a store that writes concurrent appends together must answer each alone).
func testConflictAmongConcurrent(ctx context.Context, t *testing.T, store eventstore.Store) {
	mustAppend(ctx, t, store, "claim-stale", eventstore.NoStream(), Events("ClaimFiled", 2))
	const stale = racers / 2
	errs := make([]error, racers)
	results := make([]eventstore.AppendResult, racers)
	var wait sync.WaitGroup
	start := make(chan struct{})
	for racer := range racers {
		wait.Go(func() {
			<-start
			if racer == stale {
				_, errs[racer] = store.Append(ctx, "claim-stale", eventstore.Exact(1), Events("ClaimApproved", 1))
				return
			}
			results[racer], errs[racer] = store.Append(ctx, fmt.Sprintf("claim-fresh-%d", racer), eventstore.NoStream(), Events("ClaimFiled", 1+racer%3))
		})
	}
	close(start)
	wait.Wait()
	for racer, err := range errs {
		if racer == stale {
			wantConflict(t, err, 2)
			continue
		}
		if err != nil {
			t.Errorf("racer %d: %v; one stale append must not fail the others", racer, err)
			continue
		}
		if stored := readStream(ctx, t, store, fmt.Sprintf("claim-fresh-%d", racer)); len(stored) != 1+racer%3 || results[racer].Events[0].Position == 0 {
			t.Errorf("racer %d: %d events stored, first at position %d", racer, len(stored), results[racer].Events[0].Position)
		}
	}
	if got := len(readStream(ctx, t, store, "claim-stale")); got != 2 {
		t.Errorf("the stale append stored something: the stream has %d events, want 2", got)
	}
	if report, err := VerifyStore(ctx, store); err != nil || report.FirstBroken != nil {
		t.Errorf("verify: %v, %v", report.FirstBroken, err)
	}
}

func mustAppendMany(ctx context.Context, t *testing.T, store eventstore.Store, appends []eventstore.StreamAppend) []eventstore.AppendResult {
	t.Helper()
	results, err := store.AppendMany(ctx, appends)
	if err != nil {
		t.Fatalf("append many to %s: %v", eventstore.StreamsOf(appends), err)
	}
	if len(results) != len(appends) {
		t.Fatalf("append many to %d streams: %d results", len(appends), len(results))
	}
	return results
}

// testAppendMany: one command's events on several streams, each behind its
// own expected version, land together, each stream chained on its own.
func testAppendMany(ctx context.Context, t *testing.T, store eventstore.Store) {
	mustAppend(ctx, t, store, "participant-m", eventstore.NoStream(), Events("ParticipantRegistered", 2))
	filed := []eventstore.StreamAppend{
		{StreamID: "participant-m", Expected: eventstore.Exact(2), Events: Events("ClaimLodged", 1)},
		{StreamID: "claim-m", Expected: eventstore.NoStream(), Events: Events("ClaimFiled", 2)},
	}
	results := mustAppendMany(ctx, t, store, filed)
	if results[0].Duplicate || results[0].NextExpectedVersion != 3 || results[1].NextExpectedVersion != 2 {
		t.Fatalf("got next versions %d and %d (duplicate %v), want 3 and 2", results[0].NextExpectedVersion, results[1].NextExpectedVersion, results[0].Duplicate)
	}
	positions := map[int64]bool{}
	for i, result := range results {
		for j, event := range result.Events {
			if event.StreamID != filed[i].StreamID || event.EventID != filed[i].Events[j].EventID || event.Position == 0 {
				t.Errorf("stream %d event %d: %s %s at position %d", i, j, event.StreamID, event.EventID, event.Position)
			}
			positions[event.Position] = true
		}
	}
	for position := int64(3); position <= 5; position++ {
		if !positions[position] {
			t.Errorf("position %d missing: the three events must follow the first two (got %v)", position, positions)
		}
	}
	if got := readStream(ctx, t, store, "participant-m"); len(got) != 3 || got[2].EventID != filed[0].Events[0].EventID {
		t.Errorf("participant-m holds %d events", len(got))
	}
	if report, err := VerifyStore(ctx, store); err != nil || report.FirstBroken != nil || report.Events != 5 {
		t.Errorf("verify: %+v, %v", report, err)
	}
}

// testAppendManyConflict: a stale version on the second stream is that
// stream's conflict. An atomic store stores nothing of the call; a
// sequential one has stored the first stream, and the same call with the
// second stream's version put right completes it.
func testAppendManyConflict(ctx context.Context, t *testing.T, store eventstore.Store, features Features) {
	mustAppend(ctx, t, store, "payer-c", eventstore.NoStream(), Events("PayerRegistered", 1))
	mustAppend(ctx, t, store, "claim-c", eventstore.NoStream(), Events("ClaimFiled", 2))
	before := head(ctx, t, store)
	appends := []eventstore.StreamAppend{
		{StreamID: "payer-c", Expected: eventstore.Exact(1), Events: Events("ContributionsAssessed", 2)},
		{StreamID: "claim-c", Expected: eventstore.Exact(1), Events: Events("ClaimApproved", 1)},
	}
	_, err := store.AppendMany(ctx, appends)
	wantConflict(t, err, 2)
	var conflict *eventstore.ConflictError
	if errors.As(err, &conflict) && conflict.StreamID != "claim-c" {
		t.Errorf("the conflict names stream %s, want claim-c", conflict.StreamID)
	}
	payer := readStream(ctx, t, store, "payer-c")
	if !features.SequentialAppendMany {
		if len(payer) != 1 || head(ctx, t, store) != before {
			t.Fatalf("an atomic AppendMany that conflicted stored %d events on payer-c (want 1) and moved the head", len(payer))
		}
		return
	}
	if len(payer) != 3 {
		t.Fatalf("sequential AppendMany: payer-c has %d events, want 3 (stored before the conflict)", len(payer))
	}
	appends[1].Expected = eventstore.Exact(2)
	results := mustAppendMany(ctx, t, store, appends)
	if !results[0].Duplicate || results[1].Duplicate || results[1].NextExpectedVersion != 3 {
		t.Errorf("completing call: duplicate %v, %v, next %d; want the first stream a duplicate and the second stored at 3",
			results[0].Duplicate, results[1].Duplicate, results[1].NextExpectedVersion)
	}
}

// testAppendManyRetryIsIdempotent: the same call again returns the stored
// records, whatever the versions say now; one id reused among new ones is refused.
func testAppendManyRetry(ctx context.Context, t *testing.T, store eventstore.Store) {
	appends := []eventstore.StreamAppend{
		{StreamID: "participant-r", Expected: eventstore.NoStream(), Events: Events("ParticipantRegistered", 1)},
		{StreamID: "claim-r", Expected: eventstore.NoStream(), Events: Events("ClaimFiled", 2)},
	}
	first := mustAppendMany(ctx, t, store, appends)
	before := head(ctx, t, store)
	retry := mustAppendMany(ctx, t, store, appends)
	for i := range appends {
		if !retry[i].Duplicate || len(retry[i].Events) != len(first[i].Events) {
			t.Fatalf("retry, stream %d: duplicate %v, %d events", i, retry[i].Duplicate, len(retry[i].Events))
		}
		for j := range first[i].Events {
			if retry[i].Events[j].Position != first[i].Events[j].Position || !bytes.Equal(retry[i].Events[j].Hash, first[i].Events[j].Hash) {
				t.Errorf("retry, stream %d event %d: position %d, want %d", i, j, retry[i].Events[j].Position, first[i].Events[j].Position)
			}
		}
	}
	reused := []eventstore.StreamAppend{
		{StreamID: "claim-r", Expected: eventstore.Exact(2), Events: []eventstore.EventData{appends[1].Events[0], Event("ClaimApproved", 1)}},
		{StreamID: "participant-r", Expected: eventstore.Exact(1), Events: Events("ClaimLodged", 1)},
	}
	if _, err := store.AppendMany(ctx, reused); !errors.Is(err, eventstore.ErrEventIDReused) {
		t.Errorf("a stored id among new ones: got %v, want ErrEventIDReused", err)
	}
	if got := head(ctx, t, store); got != before {
		t.Errorf("retries moved the head from %d to %d", before, got)
	}
}

func testInvalidAppendMany(ctx context.Context, t *testing.T, store eventstore.Store) {
	shared := Event("X", 1)
	cases := []struct {
		name    string
		appends []eventstore.StreamAppend
	}{
		{"no streams", nil},
		{"a stream twice", []eventstore.StreamAppend{
			{StreamID: "s-1", Expected: eventstore.NoStream(), Events: Events("X", 1)},
			{StreamID: "s-1", Expected: eventstore.Exact(1), Events: Events("X", 1)}}},
		{"one event id in two streams", []eventstore.StreamAppend{
			{StreamID: "s-1", Expected: eventstore.NoStream(), Events: []eventstore.EventData{shared}},
			{StreamID: "s-2", Expected: eventstore.NoStream(), Events: []eventstore.EventData{shared}}}},
		{"an invalid stream among valid ones", []eventstore.StreamAppend{
			{StreamID: "s-1", Expected: eventstore.NoStream(), Events: Events("X", 1)},
			{StreamID: "s-2", Expected: eventstore.ExpectedVersion{}, Events: Events("X", 1)}}},
		{"a stream without events", []eventstore.StreamAppend{
			{StreamID: "s-1", Expected: eventstore.NoStream(), Events: Events("X", 1)},
			{StreamID: "s-2", Expected: eventstore.NoStream()}}},
	}
	for _, c := range cases {
		if _, err := store.AppendMany(ctx, c.appends); !errors.Is(err, eventstore.ErrInvalidAppend) {
			t.Errorf("%s: got %v, want ErrInvalidAppend", c.name, err)
		}
	}
	if got := head(ctx, t, store); got != 0 {
		t.Errorf("refused appends moved the head to %d", got)
	}
}

// sizedEvent is a valid event of exactly size bytes by eventstore.EventSize.
func sizedEvent(t *testing.T, size int) eventstore.EventData {
	t.Helper()
	event := Event("ContributionsBilled", 0)
	event.Data = json.RawMessage(`{"pad":""}`)
	pad := size - eventstore.EventSize(event)
	if pad < 0 {
		t.Fatalf("an event of %d bytes is smaller than an empty one", size)
	}
	event.Data = json.RawMessage(`{"pad":"` + string(bytes.Repeat([]byte("x"), pad)) + `"}`)
	if got := eventstore.EventSize(event); got != size {
		t.Fatalf("sized event is %d bytes, want %d", got, size)
	}
	return event
}

// testEventSizeLimit: an event of eventstore.MaxEventSize is stored; one byte
// more is refused before anything is stored, by Append and by AppendMany,
// with an error naming the stream and the size.
func testEventSizeLimit(ctx context.Context, t *testing.T, store eventstore.Store) {
	mustAppend(ctx, t, store, "payer-size", eventstore.NoStream(), []eventstore.EventData{sizedEvent(t, eventstore.MaxEventSize)})
	head, err := store.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	over := sizedEvent(t, eventstore.MaxEventSize+1)
	_, err = store.Append(ctx, "payer-size", eventstore.Exact(1), []eventstore.EventData{Event("PaymentReceived", 1), over})
	var tooLarge *eventstore.EventTooLargeError
	if !errors.Is(err, eventstore.ErrEventTooLarge) || !errors.Is(err, eventstore.ErrInvalidAppend) || !errors.As(err, &tooLarge) {
		t.Fatalf("append of an event of %d bytes: got %v, want an EventTooLargeError", eventstore.MaxEventSize+1, err)
	}
	if tooLarge.StreamID != "payer-size" || tooLarge.Size != eventstore.MaxEventSize+1 || tooLarge.Index != 1 {
		t.Errorf("the refusal names stream %q, event %d, %d bytes; want payer-size, 1, %d", tooLarge.StreamID, tooLarge.Index, tooLarge.Size, eventstore.MaxEventSize+1)
	}
	_, err = store.AppendMany(ctx, []eventstore.StreamAppend{
		{StreamID: "participant-size", Expected: eventstore.NoStream(), Events: Events("ParticipantEnrolled", 1)},
		{StreamID: "payer-size", Expected: eventstore.Exact(1), Events: []eventstore.EventData{over}},
	})
	if !errors.Is(err, eventstore.ErrEventTooLarge) {
		t.Fatalf("append many with an event of %d bytes: got %v, want ErrEventTooLarge", eventstore.MaxEventSize+1, err)
	}
	if after, err := store.Head(ctx); err != nil || after != head {
		t.Errorf("head after the refusals: %d (%v), want %d: nothing may be stored", after, err, head)
	}
	if got := len(readStream(ctx, t, store, "payer-size")) + len(readStream(ctx, t, store, "participant-size")); got != 1 {
		t.Errorf("%d events stored, want the 1 of the right size", got)
	}
}
