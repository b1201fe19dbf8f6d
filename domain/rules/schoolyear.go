package rules

import (
	"time"

	"github.com/tanahbumbu/jaminan/domain/calendar"
)

// SchoolYearStart is the first day of a school year (2024 is 2024/2025): the
// day its scholarship tranches fall due. The month is rule-book data.
func (b *Book) SchoolYearStart(schoolYear int) calendar.Date {
	return calendar.NewDate(schoolYear, time.Month(b.scholarship.schoolYearStartMonth), 1)
}
