package bench

import (
	"context"
	"strings"
	"testing"

	"github.com/tanahbumbu/jaminan/projections"
)

// A smoke run on real PostgreSQL: the blue/green rebuild is shown beside COPY
// of the log and beside the rows it wrote, piped by COPY into tables without
// indexes; that second baseline counts every read-model row, and only them.
func TestRebuildRowsSmoke(t *testing.T) {
	ctx := context.Background()
	db, built := smokeLog(t)
	results, err := RebuildSideBySide(ctx, db, built.Events)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 2 {
		t.Fatalf("%d rows, want the rebuild beside COPY out and beside its rows", len(results))
	}
	for _, result := range results {
		if result.Value <= 0 || result.Baseline <= 0 || result.Unit != unitRate {
			t.Errorf("%s: %g %s against %g (%s)", result.Name, result.Value, result.Unit, result.Baseline, result.BaselineName)
		}
	}
	var rows int64
	for _, projection := range projections.All() {
		for _, table := range projection.Tables() {
			var count int64
			if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&count); err != nil {
				t.Fatal(err)
			}
			rows += count
		}
	}
	if want := "(" + thousands(float64(rows)) + ", "; rows == 0 || !strings.Contains(results[1].BaselineName, want) {
		t.Errorf("baseline %q, want the %d read-model rows counted in it", results[1].BaselineName, rows)
	}
	var left int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE tablename = 'bench_rows'`).Scan(&left); err != nil || left != 0 {
		t.Errorf("bench_rows left behind (%d, %v)", left, err)
	}
}
