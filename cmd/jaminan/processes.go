package main

import (
	"context"
	"fmt"
	"os"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"

	"github.com/tanahbumbu/jaminan/adapters/bus"
	"github.com/tanahbumbu/jaminan/adapters/processes"
	"github.com/tanahbumbu/jaminan/projections"
)

// processesConsumerGroup prefixes each handler's durable JetStream consumer.
const processesConsumerGroup = "jaminan_processes_"

// startProcesses runs the process managers (docs/processes.md). With
// JAMINAN_NATS_URL set they consume the topic the relay publishes to, one
// durable consumer group per handler, and poison to jaminan_poison there.
// Without NATS, JAMINAN_PROCESSES=inprocess runs them on an in-process
// gochannel fed by a relay of their own; JAMINAN_PROCESSES=off disables them.
func startProcesses(ctx context.Context, built *system) error {
	mode, url := os.Getenv("JAMINAN_PROCESSES"), os.Getenv("JAMINAN_NATS_URL")
	switch {
	case mode == "off":
		return nil
	case url != "":
		return startProcessesOnNATS(ctx, built, url)
	case mode == "inprocess":
		return startProcessesInProcess(ctx, built)
	case mode == "":
		return nil
	default:
		return fmt.Errorf("JAMINAN_PROCESSES=%q: use inprocess, off, or leave it empty", mode)
	}
}

func startProcessesOnNATS(ctx context.Context, built *system, url string) error {
	logger := watermill.NewSlogLogger(built.logger)
	publisher, err := bus.NewNATSPublisher(bus.NATSConfig{URL: url}, logger)
	if err != nil {
		return fmt.Errorf("process managers: connect to NATS at JAMINAN_NATS_URL: %w", err)
	}
	var subscribers []message.Subscriber
	router, err := processes.NewRouter(processes.Config{Executor: built.application, PoisonPublisher: publisher, Logger: built.logger,
		Subscriber: func(handler string) (message.Subscriber, error) {
			subscriber, err := bus.NewNATSSubscriber(bus.NATSConfig{URL: url, QueueGroup: processesConsumerGroup + handler}, logger)
			if err == nil {
				subscribers = append(subscribers, subscriber)
			}
			return subscriber, err
		}})
	if err != nil {
		_ = publisher.Close()
		return err
	}
	go func() {
		defer func() {
			for _, subscriber := range subscribers {
				_ = subscriber.Close()
			}
			_ = publisher.Close()
		}()
		if err := router.Run(ctx); err != nil {
			built.logger.Error("process managers stopped", "error", err)
		}
	}()
	built.logger.Info("process managers consuming NATS JetStream", "topic", bus.DefaultTopic, "poison_topic", processes.PoisonTopic)
	return nil
}

// startProcessesInProcess: a relay of its own (checkpoint "relay:processes")
// publishes to a gochannel that blocks until the handlers acknowledged, so
// the checkpoint passes an event only once the process managers are done with it.
func startProcessesInProcess(ctx context.Context, built *system) error {
	logger := watermill.NewSlogLogger(built.logger)
	pubsub := gochannel.NewGoChannel(gochannel.Config{OutputChannelBuffer: 0, Persistent: false, BlockPublishUntilSubscriberAck: true}, logger)
	router, err := processes.NewRouter(processes.Config{Executor: built.application, PoisonPublisher: pubsub, Logger: built.logger,
		Subscriber: func(string) (message.Subscriber, error) { return pubsub, nil }})
	if err != nil {
		return err
	}
	relay, err := bus.NewRelay(pubsub, "processes", bus.DefaultTopic)
	if err != nil {
		return err
	}
	runner, err := projections.NewRunner(projections.Config{Pool: built.pool, Store: built.store, Decode: built.application.Decode,
		Projections: []projections.Projection{relay}, Logger: built.logger})
	if err != nil {
		return err
	}
	go func() {
		defer func() { _ = pubsub.Close() }()
		if err := router.Run(ctx); err != nil {
			built.logger.Error("process managers stopped", "error", err)
		}
	}()
	go func() {
		// A gochannel drops what is published before anyone subscribed: relay only once the handlers listen.
		select {
		case <-ctx.Done():
			return
		case <-router.Running():
		}
		_ = runner.Run(ctx, relayInterval)
	}()
	built.logger.Info("process managers running in process (gochannel)", "topic", bus.DefaultTopic)
	return nil
}
