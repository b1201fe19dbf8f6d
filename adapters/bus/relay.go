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
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
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

// RelayConfig wires a Relay.
type RelayConfig struct {
	Pool      *pgxpool.Pool
	Store     eventstore.Store
	Publisher message.Publisher
	// Name keys the relay's checkpoint ("relay:<Name>" in projection_checkpoints).
	Name string
	// Topic defaults to DefaultTopic.
	Topic string
	// BatchSize defaults to 500 events per publish.
	BatchSize int
}

func (c *RelayConfig) setDefaults() {
	if c.Topic == "" {
		c.Topic = DefaultTopic
	}
	if c.BatchSize == 0 {
		c.BatchSize = 500
	}
}

// Validate reports every missing field.
func (c RelayConfig) Validate() error {
	var errs []error
	if c.Pool == nil {
		errs = append(errs, errors.New("bus: Pool is required"))
	}
	if c.Store == nil {
		errs = append(errs, errors.New("bus: Store is required"))
	}
	if c.Publisher == nil {
		errs = append(errs, errors.New("bus: Publisher is required"))
	}
	if c.Name == "" {
		errs = append(errs, errors.New("bus: Name is required (it keys the checkpoint)"))
	}
	if c.BatchSize < 1 || c.BatchSize > eventstore.MaxReadLimit {
		errs = append(errs, fmt.Errorf("bus: BatchSize must be 1 to %d", eventstore.MaxReadLimit))
	}
	return errors.Join(errs...)
}

// Relay publishes the log.
type Relay struct {
	config RelayConfig
}

// NewRelay builds a Relay.
func NewRelay(config RelayConfig) (*Relay, error) {
	config.setDefaults()
	if err := config.Validate(); err != nil {
		return nil, err
	}
	return &Relay{config: config}, nil
}

// maxBatchesPerPass bounds one pass so a live relay yields now and then.
const maxBatchesPerPass = 10_000

// Pass publishes everything after the checkpoint, batch by batch, and returns how many events it published.
func (r *Relay) Pass(ctx context.Context) (int, error) {
	published := 0
	for batch := 0; batch < maxBatchesPerPass; batch++ {
		count, err := r.publishBatch(ctx)
		published += count
		if err != nil || count < r.config.BatchSize {
			return published, err
		}
	}
	return published, nil
}

// publishBatch holds the checkpoint row locked while it publishes, so two relays never interleave.
func (r *Relay) publishBatch(ctx context.Context) (count int, err error) {
	tx, err := r.config.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	key := "relay:" + r.config.Name
	var position int64
	if err = tx.QueryRow(ctx, `INSERT INTO projection_checkpoints (projection) VALUES ($1)
		ON CONFLICT (projection) DO UPDATE SET projection = EXCLUDED.projection RETURNING position`, key).Scan(&position); err != nil {
		return 0, fmt.Errorf("lock relay checkpoint: %w", err)
	}
	events, err := r.config.Store.ReadAll(ctx, position, r.config.BatchSize)
	if err != nil || len(events) == 0 {
		_ = tx.Rollback(ctx)
		return 0, err
	}
	messages := make([]*message.Message, 0, len(events))
	for _, recorded := range events {
		converted, err := toMessage(recorded)
		if err != nil {
			return 0, err
		}
		messages = append(messages, converted)
	}
	if err = r.config.Publisher.Publish(r.config.Topic, messages...); err != nil {
		return 0, fmt.Errorf("publish positions %d..%d: %w", events[0].Position, events[len(events)-1].Position, err)
	}
	if _, err = tx.Exec(ctx, `UPDATE projection_checkpoints SET position = $2, updated_at = now() WHERE projection = $1`, key, events[len(events)-1].Position); err != nil {
		return 0, fmt.Errorf("advance relay checkpoint: %w", err)
	}
	return len(events), tx.Commit(ctx)
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

// Run keeps publishing until ctx ends, a pass every interval.
func (r *Relay) Run(ctx context.Context, interval time.Duration, onError func(error)) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		if _, err := r.Pass(ctx); err != nil && ctx.Err() == nil && onError != nil {
			onError(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}
