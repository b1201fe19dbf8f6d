package projections

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/claim"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/domain/participant"
	"github.com/tanahbumbu/jaminan/domain/payer"
)

func rupiah(text string) command.Money {
	return command.Money{Decimal: decimal.RequireFromString(text)}
}

// Worked example 7 of the rule book: PU, risk class 1, W = 3,000,000.
func assessedExample() *payer.ContributionsAssessed {
	line := payer.BillLine{ParticipantID: "p-1", Segment: "PU", WageBase: rupiah("3000000"), Total: rupiah("187200"), Lines: []payer.ContributionLine{
		{Programme: "JKK", Employer: rupiah("7200"), Worker: rupiah("0"), Total: rupiah("7200")},
		{Programme: "JKM", Employer: rupiah("9000"), Worker: rupiah("0"), Total: rupiah("9000")},
		{Programme: "JHT", Employer: rupiah("111000"), Worker: rupiah("60000"), Total: rupiah("171000")},
	}}
	bpu := payer.BillLine{ParticipantID: "p-2", Segment: "BPU", Total: rupiah("16800"), Lines: []payer.ContributionLine{
		{Programme: "JKK", Total: rupiah("10000"), Employer: rupiah("10000"), Worker: rupiah("0")},
		{Programme: "JKM", Total: rupiah("6800"), Employer: rupiah("6800"), Worker: rupiah("0")},
	}}
	return &payer.ContributionsAssessed{Period: calendar.NewPeriod(2024, 3), Lines: []payer.BillLine{line, bpu}, Total: rupiah("204000")}
}

func TestPostingsBalanceAndNameTheirAccounts(t *testing.T) {
	claims := map[string]claimRef{
		"jht-1":  {ParticipantID: "p-1", PayerID: "desa", Programme: "JHT"},
		"jkk-1":  {ParticipantID: "p-1", PayerID: "desa", Programme: "JKK"},
		"bea-1":  {ParticipantID: "p-1", PayerID: "desa", Programme: "SCHOLARSHIP"},
		"unused": {},
	}
	allocations := []payer.Allocation{{Period: calendar.NewPeriod(2024, 3), Amount: rupiah("204000")}}
	tests := []struct {
		name   string
		stream string
		event  event.Event
		want   []string // account:debit:credit
	}{
		{"bill", "payer-desa", assessedExample(), []string{"contributions_receivable:desa:204000:0", "contribution_income:JKK:0:17200",
			"contribution_income:JKM:0:15800", "jht_liability:p-1:0:171000"}},
		{"payment with credit", "payer-desa", &payer.PaymentReceived{PaymentID: "pay-1", Amount: rupiah("250000"), Allocations: allocations, Credit: rupiah("46000")},
			[]string{"cash_at_bank:250000:0", "contributions_receivable:desa:0:204000", "payer_credit:desa:0:46000"}},
		{"penalty", "payer-desa", &payer.LatePenaltyAssessed{PaymentID: "pay-1", Amount: rupiah("4080")},
			[]string{"penalty_receivable:desa:4080:0", "penalty_income:0:4080"}},
		{"payment reversed", "payer-desa", &payer.PaymentReversed{PaymentID: "pay-1", Amount: rupiah("250000"), Allocations: allocations, Credit: rupiah("46000"), Penalties: rupiah("4080")},
			[]string{"cash_at_bank:0:250000", "contributions_receivable:desa:204000:0", "payer_credit:desa:46000:0", "penalty_income:4080:0", "penalty_receivable:desa:0:4080"}},
		{"jht return", "participant-p-1", &participant.JHTReturnCredited{Year: 2024, Amount: rupiah("11500")},
			[]string{"jht_development_return:11500:0", "jht_liability:p-1:0:11500"}},
		{"jht debit posts nothing", "participant-p-1", &participant.JHTDebited{ClaimID: "jht-1", Amount: rupiah("2000000")}, nil},
		{"jkk approved", "claim-jkk-1", &claim.Approved{Total: rupiah("231000000")}, []string{"benefit_expense:JKK:231000000:0", "benefits_payable:JKK:0:231000000"}},
		{"jht approved", "claim-jht-1", &claim.Approved{Total: rupiah("2514336")}, []string{"jht_liability:p-1:2514336:0", "benefits_payable:JHT:0:2514336"}},
		{"scholarship approved", "claim-bea-1", &claim.Approved{Total: rupiah("50000000")}, []string{"benefit_expense:SCHOLARSHIP:50000000:0", "scholarship_commitments:0:50000000"}},
		{"payout", "claim-jkk-1", &claim.PayoutRecorded{PayoutID: "po-1", Amount: rupiah("231000000")}, []string{"benefits_payable:JKK:231000000:0", "cash_at_bank:0:231000000"}},
		{"scholarship payout", "claim-bea-1", &claim.PayoutRecorded{PayoutID: "po-2", Amount: rupiah("14000000"), SchoolYear: 2024},
			[]string{"scholarship_commitments:14000000:0", "cash_at_bank:0:14000000"}},
		{"payout reversed", "claim-jkk-1", &claim.PayoutReversed{PayoutID: "po-1", Amount: rupiah("231000000")}, []string{"cash_at_bank:231000000:0", "benefits_payable:JKK:0:231000000"}},
		{"tranche skipped", "claim-bea-1", &claim.TrancheSkipped{SchoolYear: 2025, Amount: rupiah("2000000")},
			[]string{"scholarship_commitments:2000000:0", "benefit_expense:SCHOLARSHIP:0:2000000"}},
		{"filing posts nothing", "claim-jkk-1", &claim.Filed{ClaimID: "jkk-1"}, nil},
	}
	for _, test := range tests {
		entries, err := postings(test.stream, test.event, claims)
		if err != nil {
			t.Errorf("%s: %v", test.name, err)
			continue
		}
		var got []string
		for _, entry := range entries {
			got = append(got, entry.Account+":"+entry.Debit.String()+":"+entry.Credit.String())
			if entry.Memo == "" {
				t.Errorf("%s: entry to %s has no memo", test.name, entry.Account)
			}
		}
		if strings.Join(got, " ") != strings.Join(test.want, " ") {
			t.Errorf("%s:\n got %v\nwant %v", test.name, got, test.want)
		}
	}
}

