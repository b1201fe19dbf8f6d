package httpapi

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/claim"
	"github.com/tanahbumbu/jaminan/domain/money"
)

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
	// Version is the participant stream's version, as in the ETag.
	Version int64 `json:"version"`
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
	if version, err := s.streamVersion(r, app.ParticipantStream(view.ParticipantID)); err == nil {
		w.Header().Set("ETag", version.ETag())
		view.Version = version.Version
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
	w.Header().Set("ETag", app.StreamVersion{Stream: app.ClaimStream(id), Version: state.Version}.ETag())
	writeJSON(w, http.StatusOK, ClaimView{ClaimID: id, Status: state.Status(), Filed: state.Filed, Approved: state.Approved, Rejected: state.Rejected,
		Schedule: schedule, PaidOut: money.Format(state.PaidOut), Outstanding: money.Format(state.Outstanding()), Version: state.Version})
}

// Bounds of reading a stream's version.
const (
	versionPageSize = 1000
	maxVersionPages = 1000 // a million events: far beyond any participant's stream
)

// streamVersion is a stream's current version, from the log.
func (s *Server) streamVersion(r *http.Request, streamID string) (app.StreamVersion, error) {
	version := int64(0)
	for pages := 0; pages < maxVersionPages; pages++ {
		page, err := s.application.Store().ReadStream(r.Context(), streamID, version+1, versionPageSize)
		if err != nil {
			return app.StreamVersion{}, err
		}
		if len(page) > 0 {
			version = page[len(page)-1].Version
		}
		if len(page) < versionPageSize {
			return app.StreamVersion{Stream: streamID, Version: version}, nil
		}
	}
	return app.StreamVersion{}, fmt.Errorf("stream %s has more than %d events", streamID, maxVersionPages*versionPageSize)
}

// PayerView is a payer as the log says now.
type PayerView struct {
	PayerID   string `json:"payer_id"`
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	Bills     int    `json:"bills"`
	Credit    string `json:"credit"`
	Penalties string `json:"penalties"`
	Version   int64  `json:"version"`
}

func (s *Server) getPayer(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	state, err := s.application.LoadPayer(r.Context(), id)
	if err != nil {
		s.writeError(w, err)
		return
	}
	if state.Version == 0 {
		writeProblem(w, http.StatusNotFound, app.ErrorView{Code: "payer_not_found", Message: "no payer " + id + " in the log", Field: "id"})
		return
	}
	w.Header().Set("ETag", app.StreamVersion{Stream: app.PayerStream(id), Version: state.Version}.ETag())
	writeJSON(w, http.StatusOK, PayerView{PayerID: id, Name: state.Name, Kind: state.Kind, Bills: len(state.Bills),
		Credit: money.Format(state.Credit), Penalties: money.Format(state.Penalties), Version: state.Version})
}
