package rules

import (
	"testing"
)

// line is an expected contribution line: amounts typed from docs/rulebook.md or by hand.
type line struct {
	programme               Programme
	employer, worker, total string
	rate                    string
}

func checkAssessment(t *testing.T, name string, got Assessment, version string, want []line, total string) {
	t.Helper()
	if got.RuleBook != version {
		t.Errorf("%s: rule book %s, want %s", name, got.RuleBook, version)
	}
	if len(got.Lines) != len(want) {
		t.Fatalf("%s: %d lines %+v, want %d", name, len(got.Lines), got.Lines, len(want))
	}
	for i, w := range want {
		g := got.Lines[i]
		if g.Programme != w.programme || !g.Employer.Equal(rupiah(w.employer)) || !g.Worker.Equal(rupiah(w.worker)) ||
			!g.Total.Equal(rupiah(w.total)) || (w.rate != "" && g.Rate != w.rate) {
			t.Errorf("%s line %d: got %s employer %s worker %s total %s rate %s, want %s %s %s %s %s", name, i,
				g.Programme, g.Employer, g.Worker, g.Total, g.Rate, w.programme, w.employer, w.worker, w.total, w.rate)
		}
	}
	if !got.Total.Equal(rupiah(total)) {
		t.Errorf("%s: total %s, want %s", name, got.Total, total)
	}
}

var allThree = []Programme{JKK, JKM, JHT}

func TestWorkedExamplesContributions(t *testing.T) {
	tests := []struct {
		name    string
		month   string
		input   ContributionInput
		version string
		lines   []line
		total   string
	}{
		{"example 7: PU risk class 1, W 3,000,000", "2024-05",
			ContributionInput{Segment: SegmentPU, RiskClass: 1, WageBase: rupiah("3000000"), Programmes: allThree}, "pp82-2019",
			[]line{{JKK, "7200", "0", "7200", "0.24%"}, {JKM, "9000", "0", "9000", "0.3%"}, {JHT, "111000", "60000", "171000", "5.7%"}}, "187200"},
		{"example 8: PU risk class 3, W 2,750,000", "2024-05",
			ContributionInput{Segment: SegmentPU, RiskClass: 3, WageBase: rupiah("2750000"), Programmes: []Programme{JKK, JKM}}, "pp82-2019",
			[]line{{JKK, "24475", "0", "24475", "0.89%"}, {JKM, "8250", "0", "8250", "0.3%"}}, "32725"},
		{"example 9: BPU vulnerable worker, 1,000,000", "2024-05",
			ContributionInput{Segment: SegmentBPU, RiskClass: 1, WageBase: rupiah("1000000"), Programmes: []Programme{JKM, JKK}}, "pp82-2019",
			[]line{{JKK, "0", "10000", "10000", "1%"}, {JKM, "0", "6800", "6800", "flat"}}, "16800"},
		// Example 12: 0.24 % of 2,345,678 = 5,629.6272 -> 5,630. JKM 7,037.034 -> 7,037;
		// JHT 86,790.086 -> 86,790 and 46,913.56 -> 46,914.
		{"example 12: rounding", "2024-05",
			ContributionInput{Segment: SegmentPU, RiskClass: 1, WageBase: rupiah("2345678"), Programmes: allThree}, "pp82-2019",
			[]line{{JKK, "5630", "0", "5630", "0.24%"}, {JKM, "7037", "0", "7037", ""}, {JHT, "86790", "46914", "133704", ""}}, "146371"},
		{"BPU with JHT, 2,500,000", "2024-05",
			ContributionInput{Segment: SegmentBPU, WageBase: rupiah("2500000"), Programmes: allThree}, "pp82-2019",
			[]line{{JKK, "0", "25000", "25000", ""}, {JKM, "0", "6800", "6800", ""}, {JHT, "0", "50000", "50000", "2%"}}, "81800"},
		{"BPU top of the range, 20,700,000", "2024-05",
			ContributionInput{Segment: SegmentBPU, WageBase: rupiah("20700000"), Programmes: []Programme{JKK, JKM}}, "pp82-2019",
			[]line{{JKK, "0", "207000", "207000", ""}, {JKM, "0", "6800", "6800", ""}}, "213800"},
	}
	for _, test := range tests {
		got, err := bookFor(t, Default(), test.month).MonthlyContribution(test.input)
		if err != nil {
			t.Errorf("%s: %v", test.name, err)
			continue
		}
		checkAssessment(t, test.name, got, test.version, test.lines, test.total)
	}
}

