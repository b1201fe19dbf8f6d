package rules

import (
	"slices"
	"strings"
	"testing"
)

// A broken rule book is refused with every problem named by its field path.
func TestParseRejectsBrokenRuleBook(t *testing.T) {
	broken := edited(t, defaultRuleBook,
		`"minimum_age_years": 18`, `"minimum_age_years": 60`,
		`"2024-06-17", `, `"2024-06-31", `,
		`"effective_from": "2019-12-02"`, `"effective_from": "2019-13-02"`,
		`"lump_sum": "20000000.00"`, `"lump_sum": "-5"`,
		`"jkm_rate_percent": "0.20"`, `"jkm_rate_percent": "abc"`,
		`"funeral": "10000000.00",
          "minimum_membership_months": 0`, `"funeral": "10000000.005",
          "minimum_membership_months": 0`,
		`{"months": 12, "percent": "100"},
            {"months": 0, "percent": "50"}`, `{"months": 12, "percent": "100"},
            {"months": 6, "percent": "150"}`,
		`"periods": {"from": "2020-08", "to": "2021-01"}`, `"periods": {"from": "2021-08", "to": "2021-01"}`,
		`{"level": "SMP", "amount_per_year": "2000000.00", "years": 3}`, `{"level": "SMP", "amount_per_year": "0.00", "years": 0}`,
		`["right_thumb", "left_thumb"]
          ]
        },
        "scholarship": {
          "max_children": 2`, `["right_thumb", "left_toe"]
          ]
        },
        "scholarship": {
          "max_children": 2`,
		`"PU": {"day": 30, "month_offset": 1, "non_working_day": "previous"}`, `"PU": {"day": 32, "month_offset": 1, "non_working_day": "later"}`,
	)
	library, err := Parse(broken)
	if err == nil || library != nil {
		t.Fatal("Parse accepted a broken rule book")
	}
	var fields []string
	for _, problem := range fieldErrors(err) {
		fields = append(fields, problem.Field)
	}
	want := []string{
		"participation.jht_age_years",
		"holidays.years[2024].national[13]",
		"versions[pp82-2019].effective_from",
		"versions[pp82-2019].benefits.jkm.lump_sum",
		"versions[pp82-2019].benefits.jkm.funeral",
		"versions[pp82-2019].contributions.pu.jkp_enrolled.jkm_rate_percent",
		"versions[pp82-2019].benefits.jkk.temporary_incapacity_bands[1].months",
		"versions[pp82-2019].benefits.jkk.temporary_incapacity_bands[1].percent",
		"versions[pp82-2019].benefits.jkk.left_handed_swaps[3]",
		"versions[pp82-2019].benefits.scholarship.levels[2].amount_per_year",
		"versions[pp82-2019].benefits.scholarship.levels[2].years",
		"versions[pp49-2020].periods.to",
		"versions[pp49-2020].due.PU.day",
		"versions[pp49-2020].due.PU.non_working_day",
	}
	for _, field := range want {
		if !slices.Contains(fields, field) {
			t.Errorf("no problem reported on %s; got %v", field, fields)
		}
	}
	if !strings.Contains(err.Error(), "versions[pp82-2019].benefits.jkm.lump_sum") {
		t.Errorf("the error text does not name the field: %v", err)
	}
}

