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

// A date or period stored in the log decodes whatever its range: the log is
// never judged again (a bill for December 2199 is due in January 2200). Input
// is held to MinDate..MaxDate by DecodeInputDate and DecodeInputPeriod.
func TestStoredDatesDecodeInputIsBounded(t *testing.T) {
	var d Date
	if err := json.Unmarshal([]byte(`"2200-01-15"`), &d); err != nil || d.String() != "2200-01-15" || d.InRange() {
		t.Errorf("stored 2200-01-15: %v %v (in range %v)", d, err, d.InRange())
	}
	if err := json.Unmarshal([]byte(`"9999-12-31"`), &d); err != nil || d.String() != "9999-12-31" {
		t.Errorf("stored 9999-12-31: %v %v", d, err)
	}
	if err := json.Unmarshal([]byte(`"2024-02-30"`), &d); err == nil {
		t.Error("stored 2024-02-30 accepted: the form is still checked")
	}
	for _, text := range []string{`"2200-01-15"`, `"1899-12-31"`, `"2024-02-30"`, `20240101`} {
		if _, err := DecodeInputDate([]byte(text)); err == nil {
			t.Errorf("input %s accepted", text)
		}
	}
	if got, err := DecodeInputDate([]byte(`"2199-12-31"`)); err != nil || got != MaxDate {
		t.Errorf("input 2199-12-31: %v %v", got, err)
	}
	var p Period
	if err := json.Unmarshal([]byte(`"2200-01"`), &p); err != nil || p.String() != "2200-01" {
		t.Errorf("stored 2200-01: %v %v", p, err)
	}
	if _, err := DecodeInputPeriod([]byte(`"2200-01"`)); err == nil {
		t.Error("input period 2200-01 accepted")
	}
	if got, err := DecodeInputPeriod([]byte(`null`)); err != nil || !got.IsZero() {
		t.Errorf("input null period: %v %v", got, err)
	}
}
