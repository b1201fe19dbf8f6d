// Package httpapi serves jaminan's JSON API (/api/v1). Every route is one row
// of a table (routes.go) that names its permission; the same table drives the
// authentication middleware, the OpenAPI document and the routes×roles test.
// Errors are RFC 9457 problem documents mapped once from the domain's error
// kinds; logs carry the route pattern, never the path (a path may hold a NIK).
package httpapi

import (
	"context"
	"crypto/ed25519"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tanahbumbu/jaminan/adapters/tokens"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/access"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/projections"
)

// maxBodyBytes bounds a request body.
const maxBodyBytes = command.MaxCommandBytes

// Authenticator turns a presented bearer token into its holder.
type Authenticator interface {
	Authenticate(ctx context.Context, presented string) (tokens.Token, error)
}

// Config wires the API.
type Config struct {
	Application *app.Application
	Pool        *pgxpool.Pool
	Runner      *projections.Runner
	Logger      *slog.Logger
	// Tokens authenticates bearer tokens; nil means the api_tokens table in Pool.
	Tokens Authenticator
	// AuthDisabled serves every route to anyone as actor "anonymous"; for local
	// demos and tests only (JAMINAN_AUTH=off), never in production.
	AuthDisabled bool
	// BundleKey signs audit bundles; nil means the development key (bundle.DevelopmentSeed).
	BundleKey ed25519.PrivateKey
	// Mounts are handlers of other packages (the dashboard page, its data)
	// served under the same authentication.
	Mounts []Mount
	// BodyReadTimeout bounds how long a request's body may take to arrive
	// (408 after it); zero means defaultBodyReadTimeout.
	BodyReadTimeout time.Duration
}

// Mount is a handler served at a pattern under one permission; Public serves
// it without a token (the page's HTML and scripts hold no data).
type Mount struct {
	Pattern    string
	Handler    http.Handler
	Permission access.Permission
	Public     bool
	Summary    string
}

// Validate reports every missing dependency at once.
func (c Config) Validate() error {
	var errs []error
	if c.Application == nil {
		errs = append(errs, errors.New("httpapi: Application is required"))
	}
	if c.Pool == nil {
		errs = append(errs, errors.New("httpapi: Pool is required"))
	}
	if c.Runner == nil {
		errs = append(errs, errors.New("httpapi: Runner is required"))
	}
	if c.BodyReadTimeout < 0 {
		errs = append(errs, errors.New("httpapi: BodyReadTimeout is negative"))
	}
	for _, mount := range c.Mounts {
		if mount.Pattern == "" || mount.Handler == nil || (!mount.Public && mount.Permission == "") {
			errs = append(errs, errors.New("httpapi: a mount needs a pattern, a handler and a permission (or Public)"))
		}
	}
	return errors.Join(errs...)
}

func (c *Config) setDefaults() {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Tokens == nil && c.Pool != nil {
		c.Tokens = tokens.New(c.Pool)
	}
	if c.BodyReadTimeout == 0 {
		c.BodyReadTimeout = defaultBodyReadTimeout
	}
}

// Server holds what the handlers read.
type Server struct {
	application  *app.Application
	pool         *pgxpool.Pool
	runner       *projections.Runner
	logger       *slog.Logger
	metrics      *metrics
	tokens       Authenticator
	authDisabled bool
	routes       []route
	bundleSigner ed25519.PrivateKey
}

// New builds the API's handler with authentication from the api_tokens table.
func New(application *app.Application, pool *pgxpool.Pool, runner *projections.Runner, logger *slog.Logger) http.Handler {
	handler, err := NewWithConfig(Config{Application: application, Pool: pool, Runner: runner, Logger: logger})
	if err != nil {
		panic(err) // only a nil dependency gets here: a programming error
	}
	return handler
}

// NewWithConfig builds the API's handler.
func NewWithConfig(config Config) (http.Handler, error) {
	config.setDefaults()
	if err := config.Validate(); err != nil {
		return nil, err
	}
	server := &Server{application: config.Application, pool: config.Pool, runner: config.Runner, logger: config.Logger,
		metrics: newMetrics(config.Runner), tokens: config.Tokens, authDisabled: config.AuthDisabled, bundleSigner: config.BundleKey}
	server.routes = server.routeTable(config.Mounts)
	router := chi.NewRouter()
	router.Use(bodyDeadline(config.BodyReadTimeout), server.logRequests, secureHeaders, validURL)
	router.Handle("/metrics", server.metrics.handler())
	router.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	for _, route := range server.routes {
		router.Method(route.Method, route.Pattern, server.authorize(route))
	}
	router.NotFound(func(w http.ResponseWriter, _ *http.Request) {
		writeProblem(w, http.StatusNotFound, app.ErrorView{Code: "route_not_found", Message: "no such route; see /api/v1/openapi.json"})
	})
	router.MethodNotAllowed(func(w http.ResponseWriter, _ *http.Request) {
		writeProblem(w, http.StatusMethodNotAllowed, app.ErrorView{Code: "method_not_allowed", Message: "this route does not take this method; see /api/v1/openapi.json"})
	})
	return router, nil
}

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		recorder := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(recorder, r)
		route := chi.RouteContext(r.Context()).RoutePattern()
		s.metrics.observe(route, recorder.status, time.Since(start))
		s.logger.Info("request", "method", r.Method, "route", route, "status", recorder.status, "duration_ms", time.Since(start).Milliseconds())
	})
}

// secureHeaders are sent on every response; TLS is terminated in front of
// serve (docs/api.md, Deployment).
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header := w.Header()
		header.Set("X-Content-Type-Options", "nosniff")
		header.Set("X-Frame-Options", "DENY")
		header.Set("Referrer-Policy", "no-referrer")
		header.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
		if r.URL.Path != "/" && r.URL.Path != "/index.html" && !isAsset(r.URL.Path) {
			header.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

func isAsset(path string) bool { return len(path) > 8 && path[:8] == "/assets/" }

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the connection (read deadlines).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Flush lets streaming handlers (exports) flush through the recorder.
func (r *statusRecorder) Flush() {
	if flusher, ok := r.ResponseWriter.(http.Flusher); ok {
		flusher.Flush()
	}
}

// DashboardMounts serves the dashboard page (public: its HTML and scripts
// hold no data) and the dash views it reads, under the dashboard permission.
func DashboardMounts(page, dash http.Handler) []Mount {
	return []Mount{
		{Pattern: "/", Handler: page, Public: true, Summary: "The dashboard page (HTML; its data comes from /api/v1/dash)"},
		{Pattern: "/index.html", Handler: page, Public: true, Summary: "The dashboard page"},
		{Pattern: "/assets/*", Handler: page, Public: true, Summary: "The page's scripts, styles and the vendored Chart.js"},
		{Pattern: "/api/v1/dash/summary", Handler: dash, Permission: access.ReadDashboard, Summary: "Every figure of the page in one snapshot"},
		{Pattern: "/api/v1/dash/{view}", Handler: dash, Permission: access.ReadDashboard,
			Summary: "Rows of one dash view (coverage_by_area, collections_by_month, arrears_ageing, claims_by_programme, payouts_by_programme, scholarship_commitments, fund_totals, trial_balance) in keyset pages: limit (1 to 50000, default 1000), after (the previous page's next_cursor)"},
	}
}
