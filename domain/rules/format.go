package rules

import (
	"sort"
	"strings"

	"github.com/shopspring/decimal"
)

// percentText writes a percentage the English way: "0.24%".
func percentText(percent decimal.Decimal) string { return percent.String() + "%" }

// percentTextID writes a percentage the Indonesian way: "0,24%".
func percentTextID(percent decimal.Decimal) string {
	return strings.Replace(percent.String(), ".", ",", 1) + "%"
}

// groupThousands writes an amount with comma thousands, as docs/rulebook.md does:
// "1,000,000" (two decimals only when there are cents).
func groupThousands(amount decimal.Decimal) string {
	sign := ""
	if amount.IsNegative() {
		sign, amount = "-", amount.Neg()
	}
	integer, fraction, _ := strings.Cut(amount.StringFixed(2), ".")
	var grouped strings.Builder
	for i, digit := range integer {
		if i > 0 && (len(integer)-i)%3 == 0 {
			grouped.WriteByte(',')
		}
		grouped.WriteRune(digit)
	}
	if fraction == "00" {
		return sign + grouped.String()
	}
	return sign + grouped.String() + "." + fraction
}

// sortedKeys gives a map's keys in order, so problems are reported the same
// way every time.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}