// The negative space: an event whose amounts do not add up is refused, and a
// claim event without its filing is an error, never a silent skip.
func TestPostingsRefuseWhatDoesNotBalance(t *testing.T) {
	wrong := assessedExample()
	wrong.Total = rupiah("204000.01")
	if _, err := postings("payer-desa", wrong, nil); err == nil || !strings.Contains(err.Error(), "do not balance") {
		t.Errorf("bill whose total is not the sum of its lines: got %v, want an error that the entries do not balance", err)
	}
	payment := &payer.PaymentReceived{PaymentID: "p", Amount: rupiah("100"), Credit: rupiah("1")}
	if _, err := postings("payer-desa", payment, nil); err == nil {
		t.Error("payment whose allocations and credit do not make its amount: got no error")
	}
	if _, err := postings("claim-x", &claim.Approved{Total: rupiah("1")}, map[string]claimRef{}); err == nil {
		t.Error("approval of a claim never filed: got no error")
	}
	if err := balanced([]posting{{Account: "a", Debit: decimal.NewFromInt(-5)}, {Account: "b", Credit: decimal.NewFromInt(-5)}}); err == nil {
		t.Error("negative entries: got no error")
	}
}

// TestControlAccountRollsUpPayersAndMembersOnly: the trial balance's account
// of every kind the postings name.
func TestControlAccountRollsUpPayersAndMembersOnly(t *testing.T) {
	tests := []struct{ account, control string }{
		{accountReceivable("desa-pakatellu"), "contributions_receivable"},
		{accountPayerCredit("desa-pakatellu"), "payer_credit"},
		{accountPenaltyReceivable("desa-pakatellu"), "penalty_receivable"},
		{accountJHTLiability("01J9Z3"), "jht_liability"},
		{accountJHTLiability("a:b"), "jht_liability"}, // an id with a colon stays under its kind
		{accountIncome("JKK"), "contribution_income:JKK"},
		{accountBenefitExpense("JKM"), "benefit_expense:JKM"},
		{accountBenefitsPayable("SCHOLARSHIP"), "benefits_payable:SCHOLARSHIP"},
		{AccountCash, AccountCash},
		{AccountPenaltyIncome, AccountPenaltyIncome},
		{AccountScholarshipCommitments, AccountScholarshipCommitments},
		{AccountJHTReturn, AccountJHTReturn},
		{"jht_liability", "jht_liability"},
	}
	for _, test := range tests {
		if got := controlAccount(test.account); got != test.control {
			t.Errorf("controlAccount(%q) = %q, want %q", test.account, got, test.control)
		}
	}
}
