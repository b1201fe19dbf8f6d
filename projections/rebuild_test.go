package projections_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/projections"
)

// fingerprints are a digest of every read-model table's rows.
func (h *history) fingerprints(t *testing.T) map[string]string {
	t.Helper()
	prints := map[string]string{}
	for _, projection := range projections.All() {
		for _, table := range projection.Tables() {
			prints[table] = h.digest(t, table)
		}
	}
	return prints
}

// digest is a table's or view's row count and the md5 of its rows as JSON
// in order, the columns named in without left out.
func (h *history) digest(t *testing.T, relation string, without ...string) string {
	t.Helper()
	var digest string
	err := h.database.Pool.QueryRow(context.Background(), `SELECT count(*) || ':' || coalesce(md5(string_agg(r, ',' ORDER BY r)), '')
		FROM (SELECT (to_jsonb(t) - $1::text[])::text AS r FROM `+relation+` t) x`, append([]string{}, without...)).Scan(&digest)
	if err != nil {
		t.Fatal(err)
	}
	return digest
}

func (h *history) assertSameReadModels(t *testing.T, before map[string]string) {
	t.Helper()
	for table, digest := range h.fingerprints(t) {
		if digest != before[table] {
			t.Errorf("%s after rebuild: %s, before %s", table, digest, before[table])
		}
	}
}

// TestRebuildSideBySide: the blue/green rebuild swaps in tables equal to what
// the log gives while a dashboard reads and a writer appends and the live
// runner catches up all along; index names, views and grants keep working, no
// schema is left behind, and the reader never sees an empty read model.
func TestRebuildSideBySide(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	built := newHistory(t)
	participants := built.count(t, `SELECT count(*) FROM rm_participants`)
	var stop atomic.Bool
	var failed, reads atomic.Int64
	var wait sync.WaitGroup
	wait.Add(2)
	go func() { // a dashboard reading all along
		defer wait.Done()
		for !stop.Load() {
			var active, entries int64
			err := built.database.Pool.QueryRow(ctx, `SELECT (SELECT coalesce(sum(active_participants), 0)::bigint FROM dash.coverage_by_area),
				(SELECT count(*) FROM journal_entries)`).Scan(&active, &entries)
			if err != nil || active == 0 || entries == 0 {
				t.Logf("reader: %d active, %d entries, error %v", active, entries, err)
				failed.Add(1)
			}
			reads.Add(1)
		}
	}()
	go func() { // a clerk registering workers, and the live projections following
		defer wait.Done()
		for serial := 10; serial < 10+newWorkersDuringRebuild && !stop.Load(); serial++ {
			if err := register(ctx, built, serial); err != nil {
				t.Errorf("register during the rebuild: %v", err)
				return
			}
			if _, err := built.runner.CatchUp(ctx); err != nil {
				t.Errorf("live catch-up during the rebuild: %v", err)
				return
			}
		}
	}()
	report, err := built.runner.RebuildSideBySide(ctx, nil, 40, nil)
	stop.Store(true)
	wait.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if report.Events == 0 || len(report.Projections) != len(projections.All()) {
		t.Errorf("rebuild report %+v: want every projection, every event", report)
	}
	if failed.Load() != 0 {
		t.Errorf("a reader saw an empty or failing read model %d times in %d reads during the rebuild", failed.Load(), reads.Load())
	}
	if _, err := built.runner.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	verified, err := built.runner.Verify(ctx, nil, nil)
	if err != nil || verified.Differences() != 0 {
		t.Errorf("verify after the rebuild: %d differences (%v), want 0", verified.Differences(), err)
	}
	added := built.count(t, `SELECT count(*) FROM rm_participants`) - participants
	if count := built.count(t, `SELECT count(*) FROM pg_indexes WHERE schemaname = 'public' AND indexname IN ('rm_participants_place', 'journal_entries_account', 'rm_bill_lines_participant')`); count != 3 {
		t.Errorf("index names after the swap: %d of 3 kept", count)
	}
	if schemas := built.count(t, `SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'rebuild%'`); schemas != 0 {
		t.Errorf("%d rebuild schemas left behind", schemas)
	}
	t.Logf("%d reads and %d workers registered during the rebuild", reads.Load(), added)
	t.Run("dashboard role still reads dash", built.dashboardRole)
	t.Run("journal still balances", built.journalBalances)
	applyOneMore(t, built)
}

// newWorkersDuringRebuild bounds the clerk of TestRebuildSideBySide.
const newWorkersDuringRebuild = 40

