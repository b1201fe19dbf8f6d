package httpapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tanahbumbu/jaminan/adapters/tokens"
	"github.com/tanahbumbu/jaminan/app"
)

// Idempotency-Key: one command's effect per key, whatever arrives at once.
//
// The first request with a key inserts a pending row (the primary key
// (principal, key) makes the reservation atomic: one inserter wins), runs the
// command, and stores the final answer in that row. A concurrent request with
// the same key and the same fingerprint waits for that answer and replays it;
// with another fingerprint it is refused at once (409 idempotency_key_reused).
// A transient answer releases the row, so a retry runs the command.
//
// Why a committed reservation rather than a transaction or advisory lock held
// while the command runs: the command appends through connections of its own,
// so a held transaction pins a second connection per request and each waiter
// pins one while blocked; twenty retries of one key would exhaust the pool (16
// by default) and leave the winner no connection for its append. Here waiters
// poll between short sleeps and hold no connection. The price is a lease: a
// reservation whose server died is taken over once older than
// reservationLease, and the command's caller-chosen ids make that second run
// append nothing the first one appended.
const (
	maxIdempotencyKeyLength = 200
	// reservationLease is longer than any command runs (a 10 MB statement
	// reconciles in seconds): a reservation older than this was abandoned.
	reservationLease = 2 * time.Minute
	// answerWaitMax bounds how long a request waits for a concurrent one's
	// answer before it is told to retry (409 idempotency_key_in_progress).
	answerWaitMax = 30 * time.Second
	answerPollMin = 5 * time.Millisecond
	answerPollMax = 250 * time.Millisecond
	// maxReserveAttempts bounds the reservation loop besides answerWaitMax.
	maxReserveAttempts = 1000
	// anonymousPrincipal owns every key when authentication is off.
	anonymousPrincipal = "anonymous"
)

// replayedHeaders are the headers of an answer stored with it and replayed.
var replayedHeaders = []string{"Content-Type", "ETag", "Location"}

// transientConflicts are 409 codes that mean "try again": never stored.
var transientConflicts = map[string]bool{"concurrent_update": true, "idempotency_key_in_progress": true}

// keyedRequest is one request's claim on an Idempotency-Key.
type keyedRequest struct {
	principal, key string
	fingerprint    []byte
	reservation    string
}

// storedAnswer is a final answer kept under a key.
type storedAnswer struct {
	status  int
	headers map[string]string
	body    []byte
}

// reserveOutcome is what reserve found: the key is ours to run, or an answer
// to replay, or the key belongs to another request, or is still being run.
type reserveOutcome int

const (
	reserved reserveOutcome = iota
	replay
	reused
	inProgress
)

// withIdempotency runs handle once per Idempotency-Key of the caller: it
// replays the stored answer of a request seen before with the same
// fingerprint, refuses the key with another request, and stores the final
// answer of a new one (see the comment above the constants).
func (s *Server) withIdempotency(w http.ResponseWriter, r *http.Request, body []byte, handle func(http.ResponseWriter)) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		handle(w)
		return
	}
	if len(key) > maxIdempotencyKeyLength {
		writeProblem(w, http.StatusBadRequest, app.ErrorView{Code: "invalid_idempotency_key", Message: "Idempotency-Key is at most 200 characters", Field: "Idempotency-Key"})
		return
	}
	request := keyedRequest{principal: principal(r), key: key, fingerprint: fingerprint(r, body)}
	outcome, stored, err := s.reserve(r.Context(), &request)
	switch {
	case err != nil:
		s.writeError(w, err)
		return
	case outcome == replay:
		for name, value := range stored.headers {
			w.Header().Set(name, value)
		}
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(stored.status)
		_, _ = w.Write(stored.body)
		return
	case outcome == reused:
		writeProblem(w, http.StatusConflict, app.ErrorView{Code: "idempotency_key_reused", Field: "Idempotency-Key",
			Message: "this Idempotency-Key was used for another request (method, path, query, If-Match or body); use a new key"})
		return
	case outcome == inProgress:
		w.Header().Set("Retry-After", "1")
		writeProblem(w, http.StatusConflict, app.ErrorView{Code: "idempotency_key_in_progress", Field: "Idempotency-Key",
			Message: "a request with this Idempotency-Key is still running; retry it in a moment"})
		return
	}
	s.runReserved(w, r, request, handle)
}

// runReserved runs the command of a key this request reserved, stores its
// answer if final, releases the key otherwise (a panic included), and writes it.
func (s *Server) runReserved(w http.ResponseWriter, r *http.Request, request keyedRequest, handle func(http.ResponseWriter)) {
	settled := false
	defer func() {
		if !settled {
			s.release(r.Context(), request)
		}
	}()
	recorder := newAnswerRecorder()
	handle(recorder)
	if final(recorder.status, recorder.body.Bytes()) {
		s.store(r.Context(), request, recorder)
	} else {
		s.release(r.Context(), request)
	}
	settled = true
	for name, values := range recorder.header {
		w.Header()[name] = values
	}
	w.WriteHeader(recorder.status)
	_, _ = w.Write(recorder.body.Bytes())
}

