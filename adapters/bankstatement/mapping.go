// Package bankstatement reads a bank's statement export (CSV) into statement
// lines for ReconcileStatement. A small column mapping (Mapping) makes real
// banks' exports fit: which headers hold the date, reference, amount (or
// separate debit and credit columns), counterparty account and description,
// the date layout, and whether amounts use a decimal comma ("1.234.567,89").
package bankstatement

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"
)

// Absent names a column that the bank's file does not have (reference,
// counterparty_account and description only).
const Absent = "-"

// maxMappingBytes bounds a mapping file.
const maxMappingBytes = 64 << 10

// Mapping says where a bank's CSV keeps each field. Column names are matched
// against the header case-insensitively, spaces trimmed. The zero value,
// after defaults, reads the header date,reference,amount,counterparty_account,description.
type Mapping struct {
	// Date is the column of the booking date (default "date").
	Date string `json:"date"`
	// Reference is the column of the bank's or the sender's reference
	// (default "reference"; "-" when the file has none).
	Reference string `json:"reference"`
	// Amount is the column of the signed amount: positive is money into the
	// account, negative money out (default "amount" unless Debit and Credit are given).
	Amount string `json:"amount"`
	// Debit and Credit name two unsigned columns instead of Amount: debit is
	// money out of the account (recorded negative), credit money in.
	Debit  string `json:"debit"`
	Credit string `json:"credit"`
	// CounterpartyAccount is the column of the other side's account (default
	// "counterparty_account"; "-" when absent).
	CounterpartyAccount string `json:"counterparty_account"`
	// Description is the column of the narrative (default "description"; "-" when absent).
	Description string `json:"description"`
	// DateLayout is a Go time layout (default "2006-01-02"; e.g. "02/01/2006" for DD/MM/YYYY).
	DateLayout string `json:"date_layout"`
	// DecimalComma reads amounts written "1.234.567,89" (comma for decimals,
	// dot for thousands); otherwise "1,234,567.89" or "1234567.89".
	DecimalComma bool `json:"decimal_comma"`
	// Delimiter separates fields (default ","; ";" is common with a decimal comma).
	Delimiter string `json:"delimiter"`
}

// DefaultMapping reads date,reference,amount,counterparty_account,description with ISO dates.
func DefaultMapping() Mapping {
	var mapping Mapping
	mapping.setDefaults()
	return mapping
}

func (m *Mapping) setDefaults() {
	defaults := []struct {
		field *string
		value string
	}{{&m.Date, "date"}, {&m.Reference, "reference"}, {&m.CounterpartyAccount, "counterparty_account"},
		{&m.Description, "description"}, {&m.DateLayout, time.DateOnly}, {&m.Delimiter, ","}}
	for _, d := range defaults {
		if strings.TrimSpace(*d.field) == "" {
			*d.field = d.value
		}
	}
	if m.Amount == "" && m.Debit == "" && m.Credit == "" {
		m.Amount = "amount"
	}
}

// Validate reports every mistake in the mapping at once.
func (m Mapping) Validate() error {
	var errs []error
	if m.Amount != "" && (m.Debit != "" || m.Credit != "") {
		errs = append(errs, errors.New("mapping: give amount, or debit and credit, not both"))
	}
	if m.Amount == "" && (m.Debit == "" || m.Credit == "") {
		errs = append(errs, errors.New("mapping: debit and credit go together"))
	}
	if strings.TrimSpace(m.Date) == "" || m.Date == Absent || m.Amount == Absent || m.Debit == Absent || m.Credit == Absent {
		errs = append(errs, errors.New("mapping: the date and the amount (or debit and credit) columns are required"))
	}
	seen := map[string]string{}
	for field, column := range m.columns() {
		key := normalise(column)
		if other, ok := seen[key]; ok {
			errs = append(errs, fmt.Errorf("mapping: %s and %s both name the column %q", other, field, column))
		}
		seen[key] = field
	}
	if err := checkLayout(m.DateLayout); err != nil {
		errs = append(errs, err)
	}
	delimiter, size := utf8.DecodeRuneInString(m.Delimiter)
	if size != len(m.Delimiter) || delimiter == utf8.RuneError || strings.ContainsRune("\"\r\n", delimiter) {
		errs = append(errs, fmt.Errorf("mapping: delimiter must be one character other than a quote or a line break, not %q", m.Delimiter))
	}
	return errors.Join(errs...)
}

// columns are the mapped fields and their header names, absent ones left out.
func (m Mapping) columns() map[string]string {
	columns := map[string]string{}
	for field, column := range map[string]string{"date": m.Date, "reference": m.Reference, "amount": m.Amount, "debit": m.Debit,
		"credit": m.Credit, "counterparty_account": m.CounterpartyAccount, "description": m.Description} {
		if column != "" && column != Absent {
			columns[field] = column
		}
	}
	return columns
}

// checkLayout accepts a layout that writes and reads back a whole date.
func checkLayout(layout string) error {
	sample := time.Date(2026, time.November, 23, 0, 0, 0, 0, time.UTC)
	parsed, err := time.Parse(layout, sample.Format(layout))
	if err != nil || !parsed.Equal(sample) {
		return fmt.Errorf("mapping: date_layout %q does not read a whole date (write it as Go does: 2006-01-02, 02/01/2006 …)", layout)
	}
	return nil
}

// NewMapping fills the defaults of a mapping and validates it.
func NewMapping(mapping Mapping) (Mapping, error) {
	mapping.setDefaults()
	if err := mapping.Validate(); err != nil {
		return Mapping{}, err
	}
	return mapping, nil
}

// ReadMapping reads a mapping from JSON; unknown keys are refused.
func ReadMapping(r io.Reader) (Mapping, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxMappingBytes+1))
	if err != nil {
		return Mapping{}, fmt.Errorf("read mapping: %w", err)
	}
	if len(data) > maxMappingBytes {
		return Mapping{}, fmt.Errorf("mapping: larger than %d bytes", maxMappingBytes)
	}
	decoder := json.NewDecoder(strings.NewReader(string(data)))
	decoder.DisallowUnknownFields()
	var mapping Mapping
	if err := decoder.Decode(&mapping); err != nil {
		return Mapping{}, fmt.Errorf("mapping: %w", err)
	}
	if decoder.More() {
		return Mapping{}, errors.New("mapping: trailing data after the JSON object")
	}
	return NewMapping(mapping)
}

// LoadMapping reads a mapping file.
func LoadMapping(path string) (Mapping, error) {
	file, err := os.Open(path)
	if err != nil {
		return Mapping{}, fmt.Errorf("open mapping: %w", err)
	}
	defer file.Close()
	mapping, err := ReadMapping(file)
	if err != nil {
		return Mapping{}, fmt.Errorf("%s: %w", path, err)
	}
	return mapping, nil
}

func normalise(header string) string { return strings.ToLower(strings.TrimSpace(header)) }
