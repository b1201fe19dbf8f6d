package rules

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/money"
)

// The methods of the JHT development return a rule-book version may name
// (benefits.jht.return_method): which balances of the year the declared rate
// is applied to, on average.
const (
	// ReturnOnMonthEndBalances averages the twelve month-end balances: a
	// contribution earns from the month it is paid for.
	ReturnOnMonthEndBalances = "average_month_end_balance"
	// ReturnOnMonthStartBalances averages the balances at the start of each
	// month (the previous month's end): a contribution earns from the month after.
	ReturnOnMonthStartBalances = "average_month_start_balance"
)

var returnMethods = []string{ReturnOnMonthEndBalances, ReturnOnMonthStartBalances}

// JHTReturn is a year's development return as the version computes it.
type JHTReturn struct {
	RuleBook       string
	Method         string
	AverageBalance decimal.Decimal // to the sen
	Amount         decimal.Decimal // rounded half up to whole rupiah
	Basis          string          // "5.63% × Rp1.111.500,00 (average month-end balance)"
}

// JHTReturnMethod is the version's method of the development return.
func (b *Book) JHTReturnMethod() string { return b.jhtReturnMethod }

// JHTReturn applies the declared rate to the year's average balance by the
// version's method. opening is the balance at the start of the year (the end
// of the previous December), monthEnd[i] the balance at the end of month i+1.
// The amount is rate × (sum of the twelve balances) / 12, rounded once.
func (b *Book) JHTReturn(opening decimal.Decimal, monthEnd [12]decimal.Decimal, ratePercent decimal.Decimal) JHTReturn {
	balances := monthEnd[:]
	label := "average month-end balance"
	if b.jhtReturnMethod == ReturnOnMonthStartBalances {
		balances = append([]decimal.Decimal{opening}, monthEnd[:11]...)
		label = "average month-start balance"
	}
	sum := decimal.Zero
	for _, balance := range balances {
		sum = sum.Add(balance)
	}
	twelve := decimal.NewFromInt(12)
	average := sum.DivRound(twelve, 2)
	amount := money.RoundRupiah(sum.Mul(ratePercent).Div(twelve.Mul(hundred)))
	return JHTReturn{RuleBook: b.id, Method: b.jhtReturnMethod, AverageBalance: average, Amount: amount,
		Basis: fmt.Sprintf("%s × %s (%s)", percentText(ratePercent), money.FormatIDR(average), label)}
}
