// Package importer is bulk enrollment: a spreadsheet of participants (CSV or
// the first sheet of an XLSX workbook, docs/import.md) becomes one
// RegisterParticipant and one Enroll command per row, run through the same
// command path as the HTTP API (app.Application.Execute). Bad rows are
// reported by their spreadsheet row number and field; good rows are applied.
package importer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

// Bounds of one import file. A village list is a few hundred rows; the bounds
// keep a wrong file (a whole database export) from exhausting memory.
const (
	// MaxRows is the most data rows (the header not counted) one file may have.
	MaxRows = 100_000
	// MaxFileBytes is the largest file accepted, CSV or XLSX.
	MaxFileBytes = 10 << 20
)

// Column names of the header row (case does not matter in the file).
const (
	ColumnNIK            = "nik"
	ColumnName           = "name"
	ColumnBirthDate      = "birth_date"
	ColumnCategory       = "category"
	ColumnSegment        = "segment"
	ColumnKecamatan      = "kecamatan"
	ColumnDesa           = "desa"
	ColumnPayerID        = "payer_id"
	ColumnProgrammes     = "programmes"
	ColumnEffectiveDate  = "effective_date"
	ColumnWage           = "wage"
	ColumnDeclaredIncome = "declared_income"
)

// requiredColumns must all be in the header; of the money columns at least one.
var (
	requiredColumns = []string{ColumnNIK, ColumnName, ColumnBirthDate, ColumnCategory, ColumnSegment, ColumnKecamatan,
		ColumnDesa, ColumnPayerID, ColumnProgrammes, ColumnEffectiveDate}
	moneyColumns    = []string{ColumnWage, ColumnDeclaredIncome}
	registerColumns = []string{ColumnNIK, ColumnName, ColumnBirthDate, ColumnCategory, ColumnSegment, ColumnKecamatan, ColumnDesa, ColumnPayerID}
)

// ErrUnsupportedFormat is returned for a file that is neither .csv nor .xlsx.
var ErrUnsupportedFormat = errors.New("unsupported file type: want .csv or .xlsx")

// errTooLarge wraps every refusal of a file over the bounds.
var errTooLarge = errors.New("file too large")

// Row is one good spreadsheet row: the two commands it becomes.
type Row struct {
	// Number is the spreadsheet row number; the header is row 1.
	Number   int
	Register *command.RegisterParticipant
	Enroll   *command.Enroll
}

// RowError is one bad row, reported as "row N, field F: reason".
type RowError struct {
	Row     int
	Field   string // the column at fault; "" when the row as a whole is
	Code    string // the API's error code where there is one (docs/commands.md)
	Message string // for the operator; never contains the NIK
}

func (e *RowError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("row %d: %s [%s]", e.Row, e.Message, e.Code)
	}
	return fmt.Sprintf("row %d, field %s: %s [%s]", e.Row, e.Field, e.Message, e.Code)
}

// Batch is what a file holds: the good rows and the refused ones.
type Batch struct {
	Rows     []Row
	Rejected []RowError
}

// ReadFile reads a .csv or .xlsx file (by its extension) into rows.
func ReadFile(path string) (Batch, error) {
	extension := strings.ToLower(filepath.Ext(path))
	if extension != ".csv" && extension != ".xlsx" {
		return Batch{}, fmt.Errorf("%s: %w", path, ErrUnsupportedFormat)
	}
	file, err := os.Open(path)
	if err != nil {
		return Batch{}, err // an *fs.PathError: the caller's usage problem
	}
	defer file.Close()
	if info, err := file.Stat(); err == nil && info.Size() > MaxFileBytes {
		return Batch{}, tooLarge(path)
	}
	var batch Batch
	if extension == ".csv" {
		batch, err = ReadCSV(file)
	} else {
		batch, err = ReadXLSX(file)
	}
	if err != nil {
		return Batch{}, fmt.Errorf("%s: %w", path, err)
	}
	return batch, nil
}

func tooLarge(what string) error {
	return fmt.Errorf("%s is larger than %d MB: %w; split it into files of at most %d rows and %d MB",
		what, MaxFileBytes>>20, errTooLarge, MaxRows, MaxFileBytes>>20)
}

func tooManyRows() error {
	return fmt.Errorf("more than %d data rows: %w; split the file", MaxRows, errTooLarge)
}

// table turns header-named records into rows; both readers feed it.
type table struct {
	columns map[string]int
	width   int
	seenNIK map[string]int // NIK -> first row with it, to name duplicates without echoing the NIK
	batch   Batch
}

