package bench

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
)

func TestParseStatusKiBReadsOneField(t *testing.T) {
	status := []byte("Name:\tjaminan\nVmPeak:\t  812345 kB\nVmHWM:\t   61234 kB\nVmRSS:\t   59876 kB\nThreads:\t9\n")
	tests := []struct {
		field   string
		want    int64
		wantErr string
	}{
		{field: "VmHWM", want: 61234},
		{field: "VmRSS", want: 59876},
		{field: "VmSwap", wantErr: "no VmSwap"},
		{field: "Name", wantErr: "parse Name"},
	}
	for _, test := range tests {
		got, err := parseStatusKiB(status, test.field)
		if test.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), test.wantErr) {
				t.Errorf("%s: error %v, want one containing %q", test.field, err, test.wantErr)
			}
			continue
		}
		if err != nil || got != test.want {
			t.Errorf("%s = %d, %v; want %d", test.field, got, err, test.want)
		}
	}
}

// The method section names the load the memory rows were measured under.
func TestServeMethodNamesTheLoad(t *testing.T) {
	text := serveMethod()
	for _, want := range []string{"POST /api/v1/commands/RegisterPayer", "JAMINAN_AUTH=off", "16 clients", "jaminan rebuild", "VmHWM"} {
		if !strings.Contains(text, want) {
			t.Errorf("serveMethod lacks %q", want)
		}
	}
}

// A smoke run of the binary as a subprocess: serve starts, answers commands
// for two seconds and stops on SIGTERM; rebuild runs to its end; apply runs
// in four processes at once, and behind a transaction open in another
// database. Each figure is a real number; nothing is held to a target here.
func TestServeAndRebuildMemorySmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("serve smoke run skipped in -short mode")
	}
	binary := filepath.Join(t.TempDir(), "jaminan")
	if output, err := exec.Command("go", "build", "-o", binary, "github.com/tanahbumbu/jaminan/cmd/jaminan").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, output)
	}
	ctx := context.Background()
	db := newTestScratch(t)
	served, err := ServeMemory(ctx, db, binary, 2*time.Second, 1)
	if err != nil {
		t.Fatal(err)
	}
	var payers int64
	if err := db.pool.QueryRow(ctx, `SELECT count(DISTINCT stream_id) FROM events WHERE stream_id LIKE 'payer-serve-bench-%'`).Scan(&payers); err != nil {
		t.Fatal(err)
	}
	if payers == 0 {
		t.Errorf("no payer streams: serve appended nothing")
	}
	rebuilt, err := RebuildMemory(ctx, binary, db.serverURL)
	if err != nil {
		t.Fatal(err)
	}
	parallel, err := ParallelApply(ctx, db, binary, 1, 4, 20)
	if err != nil {
		t.Fatal(err)
	}
	other := pgtest.New(t)
	held, err := ApplyBehindOpenTransaction(ctx, db, &scratch{name: other.Name, pool: other.Pool}, binary, 1)
	if err != nil {
		t.Fatal(err)
	}
	results := append(append(append(served, rebuilt...), parallel...), held...)
	if len(results) != 5 {
		t.Fatalf("%d results, want serve's peak and rate, rebuild's peak, and the two apply rates", len(results))
	}
	for _, result := range results {
		if result.Value <= 0 || result.Baseline <= 0 {
			t.Errorf("%s: value %g, baseline %g", result.Name, result.Value, result.Baseline)
		}
		t.Logf("%s: %s (%s %s)", result.Name, formatValue(result.Value, result.Unit), result.BaselineName, formatValue(result.Baseline, result.Unit))
	}
}

// The builder's pool sets synchronous_commit in the connection string, URL or keyword/value.
func TestWithRuntimeParamAddsASessionSetting(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://postgres@127.0.0.1:5432/jaminan_bench_x?sslmode=disable",
			"postgres://postgres@127.0.0.1:5432/jaminan_bench_x?sslmode=disable&synchronous_commit=off"},
		{"postgres://postgres@127.0.0.1:5432/jaminan_bench_x", "postgres://postgres@127.0.0.1:5432/jaminan_bench_x?synchronous_commit=off"},
		{"host=127.0.0.1 user=postgres dbname=jaminan_bench_x", "host=127.0.0.1 user=postgres dbname=jaminan_bench_x synchronous_commit=off"},
	}
	for _, test := range tests {
		if got := withRuntimeParam(test.in, "synchronous_commit", "off"); got != test.want {
			t.Errorf("withRuntimeParam(%q) = %q, want %q", test.in, got, test.want)
		}
	}
}
