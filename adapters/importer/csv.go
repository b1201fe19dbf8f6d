package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
)

// utf8BOM is what Excel's "CSV UTF-8" puts before the header.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// ReadCSV reads a UTF-8 CSV file, separated by commas or semicolons (the one
// the header uses: Excel in an Indonesian locale writes semicolons). A row
// is numbered by the line it starts on, which is the spreadsheet's row number
// for every file without line breaks inside cells.
func ReadCSV(input io.Reader) (Batch, error) {
	data, err := io.ReadAll(io.LimitReader(input, MaxFileBytes+1))
	if err != nil {
		return Batch{}, fmt.Errorf("read CSV: %w", err)
	}
	if len(data) > MaxFileBytes {
		return Batch{}, tooLarge("the file")
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	reader := csv.NewReader(bytes.NewReader(data))
	reader.Comma = separator(data)
	reader.FieldsPerRecord = -1 // short and long rows are reported per row, not as a broken file
	header, err := reader.Read()
	if errors.Is(err, io.EOF) {
		return Batch{}, &RowError{Row: 1, Code: "missing_header", Message: "the file is empty; the first row must be the header"}
	}
	if err != nil {
		return Batch{}, csvError(1, err)
	}
	rows, err := newTable(header)
	if err != nil {
		return Batch{}, err
	}
	for records := 0; ; records++ {
		record, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return rows.batch, nil
		}
		if records >= MaxRows {
			return Batch{}, tooManyRows()
		}
		var parseError *csv.ParseError
		if errors.As(err, &parseError) {
			rows.batch.Rejected = append(rows.batch.Rejected, *csvError(parseError.StartLine, err))
			continue
		}
		if err != nil {
			return Batch{}, fmt.Errorf("read CSV: %w", err)
		}
		line, _ := reader.FieldPos(0)
		rows.add(line, record)
	}
}

// separator picks ';' when the header line has more semicolons than commas.
func separator(data []byte) rune {
	header, _, _ := bytes.Cut(data, []byte("\n"))
	if bytes.Count(header, []byte(";")) > bytes.Count(header, []byte(",")) {
		return ';'
	}
	return ','
}

func csvError(line int, err error) *RowError {
	message := err.Error()
	var parseError *csv.ParseError
	if errors.As(err, &parseError) {
		message = parseError.Err.Error()
	}
	return &RowError{Row: line, Code: "malformed_csv",
		Message: "is not valid CSV: " + message + " (put cells that contain the separator or quotes in double quotes, with quotes doubled)"}
}
