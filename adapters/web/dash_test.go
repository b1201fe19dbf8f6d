package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/app/demo"
	"github.com/tanahbumbu/jaminan/domain/calendar"
)

var moneyText = regexp.MustCompile(`^-?\d+\.\d{2}$`)

// moneyColumns are the numeric(18,2) columns of the dash views (migrations/003).
var moneyColumns = map[string]bool{"assessed": true, "collected": true, "outstanding": true, "days_0_30": true, "days_31_60": true,
	"days_61_90": true, "days_over_90": true, "total_overdue": true, "total": true, "paid_out": true, "amount": true,
	"reversed_amount": true, "paid": true, "contributions_assessed": true, "contributions": true, "benefits_approved": true,
	"benefits_paid": true, "net": true, "debit": true, "credit": true, "balance": true}

// smallDemo is a quick demo: two kecamatan, a year of bills from 2024-01,
// which holds the seed story's claims.
var smallDemo = demo.Options{Workers: 12, Seed: 1, Kecamatan: []string{"Kusan Hilir", "Kusan Tengah"},
	FirstPeriod: calendar.NewPeriod(2024, 1), Months: 12}

func TestDashViewsServeRowsWithMoneyAsDecimalStrings(t *testing.T) {
	database := seeded(t, smallDemo)
	server := mount(t, database, nil, nil)
	for _, view := range []string{"coverage_by_area", "collections_by_month", "arrears_ageing", "claims_by_programme",
		"payouts_by_programme", "scholarship_commitments", "fund_totals", "trial_balance"} {
		t.Run(view, func(t *testing.T) {
			status, header, body := getJSON(t, server.URL+"/api/v1/dash/"+view)
			if status != http.StatusOK || header.Get("Content-Type") != "application/json" {
				t.Fatalf("GET %s: %d %s %v", view, status, header.Get("Content-Type"), body)
			}
			rows, _ := body["rows"].([]any)
			if len(rows) == 0 && view != "arrears_ageing" {
				t.Fatalf("%s: no rows", view)
			}
			var count int
			if err := database.Pool.QueryRow(t.Context(), "SELECT count(*) FROM dash."+view).Scan(&count); err != nil {
				t.Fatal(err)
			}
			if len(rows) != count {
				t.Errorf("%s: %d rows served, the view has %d", view, len(rows), count)
			}
			for _, raw := range rows {
				for column, value := range raw.(map[string]any) {
					if !moneyColumns[column] || value == nil {
						continue
					}
					text, ok := value.(string)
					if !ok || !moneyText.MatchString(text) {
						t.Errorf("%s.%s = %#v, want a decimal string with two places", view, column, value)
					}
				}
			}
		})
	}
}

// TestDashViewsPageByKeyset: every view read in pages of two rows, each
// page's next_cursor passed back as after, gives every row of the view once,
// in the view's order, and the last page says nothing more follows.
func TestDashViewsPageByKeyset(t *testing.T) {
	database := seeded(t, smallDemo)
	server := mount(t, database, nil, nil)
	for _, view := range []string{"coverage_by_area", "collections_by_month", "arrears_ageing", "claims_by_programme",
		"payouts_by_programme", "scholarship_commitments", "fund_totals", "trial_balance"} {
		t.Run(view, func(t *testing.T) {
			_, _, whole := getJSON(t, server.URL+"/api/v1/dash/"+view+"?limit=50000")
			want, _ := json.Marshal(whole["rows"])
			var paged []any
			cursor := ""
			for page := 0; page < 1000; page++ {
				status, _, body := getJSON(t, server.URL+"/api/v1/dash/"+view+"?limit=2&after="+cursor)
				rows, _ := body["rows"].([]any)
				if status != http.StatusOK || len(rows) > 2 {
					t.Fatalf("page %d: %d, %d rows: %v", page, status, len(rows), body)
				}
				paged = append(paged, rows...)
				next, _ := body["next_cursor"].(string)
				if truncated, _ := body["truncated"].(bool); truncated != (next != "") {
					t.Fatalf("page %d: truncated %v with next_cursor %q", page, truncated, next)
				}
				if cursor = next; cursor == "" {
					break
				}
			}
			got, _ := json.Marshal(paged)
			if string(got) != string(want) || len(paged) < 2 && view != "arrears_ageing" {
				t.Errorf("%s in pages of 2 (%d rows):\n%s\nin one page:\n%s", view, len(paged), got, want)
			}
		})
	}
}

