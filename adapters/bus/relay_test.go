package bus_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
	"github.com/google/uuid"

	"github.com/tanahbumbu/jaminan/adapters/bus"
	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	pgstore "github.com/tanahbumbu/jaminan/adapters/eventstore/postgres"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/projections"
)

const eventCount = 120

// appendEvents writes eventCount events over 6 streams.
func appendEvents(t *testing.T, store eventstore.Store, prefix string) {
	t.Helper()
	for i := 0; i < eventCount; i++ {
		stream := fmt.Sprintf("%s-%d", prefix, i%6)
		_, err := store.Append(context.Background(), stream, eventstore.Any(), []eventstore.EventData{{
			EventID: uuid.New(), Type: "TestEvent", SchemaVersion: 1, OccurredAt: time.Now(),
			Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i)), Metadata: eventstore.Metadata{CorrelationID: "test"},
		}})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// consume acknowledges messages as they come and hands on their envelopes.
func consume(messages <-chan *message.Message) <-chan bus.Envelope {
	envelopes := make(chan bus.Envelope, eventCount*2)
	go func() {
		for received := range messages {
			var envelope bus.Envelope
			if json.Unmarshal(received.Payload, &envelope) == nil && received.UUID == envelope.EventID {
				envelopes <- envelope
			}
			received.Ack()
		}
	}()
	return envelopes
}

// receiveInOrder checks positions 1..want arrive once each, in order, each
// with its event's JSON as stored (appendEvents: position p holds n = p-1).
func receiveInOrder(t *testing.T, envelopes <-chan bus.Envelope, want int) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for expected := int64(1); expected <= int64(want); expected++ {
		select {
		case envelope := <-envelopes:
			if envelope.Position != expected {
				t.Fatalf("got position %d, want position %d", envelope.Position, expected)
			}
			if want := fmt.Sprintf(`{"n":%d}`, expected-1); string(envelope.Data) != want {
				t.Fatalf("position %d published with data %s, want %s", expected, envelope.Data, want)
			}
		case <-timeout:
			t.Fatalf("timed out waiting for position %d of %d", expected, want)
		}
	}
}

func newStore(t *testing.T, database *pgtest.Database) *pgstore.Store {
	store, err := pgstore.New(database.Pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return store
}

// The relay publishes every event once, in position order, and a second pass publishes nothing.
func TestRelayPublishesTheLogInOrder(t *testing.T) {
	database := pgtest.New(t)
	store := newStore(t, database)
	appendEvents(t, store, "relay")
	pubsub := gochannel.NewGoChannel(gochannel.Config{OutputChannelBuffer: eventCount * 2, Persistent: true, BlockPublishUntilSubscriberAck: true}, watermill.NopLogger{})
	defer pubsub.Close()
	messages, err := pubsub.Subscribe(context.Background(), bus.DefaultTopic)
	if err != nil {
		t.Fatal(err)
	}
	envelopes := consume(messages)
	relay := newRelayRunner(t, database, store, pubsub, "test", bus.DefaultTopic)
	published, err := relay.CatchUp(context.Background())
	if err != nil || published != eventCount {
		t.Fatalf("first pass: published %d (%v), want %d", published, err, eventCount)
	}
	receiveInOrder(t, envelopes, eventCount)
	if again, err := relay.CatchUp(context.Background()); err != nil || again != 0 {
		t.Errorf("second pass: published %d (%v), want 0: the checkpoint did not hold", again, err)
	}
}

func natsURL(t *testing.T) string {
	url := os.Getenv("JAMINAN_NATS_URL")
	if url == "" {
		url = "nats://127.0.0.1:4222"
	}
	connection, err := net.DialTimeout("tcp", "127.0.0.1:4222", time.Second)
	if err != nil && os.Getenv("JAMINAN_NATS_URL") == "" {
		t.Skipf("SKIPPED: no NATS answers on 127.0.0.1:4222 (%v); set JAMINAN_NATS_URL to run the JetStream path", err)
	}
	if connection != nil {
		connection.Close()
	}
	return url
}

// The same relay over the real NATS JetStream through Watermill's NATS adapter.
func TestRelayOverNATSJetStream(t *testing.T) {
	url := natsURL(t)
	database := pgtest.New(t)
	store := newStore(t, database)
	appendEvents(t, store, "nats")
	topic := "jaminan_test_" + uuid.NewString()[:8]
	logger := watermill.NopLogger{}
	publisher, err := bus.NewNATSPublisher(bus.NATSConfig{URL: url}, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer publisher.Close()
	subscriber, err := bus.NewNATSSubscriber(bus.NATSConfig{URL: url, QueueGroup: topic}, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer subscriber.Close()
	messages, err := subscriber.Subscribe(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	envelopes := consume(messages)
	relay := newRelayRunner(t, database, store, publisher, "nats", topic)
	if published, err := relay.CatchUp(context.Background()); err != nil || published != eventCount {
		t.Fatalf("published %d (%v), want %d", published, err, eventCount)
	}
	receiveInOrder(t, envelopes, eventCount)
}

// newRelayRunner runs the relay as the only projection of a runner, in batches of 40.
func newRelayRunner(t *testing.T, database *pgtest.Database, store eventstore.Store, publisher message.Publisher, name, topic string) *projections.Runner {
	t.Helper()
	relay, err := bus.NewRelay(publisher, name, topic)
	if err != nil {
		t.Fatal(err)
	}
	runner, err := projections.NewRunner(projections.Config{Pool: database.Pool, Store: store, BatchSize: 40,
		Decode:      func(eventstore.RecordedEvent) (event.Event, error) { return nil, nil }, // the relay forwards stored bytes
		Projections: []projections.Projection{relay}})
	if err != nil {
		t.Fatal(err)
	}
	return runner
}
