package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/tanahbumbu/jaminan/adapters/export"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/problem"
	"github.com/tanahbumbu/jaminan/domain/reconciliation"
	"github.com/tanahbumbu/jaminan/projections"
)

// The ledger of these tests: a receipt of Rp16.800 on 2026-11-03 (BPD-KALSEL-002)
// and the JKM benefit of Rp42.000.000 paid in two payouts on 2026-11-28:
// Rp30.000.000 (BTL-0042) and Rp12.000.000 (BTL-0043).
const reconcileLedgerJSONL = `{"command":"RegisterPayer","payer_id":"pemkab","name":"Pemerintah Kabupaten Tanah Bumbu","kind":"regency","risk_class":1}
{"command":"RegisterParticipant","nik":"6310054507850001","name":"Santi","birth_date":"1985-07-05","category":"kader","segment":"BPU","kecamatan":"Kusan Hilir","desa":"Muara Pagatan Tengah","payer_id":"pemkab"}
{"command":"Enroll","nik":"6310054507850001","programmes":["JKK","JKM"],"effective_date":"2024-01-01","declared_income":"1000000"}
{"command":"AssessContributions","payer_id":"pemkab","period":"2024-10"}
{"command":"RecordPayment","payment_id":"pemkab-2024-10","payer_id":"pemkab","amount":"16800.00","paid_on":"2024-10-05","bank_reference":"BPD-KALSEL-001","period":"2024-10"}
{"command":"ReportDeath","nik":"6310054507850001","date":"2024-10-07","cause":"other"}
{"command":"FileClaim","claim_id":"jkm-santi","nik":"6310054507850001","programme":"JKM","benefit":"death","incident_date":"2024-10-07","heir":{"name":"Rahmadi","relationship":"spouse","nik":"6310050101800003"}}
{"command":"ApproveClaim","claim_id":"jkm-santi"}
{"command":"RecordPayment","payment_id":"pemkab-2026-11","payer_id":"pemkab","amount":"16800.00","paid_on":"2026-11-03","bank_reference":"BPD-KALSEL-002"}
{"command":"RecordPayout","payout_id":"po-santi-1","claim_id":"jkm-santi","amount":"30000000.00","paid_on":"2026-11-28","bank_reference":"BTL-0042"}
{"command":"RecordPayout","payout_id":"po-santi-2","claim_id":"jkm-santi","amount":"12000000.00","paid_on":"2026-11-28","bank_reference":"BTL-0043"}
`

// The bank's statement: the receipt exactly; the first payout Rp1.500,50 short
// of the ledger's; a bank fee the ledger does not know; the second payout missing.
const reconcileStatementCSV = "\ufeffdate,reference,amount,counterparty_account,description\n" +
	"2026-11-03,BPD-KALSEL-002,16800.00,0012-01-000123,Iuran pemkab\n" +
	"2026-11-28,BTL-0042,-29998499.50,0031-22-000042,\"Santunan JKM, termin 1\"\n" +
	"2026-11-15,ADM-FEE,-7500.00,,Biaya administrasi\n"

// Hand-computed totals of that statement (signed: + money in, − money out):
//
//	bank_total        = 16,800.00 − 29,998,499.50 − 7,500.00           = −29,989,199.50
//	matched_total     = 16,800.00
//	differences_total = −29,998,499.50 − (−30,000,000.00)               = 1,500.50
//	bank_only_total   = −7,500.00
//	ledger_only_total = −12,000,000.00
//	ledger_total      = 16,800.00 − 30,000,000.00 − 12,000,000.00       = −41,983,200.00
//	tie: −29,989,199.50 − (−7,500.00) + (−12,000,000.00) − 1,500.50     = −41,983,200.00
var wantTotals = map[string]string{"bank_total": "-29989199.50", "matched_total": "16800.00", "differences_total": "1500.50",
	"bank_only_total": "-7500.00", "ledger_only_total": "-12000000.00", "ledger_total": "-41983200.00"}

