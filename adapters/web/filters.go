package web

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tanahbumbu/jaminan/adapters/keyset"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/reference"
)

// Filter names, as they appear in the query string.
const (
	filterKecamatan = "kecamatan"
	filterProgramme = "programme"
	filterFrom      = "from"
	filterTo        = "to"
	// The page of a view's rows: how many, and after which row (the cursor).
	paramLimit = "limit"
	paramAfter = keyset.Param
)

// parameters are every query parameter the dashboard API knows.
var parameters = []string{filterKecamatan, filterProgramme, filterFrom, filterTo, paramLimit, paramAfter}

// maxKecamatanBytes bounds the kecamatan parameter before it is looked up.
const maxKecamatanBytes = 100

// programmes are the values ?programme= accepts: the dash views' programme column.
var programmes = []string{"JKK", "JKM", "JHT", "JKP", "SCHOLARSHIP"}

// filters are the validated query parameters of one request.
type filters struct {
	kecamatan string          // canonical spelling, "" when absent
	programme string          // "" when absent
	from, to  calendar.Period // zero when absent
	limit     int             // rows of the page; zero when absent
	after     string          // the cursor, checked against the view's key when the query is built
}

// badRequest is a 400 about one parameter: a field name, a stable code and
// a message a person can act on.
type badRequest struct {
	field, code, message string
}

func (e *badRequest) Error() string { return e.field + ": " + e.message }

// kecamatanIndex maps the lower-cased name of every kecamatan of the reference
// list to its canonical spelling, so ?kecamatan=kusan hilir finds Kusan Hilir
// and a misspelt name is a 400 rather than an empty chart.
type kecamatanIndex map[string]string

func newKecamatanIndex(places *reference.Places) kecamatanIndex {
	index := kecamatanIndex{}
	for _, name := range places.Kecamatan() {
		index[strings.ToLower(name)] = name
	}
	return index
}

// parseFilters validates the query string against the filters a view accepts.
// Unknown, repeated, unsupported or malformed parameters are refused, each
// naming its field; nothing of the query string ever reaches SQL text.
func parseFilters(query url.Values, accepted []string, subject string, kecamatan kecamatanIndex) (filters, *badRequest) {
	var parsed filters
	names := make([]string, 0, len(query))
	for name := range query {
		names = append(names, name)
	}
	slices.Sort(names) // report the same parameter first every time
	for _, name := range names {
		values := query[name]
		if !slices.Contains(parameters, name) {
			return filters{}, &badRequest{name, "unknown_parameter", fmt.Sprintf("unknown query parameter %q; the dashboard API takes kecamatan, programme, from, to, limit and after", name)}
		}
		if !slices.Contains(accepted, name) {
			return filters{}, &badRequest{name, "filter_not_supported", fmt.Sprintf("%s takes no %s filter; it takes: %s", subject, name, acceptedList(accepted))}
		}
		if len(values) != 1 {
			return filters{}, &badRequest{name, "repeated_parameter", fmt.Sprintf("%s is given %d times; give it once", name, len(values))}
		}
		if err := parsed.set(name, values[0], kecamatan); err != nil {
			return filters{}, err
		}
	}
	if !parsed.from.IsZero() && !parsed.to.IsZero() && parsed.to.Before(parsed.from) {
		return filters{}, &badRequest{filterTo, "invalid_range", fmt.Sprintf("to %s is before from %s", parsed.to, parsed.from)}
	}
	return parsed, nil
}

func (f *filters) set(name, value string, kecamatan kecamatanIndex) *badRequest {
	switch name {
	case filterKecamatan:
		if value == "" || len(value) > maxKecamatanBytes || !utf8.ValidString(value) {
			return &badRequest{name, "invalid_kecamatan", fmt.Sprintf("kecamatan must be a kecamatan of Tanah Bumbu, at most %d bytes", maxKecamatanBytes)}
		}
		canonical, ok := kecamatan[strings.ToLower(strings.TrimSpace(value))]
		if !ok {
			return &badRequest{name, "unknown_kecamatan", "kecamatan is not in the Tanah Bumbu reference list (e.g. Kusan Hilir)"}
		}
		f.kecamatan = canonical
	case filterProgramme:
		if !slices.Contains(programmes, value) {
			return &badRequest{name, "invalid_programme", "programme must be one of " + strings.Join(programmes, ", ")}
		}
		f.programme = value
	case paramLimit:
		limit, err := strconv.Atoi(value)
		if err != nil || limit < 1 || limit > maxPageRows {
			return &badRequest{name, "invalid_limit", fmt.Sprintf("limit must be a whole number from 1 to %d", maxPageRows)}
		}
		f.limit = limit
	case paramAfter:
		f.after = value
	case filterFrom, filterTo:
		period, err := calendar.ParsePeriod(value)
		if err != nil {
			return &badRequest{name, "invalid_month", name + " must be a month written YYYY-MM, e.g. 2024-01"}
		}
		if name == filterFrom {
			f.from = period
		} else {
			f.to = period
		}
	}
	return nil
}

func acceptedList(accepted []string) string {
	if len(accepted) == 0 {
		return "no filters"
	}
	return strings.Join(accepted, ", ")
}
