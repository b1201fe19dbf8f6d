package web_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/app/demo"
)

const (
	browserTimeout = 3 * time.Minute
	testToken      = "web-test-token"
	// arrearsTopRows is how many payers the page lists in its arrears table (app.js).
	arrearsTopRows = 8
	// historyNIK has a stub history route in this test; any other NIK has none.
	historyNIK = demo.SantiNIK
)

// browserDemo is six of the twelve kecamatan (the seed story's two among
// them) and three years of bills up to today, so every ageing bucket shows;
// all twelve take several times longer to load.
var browserDemo = demo.Options{Workers: 160, Seed: 7,
	Kecamatan: []string{"Kusan Hilir", "Kusan Tengah", "Angsana", "Batulicin", "Kuranji", "Teluk Kepayang"}}

// TestDashboardPageInChromium loads the page in headless Chromium against a
// seeded database and checks that every figure it shows equals what the dash
// views say when asked directly in SQL, formatted the Indonesian way.
func TestDashboardPageInChromium(t *testing.T) {
	browser := findChromium(t)
	start := time.Now()
	database := seeded(t, browserDemo)
	t.Logf("demo loaded in %s", time.Since(start).Round(time.Second))
	server := mount(t, database, requireToken, func(router chi.Router) {
		router.Get("/api/v1/participants/"+historyNIK+"/history", stubHistory)
	})
	ctx := newBrowser(t, browser)

	// Without a token the API answers 401 and the page asks for one.
	run(t, ctx, "open without a token", chromedp.Navigate(server.URL+"/"))
	run(t, ctx, "token box", chromedp.WaitVisible(chromedp.CSS("#token-box")))
	run(t, ctx, "type the token", chromedp.SendKeys(chromedp.CSS("#token-input"), testToken))
	run(t, ctx, "submit the token", chromedp.Click(chromedp.CSS("#token-box button")))
	waitReady(t, ctx)

	// The token also comes from #token=..., and leaves the address bar.
	run(t, ctx, "forget the token", chromedp.Evaluate[chromedp.Void](`sessionStorage.clear(); localStorage.clear()`))
	run(t, ctx, "leave the page", chromedp.Navigate("about:blank"))
	run(t, ctx, "open with #token", chromedp.Navigate(server.URL+"/#token="+testToken))
	waitReady(t, ctx)
	if hash := evaluate[string](t, ctx, `location.hash`); hash != "" {
		t.Errorf("location.hash after load = %q, want the token removed", hash)
	}

	expected := expectedFigures(t, database, "")
	checkFigures(t, ctx, expected)
	if got, want := evaluate[string](t, ctx, `document.querySelector('[data-figure="protected-workers"]').textContent`), groupThousands(headline(t, database)); got != want {
		t.Errorf("headline: page shows %q, the view says %q", got, want)
	}
	saveScreenshot(t, ctx)

	// Another kecamatan: the desa table follows the selection.
	other := evaluate[string](t, ctx, `document.querySelector('#kecamatan-select').options[2].value`)
	run(t, ctx, "select kecamatan", chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('#kecamatan-select');
		s.selectedIndex = 2; s.dispatchEvent(new Event('change')); })()`))
	checkFigures(t, ctx, expectedFigures(t, database, other))

	checkLanguageToggle(t, ctx)
	checkHistory(t, ctx)
}

func checkLanguageToggle(t *testing.T, ctx context.Context) {
	label := `document.querySelector('#headline-label').textContent`
	if got := evaluate[string](t, ctx, label); got != "pekerja ekosistem desa terlindungi" {
		t.Errorf("headline label in Indonesian = %q", got)
	}
	run(t, ctx, "toggle to English", chromedp.Click(chromedp.CSS("#lang")))
	if got := evaluate[string](t, ctx, label); got != "village-ecosystem workers protected" {
		t.Errorf("headline label after the toggle = %q, want the English label", got)
	}
	if got := evaluate[string](t, ctx, `document.documentElement.lang`); got != "en" {
		t.Errorf("html lang after the toggle = %q, want en", got)
	}
	if got := evaluate[string](t, ctx, `document.querySelector('#h-kecamatan').textContent`); got != "Protected workers by kecamatan" {
		t.Errorf("kecamatan heading in English = %q", got)
	}
	run(t, ctx, "toggle back", chromedp.Click(chromedp.CSS("#lang")))
	if got := evaluate[string](t, ctx, label); got != "pekerja ekosistem desa terlindungi" {
		t.Errorf("headline label after toggling back = %q", got)
	}
}

// checkHistory opens a participant's history: the stubbed NIK shows a table,
// a NIK without a route shows the error, a malformed NIK is refused.
func checkHistory(t *testing.T, ctx context.Context) {
	for _, test := range []struct {
		nik       string
		state     string
		wantRows  int
		wantError string
	}{
		{historyNIK, "ready", 2, ""},
		{"6310000000000000", "error", 0, "404"},
		{"12345", "error", 0, "16"},
	} {
		run(t, ctx, "clear NIK", chromedp.Evaluate[chromedp.Void](`document.querySelector('#nik').value = ''`))
		run(t, ctx, "type NIK", chromedp.SendKeys(chromedp.CSS("#nik"), test.nik))
		run(t, ctx, "reset history", chromedp.Evaluate[chromedp.Void](`document.querySelector('#history').dataset.state = ''`))
		run(t, ctx, "search", chromedp.Click(chromedp.CSS("#search button")))
		run(t, ctx, "history answered", chromedp.Poll[chromedp.Void](`['ready', 'error'].includes(document.querySelector('#history').dataset.state)`, chromedp.WithPollingTimeout(20*time.Second)))
		if state := evaluate[string](t, ctx, `document.querySelector('#history').dataset.state`); state != test.state {
			t.Errorf("history of %s: state %q, want %q (%s)", test.nik, state, test.state, evaluate[string](t, ctx, `document.querySelector('#history-error').textContent`))
			continue
		}
		if test.wantError != "" {
			if message := evaluate[string](t, ctx, `document.querySelector('#history-error').textContent`); !strings.Contains(message, test.wantError) {
				t.Errorf("history of %s: error %q, want it to mention %q", test.nik, message, test.wantError)
			}
			continue
		}
		rows := evaluate[[][]string](t, ctx, `[...document.querySelectorAll('#history-table tbody tr')].map(r => [...r.cells].map(c => c.textContent))`)
		if len(rows) != test.wantRows || rows[0][2] != "ParticipantRegistered" || rows[1][0] != "1.042" {
			t.Errorf("history of %s: rows %v, want the stub's two entries, position 1.042 on the second", test.nik, rows)
		}
	}
}

// requireToken stands in for the API server's authentication: the dashboard
// API answers 401 without the test's bearer token.
func requireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"type":"https://jaminan.example/problems/unauthenticated","title":"unauthenticated","status":401,"detail":"a bearer token is required"}`))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// stubHistory answers in the shape of GET /api/v1/participants/{nik}/history.
func stubHistory(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"entries":[
		{"position":7,"version":1,"type":"ParticipantRegistered","occurred_at":"2024-01-01","recorded_at":"2026-11-28T09:00:00Z","actor":"demo","hash":"3f5a9c0d1e2b4a6f8d7c","state_after":{"status":"registered"}},
		{"position":1042,"version":2,"type":"ParticipantEnrolled","occurred_at":"2024-01-01","recorded_at":"2026-11-28T09:00:01Z","actor":"demo","hash":"9b8a7c6d5e4f3a2b1c0d","state_after":{"status":"active"}}]}`))
}

// expectedFigures asks the dash views directly, in one snapshot, and formats
// each figure as the page must show it. selected is the kecamatan whose desa
// are listed; "" means the page's default, the kecamatan with most workers.
func expectedFigures(t *testing.T, database *pgtest.Database, selected string) map[string]string {
	t.Helper()
	ctx := t.Context()
	tx, err := database.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	figures := map[string]string{"protected-workers": groupThousands(headline(t, database))}
	query := func(sql string, each func(values []any), args ...any) {
		rows, err := tx.Query(ctx, sql, args...)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		defer rows.Close()
		for rows.Next() {
			values, err := rows.Values()
			if err != nil {
				t.Fatal(err)
			}
			each(values)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	query(`SELECT kecamatan, sum(active_participants)::bigint FROM dash.coverage_by_area WHERE programme = 'JKK'
		GROUP BY kecamatan ORDER BY 2 DESC, 1`, func(v []any) {
		if selected == "" {
			selected = v[0].(string)
		}
		figures["kecamatan/"+v[0].(string)] = groupThousands(v[1].(int64))
	})
	query(`SELECT kecamatan, desa, sum(active_participants)::bigint FROM dash.coverage_by_area WHERE programme = 'JKK' AND kecamatan = $1
		GROUP BY kecamatan, desa`, func(v []any) {
		figures["desa/"+v[0].(string)+"/"+v[1].(string)] = groupThousands(v[2].(int64))
	}, selected)
	query(`SELECT category, sum(active_participants)::bigint FROM dash.coverage_by_area WHERE programme = 'JKK' GROUP BY category`, func(v []any) {
		figures["category/"+v[0].(string)] = groupThousands(v[1].(int64))
	})
	query(`SELECT coalesce(sum(assessed), 0), coalesce(sum(collected), 0), coalesce(sum(outstanding), 0) FROM dash.collections_by_month`, func(v []any) {
		figures["collections/assessed"], figures["collections/collected"], figures["collections/outstanding"] = rupiah(v[0]), rupiah(v[1]), rupiah(v[2])
		figures["card/collected"] = rupiah(v[1])
	})
	query(`SELECT coalesce(sum(days_0_30), 0), coalesce(sum(days_31_60), 0), coalesce(sum(days_61_90), 0), coalesce(sum(days_over_90), 0),
		coalesce(sum(total_overdue), 0) FROM dash.arrears_ageing`, func(v []any) {
		for i, bucket := range []string{"days_0_30", "days_31_60", "days_61_90", "days_over_90"} {
			figures["arrears/"+bucket] = rupiah(v[i])
		}
		figures["card/arrears"] = rupiah(v[4])
	})
	query(`SELECT payer_id, total_overdue FROM dash.arrears_ageing ORDER BY total_overdue DESC, payer_id LIMIT $1`, func(v []any) {
		figures["arrears/payer/"+v[0].(string)] = rupiah(v[1])
	}, arrearsTopRows)
	query(`SELECT programme, sum(count)::bigint, sum(total), sum(paid_out) FROM dash.claims_by_programme GROUP BY programme`, func(v []any) {
		p := v[0].(string)
		figures["claims/"+p+"/count"], figures["claims/"+p+"/approved"], figures["claims/"+p+"/paid_out"] = groupThousands(v[1].(int64)), rupiah(v[2]), rupiah(v[3])
	})
	query(`SELECT programme, sum(count)::bigint, sum(amount), sum(reversed_amount) FROM dash.payouts_by_programme GROUP BY programme`, func(v []any) {
		p := v[0].(string)
		figures["payouts/"+p+"/count"], figures["payouts/"+p+"/amount"], figures["payouts/"+p+"/reversed"] = groupThousands(v[1].(int64)), rupiah(v[2]), rupiah(v[3])
	})
	query(`SELECT coalesce(sum(benefits_paid), 0) FROM dash.fund_totals`, func(v []any) { figures["card/benefits-paid"] = rupiah(v[0]) })
	query(`SELECT programme, contributions, benefits_paid, net FROM dash.fund_totals`, func(v []any) {
		p := v[0].(string)
		figures["fund/"+p+"/contributions"], figures["fund/"+p+"/benefits_paid"], figures["fund/"+p+"/net"] = rupiah(v[1]), rupiah(v[2]), rupiah(v[3])
	})
	query(`SELECT scope, claim_id, paid, outstanding FROM dash.scholarship_commitments`, func(v []any) {
		if v[0] == "total" {
			figures["scholarships/total/paid"], figures["scholarships/total/outstanding"] = rupiah(v[2]), rupiah(v[3])
			figures["card/scholarships"] = rupiah(v[3])
			return
		}
		figures["scholarships/claim/"+v[1].(string)+"/outstanding"] = rupiah(v[3])
	})
	return figures
}

// headline is docs/dashboards.md's headline query.
func headline(t *testing.T, database *pgtest.Database) int64 {
	t.Helper()
	var protected int64
	if err := database.Pool.QueryRow(t.Context(), `SELECT coalesce(sum(active_participants), 0)::bigint FROM dash.coverage_by_area WHERE programme = 'JKK'`).Scan(&protected); err != nil {
		t.Fatal(err)
	}
	return protected
}

// checkFigures compares every [data-figure] element of the page with the
// expected figures, both ways: nothing shown unchecked, nothing expected missing.
func checkFigures(t *testing.T, ctx context.Context, expected map[string]string) {
	t.Helper()
	pairs := evaluate[[][2]string](t, ctx, `[...document.querySelectorAll('[data-figure]')].map(e => [e.dataset.figure, e.textContent.trim()])`)
	shown := map[string]string{}
	for _, pair := range pairs {
		if _, twice := shown[pair[0]]; twice {
			t.Errorf("figure %s appears twice on the page", pair[0])
		}
		shown[pair[0]] = pair[1]
	}
	for _, name := range slices.Sorted(maps.Keys(shown)) {
		want, ok := expected[name]
		switch {
		case !ok:
			t.Errorf("the page shows figure %s = %q, which the dash views do not have", name, shown[name])
		case shown[name] != want:
			t.Errorf("figure %s: page shows %q, the dash views say %q", name, shown[name], want)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(expected)) {
		if _, ok := shown[name]; !ok {
			t.Errorf("figure %s = %q is missing from the page", name, expected[name])
		}
	}
	if len(shown) < 20 {
		t.Errorf("only %d figures on the page: the demo should give many more", len(shown))
	}
}

// groupThousands writes a count the Indonesian way: 10488 -> 10.488.
func groupThousands(n int64) string { return groupDigits(fmt.Sprint(n)) }

func groupDigits(digits string) string {
	sign := ""
	if strings.HasPrefix(digits, "-") {
		sign, digits = "-", digits[1:]
	}
	var grouped strings.Builder
	for i, digit := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			grouped.WriteByte('.')
		}
		grouped.WriteRune(digit)
	}
	return sign + grouped.String()
}

// rupiah writes money the Indonesian way, from the exact decimal:
// 42000000 -> Rp42.000.000, 1234.5 -> Rp1.234,50, -5000 -> -Rp5.000.
func rupiah(value any) string {
	amount, ok := value.(decimal.Decimal)
	if !ok {
		return fmt.Sprintf("not a decimal: %T", value)
	}
	sign := ""
	if amount.IsNegative() {
		sign, amount = "-", amount.Neg()
	}
	whole, cents, _ := strings.Cut(amount.StringFixed(2), ".")
	text := sign + "Rp" + groupDigits(whole)
	if cents != "00" {
		text += "," + cents
	}
	return text
}

func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Skip("no chromium, chromium-browser or google-chrome on PATH: the browser test needs one; .ci/run installs Debian's chromium with apt-get (apt-get install chromium)")
	return ""
}

func newBrowser(t *testing.T, path string) context.Context {
	t.Helper()
	allocator, cancelAllocator := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 1000),
	)
	browser, cancelBrowser := chromedp.NewContext(allocator)
	ctx, cancelTimeout := context.WithTimeout(browser, browserTimeout)
	t.Cleanup(func() {
		cancelTimeout()
		cancelBrowser()
		cancelAllocator()
	})
	return ctx
}

func run(t *testing.T, ctx context.Context, step string, action chromedp.Action[chromedp.Void]) {
	t.Helper()
	if _, err := chromedp.Run(ctx, action); err != nil {
		t.Fatalf("browser: %s: %v", step, err)
	}
}

func evaluate[T any](t *testing.T, ctx context.Context, expression string) T {
	t.Helper()
	value, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression))
	if err != nil {
		t.Fatalf("browser: evaluate %s: %v", expression, err)
	}
	return value
}

func waitReady(t *testing.T, ctx context.Context) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](`document.body.dataset.state === 'ready' || document.body.dataset.state === 'error'`,
		chromedp.WithPollingTimeout(60*time.Second)))
	if err != nil {
		t.Fatalf("browser: wait for the figures: %v", err)
	}
	if state := evaluate[string](t, ctx, `document.body.dataset.state`); state != "ready" {
		t.Fatalf("page state %q: %s", state, evaluate[string](t, ctx, `document.querySelector('#status').textContent`))
	}
}

// saveScreenshot keeps a full-page PNG under the test's temporary directory
// and, when JAMINAN_SCREENSHOT names a path, there too (docs/dashboard.png).
func saveScreenshot(t *testing.T, ctx context.Context) {
	t.Helper()
	image, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("browser: screenshot: %v", err)
	}
	paths := []string{filepath.Join(t.TempDir(), "dashboard.png")}
	if extra := os.Getenv("JAMINAN_SCREENSHOT"); extra != "" {
		paths = append(paths, extra)
	}
	for _, path := range paths {
		if err := os.WriteFile(path, image, 0o644); err != nil {
			t.Fatalf("save screenshot: %v", err)
		}
		t.Logf("screenshot: %s", path)
	}
}
