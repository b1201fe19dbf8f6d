package calendar

import (
	"encoding/json"
	"testing"
)

func TestParseDateStrict(t *testing.T) {
	for _, text := range []string{"2024-02-30", "2024-2-01", "24-02-01", "2024-02-01T00:00:00Z", "1899-12-31", "2200-01-01", ""} {
		if _, err := ParseDate(text); err == nil {
			t.Errorf("ParseDate(%q) accepted", text)
		}
	}
	if d, err := ParseDate("2024-02-29"); err != nil || d.String() != "2024-02-29" {
		t.Errorf("leap day: %v %v", d, err)
	}
}

func TestMonthsAndYears(t *testing.T) {
	tests := []struct {
		from, to      string
		months, years int
	}{
		{"2021-01-01", "2024-03-10", 38, 3},
		{"2021-03-10", "2024-03-09", 35, 2},
		{"2024-01-01", "2024-10-07", 9, 0},
	}
	for _, test := range tests {
		from, _ := ParseDate(test.from)
		to, _ := ParseDate(test.to)
		if got := FullMonthsBetween(from, to); got != test.months {
			t.Errorf("months %s..%s = %d, want %d", test.from, test.to, got, test.months)
		}
		if got := FullYearsBetween(from, to); got != test.years {
			t.Errorf("years %s..%s = %d, want %d", test.from, test.to, got, test.years)
		}
	}
}

func TestPeriodJSON(t *testing.T) {
	var p Period
	if err := json.Unmarshal([]byte(`"2024-05"`), &p); err != nil || p.String() != "2024-05" || p.Next().String() != "2024-06" || p.LastDay().String() != "2024-05-31" {
		t.Fatalf("period: %v %v", p, err)
	}
	if err := json.Unmarshal([]byte(`"2024-5"`), &p); err == nil {
		t.Error("accepted 2024-5")
	}
	if got := NewPeriod(2024, 12).AddMonths(2).String(); got != "2025-02" {
		t.Errorf("AddMonths = %s", got)
	}
}
