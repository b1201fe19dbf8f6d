package command

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/money"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

// Stored money read without the second JSON pass must read exactly as the
// full decode does: the same amount, or the same refusal.
func TestStoredMoneyReadsAsTheFullDecodeDoes(t *testing.T) {
	full := func(data []byte) (decimal.Decimal, error) {
		var text string
		if err := json.Unmarshal(data, &text); err != nil {
			return decimal.Decimal{}, problem.Field("", "money_not_string", "money must be a decimal string")
		}
		value, err := money.ParseStored(text)
		if err != nil {
			return decimal.Decimal{}, problem.Field("", "invalid_money", "%v", err)
		}
		return value, nil
	}
	for _, input := range []string{`"2500000.00"`, `"0"`, `"-1500.50"`, `"1.23456"`, `"1e3"`, `" 12"`, `"\u0031\u0032.50"`,
		`"12\"`, `"abc"`, `""`, `12`, `null`, `"`, `"1,000"`, "\"\t1\"", `"١٢"`} {
		got, gotErr := storedMoney([]byte(input))
		want, wantErr := full([]byte(input))
		if !got.Equal(want) || (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
			t.Errorf("%s: got %v, %v; the full decode reads %v, %v", input, got, gotErr, want, wantErr)
		}
		var field *problem.Error
		if gotErr != nil && !errors.As(gotErr, &field) {
			t.Errorf("%s: error %v names no field", input, gotErr)
		}
	}
}