// register registers a BPU worker of Batuah with a NIK of the given serial.
func register(ctx context.Context, built *history, serial int) error {
	_, err := built.application.Execute(ctx, &command.RegisterParticipant{NIK: fmt.Sprintf("631005410190%04d", serial), FullName: "Pekerja " + fmt.Sprint(serial),
		BirthDate: calendar.NewDate(1990, 1, 1), Category: "pkk", Segment: "BPU", Kecamatan: "Kusan Hilir", Desa: "Batuah", PayerID: "pemkab-tanah-bumbu"},
		app.Meta{Actor: "test"})
	return err
}

// applyOneMore: after the swap the checkpoints are right: one new event is applied once by every projection.
func applyOneMore(t *testing.T, built *history) {
	t.Helper()
	ctx := context.Background()
	if err := register(ctx, built, 5); err != nil {
		t.Fatal(err)
	}
	applied, err := built.runner.CatchUp(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if applied != int64(len(projections.All())) {
		t.Errorf("catch-up after the rebuild applied %d events, want 1 per projection (%d)", applied, len(projections.All()))
	}
}

func TestRebuildInPlace(t *testing.T) {
	t.Parallel()
	built := newHistory(t)
	before := built.fingerprints(t)
	report, err := built.runner.RebuildInPlace(context.Background(), []string{"journal", "contributions"}, 33, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(report.Projections, ",") != "contributions,journal" || report.Events == 0 {
		t.Errorf("report %+v: want contributions then journal (catch-up order), every event", report)
	}
	built.assertSameReadModels(t, before)
	if _, err := built.runner.RebuildInPlace(context.Background(), []string{"nope"}, 33, nil); err == nil {
		t.Error("rebuild of an unknown projection: got no error")
	}
}

// TestVerifyFindsTampering: verify re-derives every read model and finds
// nothing; after one row is changed by hand it names the table and both
// sides, without printing personal data, and leaves no schema behind.
func TestVerifyFindsTampering(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	built := newHistory(t)
	report, err := built.runner.Verify(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if report.Differences() != 0 || len(report.Tables) < 10 {
		t.Fatalf("untouched read models: %d differences over %d tables, want 0 over every table", report.Differences(), len(report.Tables))
	}
	_, err = built.database.Pool.Exec(ctx, `UPDATE rm_participants SET desa = 'Batuah' WHERE nik = '6310064203820002'`)
	if err != nil {
		t.Fatal(err)
	}
	if report, err = built.runner.Verify(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	sides := map[string]bool{}
	for _, table := range report.Tables {
		for _, difference := range table.Differences {
			sides[difference.Table+"/"+difference.Side] = true
			if strings.Contains(difference.Row, "6310064203820002") || strings.Contains(difference.Row, "Halimatus") {
				t.Errorf("difference shows personal data: %s", difference.Row)
			}
			if !strings.Contains(difference.Row, "Pakatellu") && !strings.Contains(difference.Row, "Batuah") {
				t.Errorf("difference does not show the changed column: %s", difference.Row)
			}
		}
	}
	if report.Differences() != 2 || !sides["rm_participants/live only"] || !sides["rm_participants/rebuilt only"] {
		t.Errorf("tampered desa: got %d differences %v, want rm_participants on both sides", report.Differences(), sides)
	}
	if schemas := built.count(t, `SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'verify%'`); schemas != 0 {
		t.Errorf("%d verify schemas left behind", schemas)
	}
}

// A copy that may be swapped in is written to the WAL like the live tables
// (it must survive a crash and reach replicas); verify's copy, only compared
// and dropped, is UNLOGGED.
func TestScratchCopiesAreLoggedOnlyWhenTheyMayBeSwappedIn(t *testing.T) {
	ctx := context.Background()
	built := newHistory(t)
	selected, err := built.runner.Select(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, test := range []struct {
		kind        projections.ScratchKind
		persistence string
	}{{projections.ScratchToSwap, "p"}, {projections.ScratchToDrop, "u"}} {
		scratch, err := built.runner.NewScratch(ctx, "test", test.kind, selected)
		if err != nil {
			t.Fatal(err)
		}
		var tables, matching int
		err = built.database.Pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE c.relpersistence = $2)
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`,
			scratch.Schema, test.persistence).Scan(&tables, &matching)
		if dropErr := scratch.Drop(ctx); dropErr != nil {
			t.Fatal(dropErr)
		}
		if err != nil {
			t.Fatal(err)
		}
		if want := len(scratch.Tables()) + 1; tables != want || matching != tables {
			t.Errorf("kind %d: %d of %d scratch tables have persistence %q, want all %d (the read models and the checkpoints)",
				test.kind, matching, tables, test.persistence, want)
		}
	}
}
