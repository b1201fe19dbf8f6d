package app_test

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/tanahbumbu/jaminan/adapters/eventstore/memory"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/claim"
	"github.com/tanahbumbu/jaminan/domain/participant"
	"github.com/tanahbumbu/jaminan/domain/rules"
)

// The rule-book keys whose rule is applied outside domain/rules are proved
// here, through the command path: changing the key changes the outcome, and
// changing a neighbouring key does not (domain/rules' TestChangingEachKey
// ChangesItsRule covers the keys applied inside the rules package).

// libraryWith is the embedded rule book with every full version edited.
func libraryWith(t *testing.T, edit func(version map[string]any)) *rules.Library {
	t.Helper()
	return libraryFrom(t, func(book map[string]any) {
		for _, version := range book["versions"].([]any) {
			if version.(map[string]any)["scope"] == "full" {
				edit(version.(map[string]any))
			}
		}
	})
}

// libraryFrom is the embedded rule book (rulebook.json) edited as a whole; nil edits nothing.
func libraryFrom(t *testing.T, edit func(book map[string]any)) *rules.Library {
	t.Helper()
	data, err := os.ReadFile("../domain/rules/rulebook.json")
	if err != nil {
		t.Fatal(err)
	}
	var book map[string]any
	if err := json.Unmarshal(data, &book); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(book)
	}
	edited, err := json.Marshal(book)
	if err != nil {
		t.Fatal(err)
	}
	library, err := rules.Parse(edited)
	if err != nil {
		t.Fatal(err)
	}
	return library
}

func arrears(key string, months int) func(map[string]any) {
	return func(version map[string]any) { version["arrears"].(map[string]any)[key] = months }
}

// keyCase is one edit of the rule book's full versions and what its rule should then give.
type keyCase[W any] struct {
	name string
	edit func(version map[string]any)
	want W
}

// eachKeyCase runs check on an application over the rule book as each case edits it.
func eachKeyCase[W any](t *testing.T, cases []keyCase[W], check func(t *testing.T, application *app.Application, want W)) {
	t.Helper()
	for _, test := range cases {
		t.Run(test.name, func(t *testing.T) {
			check(t, newApplicationWith(t, memory.New(), libraryWith(t, test.edit)), test.want)
		})
	}
}

// unchanged is the rule book as it is.
func unchanged(map[string]any) {}

const (
	selfPayerLine = `{"command":"RegisterPayer","payer_id":"self-rudi","name":"Rudi","kind":"self","risk_class":1}`
	rudiLine      = `{"command":"RegisterParticipant","nik":"6310010101900001","name":"Rudi","birth_date":"1990-01-01","category":"pekerja_rentan","segment":"BPU","kecamatan":"Angsana","desa":"Bunati","payer_id":"self-rudi"}`
	rudiEnroll    = `{"command":"Enroll","nik":"6310010101900001","programmes":["JKK","JKM"],"effective_date":"2024-01-01","declared_income":"1000000"}`
)

// arrears.bpu_inactive_after_unpaid_months: a non-wage earner lapses after that
// many consecutive unpaid months (3 in the rule book); arrears.grace_months
// (employer arrears, PU) has no say in it.
// want: the first period the lapse is recorded before.
func TestBPULapseFollowsItsOwnKey(t *testing.T) {
	eachKeyCase(t, []keyCase[string]{
		{"the rule book: 3 unpaid months", unchanged, "2024-04"},
		{"bpu_inactive_after_unpaid_months 2", arrears("bpu_inactive_after_unpaid_months", 2), "2024-03"},
		{"grace_months 1 leaves the BPU lapse at 3", arrears("grace_months", 1), "2024-04"},
	}, func(t *testing.T, application *app.Application, lapseFrom string) {
		for _, line := range []string{selfPayerLine, rudiLine, rudiEnroll} {
			mustRun(t, application, line)
		}
		lapsedAt := ""
		for _, period := range []string{"2024-01", "2024-02", "2024-03", "2024-04"} {
			result, err := run(t, application, `{"command":"AssessContributions","payer_id":"self-rudi","period":"`+period+`"}`)
			if err != nil {
				t.Fatalf("%s: %v", period, err)
			}
			for _, recorded := range result.Events {
				if recorded.Type == (participant.MembershipInactive{}).EventType() {
					lapsedAt = period
				}
			}
			if lapsedAt != "" {
				break // an inactive member is not billed: nothing more to assess
			}
		}
		if lapsedAt != lapseFrom {
			t.Errorf("the membership lapsed from %q, want %s", lapsedAt, lapseFrom)
		}
	})
}