// workedExamples are the worked examples 7 and 9 of docs/rulebook.md as commands: a PU
// village official (W = 3,000,000, risk class 1) billed 7,200 + 9,000 +
// 171,000 = 187,200 for 2024-02 and paid in full, and a BPU vulnerable worker
// (declared income 1,000,000) billed 10,000 + 6,800 = 16,800 and not paid.
var workedExamples = []string{
	`{"command":"RegisterPayer","payer_id":"desa-pakatellu","name":"Pemerintah Desa Pakatellu","kind":"village_government","risk_class":1}`,
	`{"command":"RegisterPayer","payer_id":"pemkab-tanah-bumbu","name":"Pemerintah Kabupaten Tanah Bumbu","kind":"regency","risk_class":1}`,
	`{"command":"RegisterParticipant","nik":"6310064203820002","name":"Halimatus Sa'diah","birth_date":"1982-03-02","category":"perangkat_desa","segment":"PU","kecamatan":"Kusan Tengah","desa":"Pakatellu","payer_id":"desa-pakatellu"}`,
	`{"command":"Enroll","nik":"6310064203820002","programmes":["JKK","JKM","JHT"],"effective_date":"2021-01-01","wage":"3000000"}`,
	`{"command":"RegisterParticipant","nik":"6310054507850001","name":"Santi","birth_date":"1985-07-05","category":"pekerja_rentan","segment":"BPU","kecamatan":"Kusan Hilir","desa":"Muara Pagatan Tengah","payer_id":"pemkab-tanah-bumbu"}`,
	`{"command":"Enroll","nik":"6310054507850001","programmes":["JKK","JKM"],"effective_date":"2024-01-01","declared_income":"1000000"}`,
	`{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"2024-02"}`,
	`{"command":"AssessContributions","payer_id":"pemkab-tanah-bumbu","period":"2024-02"}`,
	`{"command":"RecordPayment","payment_id":"pay-1","payer_id":"desa-pakatellu","amount":"187200.00","paid_on":"2024-03-10","bank_reference":"BPD-1","period":"2024-02"}`,
}

func TestDashSummaryShowsTheWorkedExamples(t *testing.T) {
	server := mount(t, applied(t, workedExamples...), nil, nil)
	_, _, summary := getJSON(t, server.URL+"/api/v1/dash/summary")
	got := func(path ...string) any {
		var value any = summary
		for _, key := range path {
			value = value.(map[string]any)[key]
		}
		if number, ok := value.(json.Number); ok {
			return number.String()
		}
		return value
	}
	tests := []struct {
		path []string
		want string
	}{
		{[]string{"protected_workers"}, "2"},
		// 187,200 + 16,800 billed; 187,200 paid; 16,800 owed by the regency since 2024-03-15.
		{[]string{"collections", "assessed"}, "204000.00"},
		{[]string{"collections", "collected"}, "187200.00"},
		{[]string{"collections", "outstanding"}, "16800.00"},
		{[]string{"arrears", "days_over_90"}, "16800.00"},
		{[]string{"arrears", "total_overdue"}, "16800.00"},
		{[]string{"arrears", "payers"}, "1"},
		{[]string{"benefits", "paid"}, "0.00"},
		{[]string{"scholarships", "outstanding"}, "0.00"},
	}
	for _, test := range tests {
		if value := got(test.path...); value != test.want {
			t.Errorf("summary %s = %#v, want %q", strings.Join(test.path, "."), value, test.want)
		}
	}
	areas, _ := json.Marshal(summary["by_kecamatan"])
	if string(areas) != `[{"kecamatan":"Kusan Hilir","protected_workers":1},{"kecamatan":"Kusan Tengah","protected_workers":1}]` {
		t.Errorf("by_kecamatan = %s", areas)
	}
	// Fund totals per programme: JKK 7,200 + 10,000 billed, 7,200 paid; JKM 9,000 + 6,800 billed, 9,000 paid; JHT 171,000.
	_, _, funds := getJSON(t, server.URL+"/api/v1/dash/fund_totals")
	want := map[string][2]string{"JKK": {"17200.00", "7200.00"}, "JKM": {"15800.00", "9000.00"}, "JHT": {"171000.00", "171000.00"}}
	for _, raw := range funds["rows"].([]any) {
		fund := raw.(map[string]any)
		programme := fund["programme"].(string)
		if expected := want[programme]; fund["contributions_assessed"] != expected[0] || fund["contributions"] != expected[1] {
			t.Errorf("fund_totals %s: assessed %v, paid %v; want %s and %s", programme, fund["contributions_assessed"], fund["contributions"], expected[0], expected[1])
		}
		delete(want, programme)
	}
	if len(want) != 0 {
		t.Errorf("fund_totals lacks %v", want)
	}
}

