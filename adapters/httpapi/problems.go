package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

// retryAfterSeconds is what a 503 tells clients to wait before retrying.
const retryAfterSeconds = 5

// problemBase prefixes every problem type; each domain error code is one type.
const problemBase = "https://jaminan.example/problems/"

// kindStatus maps the domain's error kinds to HTTP statuses, once, for every route.
var kindStatus = map[problem.Kind]int{
	problem.Invalid:            http.StatusUnprocessableEntity,
	problem.NotFound:           http.StatusNotFound,
	problem.Conflict:           http.StatusConflict,
	problem.Forbidden:          http.StatusForbidden,
	problem.PreconditionFailed: http.StatusPreconditionFailed,
}

// badRequestCodes are decoding errors: the body is not a command at all.
var badRequestCodes = map[string]bool{"malformed_json": true, "unknown_field": true, "unknown_command": true,
	"money_not_string": true, "rate_not_string": true, "invalid_type": true, "trailing_data": true, "duplicate_key": true}

// writeError maps any error to a problem document. Errors that mean the
// database cannot be reached are 503 with Retry-After: the client retries the
// same request (with its Idempotency-Key) once PostgreSQL is back.
func (s *Server) writeError(w http.ResponseWriter, err error) {
	view, kind := app.Describe(err)
	status := kindStatus[kind]
	if badRequestCodes[view.Code] {
		status = http.StatusBadRequest
	}
	if status == 0 {
		switch {
		case unavailable(err):
			w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
			status = http.StatusServiceUnavailable
			view = app.ErrorView{Code: "unavailable", Message: "the database is not reachable just now; retry after " + strconv.Itoa(retryAfterSeconds) + " seconds with the same Idempotency-Key"}
			s.logger.Warn("database unavailable", "error", err)
		case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
			status = http.StatusServiceUnavailable
			w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
			view = app.ErrorView{Code: "timeout", Message: "the request was cancelled or took too long; retry it"}
		default:
			status = http.StatusInternalServerError
			s.logger.Error("request failed", "error", err)
		}
	}
	writeProblem(w, status, view)
}

// unavailable reports errors of a database that is down, restarting or
// unreachable: connection failures and PostgreSQL's admin-shutdown and
// cannot-connect-now classes (57P..) and connection exceptions (08...).
func unavailable(err error) bool {
	var connectError *pgconn.ConnectError
	if errors.As(err, &connectError) {
		return true
	}
	var pgError *pgconn.PgError
	if errors.As(err, &pgError) {
		return len(pgError.Code) == 5 && (pgError.Code[:3] == "57P" || pgError.Code[:2] == "08")
	}
	var netError net.Error
	return errors.As(err, &netError) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || pgconn.SafeToRetry(err)
}

func writeProblem(w http.ResponseWriter, status int, view app.ErrorView) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(problemDocument{Type: problemBase + view.Code, Title: view.Code, Status: status,
		Detail: view.Message, Field: view.Field})
}

// problemDocument is RFC 9457's shape, with the field the error is about.
type problemDocument struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Field  string `json:"field,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// badParameter is a 400 about one query or path parameter.
func badParameter(w http.ResponseWriter, field, code, message string) {
	writeProblem(w, http.StatusBadRequest, app.ErrorView{Code: code, Message: message, Field: field})
}