// arrears.bpu_back_payment_months_max: a non-wage earner's month may be paid at
// most that many months back (3); January paid on 1 March is 2 months back.
// want: whether the payment is accepted.
func TestBPUBackPaymentFollowsItsOwnKey(t *testing.T) {
	eachKeyCase(t, []keyCase[bool]{
		{"the rule book: 3 months back", unchanged, true},
		{"bpu_back_payment_months_max 1", arrears("bpu_back_payment_months_max", 1), false},
		{"grace_months 1 leaves the BPU window at 3", arrears("grace_months", 1), true},
	}, func(t *testing.T, application *app.Application, want bool) {
		for _, line := range []string{selfPayerLine, rudiLine, rudiEnroll, `{"command":"AssessContributions","payer_id":"self-rudi","period":"2024-01"}`} {
			mustRun(t, application, line)
		}
		_, err := run(t, application, `{"command":"RecordPayment","payment_id":"p-jan","payer_id":"self-rudi","amount":"16800","paid_on":"2024-03-01","bank_reference":"B","period":"2024-01"}`)
		if accepted := err == nil; accepted != want {
			t.Fatalf("paying January on 2024-03-01: accepted = %v (%v), want %v", accepted, err, want)
		}
		if !want {
			wantCode(t, err, "arrears_too_old")
		}
	})
}

// arrears.grace_months: with employer arrears above it (4 unpaid months at the
// accident against 3), the employer pays the benefit first; at 4 BPJS pays.
// want: who pays the benefit first.
func TestEmployerArrearsGraceFollowsItsKey(t *testing.T) {
	eachKeyCase(t, []keyCase[string]{
		{"the rule book: grace 3", unchanged, "employer"},
		{"grace_months 4", arrears("grace_months", 4), "bpjs"},
		{"bpu_inactive_after_unpaid_months 1 leaves PU alone", arrears("bpu_inactive_after_unpaid_months", 1), "employer"},
	}, func(t *testing.T, application *app.Application, paidFirstBy string) {
		setUpMember(t, application)
		for _, period := range []string{"2024-01", "2024-02", "2024-03", "2024-04"} {
			mustRun(t, application, `{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"`+period+`"}`)
		}
		mustRun(t, application, `{"command":"ReportAccident","accident_id":"a","nik":"6310064203820002","date":"2024-06-03","reported_on":"2024-06-03"}`)
		mustRun(t, application, `{"command":"FileClaim","claim_id":"k","nik":"6310064203820002","programme":"JKK","benefit":"medical","incident_date":"2024-06-03","details":{"cost":"1000000"}}`)
		approved := decodeOnly[claim.Approved](t, application, mustRun(t, application, `{"command":"ApproveClaim","claim_id":"k"}`))
		if approved.Eligibility.ArrearsMonths != 4 || approved.Eligibility.PaidFirstBy != paidFirstBy {
			t.Errorf("eligibility: %d months of arrears, paid first by %s; want 4 and %s", approved.Eligibility.ArrearsMonths,
				approved.Eligibility.PaidFirstBy, paidFirstBy)
		}
	})
}

