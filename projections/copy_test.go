package projections_test

import (
	"context"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/projections"
)

// The live runner writes with INSERTs; a replay writes journal_entries and
// rm_bill_lines with COPY. Both give the same rows: verify (a COPY replay
// into a scratch schema, compared EXCEPT ALL both ways) finds no difference,
// and the blue/green rebuild swaps in tables equal to the live ones row for row.
// Not parallel: it lowers the COPY threshold so every bill goes by COPY.
func TestCopyReplayEqualsLiveRowForRow(t *testing.T) {
	restore := projections.ForceCopy()
	defer restore()
	ctx := context.Background()
	built := newHistory(t)
	addSupplement(t, built)
	before := built.fingerprints(t)
	copiedBefore := projections.CopiedRows()
	report, err := built.runner.Verify(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range report.Tables {
		if len(table.Differences) > 0 {
			t.Errorf("%s: %d rows differ between the live (INSERT) and the replayed (COPY) table, first %+v", table.Table, len(table.Differences), table.Differences[0])
		}
	}
	if projections.CopiedRows() == copiedBefore {
		t.Fatal("the replay wrote nothing by COPY")
	}
	if _, err := built.runner.RebuildSideBySide(ctx, []string{"contributions", "journal"}, projections.DefaultReplayBatch, nil); err != nil {
		t.Fatal(err)
	}
	built.assertSameReadModels(t, before)
	for _, table := range []string{"journal_entries", "rm_bill_lines"} {
		if rows := built.count(t, `SELECT count(*) FROM `+table); rows == 0 {
			t.Errorf("%s is empty after the rebuild", table)
		}
	}
}

// addSupplement enrolls a wage earner into a month already billed and bills
// the month again: a supplement whose COPY rows must number on after the bill's
// lines (line_no, covered_through), as the INSERT does.
func addSupplement(t *testing.T, built *history) {
	t.Helper()
	ctx := context.Background()
	var payerID, periodText string
	err := built.database.Pool.QueryRow(ctx, `SELECT payer_id, period FROM rm_bills WHERE lines > 0 ORDER BY period DESC, payer_id LIMIT 1`).Scan(&payerID, &periodText)
	if err != nil {
		t.Fatal(err)
	}
	period, err := calendar.ParsePeriod(periodText)
	if err != nil {
		t.Fatal(err)
	}
	wage := command.Money{Decimal: decimal.RequireFromString("3000000")}
	for _, c := range []command.Command{
		&command.RegisterParticipant{NIK: "6310054101900999", FullName: "Pekerja Susulan", BirthDate: calendar.NewDate(1990, 1, 1), Category: "perangkat_desa",
			Segment: "PU", Kecamatan: "Kusan Hilir", Desa: "Batuah", PayerID: payerID},
		&command.Enroll{NIK: "6310054101900999", Programmes: []string{"JKK", "JKM", "JHT"}, EffectiveDate: period.FirstDay(), Wage: &wage},
		&command.AssessContributions{PayerID: payerID, Period: period},
	} {
		result, err := built.application.Execute(ctx, c, app.Meta{Actor: "test"})
		if err != nil {
			t.Fatalf("%s: %v", c.Name(), err)
		}
		if _, ok := c.(*command.AssessContributions); ok && (len(result.Events) == 0 || result.Events[len(result.Events)-1].Type != "ContributionsBilled") {
			t.Fatalf("no supplement to %s %s: %+v", payerID, periodText, result.Events)
		}
	}
	if _, err := built.runner.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
}