func TestDashFiltersNarrowTheRows(t *testing.T) {
	database := seeded(t, smallDemo)
	server := mount(t, database, nil, nil)
	tests := []struct {
		path   string
		column string
		allow  func(string) bool
	}{
		{"coverage_by_area?kecamatan=kusan+hilir", "kecamatan", func(v string) bool { return v == "Kusan Hilir" }},
		{"coverage_by_area?programme=JKM", "programme", func(v string) bool { return v == "JKM" }},
		{"collections_by_month?from=2024-03&to=2024-05", "period", func(v string) bool { return v >= "2024-03" && v <= "2024-05" }},
		{"claims_by_programme?programme=JKM", "programme", func(v string) bool { return v == "JKM" }},
		{"payouts_by_programme?from=2024-01", "month", func(v string) bool { return v >= "2024-01-01" }},
		{"fund_totals?programme=JKK", "programme", func(v string) bool { return v == "JKK" }},
	}
	for _, test := range tests {
		t.Run(test.path, func(t *testing.T) {
			status, _, body := getJSON(t, server.URL+"/api/v1/dash/"+test.path)
			rows, _ := body["rows"].([]any)
			if status != http.StatusOK || len(rows) == 0 {
				t.Fatalf("GET %s: %d with %d rows: %v", test.path, status, len(rows), body)
			}
			for _, raw := range rows {
				if value, _ := raw.(map[string]any)[test.column].(string); !test.allow(value) {
					t.Errorf("GET %s returned a row with %s = %q", test.path, test.column, value)
				}
			}
		})
	}
	var kusanHilir int
	if err := database.Pool.QueryRow(t.Context(), `SELECT sum(active_participants) FROM dash.coverage_by_area
		WHERE programme = 'JKK' AND kecamatan = 'Kusan Hilir'`).Scan(&kusanHilir); err != nil {
		t.Fatal(err)
	}
	_, _, summary := getJSON(t, server.URL+"/api/v1/dash/summary?kecamatan=Kusan%20Hilir")
	if got := summary["protected_workers"].(json.Number).String(); got != decimal.NewFromInt(int64(kusanHilir)).String() {
		t.Errorf("summary?kecamatan=Kusan Hilir: %s protected workers, the view says %d", got, kusanHilir)
	}
}

