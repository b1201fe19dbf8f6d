package command

import (
	"strings"
	"testing"

	"github.com/tanahbumbu/jaminan/domain/problem"
)

func TestDecodeLineNamesTheField(t *testing.T) {
	tests := []struct {
		name, line, code, field string
	}{
		{"money as number", `{"command":"RecordPayout","payout_id":"p","claim_id":"c","amount":42000000,"paid_on":"2024-01-01","bank_reference":"B"}`, "money_not_string", "amount"},
		{"money with exponent", `{"command":"RecordPayout","payout_id":"p","claim_id":"c","amount":"4.2e7","paid_on":"2024-01-01","bank_reference":"B"}`, "invalid_money", "amount"},
		{"money with separators", `{"command":"RecordPayout","payout_id":"p","claim_id":"c","amount":"42.000.000","paid_on":"2024-01-01","bank_reference":"B"}`, "invalid_money", "amount"},
		{"money too large", `{"command":"RecordPayout","payout_id":"p","claim_id":"c","amount":"12345678901234567","paid_on":"2024-01-01","bank_reference":"B"}`, "invalid_money", "amount"},
		{"zero money", `{"command":"RecordPayout","payout_id":"p","claim_id":"c","amount":"0.00","paid_on":"2024-01-01","bank_reference":"B"}`, "invalid_money", "amount"},
		{"nested unknown field", `{"command":"FileClaim","claim_id":"c","nik":"6310064203820002","programme":"JKM","benefit":"death","incident_date":"2024-01-01","heir":{"name":"A","relationship":"spouse","age":3}}`, "unknown_field", "heir.age"},
		{"bad relationship", `{"command":"FileClaim","claim_id":"c","nik":"6310064203820002","programme":"JKM","benefit":"death","incident_date":"2024-01-01","heir":{"name":"A","relationship":"friend"}}`, "unknown_value", "heir.relationship"},
		{"death claim without heir", `{"command":"FileClaim","claim_id":"c","nik":"6310064203820002","programme":"JKM","benefit":"death","incident_date":"2024-01-01"}`, "missing_field", "heir"},
		{"child level", `{"command":"FileClaim","claim_id":"c","nik":"6310064203820002","programme":"SCHOLARSHIP","benefit":"scholarship","incident_date":"2024-01-01","details":{"children":[{"name":"A","birth_date":"2010-01-01","level":"SD","grade":1},{"name":"B","birth_date":"2012-01-01","level":"college","grade":1}]}}`, "unknown_value", "details.children[1].level"},
		{"JKM benefit", `{"command":"FileClaim","claim_id":"c","nik":"6310064203820002","programme":"JKM","benefit":"medical","incident_date":"2024-01-01"}`, "unknown_value", "benefit"},
		{"wage and income", `{"command":"Enroll","nik":"6310064203820002","programmes":["JKK","JKM"],"effective_date":"2024-01-01","wage":"1","declared_income":"1"}`, "ambiguous_wage_base", "wage"},
		{"string for int", `{"command":"RegisterPayer","payer_id":"p","name":"P","kind":"regency","risk_class":"1"}`, "invalid_type", "risk_class"},
		{"id with spaces", `{"command":"ApproveClaim","claim_id":"a b"}`, "invalid_id", "claim_id"},
		{"period", `{"command":"AssessContributions","payer_id":"p","period":"2024-13"}`, "invalid_value", "period"},
		{"missing command", `{"claim_id":"c"}`, "missing_field", "command"},
		{"array", `[1,2]`, "malformed_json", ""},
		{"trailing", `{"command":"ApproveClaim","claim_id":"c"} {}`, "malformed_json", ""},
		{"control characters", "{\"command\":\"RejectClaim\",\"claim_id\":\"c\",\"reason\":\"a\\u0000b\"}", "invalid_text", "reason"},
		{"oversized", `{"command":"RejectClaim","claim_id":"c","reason":"` + strings.Repeat("x", MaxCommandBytes) + `"}`, "too_large", ""},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			_, err := DecodeLine([]byte(test.line))
			domainError, ok := problem.As(err)
			if !ok {
				t.Fatalf("got %v, want code %s", err, test.code)
			}
			if domainError.Code != test.code || domainError.Field != test.field {
				t.Errorf("got %s/%s (%s), want %s/%s", domainError.Code, domainError.Field, domainError.Message, test.code, test.field)
			}
		})
	}
}

func TestDecodeLineAcceptsBothMoneyForms(t *testing.T) {
	for amount, want := range map[string]string{"42000000": "42000000.00", "42000000.00": "42000000.00", "42000000.5": "42000000.50"} {
		decoded, err := DecodeLine([]byte(`{"command":"RecordPayout","payout_id":"p","claim_id":"c","amount":"` + amount + `","paid_on":"2024-01-01","bank_reference":"B"}`))
		if err != nil {
			t.Fatalf("%s: %v", amount, err)
		}
		payout := decoded.(*RecordPayout)
		if got := payout.Amount.StringFixed(2); got != want {
			t.Errorf("%s: got %s, want %s", amount, got, want)
		}
	}
}

func FuzzDecodeLine(f *testing.F) {
	f.Add([]byte(`{"command":"RecordPayment","payment_id":"p","payer_id":"x","amount":"1.00","paid_on":"2024-01-01","bank_reference":"B"}`))
	f.Add([]byte(`{"command":"FileClaim","details":{"children":[{"grade":1}]}}`))
	f.Add([]byte(`{"command":"Enroll","programmes":[]}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		decoded, err := DecodeLine(line)
		if err == nil && decoded == nil {
			t.Fatal("no command and no error")
		}
		if err != nil {
			if _, ok := problem.As(err); !ok {
				t.Fatalf("a rejection that is not a domain error: %v", err)
			}
		}
	})
}

// A reversal names the event it reverses by its UUID in any form uuid.Parse
// takes, and records it in the log's canonical form: the same event is then
// one id, however a clerk typed it.
func TestReverseRecordsTheEventIDInCanonicalForm(t *testing.T) {
	for _, typed := range []string{"{26EEACA1-7A3C-4C1B-9E5D-0F1A2B3C4D5E}", "urn:uuid:26eeaca1-7a3c-4c1b-9e5d-0f1a2b3c4d5e", "26EEACA17A3C4C1B9E5D0F1A2B3C4D5E"} {
		decoded, err := Decode("Reverse", []byte(`{"event_id":"`+typed+`","reason":"wrong_amount"}`))
		if err != nil {
			t.Fatalf("%s: %v", typed, err)
		}
		if got := decoded.(*Reverse).EventID; got != "26eeaca1-7a3c-4c1b-9e5d-0f1a2b3c4d5e" {
			t.Errorf("%s recorded as %s, want 26eeaca1-7a3c-4c1b-9e5d-0f1a2b3c4d5e", typed, got)
		}
	}
}
