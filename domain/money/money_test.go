package money

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"
)

func TestParse(t *testing.T) {
	tests := []struct {
		text string
		want string
		err  error
	}{
		{"2500000", "2500000", nil},
		{"2500000.00", "2500000", nil},
		{"0.5", "0.5", nil},
		{"-1", "", ErrNegative},
		{"1e6", "", ErrNotDecimal},
		{"1.000.000", "", ErrNotDecimal},
		{" 1", "", ErrNotDecimal},
		{"1.", "", ErrNotDecimal},
		{".5", "", ErrNotDecimal},
		{"1.005", "", ErrTooPrecise},
		{"12345678901234567", "", ErrTooLarge},
		{"9999999999999999.99", "9999999999999999.99", nil},
		{"", "", ErrNotDecimal},
	}
	for _, test := range tests {
		got, err := Parse(test.text)
		if !errors.Is(err, test.err) {
			t.Errorf("Parse(%q) error = %v, want %v", test.text, err, test.err)
			continue
		}
		if test.err == nil && !got.Equal(decimal.RequireFromString(test.want)) {
			t.Errorf("Parse(%q) = %s, want %s", test.text, got, test.want)
		}
	}
}

// docs/rulebook.md worked example 12: JKK 0.24 % of 2,345,678 = 5,629.6272 -> 5,630.
func TestRoundRupiahHalfUp(t *testing.T) {
	tests := map[string]string{"5629.6272": "5630", "5629.5": "5630", "5629.4999": "5629", "24475": "24475", "0.5": "1"}
	for in, want := range tests {
		if got := RoundRupiah(decimal.RequireFromString(in)); !got.Equal(decimal.RequireFromString(want)) {
			t.Errorf("RoundRupiah(%s) = %s, want %s", in, got, want)
		}
	}
	product := decimal.RequireFromString("2345678").Mul(decimal.RequireFromString("0.0024"))
	if !product.Equal(decimal.RequireFromString("5629.6272")) || !RoundRupiah(product).Equal(decimal.NewFromInt(5630)) {
		t.Errorf("0.24%% of 2,345,678: got %s rounded %s, want 5629.6272 -> 5630", product, RoundRupiah(product))
	}
}

func TestFormat(t *testing.T) {
	if got := Format(decimal.NewFromInt(42_000_000)); got != "42000000.00" {
		t.Errorf("Format = %s", got)
	}
	tests := map[string]string{"42000000": "Rp42.000.000", "231000000": "Rp231.000.000", "5629.63": "Rp5.629,63", "999": "Rp999", "-1500": "-Rp1.500"}
	for in, want := range tests {
		if got := FormatIDR(decimal.RequireFromString(in)); got != want {
			t.Errorf("FormatIDR(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestFitsAndParseStored(t *testing.T) {
	for text, want := range map[string]bool{
		"9999999999999999.99": true, "-9999999999999999.99": true, "10000000000000000": false, "1.005": false, "0": true,
	} {
		if got := Fits(decimal.RequireFromString(text)); got != want {
			t.Errorf("Fits(%s) = %v, want %v", text, got, want)
		}
	}
	if !Fits(MaxAmount().Mul(decimal.NewFromInt(9000))) {
		t.Error("9,000 of the largest amount do not fit NUMERIC(18,2)")
	}
	// What the log stores is read back as stored, whatever its size or sign.
	for _, text := range []string{"29999999999999999.97", "-5.00", "0.125"} {
		if got, err := ParseStored(text); err != nil || got.String() != decimal.RequireFromString(text).String() {
			t.Errorf("ParseStored(%s) = %v, %v", text, got, err)
		}
	}
	if _, err := ParseStored("abc"); err == nil {
		t.Error("ParseStored(abc) accepted")
	}
}
