package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"net/http/httptest"

	"github.com/jackc/pgx/v5"

	"github.com/tanahbumbu/jaminan/app"
)

// maxIdempotencyKeyLength bounds the header.
const maxIdempotencyKeyLength = 200

// withIdempotency replays the stored response of an Idempotency-Key seen
// before with the same command and body, refuses the key with another body,
// and stores the first response of a new key (never a 5xx: those may be retried).
func (s *Server) withIdempotency(w http.ResponseWriter, r *http.Request, command string, body []byte, handle func(http.ResponseWriter)) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		handle(w)
		return
	}
	if len(key) > maxIdempotencyKeyLength {
		writeProblem(w, http.StatusBadRequest, app.ErrorView{Code: "invalid_idempotency_key", Message: "Idempotency-Key is at most 200 characters", Field: "Idempotency-Key"})
		return
	}
	sum := sha256.Sum256(body)
	var storedCommand string
	var storedSum, response []byte
	var status int
	err := s.pool.QueryRow(r.Context(), `SELECT command, body_sha256, status, response FROM api_idempotency WHERE idempotency_key = $1`, key).
		Scan(&storedCommand, &storedSum, &status, &response)
	switch {
	case err == nil && storedCommand == command && bytes.Equal(storedSum, sum[:]):
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(status)
		_, _ = w.Write(response)
		return
	case err == nil:
		writeProblem(w, http.StatusConflict, app.ErrorView{Code: "idempotency_key_reused",
			Message: "this Idempotency-Key was used for another command or body; use a new key", Field: "Idempotency-Key"})
		return
	case !errors.Is(err, pgx.ErrNoRows):
		s.writeError(w, err)
		return
	}
	recorder := httptest.NewRecorder()
	handle(recorder)
	if recorder.Code < http.StatusInternalServerError {
		_, err := s.pool.Exec(context.WithoutCancel(r.Context()), `INSERT INTO api_idempotency (idempotency_key, command, body_sha256, status, response)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (idempotency_key) DO NOTHING`, key, command, sum[:], recorder.Code, recorder.Body.Bytes())
		if err != nil {
			s.logger.Error("store idempotency key", "error", err)
		}
	}
	for name, values := range recorder.Header() {
		w.Header()[name] = values
	}
	w.WriteHeader(recorder.Code)
	_, _ = w.Write(recorder.Body.Bytes())
}
