package app_test

import (
	"strings"
	"testing"

	"github.com/tanahbumbu/jaminan/adapters/eventstore/memory"
	"github.com/tanahbumbu/jaminan/domain/claim"
)

// The rules that hold over several claims (docs/rulebook.md#jkk, #scholarship,
// #jht), each through the command path. The member earns W = 3,000,000,
// enrolled in JKK, JKM and JHT from 2021-01-01.

const accidentLine = `{"command":"ReportAccident","accident_id":"acc-1","nik":"6310064203820002","date":"2024-06-03","reported_on":"2024-06-03"}`

func transportClaim(id, cost string) string {
	return `{"command":"FileClaim","claim_id":"` + id + `","nik":"6310064203820002","programme":"JKK","benefit":"transport","incident_date":"2024-06-03","details":{"transport_mode":"land","cost":"` + cost + `"}}`
}

// The land transport cap, 5,000,000, holds per accident: the claims on one
// accident share it; a rejected claim takes nothing off it.
func TestTransportCapIsPerAccident(t *testing.T) {
	tests := []struct {
		name   string
		costs  []string // one claim each, approved in order
		totals []string
	}{
		// 5,000,000 + 3,000,000 against 5,000,000: the second gets nothing.
		{"cap used up by the first claim", []string{"5000000", "3000000"}, []string{"5000000", "0"}},
		// 4,000,000, then 3,000,000 of which 1,000,000 is left under the cap.
		{"the rest of the cap", []string{"4000000", "3000000"}, []string{"4000000", "1000000"}},
		// 2,000,000 + 2,500,000 = 4,500,000: under the cap, all paid; then 1,000,000 of which 500,000 is left.
		{"three claims", []string{"2000000", "2500000", "1000000"}, []string{"2000000", "2500000", "500000"}},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			application := newApplication(t, memory.New())
			setUpMember(t, application)
			mustRun(t, application, accidentLine)
			// A rejected claim for the whole cap uses none of it.
			mustRun(t, application, transportClaim("t-rejected", "5000000"))
			mustRun(t, application, `{"command":"RejectClaim","claim_id":"t-rejected","reason":"kuitansi tidak sah"}`)
			for i, cost := range test.costs {
				id := "t-" + string(rune('1'+i))
				mustRun(t, application, transportClaim(id, cost))
				approved := decodeOnly[claim.Approved](t, application, mustRun(t, application, `{"command":"ApproveClaim","claim_id":"`+id+`"}`))
				if !approved.Total.Equal(rupiah(test.totals[i])) {
					t.Errorf("claim %s for %s: got %s, want %s", id, cost, approved.Total, test.totals[i])
				}
				if i > 0 && !strings.Contains(strings.Join(approved.Notes, "; "), "granted already (claim t-1") {
					t.Errorf("claim %s: notes %q do not name the earlier claims on the accident", id, approved.Notes)
				}
			}
		})
	}
}

// Total permanent disability is paid once per accident: a second claim is
// refused while the first stands, and accepted once it is rejected.
func TestTotalDisabilityOncePerAccident(t *testing.T) {
	application := newApplication(t, memory.New())
	setUpMember(t, application)
	mustRun(t, application, accidentLine)
	ctt := `{"command":"FileClaim","claim_id":"ID","nik":"6310064203820002","programme":"JKK","benefit":"total_disability","incident_date":"2024-06-03"}`
	mustRun(t, application, strings.Replace(ctt, "ID", "ctt-1", 1))
	_, err := run(t, application, strings.Replace(ctt, "ID", "ctt-2", 1))
	wantCode(t, err, "benefit_already_claimed")
	mustRun(t, application, `{"command":"RejectClaim","claim_id":"ctt-1","reason":"surat dokter belum ada"}`)
	mustRun(t, application, strings.Replace(ctt, "ID", "ctt-2", 1))
}

