package app_test

import (
	"context"
	"testing"

	"github.com/tanahbumbu/jaminan/adapters/eventstore/memory"
	"github.com/tanahbumbu/jaminan/domain/payer"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if domainError, ok := problem.As(err); !ok || domainError.Code != code {
		t.Errorf("got %v, want %s", err, code)
	}
}

// Nothing is edited: a wrong payment is reversed by an event naming it; a
// reversal is never reversed; a closed month takes corrections only through an open one.
func TestCorrections(t *testing.T) {
	ctx := context.Background()
	application := newApplication(t, memory.New())
	setUpMember(t, application)
	for _, period := range []string{"2024-02", "2024-03"} {
		mustRun(t, application, `{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"`+period+`"}`)
	}
	payment := mustRun(t, application, `{"command":"RecordPayment","payment_id":"pay-x","payer_id":"desa-pakatellu","amount":"200000","paid_on":"2024-03-10","bank_reference":"BPD-X","period":"2024-02"}`)
	paymentEventID := payment.Events[0].EventID.String()

	reversal := mustRun(t, application, `{"command":"Reverse","event_id":"`+paymentEventID+`","reason":"duplicate_entry","note":"entered twice from the bank statement"}`)
	reversed := decodeOnly[payer.PaymentReversed](t, application, reversal)
	if !reversed.Amount.Equal(rupiah("200000")) || !reversed.Credit.Equal(rupiah("12800")) || reversed.Allocations[0].Period.String() != "2024-02" {
		t.Errorf("reversal: got %+v, want 200000 with 187200 off 2024-02 and the 12800 credit", reversed)
	}
	state, err := application.LoadPayer(ctx, "desa-pakatellu")
	if err != nil {
		t.Fatal(err)
	}
	if !state.Bills[reversed.Allocations[0].Period].Outstanding().Equal(rupiah("187200")) || !state.Credit.IsZero() {
		t.Errorf("after reversal: outstanding %s credit %s, want 187200 and 0", state.Bills[reversed.Allocations[0].Period].Outstanding(), state.Credit)
	}
	if again := mustRun(t, application, `{"command":"Reverse","event_id":"`+paymentEventID+`","reason":"duplicate_entry"}`); len(again.Events) != 0 {
		t.Error("reversing twice appended")
	}
	_, err = run(t, application, `{"command":"Reverse","event_id":"`+reversal.Events[0].EventID.String()+`","reason":"other"}`)
	wantCode(t, err, "reversal_of_reversal")
	_, err = run(t, application, `{"command":"Reverse","event_id":"00000000-0000-4000-8000-000000000000","reason":"other"}`)
	wantCode(t, err, "event_not_found")

	// A closed month: the payment to it is reversed only into an open month.
	second := mustRun(t, application, `{"command":"RecordPayment","payment_id":"pay-y","payer_id":"desa-pakatellu","amount":"187200","paid_on":"2024-03-11","bank_reference":"BPD-Y","period":"2024-02"}`)
	mustRun(t, application, `{"command":"ClosePeriod","payer_id":"desa-pakatellu","period":"2024-02"}`)
	_, err = run(t, application, `{"command":"Reverse","event_id":"`+second.Events[0].EventID.String()+`","reason":"wrong_amount"}`)
	wantCode(t, err, "period_closed")
	_, err = run(t, application, `{"command":"RecordPayment","payment_id":"pay-z","payer_id":"desa-pakatellu","amount":"1","paid_on":"2024-04-01","bank_reference":"BPD-Z","period":"2024-02"}`)
	wantCode(t, err, "period_closed")
	posted := decodeOnly[payer.PaymentReversed](t, application, mustRun(t, application,
		`{"command":"Reverse","event_id":"`+second.Events[0].EventID.String()+`","reason":"wrong_amount","post_to_period":"2024-03"}`))
	if posted.Allocations[0].Period.String() != "2024-03" {
		t.Errorf("correction posted to %s, want the open month 2024-03", posted.Allocations[0].Period)
	}
	// Only payments and payouts are reversed.
	_, err = run(t, application, `{"command":"Reverse","event_id":"`+payment.Events[0].EventID.String()[:8]+`","reason":"other"}`)
	wantCode(t, err, "invalid_event_id")
}
