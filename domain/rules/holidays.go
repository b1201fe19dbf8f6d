package rules

import (
	"fmt"

	"github.com/tanahbumbu/jaminan/domain/calendar"
)

// holidayCalendar is the rule book's list of non-working days (national
// holidays and cuti bersama alike), shared by every version, and its first year.
type holidayCalendar struct {
	days      map[string]bool // "YYYY-MM-DD"
	firstYear int
}

// compileHolidays reads the calendar year by year: the years follow each
// other without a gap, each date lies in its year and is listed once.
func compileHolidays(c *checker, data holidaysJSON) holidayCalendar {
	holidays := holidayCalendar{days: map[string]bool{}}
	if !c.listLength("holidays.years", len(data.Years), 1, holidayYearsMax) {
		return holidays
	}
	holidays.firstYear = data.Years[0].Year
	for i, year := range data.Years {
		path := fmt.Sprintf("holidays.years[%d]", year.Year)
		if i > 0 && year.Year != data.Years[i-1].Year+1 {
			c.add(path+".year", "%d does not follow %d: the calendar has no gaps", year.Year, data.Years[i-1].Year)
		}
		c.required(path+".source", year.Source)
		holidays.compileDates(c, path+".national", year.Year, year.National)
		holidays.compileDates(c, path+".cuti_bersama", year.Year, year.CutiBersama)
	}
	if len(holidays.days) > holidaysMax {
		c.add("holidays.years", "list %d dates, at most %d", len(holidays.days), holidaysMax)
	}
	for _, year := range data.Years {
		for _, text := range append(append([]string(nil), year.National...), year.CutiBersama...) {
			if d, err := calendar.ParseDate(text); err == nil && nonWorkingRun(holidays.days, d) >= nonWorkingRunMax-2 {
				c.add(fmt.Sprintf("holidays.years[%d]", year.Year), "%s starts %d or more days without a working day", text, nonWorkingRunMax-2)
			}
		}
	}
	return holidays
}

func (h holidayCalendar) compileDates(c *checker, field string, year int, dates []string) {
	for i, text := range dates {
		d := c.date(indexed(field, i), text)
		switch {
		case d.IsZero():
		case d.Year() != year:
			c.add(indexed(field, i), "%s is not in %d", text, year)
		case h.days[text]:
			c.add(indexed(field, i), "%s is listed twice", text)
		}
		h.days[text] = true
	}
}

// checkCovers refuses a calendar that starts after the first version's year:
// that version's due dates would silently ignore the holidays.
func (h holidayCalendar) checkCovers(c *checker, books []*Book) {
	if len(books) == 0 || h.firstYear == 0 {
		return
	}
	if first := books[0]; first.effectiveFrom.Year() < h.firstYear {
		c.add("holidays.years", "start in %d, after %s takes effect on %s: list every year a version covers", h.firstYear, first.id, first.effectiveFrom)
	}
}
