package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tanahbumbu/jaminan/adapters/bundle"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/adapters/tokens"
	"github.com/tanahbumbu/jaminan/adapters/web"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/app/apptest"
	"github.com/tanahbumbu/jaminan/domain/access"
)

// apiFixture is a seeded database (the demo story and a few workers), the
// API over it with authentication on, and a token per role.
type apiFixture struct {
	database    *pgtest.Database
	application *app.Application
	server      *Server
	handler     http.Handler
	http        *httptest.Server
	tokens      map[access.Role]string
	logs        *lockedBuffer
}

// lockedBuffer collects the server's log lines across handler goroutines.
type lockedBuffer struct {
	mu     sync.Mutex
	buffer bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buffer.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buffer.String()
}

func newAPIFixture(t *testing.T) *apiFixture {
	t.Helper()
	return newAPIFixtureOf(t, func(system *apptest.System) {
		system.Apply(t, app.Meta{Actor: "fixture", Source: "test"}, fixtureCommands()...)
	})
}

// newAPIFixtureOf is the API over a database that seed fills, its clock at 1 March 2025.
func newAPIFixtureOf(t *testing.T, seed func(*apptest.System)) *apiFixture {
	t.Helper()
	ctx := context.Background()
	database := pgtest.New(t)
	system := apptest.New(t, database.Pool, time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	application, runner := system.Application, system.Runner
	seed(system)
	system.CatchUp(t)
	tokenStore := tokens.New(database.Pool)
	issued := map[access.Role]string{}
	for _, role := range access.Roles() {
		plain, _, err := tokenStore.Create(ctx, "test-"+string(role), role)
		if err != nil {
			t.Fatal(err)
		}
		issued[role] = plain
	}
	logs := &lockedBuffer{}
	page, err := web.NewPage()
	if err != nil {
		t.Fatal(err)
	}
	mounts := DashboardMounts(page, web.NewDashAPI(database.Pool))
	config := Config{Application: application, Pool: database.Pool, Runner: runner, Logger: slog.New(slog.NewTextHandler(logs, nil)), Mounts: mounts}
	handler, err := NewWithConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	server := &Server{}
	config.setDefaults()
	*server = Server{application: application, pool: database.Pool, runner: runner, logger: config.Logger, tokens: config.Tokens}
	server.routes = server.routeTable(mounts)
	httpServer := httptest.NewServer(handler)
	t.Cleanup(httpServer.Close)
	return &apiFixture{database: database, application: application, server: server, handler: handler, http: httpServer, tokens: issued, logs: logs}
}

// The fixture's figures (docs/rulebook.md): a BPU worker declaring Rp1,000,000 pays
// JKK 1% (10,000) and JKM 6,800 a month, 16,800; five such workers, 84,000.
// Santi dies on 7 October 2024, October paid on the 1st: JKM Rp42,000,000.
const (
	fixturePayer = "pemkab-tanah-bumbu"
	santiNIK     = "6310054507850001"
	santiClaim   = "jkm-santi-2024"
)

func fixtureCommands() []string {
	lines := []string{`{"command":"RegisterPayer","payer_id":"` + fixturePayer + `","name":"Pemerintah Kabupaten Tanah Bumbu","kind":"regency","risk_class":1}`}
	niks := []string{santiNIK, "6310054101900002", "6310054202910003", "6310054303920004", "6310051404930005"}
	for i, nik := range niks {
		lines = append(lines,
			fmt.Sprintf(`{"command":"RegisterParticipant","nik":"%s","name":"Kader %d","birth_date":"1985-07-05","category":"kader","segment":"BPU","kecamatan":"Kusan Hilir","desa":"Muara Pagatan Tengah","payer_id":"%s"}`, nik, i+1, fixturePayer),
			`{"command":"Enroll","nik":"`+nik+`","programmes":["JKK","JKM"],"effective_date":"2024-01-01","declared_income":"1000000"}`)
	}
	for month := 1; month <= 10; month++ { // BPU: covered in the months paid, so the regency pays each month on its first day
		period := fmt.Sprintf("2024-%02d", month)
		lines = append(lines,
			`{"command":"AssessContributions","payer_id":"`+fixturePayer+`","period":"`+period+`"}`,
			fmt.Sprintf(`{"command":"RecordPayment","payment_id":"pay-%s","payer_id":"%s","amount":"84000.00","paid_on":"2024-%02d-01","bank_reference":"BPD-%s","period":"%s"}`, period, fixturePayer, month, period, period))
	}
	return append(lines,
		`{"command":"ReportDeath","nik":"`+santiNIK+`","date":"2024-10-07","cause":"other"}`,
		`{"command":"FileClaim","claim_id":"`+santiClaim+`","nik":"`+santiNIK+`","programme":"JKM","benefit":"death","incident_date":"2024-10-07","heir":{"name":"Rahmadi","relationship":"spouse","nik":"6310050101800003"}}`,
		`{"command":"ApproveClaim","claim_id":"`+santiClaim+`"}`,
		`{"command":"RecordPayout","payout_id":"payout-jkm-santi","claim_id":"`+santiClaim+`","amount":"42000000.00","paid_on":"2025-03-01","bank_reference":"BPJSTK-BTL-2024-10-0042"}`)
}

// do sends a request with role's token ("" for none) and returns status, headers and body.
func (f *apiFixture) do(t *testing.T, role access.Role, method, path string, body string, headers ...string) (int, http.Header, []byte) {
	t.Helper()
	request, err := http.NewRequest(method, f.http.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if role != "" {
		request.Header.Set("Authorization", "Bearer "+f.tokens[role])
	}
	if body != "" {
		request.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		request.Header.Set(headers[i], headers[i+1])
	}
	response, err := http.DefaultClient.Do(request)
	if err != nil {
		t.Fatal(err)
	}
	defer response.Body.Close()
	text, _ := io.ReadAll(response.Body)
	return response.StatusCode, response.Header, text
}

func (f *apiFixture) head(t *testing.T) int64 {
	t.Helper()
	head, err := f.application.Store().Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return head
}

// concretePath fills a route pattern's parameters with ids that exist.
func concretePath(pattern, commandName string) string {
	replacer := strings.NewReplacer("{nik}", santiNIK, "{id}", "none-such", "{name}", commandName, "{view}", "coverage_by_area", "*", "app.js")
	switch {
	case strings.HasPrefix(pattern, "/api/v1/claims/{id}"):
		replacer = strings.NewReplacer("{id}", santiClaim)
	case strings.HasPrefix(pattern, "/api/v1/payers/{id}"):
		replacer = strings.NewReplacer("{id}", fixturePayer)
	case pattern == "/api/v1/exports/{name}":
		replacer = strings.NewReplacer("{name}", "payouts")
	}
	path := replacer.Replace(pattern)
	if pattern == "/api/v1/audit/bundle" {
		path += "?participant=" + santiNIK
	}
	return path
}

// TestEveryRouteRefusesEveryRoleItDoesNotAllow is the table over all routes ×
// all roles: no token is 401, a role the policy refuses is 403 and nothing is
// appended, and a role it allows gets past authorization (never 401, 403 or 5xx).
func checkEveryRouteRefusesEveryRoleItDoesNotAllow(t *testing.T, f *apiFixture) {
	type call struct {
		route      route
		path, body string
		permission access.Permission
	}
	var calls []call
	for _, r := range f.server.routes {
		if r.commandRoute {
			for _, name := range []string{"Enroll", "FileClaim", "ApproveClaim", "RecordPayment", "RecordPayout", "ClosePeriod", "Reverse", "RegisterPayer"} {
				calls = append(calls, call{route: r, path: concretePath(r.Pattern, name), body: `{}`, permission: access.Command(name)})
			}
			continue
		}
		body := ""
		if r.Body == "token" {
			body = `{"name":"x y","role":"auditor"}` // refused by validation when allowed: nothing is created
		}
		calls = append(calls, call{route: r, path: concretePath(r.Pattern, ""), body: body, permission: r.Permission})
	}
	if len(calls) < 25 {
		t.Fatalf("only %d calls: the route table looks empty", len(calls))
	}
	before := f.head(t)
	for _, c := range calls {
		name := c.route.Method + " " + c.path
		if c.route.Public {
			if status, _, _ := f.do(t, "", c.route.Method, c.path, c.body); status != http.StatusOK {
				t.Errorf("%s without a token: %d, want 200 (public)", name, status)
			}
			continue
		}
		if status, header, _ := f.do(t, "", c.route.Method, c.path, c.body); status != http.StatusUnauthorized || header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s without a token: %d, want 401 with WWW-Authenticate", name, status)
		}
		for _, role := range access.Roles() {
			status, _, text := f.do(t, role, c.route.Method, c.path, c.body)
			allowed := access.Allows(role, c.permission)
			switch {
			case !allowed && status != http.StatusForbidden:
				t.Errorf("%s as %s: %d, want 403 (%s is not allowed %s): %s", name, role, status, role, c.permission, text)
			case allowed && (status == http.StatusUnauthorized || status == http.StatusForbidden || status >= 500):
				t.Errorf("%s as %s: %d, want it served (%s is allowed %s): %s", name, role, status, role, c.permission, text)
			}
		}
	}
	if after := f.head(t); after != before {
		t.Fatalf("the log grew from %d to %d: a refused or invalid call appended", before, after)
	}
	if status, _, _ := f.do(t, "", http.MethodGet, "/api/v1/status", "", "Authorization", "Bearer jmn_0123456789abcdef_forged"); status != http.StatusUnauthorized {
		t.Errorf("a forged token: %d, want 401", status)
	}
}

// TestOpenAPIDocumentsEveryRoute walks the router: every route it serves is in
// the document with its method, and every documented operation is served.
func checkOpenAPIDocumentsEveryRoute(t *testing.T, f *apiFixture) {
	status, _, text := f.do(t, "", http.MethodGet, "/api/v1/openapi.json", "")
	if status != http.StatusOK {
		t.Fatalf("openapi.json: %d", status)
	}
	var document struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(text, &document); err != nil || document.OpenAPI != "3.1.0" {
		t.Fatalf("openapi.json does not parse as OpenAPI 3.1: %v", err)
	}
	served := map[string]bool{}
	err := chi.Walk(f.handler.(chi.Routes), func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		served[strings.ToLower(method)+" "+pattern] = true
		if !strings.HasPrefix(pattern, "/api/") {
			return nil // /metrics, /healthz and the page's files need not be in the API's document
		}
		if document.Paths[pattern][strings.ToLower(method)] == nil {
			t.Errorf("%s %s is served but not in openapi.json", method, pattern)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for path, operations := range document.Paths {
		for method, operation := range operations {
			if !served[method+" "+path] {
				t.Errorf("openapi.json documents %s %s, which the router does not serve", method, path)
			}
			if operation["summary"] == "" || operation["responses"] == nil {
				t.Errorf("%s %s has no summary or responses", method, path)
			}
		}
	}
	if len(served) < 30 {
		t.Fatalf("walked %d API routes, want every route of the table", len(served))
	}
	roles := document.Paths["/api/v1/verify"]["get"]["x-roles"]
	if fmt.Sprint(roles) != "[auditor]" {
		t.Errorf("x-roles of GET /api/v1/verify = %v, want [auditor]", roles)
	}
}

// TestCommandsRecordTheTokenAsActor: an event appended with a token carries its holder.
func checkCommandsRecordTheTokenAsActor(t *testing.T, f *apiFixture) {
	status, _, text := f.do(t, access.Operator, http.MethodPost, "/api/v1/commands/RegisterPayer",
		`{"payer_id":"bumdes-maju","name":"BUMDes Maju","kind":"bumdes","risk_class":2}`)
	if status != http.StatusOK {
		t.Fatalf("RegisterPayer as operator: %d %s", status, text)
	}
	history, err := f.application.History(context.Background(), "payer", "bumdes-maju", app.HistoryBound{})
	if err != nil || len(history) != 1 || history[0].Actor != "operator:test-operator" {
		t.Fatalf("history = %+v, %v; want one event by operator:test-operator", history, err)
	}
}

// TestIfMatchRefusesAStaleVersion: a command sent with the ETag of a GET is
// refused with 412 once the payer changed, and nothing is appended.
func checkIfMatchRefusesAStaleVersion(t *testing.T, f *apiFixture) {
	status, header, _ := f.do(t, access.Finance, http.MethodGet, "/api/v1/payers/"+fixturePayer, "")
	etag := header.Get("ETag")
	if status != http.StatusOK || !strings.HasPrefix(etag, `"payer-`+fixturePayer+"@") {
		t.Fatalf("GET payer: %d ETag %q", status, etag)
	}
	payment := func(id string) string {
		return `{"payment_id":"` + id + `","payer_id":"` + fixturePayer + `","amount":"100000","paid_on":"2025-02-20","bank_reference":"BRI-` + id + `"}`
	}
	status, header, text := f.do(t, access.Finance, http.MethodPost, "/api/v1/commands/RecordPayment", payment("if-match-1"), "If-Match", etag)
	if status != http.StatusOK || header.Get("ETag") == etag {
		t.Fatalf("payment with the current ETag: %d %s (ETag %q)", status, text, header.Get("ETag"))
	}
	before := f.head(t)
	status, _, text = f.do(t, access.Finance, http.MethodPost, "/api/v1/commands/RecordPayment", payment("if-match-2"), "If-Match", etag)
	if status != http.StatusPreconditionFailed || !strings.Contains(string(text), "version_mismatch") {
		t.Fatalf("payment with a stale ETag: %d %s, want 412 version_mismatch", status, text)
	}
	if status, _, _ := f.do(t, access.Finance, http.MethodPost, "/api/v1/commands/RecordPayment", payment("if-match-3"), "If-Match", "nonsense"); status != http.StatusUnprocessableEntity && status != http.StatusBadRequest {
		t.Fatalf("a malformed If-Match: %d, want 4xx", status)
	}
	if after := f.head(t); after != before {
		t.Fatalf("the log grew from %d to %d after refused commands", before, after)
	}
}

// TestHistoryAsOfADateAndAtAPosition: the history of Santi's claim bounded by
// a date before the approval, and by the position of the filing.
func checkHistoryAsOfADateAndAtAPosition(t *testing.T, f *apiFixture) {
	var full struct {
		Entries []app.HistoryEntry `json:"entries"`
		State   string             `json:"state"`
	}
	status, _, text := f.do(t, access.Auditor, http.MethodGet, "/api/v1/claims/"+santiClaim+"/history", "")
	if status != http.StatusOK || json.Unmarshal(text, &full) != nil || len(full.Entries) < 3 {
		t.Fatalf("full history: %d %s", status, text)
	}
	// docs/rulebook.md#jkm: the JKM benefit of a death is 42,000,000 in all; paid in full in the demo.
	if !strings.Contains(full.State, "paid out 42000000.00 of 42000000.00") {
		t.Errorf("state now = %q, want paid out 42000000.00 of 42000000.00", full.State)
	}
	first := full.Entries[0]
	var atFiling struct {
		Entries []app.HistoryEntry `json:"entries"`
		State   string             `json:"state"`
	}
	_, _, text = f.do(t, access.Auditor, http.MethodGet, fmt.Sprintf("/api/v1/claims/%s/history?at_position=%d", santiClaim, first.Position), "")
	if err := json.Unmarshal(text, &atFiling); err != nil || len(atFiling.Entries) != 1 || !strings.HasPrefix(atFiling.State, "filed") {
		t.Fatalf("history at the filing's position: %s", text)
	}
	_, _, text = f.do(t, access.Auditor, http.MethodGet, "/api/v1/claims/"+santiClaim+"/history?as_of="+first.OccurredAt, "")
	var asOf struct {
		Entries []app.HistoryEntry `json:"entries"`
	}
	if err := json.Unmarshal(text, &asOf); err != nil || len(asOf.Entries) == 0 || len(asOf.Entries) >= len(full.Entries) {
		t.Fatalf("history as of %s: %d of %d entries: %s", first.OccurredAt, len(asOf.Entries), len(full.Entries), text)
	}
	for _, bad := range []string{"?as_of=2024-02-30", "?at_position=-1", "?at_position=x"} {
		if status, _, text := f.do(t, access.Auditor, http.MethodGet, "/api/v1/claims/"+santiClaim+"/history"+bad, ""); status != http.StatusBadRequest {
			t.Errorf("history%s: %d %s, want 400", bad, status, text)
		}
	}
	// Santi's timeline: her stream, her line of each of the regency's ten bills and the payments, her claim.
	var timeline struct {
		Entries []app.HistoryEntry `json:"entries"`
		State   string             `json:"state"`
	}
	status, _, text = f.do(t, access.Auditor, http.MethodGet, "/api/v1/participants/"+santiNIK+"/history", "")
	if status != http.StatusOK || json.Unmarshal(text, &timeline) != nil {
		t.Fatalf("participant history: %d %s", status, text)
	}
	counts := map[string]int{}
	for _, entry := range timeline.Entries {
		if entry.PayerID == fixturePayer && entry.Excerpt {
			counts[entry.Type]++
		}
		counts[entry.Stream[:strings.Index(entry.Stream, "-")]]++
	}
	if counts["BillLinesRecorded"] != 10 || counts["PaymentReceived"] != 10 || counts["claim"] == 0 || counts["participant"] == 0 {
		t.Errorf("participant timeline: %v, want 10 bill lines and 10 payments from %s, her stream and her claim", counts, fixturePayer)
	}
	if !strings.Contains(timeline.State, "10 month(s) billed, 10 paid") || !strings.Contains(timeline.State, "paid out 42000000.00 of 42000000.00") {
		t.Errorf("participant timeline state: %q", timeline.State)
	}
}

// TestListsPageByKeyset: following next_cursor visits every participant once,
// and every contribution once (pages of 1 row, so cursors fall between a
// line's programmes: rm_contributions is a view over a row per line).
func checkListsPageByKeyset(t *testing.T, f *apiFixture) {
	for _, list := range []struct {
		path, table string
		key         []string
		limit       int
	}{
		{"participants", "rm_participants", []string{"participant_id"}, 3},
		{"contributions", "rm_contributions", []string{"payer_id", "period", "participant_id", "programme"}, 1},
	} {
		var want int
		if err := f.database.Pool.QueryRow(context.Background(), `SELECT count(*) FROM `+list.table).Scan(&want); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		cursor := ""
		for pages := 0; pages < 10_000; pages++ {
			var page struct {
				Rows       []map[string]any `json:"rows"`
				NextCursor string           `json:"next_cursor"`
			}
			status, _, text := f.do(t, access.Auditor, http.MethodGet, fmt.Sprintf("/api/v1/%s?limit=%d&after=%s", list.path, list.limit, cursor), "")
			if status != http.StatusOK || json.Unmarshal(text, &page) != nil {
				t.Fatalf("%s page %d: %d %s", list.path, pages, status, text)
			}
			for _, row := range page.Rows {
				var key []string
				for _, column := range list.key {
					key = append(key, row[column].(string))
				}
				id := strings.Join(key, "/")
				if seen[id] {
					t.Fatalf("%s %s on two pages", list.path, id)
				}
				seen[id] = true
			}
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if len(seen) != want || want < 5 {
			t.Fatalf("pages held %d %s, the read model %d", len(seen), list.path, want)
		}
	}
	var claims struct {
		Rows []map[string]any `json:"rows"`
	}
	_, _, text := f.do(t, access.Auditor, http.MethodGet, "/api/v1/claims?programme=JKM", "")
	if err := json.Unmarshal(text, &claims); err != nil || len(claims.Rows) != 1 || claims.Rows[0]["total"] != "42000000.00" {
		t.Fatalf("JKM claims: %s; want Santi's one claim with total \"42000000.00\" (a string, never a float)", text)
	}
	for _, bad := range []struct{ query, field string }{{"?limit=0", "limit"}, {"?limit=5000", "limit"}, {"?colour=red", "colour"},
		{"?after=!!", "after"}, {"?status=active&status=ended", "status"}} {
		status, _, text := f.do(t, access.Auditor, http.MethodGet, "/api/v1/participants"+bad.query, "")
		var problem problemDocument
		_ = json.Unmarshal(text, &problem)
		if status != http.StatusBadRequest || problem.Field != bad.field {
			t.Errorf("participants%s: %d field %q, want 400 naming %s", bad.query, status, problem.Field, bad.field)
		}
	}
}

// TestAuditBundleVerifiesOffline: the bundle of a participant served by the
// API verifies, and the same bundle with one event changed does not.
func checkAuditBundleVerifiesOffline(t *testing.T, f *apiFixture) {
	status, header, zipped := f.do(t, access.Auditor, http.MethodGet, "/api/v1/audit/bundle?participant="+santiNIK, "")
	if status != http.StatusOK || header.Get("Content-Type") != "application/zip" {
		t.Fatalf("bundle: %d %s", status, zipped)
	}
	report, err := bundle.Verify(bytes.NewReader(zipped), int64(len(zipped)), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Santi's participant stream, her JKM claim and the regency's stream, whole, with its 10 bills' streams.
	if len(report.Manifest.Streams) != 13 || report.Manifest.Events < 4 {
		t.Fatalf("manifest: %+v", report.Manifest)
	}
	status, _, zipped = f.do(t, access.Auditor, http.MethodGet, "/api/v1/audit/bundle?kecamatan=Kusan%20Hilir", "")
	if status != http.StatusOK {
		t.Fatalf("kecamatan bundle: %d", status)
	}
	if _, err := bundle.Verify(bytes.NewReader(zipped), int64(len(zipped)), nil); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := f.do(t, access.Auditor, http.MethodGet, "/api/v1/audit/bundle?kecamatan=Atlantis", ""); status != http.StatusBadRequest {
		t.Errorf("bundle of an unknown kecamatan: %d, want 400", status)
	}
}

// TestAPI runs every check on one seeded fixture: seeding is the slow part,
// and no check changes what another one reads.
func TestAPI(t *testing.T) {
	f := newAPIFixture(t)
	t.Run("EveryRouteRefusesEveryRoleItDoesNotAllow", func(t *testing.T) { checkEveryRouteRefusesEveryRoleItDoesNotAllow(t, f) })
	t.Run("OpenAPIDocumentsEveryRoute", func(t *testing.T) { checkOpenAPIDocumentsEveryRoute(t, f) })
	t.Run("CommandsRecordTheTokenAsActor", func(t *testing.T) { checkCommandsRecordTheTokenAsActor(t, f) })
	t.Run("IfMatchRefusesAStaleVersion", func(t *testing.T) { checkIfMatchRefusesAStaleVersion(t, f) })
	t.Run("HistoryAsOfADateAndAtAPosition", func(t *testing.T) { checkHistoryAsOfADateAndAtAPosition(t, f) })
	t.Run("ListsPageByKeyset", func(t *testing.T) { checkListsPageByKeyset(t, f) })
	t.Run("AuditBundleVerifiesOffline", func(t *testing.T) { checkAuditBundleVerifiesOffline(t, f) })
	t.Run("LogsHoldNoPersonalData", func(t *testing.T) { checkLogsHoldNoPersonalData(t, f) })
	t.Run("SecureHeaders", func(t *testing.T) { checkSecureHeaders(t, f) })
}

// checkSecureHeaders: every answer, the page and the API alike, carries the
// headers docs/api.md promises; API answers are never cached.
func checkSecureHeaders(t *testing.T, f *apiFixture) {
	for _, path := range []string{"/", "/api/v1/status", "/api/v1/participants/" + santiNIK} {
		_, header, _ := f.do(t, access.Auditor, http.MethodGet, path, "")
		for name, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
			if got := header.Get(name); got != want {
				t.Errorf("GET %s: %s = %q, want %q", path, name, got, want)
			}
		}
		if !strings.Contains(header.Get("Content-Security-Policy"), "default-src 'self'") {
			t.Errorf("GET %s: Content-Security-Policy = %q", path, header.Get("Content-Security-Policy"))
		}
		if path != "/" && header.Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s: Cache-Control = %q, want no-store", path, header.Get("Cache-Control"))
		}
	}
}

// checkLogsHoldNoPersonalData: after requests whose paths and bodies carry
// NIKs and names, the server's log holds neither.
func checkLogsHoldNoPersonalData(t *testing.T, f *apiFixture) {
	f.do(t, access.Auditor, http.MethodGet, "/api/v1/participants/"+santiNIK, "")
	f.do(t, access.Auditor, http.MethodGet, "/api/v1/participants/6310059999999999", "")
	f.do(t, access.Operator, http.MethodPost, "/api/v1/commands/RegisterParticipant", `{"nik":"6310057777777777","name":"Rahasia Pribadi"}`)
	logs := f.logs.String()
	if !strings.Contains(logs, "route=/api/v1/participants/{nik}") {
		t.Fatalf("the log does not show the requests at all:\n%s", logs)
	}
	for _, secret := range []string{santiNIK, "6310059999999999", "6310057777777777", "Rahasia Pribadi", "Kader 1", f.tokens[access.Auditor]} {
		if strings.Contains(logs, secret) {
			t.Errorf("the server log holds %q", secret)
		}
	}
}
