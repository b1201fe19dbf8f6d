// Package jht is the old-age savings account: a balance credited with every
// paid JHT contribution and the yearly development return, and debited by
// withdrawals. The balance is a query over the log (the participant's stream
// and the payer's paid bills), never a stored number. Pure: no I/O, no clock.
package jht

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/domain/money"
	"github.com/tanahbumbu/jaminan/domain/participant"
	"github.com/tanahbumbu/jaminan/domain/payer"
	"github.com/tanahbumbu/jaminan/domain/problem"
	"github.com/tanahbumbu/jaminan/domain/rules"
)

// Statement is a JHT account as of a date.
type Statement struct {
	Contributions decimal.Decimal `json:"contributions"`
	Returns       decimal.Decimal `json:"returns"`
	Withdrawals   decimal.Decimal `json:"withdrawals"`
	Balance       decimal.Decimal `json:"balance"`
	MonthsPaid    int             `json:"months_paid"`
}

// StatementAsOf adds up the account on date asOf: contributions for months up
// to asOf's month that are paid, returns for years ended by asOf, withdrawals made by asOf.
func StatementAsOf(member participant.State, paid []payer.PaidContribution, asOf calendar.Date) Statement {
	var statement Statement
	for _, contribution := range paid {
		if !contribution.Period.After(asOf.Period()) {
			statement.Contributions = statement.Contributions.Add(contribution.Total)
			statement.MonthsPaid++
		}
	}
	for _, credited := range member.JHTReturns {
		if !credited.OccurredOn().After(asOf) {
			statement.Returns = statement.Returns.Add(credited.Amount.Decimal)
		}
	}
	for _, debit := range member.JHTDebits {
		if !debit.DebitOn.After(asOf) {
			statement.Withdrawals = statement.Withdrawals.Add(debit.Amount.Decimal)
		}
	}
	statement.Balance = statement.Contributions.Add(statement.Returns).Sub(statement.Withdrawals)
	return statement
}

// CreditReturn decides CreditJHTReturn: the declared rate on the year's
// average balance, by the method of the rule-book version in force at the
// year's end (rules.Book.JHTReturn), rounded half up to the rupiah.
// A participant with no balance that year gets nothing (no event, no error).
func CreditReturn(member participant.State, paid []payer.PaidContribution, c *command.CreditJHTReturn, library *rules.Library, today calendar.Date) ([]event.Event, error) {
	if !member.Registered {
		return nil, &problem.Error{Kind: problem.NotFound, Code: "participant_not_found", Field: "nik", Message: "no participant is registered with this NIK"}
	}
	if _, ok := member.Enrollment("JHT"); !ok {
		return nil, problem.Field("nik", "not_enrolled_jht", "the participant is not enrolled in JHT")
	}
	for _, credited := range member.JHTReturns {
		if credited.Year == c.Year {
			if credited.RatePercent == c.RatePercent.String() && credited.Source == c.Source {
				return nil, nil
			}
			return nil, &problem.Error{Kind: problem.Conflict, Code: "return_credited", Field: "year",
				Message: fmt.Sprintf("the return for %d is credited already at %s%%", c.Year, credited.RatePercent)}
		}
	}
	if !calendar.NewDate(c.Year, 12, 31).Before(today) {
		return nil, problem.Field("year", "year_not_ended", "%d has not ended yet; returns are credited after the year", c.Year)
	}
	yearEnd := calendar.NewDate(c.Year, 12, 31)
	book, err := library.ForDate(yearEnd)
	if err != nil {
		return nil, problem.Field("year", "no_rule_book", "%v", err)
	}
	opening := StatementAsOf(member, paid, calendar.NewDate(c.Year-1, 12, 31)).Balance
	var monthEnd [12]decimal.Decimal
	for month := range monthEnd {
		monthEnd[month] = StatementAsOf(member, paid, calendar.NewPeriod(c.Year, monthOf(month+1)).LastDay()).Balance
	}
	computed := book.JHTReturn(opening, monthEnd, c.RatePercent.Decimal)
	if !computed.AverageBalance.IsPositive() {
		return nil, nil
	}
	if computed.Amount.GreaterThan(money.MaxAmount()) {
		// Returns compound year on year; bounding each keeps rm_jht_balances within NUMERIC(18,2).
		return nil, problem.Field("rate_percent", "return_too_large", "a return of %s is more than the largest amount the ledger records, %s",
			money.FormatIDR(computed.Amount), money.FormatIDR(money.MaxAmount()))
	}
	return []event.Event{&participant.JHTReturnCredited{Year: c.Year, RatePercent: c.RatePercent.String(), Source: c.Source, Method: computed.Method,
		AverageBalance: command.Money{Decimal: computed.AverageBalance}, Amount: command.Money{Decimal: computed.Amount}, CreditedOn: today,
		RuleBook: computed.RuleBook}}, nil
}

// Withdrawal is what a JHT claim pays, with its explanation.
type Withdrawal struct {
	Amount    decimal.Decimal
	Statement Statement
	FormulaID string
	FormulaEN string
}

// Partial withdrawal shares (PP 60/2015): 10 % to prepare retirement, 30 % for housing.
var partialPercent = map[string]int64{"partial_10": 10, "partial_30": 30}

// Compute works out a withdrawal of the given kind from the balance on asOf.
func Compute(member participant.State, paid []payer.PaidContribution, kind string, asOf calendar.Date) (Withdrawal, error) {
	statement := StatementAsOf(member, paid, asOf)
	if !statement.Balance.IsPositive() {
		return Withdrawal{}, problem.Field("claim_id", "jht_balance_empty", "the JHT balance is %s", money.FormatIDR(statement.Balance))
	}
	balance := fmt.Sprintf("%s + %s − %s = %s", money.FormatIDR(statement.Contributions), money.FormatIDR(statement.Returns),
		money.FormatIDR(statement.Withdrawals), money.FormatIDR(statement.Balance))
	if kind == "full" {
		return Withdrawal{Amount: statement.Balance, Statement: statement,
			FormulaID: "iuran " + balance + " (iuran + hasil pengembangan − penarikan)", FormulaEN: "contributions " + balance + " (contributions + returns − withdrawals)"}, nil
	}
	share, ok := partialPercent[kind]
	if !ok {
		return Withdrawal{}, problem.Field("benefit", "unknown_value", "%q is not full, partial_10 or partial_30", kind)
	}
	amount := money.RoundRupiah(statement.Balance.Mul(decimal.NewFromInt(share)).Div(decimal.NewFromInt(100)))
	formula := fmt.Sprintf("%d%% × %s = %s", share, money.FormatIDR(statement.Balance), money.FormatIDR(amount))
	return Withdrawal{Amount: amount, Statement: statement, FormulaID: formula + " (saldo: " + balance + ")", FormulaEN: formula + " (balance: " + balance + ")"}, nil
}

func monthOf(month int) time.Month { return time.Month(month) }
