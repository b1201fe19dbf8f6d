package projections_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tanahbumbu/jaminan/adapters/postgres"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/projections"
)

// Migration 013 over lines paid before it: their rows come across, a row per
// line with its programmes in order and paid derived as it was stored, and
// the upgrade says that their positions need a rebuild; over a new database,
// or one already past 013, it says nothing.
func TestUpgradeOverPaidLinesSaysToRebuild(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	database := pgtest.New(t)
	pool := database.Pool
	if _, err := postgres.MigrateTo(ctx, pool, 12); err != nil {
		t.Fatal(err)
	}
	// A bill of two workers, the first paid (allocated 100.00 covers it), the second not.
	if _, err := pool.Exec(ctx, `INSERT INTO rm_bills (payer_id, period, due_date, lines, total, allocated, position)
		VALUES ('desa-a', '2025-01', '2025-02-15', 2, 250.00, 100.00, 9);
		INSERT INTO rm_contributions (payer_id, period, participant_id, programme, line_no, covered_through, segment, rate,
			employer, worker, total, paid, due_date, position) VALUES
		('desa-a', '2025-01', 'p1', 'JKM', 1, 100.00, 'bpu', '0.3%', 0, 60.00, 60.00, true, '2025-02-15', 9),
		('desa-a', '2025-01', 'p1', 'JKK', 1, 100.00, 'bpu', '0.24%', 0, 40.00, 40.00, true, '2025-02-15', 9),
		('desa-a', '2025-01', 'p2', 'JKK', 2, 250.00, 'bpu', '0.24%', 0, 150.00, 150.00, false, '2025-02-15', 4)`); err != nil {
		t.Fatal(err)
	}
	from, err := postgres.SchemaVersion(ctx, pool)
	if err != nil || from != 12 {
		t.Fatalf("schema version %d (%v), want 12", from, err)
	}
	to, err := postgres.Migrate(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	notices, err := projections.UpgradeNotices(ctx, pool, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if len(notices) != 1 || !strings.Contains(notices[0], "1 bill lines paid before it") || !strings.Contains(notices[0], "jaminan rebuild contributions") {
		t.Errorf("notices after 12 → %d: %q, want one naming the 1 paid line and the rebuild", to, notices)
	}
	var lines, programmes, paid string
	if err := pool.QueryRow(ctx, `SELECT string_agg(participant_id || ':' || array_to_string(programmes, ','), ' ' ORDER BY line_no) FROM rm_bill_lines`).Scan(&lines); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `SELECT string_agg(participant_id || ':' || programme || ':' || total, ' ' ORDER BY participant_id, programme),
		string_agg(participant_id || ':' || programme || ':' || paid, ' ' ORDER BY participant_id, programme) FROM rm_contributions`).Scan(&programmes, &paid); err != nil {
		t.Fatal(err)
	}
	if lines != "p1:JKK,JKM p2:JKK" || programmes != "p1:JKK:40.00 p1:JKM:60.00 p2:JKK:150.00" || paid != "p1:JKK:true p1:JKM:true p2:JKK:false" {
		t.Errorf("after 013: lines %q, contributions %q, paid %q", lines, programmes, paid)
	}
	for _, versions := range [][2]int32{{0, to}, {to, to}} {
		if notices, err := projections.UpgradeNotices(ctx, pool, versions[0], versions[1]); err != nil || len(notices) != 0 {
			t.Errorf("notices for %d → %d: %q (%v), want none", versions[0], versions[1], notices, err)
		}
	}
}
