package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ThreeDotsLabs/watermill"

	"github.com/tanahbumbu/jaminan/adapters/bus"
	"github.com/tanahbumbu/jaminan/adapters/directory"
	"github.com/tanahbumbu/jaminan/adapters/tokens"
	"github.com/tanahbumbu/jaminan/projections"
)

// Intervals of the serve loops.
const (
	projectionPollInterval = 500 * time.Millisecond
	shutdownTimeout        = 10 * time.Second
	relayInterval          = 200 * time.Millisecond
)

// defaultBodyTimeout is serve's --body-timeout.
const defaultBodyTimeout = 30 * time.Second

func newServeCommand() *cobra.Command {
	var address string
	var bodyTimeout time.Duration
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the HTTP API and keep the projections live",
		Long: `Applies migrations, then serves the JSON API under /api/v1 (docs/api.md; the
OpenAPI document at /api/v1/openapi.json) and the dashboard page at /, and keeps
every projection caught up with the log until interrupted (Ctrl-C). Every API
route needs a bearer token (jaminan token create --role R --name N); the page
reads its token from the address (#token=...) or asks for one.`,
		Example: "  jaminan serve --addr 127.0.0.1:8080",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if bodyTimeout <= 0 {
				return &usageError{fmt.Errorf("--body-timeout must be more than zero, got %s", bodyTimeout)}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			built, err := open(ctx)
			if err != nil {
				return err
			}
			defer built.Close()
			if os.Getenv("JAMINAN_NIK_KEY") == "" {
				built.logger.Warn("JAMINAN_NIK_KEY is not set: the NIK directory uses the development key " + directory.DevelopmentKey + "; set a secret key in production")
			}
			go func() { _ = built.runner.Run(ctx, projectionPollInterval) }()
			if err := startRelay(ctx, built); err != nil {
				return err
			}
			if err := startProcesses(ctx, built); err != nil {
				return err
			}
			handler, err := apiHandler(built, bodyTimeout)
			if err != nil {
				return err
			}
			if count, err := tokens.New(built.pool).Count(ctx); err == nil && count == 0 {
				built.logger.Warn("no API tokens exist yet: create one with `jaminan token create --role admin --name you`")
			}
			server := &http.Server{Addr: address, Handler: handler, ReadHeaderTimeout: 10 * time.Second}
			errs := make(chan error, 1)
			go func() { errs <- server.ListenAndServe() }()
			fmt.Fprintf(cmd.OutOrStdout(), "jaminan serving on http://%s  (API under /api/v1, status at /api/v1/status; Ctrl-C stops)\n", address)
			select {
			case err := <-errs:
				return fmt.Errorf("serve on %s: %w", address, err)
			case <-ctx.Done():
			}
			shutdown, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
			defer cancel()
			if err := server.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&address, "addr", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().DurationVar(&bodyTimeout, "body-timeout", defaultBodyTimeout,
		"how long a request body may take to arrive; a slower client is answered 408")
	return cmd
}

// startRelay publishes the log to NATS JetStream through Watermill when
// JAMINAN_NATS_URL is set (process managers and outside systems subscribe there).
func startRelay(ctx context.Context, built *system) error {
	url := os.Getenv("JAMINAN_NATS_URL")
	if url == "" {
		return nil
	}
	publisher, err := bus.NewNATSPublisher(bus.NATSConfig{URL: url}, watermill.NewSlogLogger(built.logger))
	if err != nil {
		return fmt.Errorf("connect to NATS at JAMINAN_NATS_URL: %w", err)
	}
	relay, err := bus.NewRelay(publisher, "nats", bus.DefaultTopic)
	if err != nil {
		return err
	}
	// Its own runner: a broker outage holds back the relay, never the read models.
	runner, err := projections.NewRunner(projections.Config{Pool: built.pool, Store: built.store, Decode: built.application.Decode,
		Projections: []projections.Projection{relay}, Logger: built.logger})
	if err != nil {
		return err
	}
	go func() {
		defer publisher.Close()
		_ = runner.Run(ctx, relayInterval)
	}()
	built.logger.Info("publishing the log to NATS JetStream", "topic", bus.DefaultTopic)
	return nil
}