// benefits.jht.return_method: the JHT development return follows the method of
// the version in force at the year's end. W = 3,000,000 paid every month of
// 2021: JHT 171,000 a month, 5.63 % declared.
//   - average_month_end_balance (the rule book): 171,000 × (1 + … + 12) =
//     13,338,000 / 12 = 1,111,500; 5.63 % = 62,577.45 -> 62,577.
//   - average_month_start_balance: 171,000 × (0 + … + 11) = 11,286,000 / 12 =
//     940,500; 5.63 % = 52,950.15 -> 52,950.
func TestJHTReturnFollowsTheRuleBooksMethod(t *testing.T) {
	type returned struct{ method, average, amount string }
	method := func(name string) func(map[string]any) {
		return func(version map[string]any) {
			version["benefits"].(map[string]any)["jht"].(map[string]any)["return_method"] = name
		}
	}
	eachKeyCase(t, []keyCase[returned]{
		{"average_month_end_balance", method("average_month_end_balance"), returned{"average_month_end_balance", "1111500", "62577"}},
		{"average_month_start_balance", method("average_month_start_balance"), returned{"average_month_start_balance", "940500", "52950"}},
	}, func(t *testing.T, application *app.Application, test returned) {
		setUpMember(t, application)
		for month := 1; month <= 12; month++ {
			period := fmt.Sprintf("2021-%02d", month)
			mustRun(t, application, `{"command":"AssessContributions","payer_id":"desa-pakatellu","period":"`+period+`"}`)
			mustRun(t, application, `{"command":"RecordPayment","payment_id":"pay-`+period+`","payer_id":"desa-pakatellu","amount":"187200","paid_on":"`+period+`-10","bank_reference":"BPD","period":"`+period+`"}`)
		}
		result := mustRun(t, application, `{"command":"CreditJHTReturn","nik":"6310064203820002","year":2021,"rate_percent":"5.63","source":"BPJS Ketenagakerjaan, hasil pengembangan JHT 2021"}`)
		credited := decodeOnly[participant.JHTReturnCredited](t, application, result)
		if credited.Method != test.method || credited.RuleBook != "pp82-2019" || !credited.AverageBalance.Equal(rupiah(test.average)) || !credited.Amount.Equal(rupiah(test.amount)) {
			t.Errorf("return: %s by %s (%s) on %s, want %s by %s (pp82-2019) on %s", credited.Amount, credited.Method, credited.RuleBook,
				credited.AverageBalance, test.amount, test.method, test.average)
		}
		if result.Events[0].Metadata.RuleBook != "pp82-2019" {
			t.Errorf("the event's metadata names rule book %q, want pp82-2019", result.Events[0].Metadata.RuleBook)
		}
	})
}

// participation.minimum_age_years and jht_age_years bound the age at
// enrollment (18 to under 56); wage_base_limits bound the wage (PU from 100,000).
func TestEnrollmentFollowsTheParticipationAndWageKeys(t *testing.T) {
	tests := []struct {
		name      string
		file      func(book map[string]any)
		birthDate string
		wage      string
		code      string // "" when accepted
	}{
		{"17 years old: too young", nil, "2007-01-01", "3000000", "too_young"},
		{"17 years old, minimum_age_years 17", func(book map[string]any) {
			book["participation"].(map[string]any)["minimum_age_years"] = 17
		}, "2007-01-01", "3000000", ""},
		{"56 years old: too old", nil, "1968-01-01", "3000000", "too_old"},
		{"56 years old, jht_age_years 57", func(book map[string]any) { book["participation"].(map[string]any)["jht_age_years"] = 57 }, "1968-01-01", "3000000", ""},
		{"a wage of 90,000: below the PU minimum", nil, "1982-03-02", "90000", "wage_out_of_range"},
		{"a wage of 90,000, PU minimum 50,000", func(book map[string]any) {
			for _, version := range book["versions"].([]any) {
				if limits, ok := version.(map[string]any)["wage_base_limits"].(map[string]any); ok {
					limits["PU"].(map[string]any)["minimum"] = "50000.00"
				}
			}
		}, "1982-03-02", "90000", ""},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			application := newApplicationWith(t, memory.New(), libraryFrom(t, test.file))
			mustRun(t, application, payerLine)
			mustRun(t, application, `{"command":"RegisterParticipant","nik":"6310064203820002","name":"Halimatus","birth_date":"`+test.birthDate+`","category":"perangkat_desa","segment":"PU","kecamatan":"Kusan Tengah","desa":"Pakatellu","payer_id":"desa-pakatellu"}`)
			_, err := run(t, application, `{"command":"Enroll","nik":"6310064203820002","programmes":["JKK","JKM"],"effective_date":"2024-06-01","wage":"`+test.wage+`"}`)
			if test.code == "" && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if test.code != "" {
				wantCode(t, err, test.code)
			}
		})
	}
}
