// Package httpapi serves jaminan's JSON API (/api/v1). Errors are RFC 9457
// problem documents mapped once from the domain's error kinds; logs carry the
// route pattern, never the path (a path may hold a NIK).
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/claim"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/money"
	"github.com/tanahbumbu/jaminan/domain/problem"
	"github.com/tanahbumbu/jaminan/projections"
)

// maxBodyBytes bounds a request body.
const maxBodyBytes = command.MaxCommandBytes

// Server holds what the handlers read.
type Server struct {
	application *app.Application
	pool        *pgxpool.Pool
	runner      *projections.Runner
	logger      *slog.Logger
	metrics     *metrics
}

// New builds the API's handler.
func New(application *app.Application, pool *pgxpool.Pool, runner *projections.Runner, logger *slog.Logger) http.Handler {
	server := &Server{application: application, pool: pool, runner: runner, logger: logger, metrics: newMetrics(runner)}
	router := chi.NewRouter()
	router.Use(server.logRequests)
	router.Handle("/metrics", server.metrics.handler())
	router.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	router.Route("/api/v1", func(r chi.Router) {
		r.Post("/commands/{name}", server.postCommand)
		r.Get("/participants/{nik}", server.getParticipant)
		r.Get("/participants/{nik}/coverage", server.getCoverage)
		r.Get("/claims/{id}", server.getClaim)
		r.Get("/status", server.getStatus)
	})
	router.NotFound(func(w http.ResponseWriter, _ *http.Request) {
		writeProblem(w, http.StatusNotFound, app.ErrorView{Code: "route_not_found", Message: "no such route; see docs/commands.md"})
	})
	return router
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

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (s *Server) postCommand(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		writeProblem(w, http.StatusBadRequest, app.ErrorView{Code: "unreadable_body", Message: "could not read the request body"})
		return
	}
	if len(body) > maxBodyBytes {
		writeProblem(w, http.StatusRequestEntityTooLarge, app.ErrorView{Code: "too_large", Message: "the body is over the 64 KiB limit"})
		return
	}
	name := chi.URLParam(r, "name")
	s.withIdempotency(w, r, name, body, func(w http.ResponseWriter) {
		decoded, err := command.Decode(name, body)
		if err != nil {
			s.writeError(w, err)
			return
		}
		result, err := s.application.Execute(r.Context(), decoded, app.Meta{Actor: "api", Source: "http", CorrelationID: r.Header.Get("X-Correlation-ID")})
		if err != nil {
			s.writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "events": result.Views()})
	})
}

// writeError maps a domain error kind to its status, once, for every route.
func (s *Server) writeError(w http.ResponseWriter, err error) {
	view, kind := app.Describe(err)
	status := map[problem.Kind]int{problem.Invalid: http.StatusUnprocessableEntity, problem.NotFound: http.StatusNotFound,
		problem.Conflict: http.StatusConflict, problem.Forbidden: http.StatusForbidden}[kind]
	if view.Code == "malformed_json" || view.Code == "unknown_field" || view.Code == "unknown_command" || view.Code == "money_not_string" || view.Code == "invalid_type" {
		status = http.StatusBadRequest
	}
	if status == 0 {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			status = http.StatusServiceUnavailable
		} else {
			status = http.StatusInternalServerError
		}
		s.logger.Error("request failed", "error", err)
	}
	writeProblem(w, status, view)
}

func writeProblem(w http.ResponseWriter, status int, view app.ErrorView) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type": "https://jaminan.example/problems/" + view.Code, "title": view.Code, "status": status,
		"detail": view.Message, "field": view.Field,
	})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// ParticipantView is a row of rm_participants.
type ParticipantView struct {
	ParticipantID string  `json:"participant_id"`
	NIK           string  `json:"nik"`
	Name          string  `json:"name"`
	BirthDate     string  `json:"birth_date"`
	Category      string  `json:"category"`
	Segment       string  `json:"segment"`
	Kecamatan     string  `json:"kecamatan"`
	Desa          string  `json:"desa"`
	PayerID       string  `json:"payer_id"`
	WageBase      *string `json:"wage_base"`
	Status        string  `json:"status"`
	EndedOn       *string `json:"ended_on"`
	DiedOn        *string `json:"died_on"`
	Position      int64   `json:"position"`
}

