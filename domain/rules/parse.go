package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
)

// fileFormat is the only rule-book format this package reads. Format 2
// (docs/rulebook.md) holds the holidays by year with cuti bersama, and the JHT
// return method.
const fileFormat = "jaminan-rulebook/2"

// Bounds on the data, so a broken file cannot make a loop run away.
const (
	versionsMax        = 64
	baseDepthMax       = 8
	holidaysMax        = 2000
	holidayYearsMax    = 200
	riskClassesMax     = 10
	tableRowsMax       = 200
	serviceDaysMax     = 60
	ageYearsMax        = 100
	multiplierMax      = 1000
	monthsMax          = 1200
	scholarshipKidsMax = 10
)

var versionIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{0,63}$`)

// Parse reads and validates rule-book data (the shape of rulebook.json). It
// reports every problem at once, joined, each a *FieldError naming the path
// ("versions[pp82-2019].benefits.jkm.lump_sum").
func Parse(data []byte) (*Library, error) {
	// The format first, so a file of another format is named as such, not by its first unknown field.
	var header struct{ Format string }
	if err := json.Unmarshal(data, &header); err == nil && header.Format != fileFormat {
		return nil, fmt.Errorf("rule book: %w", fieldError("format", "is %q, want %q", header.Format, fileFormat))
	}
	var file fileJSON
	if err := decodeStrict(data, &file); err != nil {
		return nil, fmt.Errorf("rule book: %w", err)
	}
	c := &checker{}
	library := &Library{byID: map[string]*Book{}}
	library.minimumAgeYears = c.count("participation.minimum_age_years", file.Participation.MinimumAgeYears, 1, ageYearsMax)
	library.jhtAgeYears = c.count("participation.jht_age_years", file.Participation.JHTAgeYears, 1, ageYearsMax)
	if library.jhtAgeYears <= library.minimumAgeYears {
		c.add("participation.jht_age_years", "%d is not above the minimum age %d", library.jhtAgeYears, library.minimumAgeYears)
	}
	holidays := compileHolidays(c, file.Holidays)
	versions := resolveVersions(c, file.Versions)
	for i, version := range versions {
		if version == nil {
			continue
		}
		book := compileVersion(c, versionPath(i, version.ID), *version, holidays.days)
		if _, duplicate := library.byID[book.id]; duplicate {
			c.add(versionPath(i, version.ID)+".id", "%q is used by another version", book.id)
			continue
		}
		library.byID[book.id] = book
		library.books = append(library.books, book)
	}
	sortBooks(library.books)
	checkVersionSet(c, library.books)
	holidays.checkCovers(c, library.books)
	if len(c.problems) > 0 {
		return nil, fmt.Errorf("rule book: %w", errors.Join(c.problems...))
	}
	return library, nil
}

func decodeStrict(data []byte, target any) error {
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(target); err != nil {
		return err
	}
	if err := decoder.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return errors.New("data after the rule book's closing brace")
	}
	return nil
}

func versionPath(index int, id string) string {
	if id == "" {
		return fmt.Sprintf("versions[%d]", index)
	}
	return fmt.Sprintf("versions[%s]", id)
}

// resolveVersions decodes each version, overlaying it on its base version
// when it names one. A version that cannot be decoded is nil.
func resolveVersions(c *checker, raws []json.RawMessage) []*versionJSON {
	if len(raws) == 0 || len(raws) > versionsMax {
		c.add("versions", "has %d versions, want 1 to %d", len(raws), versionsMax)
		return nil
	}
	rawByID := map[string]json.RawMessage{}
	for _, raw := range raws {
		var header struct{ ID string }
		if json.Unmarshal(raw, &header) == nil && header.ID != "" {
			rawByID[header.ID] = raw
		}
	}
	versions := make([]*versionJSON, len(raws))
	for i, raw := range raws {
		version, err := resolveVersion(rawByID, raw, 0)
		if err != nil {
			var header struct{ ID string }
			_ = json.Unmarshal(raw, &header) // the id only names the path
			c.add(versionPath(i, header.ID), "%v", err)
			continue
		}
		versions[i] = &version
	}
	return versions
}

func resolveVersion(rawByID map[string]json.RawMessage, raw json.RawMessage, depth int) (versionJSON, error) {
	var header struct{ Base string }
	if err := json.Unmarshal(raw, &header); err != nil {
		return versionJSON{}, err
	}
	var version versionJSON
	if header.Base != "" {
		baseRaw, ok := rawByID[header.Base]
		if !ok {
			return versionJSON{}, fmt.Errorf("base %q is not a version of this rule book", header.Base)
		}
		if depth >= baseDepthMax {
			return versionJSON{}, fmt.Errorf("base %q: chain deeper than %d (a cycle?)", header.Base, baseDepthMax)
		}
		base, err := resolveVersion(rawByID, baseRaw, depth+1)
		if err != nil {
			return versionJSON{}, fmt.Errorf("base %q: %w", header.Base, err)
		}
		version = base
		version.Periods, version.Notes = nil, nil // never inherited
	}
	if err := decodeStrict(raw, &version); err != nil {
		return versionJSON{}, err
	}
	return version, nil
}

func compileVersion(c *checker, path string, v versionJSON, holidays map[string]bool) *Book {
	book := &Book{holidays: holidays, notes: v.Notes}
	if !versionIDPattern.MatchString(v.ID) {
		c.add(path+".id", "%q is not a version id (lower case letters, digits, '-' and '.')", v.ID)
	}
	book.id = v.ID
	book.regulation = c.required(path+".regulation", v.Regulation)
	book.title = v.Title
	book.scope = c.oneOf(path+".scope", v.Scope, scopeFull, scopeContributions)
	book.effectiveFrom = c.date(path+".effective_from", v.EffectiveFrom)
	compilePeriods(c, path, v, book)
	compileContributions(c, path+".contributions", v.Contributions, book)
	book.due = compileDue(c, path+".due", v.Due)
	book.penalty = compilePenalty(c, path+".late_penalty", v.LatePenalty)
	book.arrearsGraceMonths = c.count(path+".arrears.grace_months", v.Arrears.GraceMonths, 0, monthsMax)
	book.bpuInactiveAfterUnpaidMonths = c.count(path+".arrears.bpu_inactive_after_unpaid_months", v.Arrears.BPUInactiveAfterUnpaidMonths, 1, monthsMax)
	book.bpuBackPaymentMonthsMax = c.count(path+".arrears.bpu_back_payment_months_max", v.Arrears.BPUBackPaymentMonthsMax, 0, monthsMax)
	book.wageLimits = compileWageLimits(c, path+".wage_base_limits", v.WageBaseLimits)
	book.jkm = compileJKM(c, path+".benefits.jkm", v.Benefits.JKM)
	book.jkk = compileJKK(c, path+".benefits.jkk", v.Benefits.JKK)
	book.scholarship = compileScholarship(c, path+".benefits.scholarship", v.Benefits.Scholarship)
	book.jhtReturnMethod = c.oneOf(path+".benefits.jht.return_method", v.Benefits.JHT.ReturnMethod, returnMethods...)
	book.serviceWorkingDays, book.serviceWorkingDaysDefault = compileServiceLevels(c, path+".service_levels", v.ServiceLevels)
	return book
}

func compilePeriods(c *checker, path string, v versionJSON, book *Book) {
	if v.Scope != scopeContributions {
		if v.Periods != nil {
			c.add(path+".periods", "only a version with scope %q has periods", scopeContributions)
		}
		return
	}
	if v.Periods == nil {
		c.add(path+".periods", "a version with scope %q needs periods (from, to)", scopeContributions)
		return
	}
	book.firstPeriod = c.period(path+".periods.from", v.Periods.From)
	book.lastPeriod = c.period(path+".periods.to", v.Periods.To)
	if book.lastPeriod.Before(book.firstPeriod) {
		c.add(path+".periods.to", "%s is before %s", v.Periods.To, v.Periods.From)
	}
}

// checkVersionSet checks what only the versions together can show.
func checkVersionSet(c *checker, books []*Book) {
	full := map[string]string{}
	for i, book := range books {
		if book.full() {
			if other, ok := full[book.effectiveFrom.String()]; ok {
				c.add(versionPath(0, book.id)+".effective_from", "%s is also the date of %s", book.effectiveFrom, other)
			}
			full[book.effectiveFrom.String()] = book.id
			continue
		}
		for _, other := range books[i+1:] {
			if !other.full() && !other.lastPeriod.Before(book.firstPeriod) && !book.lastPeriod.Before(other.firstPeriod) {
				c.add(versionPath(0, other.id)+".periods", "overlaps the periods of %s", book.id)
			}
		}
	}
	if len(full) == 0 && len(books) > 0 {
		c.add("versions", "no version has scope %q, so no benefit rules are in force", scopeFull)
	}
}