// reserve claims the key for request, or finds what holds it. It waits,
// polling, while a concurrent request with the same fingerprint runs.
func (s *Server) reserve(ctx context.Context, request *keyedRequest) (reserveOutcome, storedAnswer, error) {
	delay := answerPollMin
	giveUp := time.Now().Add(answerWaitMax)
	for attempt := 0; attempt < maxReserveAttempts; attempt++ {
		request.reservation = newReservation()
		tag, err := s.pool.Exec(ctx, `INSERT INTO api_idempotency (principal, idempotency_key, fingerprint, reservation)
			VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, request.principal, request.key, request.fingerprint, request.reservation)
		if err != nil {
			return 0, storedAnswer{}, fmt.Errorf("reserve idempotency key: %w", err)
		}
		if tag.RowsAffected() == 1 {
			return reserved, storedAnswer{}, nil
		}
		var stored storedAnswer
		var fingerprint []byte
		var status *int
		var abandoned bool
		err = s.pool.QueryRow(ctx, `SELECT fingerprint, status, coalesce(headers, '{}'), coalesce(response, ''), reserved_at < now() - $3 * interval '1 second'
			FROM api_idempotency WHERE principal = $1 AND idempotency_key = $2`, request.principal, request.key, int(reservationLease.Seconds())).
			Scan(&fingerprint, &status, &stored.headers, &stored.body, &abandoned)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			continue // released since the insert: try again at once
		case err != nil:
			return 0, storedAnswer{}, fmt.Errorf("read idempotency key: %w", err)
		case !bytes.Equal(fingerprint, request.fingerprint):
			return reused, storedAnswer{}, nil
		case status != nil:
			stored.status = *status
			return replay, stored, nil
		case abandoned:
			if taken, err := s.takeOver(ctx, *request); err != nil || taken {
				return reserved, storedAnswer{}, err
			}
			continue
		case time.Now().After(giveUp):
			return inProgress, storedAnswer{}, nil
		}
		if err := sleep(ctx, delay); err != nil {
			return 0, storedAnswer{}, err
		}
		delay = min(2*delay, answerPollMax)
	}
	return inProgress, storedAnswer{}, nil
}

// takeOver claims an abandoned reservation; false when another request did first.
func (s *Server) takeOver(ctx context.Context, request keyedRequest) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE api_idempotency SET reservation = $3, reserved_at = now()
		WHERE principal = $1 AND idempotency_key = $2 AND status IS NULL AND reserved_at < now() - $4 * interval '1 second'`,
		request.principal, request.key, request.reservation, int(reservationLease.Seconds()))
	if err != nil {
		return false, fmt.Errorf("take over idempotency key: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// store keeps a final answer under the key. The client may be gone; the
// answer is stored anyway. A failure is logged: the reservation then expires
// and a retry runs the command again, which its ids make harmless.
func (s *Server) store(ctx context.Context, request keyedRequest, answer *answerRecorder) {
	headers := map[string]string{}
	for _, name := range replayedHeaders {
		if value := answer.header.Get(name); value != "" {
			headers[name] = value
		}
	}
	_, err := s.pool.Exec(context.WithoutCancel(ctx), `UPDATE api_idempotency SET status = $4, headers = $5, response = $6
		WHERE principal = $1 AND idempotency_key = $2 AND reservation = $3`,
		request.principal, request.key, request.reservation, answer.status, headers, answer.body.Bytes())
	if err != nil {
		s.logger.Error("store idempotent answer", "error", err)
	}
}

// release gives the key up after a transient answer, so a retry runs the command.
func (s *Server) release(ctx context.Context, request keyedRequest) {
	_, err := s.pool.Exec(context.WithoutCancel(ctx), `DELETE FROM api_idempotency
		WHERE principal = $1 AND idempotency_key = $2 AND reservation = $3 AND status IS NULL`, request.principal, request.key, request.reservation)
	if err != nil {
		s.logger.Error("release idempotency key", "error", err)
	}
}

// final reports whether an answer is stored under its key: 2xx and 4xx,
// except the ones that say "try again" (408, 425, 429 and a 409 of a
// transient code). 5xx never is. A 412 is final: a stream's version only
// grows, so the same If-Match (part of the fingerprint) fails the same way forever.
func final(status int, body []byte) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests:
		return false
	case http.StatusConflict:
		var document problemDocument
		return json.Unmarshal(body, &document) == nil && !transientConflicts[document.Title]
	}
	return status < http.StatusInternalServerError
}

// principal is who owns the keys of a request: the token, or everyone when
// authentication is off.
func principal(r *http.Request) string {
	if token, ok := r.Context().Value(actorKey{}).(tokens.Token); ok {
		return "token:" + token.ID
	}
	return anonymousPrincipal
}

// fingerprint is what makes two requests the same: method, path, query
// (parameters sorted), If-Match, media type and body, each length-prefixed.
func fingerprint(r *http.Request, body []byte) []byte {
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	hash := sha256.New()
	for _, part := range []string{r.Method, r.URL.Path, r.URL.Query().Encode(), r.Header.Get("If-Match"), mediaType} {
		_, _ = hash.Write([]byte(strconv.Itoa(len(part)) + ":" + part + "\n"))
	}
	_, _ = hash.Write(body)
	return hash.Sum(nil)
}

func newReservation() string {
	random := make([]byte, 16)
	_, _ = rand.Read(random) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(random)
}

func sleep(ctx context.Context, delay time.Duration) error {
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// answerRecorder holds a handler's answer until it is stored or released.
type answerRecorder struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func newAnswerRecorder() *answerRecorder {
	return &answerRecorder{header: http.Header{}, status: http.StatusOK}
}

func (a *answerRecorder) Header() http.Header { return a.header }

// WriteHeader keeps the first status, as a ResponseWriter does.
func (a *answerRecorder) WriteHeader(status int) {
	if !a.wrote {
		a.status, a.wrote = status, true
	}
}

func (a *answerRecorder) Write(data []byte) (int, error) {
	a.wrote = true
	return a.body.Write(data)
}