func TestParseRejectsStructure(t *testing.T) {
	tests := []struct {
		name     string
		data     []byte
		mentions string
	}{
		{"not JSON", []byte(`{"format": `), "rule book"},
		{"another format", edited(t, defaultRuleBook, `"format": "jaminan-rulebook/2"`, `"format": "jaminan-rulebook/1"`), `format: is "jaminan-rulebook/1", want "jaminan-rulebook/2"`},
		{"unknown field", edited(t, defaultRuleBook, `"jht_age_years": 56,`, `"jht_age_years": 56, "pension_age_years": 58,`), "pension_age_years"},
		{"unknown field in a version", edited(t, defaultRuleBook, `"arrears": {"grace_months": 3, "bpu_inactive_after_unpaid_months": 3, "bpu_back_payment_months_max": 3},
      "wage_base_limits": {
        "PU": {"minimum": "100000.00", "maximum": "100000000.00", "reading": "No statutory bounds for JKK, JKM and JHT; these catch data-entry mistakes and allow small village honoraria."},
        "BPU": {"minimum": "1000000.00", "maximum": "20700000.00", "reading": "The declared-income range of docs/rulebook.md (BPU)."},
        "construction": {"minimum": "100000.00", "maximum": "100000000.00", "reading": "As PU; construction contributions are on the contract value."}
      },
      "benefits": {
        "jkm": {
          "lump_sum": "20000000.00",`, `"arrears": {"grace_months": 3, "bpu_inactive_after_unpaid_months": 3, "bpu_back_payment_months_max": 3, "grace_days": 10},
      "wage_base_limits": {
        "PU": {"minimum": "100000.00", "maximum": "100000000.00", "reading": "No statutory bounds for JKK, JKM and JHT; these catch data-entry mistakes and allow small village honoraria."},
        "BPU": {"minimum": "1000000.00", "maximum": "20700000.00", "reading": "The declared-income range of docs/rulebook.md (BPU)."},
        "construction": {"minimum": "100000.00", "maximum": "100000000.00", "reading": "As PU; construction contributions are on the contract value."}
      },
      "benefits": {
        "jkm": {
          "lump_sum": "20000000.00",`), "versions[pp82-2019]"},
		{"missing base", edited(t, defaultRuleBook, `"base": "pp82-2019"`, `"base": "pp83-2019"`), `base "pp83-2019" is not a version`},
		{"duplicate id", withVersion(t, defaultRuleBook, `{"id": "pp49-2020", "base": "pp82-2019", "regulation": "again", "scope": "full", "effective_from": "2030-01-01"}`),
			`"pp49-2020" is used by another version`},
		{"base cycle", withVersion(t, withVersion(t, defaultRuleBook,
			`{"id": "loop-a", "base": "loop-b", "regulation": "A", "scope": "full", "effective_from": "2030-01-01"}`),
			`{"id": "loop-b", "base": "loop-a", "regulation": "B", "scope": "full", "effective_from": "2031-01-01"}`), "deeper than"},
		{"overlapping relief periods", withVersion(t, defaultRuleBook,
			`{"id": "relief-2", "base": "pp49-2020", "regulation": "PP 49/2020 again", "scope": "contributions", "effective_from": "2021-01-01", "periods": {"from": "2021-01", "to": "2021-03"}}`),
			"overlaps the periods of pp49-2020"},
		{"same date twice", withVersion(t, defaultRuleBook,
			`{"id": "pp82-bis", "base": "pp82-2019", "regulation": "PP 82/2019", "scope": "full", "effective_from": "2019-12-02"}`),
			"is also the date of"},
		{"relief without periods", edited(t, defaultRuleBook, `"periods": {"from": "2020-08", "to": "2021-01"},`, ``), "needs periods"},
	}
	var month []string // every day of October 2027: no working day to move a due date to
	for day := date(t, "2027-10-01"); day.Month() == 10; day = day.AddDays(1) {
		month = append(month, `"`+day.String()+`"`)
	}
	tests = append(tests, struct {
		name     string
		data     []byte
		mentions string
	}{"a month of holidays", edited(t, defaultRuleBook, `"2027-12-25"]`, `"2027-12-25", `+strings.Join(month, ", ")+`]`), "without a working day"})
	for _, test := range tests {
		_, err := Parse(test.data)
		if err == nil || !strings.Contains(err.Error(), test.mentions) {
			t.Errorf("%s: error %v, want one mentioning %q", test.name, err, test.mentions)
		}
	}
}
