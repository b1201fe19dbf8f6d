package httpapi

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/tanahbumbu/jaminan/adapters/export"
	"github.com/tanahbumbu/jaminan/domain/reconciliation"
)

// financeRouter mounts the finance handlers as the route table will, without
// authentication (the routes×roles test covers that once they are in the table).
func financeRouter(server *Server) http.Handler {
	router := chi.NewRouter()
	router.Post("/api/v1/reconciliations", server.postReconciliation)
	router.Get("/api/v1/reconciliations/{id}", server.getReconciliation)
	router.Get("/api/v1/exports/{name}", server.getExport)
	return router
}

func send(t *testing.T, handler http.Handler, method, path, contentType, body string) (int, http.Header, []byte) {
	t.Helper()
	request := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		request.Header.Set("Content-Type", contentType)
	}
	recorder := httptest.NewRecorder()
	handler.ServeHTTP(recorder, request)
	result := recorder.Result()
	text, _ := io.ReadAll(result.Body)
	return result.StatusCode, result.Header, text
}

func TestReconciliationOverHTTP(t *testing.T) {
	t.Parallel()
	fixture := newAPIFixture(t)
	handler := financeRouter(fixture.server)
	// The fixture paid Santi's JKM benefit, Rp42.000.000, on 2025-03-01; the
	// bank shows it, and a fee of Rp5.000 the ledger does not know:
	// bank −42,005,000.00 = matched −42,000,000.00 + bank only −5,000.00;
	// ledger −42,000,000.00 = −42,005,000.00 − (−5,000.00) + 0 − 0.
	statement := "date,reference,amount,counterparty_account,description\n" +
		"2025-03-01,BPJSTK-BTL-2024-10-0042,-42000000.00,0031-22-000042,Santunan JKM\n" +
		"2025-03-01,FEE-03,-5000.00,,Biaya\n" // a statement lists no day after today (the fixture's 2025-03-01)
	status, header, body := send(t, handler, http.MethodPost, "/api/v1/reconciliations?statement_id=bpd-2025-03&account=0012", "text/csv", statement)
	if status != http.StatusCreated || header.Get("Location") != "/api/v1/reconciliations/bpd-2025-03" {
		t.Fatalf("POST a CSV statement: %d %s", status, body)
	}
	var report reconciliation.State
	if err := json.Unmarshal(body, &report); err != nil {
		t.Fatal(err)
	}
	totals := report.Reconciled.Totals
	if len(report.Lines) != 2 || report.Lines[0].Outcome != reconciliation.OutcomeMatched || report.Lines[1].Outcome != reconciliation.OutcomeBankOnly ||
		totals.BankTotal.StringFixed(2) != "-42005000.00" || totals.LedgerTotal.StringFixed(2) != "-42000000.00" || totals.BankOnlyTotal.StringFixed(2) != "-5000.00" {
		t.Errorf("report: got %s", body)
	}
	head := fixture.head(t)
	if status, _, body := send(t, handler, http.MethodPost, "/api/v1/reconciliations?statement_id=bpd-2025-03", "text/csv", statement); status != http.StatusConflict {
		t.Errorf("the same statement again: got %d %s, want 409", status, body)
	}
	if fixture.head(t) != head {
		t.Errorf("the refused statement appended events")
	}
	if status, _, body := send(t, handler, http.MethodGet, "/api/v1/reconciliations/bpd-2025-03", "", ""); status != http.StatusOK || !bytes.Contains(body, []byte(`"ledger_total":"-42000000.00"`)) {
		t.Errorf("GET the report: %d %s", status, body)
	}
	// A ReconcileStatement as JSON: October's payment of Rp84.000 on 2024-10-01.
	status, _, body = send(t, handler, http.MethodPost, "/api/v1/reconciliations", "application/json",
		`{"statement_id":"bpd-2024-10","period_from":"2024-10-01","period_to":"2024-10-01","lines":[{"date":"2024-10-01","reference":"BPD-2024-10","amount":"84000.00"}]}`)
	if status != http.StatusCreated || !bytes.Contains(body, []byte(`"matched_total":"84000.00"`)) {
		t.Errorf("POST a JSON statement: %d %s", status, body)
	}
}