// PP 49/2020: JKK and JKM discounted 99 % for the periods 2020-08 to 2021-01.
// By hand: 3,000,000 × 0.24 % × 1 % = 72; 3,000,000 × 0.30 % × 1 % = 90.
func TestCOVIDRelief(t *testing.T) {
	worker := ContributionInput{Segment: SegmentPU, RiskClass: 1, WageBase: rupiah("3000000"), Programmes: allThree}
	discounted := []line{{JKK, "72", "0", "72", "0.0024%"}, {JKM, "90", "0", "90", "0.003%"}, {JHT, "111000", "60000", "171000", "5.7%"}}
	normal := []line{{JKK, "7200", "0", "7200", "0.24%"}, {JKM, "9000", "0", "9000", "0.3%"}, {JHT, "111000", "60000", "171000", "5.7%"}}
	tests := []struct {
		month, version string
		lines          []line
		total          string
	}{
		{"2020-07", "pp82-2019", normal, "187200"},
		{"2020-08", "pp49-2020", discounted, "171162"},
		{"2021-01", "pp49-2020", discounted, "171162"},
		{"2021-02", "pp82-2019", normal, "187200"},
	}
	for _, test := range tests {
		got, err := bookFor(t, Default(), test.month).MonthlyContribution(worker)
		if err != nil {
			t.Fatalf("%s: %v", test.month, err)
		}
		checkAssessment(t, "PU "+test.month, got, test.version, test.lines, test.total)
	}
	// BPU 1,000,000: JKK 10,000 × 1 % = 100; JKM 6,800 × 1 % = 68.
	bpu, err := bookFor(t, Default(), "2020-10").MonthlyContribution(
		ContributionInput{Segment: SegmentBPU, WageBase: rupiah("1000000"), Programmes: []Programme{JKK, JKM}})
	if err != nil {
		t.Fatal(err)
	}
	checkAssessment(t, "BPU 2020-10", bpu, "pp49-2020", []line{{JKK, "0", "100", "100", "0.01%"}, {JKM, "0", "68", "68", "flat"}}, "168")
}

// PP 49/2023: a JKP member's JKK and JKM rates from 2023-10-06; the employer
// keeps paying the full rates before, and for members not in JKP.
func TestJKPReducedRates(t *testing.T) {
	input := func(class int, wage string, jkp bool) ContributionInput {
		return ContributionInput{Segment: SegmentPU, RiskClass: class, WageBase: rupiah(wage), Programmes: []Programme{JKK, JKM}, JKPEnrolled: jkp}
	}
	tests := []struct {
		name, month string
		input       ContributionInput
		lines       []line
		total       string
	}{
		{"JKP member, risk 1, 2024-01", "2024-01", input(1, "3000000", true),
			[]line{{JKK, "3000", "0", "3000", "0.1%"}, {JKM, "6000", "0", "6000", "0.2%"}}, "9000"},
		{"JKP member, risk 5, 2024-01", "2024-01", input(5, "4000000", true),
			[]line{{JKK, "64000", "0", "64000", "1.6%"}, {JKM, "8000", "0", "8000", "0.2%"}}, "72000"},
		{"JKP member, risk 3, 2023-11 (0.75 % of 2,750,000 = 20,625)", "2023-11", input(3, "2750000", true),
			[]line{{JKK, "20625", "0", "20625", "0.75%"}, {JKM, "5500", "0", "5500", ""}}, "26125"},
		{"JKP member before PP 49/2023, 2023-09", "2023-09", input(1, "3000000", true),
			[]line{{JKK, "7200", "0", "7200", "0.24%"}, {JKM, "9000", "0", "9000", "0.3%"}}, "16200"},
		{"village official, not in JKP, 2024-01", "2024-01", input(1, "3000000", false),
			[]line{{JKK, "7200", "0", "7200", "0.24%"}, {JKM, "9000", "0", "9000", "0.3%"}}, "16200"},
	}
	for _, test := range tests {
		got, err := bookFor(t, Default(), test.month).MonthlyContribution(test.input)
		if err != nil {
			t.Fatalf("%s: %v", test.name, err)
		}
		checkAssessment(t, test.name, got, "pp82-2019", test.lines, test.total)
	}
}

// Construction JKK is tiered on the contract value (marginal), JKM 0.03 % of it.
func TestConstructionTiers(t *testing.T) {
	tests := []struct {
		name          string
		contractValue string
		jkk, jkm      string
		total         string
	}{
		// 100 M × 0.21 % = 210,000; 400 M × 0.17 % = 680,000; 250 M × 0.13 % = 325,000.
		{"three tiers, 750,000,000", "750000000", "1215000", "225000", "1440000"},
		// 210,000 + 23,456,789 × 0.17 % = 39,876.5413 -> 249,876.5413 -> 249,877; JKM 37,037.0367 -> 37,037.
		{"two tiers with rounding, 123,456,789", "123456789", "249877", "37037", "286914"},
		// 210,000 + 680,000 + 650,000 + 4,400,000 + 1,000 M × 0.09 % = 900,000.
		{"every tier, 6,000,000,000", "6000000000", "6840000", "1800000", "8640000"},
		{"first tier only, 50,000,000", "50000000", "105000", "15000", "120000"},
	}
	for _, test := range tests {
		got, err := bookOn(t, Default(), "2024-01-01").ConstructionContribution(rupiah(test.contractValue))
		if err != nil {
			t.Fatalf("%s: %v", test.name, err)
		}
		checkAssessment(t, test.name, got, "pp82-2019",
			[]line{{JKK, test.jkk, "0", test.jkk, "tiered"}, {JKM, test.jkm, "0", test.jkm, "0.03%"}}, test.total)
	}
	viaMonthly, err := bookFor(t, Default(), "2024-01").MonthlyContribution(
		ContributionInput{Segment: SegmentConstruction, ContractValue: rupiah("750000000")})
	if err != nil || !viaMonthly.Total.Equal(rupiah("1440000")) {
		t.Errorf("construction via MonthlyContribution = %v, %v; want 1440000", viaMonthly.Total, err)
	}
	_, err = bookOn(t, Default(), "2024-01-01").ConstructionContribution(rupiah("0"))
	requireFieldError(t, err, "contract_value", "more than zero")
}

