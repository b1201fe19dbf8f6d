package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tanahbumbu/jaminan/adapters/directory"
	pgstore "github.com/tanahbumbu/jaminan/adapters/eventstore/postgres"
	"github.com/tanahbumbu/jaminan/adapters/postgres/pgtest"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/reference"
	"github.com/tanahbumbu/jaminan/domain/rules"
)

// ledger is the command path on a fresh PostgreSQL database, wired as the binary wires it.
type ledger struct {
	application *app.Application
	store       *pgstore.Store
	database    *pgtest.Database
}

func newLedger(t *testing.T) *ledger {
	t.Helper()
	database := pgtest.New(t)
	store, err := pgstore.New(database.Pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	nikDirectory, err := directory.NewPostgres(database.Pool, "test-key")
	if err != nil {
		t.Fatal(err)
	}
	application, err := app.New(app.Config{Store: store, Directory: nikDirectory, Library: rules.Default(), Places: reference.MustLoad()})
	if err != nil {
		t.Fatal(err)
	}
	return &ledger{application: application, store: store, database: database}
}

func (l *ledger) registerPayer(t *testing.T, payerID string) {
	t.Helper()
	payer := &command.RegisterPayer{PayerID: payerID, PayerName: "Pemerintah Desa Batuah", Kind: "village_government", RiskClass: 1}
	if _, err := l.application.Execute(context.Background(), payer, app.Meta{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
}

func (l *ledger) head(t *testing.T) int64 {
	t.Helper()
	head, err := l.store.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return head
}

// directoryRows counts NIK reservations: a dry run must not make any either.
func (l *ledger) directoryRows(t *testing.T) int {
	t.Helper()
	var count int
	if err := l.database.Pool.QueryRow(context.Background(), `SELECT count(*) FROM participant_directory`).Scan(&count); err != nil {
		t.Fatal(err)
	}
	return count
}

func (l *ledger) run(t *testing.T, batch Batch, options Options) Summary {
	t.Helper()
	options.Rejected = batch.Rejected
	options.Meta = app.Meta{Actor: "test", Source: "test:import"}
	summary, err := Run(context.Background(), l.application, batch.Rows, options)
	if err != nil {
		t.Fatal(err)
	}
	return summary
}

const testPayer = "desa-batuah"

var header = []string{"nik", "name", "birth_date", "category", "segment", "kecamatan", "desa", "payer_id", "programmes", "effective_date", "wage", "declared_income"}

// worker is one generated row: even ones village officials (PU, wage), odd
// ones posyandu cadres (BPU, declared income), all of Batuah, Kusan Hilir.
func worker(i int) []string {
	birth := time.Date(1980+i%20, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC)
	nik := fmt.Sprintf("631002%s%04d", birth.Format("020106"), i)
	name := fmt.Sprintf("Pekerja %d", i)
	if i%2 == 0 {
		return []string{nik, name, birth.Format(time.DateOnly), "perangkat_desa", "PU", "Kusan Hilir", "Batuah", testPayer, "JKK;JKM;JHT", "2024-01-01", fmt.Sprintf("%d", 2_000_000+10_000*i), ""}
	}
	return []string{nik, name, birth.Format(time.DateOnly), "kader", "BPU", "Kusan Hilir", "Batuah", testPayer, "JKK;JKM", "2024-01-01", "", "1000000.00"}
}

func workers(n int) [][]string {
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = worker(i + 1)
	}
	return rows
}

func csvText(separator string, head []string, rows [][]string) string {
	var text strings.Builder
	text.WriteString(strings.Join(head, separator) + "\n")
	for _, row := range rows {
		text.WriteString(strings.Join(row, separator) + "\n")
	}
	return text.String()
}

func readCSV(t *testing.T, text string) Batch {
	t.Helper()
	batch, err := ReadCSV(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return batch
}

func TestImportGoodCSV(t *testing.T) {
	t.Parallel()
	l := newLedger(t)
	l.registerPayer(t, testPayer)
	batch := readCSV(t, csvText(",", header, workers(20)))
	if len(batch.Rows) != 20 || len(batch.Rejected) != 0 {
		t.Fatalf("read %d rows and %d errors %v, want 20 rows and none", len(batch.Rows), len(batch.Rejected), batch.Rejected)
	}
	var progress bytes.Buffer
	summary := l.run(t, batch, Options{Progress: &progress})
	if summary.RowsRead != 20 || summary.Registered != 20 || summary.Enrolled != 20 || summary.Unchanged != 0 || summary.Failed != 0 || summary.EventsAppended != 40 {
		t.Fatalf("summary: got %+v, want 20 registered and enrolled, 40 events", summary)
	}
	if got := l.head(t); got != 41 {
		t.Errorf("log head: got %d, want 41 (the payer and 2 events a row)", got)
	}
	if progress.Len() != 0 {
		t.Errorf("progress bar for %d rows: got %q, want none (only above %d rows)", summary.RowsRead, progress.String(), ProgressThreshold)
	}
	official, err := l.application.ParticipantByNIK(context.Background(), worker(2)[0])
	if err != nil {
		t.Fatal(err)
	}
	wage, ok := official.WageOn(calendar.NewDate(2024, time.June, 1))
	if official.Desa != "Batuah" || official.Segment != "PU" || !ok || wage.StringFixed(2) != "2020000.00" {
		t.Errorf("row 3 in the ledger: got desa %s, segment %s, wage %s, want Batuah, PU, 2020000.00", official.Desa, official.Segment, wage)
	}
}

func TestReimportAppendsNothing(t *testing.T) {
	t.Parallel()
	l := newLedger(t)
	l.registerPayer(t, testPayer)
	text := csvText(",", header, workers(20))
	l.run(t, readCSV(t, text), Options{})
	before := l.head(t)
	summary := l.run(t, readCSV(t, text), Options{})
	if summary.Unchanged != 20 || summary.Registered != 0 || summary.Enrolled != 0 || summary.Failed != 0 || summary.EventsAppended != 0 {
		t.Errorf("re-import summary: got %+v, want 20 unchanged and nothing appended", summary)
	}
	if after := l.head(t); after != before {
		t.Errorf("log head moved on re-import: %d -> %d", before, after)
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	l := newLedger(t)
	l.registerPayer(t, testPayer)
	rows := workers(20)
	rows[4][6] = "Batu Ah" // row 6: not a desa of Kusan Hilir
	batch := readCSV(t, csvText(",", header, rows))
	summary := l.run(t, batch, Options{DryRun: true})
	if summary.Registered != 19 || summary.Enrolled != 19 || summary.Failed != 1 || summary.EventsAppended != 0 {
		t.Errorf("dry-run summary: got %+v, want 19 would register and enroll, 1 failed, nothing appended", summary)
	}
	if len(summary.Errors) != 1 || summary.Errors[0].Row != 6 || summary.Errors[0].Field != "desa" || summary.Errors[0].Code != "unknown_desa" {
		t.Errorf("dry-run errors: got %v, want row 6, field desa, unknown_desa", summary.Errors)
	}
	if head := l.head(t); head != 1 {
		t.Errorf("log head after a dry run: got %d, want 1 (only the payer)", head)
	}
	if reserved := l.directoryRows(t); reserved != 0 {
		t.Errorf("NIK directory after a dry run: got %d rows, want 0", reserved)
	}
	if !strings.HasPrefix(summary.String(), "dry run: nothing was written\n") || !strings.Contains(summary.String(), "would register   19") {
		t.Errorf("dry-run summary text:\n%s", summary)
	}
	l.run(t, batch, Options{})
	again := l.run(t, batch, Options{DryRun: true})
	if again.Unchanged != 19 || again.Registered != 0 || again.Failed != 1 {
		t.Errorf("dry run after the import: got %+v, want 19 unchanged and the same failure", again)
	}
}

type wantError struct {
	row         int
	field, code string
}

func assertErrors(t *testing.T, got []RowError, want []wantError) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d errors %v, want %v", len(got), got, want)
	}
	for i := range want {
		if got[i].Row != want[i].row || got[i].Field != want[i].field || got[i].Code != want[i].code {
			t.Errorf("error %d: got %v, want row %d, field %s, %s", i, &got[i], want[i].row, want[i].field, want[i].code)
		}
	}
}

func TestBadRowsAreReportedByRowAndField(t *testing.T) {
	t.Parallel()
	l := newLedger(t)
	l.registerPayer(t, testPayer)
	rows := workers(8)
	rows[1][0] = rows[1][0][:15]                                     // row 3: a 15-digit NIK
	rows[2][6] = "Atlantis"                                          // row 4: no such desa
	rows[3][10] = "3e6"                                              // row 5: money as a spreadsheet float
	rows[5][2] = "05/07/1985"                                        // row 7: a locale date
	rows[6][2] = time.Now().AddDate(-10, 0, 0).Format(time.DateOnly) // row 8: ten years old
	rows[7][7] = "desa-nowhere"                                      // row 9: payer not registered
	batch := readCSV(t, csvText(",", header, rows))
	summary := l.run(t, batch, Options{})
	assertErrors(t, summary.Errors, []wantError{
		{3, "nik", "invalid_nik"}, {4, "desa", "unknown_desa"}, {5, "wage", "invalid_money"},
		{7, "birth_date", "invalid_value"}, {8, "effective_date", "too_young"}, {9, "payer_id", "payer_not_found"},
	})
	if summary.RowsRead != 8 || summary.Registered != 2 || summary.Enrolled != 2 || summary.Failed != 6 {
		t.Errorf("summary: got %+v, want 8 read, 2 imported, 6 failed", summary)
	}
	if l.directoryRows(t) != 2 || l.head(t) != 5 {
		t.Errorf("ledger: got %d NIKs reserved and head %d, want 2 and 5: a failed row stores nothing", l.directoryRows(t), l.head(t))
	}
	for _, failure := range summary.Errors {
		for _, row := range rows {
			if strings.Contains(failure.Error(), row[0]) {
				t.Errorf("row %d: the message echoes a NIK: %s", failure.Row, failure.Message)
			}
		}
	}
	if !strings.Contains(summary.Errors[2].Message, "scientific notation") || !strings.Contains(summary.Errors[3].Message, "YYYY-MM-DD") {
		t.Errorf("spreadsheet hints missing: %q, %q", summary.Errors[2].Message, summary.Errors[3].Message)
	}
	if got := summary.Errors[0].Error(); got != "row 3, field nik: a NIK is exactly 16 digits (got 15 characters) [invalid_nik]" {
		t.Errorf("report line: got %q", got)
	}
}

func TestHeaderProblemsNameTheColumns(t *testing.T) {
	t.Parallel()
	without := func(name string) []string {
		var columns []string
		for _, column := range header {
			if column != name {
				columns = append(columns, column)
			}
		}
		return columns
	}
	tests := []struct {
		name        string
		head        []string
		field, code string
		mentions    string
	}{
		{"missing column", without("desa"), "desa", "missing_column", "missing column(s): desa"},
		{"misspelt column", append(without("name"), "nama"), "name", "missing_column", `unknown column(s): "nama"`},
		{"extra column", append(slicesClone(header), "Telepon"), "Telepon", "unknown_column", `unknown column(s): "Telepon"`},
		{"no money column", without("wage")[:10], "wage or declared_income", "missing_column", "wage or declared_income"},
		{"twice", append(slicesClone(header), "NIK"), "nik", "duplicate_column", "named twice: nik"},
	}
	for _, test := range tests {
		_, err := ReadCSV(strings.NewReader(csvText(",", test.head, nil)))
		var failure *RowError
		if !errors.As(err, &failure) || failure.Row != 1 || failure.Field != test.field || failure.Code != test.code || !strings.Contains(failure.Message, test.mentions) {
			t.Errorf("%s: got %v, want row 1, field %s, %s, mentioning %s", test.name, err, test.field, test.code, test.mentions)
		}
	}
	shuffled := []string{"Desa", " KECAMATAN ", "Programmes", "NIK", "Name", "Birth_Date", "category", "segment", "payer_id", "effective_date", "Wage"}
	batch := readCSV(t, csvText(",", shuffled, [][]string{{"Batuah", "Kusan Hilir", "JKK;JKM;JHT", "6310020101800001", "Rina", "1980-01-01", "perangkat_desa", "PU", testPayer, "2024-01-01", "2500000"}}))
	if len(batch.Rows) != 1 || batch.Rows[0].Register.Desa != "Batuah" || batch.Rows[0].Enroll.Wage.StringFixed(2) != "2500000.00" {
		t.Errorf("header in another order and case: got %+v", batch)
	}
}

func slicesClone(columns []string) []string { return append([]string(nil), columns...) }

func TestSeparatorsAndBOM(t *testing.T) {
	t.Parallel()
	rows := workers(3)
	rows[0][1] = "Hj. Siti Aisyah, S.Pd" // a comma inside a cell, quoted below in the comma file
	// Cells holding the separator are quoted, as spreadsheets write them:
	// the name in a comma file, the programmes in a semicolon file.
	quoted := func(separator string) [][]string {
		copied := make([][]string, len(rows))
		for i, row := range rows {
			copied[i] = slicesClone(row)
			for j, cell := range row {
				if strings.Contains(cell, separator) {
					copied[i][j] = `"` + cell + `"`
				}
			}
		}
		return copied
	}
	for _, test := range []struct{ name, separator, prefix string }{
		{"comma", ",", ""}, {"semicolon", ";", ""}, {"comma with BOM", ",", "\uFEFF"}, {"semicolon with BOM", ";", "\uFEFF"},
	} {
		batch := readCSV(t, test.prefix+csvText(test.separator, header, quoted(test.separator)))
		if len(batch.Rows) != 3 || len(batch.Rejected) != 0 {
			t.Errorf("%s: got %d rows, errors %v, want 3 rows", test.name, len(batch.Rows), batch.Rejected)
			continue
		}
		first := batch.Rows[0]
		if first.Number != 2 || first.Register.NIK != rows[0][0] || first.Register.FullName != "Hj. Siti Aisyah, S.Pd" || len(first.Enroll.Programmes) != 2 {
			t.Errorf("%s: first row got %+v %+v", test.name, first.Register, first.Enroll)
		}
	}
	l := newLedger(t)
	l.registerPayer(t, testPayer)
	summary := l.run(t, readCSV(t, "\uFEFF"+csvText(";", header, quoted(";"))), Options{})
	if summary.Registered != 3 || summary.Failed != 0 {
		t.Errorf("semicolon file with BOM imported: got %+v", summary)
	}
}

func TestReaderRefusesBadCells(t *testing.T) {
	t.Parallel()
	rows := workers(7)
	rows[0][1] = "Siti \xff Aisyah"    // row 2: Windows-1252, not UTF-8
	rows[2][0] = rows[1][0]            // row 4: the NIK of row 3 again
	rows[3][8] = "JKK;JKM;JKN"         // row 5: no such programme
	rows[4][1] = `Nur "Ina" Hasanah`   // row 6: a bare quote
	rows[5] = append(rows[5], "extra") // row 7: a cell beyond the header
	rows[6][9], rows[6][10] = "", ""   // row 8: no effective date, no wage
	batch := readCSV(t, csvText(",", header, rows)+",,,,,,,,,,,\n")
	assertErrors(t, batch.Rejected, []wantError{
		{2, "name", "invalid_utf8"}, {4, "nik", "duplicate_nik"}, {5, "programmes", "unknown_value"},
		{6, "", "malformed_csv"}, {7, "", "extra_cells"}, {8, "effective_date", "missing_field"},
	})
	if len(batch.Rows) != 1 || batch.Rows[0].Number != 3 {
		t.Errorf("good rows: got %+v, want only row 3 (the blank last row skipped)", batch.Rows)
	}
	if !strings.Contains(batch.Rejected[1].Message, "row 3") || strings.Contains(batch.Rejected[1].Message, rows[1][0]) {
		t.Errorf("duplicate NIK message: got %q, want it to name row 3 and not the NIK", batch.Rejected[1].Message)
	}
}

func TestFileBounds(t *testing.T) {
	t.Parallel()
	blankRows := strings.Repeat(",,,,,,,,,,,\n", MaxRows+1)
	_, err := ReadCSV(strings.NewReader(csvText(",", header, nil) + blankRows))
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "more than 100000 data rows") {
		t.Errorf("%d rows: got %v, want a refusal naming the bound", MaxRows+1, err)
	}
	huge := csvText(",", header, nil) + strings.Repeat("x", MaxFileBytes)
	_, err = ReadCSV(strings.NewReader(huge))
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "larger than 10 MB") {
		t.Errorf("%d bytes: got %v, want a refusal naming the bound", len(huge), err)
	}
	_, err = ReadFile(filepath.Join(t.TempDir(), "participants.ods"))
	if !errors.Is(err, ErrUnsupportedFormat) {
		t.Errorf(".ods: got %v, want ErrUnsupportedFormat", err)
	}
}

