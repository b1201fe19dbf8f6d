package esdbfake_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/tanahbumbu/jaminan/adapters/eventstore/eventstoredb/esdbfake"
)

// start runs a node and connects the official client to it.
func start(t *testing.T, config esdbfake.Config) (*esdbfake.Server, *esdb.Client) {
	t.Helper()
	server, err := esdbfake.Start(config)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(server.Close)
	settings, err := esdb.ParseConnectionString(server.URL())
	if err != nil {
		t.Fatal(err)
	}
	settings.Logger = func(esdb.LogLevel, string, ...any) {}
	client, err := esdb.NewClient(settings)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return server, client
}

func events(count, size int) []esdb.EventData {
	out := make([]esdb.EventData, count)
	for i := range out {
		out[i] = esdb.EventData{EventID: uuid.New(), EventType: "E", ContentType: esdb.ContentTypeJson,
			Data: []byte(`{"x":"` + strings.Repeat("a", max(size-8, 0)) + `"}`), Metadata: []byte(`{}`)}
	}
	return out
}

func appendTo(ctx context.Context, t *testing.T, client *esdb.Client, stream string, revision esdb.ExpectedRevision, data []esdb.EventData) *esdb.WriteResult {
	t.Helper()
	result, err := client.AppendToStream(ctx, stream, esdb.AppendToStreamOptions{ExpectedRevision: revision}, data...)
	if err != nil {
		t.Fatalf("append to %s: %v", stream, err)
	}
	return result
}

func readStream(ctx context.Context, t *testing.T, client *esdb.Client, stream string, options esdb.ReadStreamOptions, count uint64) ([]*esdb.RecordedEvent, error) {
	t.Helper()
	read, err := client.ReadStream(ctx, stream, options, count)
	if err != nil {
		return nil, err
	}
	defer read.Close()
	var out []*esdb.RecordedEvent
	for range count + 1 {
		event, err := read.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, event.Event)
	}
	t.Fatalf("read of %s sent more than %d events", stream, count)
	return nil, nil
}

func readAll(ctx context.Context, t *testing.T, client *esdb.Client, options esdb.ReadAllOptions, count uint64) []*esdb.RecordedEvent {
	t.Helper()
	read, err := client.ReadAll(ctx, options, count)
	if err != nil {
		t.Fatal(err)
	}
	defer read.Close()
	var out []*esdb.RecordedEvent
	for range count + 1 {
		event, err := read.Recv()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, event.Event)
	}
	t.Fatalf("read of $all sent more than %d events", count)
	return nil
}

func code(err error) esdb.ErrorCode {
	var withCode *esdb.Error
	if errors.As(err, &withCode) {
		return withCode.Code()
	}
	return -1
}

func TestAppendAndReadThroughTheClient(t *testing.T) {
	ctx := t.Context()
	_, client := start(t, esdbfake.Config{})
	written := events(3, 20)
	result := appendTo(ctx, t, client, "order-1", esdb.NoStream{}, written)
	if result.NextExpectedVersion != 2 || result.CommitPosition == 0 {
		t.Errorf("write result %+v, want revision 2 and a position", result)
	}
	read, err := readStream(ctx, t, client, "order-1", esdb.ReadStreamOptions{Direction: esdb.Forwards, From: esdb.Start{}}, 10)
	if err != nil || len(read) != 3 {
		t.Fatalf("read back: %d events, %v", len(read), err)
	}
	for i, event := range read {
		if event.EventID != written[i].EventID || event.EventNumber != uint64(i) || !bytes.Equal(event.Data, written[i].Data) ||
			event.EventType != "E" || event.ContentType != "application/json" || time.Since(event.CreatedDate) > time.Minute {
			t.Errorf("event %d: %+v", i, event)
		}
	}
	// One append is one transaction: one commit position, a prepare position
	// each, with gaps between them.
	if read[0].Position.Commit != read[2].Position.Commit || read[1].Position.Prepare <= read[0].Position.Prepare+1 {
		t.Errorf("positions %v %v %v", read[0].Position, read[1].Position, read[2].Position)
	}
	last, err := readStream(ctx, t, client, "order-1", esdb.ReadStreamOptions{Direction: esdb.Backwards, From: esdb.End{}}, 1)
	if err != nil || len(last) != 1 || last[0].EventNumber != 2 {
		t.Errorf("last event: %+v, %v", last, err)
	}
	if _, err := readStream(ctx, t, client, "order-2", esdb.ReadStreamOptions{From: esdb.Start{}}, 10); code(err) != esdb.ErrorCodeResourceNotFound {
		t.Errorf("missing stream: %v", err)
	}
}