func reconcileFile(t *testing.T, built *system, name, text string, options reconcileOptions) (reconciliation.State, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if options.statementID == "" {
		options.statementID = statementIDFromPath(path)
	}
	input, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer input.Close()
	statement, err := readStatement(input, path, options)
	if err != nil {
		t.Fatal(err)
	}
	return reconcile(context.Background(), built, statement, app.Meta{Actor: "test", Source: "cli:reconcile"})
}

func TestReconcileOnPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	database := pgtest.New(t)
	built := newSystem(t, database)
	if lines, failed := applyText(t, built, reconcileLedgerJSONL); failed != 0 {
		t.Fatalf("seeding the ledger failed: %+v", lines)
	}
	// docs/reconciliation.md shows this statement and its report.
	if example, err := os.ReadFile("../../docs/examples/statement.csv"); err != nil || "\ufeff"+string(example) != reconcileStatementCSV {
		t.Errorf("docs/examples/statement.csv is not the statement of this test (%v)", err)
	}
	report, err := reconcileFile(t, built, "bpd-2026-11.csv", reconcileStatementCSV, reconcileOptions{account: "0012-01-000999"})
	if err != nil {
		t.Fatal(err)
	}
	assertOutcomes(t, report)
	assertTotals(t, report.Reconciled.Totals)
	var output bytes.Buffer
	if err := printReport(&output, report, "table"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"amount_differs", "po-santi-2", "-41983200.00 = -29989199.50 − (-7500.00) + (-12000000.00) − (1500.50)"} {
		if !strings.Contains(output.String(), want) {
			t.Errorf("the printed report lacks %q:\n%s", want, output.String())
		}
	}
	assertReadModel(t, built)

	// The same statement id again: a conflict, and nothing appended.
	head, err := built.store.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = reconcileFile(t, built, "bpd-2026-11.csv", reconcileStatementCSV, reconcileOptions{})
	if domainError, ok := problem.As(err); !ok || domainError.Kind != problem.Conflict || domainError.Code != "statement_already_reconciled" {
		t.Fatalf("second reconciliation of bpd-2026-11: got %v, want statement_already_reconciled", err)
	}
	if after, err := built.store.Head(ctx); err != nil || after != head {
		t.Errorf("the refused reconciliation moved the log head from %d to %d (%v)", head, after, err)
	}

	// A later statement never matches an item reconciled already: the receipt is bank-only now.
	again, err := reconcileFile(t, built, "bpd-2026-11-b.csv", "date,reference,amount,counterparty_account,description\n2026-11-03,BPD-KALSEL-002,16800.00,,\n", reconcileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Lines) != 1 || again.Lines[0].Outcome != reconciliation.OutcomeBankOnly || len(again.LedgerOnly) != 0 {
		t.Errorf("a receipt reconciled by bpd-2026-11 was offered again: %+v", again.Lines)
	}

	assertRebuildAndVerify(t, built)
	assertExports(t, built)
}

func assertOutcomes(t *testing.T, report reconciliation.State) {
	t.Helper()
	want := []struct {
		line                int
		outcome, rule, item string
		difference          string
	}{
		{2, reconciliation.OutcomeMatched, reconciliation.RuleReferenceAndAmount, "pemkab-2026-11", ""},
		{3, reconciliation.OutcomeAmountDiffers, reconciliation.RuleReference, "po-santi-1", "1500.50"},
		{4, reconciliation.OutcomeBankOnly, "", "", ""},
	}
	if len(report.Lines) != len(want) {
		t.Fatalf("got %d line outcomes, want %d: %+v", len(report.Lines), len(want), report.Lines)
	}
	for i, w := range want {
		got := report.Lines[i]
		item, difference := "", ""
		if got.Item != nil {
			item = got.Item.ID
		}
		if got.Difference != nil {
			difference = got.Difference.StringFixed(2)
		}
		if got.BankLine.Line != w.line || got.Outcome != w.outcome || got.Rule != w.rule || item != w.item || difference != w.difference {
			t.Errorf("line %d: got %s/%s item %q difference %q, want line %d %s/%s item %q difference %q",
				got.BankLine.Line, got.Outcome, got.Rule, item, difference, w.line, w.outcome, w.rule, w.item, w.difference)
		}
	}
	if len(report.LedgerOnly) != 1 || report.LedgerOnly[0].ID != "po-santi-2" || report.LedgerOnly[0].Amount.StringFixed(2) != "-12000000.00" {
		t.Errorf("ledger-only items: got %+v, want payout po-santi-2 of −12,000,000.00", report.LedgerOnly)
	}
	if report.Imported.Account != "0012-01-000999" || report.Imported.PeriodFrom.String() != "2026-11-03" || report.Imported.PeriodTo.String() != "2026-11-28" {
		t.Errorf("statement: got %+v", report.Imported)
	}
}

