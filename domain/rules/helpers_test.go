package rules

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
)

// rupiah reads an amount typed in a test.
func rupiah(text string) decimal.Decimal { return decimal.RequireFromString(text) }

func date(t *testing.T, text string) calendar.Date {
	t.Helper()
	d, err := calendar.ParseDate(text)
	if err != nil {
		t.Fatalf("date %q: %v", text, err)
	}
	return d
}

func period(t *testing.T, text string) calendar.Period {
	t.Helper()
	p, err := calendar.ParsePeriod(text)
	if err != nil {
		t.Fatalf("period %q: %v", text, err)
	}
	return p
}

func bookOn(t *testing.T, library *Library, day string) *Book {
	t.Helper()
	book, err := library.ForDate(date(t, day))
	if err != nil {
		t.Fatalf("ForDate(%s): %v", day, err)
	}
	return book
}

func bookFor(t *testing.T, library *Library, month string) *Book {
	t.Helper()
	book, err := library.ForPeriod(period(t, month))
	if err != nil {
		t.Fatalf("ForPeriod(%s): %v", month, err)
	}
	return book
}

// edited is the embedded rule book with each old text, which must occur
// exactly once, replaced by its new text.
func edited(t *testing.T, data []byte, replacements ...string) []byte {
	t.Helper()
	if len(replacements)%2 != 0 {
		t.Fatal("edited: replacements come in pairs")
	}
	for i := 0; i < len(replacements); i += 2 {
		old, replacement := replacements[i], replacements[i+1]
		if count := bytes.Count(data, []byte(old)); count != 1 {
			t.Fatalf("edited: %q occurs %d times, want once", old, count)
		}
		data = bytes.Replace(data, []byte(old), []byte(replacement), 1)
	}
	return data
}

// withVersion appends a version to the rule book's list of versions.
func withVersion(t *testing.T, data []byte, version string) []byte {
	t.Helper()
	return edited(t, data, "\n  ]\n}", ",\n"+version+"\n  ]\n}")
}

func mustParse(t *testing.T, data []byte) *Library {
	t.Helper()
	library, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return library
}

// fieldErrors flattens a Parse error into its *FieldError problems.
func fieldErrors(err error) []*FieldError {
	var found []*FieldError
	var walk func(error)
	walk = func(err error) {
		if fieldError, ok := err.(*FieldError); ok {
			found = append(found, fieldError)
			return
		}
		if joined, ok := err.(interface{ Unwrap() []error }); ok {
			for _, inner := range joined.Unwrap() {
				walk(inner)
			}
			return
		}
		if inner := errors.Unwrap(err); inner != nil {
			walk(inner)
		}
	}
	walk(err)
	return found
}

func requireFieldError(t *testing.T, err error, field, reasonPart string) {
	t.Helper()
	var fieldError *FieldError
	if !errors.As(err, &fieldError) {
		t.Fatalf("got %v, want a *FieldError on %s", err, field)
	}
	if fieldError.Field != field || !strings.Contains(fieldError.Reason, reasonPart) {
		t.Fatalf("got field %q reason %q, want field %q with %q", fieldError.Field, fieldError.Reason, field, reasonPart)
	}
}

// TestNoFloat: money never passes through a float, in code or tests.
func TestNoFloat(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	banned := []string{"float" + "32", "float" + "64", "Parse" + "Float", "NewFrom" + "Float", "Inexact" + "Float"}
	for _, file := range files {
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, word := range banned {
			if bytes.Contains(text, []byte(word)) {
				t.Errorf("%s uses %s", file, word)
			}
		}
	}
}
