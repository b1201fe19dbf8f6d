package app_test

import (
	"fmt"
	"testing"

	"github.com/tanahbumbu/jaminan/adapters/eventstore/memory"
	"github.com/tanahbumbu/jaminan/domain/claim"
	"github.com/tanahbumbu/jaminan/domain/participant"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

// JHT: each paid contribution credits the balance, the year's return is the
// declared rate on the average month-end balance, and the balance is paid
// once, a month after resignation.
func TestJHTBalanceReturnAndWithdrawal(t *testing.T) {
	application := newApplication(t, memory.New())
	setUpMember(t, application) // W = 3,000,000 from 2021-01-01: JHT 171,000 a month
	for month := 1; month <= 12; month++ {
		period := fmt.Sprintf("2021-%02d", month)
		mustRun(t, application, `{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"`+period+`"}`)
		mustRun(t, application, `{"command":"RecordPayment","payment_id":"pay-`+period+`","payer_id":"desa-pakatellu","amount":"187200","paid_on":"`+period+`-10","bank_reference":"BPD","period":"`+period+`"}`)
	}
	// Month-end balances 171,000 × (1 + 2 + … + 12) = 13,338,000; average 1,111,500; 5.63 % = 62,577.45 -> 62,577.
	credited := decodeOnly[participant.JHTReturnCredited](t, application, mustRun(t, application,
		`{"command":"CreditJHTReturn","nik":"6310064203820002","year":2021,"rate_percent":"5.63","source":"BPJS Ketenagakerjaan, hasil pengembangan JHT 2021"}`))
	if !credited.Amount.Equal(rupiah("62577")) || !credited.AverageBalance.Equal(rupiah("1111500")) {
		t.Fatalf("return: got %s on average %s, want 62577 on 1111500", credited.Amount, credited.AverageBalance)
	}
	if result := mustRun(t, application, `{"command":"CreditJHTReturn","nik":"6310064203820002","year":2021,"rate_percent":"5.63","source":"BPJS Ketenagakerjaan, hasil pengembangan JHT 2021"}`); len(result.Events) != 0 {
		t.Error("crediting the same return twice appended")
	}
	// Partial withdrawal needs 10 years of membership.
	_, err := run(t, application, `{"command":"FileClaim","claim_id":"jht-p","nik":"6310064203820002","programme":"JHT","benefit":"partial_10","incident_date":"2022-01-05"}`)
	if domainError, ok := problem.As(err); !ok || domainError.Code != "membership_too_short" {
		t.Errorf("partial after one year: got %v, want membership_too_short", err)
	}
	mustRun(t, application, `{"command":"EndMembership","nik":"6310064203820002","date":"2021-12-31","reason":"resigned"}`)
	mustRun(t, application, `{"command":"FileClaim","claim_id":"jht-1","nik":"6310064203820002","programme":"JHT","benefit":"full","incident_date":"2021-12-31"}`)
	approved := decodeOnly[claim.Approved](t, application, mustRun(t, application, `{"command":"ApproveClaim","claim_id":"jht-1"}`))
	// 12 × 171,000 = 2,052,000 + 62,577 = 2,114,577.
	if !approved.Total.Equal(rupiah("2114577")) {
		t.Fatalf("JHT full balance: got %s, want 2114577", approved.Total)
	}
	// The balance is spent: a second full claim finds it empty.
	mustRun(t, application, `{"command":"FileClaim","claim_id":"jht-2","nik":"6310064203820002","programme":"JHT","benefit":"full","incident_date":"2021-12-31"}`)
	_, err = run(t, application, `{"command":"ApproveClaim","claim_id":"jht-2"}`)
	if domainError, ok := problem.As(err); !ok || domainError.Code != "jht_balance_empty" {
		t.Errorf("second JHT payout: got %v, want jht_balance_empty", err)
	}
	// Approving the first again is a retry: nothing new.
	if result := mustRun(t, application, `{"command":"ApproveClaim","claim_id":"jht-1"}`); len(result.Events) != 0 {
		t.Errorf("re-approval appended %d events", len(result.Events))
	}
}
