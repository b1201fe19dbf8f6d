package rules

import (
	"errors"
	"slices"
	"testing"

	"github.com/shopspring/decimal"
)

func TestDefaultParses(t *testing.T) {
	library, err := Parse(defaultRuleBook)
	if err != nil {
		t.Fatalf("the embedded rulebook.json does not parse: %v", err)
	}
	want := []string{"pp44-2015", "pp82-2019", "pp49-2020"}
	if got := library.Versions(); !slices.Equal(got, want) {
		t.Errorf("Versions() = %v, want %v", got, want)
	}
	if Default() != Default() {
		t.Error("Default() parses the file again on each call")
	}
	if library.MinimumAge() != 18 || library.JHTAge() != 56 {
		t.Errorf("ages = %d and %d, want 18 and 56", library.MinimumAge(), library.JHTAge())
	}
}

func TestForDateBoundaries(t *testing.T) {
	tests := []struct {
		day, version, regulation, effectiveFrom string
	}{
		{"2015-07-01", "pp44-2015", "PP 44/2015", "2015-07-01"},
		{"2019-11-30", "pp44-2015", "PP 44/2015", "2015-07-01"},
		{"2019-12-01", "pp44-2015", "PP 44/2015", "2015-07-01"},
		{"2019-12-02", "pp82-2019", "PP 82/2019", "2019-12-02"},
		{"2020-09-15", "pp82-2019", "PP 82/2019", "2019-12-02"}, // benefits in the relief months follow pp82-2019
		{"2024-03-10", "pp82-2019", "PP 82/2019", "2019-12-02"},
	}
	for _, test := range tests {
		book := bookOn(t, Default(), test.day)
		if book.ID() != test.version || book.Regulation() != test.regulation || book.EffectiveFrom().String() != test.effectiveFrom {
			t.Errorf("ForDate(%s) = %s %q from %s, want %s %q from %s", test.day, book.ID(), book.Regulation(), book.EffectiveFrom(),
				test.version, test.regulation, test.effectiveFrom)
		}
	}
	if _, err := Default().ForDate(date(t, "2015-06-30")); !errors.Is(err, ErrNoRuleBook) {
		t.Errorf("ForDate(2015-06-30) error = %v, want ErrNoRuleBook", err)
	}
}

func TestForPeriod(t *testing.T) {
	tests := map[string]string{
		"2019-11": "pp44-2015",
		"2019-12": "pp44-2015", // reading: the version in force on the period's first day
		"2020-01": "pp82-2019",
		"2020-07": "pp82-2019",
		"2020-08": "pp49-2020",
		"2020-12": "pp49-2020",
		"2021-01": "pp49-2020",
		"2021-02": "pp82-2019",
		"2024-05": "pp82-2019",
	}
	for month, want := range tests {
		if got := bookFor(t, Default(), month).ID(); got != want {
			t.Errorf("ForPeriod(%s) = %s, want %s", month, got, want)
		}
	}
	if _, err := Default().ForPeriod(period(t, "2015-06")); !errors.Is(err, ErrNoRuleBook) {
		t.Errorf("ForPeriod(2015-06) error = %v, want ErrNoRuleBook", err)
	}
}

func TestVersion(t *testing.T) {
	book, err := Default().Version("pp49-2020")
	if err != nil || book.Regulation() != "PP 49/2020" || book.EffectiveFrom().String() != "2020-08-01" {
		t.Fatalf("Version(pp49-2020) = %v, %v", book, err)
	}
	if _, err := Default().Version("pp99-2099"); !errors.Is(err, ErrUnknownVersion) {
		t.Errorf("Version(pp99-2099) error = %v, want ErrUnknownVersion", err)
	}
}

func TestWageBaseLimits(t *testing.T) {
	tests := []struct {
		segment, day     string
		minimum, maximum string
	}{
		{"BPU", "2024-01-01", "1000000", "20700000"},
		{"PU", "2024-01-01", "100000", "100000000"},
		{"construction", "2024-01-01", "100000", "100000000"},
		{"XYZ", "2024-01-01", "0", "0"},
		{"BPU", "2010-01-01", "0", "0"},
	}
	for _, test := range tests {
		minimum, maximum := Default().WageBaseLimits(test.segment, date(t, test.day))
		if !minimum.Equal(rupiah(test.minimum)) || !maximum.Equal(rupiah(test.maximum)) {
			t.Errorf("WageBaseLimits(%s, %s) = %s..%s, want %s..%s", test.segment, test.day, minimum, maximum, test.minimum, test.maximum)
		}
	}
}

func TestPolicyFigures(t *testing.T) {
	pp82 := bookOn(t, Default(), "2024-01-01")
	pp44 := bookOn(t, Default(), "2019-01-01")
	if pp82.ArrearsGraceMonths() != 3 || pp82.JKMMinimumMembershipMonths() != 0 {
		t.Errorf("pp82-2019 grace %d months, JKM minimum %d months; want 3 and 0 (off)", pp82.ArrearsGraceMonths(), pp82.JKMMinimumMembershipMonths())
	}
	eligibility := []struct {
		book   *Book
		months int
		want   bool
	}{
		{pp82, 35, false}, {pp82, 36, true}, {pp44, 59, false}, {pp44, 60, true},
	}
	for _, test := range eligibility {
		if got := test.book.ScholarshipEligible(test.months); got != test.want {
			t.Errorf("%s ScholarshipEligible(%d) = %v, want %v", test.book.ID(), test.months, got, test.want)
		}
	}
	if !pp82.JKMScholarshipEligible(3) || pp82.JKMScholarshipEligible(2) {
		t.Error("pp82-2019: the JKM scholarship needs 3 years of membership")
	}
	if parts := pp82.BodyParts(); !slices.Contains(parts, "one_eye") || !slices.Contains(parts, "left_arm_from_shoulder") {
		t.Errorf("BodyParts() = %v", parts)
	}
}

// A policy version switches the JKM minimum membership on from its date by
// overlaying only that field on pp82-2019.
func TestPolicySwitchVersion(t *testing.T) {
	library := mustParse(t, withVersion(t, defaultRuleBook, `{
      "id": "policy-2025", "base": "pp82-2019", "regulation": "PP 82/2019 (policy: JKM minimum membership)",
      "scope": "full", "effective_from": "2025-01-01",
      "benefits": {"jkm": {"minimum_membership_months": 3}}
    }`))
	before := bookOn(t, library, "2024-12-31")
	after := bookOn(t, library, "2025-01-01")
	if before.ID() != "pp82-2019" || after.ID() != "policy-2025" {
		t.Fatalf("versions %s and %s, want pp82-2019 and policy-2025", before.ID(), after.ID())
	}
	tests := []struct {
		book   *Book
		months int
		total  string
		parts  int
	}{
		{before, 0, "42000000", 3},
		{after, 2, "10000000", 1},
		{after, 3, "42000000", 3},
	}
	for _, test := range tests {
		benefit := test.book.JKMDeath(test.months)
		if !benefit.Total.Equal(rupiah(test.total)) || len(benefit.Components) != test.parts {
			t.Errorf("%s JKMDeath(%d) = %s in %d components, want %s in %d", test.book.ID(), test.months, benefit.Total,
				len(benefit.Components), test.total, test.parts)
		}
	}
	// Everything else is inherited: the lump sum is still 20,000,000.
	if lump := after.JKMDeath(12).Components[0].Amount; !lump.Equal(decimal.NewFromInt(20_000_000)) {
		t.Errorf("inherited lump sum = %s, want 20000000", lump)
	}
}