// newTable reads the header. Names are trimmed and lower-cased; empty cells at
// the end (spreadsheets leave them) are ignored. Any other problem is an error
// naming the columns, reported as row 1.
func newTable(header []string) (*table, error) {
	for len(header) > 0 && strings.TrimSpace(header[len(header)-1]) == "" {
		header = header[:len(header)-1]
	}
	if len(header) == 0 {
		return nil, &RowError{Row: 1, Code: "missing_header", Message: "the first row must be the header: " + strings.Join(allColumns(), ", ")}
	}
	t := &table{columns: map[string]int{}, width: len(header), seenNIK: map[string]int{}}
	var unknown, duplicate []string
	for i, cell := range header {
		name := strings.ToLower(strings.TrimSpace(cell))
		switch {
		case !utf8.ValidString(name):
			return nil, &RowError{Row: 1, Field: fmt.Sprintf("column %d", i+1), Code: "invalid_utf8", Message: "the header is not UTF-8; save the file as \"CSV UTF-8\""}
		case !slices.Contains(allColumns(), name):
			unknown = append(unknown, fmt.Sprintf("%q", cell))
		case t.has(name):
			duplicate = append(duplicate, name)
		default:
			t.columns[name] = i
		}
	}
	var missing []string
	for _, name := range requiredColumns {
		if !t.has(name) {
			missing = append(missing, name)
		}
	}
	if !t.has(ColumnWage) && !t.has(ColumnDeclaredIncome) {
		missing = append(missing, ColumnWage+" or "+ColumnDeclaredIncome)
	}
	return t, headerError(missing, unknown, duplicate)
}

func (t *table) has(name string) bool { _, ok := t.columns[name]; return ok }

func allColumns() []string { return append(slices.Clone(requiredColumns), moneyColumns...) }

func headerError(missing, unknown, duplicate []string) error {
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "missing column(s): "+strings.Join(missing, ", "))
	}
	if len(unknown) > 0 {
		parts = append(parts, "unknown column(s): "+strings.Join(unknown, ", "))
	}
	if len(duplicate) > 0 {
		parts = append(parts, "column(s) named twice: "+strings.Join(duplicate, ", "))
	}
	if len(parts) == 0 {
		return nil
	}
	failure := &RowError{Row: 1, Code: "missing_column", Field: strings.Join(missing, ", "),
		Message: strings.Join(parts, "; ") + ". The columns are: " + strings.Join(allColumns(), ", ") + " (any order, any case; docs/import.md)"}
	switch {
	case len(missing) == 0 && len(unknown) > 0:
		failure.Code, failure.Field = "unknown_column", strings.Join(unknown, ", ")
	case len(missing) == 0:
		failure.Code, failure.Field = "duplicate_column", strings.Join(duplicate, ", ")
	}
	return failure
}

// add turns one record into a row or row errors. Rows whose cells are all
// empty are skipped: spreadsheets export them below the data.
func (t *table) add(number int, record []string) {
	if isBlank(record) {
		return
	}
	if errs := t.checkCells(number, record); len(errs) > 0 {
		t.batch.Rejected = append(t.batch.Rejected, errs...)
		return
	}
	cell := func(name string) string {
		if index, ok := t.columns[name]; ok && index < len(record) {
			return strings.TrimSpace(record[index])
		}
		return ""
	}
	row, errs := decodeRow(number, cell)
	if len(errs) == 0 {
		if first, seen := t.seenNIK[row.Register.NIK]; seen {
			errs = append(errs, RowError{Row: number, Field: ColumnNIK, Code: "duplicate_nik", Message: fmt.Sprintf("the same NIK as row %d; one row per participant", first)})
		} else {
			t.seenNIK[row.Register.NIK] = number
		}
	}
	if len(errs) > 0 {
		t.batch.Rejected = append(t.batch.Rejected, errs...)
		return
	}
	t.batch.Rows = append(t.batch.Rows, row)
}

func isBlank(record []string) bool {
	for _, cell := range record {
		if strings.TrimSpace(cell) != "" {
			return false
		}
	}
	return true
}

// checkCells refuses text that is not UTF-8 and values beyond the header.
func (t *table) checkCells(number int, record []string) []RowError {
	var errs []RowError
	for name, index := range t.columns {
		if index < len(record) && !utf8.ValidString(record[index]) {
			errs = append(errs, RowError{Row: number, Field: name, Code: "invalid_utf8", Message: "is not UTF-8 text; save the file as \"CSV UTF-8\""})
		}
	}
	if len(record) > t.width && !isBlank(record[t.width:]) {
		errs = append(errs, RowError{Row: number, Code: "extra_cells", Message: fmt.Sprintf("has values beyond the %d columns of the header", t.width)})
	}
	slices.SortFunc(errs, func(a, b RowError) int { return strings.Compare(a.Field, b.Field) })
	return errs
}