func (s *Server) getParticipant(w http.ResponseWriter, r *http.Request) {
	nik := chi.URLParam(r, "nik")
	var view ParticipantView
	var wage *decimal.Decimal
	err := s.pool.QueryRow(r.Context(), `SELECT participant_id, nik, name, birth_date::text, category, segment, kecamatan, desa, payer_id,
		wage_base, status, ended_on::text, died_on::text, position FROM rm_participants WHERE nik = $1`, nik).Scan(
		&view.ParticipantID, &view.NIK, &view.Name, &view.BirthDate, &view.Category, &view.Segment, &view.Kecamatan, &view.Desa,
		&view.PayerID, &wage, &view.Status, &view.EndedOn, &view.DiedOn, &view.Position)
	if errors.Is(err, pgx.ErrNoRows) {
		writeProblem(w, http.StatusNotFound, app.ErrorView{Code: "participant_not_found", Message: "no participant with this NIK in the read model (registered just now? projections may lag a moment)", Field: "nik"})
		return
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	if wage != nil {
		formatted := money.Format(*wage)
		view.WageBase = &formatted
	}
	writeJSON(w, http.StatusOK, view)
}

// CoverageRow is a row of rm_coverage.
type CoverageRow struct {
	Programme    string  `json:"programme"`
	CoveredFrom  string  `json:"covered_from"`
	CoveredUntil *string `json:"covered_until"`
}

// getCoverage returns the projected coverage spans, and with ?as_of=DATE the
// coverage on that date as the domain computes it from the log.
func (s *Server) getCoverage(w http.ResponseWriter, r *http.Request) {
	nik := chi.URLParam(r, "nik")
	rows, err := s.pool.Query(r.Context(), `SELECT c.programme, c.covered_from::text, c.covered_until::text FROM rm_coverage c
		JOIN rm_participants p USING (participant_id) WHERE p.nik = $1 ORDER BY c.programme`, nik)
	if err != nil {
		s.writeError(w, err)
		return
	}
	spans, err := pgx.CollectRows(rows, pgx.RowToStructByPos[CoverageRow])
	if err != nil {
		s.writeError(w, err)
		return
	}
	response := map[string]any{"spans": spans}
	if asOf := r.URL.Query().Get("as_of"); asOf != "" {
		date, err := calendar.ParseDate(asOf)
		if err != nil {
			writeProblem(w, http.StatusBadRequest, app.ErrorView{Code: "invalid_date", Message: err.Error(), Field: "as_of"})
			return
		}
		member, err := s.application.ParticipantByNIK(r.Context(), nik)
		if err != nil {
			s.writeError(w, err)
			return
		}
		billing, err := s.application.Billing(r.Context(), member)
		if err != nil {
			s.writeError(w, err)
			return
		}
		response["as_of"] = date
		response["coverage"] = member.CoverageOn(date, billing.PaidFunc())
	} else if len(spans) == 0 {
		writeProblem(w, http.StatusNotFound, app.ErrorView{Code: "participant_not_found", Message: "no coverage for this NIK in the read model", Field: "nik"})
		return
	}
	writeJSON(w, http.StatusOK, response)
}

func (s *Server) getStatus(w http.ResponseWriter, r *http.Request) {
	statuses, err := s.runner.Status(r.Context())
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"projections": statuses})
}

// ClaimView is a claim as the log says now: the decision with every component
// and formula, the scholarship schedule, and what is paid and outstanding.
type ClaimView struct {
	ClaimID     string                   `json:"claim_id"`
	Status      string                   `json:"status"`
	Filed       *claim.Filed             `json:"filed"`
	Approved    *claim.Approved          `json:"approved,omitempty"`
	Rejected    *claim.Rejected          `json:"rejected,omitempty"`
	Schedule    []claim.ScheduledTranche `json:"schedule,omitempty"`
	PaidOut     string                   `json:"paid_out"`
	Outstanding string                   `json:"outstanding"`
	Version     int64                    `json:"version"`
}

func (s *Server) getClaim(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	state, err := s.application.LoadClaim(r.Context(), id)
	if err != nil {
		s.writeError(w, err)
		return
	}
	if state.Filed == nil {
		writeProblem(w, http.StatusNotFound, app.ErrorView{Code: "claim_not_found", Message: "no claim " + id + " in the log", Field: "id"})
		return
	}
	schedule, _ := state.Schedule()
	w.Header().Set("ETag", fmt.Sprintf("%q", strconv.FormatInt(state.Version, 10)))
	writeJSON(w, http.StatusOK, ClaimView{ClaimID: id, Status: state.Status(), Filed: state.Filed, Approved: state.Approved, Rejected: state.Rejected,
		Schedule: schedule, PaidOut: money.Format(state.PaidOut), Outstanding: money.Format(state.Outstanding()), Version: state.Version})
}
