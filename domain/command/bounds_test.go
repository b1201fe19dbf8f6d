package command

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

// The bounds that keep accepted events projectable (docs/events.md,
// "Bounds"), through the JSON decoder and for commands built in Go (the CSV
// import, the demo, the process managers), which only Validate and
// CheckDates see.
func TestBoundsNameTheField(t *testing.T) {
	today := calendar.NewDate(2026, 11, 28)
	money := func(text string) *Money { return &Money{Decimal: decimal.RequireFromString(text)} }
	tests := []struct {
		name        string
		command     Command
		line        string
		code, field string
	}{
		{name: "payment over the largest amount", line: `{"command":"RecordPayment","payment_id":"p","payer_id":"x","amount":"1000000000000.01","paid_on":"2024-01-01","bank_reference":"B"}`, code: "amount_too_large", field: "amount"},
		{name: "the largest payment", line: `{"command":"RecordPayment","payment_id":"p","payer_id":"x","amount":"1000000000000.00","paid_on":"2024-01-01","bank_reference":"B"}`},
		{name: "wage over the largest amount", line: `{"command":"ChangeWage","nik":"6310064203820002","effective_date":"2024-01-01","wage":"9999999999999999.99"}`, code: "amount_too_large", field: "wage"},
		{name: "contract value over the largest amount", line: `{"command":"RegisterProject","project_id":"p","payer_id":"x","name":"Jalan","contract_value":"1000000000001","start_on":"2024-01-01","end_on":"2025-01-01"}`, code: "amount_too_large", field: "contract_value"},
		{name: "project starting 13 months ahead", line: `{"command":"RegisterProject","project_id":"p","payer_id":"x","name":"Jalan","contract_value":"80000000","start_on":"2027-12-29","end_on":"2028-01-01"}`, code: "too_far_ahead", field: "start_on"},
		{name: "project registered tomorrow", line: `{"command":"RegisterProject","project_id":"p","payer_id":"x","name":"Jalan","contract_value":"80000000","start_on":"2026-01-01","end_on":"2026-06-30","registered_on":"2026-11-29"}`, code: "future_date", field: "registered_on"},
		{name: "project ending before it starts", line: `{"command":"RegisterProject","project_id":"p","payer_id":"x","name":"Jalan","contract_value":"80000000","start_on":"2026-01-01","end_on":"2025-12-31"}`, code: "before_start", field: "end_on"},
		{name: "medical cost over the largest amount", line: `{"command":"FileClaim","claim_id":"c","nik":"6310064203820002","programme":"JKK","benefit":"medical","incident_date":"2024-01-01","details":{"cost":"1000000000000.01"}}`, code: "amount_too_large", field: "details.cost"},
		{name: "bank line over the largest amount", line: `{"command":"ReconcileStatement","statement_id":"s","lines":[{"date":"2024-01-01","amount":"-1000000000000.01"}]}`, code: "amount_too_large", field: "lines[0].amount"},
		{name: "bank line number over an integer", line: `{"command":"ReconcileStatement","statement_id":"s","lines":[{"line":2147483648,"date":"2024-01-01","amount":"5"}]}`, code: "invalid_line", field: "lines[0].line"},
		{name: "body part too long", line: `{"command":"FileClaim","claim_id":"c","nik":"6310064203820002","programme":"JKK","benefit":"partial_disability","incident_date":"2024-01-01","details":{"body_part":"` + strings.Repeat("z", 121) + `"}}`, code: "too_long", field: "details.body_part"},
		{name: "payment dated tomorrow", line: `{"command":"RecordPayment","payment_id":"p","payer_id":"x","amount":"5","paid_on":"2026-11-29","bank_reference":"B"}`, code: "future_date", field: "paid_on"},
		{name: "payment dated today", line: `{"command":"RecordPayment","payment_id":"p","payer_id":"x","amount":"5","paid_on":"2026-11-28","bank_reference":"B"}`},
		{name: "child born tomorrow", line: `{"command":"FileClaim","claim_id":"c","nik":"6310064203820002","programme":"SCHOLARSHIP","benefit":"scholarship","incident_date":"2024-01-01","details":{"children":[{"name":"A","birth_date":"2026-11-29","level":"none","grade":0}]}}`, code: "future_date", field: "details.children[0].birth_date"},
		{name: "statement period to tomorrow", line: `{"command":"ReconcileStatement","statement_id":"s","period_to":"2026-11-29","lines":[{"date":"2026-11-02","amount":"5"}]}`, code: "future_date", field: "period_to"},
		{name: "enrollment 13 months ahead", line: `{"command":"Enroll","nik":"6310064203820002","programmes":["JKK","JKM"],"effective_date":"2027-12-29","wage":"3000000"}`, code: "too_far_ahead", field: "effective_date"},
		{name: "enrollment 12 months ahead", line: `{"command":"Enroll","nik":"6310064203820002","programmes":["JKK","JKM"],"effective_date":"2027-11-28","wage":"3000000"}`},
		{name: "period two months ahead", line: `{"command":"AssessContributions","payer_id":"p","period":"2027-01"}`, code: "future_period", field: "period"},
		{name: "period one month ahead", line: `{"command":"AssessContributions","payer_id":"p","period":"2026-12"}`},
		{name: "Go-built: negative payout", command: &RecordPayout{PayoutID: "p", ClaimID: "c", Amount: money("-5"), PaidOn: today, BankReference: "B"}, code: "invalid_money", field: "amount"},
		{name: "Go-built: three decimals", command: &RecordPayment{PaymentID: "p", PayerID: "x", Amount: money("5.005"), PaidOn: today, BankReference: "B"}, code: "invalid_money", field: "amount"},
		{name: "Go-built: date before 1900", command: &ReportDeath{NIK: "6310064203820002", Date: calendar.NewDate(1899, 12, 31), Cause: "other"}, code: "date_out_of_range", field: "date"},
		{name: "Go-built: project end after 2199", command: &RegisterProject{ProjectID: "p", PayerID: "x", ProjectName: "Jalan", ContractValue: money("250000000"),
			StartOn: today, EndOn: calendar.NewDate(2200, 1, 1)}, code: "date_out_of_range", field: "end_on"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			c, err := test.command, error(nil)
			if c == nil {
				c, err = DecodeLine([]byte(test.line))
			} else {
				err = c.Validate()
			}
			if err == nil {
				err = CheckDates(c, today)
			}
			if test.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			domainError, ok := problem.As(err)
			if !ok || domainError.Code != test.code || domainError.Field != test.field {
				t.Errorf("got %v (%+v), want %s on %s", err, domainError, test.code, test.field)
			}
		})
	}
}