// TestXLSX builds a workbook as an operator would: numbers and dates typed
// into cells, the first sheet holding the list and a second one notes.
func TestXLSX(t *testing.T) {
	t.Parallel()
	book := excelize.NewFile()
	sheet := book.GetSheetName(0)
	set := func(cell string, value any) {
		if err := book.SetCellValue(sheet, cell, value); err != nil {
			t.Fatal(err)
		}
	}
	setRow := func(row int, values []string) {
		for column, value := range values {
			name, _ := excelize.CoordinatesToCellName(column+1, row)
			set(name, value)
		}
	}
	setRow(1, header)
	rows := workers(6)
	for i, values := range rows {
		setRow(i+2, values)
	}
	set("K3", 2_500_000)                                        // row 3 (PU): wage typed as a number, shown "2500000": accepted
	set("A4", 6310020101800004.0)                               // row 4: NIK typed as a number
	set("C5", time.Date(1985, 7, 5, 0, 0, 0, 0, time.UTC))      // row 5: a date cell shown as 07-05-85
	set("L6", 3_000_000)                                        // row 6 (BPU): declared income shown "3,000,000"
	thousands, err := book.NewStyle(&excelize.Style{NumFmt: 3}) // #,##0
	if err != nil {
		t.Fatal(err)
	}
	if err := book.SetCellStyle(sheet, "L6", "L6", thousands); err != nil {
		t.Fatal(err)
	}
	isoDate := "yyyy-mm-dd"
	dateStyle, err := book.NewStyle(&excelize.Style{CustomNumFmt: &isoDate})
	if err != nil {
		t.Fatal(err)
	}
	set("C7", time.Date(1986, 8, 6, 0, 0, 0, 0, time.UTC)) // row 7: a date cell formatted yyyy-mm-dd: accepted
	if err := book.SetCellStyle(sheet, "C7", "C7", dateStyle); err != nil {
		t.Fatal(err)
	}
	if _, err := book.NewSheet("Catatan"); err != nil {
		t.Fatal(err)
	}
	if err := book.SetCellValue("Catatan", "A1", "not the list"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "participants.xlsx")
	if err := book.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	batch, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	assertErrors(t, batch.Rejected, []wantError{{4, "nik", "invalid_nik"}, {5, "birth_date", "invalid_value"}, {6, "declared_income", "invalid_money"}})
	if len(batch.Rows) != 3 || batch.Rows[1].Enroll.Wage.StringFixed(2) != "2500000.00" || batch.Rows[2].Register.BirthDate.String() != "1986-08-06" {
		t.Fatalf("good rows: got %+v", batch.Rows)
	}
	l := newLedger(t)
	l.registerPayer(t, testPayer)
	summary := l.run(t, batch, Options{})
	if summary.RowsRead != 6 || summary.Registered != 3 || summary.Enrolled != 3 || summary.Failed != 3 || summary.EventsAppended != 6 {
		t.Errorf("XLSX import: got %+v, want 6 read, 3 imported, 3 failed", summary)
	}
}

