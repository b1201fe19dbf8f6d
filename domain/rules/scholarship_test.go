package rules

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

type childWant struct {
	tranches    int
	first, last Tranche // SchoolYear, Level, Grade, Amount
	total       string
}

func checkPlan(t *testing.T, name string, got Plan, want []childWant, total string) {
	t.Helper()
	if len(got.Children) != len(want) {
		t.Fatalf("%s: %d children, want %d (notes %v)", name, len(got.Children), len(want), got.Notes)
	}
	for i, w := range want {
		g := got.Children[i]
		if len(g.Tranches) != w.tranches || !g.Total.Equal(rupiah(w.total)) {
			t.Errorf("%s child %d: %d tranches, total %s; want %d, %s", name, i, len(g.Tranches), g.Total, w.tranches, w.total)
			continue
		}
		for _, pair := range [][2]Tranche{{g.Tranches[0], w.first}, {g.Tranches[len(g.Tranches)-1], w.last}} {
			if pair[0].SchoolYear != pair[1].SchoolYear || pair[0].Level != pair[1].Level || pair[0].Grade != pair[1].Grade || !pair[0].Amount.Equal(pair[1].Amount) {
				t.Errorf("%s child %d: tranche %+v, want %+v", name, i, pair[0], pair[1])
			}
		}
	}
	if !got.Total.Equal(rupiah(total)) {
		t.Errorf("%s: total %s, want %s", name, got.Total, total)
	}
}

func TestWorkedExample11Scholarship(t *testing.T) {
	book := bookOn(t, Default(), "2024-03-10")
	incident := date(t, "2024-03-10")
	// One child entering SD: 6 × 1,500,000 + 3 × 2,000,000 + 3 × 3,000,000 + 5 × 12,000,000 = 84,000,000.
	one, err := book.ScholarshipPlan([]Child{{Name: "Aisyah", BirthDate: date(t, "2017-05-01"), Level: "SD", Grade: 1}}, 2024, incident)
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, "one child entering SD", one, []childWant{{17,
		Tranche{2024, "SD", 1, rupiah("1500000")}, Tranche{2040, "university", 5, rupiah("12000000")}, "84000000"}}, "84000000")
	sums := map[string]decimal.Decimal{}
	for _, tranche := range one.Children[0].Tranches {
		sums[tranche.Level] = sums[tranche.Level].Add(tranche.Amount)
	}
	for level, want := range map[string]string{"SD": "9000000", "SMP": "6000000", "SMA": "9000000", "university": "60000000"} {
		if !sums[level].Equal(rupiah(want)) {
			t.Errorf("%s: %s, want %s", level, sums[level], want)
		}
	}

	// Two children: one entering SMA (9,000,000 + 60,000,000), one entering university (60,000,000): 129,000,000.
	two, err := book.ScholarshipPlan([]Child{
		{Name: "Rahmat", BirthDate: date(t, "2008-02-01"), Level: "SMA", Grade: 1},
		{Name: "Siti", BirthDate: date(t, "2006-05-01"), Level: "university", Grade: 1},
	}, 2024, incident)
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, "two children", two, []childWant{
		{8, Tranche{2024, "SMA", 1, rupiah("3000000")}, Tranche{2031, "university", 5, rupiah("12000000")}, "69000000"},
		{5, Tranche{2024, "university", 1, rupiah("12000000")}, Tranche{2028, "university", 5, rupiah("12000000")}, "60000000"},
	}, "129000000")
}