func assertTotals(t *testing.T, totals reconciliation.Totals) {
	t.Helper()
	got := map[string]string{"bank_total": totals.BankTotal.StringFixed(2), "matched_total": totals.MatchedTotal.StringFixed(2),
		"differences_total": totals.DifferencesTotal.StringFixed(2), "bank_only_total": totals.BankOnlyTotal.StringFixed(2),
		"ledger_only_total": totals.LedgerOnlyTotal.StringFixed(2), "ledger_total": totals.LedgerTotal.StringFixed(2)}
	for name, want := range wantTotals {
		if got[name] != want {
			t.Errorf("%s: got %s, want %s", name, got[name], want)
		}
	}
	if totals.Matched != 1 || totals.AmountDiffers != 1 || totals.BankOnly != 1 || totals.LedgerOnly != 1 {
		t.Errorf("counts: got %+v, want one of each", totals)
	}
}

func assertReadModel(t *testing.T, built *system) {
	t.Helper()
	var status, ledgerTotal, differences string
	var ties bool
	err := built.pool.QueryRow(context.Background(), `SELECT status, ledger_total::text, differences_total::text, ties
		FROM dash.reconciliation WHERE statement_id = 'bpd-2026-11'`).Scan(&status, &ledgerTotal, &differences, &ties)
	if err != nil {
		t.Fatal(err)
	}
	if status != "reconciled" || ledgerTotal != wantTotals["ledger_total"] || differences != wantTotals["differences_total"] || !ties {
		t.Errorf("dash.reconciliation: got %s, ledger %s, differences %s, ties %v", status, ledgerTotal, differences, ties)
	}
	var outcomes, reconciled int
	if err := built.pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM rm_statement_lines WHERE statement_id = 'bpd-2026-11'),
		(SELECT count(*) FROM rm_reconciled_items WHERE statement_id = 'bpd-2026-11')`).Scan(&outcomes, &reconciled); err != nil {
		t.Fatal(err)
	}
	if outcomes != 4 || reconciled != 2 {
		t.Errorf("rm_statement_lines: %d rows, want 3 lines + 1 ledger-only item; rm_reconciled_items: %d, want the 2 items met", outcomes, reconciled)
	}
}

func assertRebuildAndVerify(t *testing.T, built *system) {
	t.Helper()
	ctx := context.Background()
	if _, err := built.runner.RebuildSideBySide(ctx, []string{"reconciliation"}, projections.DefaultReplayBatch, nil); err != nil {
		t.Fatalf("rebuild reconciliation: %v", err)
	}
	report, err := built.runner.Verify(ctx, []string{"reconciliation"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if report.Differences() != 0 {
		t.Errorf("verify after rebuild: %d differences: %+v", report.Differences(), report.Tables)
	}
	assertReadModel(t, built)
}

func assertExports(t *testing.T, built *system) {
	t.Helper()
	ctx := context.Background()
	table, err := export.Build(ctx, built.pool, built.application.StatementReport, export.Request{Name: "reconciliation", StatementID: "bpd-2026-11"})
	if err != nil {
		t.Fatal(err)
	}
	var file bytes.Buffer
	if err := export.WriteCSV(&file, table); err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(&file).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// header, 3 lines, 1 ledger-only item, totals
	if len(records) != 6 {
		t.Fatalf("reconciliation CSV: got %d records, want 6", len(records))
	}
	header, totals := records[0], records[5]
	column := func(name string) string { return totals[indexOf(header, name)] }
	if totals[0] != export.TotalsLabel || column("bank_amount") != wantTotals["bank_total"] || column("ledger_amount") != wantTotals["ledger_total"] ||
		column("difference") != wantTotals["differences_total"] {
		t.Errorf("reconciliation CSV totals: got %v, want bank %s, ledger %s, difference %s", totals, wantTotals["bank_total"], wantTotals["ledger_total"], wantTotals["differences_total"])
	}

	// Payouts as XLSX: 30,000,000.00 + 12,000,000.00 = 42,000,000.00, read back as exact numeric cells.
	payouts, err := export.Build(ctx, built.pool, built.application.StatementReport, export.Request{Name: "payouts"})
	if err != nil {
		t.Fatal(err)
	}
	file.Reset()
	if err := export.WriteXLSX(&file, payouts); err != nil {
		t.Fatal(err)
	}
	book, err := excelize.OpenReader(&file)
	if err != nil {
		t.Fatal(err)
	}
	defer book.Close()
	rows, err := book.GetRows("payouts")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[3][0] != export.TotalsLabel {
		t.Fatalf("payouts sheet: got %v, want a header, 2 payouts and the totals", rows)
	}
	amount := indexOf(rows[0], "amount") + 1
	for row, want := range map[int]string{2: "30000000.00", 3: "12000000.00", 4: "42000000.00"} {
		cell, _ := excelize.CoordinatesToCellName(amount, row)
		raw, err := book.GetCellValue("payouts", cell, excelize.Options{RawCellValue: true})
		cellType, typeErr := book.GetCellType("payouts", cell)
		if err != nil || typeErr != nil || raw != want || (cellType != excelize.CellTypeNumber && cellType != excelize.CellTypeUnset) {
			t.Errorf("payouts %s: got %q (type %v), want the numeric cell %s", cell, raw, cellType, want)
		}
	}
	if _, err := export.Build(ctx, built.pool, built.application.StatementReport, export.Request{Name: "ledger"}); !errors.Is(err, export.ErrUnknown) {
		t.Errorf("an unknown export: got %v", err)
	}
}

func indexOf(header []string, name string) int {
	for i, column := range header {
		if column == name {
			return i
		}
	}
	return -1
}

func TestReconcileUsageErrors(t *testing.T) {
	statement := filepath.Join(t.TempDir(), "bpd 2026.csv")
	if err := os.WriteFile(statement, []byte(reconcileStatementCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
	}{
		{"no file", []string{"reconcile"}},
		{"a bad format", []string{"reconcile", statement, "--statement-id", "s", "--format", "xml"}},
		{"a window too wide", []string{"reconcile", statement, "--statement-id", "s", "--window-days", "40"}},
		{"an id from a file name with a space", []string{"reconcile", statement}},
		{"export without --out", []string{"export", "payouts", "--format", "csv"}},
		{"an unknown export", []string{"export", "ledger", "--format", "csv", "--out", "-"}},
		{"xlsx to standard output", []string{"export", "payouts", "--format", "xlsx", "--out", "-"}},
		{"reconciliation without a statement", []string{"export", "reconciliation", "--format", "csv", "--out", "-"}},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			root := newRootCommand()
			root.SetArgs(test.args)
			root.SetOut(&bytes.Buffer{})
			err := root.Execute()
			var usage *usageError
			if !errors.As(err, &usage) {
				t.Errorf("got %v, want a usage error (exit 2)", err)
			}
		})
	}
}