// Total permanent disability brings the scholarship as for death, once the
// disability claim is approved. CTT with W = 3,000,000: 56 × 3,000,000 +
// 12,000,000 = 180,000,000; one child entering SD: 84,000,000 (worked example 11).
func TestScholarshipAfterTotalDisability(t *testing.T) {
	application := newApplication(t, memory.New())
	setUpMember(t, application)
	mustRun(t, application, accidentLine)
	mustRun(t, application, `{"command":"FileClaim","claim_id":"ctt-1","nik":"6310064203820002","programme":"JKK","benefit":"total_disability","incident_date":"2024-06-03"}`)
	scholarship := `{"command":"FileClaim","claim_id":"b-1","nik":"6310064203820002","programme":"SCHOLARSHIP","benefit":"scholarship","incident_date":"2024-06-03","details":{"children":[{"name":"Fikri","birth_date":"2017-08-21","level":"SD","grade":1}]}}`
	_, err := run(t, application, scholarship)
	wantCode(t, err, "death_not_reported") // the disability is not approved yet
	disability := decodeOnly[claim.Approved](t, application, mustRun(t, application, `{"command":"ApproveClaim","claim_id":"ctt-1"}`))
	if !disability.Total.Equal(rupiah("180000000")) {
		t.Fatalf("CTT: got %s, want 180000000", disability.Total)
	}
	mustRun(t, application, scholarship)
	approved := decodeOnly[claim.Approved](t, application, mustRun(t, application, `{"command":"ApproveClaim","claim_id":"b-1"}`))
	if !approved.Total.Equal(rupiah("84000000")) || len(approved.Tranches) != 17 {
		t.Errorf("scholarship after CTT: got %s in %d tranches, want 84000000 in 17", approved.Total, len(approved.Tranches))
	}
	if approved.Eligibility.MembershipMonths != 41 { // 2021-01-01 to 2024-06-03
		t.Errorf("eligibility: %+v", approved.Eligibility)
	}
}

// A rejected claim uses up no once-only right: the death claim filed for the
// wrong heir, or the one partial JHT withdrawal.
func TestARejectedClaimUsesUpNoOnceOnlyRight(t *testing.T) {
	t.Run("JKM death, wrong heir", func(t *testing.T) {
		application := newApplication(t, memory.New())
		setUpMember(t, application)
		mustRun(t, application, `{"command":"ReportDeath","nik":"6310064203820002","date":"2024-03-10","cause":"other"}`)
		death := `{"command":"FileClaim","claim_id":"ID","nik":"6310064203820002","programme":"JKM","benefit":"death","incident_date":"2024-03-10","heir":{"name":"NAME","relationship":"REL"}}`
		mustRun(t, application, strings.NewReplacer("ID", "jkm-1", "NAME", "Rahmat", "REL", "parent").Replace(death))
		_, err := run(t, application, strings.NewReplacer("ID", "jkm-2", "NAME", "Muhammad Ridwan", "REL", "spouse").Replace(death))
		wantCode(t, err, "death_already_claimed") // while the first stands
		mustRun(t, application, `{"command":"RejectClaim","claim_id":"jkm-1","reason":"ahli waris bukan urutan pertama: ada suami"}`)
		mustRun(t, application, strings.NewReplacer("ID", "jkm-2", "NAME", "Muhammad Ridwan", "REL", "spouse").Replace(death))
		// Worked example 1: 20,000,000 + 12,000,000 + 10,000,000.
		approved := decodeOnly[claim.Approved](t, application, mustRun(t, application, `{"command":"ApproveClaim","claim_id":"jkm-2"}`))
		if !approved.Total.Equal(rupiah("42000000")) {
			t.Errorf("JKM: got %s, want 42000000", approved.Total)
		}
		_, err = run(t, application, strings.NewReplacer("ID", "jkm-3", "NAME", "Nur", "REL", "child").Replace(death))
		wantCode(t, err, "death_already_claimed") // the approved one holds the right
	})
	t.Run("partial JHT", func(t *testing.T) {
		application := newApplication(t, memory.New())
		mustRun(t, application, payerLine)
		mustRun(t, application, memberLine)
		mustRun(t, application, `{"command":"Enroll","nik":"6310064203820002","programmes":["JKK","JKM","JHT"],"effective_date":"2015-07-01","wage":"3000000"}`)
		partial := `{"command":"FileClaim","claim_id":"ID","nik":"6310064203820002","programme":"JHT","benefit":"partial_10","incident_date":"2025-08-01"}`
		mustRun(t, application, strings.Replace(partial, "ID", "jht-p1", 1))
		_, err := run(t, application, strings.Replace(partial, "ID", "jht-p2", 1))
		wantCode(t, err, "partial_taken") // while the first is open
		mustRun(t, application, `{"command":"RejectClaim","claim_id":"jht-p1","reason":"formulir tidak lengkap"}`)
		mustRun(t, application, strings.Replace(partial, "ID", "jht-p2", 1))
	})
}