func TestWrongExpectedVersionAndIdempotence(t *testing.T) {
	ctx := t.Context()
	server, client := start(t, esdbfake.Config{})
	first := events(2, 10)
	appendTo(ctx, t, client, "s", esdb.NoStream{}, first)
	before := server.Events()

	// The same ids at the same expected revision: success, nothing written.
	again := appendTo(ctx, t, client, "s", esdb.NoStream{}, first)
	if again.NextExpectedVersion != 1 || server.Events() != before {
		t.Errorf("idempotent retry: %+v, $all grew from %d to %d", again, before, server.Events())
	}
	cases := []struct {
		name     string
		revision esdb.ExpectedRevision
		data     []esdb.EventData
		want     string
	}{
		{"other events, no stream expected", esdb.NoStream{}, events(1, 10), "expecting 'no_stream' but got '1'"},
		{"other events, a past revision", esdb.Revision(0), events(1, 10), "expecting '0' but got '1'"},
		{"part of the ids", esdb.NoStream{}, []esdb.EventData{first[0], events(1, 10)[0]}, "but got '1'"},
		{"revision ahead of the stream", esdb.Revision(5), events(1, 10), "expecting '5' but got '1'"},
	}
	for _, c := range cases {
		_, err := client.AppendToStream(ctx, "s", esdb.AppendToStreamOptions{ExpectedRevision: c.revision}, c.data...)
		if code(err) != esdb.ErrorCodeWrongExpectedVersion || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want wrong expected version %q", c.name, err, c.want)
		}
	}
	if _, err := client.AppendToStream(ctx, "t", esdb.AppendToStreamOptions{ExpectedRevision: esdb.StreamExists{}}, events(1, 10)...); code(err) != esdb.ErrorCodeWrongExpectedVersion {
		t.Errorf("stream exists on a missing stream: %v", err)
	}
	if server.Events() != before {
		t.Errorf("refused appends grew $all from %d to %d", before, server.Events())
	}
	if counters := server.Counters(); counters.AppendsWithAny != 0 || counters.Appends != 7 {
		t.Errorf("counters %+v", counters)
	}
}

// TestMaximumAppendSize: 1 MiB as the server counts it (data, metadata,
// twice the type) passes; one byte more is refused and stores nothing.
func TestMaximumAppendSize(t *testing.T) {
	ctx := t.Context()
	server, client := start(t, esdbfake.Config{})
	// Two events: their data fills the MiB but for the metadata ("{}", 2
	// bytes each) and the types ("E", 2 bytes each).
	fits := events(2, 0)
	for i := range fits {
		fits[i].Data = bytes.Repeat([]byte("a"), esdbfake.DefaultMaxAppendSize/2-4)
	}
	appendTo(ctx, t, client, "big", esdb.NoStream{}, fits)
	before := server.Events()
	over := events(2, 0)
	for i := range over {
		over[i].Data = bytes.Repeat([]byte("a"), esdbfake.DefaultMaxAppendSize/2-4)
	}
	over[1].Data = append(over[1].Data, 'a')
	_, err := client.AppendToStream(ctx, "big", esdb.AppendToStreamOptions{ExpectedRevision: esdb.Revision(1)}, over...)
	if err == nil || server.Events() != before {
		t.Fatalf("one byte over: got %v, $all grew from %d to %d", err, before, server.Events())
	}
	// What the client makes of the refusal depends on whether it was still
	// sending: the server's status, or the end of the stream.
	if !strings.Contains(err.Error(), "Maximum Append Size of 1048576 Exceeded") && !strings.Contains(err.Error(), "EOF") {
		t.Errorf("one byte over: %v", err)
	}
	t.Logf("the client reports: %v", err)
}