// decodeRow builds the two commands as the API's JSON bodies and decodes them
// with command.Decode, so validation and error codes are exactly the API's.
// Dates and money get a spreadsheet-aware check first, for clearer messages.
func decodeRow(number int, cell func(string) string) (Row, []RowError) {
	var errs []RowError
	register := map[string]any{}
	for _, name := range registerColumns {
		if value := cell(name); value != "" {
			register[name] = value
		}
	}
	enroll := map[string]any{}
	for _, name := range []string{ColumnNIK, ColumnEffectiveDate, ColumnWage, ColumnDeclaredIncome} {
		if value := cell(name); value != "" {
			enroll[name] = value
		}
	}
	if programmes := splitProgrammes(cell(ColumnProgrammes)); len(programmes) > 0 {
		enroll[ColumnProgrammes] = programmes
	}
	errs = appendIf(errs, number, checkNIKCell(cell(ColumnNIK)))
	for _, name := range []string{ColumnBirthDate, ColumnEffectiveDate} {
		errs = appendIf(errs, number, checkDateCell(name, cell(name)))
	}
	for _, name := range moneyColumns {
		errs = appendIf(errs, number, checkMoneyCell(name, cell(name)))
	}
	registerCommand, err := decode("RegisterParticipant", register)
	errs = appendIf(errs, number, err)
	enrollCommand, err := decode("Enroll", enroll)
	errs = appendIf(errs, number, err)
	if len(errs) > 0 {
		return Row{}, firstPerField(errs)
	}
	return Row{Number: number, Register: registerCommand.(*command.RegisterParticipant), Enroll: enrollCommand.(*command.Enroll)}, nil
}

func decode(name string, fields map[string]any) (command.Command, error) {
	body, err := json.Marshal(fields)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", name, err) // strings only: cannot happen
	}
	return command.Decode(name, body)
}

// splitProgrammes reads "JKK;JKM;JHT"; commas and spaces separate too.
func splitProgrammes(cell string) []string {
	return strings.FieldsFunc(cell, func(r rune) bool { return r == ';' || r == ',' || r == ' ' || r == '/' })
}

var (
	datePattern   = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	numberPattern = regexp.MustCompile(`^[0-9]*\.?[0-9]+[eE][+-]?[0-9]+$`)
)

// checkNIKCell explains the usual spreadsheet accident: a NIK typed into a
// number cell keeps only 15 significant digits and may show as 6.31006E+15.
// The message never repeats the NIK.
func checkNIKCell(value string) error {
	if numberPattern.MatchString(value) {
		return problem.Field(ColumnNIK, "invalid_nik", "the spreadsheet turned the NIK into a number in scientific notation; format the column as Text and type the 16 digits again")
	}
	return nil
}

// checkDateCell accepts only YYYY-MM-DD: a spreadsheet shows dates in the
// computer's locale (07-05-85, 5/7/1985), which cannot be read unambiguously.
func checkDateCell(field, value string) error {
	if value == "" || datePattern.MatchString(value) {
		return nil
	}
	return problem.Field(field, "invalid_value", "%q is not a date written YYYY-MM-DD, e.g. 1985-07-05; in a spreadsheet, format the column as Text or as yyyy-mm-dd", value)
}

// checkMoneyCell refuses what a spreadsheet makes of a number: an exponent or
// thousands separators. It never converts through a float; the amount is
// then parsed exactly by the API's decimal parser.
func checkMoneyCell(field, value string) error {
	switch {
	case numberPattern.MatchString(value):
		return problem.Field(field, "invalid_money", "%q is a number in scientific notation; write the plain amount such as 3000000 or 3000000.00 (format the column as Text)", value)
	case strings.ContainsAny(value, ", "):
		return problem.Field(field, "invalid_money", "%q has separators; write the plain amount such as 3000000 or 3000000.00, with a point before the sen", value)
	}
	return nil
}

func appendIf(errs []RowError, number int, err error) []RowError {
	if err == nil {
		return errs
	}
	if failure, ok := problem.As(err); ok {
		return append(errs, RowError{Row: number, Field: failure.Field, Code: failure.Code, Message: failure.Message})
	}
	return append(errs, RowError{Row: number, Code: "invalid_value", Message: err.Error()})
}

// firstPerField keeps the first error of each field: the spreadsheet check
// and the API's decoder may both object to one cell.
func firstPerField(errs []RowError) []RowError {
	seen := map[string]bool{}
	kept := errs[:0]
	for _, failure := range errs {
		if seen[failure.Field] {
			continue
		}
		seen[failure.Field] = true
		kept = append(kept, failure)
	}
	return kept
}