func TestReconciliationRefusesBadInputOverHTTP(t *testing.T) {
	t.Parallel()
	fixture := newAPIFixture(t)
	handler := financeRouter(fixture.server)
	head := fixture.head(t)
	tests := []struct {
		name, path, contentType, body string
		status                        int
		field                         string
	}{
		{"no statement id", "/api/v1/reconciliations", "text/csv", "date,reference,amount,counterparty_account,description\n2025-03-01,R,5,,\n", 400, "statement_id"},
		{"a bad amount", "/api/v1/reconciliations?statement_id=s", "text/csv", "date,reference,amount,counterparty_account,description\n2025-03-01,R,5.005,,\n", 422, "body"},
		{"a bad window", "/api/v1/reconciliations?statement_id=s&window_days=x", "text/csv", "", 400, "window_days"},
		{"a window too wide", "/api/v1/reconciliations?statement_id=s&window_days=99", "text/csv", "date,reference,amount,counterparty_account,description\n2025-03-01,R,5,,\n", 422, "window_days"},
		{"money as a number", "/api/v1/reconciliations", "application/json", `{"statement_id":"s","lines":[{"date":"2025-03-01","amount":5}]}`, 400, "lines"},
		{"another media type", "/api/v1/reconciliations", "application/xml", "<x/>", 415, "Content-Type"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			status, _, body := send(t, handler, http.MethodPost, test.path, test.contentType, test.body)
			var problem problemDocument
			_ = json.Unmarshal(body, &problem)
			if status != test.status || problem.Field != test.field {
				t.Errorf("got %d %s, want %d about %s", status, body, test.status, test.field)
			}
		})
	}
	if fixture.head(t) != head {
		t.Errorf("refused statements appended events")
	}
	if status, _, _ := send(t, handler, http.MethodGet, "/api/v1/reconciliations/none", "", ""); status != http.StatusNotFound {
		t.Errorf("an unknown statement: got %d, want 404", status)
	}
}

func TestExportsOverHTTP(t *testing.T) {
	t.Parallel()
	fixture := newAPIFixture(t)
	handler := financeRouter(fixture.server)
	status, header, body := send(t, handler, http.MethodGet, "/api/v1/exports/receipts?format=csv", "", "")
	if status != http.StatusOK || !strings.HasPrefix(header.Get("Content-Type"), "text/csv") {
		t.Fatalf("receipts CSV: %d %s", status, body)
	}
	records, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// ten monthly payments of Rp84.000: 840,000.00
	last := records[len(records)-1]
	if len(records) != 12 || last[0] != export.TotalsLabel || last[6] != "840000.00" {
		t.Errorf("receipts totals: got %d records, last %v; want 10 payments and 840000.00", len(records), last)
	}
	if status, header, _ := send(t, handler, http.MethodGet, "/api/v1/exports/payouts?format=xlsx", "", ""); status != http.StatusOK ||
		header.Get("Content-Type") != export.ContentType("xlsx") || !strings.Contains(header.Get("Content-Disposition"), "payouts.xlsx") {
		t.Errorf("payouts XLSX: %d %v", status, header)
	}
	for path, want := range map[string]int{"/api/v1/exports/ledger": 404, "/api/v1/exports/payouts?format=pdf": 400,
		"/api/v1/exports/reconciliation": 400, "/api/v1/exports/reconciliation?statement_id=none": 404, "/api/v1/exports/arrears?as_of=2025-13-01": 400} {
		if status, _, body := send(t, handler, http.MethodGet, path, "", ""); status != want {
			t.Errorf("%s: got %d %s, want %d", path, status, body, want)
		}
	}
}
