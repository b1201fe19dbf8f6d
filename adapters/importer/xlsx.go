package importer

import (
	"bytes"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// maxUnzipBytes bounds the workbook once decompressed: a 10 MB XLSX holds far
// more XML than that, and a crafted one (a zip bomb) without limit.
const maxUnzipBytes = 256 << 20

// ReadXLSX reads the first sheet of an XLSX workbook. Cells are read as the
// spreadsheet shows them (excelize GetRows), then checked as text: a money
// cell must show a plain decimal, a date cell YYYY-MM-DD. A NIK stored as a
// number is refused: spreadsheets keep 15 significant digits, a NIK has 16.
func ReadXLSX(input io.Reader) (Batch, error) {
	data, err := io.ReadAll(io.LimitReader(input, MaxFileBytes+1))
	if err != nil {
		return Batch{}, fmt.Errorf("read XLSX: %w", err)
	}
	if len(data) > MaxFileBytes {
		return Batch{}, tooLarge("the workbook")
	}
	book, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: maxUnzipBytes})
	if err != nil {
		return Batch{}, fmt.Errorf("not a readable XLSX workbook: %w", err)
	}
	defer book.Close()
	sheets := book.GetSheetList()
	if len(sheets) == 0 {
		return Batch{}, &RowError{Row: 1, Code: "missing_header", Message: "the workbook has no sheet"}
	}
	records, err := book.GetRows(sheets[0])
	if err != nil {
		return Batch{}, fmt.Errorf("read sheet %q: %w", sheets[0], err)
	}
	if len(records) == 0 {
		return Batch{}, &RowError{Row: 1, Code: "missing_header", Message: fmt.Sprintf("sheet %q is empty; its first row must be the header", sheets[0])}
	}
	if len(records)-1 > MaxRows {
		return Batch{}, tooManyRows()
	}
	rows, err := newTable(records[0])
	if err != nil {
		return Batch{}, err
	}
	for i, record := range records[1:] {
		number := i + 2 // GetRows keeps empty rows, so the index is the sheet's row
		failure, err := numericNIK(book, sheets[0], rows.columns[ColumnNIK], number, record)
		if err != nil {
			return Batch{}, err
		}
		if failure != nil {
			rows.batch.Rejected = append(rows.batch.Rejected, *failure)
			continue
		}
		rows.add(number, record)
	}
	return rows.batch, nil
}

// numericNIK refuses a NIK cell that holds a number rather than text.
func numericNIK(book *excelize.File, sheet string, column, number int, record []string) (*RowError, error) {
	if column >= len(record) || record[column] == "" {
		return nil, nil
	}
	cell, err := excelize.CoordinatesToCellName(column+1, number)
	if err != nil {
		return nil, fmt.Errorf("cell of row %d: %w", number, err)
	}
	kind, err := book.GetCellType(sheet, cell)
	if err != nil {
		return nil, fmt.Errorf("type of cell %s: %w", cell, err)
	}
	if kind != excelize.CellTypeUnset && kind != excelize.CellTypeNumber {
		return nil, nil
	}
	return &RowError{Row: number, Field: ColumnNIK, Code: "invalid_nik",
		Message: "is stored as a number, and a spreadsheet keeps only 15 of its 16 digits; format the column as Text and type the NIK again"}, nil
}
