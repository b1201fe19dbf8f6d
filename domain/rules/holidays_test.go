package rules

import (
	"fmt"
	"strings"
	"testing"
)

// withHolidayYears is the embedded rule book with its holiday years edited.
func withHolidayYears(t *testing.T, edit func(years []any) []any) []byte {
	t.Helper()
	var file map[string]any
	decodeNumbers(t, defaultRuleBook, &file)
	holidays := file["holidays"].(map[string]any)
	holidays["years"] = edit(holidays["years"].([]any))
	return marshal(t, file)
}

// The calendar spans every year from the first version's: a 2020 bill never
// falls due on a holiday the rule book forgot.
func TestHolidayCalendarCoversEveryVersion(t *testing.T) {
	tests := []struct {
		name     string
		edit     func([]any) []any
		mentions string
	}{
		{"starts after pp44-2015", func(years []any) []any { return years[1:] },
			"holidays.years: start in 2016, after pp44-2015 takes effect on 2015-07-01"},
		{"a year missing", func(years []any) []any { return append(append([]any(nil), years[:5]...), years[6:]...) },
			"holidays.years[2021].year: 2021 does not follow 2019"},
		{"a date in another year", func(years []any) []any {
			years[5].(map[string]any)["national"].([]any)[0] = "2021-01-01"
			return years
		}, "holidays.years[2020].national[0]: 2021-01-01 is not in 2020"},
		{"no source", func(years []any) []any { years[0].(map[string]any)["source"] = ""; return years },
			"holidays.years[2015].source: is required"},
		{"listed as a holiday and as cuti bersama", func(years []any) []any {
			years[0].(map[string]any)["cuti_bersama"].([]any)[0] = "2015-08-17"
			return years
		}, "holidays.years[2015].cuti_bersama[0]: 2015-08-17 is listed twice"},
	}
	for _, test := range tests {
		_, err := Parse(withHolidayYears(t, test.edit))
		if err == nil || !strings.Contains(err.Error(), test.mentions) {
			t.Errorf("%s: error %v, want one mentioning %q", test.name, err, test.mentions)
		}
	}
	// Every year from 2015 to 2026 has Independence Day, and the last one set by decree has cuti bersama.
	book := bookOn(t, Default(), "2024-01-01")
	for year := 2015; year <= 2027; year++ {
		if day := date(t, fmt.Sprintf("%d-08-17", year)); book.IsWorkingDay(day) {
			t.Errorf("%s is a working day", day)
		}
	}
	if book.IsWorkingDay(date(t, "2026-12-24")) {
		t.Error("2026-12-24 (cuti bersama, Christmas) is a working day")
	}
}
