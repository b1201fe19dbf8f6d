package command

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tanahbumbu/jaminan/domain/problem"
)

func TestDecodeReconcileStatement(t *testing.T) {
	var many []string
	for i := 1; i <= 40; i++ {
		many = append(many, fmt.Sprintf(`{"date":"2026-11-03","reference":"R%d","amount":"-1500.50"}`, i))
	}
	body := `{"statement_id":"bpd-2026-11","account":"BPD-0012","window_days":2,"lines":[` + strings.Join(many, ",") + `]}`
	decoded, err := Decode("ReconcileStatement", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	statement := decoded.(*ReconcileStatement)
	if len(statement.Lines.Items) != 40 || statement.Window() != 2 || statement.LineNo(39) != 40 ||
		statement.Lines.Items[0].Amount.StringFixed(2) != "-1500.50" {
		t.Errorf("got %d lines, window %d, last line %d, first amount %s", len(statement.Lines.Items), statement.Window(), statement.LineNo(39),
			statement.Lines.Items[0].Amount.StringFixed(2))
	}
	if from, to := statement.Period(); from.String() != "2026-11-03" || to.String() != "2026-11-03" {
		t.Errorf("period: got %s to %s, want the line dates", from, to)
	}
}

func TestDecodeReconcileStatementRefuses(t *testing.T) {
	tests := []struct {
		name, body, code, field, message string
	}{
		{"money as a number", `{"statement_id":"s","lines":[{"date":"2026-11-03","amount":-5}]}`, "money_not_string", "lines", "[0].amount"},
		{"unknown field in a line", `{"statement_id":"s","lines":[{"date":"2026-11-03","amount":"5","payee":"x"}]}`, "unknown_field", "lines", "[0].payee"},
		{"three decimals", `{"statement_id":"s","lines":[{"date":"2026-11-03","amount":"5.001"}]}`, "invalid_money", "lines", "[0].amount"},
		{"no lines", `{"statement_id":"s","lines":[]}`, "missing_field", "lines", ""},
		{"zero amount", `{"statement_id":"s","lines":[{"date":"2026-11-03","amount":"0.00"}]}`, "invalid_money", "lines[0].amount", ""},
		{"missing amount", `{"statement_id":"s","lines":[{"date":"2026-11-03"}]}`, "missing_field", "lines[0].amount", ""},
		{"window too wide", `{"statement_id":"s","window_days":40,"lines":[{"date":"2026-11-03","amount":"5"}]}`, "invalid_window", "window_days", ""},
		{"line twice", `{"statement_id":"s","lines":[{"line":2,"date":"2026-11-03","amount":"5"},{"line":2,"date":"2026-11-03","amount":"5"}]}`, "duplicate_value", "lines[1].line", ""},
		{"outside the period", `{"statement_id":"s","period_from":"2026-11-01","period_to":"2026-11-30","lines":[{"date":"2026-12-01","amount":"5"}]}`, "outside_period", "lines[0].date", ""},
		{"bad id", `{"statement_id":"a b","lines":[{"date":"2026-11-03","amount":"5"}]}`, "invalid_id", "statement_id", ""},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			_, err := Decode("ReconcileStatement", []byte(test.body))
			domainError, ok := problem.As(err)
			if !ok || domainError.Code != test.code || domainError.Field != test.field || !strings.Contains(domainError.Message, test.message) {
				t.Errorf("got %v (%+v), want code %s on field %s mentioning %q", err, domainError, test.code, test.field, test.message)
			}
		})
	}
}

func TestParseSignedMoney(t *testing.T) {
	tests := []struct{ text, want string }{{"-1500.50", "-1500.50"}, {"16800", "16800.00"}, {"0.5", "0.50"}}
	for _, test := range tests {
		value, err := ParseSignedMoney(test.text)
		if err != nil || value.StringFixed(2) != test.want {
			t.Errorf("%q: got %s, %v; want %s", test.text, value.StringFixed(2), err, test.want)
		}
	}
	for _, text := range []string{"--5", "+5", "-", "1e3", "1,5", " 5"} {
		if _, err := ParseSignedMoney(text); err == nil {
			t.Errorf("%q was accepted", text)
		}
	}
}
