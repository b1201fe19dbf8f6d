package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tanahbumbu/jaminan/adapters/httpapi"
	"github.com/tanahbumbu/jaminan/adapters/postgres"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/app"
)

// testNow is the clock of these tests, so dates in the fixtures never go stale.
var testNow = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

const sliceJSONL = `{"command":"RegisterPayer","payer_id":"pemkab","name":"Pemerintah Kabupaten Tanah Bumbu","kind":"regency","risk_class":1}
{"command":"RegisterParticipant","nik":"6310054507850001","name":"Santi","birth_date":"1985-07-05","category":"kader","segment":"BPU","kecamatan":"Kusan Hilir","desa":"Muara Pagatan Tengah","payer_id":"pemkab"}
{"command":"Enroll","nik":"6310054507850001","programmes":["JKK","JKM"],"effective_date":"2024-01-01","declared_income":"1000000"}
{"command":"AssessContributions","payer_id":"pemkab","period":"2024-10"}
{"command":"RecordPayment","payment_id":"pemkab-2024-10","payer_id":"pemkab","amount":"16800.00","paid_on":"2024-10-05","bank_reference":"BPD-KALSEL-001","period":"2024-10"}

{"command":"ReportDeath","nik":"6310054507850001","date":"2024-10-07","cause":"other"}
{"command":"FileClaim","claim_id":"jkm-santi","nik":"6310054507850001","programme":"JKM","benefit":"death","incident_date":"2024-10-07","heir":{"name":"Rahmadi","relationship":"spouse","nik":"6310050101800003"}}
{"command":"ApproveClaim","claim_id":"jkm-santi"}
{"command":"RecordPayout","payout_id":"po-santi","claim_id":"jkm-santi","amount":"42000000.00","paid_on":"2026-11-28","bank_reference":"BPJSTK-BTL-0042"}
{"command":"FileClaim","claim_id":"jkm-santi-2","nik":"6310054507850001","programme":"JKM","benefit":"death","incident_date":"2024-10-07","heir":{"name":"Rahmadi","relationship":"spouse"}}
`

func newSystem(t *testing.T, database *pgtest.Database) *system {
	t.Helper()
	built, err := wire(database.Pool, slog.New(slog.NewTextHandler(io.Discard, nil)), func() time.Time { return testNow })
	if err != nil {
		t.Fatal(err)
	}
	return built
}

type appliedLine struct {
	Line   int             `json:"line"`
	OK     bool            `json:"ok"`
	Events []app.EventView `json:"events"`
	Error  *app.ErrorView  `json:"error"`
}

