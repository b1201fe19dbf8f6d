package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/calendar"
)

// historyHandler serves GET /api/v1/{participants|claims|payers}/{id}/history:
// the stream replayed from the log with the state after each event, bounded
// by ?as_of=DATE (business date) and ?at_position=N (what the ledger knew).
func (s *Server) historyHandler(kind string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := chi.URLParam(r, "id")
		if kind == "participant" {
			id = chi.URLParam(r, "nik")
		}
		bound, ok := historyBound(w, r)
		if !ok {
			return
		}
		entries, err := s.application.History(r.Context(), kind, id, bound)
		if err != nil {
			s.writeError(w, err)
			return
		}
		response := map[string]any{"kind": kind, "entries": entries}
		if len(entries) > 0 {
			response["state"] = entries[len(entries)-1].StateAfter
		}
		if !bound.AsOf.IsZero() {
			response["as_of"] = bound.AsOf
		}
		if bound.AtPosition > 0 {
			response["at_position"] = bound.AtPosition
		}
		writeJSON(w, http.StatusOK, response)
	})
}

// historyBound reads as_of and at_position, answering 400 for a bad one.
func historyBound(w http.ResponseWriter, r *http.Request) (app.HistoryBound, bool) {
	var bound app.HistoryBound
	query := r.URL.Query()
	if asOf := query.Get("as_of"); asOf != "" {
		date, err := calendar.ParseDate(asOf)
		if err != nil {
			badParameter(w, "as_of", "invalid_date", "as_of must be a date YYYY-MM-DD: "+err.Error())
			return bound, false
		}
		bound.AsOf = date
	}
	if at := query.Get("at_position"); at != "" {
		position, err := strconv.ParseInt(at, 10, 64)
		if err != nil || position < 1 {
			badParameter(w, "at_position", "invalid_position", "at_position must be a global position, a whole number from 1")
			return bound, false
		}
		bound.AtPosition = position
	}
	return bound, true
}

// verifier is a store that checks its own chains (the PostgreSQL store also
// checks its stream heads); any other store is walked through the port.
type verifier interface {
	Verify(ctx context.Context, progress func(checked, head int64)) (eventstore.Report, error)
}

// VerifyView is the outcome of GET /api/v1/verify.
type VerifyView struct {
	OK          bool              `json:"ok"`
	Events      int64             `json:"events"`
	Streams     int64             `json:"streams"`
	Unsealed    int64             `json:"unsealed"`
	FirstBroken *eventstore.Break `json:"first_broken,omitempty"`
}

// getVerify walks the log's hash chains (the same check as `jaminan verify
// --log-only`); 409 with the first broken position when the log was altered.
func (s *Server) getVerify(w http.ResponseWriter, r *http.Request) {
	var report eventstore.Report
	var err error
	if own, ok := s.application.Store().(verifier); ok {
		report, err = own.Verify(r.Context(), nil)
	} else {
		report, err = eventstore.Verify(r.Context(), s.application.Store(), nil)
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	view := VerifyView{OK: report.FirstBroken == nil, Events: report.Events, Streams: report.Streams, Unsealed: report.Unsealed, FirstBroken: report.FirstBroken}
	status := http.StatusOK
	if !view.OK {
		status = http.StatusConflict
	}
	writeJSON(w, status, view)
}
