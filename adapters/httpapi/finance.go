package httpapi

import (
	"bytes"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tanahbumbu/jaminan/adapters/bankstatement"
	"github.com/tanahbumbu/jaminan/adapters/export"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
)

// maxStatementBytes bounds a CSV statement posted for reconciliation.
const maxStatementBytes = bankstatement.MaxBytes

// postReconciliation reconciles a bank statement: a CSV body (Content-Type
// text/csv, the default column mapping of docs/reconciliation.md) with the
// query parameters statement_id (required), account and window_days; or a
// ReconcileStatement JSON body. It answers 201 with the report; a statement
// id reconciled already is a 409 and appends nothing.
func (s *Server) postReconciliation(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r, maxStatementBytes, "; split the statement by period")
	if !ok {
		return
	}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var statement *command.ReconcileStatement
	switch mediaType {
	case "text/csv":
		statement = s.statementFromCSV(w, r, body)
	case "application/json":
		statement = s.statementFromJSON(w, body)
	default:
		writeProblem(w, http.StatusUnsupportedMediaType, app.ErrorView{Code: "unsupported_media_type", Field: "Content-Type",
			Message: "send the statement as text/csv (with ?statement_id=…) or a ReconcileStatement as application/json"})
		return
	}
	if statement == nil {
		return
	}
	meta := app.Meta{Actor: actor(r), Source: "http", CorrelationID: r.Header.Get("X-Correlation-ID")}
	s.withIdempotency(w, r, body, func(w http.ResponseWriter) {
		if _, err := s.application.Execute(r.Context(), statement, meta); err != nil {
			s.writeError(w, err)
			return
		}
		if _, err := s.runner.CatchUp(r.Context()); err != nil {
			s.writeError(w, err)
			return
		}
		report, err := s.application.StatementReport(r.Context(), statement.StatementID)
		if err != nil {
			s.writeError(w, err)
			return
		}
		w.Header().Set("Location", "/api/v1/reconciliations/"+statement.StatementID)
		writeJSON(w, http.StatusCreated, report)
	})
}

// statementFromCSV parses the body with the default mapping; on a mistake it
// writes the problem and returns nil.
func (s *Server) statementFromCSV(w http.ResponseWriter, r *http.Request, body []byte) *command.ReconcileStatement {
	query := r.URL.Query()
	statement := &command.ReconcileStatement{StatementID: query.Get("statement_id"), Account: query.Get("account")}
	if statement.StatementID == "" {
		badParameter(w, "statement_id", "missing_parameter", "a CSV statement needs ?statement_id=… (e.g. bpd-2026-11)")
		return nil
	}
	if text := query.Get("window_days"); text != "" {
		days, err := strconv.Atoi(text)
		if err != nil {
			badParameter(w, "window_days", "invalid_parameter", "window_days is a whole number of days, 0 to "+strconv.Itoa(command.MaxWindowDays))
			return nil
		}
		statement.WindowDays = &days
	}
	lines, err := bankstatement.Parse(bytes.NewReader(body), bankstatement.Mapping{})
	if err != nil {
		var parseError *bankstatement.Error
		if !errors.As(err, &parseError) {
			s.writeError(w, err)
			return nil
		}
		writeProblem(w, http.StatusUnprocessableEntity, app.ErrorView{Code: "invalid_statement", Field: "body", Message: err.Error()})
		return nil
	}
	statement.Lines = command.StatementLines{Items: lines}
	return statement
}

func (s *Server) statementFromJSON(w http.ResponseWriter, body []byte) *command.ReconcileStatement {
	decoded, err := command.Decode("ReconcileStatement", body)
	if err != nil {
		s.writeError(w, err)
		return nil
	}
	return decoded.(*command.ReconcileStatement)
}

// getReconciliation is a reconciled statement's report, from the log.
func (s *Server) getReconciliation(w http.ResponseWriter, r *http.Request) {
	report, err := s.application.StatementReport(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, report)
}

// getExport writes one finance export (payouts, receipts, arrears,
// reconciliation) as ?format=csv (default) or xlsx, with a totals row.
// reconciliation needs ?statement_id=…; arrears takes ?as_of=YYYY-MM-DD (default today).
func (s *Server) getExport(w http.ResponseWriter, r *http.Request) {
	query := r.URL.Query()
	format := query.Get("format")
	if format == "" {
		format = "csv"
	}
	if format != "csv" && format != "xlsx" {
		badParameter(w, "format", "invalid_parameter", "format is csv or xlsx")
		return
	}
	request := export.Request{Name: chi.URLParam(r, "name"), StatementID: query.Get("statement_id"), AsOf: calendar.DateOf(time.Now())}
	if asOf := query.Get("as_of"); asOf != "" {
		date, err := calendar.ParseDate(asOf)
		if err != nil {
			badParameter(w, "as_of", "invalid_parameter", "as_of is a date, YYYY-MM-DD")
			return
		}
		request.AsOf = date
	}
	if err := request.Validate(); err != nil {
		field, status := "statement_id", http.StatusBadRequest
		if errors.Is(err, export.ErrUnknown) {
			field, status = "name", http.StatusNotFound
		}
		writeProblem(w, status, app.ErrorView{Code: "invalid_export", Field: field, Message: err.Error()})
		return
	}
	table, err := export.Build(r.Context(), s.pool, s.application.StatementReport, request)
	if err != nil {
		s.writeError(w, err)
		return
	}
	var file bytes.Buffer
	if err := export.Write(&file, table, format); err != nil {
		s.writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", export.ContentType(format))
	w.Header().Set("Content-Disposition", `attachment; filename="`+request.Name+"."+format+`"`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(file.Bytes())
}