func TestContributionValidation(t *testing.T) {
	book := bookFor(t, Default(), "2024-05")
	tests := []struct {
		name          string
		input         ContributionInput
		field, reason string
	}{
		{"BPU below the range", ContributionInput{Segment: SegmentBPU, WageBase: rupiah("999999"), Programmes: []Programme{JKK}},
			"wage", "below the minimum 1,000,000 for BPU"},
		{"BPU above the range", ContributionInput{Segment: SegmentBPU, WageBase: rupiah("20700001"), Programmes: []Programme{JKK}},
			"wage", "above the maximum 20,700,000 for BPU"},
		{"zero wage", ContributionInput{Segment: SegmentPU, RiskClass: 1, WageBase: rupiah("0"), Programmes: []Programme{JKK}},
			"wage", "more than zero"},
		{"risk class 0", ContributionInput{Segment: SegmentPU, WageBase: rupiah("3000000"), Programmes: []Programme{JKK}},
			"risk_class", "1 to 5"},
		{"risk class 6", ContributionInput{Segment: SegmentPU, RiskClass: 6, WageBase: rupiah("3000000"), Programmes: []Programme{JKK}},
			"risk_class", "1 to 5"},
		{"no programme", ContributionInput{Segment: SegmentPU, RiskClass: 1, WageBase: rupiah("3000000")},
			"programmes", "names no programme"},
		{"scholarship", ContributionInput{Segment: SegmentPU, RiskClass: 1, WageBase: rupiah("3000000"), Programmes: []Programme{JKK, Scholarship}},
			"programmes", "not a contribution programme"},
		{"JP", ContributionInput{Segment: SegmentPU, RiskClass: 1, WageBase: rupiah("3000000"), Programmes: []Programme{"JP"}},
			"programmes", "not one of JKK, JKM, JHT"},
		{"twice", ContributionInput{Segment: SegmentBPU, WageBase: rupiah("3000000"), Programmes: []Programme{JKK, JKK}},
			"programmes", "listed twice"},
		{"unknown segment", ContributionInput{Segment: "PPU", WageBase: rupiah("3000000"), Programmes: []Programme{JKK}},
			"segment", "not one of PU, BPU, construction"},
	}
	for _, test := range tests {
		_, err := book.MonthlyContribution(test.input)
		t.Run(test.name, func(t *testing.T) { requireFieldError(t, err, test.field, test.reason) })
	}
}

// The BPU bracket table is data: a bracket with a basis charges the rate on
// that basis, an empty basis on the declared income itself.
func TestBPUBrackets(t *testing.T) {
	library := mustParse(t, withVersion(t, defaultRuleBook, `{
      "id": "brackets-2025", "base": "pp82-2019", "regulation": "PP 82/2019 (policy: BPU brackets)",
      "scope": "full", "effective_from": "2025-01-01",
      "contributions": {"bpu": {"jkk_brackets": [
        {"declared_income_from": "1000000.00", "declared_income_to": "1499999.99", "basis": "1000000.00"},
        {"declared_income_from": "1500000.00", "declared_income_to": "1999999.99", "basis": "1500000.00"},
        {"declared_income_from": "2000000.00", "declared_income_to": "20700000.00", "basis": ""}
      ]}}
    }`))
	tests := []struct{ declared, jkk, total string }{
		{"1000000", "10000", "16800"},
		{"1200000", "10000", "16800"},
		{"1600000", "15000", "21800"},
		{"2345678", "23457", "30257"}, // 1 % of 2,345,678 = 23,456.78 -> 23,457
	}
	for _, test := range tests {
		got, err := bookFor(t, library, "2025-03").MonthlyContribution(
			ContributionInput{Segment: SegmentBPU, WageBase: rupiah(test.declared), Programmes: []Programme{JKK, JKM}})
		if err != nil {
			t.Fatalf("%s: %v", test.declared, err)
		}
		checkAssessment(t, "BPU "+test.declared, got, "brackets-2025",
			[]line{{JKK, "0", test.jkk, test.jkk, "1%"}, {JKM, "0", "6800", "6800", "flat"}}, test.total)
	}
}