// Bad input is a 400 (404 for a view that is not on the list) problem document
// naming the field; nothing of it reaches SQL.
func TestDashRefusesBadInputNamingTheField(t *testing.T) {
	database := pgtest.New(t)
	server := mount(t, database, nil, nil)
	tests := []struct {
		path   string
		status int
		code   string
		field  string
	}{
		{"no_such_view", 404, "unknown_view", "view"},
		{"rm_participants", 404, "unknown_view", "view"},
		{"coverage_by_area;drop%20table%20events", 404, "unknown_view", "view"},
		{"coverage_by_area?kecamatan=Atlantis", 400, "unknown_kecamatan", "kecamatan"},
		{"coverage_by_area?kecamatan=" + url.QueryEscape("x' OR '1'='1"), 400, "unknown_kecamatan", "kecamatan"},
		{"coverage_by_area?kecamatan=", 400, "invalid_kecamatan", "kecamatan"},
		{"coverage_by_area?programme=jkk", 400, "invalid_programme", "programme"},
		{"coverage_by_area?programme=JKK&programme=JKM", 400, "repeated_parameter", "programme"},
		{"coverage_by_area?from=2024-01", 400, "filter_not_supported", "from"},
		{"collections_by_month?from=2024-13", 400, "invalid_month", "from"},
		{"collections_by_month?to=24-01", 400, "invalid_month", "to"},
		{"collections_by_month?from=2024-05&to=2024-01", 400, "invalid_range", "to"},
		{"trial_balance?kecamatan=Kusan%20Hilir", 400, "filter_not_supported", "kecamatan"},
		{"fund_totals?sort=net", 400, "unknown_parameter", "sort"},
		{"fund_totals?limit=0", 400, "invalid_limit", "limit"},
		{"fund_totals?limit=50001", 400, "invalid_limit", "limit"},
		{"fund_totals?limit=ten", 400, "invalid_limit", "limit"},
		{"fund_totals?after=!!", 400, "invalid_cursor", "after"},
		{"collections_by_month?after=WyIyMDI0LTAxIl0", 400, "invalid_cursor", "after"}, // ["2024-01"]: one key of two
		{"trial_balance?after=WyJcdTAwMDAiXQ", 400, "invalid_cursor", "after"},         // ["\u0000"]: a NUL
		{"summary?limit=5", 400, "filter_not_supported", "limit"},
		{"summary?programme=JKK", 400, "filter_not_supported", "programme"},
		{"summary?from=2024-1", 400, "invalid_month", "from"},
	}
	for _, test := range tests {
		t.Run(test.path, func(t *testing.T) {
			status, header, body := getJSON(t, server.URL+"/api/v1/dash/"+test.path)
			if status != test.status || header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("GET %s: %d %s, want %d problem+json", test.path, status, header.Get("Content-Type"), test.status)
			}
			if body["title"] != test.code || body["field"] != test.field || body["detail"] == "" {
				t.Errorf("GET %s: %v, want code %s naming field %s", test.path, body, test.code, test.field)
			}
		})
	}
	response, err := http.Post(server.URL+"/api/v1/dash/fund_totals", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, response.Body)
	response.Body.Close()
	if response.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST a view: %d, want 405", response.StatusCode)
	}
}

func TestPageServesEmbeddedFiles(t *testing.T) {
	server := mount(t, pgtest.New(t), nil, nil)
	tests := []struct {
		path, contentType, contains string
	}{
		{"/", "text/html", `data-figure="protected-workers"`},
		{"/assets/app.js", "javascript", "data-figure"},
		{"/assets/app.css", "text/css", ".panel"},
		{"/assets/vendor/chart.umd.min.js", "javascript", "Chart.js v4"},
		{"/assets/vendor/chart.js.LICENSE.md", "", "MIT License"},
	}
	for _, test := range tests {
		response, err := http.Get(server.URL + test.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(response.Body)
		response.Body.Close()
		if response.StatusCode != http.StatusOK || !strings.Contains(response.Header.Get("Content-Type"), test.contentType) || !strings.Contains(string(body), test.contains) {
			t.Errorf("GET %s: %d %s, want 200 %s containing %q", test.path, response.StatusCode, response.Header.Get("Content-Type"), test.contentType, test.contains)
		}
	}
	response, err := http.Get(server.URL + "/assets/missing.js")
	if err != nil {
		t.Fatal(err)
	}
	response.Body.Close()
	if response.StatusCode != http.StatusNotFound {
		t.Errorf("GET a missing asset: %d, want 404", response.StatusCode)
	}
}