// A scholarship decision explains every child left out, in the order filed,
// and numbers the children as filed: worked example 11's two children (SMA
// entry 9,000,000 + 60,000,000; university entry 60,000,000) = 129,000,000,
// filed after a child over 23 and before a third under 23 and a toddler.
func TestScholarshipExplainsEveryExclusionInFiledOrder(t *testing.T) {
	application := newApplication(t, memory.New())
	setUpMember(t, application)
	mustRun(t, application, `{"command":"ReportAccident","accident_id":"acc-1","nik":"6310064203820002","date":"2024-11-04","reported_on":"2024-11-05"}`)
	mustRun(t, application, `{"command":"ReportDeath","nik":"6310064203820002","date":"2024-11-04","cause":"work_accident","accident_id":"acc-1"}`)
	mustRun(t, application, `{"command":"FileClaim","claim_id":"b-1","nik":"6310064203820002","programme":"SCHOLARSHIP","benefit":"scholarship","incident_date":"2024-11-04","heir":{"name":"Muhammad Ridwan","relationship":"spouse"},"details":{"children":[`+
		`{"name":"Rahmat","birth_date":"2000-01-10","level":"university","grade":1},`+
		`{"name":"Nur","birth_date":"2008-05-14","level":"SMA","grade":1},`+
		`{"name":"Fikri","birth_date":"2005-08-21","level":"university","grade":1},`+
		`{"name":"Aisyah","birth_date":"2012-02-02","level":"SMP","grade":1}]}}`)
	approved := decodeOnly[claim.Approved](t, application, mustRun(t, application, `{"command":"ApproveClaim","claim_id":"b-1"}`))
	if !approved.Total.Equal(rupiah("129000000")) {
		t.Errorf("total: got %s, want 129000000", approved.Total)
	}
	var codes []string
	for _, component := range approved.Components {
		codes = append(codes, component.Code+" "+component.LabelEN)
	}
	if want := "scholarship_child_2 Scholarship, child 2|scholarship_child_3 Scholarship, child 3"; strings.Join(codes, "|") != want {
		t.Errorf("components: got %q, want %q", strings.Join(codes, "|"), want)
	}
	notes := strings.Join(approved.Notes, "|")
	want := []string{"Rahmat is 24 at the incident, not under 23: no scholarship", "Aisyah is left out: at most 2 children receive the scholarship"}
	if len(approved.Notes) != 2 || !strings.Contains(notes, want[0]) || strings.Index(notes, want[0]) > strings.Index(notes, want[1]) {
		t.Errorf("notes: got %q, want %q in that order", approved.Notes, want)
	}
}

