// Package processes holds the process managers: Watermill handlers that
// consume the log as the relay publishes it (bus.Envelope payloads on
// bus.DefaultTopic) and issue commands through the command path.
//
//   - claim approved -> its payout is scheduled (SchedulePayout)
//   - a scholarship school year settled (paid, skipped, ended) -> the next
//     school year's tranches fall due and their payout is scheduled
//
// Every handler runs under Watermill's middleware: Recoverer (a panic becomes
// an error), Retry (bounded, exponential backoff; errors that cannot heal are
// not retried), PoisonQueue (a message still failing goes to jaminan_poison
// with the reason, and the consumer moves on) and CorrelationID (the event's
// correlation id rides on into the command's metadata). Handlers are
// idempotent: the claim decides the payout id, amount and due date, so a
// redelivered message appends nothing (docs/processes.md).
package processes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/tanahbumbu/jaminan/adapters/bus"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

// PoisonTopic is where a message goes once its handler gave up on it.
const PoisonTopic = "jaminan_poison"

// Handler names: also the suffix of each handler's consumer group.
const (
	HandlerClaimApproved = "claim_approved_schedules_payout"
	HandlerTrancheDue    = "scholarship_tranche_due_schedules_payout"
)

// Defaults and bounds of the retry middleware, and the router's names.
const (
	defaultMaxRetries    = 3
	defaultRetryInitial  = 100 * time.Millisecond
	defaultRetryMax      = 2 * time.Second
	retryMultiplier      = 2
	maxRetriesUpperBound = 20
	retryIntervalCeiling = time.Minute
	routerCloseTimeout   = 10 * time.Second
	processActor         = "process-manager"
	processSource        = "processes"
	claimStreamPrefix    = "claim-"
)

// Executor runs a command: *app.Application.
type Executor interface {
	Execute(ctx context.Context, c command.Command, meta app.Meta) (app.Result, error)
}

