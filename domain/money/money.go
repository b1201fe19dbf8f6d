// Package money parses, rounds and formats rupiah amounts exactly.
// Amounts are shopspring decimals; a float never enters a money path.
package money

import (
	"errors"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// MaxIntegerDigits is what NUMERIC(18,2) holds before the decimal point.
const MaxIntegerDigits = 16

// MaxAmountRupiah is the largest amount a command may carry (a payment, a
// payout, a wage, a cost, a contract value, a bank line): Rp1.000.000.000.000.
// Chosen with the read models' NUMERIC(18,2) (at most 16 digits before the
// point): every sum a read model stores adds a bounded number of such amounts
// (a statement's 900 lines, a claim's 600 months × 80 × wage), so it stays
// far below 10^16 (docs/events.md, "Bounds").
const MaxAmountRupiah = 1_000_000_000_000

// MaxAmount is MaxAmountRupiah as a decimal.
func MaxAmount() decimal.Decimal { return decimal.NewFromInt(MaxAmountRupiah) }

// Fits reports whether an amount is stored by NUMERIC(18,2) as it is: at most
// MaxIntegerDigits digits before the point and two after, either sign.
func Fits(amount decimal.Decimal) bool {
	limit := decimal.New(1, MaxIntegerDigits)
	return amount.Abs().LessThan(limit) && amount.Equal(amount.Round(2))
}

// ParseStored reads an amount as an event stored it: any decimal string, its
// sign, size and precision not judged again (the command that produced it was).
func ParseStored(text string) (decimal.Decimal, error) {
	value, err := decimal.NewFromString(text)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%q: %w", text, ErrNotDecimal)
	}
	return value, nil
}

// Errors returned by Parse.
var (
	ErrNotDecimal = errors.New("not a decimal string")
	ErrNegative   = errors.New("negative amount")
	ErrTooLarge   = errors.New("amount too large")
	ErrTooPrecise = errors.New("more than 2 decimal places")
)

// Parse reads a non-negative decimal string such as "2500000" or "2500000.00".
// It refuses signs, exponents, spaces, thousands separators, more than two
// decimals and more than 16 integer digits.
func Parse(text string) (decimal.Decimal, error) {
	if strings.HasPrefix(text, "-") {
		return decimal.Decimal{}, fmt.Errorf("%q: %w", text, ErrNegative)
	}
	integer, fraction, hasPoint := strings.Cut(text, ".")
	if integer == "" || !digitsOnly(integer) || (hasPoint && (fraction == "" || !digitsOnly(fraction))) {
		return decimal.Decimal{}, fmt.Errorf("%q: %w (write e.g. \"2500000\" or \"2500000.00\")", text, ErrNotDecimal)
	}
	if len(fraction) > 2 {
		return decimal.Decimal{}, fmt.Errorf("%q: %w", text, ErrTooPrecise)
	}
	if len(strings.TrimLeft(integer, "0")) > MaxIntegerDigits {
		return decimal.Decimal{}, fmt.Errorf("%q: %w (at most %d digits before the point)", text, ErrTooLarge, MaxIntegerDigits)
	}
	value, err := decimal.NewFromString(text)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%q: %w", text, ErrNotDecimal)
	}
	return value, nil
}

func digitsOnly(text string) bool {
	for _, r := range text {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// RoundRupiah rounds half up to whole rupiah (docs/rulebook.md#money-and-rounding: each component is
// rounded, then summed). For negative amounts it rounds half away from zero.
func RoundRupiah(amount decimal.Decimal) decimal.Decimal { return amount.Round(0) }

// Format writes an amount with exactly two decimals: "42000000.00".
func Format(amount decimal.Decimal) string { return amount.StringFixed(2) }

// FormatIDR writes an amount the Indonesian way: "Rp42.000.000" or "Rp5.629,63".
func FormatIDR(amount decimal.Decimal) string {
	sign := ""
	if amount.IsNegative() {
		sign = "-"
		amount = amount.Neg()
	}
	fixed := amount.StringFixed(2)
	integer, fraction, _ := strings.Cut(fixed, ".")
	var grouped strings.Builder
	for i, digit := range integer {
		if i > 0 && (len(integer)-i)%3 == 0 {
			grouped.WriteByte('.')
		}
		grouped.WriteRune(digit)
	}
	if fraction == "00" {
		return sign + "Rp" + grouped.String()
	}
	return sign + "Rp" + grouped.String() + "," + fraction
}

// Sum adds amounts exactly.
func Sum(amounts ...decimal.Decimal) decimal.Decimal {
	total := decimal.Zero
	for _, amount := range amounts {
		total = total.Add(amount)
	}
	return total
}