// TestImport300Rows is the performance figure of docs/import.md: a village
// list of a few hundred officials imports in seconds on real PostgreSQL.
func TestImport300Rows(t *testing.T) {
	t.Parallel()
	l := newLedger(t)
	l.registerPayer(t, testPayer)
	batch := readCSV(t, csvText(",", header, workers(300)))
	var progress bytes.Buffer
	summary := l.run(t, batch, Options{Progress: &progress})
	t.Logf("300 rows: %s (%d events)", summary.Duration, summary.EventsAppended)
	if summary.Registered != 300 || summary.Enrolled != 300 || summary.EventsAppended != 600 {
		t.Fatalf("summary: got %+v", summary)
	}
	if summary.Duration > 60*time.Second {
		t.Errorf("300 rows took %s, want seconds", summary.Duration)
	}
	if !strings.Contains(progress.String(), "300/300") {
		t.Errorf("progress bar for 300 rows: got %q", progress.String())
	}
}

func TestRunStopsWhenTheContextEnds(t *testing.T) {
	t.Parallel()
	l := newLedger(t)
	l.registerPayer(t, testPayer)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	summary, err := Run(ctx, l.application, readCSV(t, csvText(",", header, workers(10))).Rows, Options{})
	if !errors.Is(err, context.Canceled) || summary.Registered != 0 || l.head(t) != 1 {
		t.Errorf("cancelled run: got %v, %+v, head %d; want context.Canceled and nothing written", err, summary, l.head(t))
	}
}
