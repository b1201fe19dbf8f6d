package bankstatement

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/money"
)

// Bounds of one statement file.
const (
	// MaxBytes bounds the file.
	MaxBytes = 4 << 20
	// MaxLines bounds its data lines: what one ReconcileStatement takes.
	MaxLines = command.MaxStatementLines
	// MaxFieldRunes bounds one field.
	MaxFieldRunes = 2000
	// maxTextRunes bounds the reference and the counterparty account.
	maxTextRunes = 120
)

// Error is a rejected statement: the line of the file (1 is the header; 0
// when it is about the whole file) and the column at fault.
type Error struct {
	Line   int
	Column string
	Err    error
}

func (e *Error) Error() string {
	switch {
	case e.Line == 0:
		return e.Err.Error()
	case e.Column == "":
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	default:
		return fmt.Sprintf("line %d, column %q: %v", e.Line, e.Column, e.Err)
	}
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func fail(line int, column, format string, args ...any) *Error {
	return &Error{Line: line, Column: column, Err: fmt.Errorf(format, args...)}
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Parse reads a statement CSV with the mapping (DefaultMapping when zero).
// Each line's number is its line in the file. The first mistake is returned
// as an *Error naming the line and the column; nothing is returned with it.
func Parse(r io.Reader, mapping Mapping) ([]command.StatementLine, error) {
	mapping, err := NewMapping(mapping)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read statement: %w", err)
	}
	if len(data) > MaxBytes {
		return nil, fail(0, "", "the statement is larger than %d bytes; split it by period", MaxBytes)
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if !utf8.Valid(data) {
		return nil, fail(1+bytes.Count(data[:firstInvalid(data)], []byte("\n")), "", "not UTF-8 text: save the export as UTF-8")
	}
	reader := csv.NewReader(bytes.NewReader(data))
	reader.Comma, _ = utf8.DecodeRuneInString(mapping.Delimiter)
	reader.TrimLeadingSpace = true
	reader.ReuseRecord = true
	header, err := reader.Read()
	if errors.Is(err, io.EOF) {
		return nil, fail(0, "", "the statement is empty: it needs a header line and at least one line")
	}
	if err != nil {
		return nil, csvError(err)
	}
	index, err := mapping.locate(header)
	if err != nil {
		return nil, err
	}
	return readLines(reader, mapping, index)
}

func readLines(reader *csv.Reader, mapping Mapping, index map[string]int) ([]command.StatementLine, error) {
	var lines []command.StatementLine
	for {
		record, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		number, _ := reader.FieldPos(0)
		if len(lines) == MaxLines {
			return nil, fail(number, "", "more than %d lines; split the statement by period", MaxLines)
		}
		line, err := mapping.line(record, index, number)
		if err != nil {
			return nil, err
		}
		lines = append(lines, line)
	}
	if len(lines) == 0 {
		return nil, fail(0, "", "the statement has a header but no lines")
	}
	return lines, nil
}

func csvError(err error) error {
	var parseError *csv.ParseError
	if errors.As(err, &parseError) {
		return &Error{Line: parseError.Line, Err: parseError.Err}
	}
	return fmt.Errorf("read statement: %w", err)
}

func firstInvalid(data []byte) int {
	for offset := 0; offset < len(data); {
		r, size := utf8.DecodeRune(data[offset:])
		if r == utf8.RuneError && size <= 1 {
			return offset
		}
		offset += size
	}
	return len(data)
}

// locate finds each mapped column in the header.
func (m Mapping) locate(header []string) (map[string]int, error) {
	positions := map[string]int{}
	for i, name := range header {
		key := normalise(name)
		if _, twice := positions[key]; twice && key != "" {
			return nil, fail(1, name, "the header names this column twice")
		}
		positions[key] = i
	}
	index := map[string]int{}
	for field, column := range m.columns() {
		position, ok := positions[normalise(column)]
		if !ok {
			return nil, fail(1, column, "the header has no such column (it has %s); fix the header or the mapping's %q", strings.Join(header, ", "), field)
		}
		index[field] = position
	}
	return index, nil
}

// line reads one record into a statement line.
func (m Mapping) line(record []string, index map[string]int, number int) (command.StatementLine, error) {
	field := func(name string) (string, error) {
		position, ok := index[name]
		if !ok {
			return "", nil
		}
		value := strings.TrimSpace(record[position])
		if utf8.RuneCountInString(value) > MaxFieldRunes {
			return "", fail(number, m.columns()[name], "longer than %d characters", MaxFieldRunes)
		}
		return value, nil
	}
	values := map[string]string{}
	for name := range index {
		value, err := field(name)
		if err != nil {
			return command.StatementLine{}, err
		}
		values[name] = value
	}
	line := command.StatementLine{Line: number, Reference: values["reference"], CounterpartyAccount: values["counterparty_account"], Description: values["description"]}
	date, err := m.date(values["date"])
	if err != nil {
		return command.StatementLine{}, &Error{Line: number, Column: m.Date, Err: err}
	}
	line.Date = date
	amount, column, err := m.amount(values)
	if err != nil {
		return command.StatementLine{}, &Error{Line: number, Column: column, Err: err}
	}
	line.Amount = &command.SignedMoney{Decimal: amount}
	for name, limit := range map[string]int{"reference": maxTextRunes, "counterparty_account": maxTextRunes, "description": MaxFieldRunes} {
		if err := checkText(values[name], limit); err != nil {
			return command.StatementLine{}, &Error{Line: number, Column: m.columns()[name], Err: err}
		}
	}
	return line, nil
}

func checkText(text string, limit int) error {
	if utf8.RuneCountInString(text) > limit {
		return fmt.Errorf("longer than %d characters", limit)
	}
	for _, r := range text {
		if r < 0x20 && r != '\t' {
			return errors.New("contains control characters (a line break inside a quoted field?)")
		}
	}
	return nil
}

func (m Mapping) date(text string) (calendar.Date, error) {
	if text == "" {
		return calendar.Date{}, errors.New("is empty: every line has a date")
	}
	parsed, err := time.Parse(m.DateLayout, text)
	if err != nil {
		return calendar.Date{}, fmt.Errorf("%q is not a date in the layout %s", text, m.DateLayout)
	}
	date := calendar.DateOf(parsed)
	if date.Before(calendar.MinDate) || date.After(calendar.MaxDate) {
		return calendar.Date{}, fmt.Errorf("%s is outside %s to %s", date, calendar.MinDate, calendar.MaxDate)
	}
	return date, nil
}

// amount reads the signed amount, or the debit (negative) or credit column;
// the column named in an error is the one at fault.
func (m Mapping) amount(values map[string]string) (decimal.Decimal, string, error) {
	if m.Amount != "" {
		value, err := parseAmount(values["amount"], m.DecimalComma, true)
		if err == nil && value.IsZero() {
			err = errors.New("is zero: a statement line moves money")
		}
		return value, m.Amount, err
	}
	debit, credit := values["debit"], values["credit"]
	debitValue, err := parseAmount(debit, m.DecimalComma, false)
	if err != nil && debit != "" {
		return decimal.Decimal{}, m.Debit, err
	}
	creditValue, err := parseAmount(credit, m.DecimalComma, false)
	if err != nil && credit != "" {
		return decimal.Decimal{}, m.Credit, err
	}
	switch {
	case !debitValue.IsZero() && !creditValue.IsZero():
		return decimal.Decimal{}, m.Debit, fmt.Errorf("both %s and %s are filled; a line is one or the other", m.Debit, m.Credit)
	case !debitValue.IsZero():
		return debitValue.Neg(), m.Debit, nil
	case !creditValue.IsZero():
		return creditValue, m.Credit, nil
	default:
		return decimal.Decimal{}, m.Debit, fmt.Errorf("neither %s nor %s holds an amount", m.Debit, m.Credit)
	}
}

// parseAmount reads "-1500.50", "1,234,567.89" or, with a decimal comma,
// "-1.234.567,89": at most two decimals, thousands grouped by three. signed
// allows a leading minus. The text never passes through a float.
func parseAmount(text string, decimalComma, signed bool) (decimal.Decimal, error) {
	if text == "" {
		return decimal.Decimal{}, errors.New("is empty")
	}
	point, group := ".", ","
	if decimalComma {
		point, group = ",", "."
	}
	magnitude, negative := strings.CutPrefix(text, "-")
	if negative && !signed {
		return decimal.Decimal{}, fmt.Errorf("%q: a debit or credit amount has no sign", text)
	}
	integer, fraction, hasPoint := strings.Cut(magnitude, point)
	if hasPoint && (len(fraction) == 0 || len(fraction) > 2) {
		return decimal.Decimal{}, fmt.Errorf("%q: write one or two decimals after %q", text, point)
	}
	digits, err := ungroup(integer, group)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%q: %w", text, err)
	}
	canonical := digits
	if hasPoint {
		canonical += "." + fraction
	}
	value, err := money.Parse(canonical)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%q is not an amount like %s: %w", text, example(decimalComma), err)
	}
	if err := command.CheckMagnitude("amount", value); err != nil {
		// ReconcileStatement would refuse it; say so here, on its line and column.
		return decimal.Decimal{}, fmt.Errorf("%q: %w", text, err)
	}
	if negative {
		value = value.Neg()
	}
	return value, nil
}

// ungroup removes thousands separators, which must group by three.
func ungroup(integer, group string) (string, error) {
	if !strings.Contains(integer, group) {
		return integer, nil
	}
	parts := strings.Split(integer, group)
	for i, part := range parts {
		if (i == 0 && (len(part) == 0 || len(part) > 3)) || (i > 0 && len(part) != 3) {
			return "", fmt.Errorf("thousands separators %q must group digits by three", group)
		}
	}
	return strings.Join(parts, ""), nil
}

func example(decimalComma bool) string {
	if decimalComma {
		return "-1.234.567,89"
	}
	return "-1234567.89"
}