// The full JHT balance is paid at the rule book's JHT age
// (participation.jht_age_years), not at a number in the code: the member,
// born 1982-03-02, is 44 on 2026-03-02.
func TestFullJHTFollowsTheJHTAgeKey(t *testing.T) {
	for _, test := range []struct {
		name string
		age  int // 0: the rule book as shipped (56)
		code string
	}{
		{"at 44 under the shipped 56", 0, "not_eligible"},
		{"at 44 with jht_age_years 44", 44, ""},
	} {
		t.Run(test.name, func(t *testing.T) {
			library := libraryFrom(t, nil)
			if test.age != 0 {
				library = libraryFrom(t, func(book map[string]any) { book["participation"].(map[string]any)["jht_age_years"] = test.age })
			}
			application := newApplicationWith(t, memory.New(), library)
			setUpMember(t, application)
			_, err := run(t, application, `{"command":"FileClaim","claim_id":"jht-1","nik":"6310064203820002","programme":"JHT","benefit":"full","incident_date":"2026-03-02"}`)
			if test.code == "" && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if test.code != "" {
				wantCode(t, err, test.code)
			}
		})
	}
}

// A JKK death claim names the accident: its incident date may be the
// accident's (the wage base of that month) or the death's, nothing else.
// W = 3,000,000 in June 2024, 4,000,000 from 2024-07-01; death 2024-08-20:
// 48 × 3,000,000 = 144,000,000 + 12,000,000 + 10,000,000 = 166,000,000
// (the lump sum is above the JKM 20,000,000, so the floor does not apply).
func TestJKKDeathNamesTheAccident(t *testing.T) {
	for _, test := range []struct {
		incident, code, total string
	}{
		{"2024-06-03", "", "166000000"},
		{"2024-08-20", "", "214000000"}, // 48 × 4,000,000 = 192,000,000 + 22,000,000
		{"2024-07-01", "wrong_date", ""},
	} {
		t.Run(test.incident, func(t *testing.T) {
			application := newApplication(t, memory.New())
			setUpMember(t, application)
			mustRun(t, application, accidentLine)
			mustRun(t, application, `{"command":"ChangeWage","nik":"6310064203820002","effective_date":"2024-07-01","wage":"4000000"}`)
			mustRun(t, application, `{"command":"ReportDeath","nik":"6310064203820002","date":"2024-08-20","cause":"work_accident","accident_id":"acc-1"}`)
			_, err := run(t, application, `{"command":"FileClaim","claim_id":"jkk-1","nik":"6310064203820002","programme":"JKK","benefit":"death","incident_date":"`+test.incident+`","heir":{"name":"Muhammad Ridwan","relationship":"spouse"}}`)
			if test.code != "" {
				wantCode(t, err, test.code)
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			approved := decodeOnly[claim.Approved](t, application, mustRun(t, application, `{"command":"ApproveClaim","claim_id":"jkk-1"}`))
			if !approved.Total.Equal(rupiah(test.total)) {
				t.Errorf("total: got %s, want %s", approved.Total, test.total)
			}
		})
	}
}

// Permanent partial disability on the doctor's assessed percentage alone:
// 10 % × 80 × 3,000,000 = 24,000,000, said so in the decision.
func TestPartialDisabilityOnTheAssessedPercentage(t *testing.T) {
	application := newApplication(t, memory.New())
	setUpMember(t, application)
	mustRun(t, application, accidentLine)
	mustRun(t, application, `{"command":"FileClaim","claim_id":"k","nik":"6310064203820002","programme":"JKK","benefit":"partial_disability","incident_date":"2024-06-03","details":{"disability_percent":"10"}}`)
	approved := decodeOnly[claim.Approved](t, application, mustRun(t, application, `{"command":"ApproveClaim","claim_id":"k"}`))
	if !approved.Total.Equal(rupiah("24000000")) {
		t.Errorf("total: got %s, want 24000000", approved.Total)
	}
	if !strings.Contains(strings.Join(approved.Notes, "; "), "assessed by the doctor") || !strings.Contains(approved.Components[0].LabelEN, "assessed percentage") {
		t.Errorf("explanation: %q / %q", approved.Components[0].LabelEN, approved.Notes)
	}
}