// Config wires the process managers.
type Config struct {
	// Executor issues the commands (the application's command path).
	Executor Executor
	// Subscriber returns the subscriber one handler consumes through. On NATS
	// JetStream each handler needs its own durable consumer group, or the two
	// would share the messages instead of each seeing all of them.
	Subscriber func(handler string) (message.Subscriber, error)
	// PoisonPublisher publishes messages the handlers gave up on.
	PoisonPublisher message.Publisher
	// Topic is the log's topic; empty means bus.DefaultTopic.
	Topic string
	// PoisonTopic is where poisoned messages go; empty means PoisonTopic.
	PoisonTopic string
	// MaxRetries is how often a failing message is tried again before it is
	// poisoned; zero means 3.
	MaxRetries int
	// RetryInitialInterval is the first backoff, doubled each retry up to
	// RetryMaxInterval; zero means 100ms and 2s.
	RetryInitialInterval time.Duration
	RetryMaxInterval     time.Duration
	Logger               *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Topic == "" {
		c.Topic = bus.DefaultTopic
	}
	if c.PoisonTopic == "" {
		c.PoisonTopic = PoisonTopic
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = defaultMaxRetries
	}
	if c.RetryInitialInterval == 0 {
		c.RetryInitialInterval = defaultRetryInitial
	}
	if c.RetryMaxInterval == 0 {
		c.RetryMaxInterval = defaultRetryMax
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Validate reports every missing or out-of-range field at once.
func (c Config) Validate() error {
	var errs []error
	if c.Executor == nil {
		errs = append(errs, errors.New("processes: Executor is required"))
	}
	if c.Subscriber == nil {
		errs = append(errs, errors.New("processes: Subscriber is required"))
	}
	if c.PoisonPublisher == nil {
		errs = append(errs, errors.New("processes: PoisonPublisher is required"))
	}
	if c.Topic == c.PoisonTopic {
		errs = append(errs, errors.New("processes: PoisonTopic must differ from Topic, or a poisoned message would come straight back"))
	}
	if c.MaxRetries < 0 || c.MaxRetries > maxRetriesUpperBound {
		errs = append(errs, fmt.Errorf("processes: MaxRetries must be 0 to %d", maxRetriesUpperBound))
	}
	if c.RetryInitialInterval < 0 || c.RetryMaxInterval < c.RetryInitialInterval || c.RetryMaxInterval > retryIntervalCeiling {
		errs = append(errs, fmt.Errorf("processes: retry intervals must satisfy 0 <= initial <= max <= %s", retryIntervalCeiling))
	}
	return errors.Join(errs...)
}

// NewRouter builds the Watermill router of the process managers; Run it with
// a context, Close it to stop.
func NewRouter(config Config) (*message.Router, error) {
	config.setDefaults()
	if err := config.Validate(); err != nil {
		return nil, err
	}
	logger := watermill.NewSlogLogger(config.Logger)
	router, err := message.NewRouter(message.RouterConfig{CloseTimeout: routerCloseTimeout}, logger)
	if err != nil {
		return nil, fmt.Errorf("processes: new router: %w", err)
	}
	poison, err := middleware.PoisonQueue(config.PoisonPublisher, config.PoisonTopic)
	if err != nil {
		return nil, fmt.Errorf("processes: poison queue: %w", err)
	}
	retry := middleware.Retry{
		MaxRetries: config.MaxRetries, InitialInterval: config.RetryInitialInterval, MaxInterval: config.RetryMaxInterval,
		Multiplier: retryMultiplier, RandomizationFactor: 0, ResetContextOnRetry: false, Logger: logger,
		ShouldRetry: func(params middleware.RetryParams) bool { return retryable(params.Err) },
	}
	// The first is the outermost: a panic becomes an error (Recoverer), which
	// is retried (Retry) and, when retries are spent, logged and poisoned (PoisonQueue).
	router.AddMiddleware(middleware.CorrelationID, poison, logGivingUp(config.Logger, config.PoisonTopic), retry.Middleware, middleware.Recoverer)
	managers := &managers{executor: config.Executor, logger: config.Logger}
	for name, handle := range map[string]message.NoPublishHandlerFunc{
		HandlerClaimApproved: managers.claimApproved,
		HandlerTrancheDue:    managers.trancheDue,
	} {
		subscriber, err := config.Subscriber(name)
		if err != nil {
			return nil, fmt.Errorf("processes: subscriber for %s: %w", name, err)
		}
		router.AddConsumerHandler(name, config.Topic, subscriber, handle)
	}
	return router, nil
}

// logGivingUp logs the error of a message its handler gave up on, on its
// way to the poison topic: the one line an operator sees of it.
func logGivingUp(logger *slog.Logger, poisonTopic string) message.HandlerMiddleware {
	return func(handle message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			produced, err := handle(msg)
			if err != nil {
				logger.Error("process manager gave up on a message", "handler", message.HandlerNameFromCtx(msg.Context()),
					"message_uuid", msg.UUID, "poison_topic", poisonTopic, "error", err)
			}
			return produced, err
		}
	}
}

// permanentError marks a failure no retry can heal (a malformed message, a
// domain refusal): it goes to the poison queue at once.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// retryable: domain refusals and malformed messages are final; anything else
// (the database away, a timeout) may heal.
func retryable(err error) bool {
	var permanent *permanentError
	if errors.As(err, &permanent) {
		return false
	}
	if domain, ok := problem.As(err); ok {
		return domain.Kind == problem.Conflict && domain.Code == "concurrent_update"
	}
	return true
}

type managers struct {
	executor Executor
	logger   *slog.Logger
}

// claimApproved: an approved claim's payout is scheduled (a scholarship's first school year).
func (m *managers) claimApproved(msg *message.Message) error {
	envelope, err := decode(msg)
	if err != nil || envelope.Type != "ClaimApproved" {
		return err
	}
	return m.schedule(msg, envelope)
}

// trancheDue: once a scholarship's school year is settled (paid, a tranche
// skipped, a child's scholarship ended), the next school year's tranches are
// the ones due, and their payout is scheduled.
func (m *managers) trancheDue(msg *message.Message) error {
	envelope, err := decode(msg)
	if err != nil {
		return err
	}
	switch envelope.Type {
	case "ScholarshipTrancheSkipped", "ScholarshipEnded":
	case "PayoutRecorded":
		var payout struct {
			SchoolYear int `json:"school_year"`
		}
		if err := json.Unmarshal(envelope.Data, &payout); err != nil {
			return &permanentError{fmt.Errorf("position %d: PayoutRecorded data: %w", envelope.Position, err)}
		}
		if payout.SchoolYear == 0 {
			return nil // not a scholarship payout
		}
	default:
		return nil
	}
	return m.schedule(msg, envelope)
}

// schedule issues SchedulePayout for the envelope's claim, under the event's correlation id.
func (m *managers) schedule(msg *message.Message, envelope bus.Envelope) error {
	claimID, ok := strings.CutPrefix(envelope.StreamID, claimStreamPrefix)
	if !ok {
		return &permanentError{fmt.Errorf("position %d: %s on stream %q, not a claim stream", envelope.Position, envelope.Type, envelope.StreamID)}
	}
	meta := app.Meta{Actor: processActor, Source: processSource, CorrelationID: correlationID(msg, envelope)}
	result, err := m.executor.Execute(msg.Context(), &command.SchedulePayout{ClaimID: claimID}, meta)
	if err != nil {
		return fmt.Errorf("schedule payout of claim %s after %s at position %d: %w", claimID, envelope.Type, envelope.Position, err)
	}
	if len(result.Events) > 0 {
		m.logger.Info("payout scheduled", "claim_stream", envelope.StreamID, "after", envelope.Type, "position", envelope.Position,
			"correlation_id", meta.CorrelationID)
	}
	return nil
}

// decode reads a message's envelope; one that is not an envelope is poison.
func decode(msg *message.Message) (bus.Envelope, error) {
	var envelope bus.Envelope
	if err := json.Unmarshal(msg.Payload, &envelope); err != nil {
		return bus.Envelope{}, &permanentError{fmt.Errorf("message %s is not a log envelope: %w", msg.UUID, err)}
	}
	if envelope.Type == "" || envelope.StreamID == "" || envelope.Position < 1 {
		return bus.Envelope{}, &permanentError{fmt.Errorf("message %s: envelope without type, stream or position", msg.UUID)}
	}
	return envelope, nil
}

// correlationID is the message's (the relay copies the event's), else the
// one in the envelope's metadata, else the event id: a command a process
// issues can always be traced back to the event that caused it.
func correlationID(msg *message.Message, envelope bus.Envelope) string {
	if id := middleware.MessageCorrelationID(msg); id != "" {
		return id
	}
	var metadata struct {
		CorrelationID string `json:"correlation_id"`
	}
	if json.Unmarshal(envelope.Metadata, &metadata) == nil && metadata.CorrelationID != "" {
		return metadata.CorrelationID
	}
	return envelope.EventID
}