func TestScholarshipChildren(t *testing.T) {
	book := bookOn(t, Default(), "2024-03-10")
	incident := date(t, "2024-03-10")
	plan, err := book.ScholarshipPlan([]Child{
		{Name: "Budi", BirthDate: date(t, "2000-01-01"), Level: "university", Grade: 5}, // 24 at the incident
		{Name: "Rahmat", BirthDate: date(t, "2008-02-01"), Level: "SMA", Grade: 3},
		{Name: "Nur", BirthDate: date(t, "2012-08-01"), Level: "SMP", Grade: 1},
		{Name: "Dewi", BirthDate: date(t, "2015-08-01"), Level: "SD", Grade: 3}, // a third eligible child
	}, 2024, incident)
	if err != nil {
		t.Fatal(err)
	}
	// Rahmat: SMA 3 (3,000,000) + university 60,000,000; Nur: 6,000,000 + 9,000,000 + 60,000,000.
	checkPlan(t, "first two eligible", plan, []childWant{
		{6, Tranche{2024, "SMA", 3, rupiah("3000000")}, Tranche{2029, "university", 5, rupiah("12000000")}, "63000000"},
		{11, Tranche{2024, "SMP", 1, rupiah("2000000")}, Tranche{2034, "university", 5, rupiah("12000000")}, "75000000"},
	}, "138000000")
	notes := strings.Join(plan.Notes, " | ")
	if !strings.Contains(notes, "Budi is 24") || !strings.Contains(notes, "Dewi is left out") {
		t.Errorf("notes %q do not name Budi (too old) and Dewi (third child)", notes)
	}

	// Not yet at school: born 2021-09-01, 5 at the start of 2027/2028, so TK from 2027;
	// 2 × 1,500,000 + 84,000,000 = 87,000,000, the cap exactly.
	toddler, err := book.ScholarshipPlan([]Child{{Name: "Fajar", BirthDate: date(t, "2021-09-01"), Level: "none"}}, 2024, incident)
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, "not yet at school", toddler, []childWant{
		{19, Tranche{2027, "TK", 1, rupiah("1500000")}, Tranche{2045, "university", 5, rupiah("12000000")}, "87000000"}}, "87000000")
}

func TestScholarshipCapAndLumpSum(t *testing.T) {
	library := mustParse(t, withVersion(t, defaultRuleBook, `{
      "id": "cap-2025", "base": "pp82-2019", "regulation": "PP 82/2019 (policy: lower cap)",
      "scope": "full", "effective_from": "2025-01-01",
      "benefits": {"scholarship": {"cap_per_child": "80000000.00"}}
    }`))
	// From TK: 87,000,000 uncapped; the cap of 80,000,000 leaves 5,000,000 for the last year.
	capped, err := bookOn(t, library, "2025-03-01").ScholarshipPlan(
		[]Child{{BirthDate: date(t, "2020-01-01"), Level: "TK", Grade: 1}}, 2025, date(t, "2025-03-01"))
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, "capped", capped, []childWant{
		{19, Tranche{2025, "TK", 1, rupiah("1500000")}, Tranche{2043, "university", 5, rupiah("5000000")}, "80000000"}}, "80000000")

	// pp44-2015: one education benefit of 12,000,000 per member.
	lump, err := bookOn(t, Default(), "2019-06-01").ScholarshipPlan([]Child{
		{Name: "Ani", BirthDate: date(t, "2010-01-01"), Level: "SD", Grade: 4},
		{Name: "Ali", BirthDate: date(t, "2012-01-01"), Level: "SD", Grade: 2},
	}, 2019, date(t, "2019-06-01"))
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, "pp44-2015 lump sum", lump, []childWant{
		{1, Tranche{2019, "SD", 4, rupiah("12000000")}, Tranche{2019, "SD", 4, rupiah("12000000")}, "12000000"}}, "12000000")
}

func TestScholarshipInvalid(t *testing.T) {
	book := bookOn(t, Default(), "2024-03-10")
	incident := date(t, "2024-03-10")
	tests := []struct {
		name          string
		children      []Child
		field, reason string
	}{
		{"no child", nil, "details.children", "lists 0 children"},
		{"unknown level", []Child{{BirthDate: date(t, "2010-01-01"), Level: "college", Grade: 1}}, "details.children[0].level", `"college"`},
		{"grade beyond the level", []Child{{BirthDate: date(t, "2010-01-01"), Level: "SMP", Grade: 4}}, "details.children[0].grade", "1 to 3"},
		{"grade for a child not at school", []Child{{BirthDate: date(t, "2022-01-01"), Level: "none", Grade: 1}}, "details.children[0].grade", "no grade"},
		{"no birth date", []Child{{BirthDate: date(t, "2010-01-01"), Level: "SD", Grade: 1}, {Level: "SD", Grade: 1}}, "details.children[1].birth_date", "required"},
		{"every child too old", []Child{{BirthDate: date(t, "2000-01-01"), Level: "university", Grade: 5}}, "details.children", "under 23"},
	}
	for _, test := range tests {
		_, err := book.ScholarshipPlan(test.children, 2024, incident)
		t.Run(test.name, func(t *testing.T) { requireFieldError(t, err, test.field, test.reason) })
	}
}
