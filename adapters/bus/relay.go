// Package bus carries the log to whoever consumes it live, through Watermill:
// a relay reads the log in global order from its own checkpoint and publishes
// each event as a Watermill message (NATS JetStream in production, any
// Watermill Publisher in tests). Delivery is at least once: the checkpoint
// advances only after the publisher acknowledged the batch, and the message
// UUID is the event id, so JetStream's de-duplication (TrackMsgId) drops a
// batch re-sent after a crash.
package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/jackc/pgx/v5"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/projections"
)

// DefaultTopic is where the log's events are published.
const DefaultTopic = "jaminan_events" // JetStream stream names take no dots

// Envelope is the payload of every message: the event as the log holds it.
type Envelope struct {
	Position      int64           `json:"position"`
	StreamID      string          `json:"stream"`
	Version       int64           `json:"version"`
	EventID       string          `json:"event_id"`
	Type          string          `json:"type"`
	SchemaVersion int             `json:"schema_version"`
	OccurredAt    time.Time       `json:"occurred_at"`
	RecordedAt    time.Time       `json:"recorded_at"`
	Data          json.RawMessage `json:"data"`
	Metadata      json.RawMessage `json:"metadata"`
}

// Relay is a projection whose read model is the bus: it runs under its own
// projections.Runner, which holds the checkpoint ("relay:<name>") and advances
// it in the same transaction, only after Publish returned without error.
type Relay struct {
	publisher message.Publisher
	name      string
	topic     string
}

// NewRelay builds a Relay publishing to topic (DefaultTopic when empty).
func NewRelay(publisher message.Publisher, name, topic string) (*Relay, error) {
	if publisher == nil || name == "" {
		return nil, errors.New("bus: a publisher and a relay name are required")
	}
	if topic == "" {
		topic = DefaultTopic
	}
	return &Relay{publisher: publisher, name: name, topic: topic}, nil
}

// Name keys the relay's checkpoint.
func (r *Relay) Name() string { return "relay:" + r.name }

// Tables: the relay owns none.
func (r *Relay) Tables() []string { return nil }

// ReadsStoredData: the relay publishes each event's JSON as stored.
func (r *Relay) ReadsStoredData() {}

// Apply publishes a batch, in position order.
func (r *Relay) Apply(_ context.Context, _ pgx.Tx, events []projections.Decoded) error {
	messages := make([]*message.Message, 0, len(events))
	for _, decoded := range events {
		converted, err := toMessage(decoded.Recorded)
		if err != nil {
			return err
		}
		messages = append(messages, converted)
	}
	if err := r.publisher.Publish(r.topic, messages...); err != nil {
		return fmt.Errorf("publish positions %d..%d: %w", events[0].Recorded.Position, events[len(events)-1].Recorded.Position, err)
	}
	return nil
}

func toMessage(recorded eventstore.RecordedEvent) (*message.Message, error) {
	metadata, err := json.Marshal(recorded.Metadata)
	if err != nil {
		return nil, err
	}
	payload, err := json.Marshal(Envelope{Position: recorded.Position, StreamID: recorded.StreamID, Version: recorded.Version,
		EventID: recorded.EventID.String(), Type: recorded.Type, SchemaVersion: recorded.SchemaVersion, OccurredAt: recorded.OccurredAt,
		RecordedAt: recorded.RecordedAt, Data: recorded.Data, Metadata: metadata})
	if err != nil {
		return nil, err
	}
	converted := message.NewMessage(recorded.EventID.String(), payload)
	converted.Metadata.Set("position", strconv.FormatInt(recorded.Position, 10))
	converted.Metadata.Set("stream", recorded.StreamID)
	converted.Metadata.Set("type", recorded.Type)
	converted.Metadata.Set("correlation_id", recorded.Metadata.CorrelationID)
	return converted, nil
}
