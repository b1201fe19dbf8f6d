package rules

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/money"
)

// checker collects every problem of a rule book, each named by its path.
type checker struct{ problems []error }

func (c *checker) add(field, format string, args ...any) {
	c.problems = append(c.problems, fieldError(field, format, args...))
}

// amount reads a required rupiah amount ("20000000.00").
func (c *checker) amount(field, text string) decimal.Decimal {
	if text == "" {
		c.add(field, "is required (an amount such as \"20000000.00\")")
		return decimal.Zero
	}
	return c.optionalAmount(field, text)
}

// optionalAmount reads an amount where "" means none (zero).
func (c *checker) optionalAmount(field, text string) decimal.Decimal {
	if text == "" {
		return decimal.Zero
	}
	value, err := money.Parse(text)
	if err != nil {
		c.add(field, "%v", err)
		return decimal.Zero
	}
	return value
}

// percent reads a percentage from 0 to 100 ("0.24" is 0.24 %).
func (c *checker) percent(field, text string) decimal.Decimal {
	integer, fraction, hasPoint := strings.Cut(text, ".")
	if integer == "" || !digitsOnly(integer) || (hasPoint && (fraction == "" || !digitsOnly(fraction))) {
		c.add(field, "%q is not a percentage such as \"0.24\"", text)
		return decimal.Zero
	}
	value, err := decimal.NewFromString(text)
	if err != nil || value.GreaterThan(hundred) {
		c.add(field, "%q is not a percentage from 0 to 100", text)
		return decimal.Zero
	}
	return value
}

func digitsOnly(text string) bool {
	for _, r := range text {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func (c *checker) count(field string, value, minimum, maximum int) int {
	if value < minimum || value > maximum {
		c.add(field, "%d is outside %d to %d", value, minimum, maximum)
	}
	return value
}

func (c *checker) date(field, text string) calendar.Date {
	d, err := calendar.ParseDate(text)
	if err != nil {
		c.add(field, "%v", err)
	}
	return d
}

func (c *checker) period(field, text string) calendar.Period {
	p, err := calendar.ParsePeriod(text)
	if err != nil {
		c.add(field, "%v", err)
	}
	return p
}

func (c *checker) required(field, text string) string {
	if strings.TrimSpace(text) == "" {
		c.add(field, "is required")
	}
	return text
}

func (c *checker) oneOf(field, text string, allowed ...string) string {
	for _, candidate := range allowed {
		if text == candidate {
			return text
		}
	}
	c.add(field, "%q is not one of %s", text, strings.Join(allowed, ", "))
	return text
}

// segment reads a segment name.
func (c *checker) segment(field, text string) Segment {
	return Segment(c.oneOf(field, text, string(SegmentPU), string(SegmentBPU), string(SegmentConstruction)))
}

func (c *checker) positiveAmount(field, text string) decimal.Decimal {
	value := c.amount(field, text)
	if text != "" && !value.IsPositive() {
		c.add(field, "must be more than zero")
	}
	return value
}

func (c *checker) listLength(field string, length, minimum, maximum int) bool {
	if length < minimum || length > maximum {
		c.add(field, "has %d entries, want %d to %d", length, minimum, maximum)
		return false
	}
	return true
}

func indexed(field string, index int) string { return fmt.Sprintf("%s[%d]", field, index) }
