package processes_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"

	"github.com/tanahbumbu/jaminan/adapters/bus"
	"github.com/tanahbumbu/jaminan/adapters/directory"
	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/adapters/eventstore/memory"
	"github.com/tanahbumbu/jaminan/adapters/processes"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/claim"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/reference"
	"github.com/tanahbumbu/jaminan/domain/rules"
	"github.com/tanahbumbu/jaminan/projections"
)

// fixedNow is the clock of every test: approvals fall on 2026-11-28.
var fixedNow = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

const waitMax = 30 * time.Second

// quiet keeps the router's logs out of the test output.
var quiet = slog.New(slog.DiscardHandler)

func newApplication(t *testing.T, store eventstore.Store) *app.Application {
	t.Helper()
	application, err := app.New(app.Config{Store: store, Directory: directory.NewMemory("test-key"), Library: rules.Default(),
		Places: reference.MustLoad(), Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	return application
}

func mustRun(t *testing.T, application *app.Application, correlationID string, lines ...string) {
	t.Helper()
	for _, line := range lines {
		decoded, err := command.DecodeLine([]byte(line))
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if _, err := application.Execute(context.Background(), decoded, app.Meta{Actor: "test", Source: "test", CorrelationID: correlationID}); err != nil {
			t.Fatalf("%s\n-> %v", line, err)
		}
	}
}

// A village official of Pakatellu, W = 3,000,000, covered since 2021.
var memberLines = []string{
	`{"command":"RegisterPayer","payer_id":"desa-pakatellu","name":"Pemerintah Desa Pakatellu","kind":"village_government","risk_class":1}`,
	`{"command":"RegisterParticipant","nik":"6310064203820002","name":"Halimatus Sa'diah","birth_date":"1982-03-02","category":"perangkat_desa","segment":"PU","kecamatan":"Kusan Tengah","desa":"Pakatellu","payer_id":"desa-pakatellu"}`,
	`{"command":"Enroll","nik":"6310064203820002","programmes":["JKK","JKM","JHT"],"effective_date":"2021-01-01","wage":"3000000"}`,
}

// jkmClaim: docs/rulebook.md worked example 1, death 2024-03-10 covered since 2021: 42,000,000.
func jkmClaim(t *testing.T, application *app.Application) {
	t.Helper()
	mustRun(t, application, "setup", memberLines...)
	mustRun(t, application, "setup", `{"command":"ReportDeath","nik":"6310064203820002","date":"2024-03-10","cause":"other"}`,
		`{"command":"FileClaim","claim_id":"jkm-1","nik":"6310064203820002","programme":"JKM","benefit":"death","incident_date":"2024-03-10","heir":{"name":"Muhammad Ridwan","relationship":"spouse"}}`)
	mustRun(t, application, "approval-jkm-1", `{"command":"ApproveClaim","claim_id":"jkm-1"}`)
}

// scholarshipClaim: one child entering SD in 2024 (docs/rulebook.md worked example 11): SD
// tranches of 1,500,000 a school year from 2024/2025.
func scholarshipClaim(t *testing.T, application *app.Application) {
	t.Helper()
	mustRun(t, application, "setup", memberLines...)
	mustRun(t, application, "setup",
		`{"command":"ReportAccident","accident_id":"acc-1","nik":"6310064203820002","date":"2024-11-04","reported_on":"2024-11-05"}`,
		`{"command":"ReportDeath","nik":"6310064203820002","date":"2024-11-04","cause":"work_accident","accident_id":"acc-1"}`,
		`{"command":"FileClaim","claim_id":"b-1","nik":"6310064203820002","programme":"SCHOLARSHIP","benefit":"scholarship","incident_date":"2024-11-04","heir":{"name":"Muhammad Ridwan","relationship":"spouse"},"details":{"children":[{"name":"Fikri","birth_date":"2017-08-21","level":"SD","grade":1}]}}`)
	mustRun(t, application, "approval-b-1", `{"command":"ApproveClaim","claim_id":"b-1"}`)
}

// countingExecutor passes commands on and reports each outcome.
type countingExecutor struct {
	inner processes.Executor
	done  chan error
}

func (c *countingExecutor) Execute(ctx context.Context, cmd command.Command, meta app.Meta) (app.Result, error) {
	result, err := c.inner.Execute(ctx, cmd, meta)
	c.done <- err
	return result, err
}

func awaitCalls(t *testing.T, calls <-chan error, want int) {
	t.Helper()
	timeout := time.After(waitMax)
	for i := 0; i < want; i++ {
		select {
		case err := <-calls:
			if err != nil {
				t.Fatalf("command %d of %d failed: %v", i+1, want, err)
			}
		case <-timeout:
			t.Fatalf("timed out after %d of %d commands", i, want)
		}
	}
}

// startRouter runs the process managers until the test ends.
func startRouter(t *testing.T, config processes.Config) {
	t.Helper()
	router, err := processes.NewRouter(config)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		if err := router.Run(ctx); err != nil {
			t.Errorf("router: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-stopped })
	select {
	case <-router.Running():
	case <-time.After(waitMax):
		t.Fatal("router did not start")
	}
}

func newGoChannel(t *testing.T) *gochannel.GoChannel {
	pubsub := gochannel.NewGoChannel(gochannel.Config{OutputChannelBuffer: 256, Persistent: true}, watermill.NopLogger{})
	t.Cleanup(func() { _ = pubsub.Close() })
	return pubsub
}

// publishLog publishes the whole log through the relay's own message shape.
func publishLog(t *testing.T, application *app.Application, publisher message.Publisher, topic string, after int64) {
	t.Helper()
	relay, err := bus.NewRelay(publisher, "test", topic)
	if err != nil {
		t.Fatal(err)
	}
	recorded, err := application.Store().ReadAll(context.Background(), after, eventstore.MaxReadLimit)
	if err != nil || len(recorded) == 0 {
		t.Fatalf("read the log after %d: %d events, %v", after, len(recorded), err)
	}
	decoded := make([]projections.Decoded, 0, len(recorded))
	for _, event := range recorded {
		decoded = append(decoded, projections.Decoded{Recorded: event})
	}
	if err := relay.Apply(context.Background(), nil, decoded); err != nil {
		t.Fatal(err)
	}
}

// scheduled are the PayoutScheduled events of a claim stream, with their correlation ids.
func scheduled(t *testing.T, application *app.Application, claimID string) ([]claim.PayoutScheduled, []string) {
	t.Helper()
	recorded, err := application.Store().ReadStream(context.Background(), app.ClaimStream(claimID), 1, eventstore.MaxReadLimit)
	if err != nil {
		t.Fatal(err)
	}
	var payouts []claim.PayoutScheduled
	var correlations []string
	for _, event := range recorded {
		if event.Type != "PayoutScheduled" {
			continue
		}
		decoded, err := application.Decode(event)
		if err != nil {
			t.Fatal(err)
		}
		payouts = append(payouts, *decoded.(*claim.PayoutScheduled))
		correlations = append(correlations, event.Metadata.CorrelationID)
	}
	return payouts, correlations
}

// The approval schedules the whole benefit once, due by the service deadline,
// under the approval's correlation id; the log delivered a second time (every
// message redelivered) appends nothing.
func TestApprovalSchedulesThePayoutOnceOverGoChannel(t *testing.T) {
	application := newApplication(t, memory.New())
	jkmClaim(t, application)
	pubsub := newGoChannel(t)
	executor := &countingExecutor{inner: application, done: make(chan error, 16)}
	startRouter(t, processes.Config{Executor: executor, Subscriber: func(string) (message.Subscriber, error) { return pubsub, nil },
		PoisonPublisher: pubsub, Logger: quiet})
	publishLog(t, application, pubsub, bus.DefaultTopic, 0)
	awaitCalls(t, executor.done, 1)
	publishLog(t, application, pubsub, bus.DefaultTopic, 0) // redelivery of every message
	awaitCalls(t, executor.done, 1)

	state, err := application.LoadClaim(context.Background(), "jkm-1")
	if err != nil {
		t.Fatal(err)
	}
	payouts, correlations := scheduled(t, application, "jkm-1")
	if len(payouts) != 1 {
		t.Fatalf("got %d PayoutScheduled, want 1 after a redelivery: %+v", len(payouts), payouts)
	}
	got := payouts[0]
	// docs/rulebook.md worked example 1: 20,000,000 + 12,000,000 + 10,000,000 = 42,000,000.
	if got.PayoutID != "jkm-1:benefit" || got.Amount.StringFixed(2) != "42000000.00" || !got.DueOn.Equal(state.Approved.DueBy) || got.SchoolYear != 0 {
		t.Errorf("got %+v, want jkm-1:benefit of 42000000.00 due %s", got, state.Approved.DueBy)
	}
	if correlations[0] != "approval-jkm-1" {
		t.Errorf("correlation id %q, want the approval's approval-jkm-1", correlations[0])
	}
}

// A scholarship's approval schedules its first school year; once that year is
// paid, the next year's tranche falls due and is scheduled.
func TestScholarshipTrancheDueSchedulesTheNextYear(t *testing.T) {
	application := newApplication(t, memory.New())
	scholarshipClaim(t, application)
	pubsub := newGoChannel(t)
	executor := &countingExecutor{inner: application, done: make(chan error, 16)}
	startRouter(t, processes.Config{Executor: executor, Subscriber: func(string) (message.Subscriber, error) { return pubsub, nil },
		PoisonPublisher: pubsub, Logger: quiet})
	publishLog(t, application, pubsub, bus.DefaultTopic, 0)
	awaitCalls(t, executor.done, 1)
	head, err := application.Store().Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	mustRun(t, application, "payout-2024", `{"command":"RecordPayout","payout_id":"b-2024","claim_id":"b-1","amount":"1500000","paid_on":"2026-11-28","bank_reference":"B","school_year":2024}`)
	publishLog(t, application, pubsub, bus.DefaultTopic, head)
	awaitCalls(t, executor.done, 1) // the PayoutRecorded of 2024
	payouts, correlations := scheduled(t, application, "b-1")
	// SD: 1,500,000 a school year (docs/rulebook.md#scholarship). 2024/2025 and
	// 2025/2026 began before the approval, so both are due by its service deadline.
	want := []string{"b-1:2024 1500000.00 2024", "b-1:2025 1500000.00 2025"}
	if len(payouts) != len(want) {
		t.Fatalf("got %d PayoutScheduled (%+v), want %d", len(payouts), payouts, len(want))
	}
	for i, payout := range payouts {
		if got := fmt.Sprintf("%s %s %d", payout.PayoutID, payout.Amount.StringFixed(2), payout.SchoolYear); got != want[i] {
			t.Errorf("payout %d: got %s, want %s", i, got, want[i])
		}
	}
	if correlations[1] != "payout-2024" {
		t.Errorf("correlation id %q, want the payout's payout-2024", correlations[1])
	}
}

// failingExecutor fails (or panics) every time and counts the attempts.
type failingExecutor struct {
	attempts atomic.Int32
	panics   bool
}

func (f *failingExecutor) Execute(context.Context, command.Command, app.Meta) (app.Result, error) {
	f.attempts.Add(1)
	if f.panics {
		panic("executor broke")
	}
	return app.Result{}, errors.New("database unavailable")
}

// A message that keeps failing is tried 1 + MaxRetries times, then lands on
// the poison topic with the reason and the handler; a message that is not an
// envelope is poisoned without reaching the command path.
func TestPoisonQueueAfterRetries(t *testing.T) {
	const maxRetries = 2
	tests := []struct {
		name         string
		panics       bool
		payload      string
		wantAttempts int32
		wantReason   string
	}{
		{name: "transient error", wantAttempts: 1 + maxRetries, wantReason: "database unavailable"},
		{name: "panic", panics: true, wantAttempts: 1 + maxRetries, wantReason: "executor broke"},
		{name: "not an envelope", payload: "{not json", wantAttempts: 0, wantReason: "not a log envelope"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			application := newApplication(t, memory.New())
			jkmClaim(t, application)
			pubsub := newGoChannel(t)
			poisoned, err := pubsub.Subscribe(context.Background(), processes.PoisonTopic)
			if err != nil {
				t.Fatal(err)
			}
			executor := &failingExecutor{panics: test.panics}
			startRouter(t, processes.Config{Executor: executor, Subscriber: func(string) (message.Subscriber, error) { return pubsub, nil },
				PoisonPublisher: pubsub, Logger: quiet, MaxRetries: maxRetries, RetryInitialInterval: time.Millisecond, RetryMaxInterval: 5 * time.Millisecond})
			if test.payload != "" {
				if err := pubsub.Publish(bus.DefaultTopic, message.NewMessage(watermill.NewUUID(), []byte(test.payload))); err != nil {
					t.Fatal(err)
				}
			} else {
				publishLog(t, application, pubsub, bus.DefaultTopic, 0)
			}
			select {
			case msg := <-poisoned:
				msg.Ack()
				if reason := msg.Metadata.Get(middleware.ReasonForPoisonedKey); !strings.Contains(reason, test.wantReason) {
					t.Errorf("reason %q, want it to mention %q", reason, test.wantReason)
				}
				if topic := msg.Metadata.Get(middleware.PoisonedTopicKey); topic != bus.DefaultTopic {
					t.Errorf("poisoned from topic %q, want %s", topic, bus.DefaultTopic)
				}
				if test.payload == "" && msg.Metadata.Get(middleware.PoisonedHandlerKey) != processes.HandlerClaimApproved {
					t.Errorf("poisoned by %q, want %s", msg.Metadata.Get(middleware.PoisonedHandlerKey), processes.HandlerClaimApproved)
				}
			case <-time.After(waitMax):
				t.Fatal("nothing reached the poison topic")
			}
			if got := executor.attempts.Load(); got != test.wantAttempts {
				t.Errorf("%d attempts, want %d", got, test.wantAttempts)
			}
		})
	}
}

// A refusal of the domain (a claim that was never filed) is final: poisoned at once, not retried.
func TestDomainRefusalIsPoisonedWithoutRetry(t *testing.T) {
	application := newApplication(t, memory.New())
	pubsub := newGoChannel(t)
	poisoned, err := pubsub.Subscribe(context.Background(), processes.PoisonTopic)
	if err != nil {
		t.Fatal(err)
	}
	executor := &countingExecutor{inner: application, done: make(chan error, 16)}
	startRouter(t, processes.Config{Executor: executor, Subscriber: func(string) (message.Subscriber, error) { return pubsub, nil },
		PoisonPublisher: pubsub, Logger: quiet, MaxRetries: 3, RetryInitialInterval: time.Millisecond, RetryMaxInterval: 5 * time.Millisecond})
	payload, _ := json.Marshal(bus.Envelope{Position: 1, StreamID: "claim-ghost", EventID: watermill.NewUUID(), Type: "ClaimApproved", Data: json.RawMessage(`{}`)})
	if err := pubsub.Publish(bus.DefaultTopic, message.NewMessage(watermill.NewUUID(), payload)); err != nil {
		t.Fatal(err)
	}
	select {
	case msg := <-poisoned:
		msg.Ack()
		if reason := msg.Metadata.Get(middleware.ReasonForPoisonedKey); !strings.Contains(reason, "no claim ghost is filed") {
			t.Errorf("reason %q", reason)
		}
	case <-time.After(waitMax):
		t.Fatal("nothing reached the poison topic")
	}
	if len(executor.done) != 1 {
		t.Errorf("%d attempts, want 1: a domain refusal is not retried", len(executor.done))
	}
}

func TestConfigValidate(t *testing.T) {
	_, err := processes.NewRouter(processes.Config{Topic: "same", PoisonTopic: "same", MaxRetries: 99})
	for _, want := range []string{"Executor is required", "Subscriber is required", "PoisonPublisher is required", "must differ", "MaxRetries"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %q", err, want)
		}
	}
}