func TestTombstonedStream(t *testing.T) {
	ctx := t.Context()
	_, client := start(t, esdbfake.Config{})
	appendTo(ctx, t, client, "gone", esdb.NoStream{}, events(1, 10))
	if _, err := client.TombstoneStream(ctx, "gone", esdb.TombstoneStreamOptions{ExpectedRevision: esdb.Revision(0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := readStream(ctx, t, client, "gone", esdb.ReadStreamOptions{From: esdb.Start{}}, 10); code(err) != esdb.ErrorCodeStreamDeleted {
		t.Errorf("read: %v", err)
	}
	if _, err := client.AppendToStream(ctx, "gone", esdb.AppendToStreamOptions{ExpectedRevision: esdb.Revision(0)}, events(1, 10)...); code(err) != esdb.ErrorCodeStreamDeleted {
		t.Errorf("append: %v", err)
	}
}

func TestAllHoldsSystemEventsAndReadsFromAPositionInclusive(t *testing.T) {
	ctx := t.Context()
	_, client := start(t, esdbfake.Config{StatsEvery: 1, ForeignEvery: 2})
	for i := range 4 {
		appendTo(ctx, t, client, "order-"+string(rune('a'+i)), esdb.NoStream{}, events(2, 10))
	}
	all := readAll(ctx, t, client, esdb.ReadAllOptions{From: esdb.Start{}}, 100)
	system, foreign, ours := 0, 0, 0
	for i, event := range all {
		switch {
		case strings.HasPrefix(event.StreamID, "$"):
			system++
		case event.StreamID == "orders-1":
			foreign++
		default:
			ours++
		}
		if i > 0 && (event.Position.Commit < all[i-1].Position.Commit ||
			event.Position.Commit == all[i-1].Position.Commit && event.Position.Prepare <= all[i-1].Position.Prepare) {
			t.Errorf("$all out of order at %d: %v after %v", i, event.Position, all[i-1].Position)
		}
	}
	if ours != 8 || foreign != 2 || system != 2+4 {
		t.Errorf("$all holds %d of ours, %d foreign, %d system events: %d in all", ours, foreign, system, len(all))
	}
	from := all[5].Position
	page := readAll(ctx, t, client, esdb.ReadAllOptions{From: from}, 3)
	if len(page) != 3 || page[0].EventID != all[5].EventID {
		t.Errorf("read from %v starts with %v, want the event at it", from, page[0].Position)
	}
	last := readAll(ctx, t, client, esdb.ReadAllOptions{Direction: esdb.Backwards, From: esdb.End{}}, 1)
	if len(last) != 1 || last[0].EventID != all[len(all)-1].EventID {
		t.Errorf("backwards from the end: %+v", last)
	}
}

// TestFilteredSubscription: matching events only, after the position it
// starts from, checkpoints for the rest, CaughtUp, then live events.
func TestFilteredSubscription(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	_, client := start(t, esdbfake.Config{StatsEvery: 1, ForeignEvery: 1})
	for i := range 3 {
		appendTo(ctx, t, client, "claim-"+string(rune('a'+i)), esdb.NoStream{}, events(1, 10))
	}
	all := readAll(ctx, t, client, esdb.ReadAllOptions{From: esdb.Start{}}, 100)
	var firstClaim *esdb.RecordedEvent
	for _, event := range all {
		if strings.HasPrefix(event.StreamID, "claim-") {
			firstClaim = event
			break
		}
	}
	subscription, err := client.SubscribeToAll(ctx, esdb.SubscribeToAllOptions{
		From: firstClaim.Position, MaxSearchWindow: 2, CheckpointInterval: 1,
		Filter: &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Prefixes: []string{"claim-"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = subscription.Close() }()
	var streams []string
	checkpoints, caughtUp := 0, false
	for range 100 {
		message := subscription.Recv()
		switch {
		case message.EventAppeared != nil:
			streams = append(streams, message.EventAppeared.Event.StreamID)
		case message.CheckPointReached != nil:
			checkpoints++
		case message.CaughtUp != nil:
			caughtUp = true
		case message.SubscriptionDropped != nil:
			t.Fatalf("dropped: %v", message.SubscriptionDropped.Error)
		}
		if caughtUp {
			break
		}
	}
	if strings.Join(streams, ",") != "claim-b,claim-c" || checkpoints == 0 {
		t.Errorf("after the first claim: %v with %d checkpoints", streams, checkpoints)
	}
	appendTo(ctx, t, client, "claim-d", esdb.NoStream{}, events(1, 10))
	for range 100 {
		message := subscription.Recv()
		if message.SubscriptionDropped != nil {
			t.Fatalf("dropped: %v", message.SubscriptionDropped.Error)
		}
		if message.EventAppeared != nil {
			if got := message.EventAppeared.Event.StreamID; got != "claim-d" {
				t.Errorf("live event from %s", got)
			}
			return
		}
	}
	t.Error("no live event")
}

func TestFailNext(t *testing.T) {
	ctx := t.Context()
	server, client := start(t, esdbfake.Config{})
	server.FailNext(esdbfake.OperationAppend, esdbfake.Unavailable())
	if _, err := client.AppendToStream(ctx, "s", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, events(1, 10)...); code(err) != esdb.ErrorUnavailable {
		t.Errorf("injected: %v", err)
	}
	// The client reconnects; the next call goes through.
	appendTo(ctx, t, client, "s", esdb.NoStream{}, events(1, 10))
}
