// Package export builds finance's tables — payouts, receipts, arrears and a
// reconciliation report — and writes them as CSV or XLSX (excelize), each
// with a totals row. Amounts travel as exact decimal text from NUMERIC to the
// file; sums are shopspring decimals; no amount ever passes through a float.
// XLSX amounts are numeric cells whose stored value is that decimal text.
package export

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
)

// Column is one column of a table.
type Column struct {
	Name string
	// Money columns hold decimal text ("-42000000.00") and are summed in the totals row.
	Money bool
}

// Table is an export: a title (the XLSX sheet's name), columns and rows of text cells.
type Table struct {
	Title   string
	Columns []Column
	Rows    [][]string
}

// TotalsLabel heads the totals row.
const TotalsLabel = "TOTAL"

// Totals is the totals row: TotalsLabel, then each money column's exact sum
// with two decimals; other cells empty. An unreadable amount is an error.
func (t Table) Totals() ([]string, error) {
	sums := make([]decimal.Decimal, len(t.Columns))
	for r, row := range t.Rows {
		if len(row) != len(t.Columns) {
			return nil, fmt.Errorf("export %s: row %d has %d cells, want %d", t.Title, r+1, len(row), len(t.Columns))
		}
		for c, column := range t.Columns {
			if !column.Money || row[c] == "" {
				continue
			}
			value, err := decimal.NewFromString(row[c])
			if err != nil {
				return nil, fmt.Errorf("export %s: row %d, %s: %q is not a decimal", t.Title, r+1, column.Name, row[c])
			}
			sums[c] = sums[c].Add(value)
		}
	}
	totals := make([]string, len(t.Columns))
	for c, column := range t.Columns {
		if column.Money {
			totals[c] = sums[c].StringFixed(2)
		}
	}
	if len(totals) > 0 && !t.Columns[0].Money {
		totals[0] = TotalsLabel
	}
	return totals, nil
}

func (t Table) header() []string {
	names := make([]string, len(t.Columns))
	for i, column := range t.Columns {
		names[i] = column.Name
	}
	return names
}

// WriteCSV writes the header, the rows and the totals row.
func WriteCSV(w io.Writer, t Table) error {
	totals, err := t.Totals()
	if err != nil {
		return err
	}
	writer := csv.NewWriter(w)
	if err := writer.Write(t.header()); err != nil {
		return err
	}
	for _, row := range t.Rows {
		if err := writer.Write(t.neutralised(row)); err != nil {
			return err
		}
	}
	if err := writer.Write(totals); err != nil {
		return err
	}
	writer.Flush()
	return writer.Error()
}

// neutralised prefixes text cells that a spreadsheet would run as a formula
// (=, +, -, @) with an apostrophe; bank descriptions come from outside.
func (t Table) neutralised(row []string) []string {
	out := make([]string, len(row))
	for i, cell := range row {
		if !t.Columns[i].Money && cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
			cell = "'" + cell
		}
		out[i] = cell
	}
	return out
}

// moneyFormat shows amounts with thousands and two decimals; the value stays exact.
const moneyFormat = "#,##0.00"

// WriteXLSX writes one sheet named after the table: header, rows, totals row.
func WriteXLSX(w io.Writer, t Table) (err error) {
	totals, err := t.Totals()
	if err != nil {
		return err
	}
	book := excelize.NewFile()
	defer func() {
		if closeErr := book.Close(); closeErr != nil && err == nil {
			err = closeErr
		}
	}()
	sheet := sheetName(t.Title)
	if err := book.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	format := moneyFormat
	moneyStyle, err := book.NewStyle(&excelize.Style{CustomNumFmt: &format})
	if err != nil {
		return err
	}
	boldStyle, err := book.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	rows := append(append([][]string{t.header()}, t.Rows...), totals)
	for r, row := range rows {
		for c, value := range row {
			if err := writeCell(book, sheet, c+1, r+1, value, t.Columns[c].Money && r > 0, moneyStyle); err != nil {
				return err
			}
		}
	}
	last, err := excelize.CoordinatesToCellName(len(t.Columns), 1)
	if err != nil {
		return err
	}
	if err := book.SetCellStyle(sheet, "A1", last, boldStyle); err != nil {
		return err
	}
	_, err = book.WriteTo(w)
	return err
}

// writeCell writes money as a numeric cell whose value is the decimal text
// itself (SetCellDefault stores it verbatim), everything else as a string.
func writeCell(book *excelize.File, sheet string, column, row int, value string, money bool, moneyStyle int) error {
	cell, err := excelize.CoordinatesToCellName(column, row)
	if err != nil {
		return err
	}
	if !money || value == "" {
		return book.SetCellStr(sheet, cell, value)
	}
	if _, err := decimal.NewFromString(value); err != nil {
		return fmt.Errorf("cell %s: %q is not a decimal", cell, value)
	}
	if err := book.SetCellDefault(sheet, cell, value); err != nil {
		return err
	}
	return book.SetCellStyle(sheet, cell, cell, moneyStyle)
}

// sheetName fits Excel's rules: at most 31 characters, none of []:*?/\.
func sheetName(title string) string {
	name := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '_'
		}
		return r
	}, title)
	if name == "" {
		name = "export"
	}
	if runes := []rune(name); len(runes) > 31 {
		name = string(runes[:31])
	}
	return name
}
