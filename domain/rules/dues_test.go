package rules

import (
	"testing"

	"github.com/tanahbumbu/jaminan/domain/calendar"
)

func TestDueDate(t *testing.T) {
	tests := []struct {
		name    string
		segment Segment
		month   string
		want    string
	}{
		{"PU, 15th a Wednesday", SegmentPU, "2024-04", "2024-05-15"},
		{"PU, 15th a Saturday, Monday 17th Idul Adha, Tuesday 18th cuti bersama", SegmentPU, "2024-05", "2024-06-19"},
		{"PU, 15th a Sunday, Monday 16th Maulid Nabi", SegmentPU, "2024-08", "2024-09-17"},
		{"PU, 15th a Saturday, next working day Monday", SegmentPU, "2025-02", "2025-03-17"},
		{"PU, December to January", SegmentPU, "2024-12", "2025-01-15"},
		{"BPU, the 15th of the month itself, not moved", SegmentBPU, "2024-06", "2024-06-15"},
		{"BPU, a weekday", SegmentBPU, "2024-05", "2024-05-15"},
		{"construction follows PU", SegmentConstruction, "2024-05", "2024-06-19"},
		{"pp82-2019 in 2020: 15th a Saturday, Monday 17th Independence Day", SegmentPU, "2020-07", "2020-08-18"},
		{"pp44-2015: 15th Idul Fitri, then a weekend and three days of cuti bersama", SegmentPU, "2018-05", "2018-06-21"},
		{"pp44-2015, its first month: 15th a Saturday, Monday 17th Independence Day", SegmentPU, "2015-07", "2015-08-18"},
		{"pp49-2020 PU, the 30th of the following month", SegmentPU, "2020-08", "2020-09-30"},
		{"pp49-2020 PU, 30th a Saturday, the working day before", SegmentPU, "2020-12", "2021-01-29"},
		{"pp49-2020 PU, February has no 30th: Sunday 28th, back to Friday", SegmentPU, "2021-01", "2021-02-26"},
		{"pp49-2020 BPU, the 30th of the month itself", SegmentBPU, "2020-09", "2020-09-30"},
		{"pp49-2020 PU, 30th cuti bersama, 29th Maulid, 28th cuti bersama: back to the 27th", SegmentPU, "2020-09", "2020-10-27"},
		{"after the relief, the 15th again", SegmentPU, "2021-02", "2021-03-15"},
	}
	for _, test := range tests {
		got := bookFor(t, Default(), test.month).DueDate(test.segment, period(t, test.month))
		if got.String() != test.want {
			t.Errorf("%s: DueDate(%s, %s) = %s, want %s", test.name, test.segment, test.month, got, test.want)
		}
	}
}

func TestLatePenalty(t *testing.T) {
	tests := []struct {
		name         string
		month        string
		unpaid       string
		due, paid    string
		monthsLate   int
		rate, amount string
	}{
		{"example 10: due 2024-05-15, paid 2024-06-20", "2024-04", "300000", "2024-05-15", "2024-06-20", 1, "2%", "6000"},
		{"paid on the due date", "2024-04", "300000", "2024-05-15", "2024-05-15", 0, "2%", "0"},
		{"paid early", "2024-04", "300000", "2024-05-15", "2024-05-02", 0, "2%", "0"},
		{"a day late: a started month counts", "2024-04", "300000", "2024-05-16", "2024-05-17", 1, "2%", "6000"},
		{"end of the next month", "2024-04", "300000", "2024-05-15", "2024-06-30", 1, "2%", "6000"},
		{"two calendar months", "2024-04", "300000", "2024-05-15", "2024-07-01", 2, "2%", "12000"},
		{"a year", "2024-04", "300000", "2024-05-15", "2025-05-15", 12, "2%", "72000"},
		// 2 % of 187,237 = 3,744.74 -> 3,745.
		{"rounding", "2024-04", "187237", "2024-05-15", "2024-06-03", 1, "2%", "3745"},
		{"pp49-2020: 0.5 % a month", "2020-09", "300000", "2020-10-30", "2020-11-04", 1, "0.5%", "1500"},
	}
	for _, test := range tests {
		got, err := bookFor(t, Default(), test.month).LatePenalty(rupiah(test.unpaid), date(t, test.due), date(t, test.paid))
		if err != nil {
			t.Fatalf("%s: %v", test.name, err)
		}
		if got.MonthsLate != test.monthsLate || got.Rate != test.rate || !got.Amount.Equal(rupiah(test.amount)) {
			t.Errorf("%s: got %d months at %s = %s, want %d months at %s = %s", test.name, got.MonthsLate, got.Rate, got.Amount,
				test.monthsLate, test.rate, test.amount)
		}
	}
}

func TestLatePenaltyBPUAndInvalid(t *testing.T) {
	book := bookFor(t, Default(), "2024-04")
	got, err := book.LatePenaltyFor(SegmentBPU, rupiah("16800"), date(t, "2024-04-15"), date(t, "2024-07-20"))
	if err != nil || !got.Amount.Equal(rupiah("0")) || got.MonthsLate != 0 {
		t.Errorf("BPU penalty = %+v, %v; want zero", got, err)
	}
	_, err = book.LatePenalty(rupiah("-1"), date(t, "2024-05-15"), date(t, "2024-06-20"))
	requireFieldError(t, err, "unpaid", "negative")
	_, err = book.LatePenalty(rupiah("1"), calendar.Date{}, date(t, "2024-06-20"))
	requireFieldError(t, err, "due_date", "required")
	_, err = book.LatePenalty(rupiah("1"), date(t, "2024-05-15"), calendar.Date{})
	requireFieldError(t, err, "paid_on", "required")
}

func TestServiceDeadline(t *testing.T) {
	book := bookOn(t, Default(), "2024-06-01")
	tests := []struct {
		programme, received, want string
	}{
		// Thursday 13 June 2024: Fri 14 (1), Sat, Sun, Mon 17 Idul Adha, Tue 18 cuti bersama, Wed 19 (2), Thu 20 (3).
		{"JKM", "2024-06-13", "2024-06-20"},
		// ... Fri 21 (4), Mon 24 (5), Tue 25 (6), Wed 26 (7).
		{"JKK", "2024-06-13", "2024-06-26"},
		{"SCHOLARSHIP", "2024-06-13", "2024-06-26"},
		{"JKM", "2024-06-15", "2024-06-21"},
	}
	for _, test := range tests {
		if got := book.ServiceDeadline(test.programme, date(t, test.received)); got.String() != test.want {
			t.Errorf("ServiceDeadline(%s, %s) = %s, want %s", test.programme, test.received, got, test.want)
		}
	}
	if book.IsWorkingDay(date(t, "2024-06-17")) || book.IsWorkingDay(date(t, "2024-06-16")) || book.IsWorkingDay(date(t, "2024-06-18")) ||
		!book.IsWorkingDay(date(t, "2024-06-19")) {
		t.Error("IsWorkingDay: 17 June 2024 is a holiday, 16 June a Sunday, 18 June cuti bersama, 19 June a working day")
	}
}
