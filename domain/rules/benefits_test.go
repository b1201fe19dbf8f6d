package rules

import (
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// component is an expected benefit component: code and amount typed by hand.
type component struct{ code, amount string }

func checkBenefit(t *testing.T, name string, got Benefit, version string, want []component, total string) {
	t.Helper()
	if err := got.Check(); err != nil {
		t.Errorf("%s: Check: %v", name, err)
	}
	if got.RuleBook != version {
		t.Errorf("%s: rule book %s, want %s", name, got.RuleBook, version)
	}
	if len(got.Components) != len(want) {
		t.Fatalf("%s: %d components %+v, want %d", name, len(got.Components), got.Components, len(want))
	}
	for i, w := range want {
		g := got.Components[i]
		if g.Code != w.code || !g.Amount.Equal(rupiah(w.amount)) {
			t.Errorf("%s component %d: got %s %s, want %s %s", name, i, g.Code, g.Amount, w.code, w.amount)
		}
		if g.LabelID == "" || g.LabelEN == "" || g.FormulaID == "" || g.FormulaEN == "" {
			t.Errorf("%s component %s lacks a label or formula: %+v", name, g.Code, g)
		}
	}
	if !got.Total.Equal(rupiah(total)) {
		t.Errorf("%s: total %s, want %s", name, got.Total, total)
	}
}

func TestWorkedExamplesBenefits(t *testing.T) {
	library := Default()
	tests := []struct {
		name    string
		benefit func() (Benefit, error)
		version string
		want    []component
		total   string
	}{
		{"example 1: JKM death 2024-03-10", func() (Benefit, error) { return bookOn(t, library, "2024-03-10").JKMDeath(38), nil },
			"pp82-2019", []component{{"jkm_lump_sum", "20000000"}, {"jkm_periodic", "12000000"}, {"jkm_funeral", "10000000"}}, "42000000"},
		{"example 2: JKM death 2019-11-30", func() (Benefit, error) { return bookOn(t, library, "2019-11-30").JKMDeath(38), nil },
			"pp44-2015", []component{{"jkm_lump_sum", "16200000"}, {"jkm_periodic", "4800000"}, {"jkm_funeral", "3000000"}}, "24000000"},
		{"example 3: JKK death, W 4,000,000", func() (Benefit, error) {
			return bookOn(t, library, "2024-03-10").JKKDeath(rupiah("4000000")), nil
		}, "pp82-2019", []component{{"jkk_death_lump_sum", "192000000"}, {"jkk_periodic", "12000000"}, {"jkk_funeral", "10000000"}}, "214000000"},
		{"example 4: CTT, W 3,500,000", func() (Benefit, error) {
			return bookOn(t, library, "2024-03-10").TotalDisability(rupiah("3500000")), nil
		}, "pp82-2019", []component{{"jkk_total_disability_lump_sum", "196000000"}, {"jkk_periodic", "12000000"}}, "208000000"},
		{"example 5: STMB 14 months, W 3,000,000", func() (Benefit, error) {
			return bookOn(t, library, "2024-03-10").TemporaryIncapacity(rupiah("3000000"), 14), nil
		}, "pp82-2019", []component{{"jkk_stmb_band_1", "36000000"}, {"jkk_stmb_band_2", "3000000"}}, "39000000"},
		{"example 6: one eye, W 3,000,000", func() (Benefit, error) {
			return bookOn(t, library, "2024-03-10").PartialDisability(rupiah("3000000"), "one_eye", false, nil)
		}, "pp82-2019", []component{{"jkk_partial_disability", "84000000"}}, "84000000"},
	}
	for _, test := range tests {
		got, err := test.benefit()
		if err != nil {
			t.Fatalf("%s: %v", test.name, err)
		}
		checkBenefit(t, test.name, got, test.version, test.want, test.total)
	}
}

func TestFormulas(t *testing.T) {
	benefit := bookOn(t, Default(), "2024-03-10").JKKDeath(rupiah("3000000"))
	lump := benefit.Components[0]
	if got := lump.LabelID + ": " + lump.FormulaID; got != "JKK meninggal dunia: 48 × Rp3.000.000 = Rp144.000.000" {
		t.Errorf("explanation = %q", got)
	}
	if lump.FormulaEN != "48 × Rp3.000.000 = Rp144.000.000" {
		t.Errorf("FormulaEN = %q", lump.FormulaEN)
	}
	if periodic := bookOn(t, Default(), "2024-03-10").JKMDeath(12).Components[1]; periodic.FormulaID != "24 × Rp500.000 = Rp12.000.000" {
		t.Errorf("JKM periodic formula = %q", periodic.FormulaID)
	}
	partial, err := bookOn(t, Default(), "2024-03-10").PartialDisability(rupiah("3000000"), "one_eye", false, nil)
	if err != nil || partial.Components[0].FormulaID != "35% × 80 × Rp3.000.000 = Rp84.000.000" {
		t.Errorf("partial disability formula = %q, %v", partial.Components[0].FormulaID, err)
	}
}

// The JKK death lump sum is at least the JKM lump sum (the default reading).
func TestJKKDeathMinimum(t *testing.T) {
	book := bookOn(t, Default(), "2024-03-10")
	// 48 × 300,000 = 14,400,000 < 20,000,000.
	got := book.JKKDeath(rupiah("300000"))
	checkBenefit(t, "W 300,000", got, "pp82-2019",
		[]component{{"jkk_death_lump_sum", "20000000"}, {"jkk_periodic", "12000000"}, {"jkk_funeral", "10000000"}}, "42000000")
	if !strings.Contains(strings.Join(got.Notes, " "), "reading") {
		t.Errorf("notes %v do not record the reading", got.Notes)
	}
	// 48 × 500,000 = 24,000,000: above the minimum, untouched.
	checkBenefit(t, "W 500,000", book.JKKDeath(rupiah("500000")), "pp82-2019",
		[]component{{"jkk_death_lump_sum", "24000000"}, {"jkk_periodic", "12000000"}, {"jkk_funeral", "10000000"}}, "46000000")

	// The other reading, on the total: 14,400,000 + 12,000,000 + 10,000,000 = 36,400,000, topped up to 42,000,000.
	library := mustParse(t, withVersion(t, defaultRuleBook, `{
      "id": "total-reading", "base": "pp82-2019", "regulation": "PP 82/2019 (reading: minimum on the total)",
      "scope": "full", "effective_from": "2025-01-01",
      "benefits": {"jkk": {"death_minimum": {"applies_to": "total", "amount": "42000000.00", "reading": "never less than the JKM death benefit"}}}
    }`))
	checkBenefit(t, "total reading", bookOn(t, library, "2025-02-01").JKKDeath(rupiah("300000")), "total-reading",
		[]component{{"jkk_death_lump_sum", "14400000"}, {"jkk_periodic", "12000000"}, {"jkk_funeral", "10000000"},
			{"jkk_death_minimum_top_up", "5600000"}}, "42000000")
}

func TestPartialDisability(t *testing.T) {
	book := bookOn(t, Default(), "2024-03-10")
	ten := decimal.RequireFromString("10")
	tests := []struct {
		name       string
		wage       string
		part       string
		leftHanded bool
		override   *decimal.Decimal
		amount     string
	}{
		// 40 % × 80 × 3,000,000 = 96,000,000 for the left arm of a left-handed worker.
		{"left arm, left-handed", "3000000", "left_arm_from_shoulder", true, nil, "96000000"},
		{"right arm, left-handed", "3000000", "right_arm_from_shoulder", true, nil, "84000000"},
		{"left arm, right-handed", "3000000", "left_arm_from_shoulder", false, nil, "84000000"},
		{"right arm, right-handed", "3000000", "right_arm_from_shoulder", false, nil, "96000000"},
		{"both eyes, left-handed: no swap", "2000000", "both_eyes", true, nil, "112000000"},
		{"hearing, one ear", "3000000", "hearing_one_ear", false, nil, "48000000"},
		{"assessed percentage", "3000000", "one_eye", false, &ten, "24000000"},
		{"assessed, not in the table", "3000000", "left_little_finger", false, &ten, "24000000"},
		// 35 % × 80 × 2,345,678.90 = 65,679,009.2 -> 65,679,009.
		{"rounding", "2345678.90", "one_eye", false, nil, "65679009"},
	}
	for _, test := range tests {
		got, err := book.PartialDisability(rupiah(test.wage), test.part, test.leftHanded, test.override)
		if err != nil {
			t.Fatalf("%s: %v", test.name, err)
		}
		checkBenefit(t, test.name, got, "pp82-2019", []component{{"jkk_partial_disability", test.amount}}, test.amount)
	}
	_, err := book.PartialDisability(rupiah("3000000"), "tail", false, nil)
	requireFieldError(t, err, "details.body_part", `"tail" is not in the disability table`)
	_, err = book.PartialDisability(rupiah("3000000"), "", false, nil)
	requireFieldError(t, err, "details.body_part", "required")
	// The doctor's assessed percentage alone (functional loss, no body part
	// named): 10 % × 80 × 3,000,000 = 24,000,000, said so in the explanation.
	assessed, err := book.PartialDisability(rupiah("3000000"), "", false, &ten)
	if err != nil {
		t.Fatalf("assessed percentage without a body part: %v", err)
	}
	checkBenefit(t, "assessed percentage alone", assessed, "pp82-2019", []component{{"jkk_partial_disability", "24000000"}}, "24000000")
	if label := assessed.Components[0].LabelEN; label != "Permanent partial disability (the doctor's assessed percentage)" {
		t.Errorf("label: got %q", label)
	}
	if len(assessed.Notes) != 1 || !strings.Contains(assessed.Notes[0], "assessed by the doctor (details.disability_percent)") {
		t.Errorf("notes: got %q, want the assessed percentage explained", assessed.Notes)
	}
	zero := decimal.Zero
	_, err = book.PartialDisability(rupiah("3000000"), "one_eye", false, &zero)
	requireFieldError(t, err, "details.disability_percent", "more than 0")
}

func TestTemporaryIncapacity(t *testing.T) {
	pp82 := bookOn(t, Default(), "2024-03-10")
	checkBenefit(t, "12 months", pp82.TemporaryIncapacity(rupiah("3000000"), 12), "pp82-2019",
		[]component{{"jkk_stmb_band_1", "36000000"}}, "36000000")
	checkBenefit(t, "3 months", pp82.TemporaryIncapacity(rupiah("2500000"), 3), "pp82-2019",
		[]component{{"jkk_stmb_band_1", "7500000"}}, "7500000")
	// 50 % of 3,000,000.01 = 1,500,000.005 a month; 3 months 4,500,000.015 -> 4,500,000.
	checkBenefit(t, "15 months, cents", pp82.TemporaryIncapacity(rupiah("3000000.01"), 15), "pp82-2019",
		[]component{{"jkk_stmb_band_1", "36000000"}, {"jkk_stmb_band_2", "4500000"}}, "40500000")
	checkBenefit(t, "no month", pp82.TemporaryIncapacity(rupiah("3000000"), 0), "pp82-2019", nil, "0")
	// pp44-2015 bands: 6 × 100 % + 6 × 75 % + 2 × 50 % of 3,000,000 = 18,000,000 + 13,500,000 + 3,000,000.
	pp44 := bookOn(t, Default(), "2018-01-01")
	checkBenefit(t, "pp44-2015 14 months", pp44.TemporaryIncapacity(rupiah("3000000"), 14), "pp44-2015",
		[]component{{"jkk_stmb_band_1", "18000000"}, {"jkk_stmb_band_2", "13500000"}, {"jkk_stmb_band_3", "3000000"}}, "34500000")
	if label := pp82.TemporaryIncapacity(rupiah("3000000"), 14).Components[1].LabelEN; label != "Temporary incapacity, months 13–14 (50%)" {
		t.Errorf("band label = %q", label)
	}
}

func TestTransport(t *testing.T) {
	book := bookOn(t, Default(), "2024-03-10")
	tests := []struct {
		name   string
		costs  map[string]decimal.Decimal
		want   []component
		total  string
		capped bool
	}{
		{"land 6,000,000 capped at 5,000,000", map[string]decimal.Decimal{"land": rupiah("6000000")},
			[]component{{"jkk_transport_land", "5000000"}}, "5000000", true},
		{"land under the cap", map[string]decimal.Decimal{"land": rupiah("750000")},
			[]component{{"jkk_transport_land", "750000"}}, "750000", false},
		{"sea at the cap", map[string]decimal.Decimal{"sea": rupiah("2000000")},
			[]component{{"jkk_transport_sea", "2000000"}}, "2000000", false},
		{"every mode: caps add up", map[string]decimal.Decimal{"air": rupiah("12000000"), "land": rupiah("6000000"), "sea": rupiah("1500000")},
			[]component{{"jkk_transport_land", "5000000"}, {"jkk_transport_sea", "1500000"}, {"jkk_transport_air", "10000000"}}, "16500000", true},
	}
	for _, test := range tests {
		got, err := book.Transport(test.costs, nil)
		if err != nil {
			t.Fatalf("%s: %v", test.name, err)
		}
		checkBenefit(t, test.name, got, "pp82-2019", test.want, test.total)
		if capped := slices.ContainsFunc(got.Notes, func(note string) bool { return strings.Contains(note, "capped") }); capped != test.capped {
			t.Errorf("%s: notes %v, capped note wanted: %v", test.name, got.Notes, test.capped)
		}
	}
	_, err := book.Transport(map[string]decimal.Decimal{"rail": rupiah("100000")}, nil)
	requireFieldError(t, err, "details.transport_mode", `"rail"`)
	_, err = book.Transport(map[string]decimal.Decimal{"land": rupiah("-1")}, nil)
	requireFieldError(t, err, "details.cost", "negative")
}

func TestMedical(t *testing.T) {
	checkBenefit(t, "invoice", bookOn(t, Default(), "2024-03-10").Medical(rupiah("1234567.50")), "pp82-2019",
		[]component{{"jkk_medical", "1234568"}}, "1234568")
}

func TestBenefitCheck(t *testing.T) {
	good := Benefit{Components: []Component{{Code: "a", Amount: rupiah("100")}, {Code: "b", Amount: rupiah("200")}}, Total: rupiah("300")}
	if err := good.Check(); err != nil {
		t.Errorf("Check(good) = %v", err)
	}
	for name, bad := range map[string]Benefit{
		"total off":    {Components: []Component{{Code: "a", Amount: rupiah("100")}}, Total: rupiah("101")},
		"cents":        {Components: []Component{{Code: "a", Amount: rupiah("100.50")}}, Total: rupiah("100.50")},
		"negative":     {Components: []Component{{Code: "a", Amount: rupiah("-100")}}, Total: rupiah("-100")},
		"no component": {Total: rupiah("1")},
	} {
		if bad.Check() == nil {
			t.Errorf("Check(%s) accepted %+v", name, bad)
		}
	}
}
