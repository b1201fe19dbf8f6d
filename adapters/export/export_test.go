package export

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestTotalsAndFiles(t *testing.T) {
	table := Table{Title: "test/sheet", Columns: []Column{text("id"), text("note"), money("amount")}, Rows: [][]string{
		{"a", "=HYPERLINK(\"x\")", "0.10"}, {"b", "", "0.20"}, {"c", "-fee", "-1234567890123.45"},
	}}
	// 0.10 + 0.20 − 1,234,567,890,123.45 = −1,234,567,890,123.15: exact, where a float64 sum would not be
	totals, err := table.Totals()
	if err != nil || strings.Join(totals, ",") != "TOTAL,,-1234567890123.15" {
		t.Fatalf("totals: got %v, %v", totals, err)
	}
	var file bytes.Buffer
	if err := WriteCSV(&file, table); err != nil {
		t.Fatal(err)
	}
	want := "id,note,amount\na,\"'=HYPERLINK(\"\"x\"\")\",0.10\nb,,0.20\nc,'-fee,-1234567890123.45\nTOTAL,,-1234567890123.15\n"
	if file.String() != want {
		t.Errorf("CSV:\n%s\nwant:\n%s", file.String(), want)
	}
	file.Reset()
	if err := WriteXLSX(&file, table); err != nil {
		t.Fatal(err)
	}
	book, err := excelize.OpenReader(&file)
	if err != nil {
		t.Fatal(err)
	}
	defer book.Close()
	for cell, want := range map[string]string{"C2": "0.10", "C4": "-1234567890123.45", "C5": "-1234567890123.15", "B2": "=HYPERLINK(\"x\")", "A5": "TOTAL"} {
		got, err := book.GetCellValue("test_sheet", cell, excelize.Options{RawCellValue: true})
		if err != nil || got != want {
			t.Errorf("%s: got %q, %v; want %q", cell, got, err, want)
		}
	}
	if formula, _ := book.GetCellFormula("test_sheet", "B2"); formula != "" {
		t.Errorf("a bank description became a formula: %q", formula)
	}
	if _, err := (Table{Columns: []Column{money("amount")}, Rows: [][]string{{"abc"}}}).Totals(); err == nil {
		t.Error("a non-decimal amount was summed")
	}
}
