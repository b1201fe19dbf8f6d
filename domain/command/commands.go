package command

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/money"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

// Money is a rupiah amount that arrives only as a decimal string.
type Money struct{ decimal.Decimal }

// UnmarshalJSON reads money as an event stored it (money.ParseStored): the
// command that produced it was judged, the log never is again.
func (m *Money) UnmarshalJSON(data []byte) error {
	value, err := storedMoney(data)
	m.Decimal = value
	return err
}

// storedMoney reads a JSON string holding any decimal. A string without
// escapes (every amount the log holds) is its bytes between the quotes, so it
// is read without a second JSON pass; anything else goes through
// json.Unmarshal, with the same result and errors as before.
func storedMoney(data []byte) (decimal.Decimal, error) {
	text, ok := plainJSONString(data)
	if !ok {
		if err := json.Unmarshal(data, &text); err != nil {
			return decimal.Decimal{}, problem.Field("", "money_not_string", "money must be a decimal string")
		}
	}
	value, err := money.ParseStored(text)
	if err != nil {
		return decimal.Decimal{}, problem.Field("", "invalid_money", "%v", err)
	}
	return value, nil
}

// plainJSONString is the text of a JSON string literal holding only
// printable ASCII without a quote or a backslash; ok is false for anything
// else, which the caller decodes in full.
func plainJSONString(data []byte) (string, bool) {
	if len(data) < 2 || data[0] != '"' || data[len(data)-1] != '"' {
		return "", false
	}
	for _, b := range data[1 : len(data)-1] {
		if b < 0x20 || b >= 0x7f || b == '"' || b == '\\' {
			return "", false
		}
	}
	return string(data[1 : len(data)-1]), true
}

// jsonKind names the kind of a JSON value that is not a string, for an
// error that says what came instead.
func jsonKind(data []byte) string {
	switch {
	case len(data) == 0:
		return "value"
	case data[0] == '{':
		return "object"
	case data[0] == '[':
		return "list"
	case data[0] == 't' || data[0] == 'f':
		return "true or false"
	case data[0] == 'n':
		return "null"
	}
	return "number"
}

// decodeInput reads a command's money: "2500000" or "2500000.00"; JSON
// numbers, signs and more than two decimals are refused.
func (m *Money) decodeInput(data []byte) error {
	if len(data) > 0 && data[0] != '"' {
		return problem.Field("", "money_not_string", "money must be a decimal string such as \"2500000.00\", not a JSON %s", jsonKind(data))
	}
	var text string
	if err := json.Unmarshal(data, &text); err != nil {
		return problem.Field("", "money_not_string", "money must be a decimal string")
	}
	value, err := money.Parse(text)
	if err != nil {
		code := "invalid_money"
		if errors.Is(err, money.ErrNegative) {
			code = "negative_amount"
		}
		return problem.Field("", code, "%v", err)
	}
	m.Decimal = value
	return nil
}

// MarshalJSON writes the amount with two decimals.
func (m Money) MarshalJSON() ([]byte, error) { return json.Marshal(money.Format(m.Decimal)) }

