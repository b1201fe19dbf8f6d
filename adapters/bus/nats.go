package bus

import (
	"errors"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/nats-io/nats.go"
)

// NATSConfig says where NATS JetStream is.
type NATSConfig struct {
	URL string
	// QueueGroup names a durable consumer group for subscribers.
	QueueGroup string
}

// Validate reports a missing URL.
func (c NATSConfig) Validate() error {
	if c.URL == "" {
		return errors.New("bus: NATS URL is required (JAMINAN_NATS_URL, e.g. nats://127.0.0.1:4222)")
	}
	return nil
}

// natsTimeout bounds connecting and acknowledging.
const natsTimeout = 10 * time.Second

func jetStream(group string) wmnats.JetStreamConfig {
	return wmnats.JetStreamConfig{
		Disabled:      false,
		AutoProvision: true,
		TrackMsgId:    true, // the message UUID is the event id: JetStream drops re-sent duplicates
		AckAsync:      false,
		DurablePrefix: group,
	}
}

// NewNATSPublisher publishes to JetStream with de-duplication by event id.
func NewNATSPublisher(config NATSConfig, logger watermill.LoggerAdapter) (*wmnats.Publisher, error) {
	if err := config.Validate(); err != nil {
		return nil, err
	}
	return wmnats.NewPublisher(wmnats.PublisherConfig{
		URL: config.URL, NatsOptions: []nats.Option{nats.Timeout(natsTimeout)},
		Marshaler: &wmnats.NATSMarshaler{}, JetStream: jetStream(""),
	}, logger)
}

// NewNATSSubscriber subscribes through a durable JetStream consumer group.
func NewNATSSubscriber(config NATSConfig, logger watermill.LoggerAdapter) (*wmnats.Subscriber, error) {
	if err := config.Validate(); err != nil {
		return nil, err
	}
	return wmnats.NewSubscriber(wmnats.SubscriberConfig{
		URL: config.URL, QueueGroupPrefix: config.QueueGroup, SubscribersCount: 1, CloseTimeout: natsTimeout,
		AckWaitTimeout: natsTimeout, SubscribeTimeout: natsTimeout, NatsOptions: []nats.Option{nats.Timeout(natsTimeout)},
		Unmarshaler: &wmnats.NATSMarshaler{}, JetStream: jetStream(config.QueueGroup),
	}, logger)
}
