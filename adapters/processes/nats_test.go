package processes_test

import (
	"context"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/google/uuid"

	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/tanahbumbu/jaminan/adapters/bus"
	pgstore "github.com/tanahbumbu/jaminan/adapters/eventstore/postgres"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/adapters/processes"
	"github.com/tanahbumbu/jaminan/projections"
)

// natsURL is JAMINAN_NATS_URL, else the NATS on 127.0.0.1:4222; the test is
// skipped, saying so, when none answers.
func natsURL(t *testing.T) string {
	t.Helper()
	if url := os.Getenv("JAMINAN_NATS_URL"); url != "" {
		return url
	}
	connection, err := net.DialTimeout("tcp", "127.0.0.1:4222", time.Second)
	if err != nil {
		t.Skipf("SKIPPED: no NATS answers on 127.0.0.1:4222 (%v); start nats-server -js or set JAMINAN_NATS_URL to run the JetStream path", err)
	}
	connection.Close()
	return "nats://127.0.0.1:4222"
}

// The log goes out through the relay to NATS JetStream and comes back through
// the bus's NATS subscriber (one durable consumer group per handler) into the
// process managers, on real PostgreSQL: the approval's payout is scheduled.
// A message that is not an envelope lands on the poison topic.
func TestProcessManagersOverNATSJetStream(t *testing.T) {
	url := natsURL(t)
	database := pgtest.New(t)
	store, err := pgstore.New(database.Pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	application := newApplication(t, store)
	jkmClaim(t, application)

	suffix := strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	topic, poisonTopic := "jaminan_test_"+suffix, "jaminan_test_"+suffix+"_poison"
	logger := watermill.NopLogger{}
	publisher, err := bus.NewNATSPublisher(bus.NATSConfig{URL: url}, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer publisher.Close()
	subscribe := func(group string) (*wmnats.Subscriber, error) {
		subscriber, err := bus.NewNATSSubscriber(bus.NATSConfig{URL: url, QueueGroup: group}, logger)
		if err == nil {
			t.Cleanup(func() { _ = subscriber.Close() })
		}
		return subscriber, err
	}
	poisonSubscriber, err := subscribe(poisonTopic + "_reader")
	if err != nil {
		t.Fatal(err)
	}
	poisoned, err := poisonSubscriber.Subscribe(context.Background(), poisonTopic)
	if err != nil {
		t.Fatal(err)
	}
	executor := &countingExecutor{inner: application, done: make(chan error, 16)}
	startRouter(t, processes.Config{Executor: executor, PoisonPublisher: publisher, Topic: topic, PoisonTopic: poisonTopic, Logger: quiet,
		RetryInitialInterval: 10 * time.Millisecond, RetryMaxInterval: 50 * time.Millisecond,
		Subscriber: func(handler string) (message.Subscriber, error) { return subscribe(topic + "_" + handler) }})

	relay, err := bus.NewRelay(publisher, "processes-test", topic)
	if err != nil {
		t.Fatal(err)
	}
	runner, err := projections.NewRunner(projections.Config{Pool: database.Pool, Store: store, Decode: application.Decode,
		Projections: []projections.Projection{relay}, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runner.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	awaitCalls(t, executor.done, 1)
	payouts, correlations := scheduled(t, application, "jkm-1")
	if len(payouts) != 1 || payouts[0].PayoutID != "jkm-1:benefit" || payouts[0].Amount.StringFixed(2) != "42000000.00" || correlations[0] != "approval-jkm-1" {
		t.Fatalf("got %+v (correlation %v), want one jkm-1:benefit of 42000000.00 under approval-jkm-1", payouts, correlations)
	}

	if err := publisher.Publish(topic, message.NewMessage(watermill.NewUUID(), []byte("{not json"))); err != nil {
		t.Fatal(err)
	}
	select {
	case msg := <-poisoned:
		msg.Ack()
		if reason := msg.Metadata.Get(middleware.ReasonForPoisonedKey); !strings.Contains(reason, "not a log envelope") {
			t.Errorf("poison reason %q", reason)
		}
	case <-time.After(waitMax):
		t.Fatal("nothing reached the poison topic")
	}
}