var (
	nikPattern = regexp.MustCompile(`^[0-9]{16}$`)
	idPattern  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$`)
)

// limits on free text
const (
	maxNameRunes        = 120
	maxDescriptionRunes = 2000
)

func checkNIK(field, nik string) error {
	if nik == "" {
		return problem.Field(field, "missing_field", "is required: the 16-digit NIK")
	}
	if !nikPattern.MatchString(nik) {
		return problem.Field(field, "invalid_nik", "a NIK is exactly 16 digits (got %d characters)", utf8.RuneCountInString(nik))
	}
	return nil
}

func checkID(field, id string) error {
	if id == "" {
		return problem.Field(field, "missing_field", "is required")
	}
	if !idPattern.MatchString(id) {
		return problem.Field(field, "invalid_id", "ids are 1-80 letters, digits, '.', '_', ':' or '-', starting with a letter or digit")
	}
	return nil
}

// checkText applies CheckText, then the field's own rules: required, length.
func checkText(field, text string, required bool, maxRunes int) error {
	if err := CheckText(field, text); err != nil {
		return err
	}
	if strings.TrimSpace(text) == "" {
		if required {
			return problem.Field(field, "missing_field", "is required")
		}
		return nil
	}
	if utf8.RuneCountInString(text) > maxRunes {
		return problem.Field(field, "too_long", "at most %d characters", maxRunes)
	}
	return nil
}

func checkDate(field string, date calendar.Date) error {
	if date.IsZero() {
		return problem.Field(field, "missing_field", "is required (YYYY-MM-DD)")
	}
	if !date.InRange() {
		return problem.Field(field, "date_out_of_range", "%s is outside %s to %s", date, calendar.MinDate, calendar.MaxDate)
	}
	return nil
}

func checkOneOf(field, value string, allowed ...string) error {
	if value == "" {
		return problem.Field(field, "missing_field", "is required: one of %s", strings.Join(allowed, ", "))
	}
	for _, candidate := range allowed {
		if value == candidate {
			return nil
		}
	}
	return problem.Field(field, "unknown_value", "%q is not one of %s", value, strings.Join(allowed, ", "))
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Codes of the vocabulary.
var (
	PayerKinds    = []string{"village_government", "regency", "bumdes", "koperasi", "self"}
	Categories    = []string{"perangkat_kecamatan", "perangkat_kelurahan", "perangkat_desa", "bpd", "rt_rw", "kader", "pkk", "bumdes", "koperasi", "konstruksi", "pekerja_rentan"}
	Segments      = []string{"PU", "BPU", "construction"}
	Programmes    = []string{"JKK", "JKM", "JHT"}
	ClaimPrograms = []string{"JKM", "JKK", "JHT", "SCHOLARSHIP"}
	EndReasons    = []string{"resigned", "end_of_term", "death", "age_56"}
	DeathCauses   = []string{"work_accident", "other"}
	JKKBenefits   = []string{"medical", "transport", "temporary_incapacity", "partial_disability", "total_disability", "death"}
	Relationships = []string{"spouse", "child", "parent", "grandchild", "sibling", "parent_in_law", "named"}
	SchoolLevels  = []string{"none", "TK", "SD", "SMP", "SMA", "university"}
)

func describeMoneyPair(wage, declared *Money, wageField, declaredField string) error {
	if wage != nil && declared != nil {
		return problem.Field(wageField, "ambiguous_wage_base", "give %s (wage earners) or %s (non-wage earners), not both", wageField, declaredField)
	}
	if wage == nil && declared == nil {
		return problem.Field(wageField, "missing_field", "is required: %s for a wage earner (PU), %s for a non-wage earner (BPU)", wageField, declaredField)
	}
	amount := wage
	field := wageField
	if declared != nil {
		amount, field = declared, declaredField
	}
	if !amount.IsPositive() {
		return problem.Field(field, "invalid_money", "must be more than zero")
	}
	return checkAmount(field, amount.Decimal)
}

// Percent is a rate in percent that arrives only as a decimal string ("5.63").
type Percent struct{ decimal.Decimal }

// UnmarshalJSON accepts a plain decimal string with up to 4 decimals.
func (p *Percent) UnmarshalJSON(data []byte) error {
	var text string
	if len(data) == 0 || data[0] != '"' || json.Unmarshal(data, &text) != nil {
		return problem.Field("", "rate_not_string", "a rate must be a decimal string such as \"5.63\", not a JSON %s", jsonKind(data))
	}
	integer, fraction, _ := strings.Cut(text, ".")
	if integer == "" || len(integer) > 3 || len(fraction) > 4 || strings.Trim(integer+fraction, "0123456789") != "" {
		return problem.Field("", "invalid_rate", "%q is not a rate like \"5.63\" (at most 4 decimals)", text)
	}
	value, err := decimal.NewFromString(text)
	if err != nil {
		return problem.Field("", "invalid_rate", "%q is not a rate like \"5.63\"", text)
	}
	p.Decimal = value
	return nil
}

// MarshalJSON writes the rate as a string.
func (p Percent) MarshalJSON() ([]byte, error) { return json.Marshal(p.String()) }

// SignedMoney is a rupiah amount that may be negative (a bank statement line:
// money out of the account is negative). Like Money it arrives only as a
// decimal string, at most two decimals, and is written with two.
type SignedMoney struct{ decimal.Decimal }

// UnmarshalJSON reads a signed amount as an event stored it, like Money's.
func (m *SignedMoney) UnmarshalJSON(data []byte) error {
	value, err := storedMoney(data)
	m.Decimal = value
	return err
}

// decodeInput reads a command's signed money: "-1500.50", "16800" or
// "16800.00"; JSON numbers are refused.
func (m *SignedMoney) decodeInput(data []byte) error {
	if len(data) > 0 && data[0] != '"' {
		return problem.Field("", "money_not_string", "money must be a decimal string such as \"-2500000.00\", not a JSON %s", jsonKind(data))
	}
	var text string
	if err := json.Unmarshal(data, &text); err != nil {
		return problem.Field("", "money_not_string", "money must be a decimal string")
	}
	value, err := ParseSignedMoney(text)
	if err != nil {
		return problem.Field("", "invalid_money", "%v", err)
	}
	m.Decimal = value
	return nil
}

// MarshalJSON writes the amount with two decimals.
func (m SignedMoney) MarshalJSON() ([]byte, error) { return json.Marshal(money.Format(m.Decimal)) }

// ParseSignedMoney reads an optional leading minus and then what money.Parse reads.
func ParseSignedMoney(text string) (decimal.Decimal, error) {
	magnitude, negative := strings.CutPrefix(text, "-")
	value, err := money.Parse(magnitude)
	if err != nil {
		return decimal.Decimal{}, err
	}
	if negative {
		return value.Neg(), nil
	}
	return value, nil
}