func applyText(t *testing.T, built *system, text string) ([]appliedLine, int) {
	t.Helper()
	var output bytes.Buffer
	failed, err := applyLines(context.Background(), built.application, strings.NewReader(text), &output, app.Meta{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	var lines []appliedLine
	decoder := json.NewDecoder(&output)
	for decoder.More() {
		var line appliedLine
		if err := decoder.Decode(&line); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, line)
	}
	return lines, failed
}

// TestApplySliceOnPostgres runs the JSONL slice through `apply` on real
// PostgreSQL, then reads the projections through the HTTP API.
func TestApplySliceOnPostgres(t *testing.T) {
	t.Parallel()
	database := pgtest.New(t)
	built := newSystem(t, database)
	lines, failed := applyText(t, built, sliceJSONL)
	if failed != 1 || len(lines) != 10 {
		t.Fatalf("got %d results with %d failed, want 10 results (the blank line skipped) and 1 failure", len(lines), failed)
	}
	last := lines[len(lines)-1]
	if last.OK || last.Line != 11 || last.Error.Code != "death_already_claimed" || last.Error.Field != "claim_id" {
		t.Errorf("second claim for the same death: got %+v", last)
	}
	approval := lines[7]
	if !approval.OK || len(approval.Events) != 1 || approval.Events[0].Type != "ClaimApproved" || approval.Events[0].Stream != "claim-jkm-santi" {
		t.Fatalf("approval line: got %+v", approval)
	}
	var approved struct {
		Total      string `json:"total"`
		Components []struct {
			Code   string `json:"code"`
			Amount string `json:"amount"`
		} `json:"components"`
	}
	if err := json.Unmarshal(approval.Events[0].Data, &approved); err != nil {
		t.Fatal(err)
	}
	if approved.Total != "42000000.00" || len(approved.Components) != 3 || approved.Components[0].Amount != "20000000.00" ||
		approved.Components[1].Amount != "12000000.00" || approved.Components[2].Amount != "10000000.00" {
		t.Errorf("JKM benefit: got %+v, want 20000000.00 + 12000000.00 + 10000000.00 = 42000000.00", approved)
	}
	for i := 1; i < len(lines); i++ {
		for _, event := range lines[i].Events {
			if event.Position == 0 {
				t.Errorf("line %d: event %s has no global position", lines[i].Line, event.Type)
			}
		}
	}
	if _, err := built.runner.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	assertReadModels(t, built)
}

func assertReadModels(t *testing.T, built *system) {
	t.Helper()
	server := httptest.NewServer(openAPI(t, built))
	defer server.Close()
	var participant httpapi.ParticipantView
	getJSON(t, server.URL+"/api/v1/participants/6310054507850001", http.StatusOK, &participant)
	if participant.Desa != "Muara Pagatan Tengah" || participant.Status != "ended" || participant.DiedOn == nil || *participant.DiedOn != "2024-10-07" ||
		participant.WageBase == nil || *participant.WageBase != "1000000.00" {
		t.Errorf("participant read model: got %+v", participant)
	}
	var coverage struct {
		Spans    []httpapi.CoverageRow `json:"spans"`
		Coverage []struct {
			Programme string `json:"programme"`
			Covered   bool   `json:"covered"`
		} `json:"coverage"`
	}
	getJSON(t, server.URL+"/api/v1/participants/6310054507850001/coverage?as_of=2024-10-07", http.StatusOK, &coverage)
	if len(coverage.Spans) != 2 || coverage.Spans[0].CoveredUntil == nil || *coverage.Spans[0].CoveredUntil != "2024-10-07" {
		t.Errorf("coverage spans: got %+v, want JKK and JKM until 2024-10-07", coverage.Spans)
	}
	if len(coverage.Coverage) != 2 || !coverage.Coverage[0].Covered || !coverage.Coverage[1].Covered {
		t.Errorf("coverage on the date of death (October paid): got %+v, want covered", coverage.Coverage)
	}
	getJSON(t, server.URL+"/api/v1/participants/6310054507850001/coverage?as_of=2024-09-07", http.StatusOK, &coverage)
	if coverage.Coverage[0].Covered {
		t.Errorf("coverage in September (not paid, BPU): got covered, want not covered")
	}
	var payoutTotal string
	if err := built.pool.QueryRow(context.Background(), `SELECT sum(amount)::text FROM rm_payouts WHERE relationship = 'spouse'`).Scan(&payoutTotal); err != nil {
		t.Fatal(err)
	}
	if payoutTotal != "42000000.00" {
		t.Errorf("payouts read model: got %s, want 42000000.00", payoutTotal)
	}
	getJSON(t, server.URL+"/api/v1/participants/6310000000000000", http.StatusNotFound, &map[string]any{})
	var claimView httpapi.ClaimView
	getJSON(t, server.URL+"/api/v1/claims/jkm-santi", http.StatusOK, &claimView)
	if claimView.Status != "paid" || claimView.Outstanding != "0.00" || claimView.Approved == nil || len(claimView.Approved.Components) != 3 ||
		claimView.Approved.Components[0].FormulaID == "" {
		t.Errorf("claim view: got %+v", claimView)
	}
	getJSON(t, server.URL+"/api/v1/claims/none", http.StatusNotFound, &map[string]any{})
	response, err := http.Get(server.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(response.Body)
	response.Body.Close()
	if !strings.Contains(string(body), `jaminan_projection_lag_events{projection="participants"} 0`) || !strings.Contains(string(body), "jaminan_http_requests_total") {
		t.Errorf("metrics: lag or request counters missing:\n%.600s", body)
	}
}

func getJSON(t *testing.T, url string, wantStatus int, target any) {
	t.Helper()
	response, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer response.Body.Close()
	if response.StatusCode != wantStatus {
		body, _ := io.ReadAll(response.Body)
		t.Fatalf("GET %s: status %d, want %d: %s", url, response.StatusCode, wantStatus, body)
	}
	if err := json.NewDecoder(response.Body).Decode(target); err != nil {
		t.Fatal(err)
	}
}

// TestCommandsOverHTTP: the API takes the same JSON; bad input is a 4xx problem naming the field.
func TestCommandsOverHTTP(t *testing.T) {
	t.Parallel()
	database := pgtest.New(t)
	built := newSystem(t, database)
	server := httptest.NewServer(openAPI(t, built))
	defer server.Close()
	tests := []struct {
		name, command, body string
		status              int
		code, field         string
	}{
		{"register", "RegisterPayer", `{"payer_id":"pemkab","name":"Pemkab","kind":"regency","risk_class":1}`, 200, "", ""},
		{"float money", "RecordPayment", `{"payment_id":"p","payer_id":"pemkab","amount":16800.5,"paid_on":"2024-10-05","bank_reference":"B"}`, 400, "money_not_string", "amount"},
		{"unknown field", "RegisterPayer", `{"payer_id":"x","name":"X","kind":"regency","risk_class":1,"extra":1}`, 400, "unknown_field", "extra"},
		{"bad risk class", "RegisterPayer", `{"payer_id":"x","name":"X","kind":"regency","risk_class":9}`, 422, "invalid_risk_class", "risk_class"},
		{"unknown command", "DropTable", `{}`, 400, "unknown_command", "command"},
		{"not found", "ApproveClaim", `{"claim_id":"none"}`, 404, "claim_not_found", "claim_id"},
		{"oversized", "RegisterPayer", `{"payer_id":"x","name":"` + strings.Repeat("a", 70_000) + `"}`, 413, "too_large", "body"},
	}
	for _, test := range tests {
		response, err := http.Post(server.URL+"/api/v1/commands/"+test.command, "application/json", strings.NewReader(test.body))
		if err != nil {
			t.Fatal(err)
		}
		var problem struct {
			Title string `json:"title"`
			Field string `json:"field"`
		}
		_ = json.NewDecoder(response.Body).Decode(&problem)
		response.Body.Close()
		if response.StatusCode != test.status || (test.code != "" && (problem.Title != test.code || problem.Field != test.field)) {
			t.Errorf("%s: got %d %+v, want %d %s/%s", test.name, response.StatusCode, problem, test.status, test.code, test.field)
		}
	}
	head, err := built.store.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if head != 1 {
		t.Errorf("log head: got %d, want 1 (only the good command appended)", head)
	}
	// Idempotency-Key: the same key and body replay the first response; another body is a 409.
	post := func(key, body string) (int, string) {
		request, _ := http.NewRequest(http.MethodPost, server.URL+"/api/v1/commands/RegisterPayer", strings.NewReader(body))
		request.Header.Set("Idempotency-Key", key)
		request.Header.Set("Content-Type", "application/json")
		response, err := http.DefaultClient.Do(request)
		if err != nil {
			t.Fatal(err)
		}
		defer response.Body.Close()
		text, _ := io.ReadAll(response.Body)
		return response.StatusCode, string(text)
	}
	first := `{"payer_id":"desa-batuah","name":"Pemerintah Desa Batuah","kind":"village_government","risk_class":1}`
	status, body := post("key-1", first)
	replayStatus, replay := post("key-1", first)
	if status != http.StatusOK || replayStatus != status || replay != body || !strings.Contains(body, `"position":2`) {
		t.Errorf("replay: got %d %s then %d %s, want the same 200 response with position 2", status, body, replayStatus, replay)
	}
	if status, _ := post("key-1", strings.Replace(first, "Batuah", "Betung", 1)); status != http.StatusConflict {
		t.Errorf("same key, other body: got %d, want 409", status)
	}
	if head, _ := built.store.Head(context.Background()); head != 2 {
		t.Errorf("log head after idempotent replays: got %d, want 2", head)
	}
}

// TestCheckpointsSurviveDumpAndRestore: checkpoints are positions, so a
// pg_dump/pg_restore into a fresh database leaves every projection where it
// was, and the runner there continues with only the new events.
func TestCheckpointsSurviveDumpAndRestore(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed: cannot test dump and restore", tool)
		}
	}
	ctx := context.Background()
	source := pgtest.New(t)
	built := newSystem(t, source)
	applyText(t, built, sliceJSONL)
	if _, err := built.runner.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	before, err := built.runner.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dump := filepath.Join(t.TempDir(), "jaminan.dump")
	runTool(t, "pg_dump", "-Fc", "-f", dump, "-d", source.URL)
	target := pgtest.NewEmpty(t)
	runTool(t, "pg_restore", "--no-owner", "-d", target.URL, dump)
	pool, err := postgres.Connect(ctx, postgres.Config{URL: target.URL})
	if err != nil {
		t.Fatal(err)
	}
	target.Pool = pool
	restored := newSystem(t, target)
	after, err := restored.runner.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range before {
		if after[i] != before[i] || after[i].Lag != 0 {
			t.Errorf("projection %s after restore: got %+v, want %+v with lag 0", before[i].Name, after[i], before[i])
		}
	}
	lines, failed := applyText(t, restored, `{"command":"RegisterParticipant","nik":"6310054101900005","name":"Nur Hasanah","birth_date":"1990-01-01","category":"pkk","segment":"BPU","kecamatan":"Kusan Hilir","desa":"Batuah","payer_id":"pemkab"}`)
	if failed != 0 || len(lines[0].Events) != 1 || lines[0].Events[0].Position != before[0].Head+1 {
		t.Fatalf("append after restore: got %+v, want one event at position %d", lines, before[0].Head+1)
	}
	applied, err := restored.runner.CatchUp(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if applied != int64(len(restored.runner.Names())) {
		t.Errorf("catch-up after restore applied %d events, want 1 per projection (%d): nothing re-applied, nothing skipped", applied, len(restored.runner.Names()))
	}
	var count int
	if err := restored.pool.QueryRow(ctx, `SELECT count(*) FROM rm_participants`).Scan(&count); err != nil {
		t.Fatal(err)
	}
	if count != 2 {
		t.Errorf("participants after restore and catch-up: got %d, want 2", count)
	}
}

func runTool(t *testing.T, name string, args ...string) {
	t.Helper()
	command := exec.Command(name, args...)
	command.Env = os.Environ()
	if output, err := command.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, output)
	}
}

// openAPI serves the API without tokens (JAMINAN_AUTH=off); authentication
// and roles have their own tests in adapters/httpapi.
func openAPI(t *testing.T, built *system) http.Handler {
	t.Helper()
	handler, err := httpapi.NewWithConfig(httpapi.Config{Application: built.application, Pool: built.pool, Runner: built.runner,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), AuthDisabled: true})
	if err != nil {
		t.Fatal(err)
	}
	return handler
}
