// Package importer is bulk enrollment: a spreadsheet of participants (CSV or
// the first sheet of an XLSX workbook, docs/import.md) becomes one
// RegisterParticipant and one Enroll command per row, run through the same
// command path as the HTTP API (app.Application.Execute). Bad rows are
// reported by their spreadsheet row number and field; good rows are applied.
package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/schollz/progressbar/v3"

	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/participant"
	"github.com/tanahbumbu/jaminan/domain/problem"
	"github.com/tanahbumbu/jaminan/domain/reference"
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

// ErrTooLarge wraps every refusal of a file over the bounds (MaxRows, MaxFileBytes).
var ErrTooLarge = errors.New("file too large")

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
		what, MaxFileBytes>>20, ErrTooLarge, MaxRows, MaxFileBytes>>20)
}

func tooManyRows() error {
	return fmt.Errorf("more than %d data rows: %w; split the file", MaxRows, ErrTooLarge)
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
			unknown = append(unknown, strings.TrimSpace(cell))
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
		quoted := make([]string, len(unknown))
		for i, name := range unknown {
			quoted[i] = strconv.Quote(name)
		}
		parts = append(parts, "unknown column(s): "+strings.Join(quoted, ", "))
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
		errs = append(errs, RowError{Row: number, Code: "extra_cells", Message: fmt.Sprintf("has values beyond the %d columns of the header; a cell that contains the separator must be in double quotes", t.width)})
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
	return strings.FieldsFunc(cell, func(r rune) bool { return r == ';' || r == ',' || r == ' ' })
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

// ProgressThreshold is the row count above which a progress bar is shown.
const ProgressThreshold = 200

// progressThrottle limits how often the bar is redrawn.
const progressThrottle = 100 * time.Millisecond

// Options tune one Run.
type Options struct {
	// DryRun checks every row, reading the ledger but writing nothing.
	DryRun bool
	// Meta says who imports; it lands in every event's metadata.
	Meta app.Meta
	// Rejected are the rows the reader refused (Batch.Rejected); they are
	// counted as read and failed and reported with the others.
	Rejected []RowError
	// Places validates kecamatan and desa in the dry check; nil means the
	// embedded Tanah Bumbu list, the one the application uses.
	Places *reference.Places
	// Now is the clock of the dry check (birth dates in the future); nil means time.Now.
	Now func() time.Time
	// Progress receives a progress bar for runs over ProgressThreshold rows; nil means none.
	Progress io.Writer
}

// Summary is what a run did (or, in a dry run, would do).
type Summary struct {
	DryRun         bool
	RowsRead       int // data rows read from the file, good and bad
	Registered     int // participants newly registered
	Enrolled       int // participants newly enrolled (in some programme)
	Unchanged      int // rows the ledger held already: a re-import
	Failed         int // rows refused, by the reader or by the ledger
	EventsAppended int
	Duration       time.Duration
	Errors         []RowError // by row number
}

// String is the summary as the command prints it.
func (s Summary) String() string {
	register, enroll := "registered", "enrolled"
	if s.DryRun {
		register, enroll = "would register", "would enroll"
	}
	var text strings.Builder
	if s.DryRun {
		text.WriteString("dry run: nothing was written\n")
	}
	for _, line := range []struct {
		label string
		value any
	}{{"rows read", s.RowsRead}, {register, s.Registered}, {enroll, s.Enrolled}, {"unchanged", s.Unchanged},
		{"failed", s.Failed}, {"events appended", s.EventsAppended}, {"duration", s.Duration.Round(time.Millisecond)}} {
		fmt.Fprintf(&text, "%-16s %v\n", line.label, line.value)
	}
	return text.String()
}

// outcome is what one row did.
type outcome struct {
	registered, enrolled bool
	events               int
}

// runner holds what every row of one Run needs.
type runner struct {
	application *app.Application
	options     Options
	policy      participant.Policy
	today       calendar.Date
	payersMutex sync.Mutex
	payers      map[string]bool // payer id -> registered, read once per run
}

// parallelRows is how many rows are imported at once. Rows are independent
// (one participant each, and the reader refuses a NIK twice) and every append
// waits for its commit, so a few rows in flight hide the round trips.
const parallelRows = 4

// Run imports rows through application.Execute, a few at a time. A row that
// fails is reported in the summary and the run goes on; only a failure of the
// ledger itself (the database gone, the context cancelled) stops it, with
// the summary of the rows done so far.
func Run(ctx context.Context, application *app.Application, rows []Row, options Options) (Summary, error) {
	started := time.Now()
	if application == nil {
		return Summary{}, errors.New("importer: application is required")
	}
	run, err := newRunner(application, options)
	if err != nil {
		return Summary{}, err
	}
	bar := newProgress(options.Progress, len(rows))
	results, stopped := run.importAll(ctx, rows, bar)
	bar.finish()
	summary := Summary{DryRun: options.DryRun, RowsRead: len(rows) + len(options.Rejected), Errors: slices.Clone(options.Rejected)}
	for i, result := range results {
		summary.count(result.done, result.ran && result.err == nil)
		if !result.ran || result.err == nil {
			continue
		}
		failure, ok := describe(rows[i].Number, result.err)
		if !ok {
			continue // the ledger's own failure: stopped holds the first
		}
		if result.done.registered {
			failure.Message += " (the participant was registered; fix the row and import the file again)"
		}
		summary.Errors = append(summary.Errors, failure)
	}
	if stopped != nil {
		return summary.done(started), fmt.Errorf("import stopped: %w", stopped)
	}
	return summary.done(started), nil
}

// rowResult is what happened to one row; ran is false for rows never started.
type rowResult struct {
	done outcome
	err  error
	ran  bool
}

// importAll imports the rows parallelRows at a time. At the first failure of
// the ledger itself (not a bad row) it hands out no more rows and returns
// that failure; so it does when ctx ends.
func (r *runner) importAll(ctx context.Context, rows []Row, bar progress) ([]rowResult, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	results := make([]rowResult, len(rows))
	next := make(chan int)
	var workers sync.WaitGroup
	for range min(parallelRows, len(rows)) {
		workers.Go(func() {
			for i := range next {
				done, err := r.importRow(ctx, rows[i])
				results[i] = rowResult{done: done, err: err, ran: true}
				if _, isRowError := problem.As(err); err != nil && !isRowError {
					cancel(fmt.Errorf("row %d: %w", rows[i].Number, err)) // only the first cause is kept
				}
				bar.add()
			}
		})
	}
feed:
	for i := range rows {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	workers.Wait()
	if ctx.Err() != nil {
		return results, context.Cause(ctx)
	}
	return results, nil
}

func newRunner(application *app.Application, options Options) (*runner, error) {
	if options.Places == nil {
		places, err := reference.Load()
		if err != nil {
			return nil, fmt.Errorf("importer: %w", err)
		}
		options.Places = places
	}
	if options.Now == nil {
		options.Now = time.Now
	}
	library := application.Library()
	policy := participant.Policy{MinimumAge: library.MinimumAge(), JHTAge: library.JHTAge(), WageBaseLimits: library.WageBaseLimits}
	return &runner{application: application, options: options, policy: policy,
		today: calendar.DateOf(options.Now()), payers: map[string]bool{}}, nil
}

func (s *Summary) count(done outcome, succeeded bool) {
	s.EventsAppended += done.events
	if succeeded && !done.registered && !done.enrolled {
		s.Unchanged++
	}
	if done.registered {
		s.Registered++
	}
	if done.enrolled {
		s.Enrolled++
	}
}

// done counts the failed rows (a row may have several errors) and sorts the
// errors by row.
func (s Summary) done(started time.Time) Summary {
	slices.SortStableFunc(s.Errors, func(a, b RowError) int { return a.Row - b.Row })
	failed := map[int]bool{}
	for _, failure := range s.Errors {
		failed[failure.Row] = true
	}
	s.Failed = len(failed)
	s.Duration = time.Since(started)
	return s
}

// importRow checks the row against the ledger without writing (plan), then,
// unless this is a dry run, executes both commands. Planning first means a
// row that would fail at enrollment (too young, wage out of range) leaves no
// half-done registration behind.
func (r *runner) importRow(ctx context.Context, row Row) (outcome, error) {
	planned, err := r.plan(ctx, row)
	if err != nil || r.options.DryRun {
		return planned, err
	}
	registered, err := r.application.Execute(ctx, row.Register, r.options.Meta)
	if err != nil {
		return outcome{}, err
	}
	done := outcome{registered: len(registered.Events) > 0, events: len(registered.Events)}
	enrolled, err := r.application.Execute(ctx, row.Enroll, r.options.Meta)
	if err != nil {
		return done, err
	}
	done.enrolled = len(enrolled.Events) > 0
	done.events += len(enrolled.Events)
	return done, nil
}

// plan decides both commands with the domain's pure decide functions on the
// participant's current state, read-only: the payer is loaded, the NIK is
// looked up, nothing is reserved or appended.
func (r *runner) plan(ctx context.Context, row Row) (outcome, error) {
	if err := r.requirePayer(ctx, row.Register.PayerID); err != nil {
		return outcome{}, err
	}
	state, err := r.application.ParticipantByNIK(ctx, row.Register.NIK)
	if err != nil && !hasCode(err, "participant_not_found") {
		return outcome{}, err
	}
	if err != nil {
		state = participant.State{}
	}
	registration, err := participant.Register(state, row.Register, state.ID, r.options.Places, r.today)
	if err != nil {
		return outcome{}, err
	}
	next := state
	for _, e := range registration {
		next = participant.Evolve(next, e)
	}
	enrollment, err := participant.Enroll(next, row.Enroll, r.policy)
	if err != nil {
		return outcome{}, err
	}
	return outcome{registered: len(registration) > 0, enrolled: len(enrollment) > 0}, nil
}

// requirePayer refuses a row whose payer is not registered, as the API does.
func (r *runner) requirePayer(ctx context.Context, payerID string) error {
	r.payersMutex.Lock()
	registered, known := r.payers[payerID]
	r.payersMutex.Unlock()
	if !known {
		state, err := r.application.LoadPayer(ctx, payerID)
		if err != nil {
			return err
		}
		registered = state.Registered
		r.payersMutex.Lock()
		r.payers[payerID] = registered
		r.payersMutex.Unlock()
	}
	if !registered {
		return &problem.Error{Kind: problem.NotFound, Code: "payer_not_found", Field: ColumnPayerID,
			Message: "no payer " + payerID + "; register it first (RegisterPayer)"}
	}
	return nil
}

func hasCode(err error, code string) bool {
	failure, ok := problem.As(err)
	return ok && failure.Code == code
}

// describe turns a domain error into a row error; anything else is the
// ledger's own failure and stops the run.
func describe(number int, err error) (RowError, bool) {
	failure, ok := problem.As(err)
	if !ok {
		return RowError{}, false
	}
	return RowError{Row: number, Field: failure.Field, Code: failure.Code, Message: failure.Message}, true
}

// progress is an optional bar on the operator's terminal.
type progress struct{ bar *progressbar.ProgressBar }

func newProgress(output io.Writer, total int) progress {
	if output == nil || total <= ProgressThreshold {
		return progress{}
	}
	return progress{bar: progressbar.NewOptions(total, progressbar.OptionSetWriter(output),
		progressbar.OptionSetDescription("importing participants"), progressbar.OptionShowCount(),
		progressbar.OptionThrottle(progressThrottle), progressbar.OptionSetPredictTime(true),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(output) }))}
}

func (p progress) add() {
	if p.bar != nil {
		_ = p.bar.Add(1) // drawing on a terminal; a failure there must not stop the import
	}
}

func (p progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
