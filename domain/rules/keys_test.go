package rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
)

// ruleKey is one key of rulebook.json: the rule it drives and how a test
// changes it. Keys inside a version are written from the version down
// ("benefits.jkm.lump_sum"); "[]" stands for any entry of a list.
type ruleKey struct {
	key       string
	appliedBy string // the function that applies the rule (docs/rulebook.md lists it too)
	prose     bool   // words for people (sources, readings, notes): drives no rule
	version   string // the version whose key is changed; "" for a key outside the versions
	index     int    // the list entry changed, where the key has "[]"
	to        any    // the changed value; nil derives one from the current value
	refused   bool   // a change makes Parse refuse the book: the key is structure, checked
	probe     func(*Library) string
}

// ruleKeys is every key of the rule book. A key added to rulebook.json and
// not here, or here and applied by no rule, fails the tests below.
var ruleKeys = []ruleKey{
	{key: "format", appliedBy: "Parse", refused: true, to: "jaminan-rulebook/9"},
	{key: "notes[]", prose: true},
	{key: "participation.minimum_age_years", appliedBy: "participant.Enroll (checkAge) via Library.MinimumAge; app TestEnrollmentFollowsTheParticipationAndWageKeys", to: json.Number("17"), probe: ages},
	{key: "participation.jht_age_years", appliedBy: "participant.Enroll (checkAge) via Library.JHTAge; app TestEnrollmentFollowsTheParticipationAndWageKeys", probe: ages},
	{key: "participation.source", prose: true},
	{key: "holidays.source", prose: true},
	{key: "holidays.reading", prose: true},
	{key: "holidays.years[].year", appliedBy: "compileHolidays", refused: true},
	{key: "holidays.years[].source", prose: true},
	{key: "holidays.years[].national[]", appliedBy: "(*Book).IsWorkingDay (DueDate, ServiceDeadline)", probe: nonWorkingDays},
	{key: "holidays.years[].cuti_bersama[]", appliedBy: "(*Book).IsWorkingDay (DueDate, ServiceDeadline)", to: "2015-07-22", probe: nonWorkingDays},

	{key: "versions[].id", appliedBy: "Library.Version, Library.ForDate", version: "pp44-2015", to: "pp44-2015a", probe: versionIDs},
	{key: "versions[].base", appliedBy: "resolveVersion", version: "pp49-2020", to: "pp44-2015", probe: jkpContribution("pp49-2020")},
	{key: "versions[].regulation", appliedBy: "(*Book).JKMDeath and every benefit (Benefit.Regulation)", version: "pp82-2019", to: "PP 82/2019 (x)", probe: jkmDeath},
	{key: "versions[].title", prose: true},
	{key: "versions[].scope", appliedBy: "Library.ForDate, Library.ForPeriod", version: "pp49-2020", to: "full", refused: true},
	{key: "versions[].effective_from", appliedBy: "Library.ForDate", version: "pp82-2019", probe: versionOn("2019-12-02")},
	{key: "versions[].periods.from", appliedBy: "Library.ForPeriod", version: "pp49-2020", to: "2020-09", probe: versionFor("2020-08")},
	{key: "versions[].periods.to", appliedBy: "Library.ForPeriod", version: "pp49-2020", to: "2020-12", probe: versionFor("2021-01")},
	{key: "versions[].notes[]", prose: true},

	{key: "versions[].contributions.pu.jkk_rate_percent_by_risk_class[]", appliedBy: "(*Book).MonthlyContribution", version: "pp82-2019", probe: puContribution},
	{key: "versions[].contributions.pu.jkm_rate_percent", appliedBy: "(*Book).MonthlyContribution", version: "pp82-2019", probe: puContribution},
	{key: "versions[].contributions.pu.jht_employer_rate_percent", appliedBy: "(*Book).MonthlyContribution", version: "pp82-2019", probe: puContribution},
	{key: "versions[].contributions.pu.jht_worker_rate_percent", appliedBy: "(*Book).MonthlyContribution", version: "pp82-2019", probe: puContribution},
	{key: "versions[].contributions.pu.jkp_enrolled.effective_from", appliedBy: "(*Book).MonthlyContribution", version: "pp82-2019", probe: jkpContributionOn("2023-10-06")},
	{key: "versions[].contributions.pu.jkp_enrolled.regulation", appliedBy: "(*Book).MonthlyContribution", version: "pp82-2019", to: "PP 49/2023 (x)", probe: jkpContribution("pp82-2019")},
	{key: "versions[].contributions.pu.jkp_enrolled.jkk_rate_percent_by_risk_class[]", appliedBy: "(*Book).MonthlyContribution", version: "pp82-2019", probe: jkpContribution("pp82-2019")},
	{key: "versions[].contributions.pu.jkp_enrolled.jkm_rate_percent", appliedBy: "(*Book).MonthlyContribution", version: "pp82-2019", probe: jkpContribution("pp82-2019")},
	{key: "versions[].contributions.pu.jkp_enrolled.source", prose: true},
	{key: "versions[].contributions.pu.jkp_enrolled.reading", prose: true},
	{key: "versions[].contributions.bpu.jkk_rate_percent", appliedBy: "(*Book).MonthlyContribution", version: "pp82-2019", probe: bpuContribution},
	{key: "versions[].contributions.bpu.jkk_brackets[].declared_income_from", appliedBy: "(*Book).MonthlyContribution", version: "pp82-2019", to: "1500000.00", probe: bpuContribution},
	{key: "versions[].contributions.bpu.jkk_brackets[].declared_income_to", appliedBy: "(*Book).MonthlyContribution", version: "pp82-2019", probe: bpuContribution},
	{key: "versions[].contributions.bpu.jkk_brackets[].basis", appliedBy: "(*Book).MonthlyContribution", version: "pp82-2019", to: "2000000.00", probe: bpuContribution},
	{key: "versions[].contributions.bpu.jkk_brackets_reading", prose: true},
	{key: "versions[].contributions.bpu.jkm_flat", appliedBy: "(*Book).MonthlyContribution", version: "pp82-2019", probe: bpuContribution},
	{key: "versions[].contributions.bpu.jht_rate_percent", appliedBy: "(*Book).MonthlyContribution", version: "pp82-2019", probe: bpuContribution},
	{key: "versions[].contributions.construction.jkk_tiers[].contract_value_up_to", appliedBy: "(*Book).ConstructionContribution", version: "pp82-2019", probe: constructionContribution},
	{key: "versions[].contributions.construction.jkk_tiers[].rate_percent", appliedBy: "(*Book).ConstructionContribution", version: "pp82-2019", probe: constructionContribution},
	{key: "versions[].contributions.construction.jkk_tiers_reading", prose: true},
	{key: "versions[].contributions.construction.jkm_rate_percent", appliedBy: "(*Book).ConstructionContribution", version: "pp82-2019", probe: constructionContribution},
	{key: "versions[].contributions.construction.jkm_reading", prose: true},
	{key: "versions[].contributions.relief.discount_percent.JKK", appliedBy: "(*Book).MonthlyContribution (relieved)", version: "pp49-2020", probe: reliefContribution},
	{key: "versions[].contributions.relief.discount_percent.JKM", appliedBy: "(*Book).MonthlyContribution (relieved)", version: "pp49-2020", probe: reliefContribution},
	{key: "versions[].contributions.relief.source", prose: true},

	{key: "versions[].due.PU.day", appliedBy: "(*Book).DueDate", version: "pp82-2019", probe: dueDates},
	{key: "versions[].due.PU.month_offset", appliedBy: "(*Book).DueDate", version: "pp82-2019", probe: dueDates},
	{key: "versions[].due.PU.non_working_day", appliedBy: "(*Book).DueDate", version: "pp82-2019", to: "previous", probe: dueDates},
	{key: "versions[].due.BPU.day", appliedBy: "(*Book).DueDate", version: "pp82-2019", probe: dueDates},
	{key: "versions[].due.BPU.month_offset", appliedBy: "(*Book).DueDate", version: "pp82-2019", probe: dueDates},
	{key: "versions[].due.BPU.non_working_day", appliedBy: "(*Book).DueDate", version: "pp82-2019", to: "next", probe: dueDates},
	{key: "versions[].due.construction.day", appliedBy: "(*Book).DueDate", version: "pp82-2019", probe: dueDates},
	{key: "versions[].due.construction.month_offset", appliedBy: "(*Book).DueDate", version: "pp82-2019", probe: dueDates},
	{key: "versions[].due.construction.non_working_day", appliedBy: "(*Book).DueDate", version: "pp82-2019", to: "none", probe: dueDates},
	{key: "versions[].due_reading", prose: true},
	{key: "versions[].late_penalty.rate_percent_per_month", appliedBy: "(*Book).LatePenaltyFor", version: "pp82-2019", probe: penalties},
	{key: "versions[].late_penalty.segments[]", appliedBy: "(*Book).LatePenaltyFor", version: "pp82-2019", to: "BPU", probe: penalties},
	{key: "versions[].late_penalty.reading", prose: true},
	{key: "versions[].arrears.grace_months", appliedBy: "claim.Approve (eligibility: who pays first) via (*Book).ArrearsGraceMonths; app TestEmployerArrearsGraceFollowsItsKey", version: "pp82-2019", probe: arrearsFigures},
	{key: "versions[].arrears.bpu_inactive_after_unpaid_months", appliedBy: "participant.DecideLapse via (*Book).BPUInactiveAfterUnpaidMonths; app TestBPULapseFollowsItsOwnKey", version: "pp82-2019", probe: arrearsFigures},
	{key: "versions[].arrears.bpu_back_payment_months_max", appliedBy: "payer.RecordPayment (withinArrearsWindow) via (*Book).BPUBackPaymentMonthsMax; app TestBPUBackPaymentFollowsItsOwnKey", version: "pp82-2019", probe: arrearsFigures},
	{key: "versions[].wage_base_limits.PU.minimum", appliedBy: "Library.WageBaseLimits (participant.Enroll, ChangeWage), (*Book).MonthlyContribution", version: "pp82-2019", probe: wageLimitFigures},
	{key: "versions[].wage_base_limits.PU.maximum", appliedBy: "Library.WageBaseLimits (participant.Enroll, ChangeWage), (*Book).MonthlyContribution", version: "pp82-2019", probe: wageLimitFigures},
	{key: "versions[].wage_base_limits.PU.reading", prose: true},
	{key: "versions[].wage_base_limits.BPU.minimum", appliedBy: "Library.WageBaseLimits (participant.Enroll, ChangeWage), (*Book).MonthlyContribution", version: "pp82-2019", probe: wageLimitFigures},
	{key: "versions[].wage_base_limits.BPU.maximum", appliedBy: "Library.WageBaseLimits (participant.Enroll, ChangeWage), (*Book).MonthlyContribution", version: "pp82-2019", probe: wageLimitFigures},
	{key: "versions[].wage_base_limits.BPU.reading", prose: true},
	{key: "versions[].wage_base_limits.construction.minimum", appliedBy: "Library.WageBaseLimits (participant.Enroll, ChangeWage)", version: "pp82-2019", probe: wageLimitFigures},
	{key: "versions[].wage_base_limits.construction.maximum", appliedBy: "Library.WageBaseLimits (participant.Enroll, ChangeWage)", version: "pp82-2019", probe: wageLimitFigures},
	{key: "versions[].wage_base_limits.construction.reading", prose: true},

	{key: "versions[].benefits.jkm.lump_sum", appliedBy: "(*Book).JKMDeath", version: "pp82-2019", probe: jkmDeath},
	{key: "versions[].benefits.jkm.periodic_months", appliedBy: "(*Book).JKMDeath", version: "pp82-2019", probe: jkmDeath},
	{key: "versions[].benefits.jkm.periodic_monthly", appliedBy: "(*Book).JKMDeath", version: "pp82-2019", probe: jkmDeath},
	{key: "versions[].benefits.jkm.funeral", appliedBy: "(*Book).JKMDeath", version: "pp82-2019", probe: jkmDeath},
	{key: "versions[].benefits.jkm.minimum_membership_months", appliedBy: "(*Book).JKMDeath", version: "pp82-2019", probe: jkmDeath},
	{key: "versions[].benefits.jkm.minimum_membership_reading", prose: true},
	{key: "versions[].benefits.jkk.death_wage_multiplier", appliedBy: "(*Book).JKKDeath", version: "pp82-2019", probe: jkkBenefits},
	{key: "versions[].benefits.jkk.total_disability_wage_multiplier", appliedBy: "(*Book).TotalDisability", version: "pp82-2019", probe: jkkBenefits},
	{key: "versions[].benefits.jkk.partial_disability_wage_multiplier", appliedBy: "(*Book).PartialDisability", version: "pp82-2019", probe: jkkBenefits},
	{key: "versions[].benefits.jkk.periodic_months", appliedBy: "(*Book).JKKDeath, (*Book).TotalDisability", version: "pp82-2019", probe: jkkBenefits},
	{key: "versions[].benefits.jkk.periodic_monthly", appliedBy: "(*Book).JKKDeath, (*Book).TotalDisability", version: "pp82-2019", probe: jkkBenefits},
	{key: "versions[].benefits.jkk.funeral", appliedBy: "(*Book).JKKDeath", version: "pp82-2019", probe: jkkBenefits},
	{key: "versions[].benefits.jkk.death_minimum.applies_to", appliedBy: "(*Book).JKKDeath", version: "pp82-2019", to: "total", probe: jkkBenefits},
	{key: "versions[].benefits.jkk.death_minimum.amount", appliedBy: "(*Book).JKKDeath", version: "pp82-2019", probe: jkkBenefits},
	{key: "versions[].benefits.jkk.death_minimum.reading", appliedBy: "(*Book).JKKDeath (the note of a minimum applied)", version: "pp82-2019", to: "another reading", probe: jkkBenefits},
	{key: "versions[].benefits.jkk.temporary_incapacity_bands[].months", appliedBy: "(*Book).TemporaryIncapacity", version: "pp82-2019", probe: jkkBenefits},
	{key: "versions[].benefits.jkk.temporary_incapacity_bands[].percent", appliedBy: "(*Book).TemporaryIncapacity", version: "pp82-2019", probe: jkkBenefits},
	{key: "versions[].benefits.jkk.transport_caps[].mode", appliedBy: "(*Book).Transport", version: "pp82-2019", to: "road", probe: jkkBenefits},
	{key: "versions[].benefits.jkk.transport_caps[].cap", appliedBy: "(*Book).Transport", version: "pp82-2019", probe: jkkBenefits},
	{key: "versions[].benefits.jkk.disability_table[].body_part", appliedBy: "(*Book).PartialDisability", version: "pp82-2019", index: 1, to: "eye", probe: jkkBenefits},
	{key: "versions[].benefits.jkk.disability_table[].percent", appliedBy: "(*Book).PartialDisability", version: "pp82-2019", index: 1, probe: jkkBenefits},
	{key: "versions[].benefits.jkk.disability_table[].label_id", appliedBy: "(*Book).PartialDisability (the component's label)", version: "pp82-2019", index: 1, to: "mata", probe: jkkBenefits},
	{key: "versions[].benefits.jkk.disability_table[].label_en", appliedBy: "(*Book).PartialDisability (the component's label)", version: "pp82-2019", index: 1, to: "eye", probe: jkkBenefits},
	{key: "versions[].benefits.jkk.disability_table[].source", prose: true},
	{key: "versions[].benefits.jkk.left_handed_swaps[][]", appliedBy: "(*Book).PartialDisability", version: "pp82-2019", to: "hearing_one_ear", probe: jkkBenefits},
	{key: "versions[].benefits.scholarship.max_children", appliedBy: "(*Book).ScholarshipPlan", version: "pp82-2019", probe: scholarship},
	{key: "versions[].benefits.scholarship.age_limit_years", appliedBy: "(*Book).ScholarshipPlan", version: "pp82-2019", probe: scholarship},
	{key: "versions[].benefits.scholarship.cap_per_child", appliedBy: "(*Book).ScholarshipPlan", version: "pp82-2019", probe: scholarship},
	{key: "versions[].benefits.scholarship.jkm_minimum_membership_years", appliedBy: "(*Book).ScholarshipEligible (claim.Approve)", version: "pp82-2019", probe: scholarship},
	{key: "versions[].benefits.scholarship.school_year_start_month", appliedBy: "(*Book).SchoolYearStart, (*Book).ScholarshipPlan", version: "pp82-2019", probe: scholarship},
	{key: "versions[].benefits.scholarship.lump_sum_per_member", appliedBy: "(*Book).ScholarshipPlan", version: "pp82-2019", to: "12000000.00", probe: scholarship},
	{key: "versions[].benefits.scholarship.levels[].level", appliedBy: "(*Book).ScholarshipPlan", version: "pp82-2019", index: 1, to: "SD-x", probe: scholarship},
	{key: "versions[].benefits.scholarship.levels[].amount_per_year", appliedBy: "(*Book).ScholarshipPlan", version: "pp82-2019", probe: scholarship},
	{key: "versions[].benefits.scholarship.levels[].years", appliedBy: "(*Book).ScholarshipPlan", version: "pp82-2019", probe: scholarship},
	{key: "versions[].benefits.scholarship.school_entry.level", appliedBy: "(*Book).ScholarshipPlan", version: "pp82-2019", to: "SD", probe: scholarship},
	{key: "versions[].benefits.scholarship.school_entry.age_years", appliedBy: "(*Book).ScholarshipPlan", version: "pp82-2019", probe: scholarship},
	{key: "versions[].benefits.scholarship.reading", prose: true},
	{key: "versions[].benefits.jht.return_method", appliedBy: "(*Book).JHTReturn (jht.CreditReturn)", version: "pp82-2019", to: ReturnOnMonthStartBalances, probe: jhtReturn},
	{key: "versions[].benefits.jht.return_method_reading", prose: true},
	{key: "versions[].service_levels.working_days.JKM", appliedBy: "(*Book).ServiceDeadline", version: "pp82-2019", probe: serviceDeadlines},
	{key: "versions[].service_levels.working_days.JKK", appliedBy: "(*Book).ServiceDeadline", version: "pp82-2019", probe: serviceDeadlines},
	{key: "versions[].service_levels.default_working_days", appliedBy: "(*Book).ServiceDeadline", version: "pp82-2019", probe: serviceDeadlines},
}

// TestEveryRuleBookKeyIsRegistered: the keys of rulebook.json are exactly the
// keys of ruleKeys, each either prose or with a rule that applies it.
func TestEveryRuleBookKeyIsRegistered(t *testing.T) {
	var file any
	decodeNumbers(t, defaultRuleBook, &file)
	inFile := map[string]bool{}
	leafKeys(file, "", inFile)
	registered := map[string]bool{}
	for _, entry := range ruleKeys {
		if registered[entry.key] {
			t.Errorf("%s is registered twice", entry.key)
		}
		registered[entry.key] = true
		if !inFile[entry.key] {
			t.Errorf("%s is registered but not in rulebook.json", entry.key)
		}
		if !entry.prose && entry.appliedBy == "" {
			t.Errorf("%s names no function that applies it", entry.key)
		}
		if !entry.prose && !entry.refused && entry.probe == nil {
			t.Errorf("%s has no probe of its rule", entry.key)
		}
	}
	for _, key := range sortedKeys(inFile) {
		if !registered[key] {
			t.Errorf("rulebook.json has %s, which no rule is registered for: add it to ruleKeys with the rule it drives", key)
		}
	}
}

// TestChangingEachKeyChangesItsRule changes one key at a time in a copy of
// the rule book and checks that the outcome of its rule changes: a key that
// is parsed and then ignored fails here.
func TestChangingEachKeyChangesItsRule(t *testing.T) {
	original := mustParse(t, defaultRuleBook)
	for _, entry := range ruleKeys {
		if entry.prose {
			continue
		}
		t.Run(entry.key, func(t *testing.T) {
			changed, before, after := changeKey(t, entry)
			library, err := Parse(changed)
			if entry.refused {
				if err == nil {
					t.Fatalf("%s changed from %v to %v: Parse accepted it", entry.key, before, after)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s changed from %v to %v: %v", entry.key, before, after, err)
			}
			if was, is := entry.probe(original), entry.probe(library); was == is {
				t.Errorf("%s changed from %v to %v, and its rule (%s) gives the same outcome:\n%s", entry.key, before, after, entry.appliedBy, is)
			}
		})
	}
}

// TestEveryRuleKeyIsDocumented: docs/rulebook.md names every key that drives a rule.
func TestEveryRuleKeyIsDocumented(t *testing.T) {
	text, err := os.ReadFile("../../docs/rulebook.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, entry := range ruleKeys {
		name := strings.TrimPrefix(entry.key, "versions[].")
		if !entry.prose && !strings.Contains(string(text), "`"+name+"`") {
			t.Errorf("docs/rulebook.md does not name `%s`", name)
		}
	}
}

// leafKeys collects the keys of every value that is not an object or a list.
func leafKeys(value any, path string, into map[string]bool) {
	switch value := value.(type) {
	case map[string]any:
		for name, inner := range value {
			joined := name
			if path != "" {
				joined = path + "." + name
			}
			leafKeys(inner, joined, into)
		}
	case []any:
		for _, inner := range value {
			leafKeys(inner, path+"[]", into)
		}
	default:
		into[path] = true
	}
}

var listPart = regexp.MustCompile(`^(.*?)((?:\[\])*)$`)

// changeKey is the embedded rule book with the entry's key (in its version,
// at its index) set to entry.to or a value derived from the current one.
func changeKey(t *testing.T, entry ruleKey) ([]byte, any, any) {
	t.Helper()
	var file map[string]any
	decodeNumbers(t, defaultRuleBook, &file)
	var node any = file
	parts := strings.Split(entry.key, ".")
	if parts[0] == "versions[]" {
		node = versionNamed(t, file, entry.version)
		parts = parts[1:]
	}
	for i, part := range parts {
		match := listPart.FindStringSubmatch(part)
		name, lists := match[1], len(match[2])/2
		object, ok := node.(map[string]any)
		if !ok {
			t.Fatalf("%s: %s is not inside an object", entry.key, part)
		}
		last := i == len(parts)-1 && lists == 0
		if last {
			before := object[name]
			object[name] = changedValue(t, entry, before)
			return marshal(t, file), before, object[name]
		}
		node = object[name]
		for list := range lists {
			items := node.([]any)
			index := 0
			if list == 0 {
				index = entry.index
			}
			if i == len(parts)-1 && list == lists-1 {
				before := items[index]
				items[index] = changedValue(t, entry, before)
				return marshal(t, file), before, items[index]
			}
			node = items[index]
		}
	}
	t.Fatalf("%s: no such key", entry.key)
	return nil, nil, nil
}

// decodeNumbers decodes JSON keeping numbers as json.Number (no float on the way).
func decodeNumbers(t *testing.T, data []byte, target any) {
	t.Helper()
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.UseNumber()
	if err := decoder.Decode(target); err != nil {
		t.Fatal(err)
	}
}

func versionNamed(t *testing.T, file map[string]any, id string) map[string]any {
	t.Helper()
	for _, version := range file["versions"].([]any) {
		if version.(map[string]any)["id"] == id {
			return version.(map[string]any)
		}
	}
	t.Fatalf("no version %q", id)
	return nil
}

func marshal(t *testing.T, value any) []byte {
	t.Helper()
	data, err := json.Marshal(value)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// changedValue derives a different valid value: a number one more, a date a
// day later, a decimal text halved (or made 1 when zero).
func changedValue(t *testing.T, entry ruleKey, value any) any {
	t.Helper()
	if entry.to != nil {
		return entry.to
	}
	switch value := value.(type) {
	case json.Number:
		n, err := value.Int64()
		if err != nil {
			t.Fatalf("%s: %v is not a whole number", entry.key, value)
		}
		return json.Number(fmt.Sprint(n + 1))
	case string:
		if d, err := calendar.ParseDate(value); err == nil {
			return d.AddDays(1).String()
		}
		if amount, err := decimal.NewFromString(value); err == nil {
			places := int32(0)
			if _, fraction, found := strings.Cut(value, "."); found {
				places = int32(len(fraction))
			}
			if amount.IsZero() {
				return decimal.NewFromInt(1).StringFixed(places)
			}
			return amount.Div(decimal.NewFromInt(2)).StringFixed(max(places, 2))
		}
	}
	t.Fatalf("%s: no change derived from %v; give one in ruleKey.to", entry.key, value)
	return nil
}

// The probes: each runs a rule on fixed inputs and writes its outcome as text.

func must(t string, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return t
}

func version(library *Library, id string) *Book {
	book, err := library.Version(id)
	if err != nil {
		panic(err) // the probes name versions of the embedded rule book
	}
	return book
}

func ages(library *Library) string {
	return fmt.Sprintf("covered from %d to %d", library.MinimumAge(), library.JHTAge())
}

func versionIDs(library *Library) string { return strings.Join(library.Versions(), ",") }

func versionOn(day string) func(*Library) string {
	return func(library *Library) string {
		d, _ := calendar.ParseDate(day)
		book, err := library.ForDate(d)
		if err != nil {
			return err.Error()
		}
		return book.ID()
	}
}

func versionFor(month string) func(*Library) string {
	return func(library *Library) string {
		p, _ := calendar.ParsePeriod(month)
		book, err := library.ForPeriod(p)
		if err != nil {
			return err.Error()
		}
		return book.ID()
	}
}

// nonWorkingDays lists every weekday from 2015 to 2027 that is not a working day.
func nonWorkingDays(library *Library) string {
	book := version(library, "pp82-2019")
	var days []string
	for d := calendar.NewDate(2015, 1, 1); d.Year() <= 2027; d = d.AddDays(1) {
		if weekday := d.Time().Weekday(); weekday != 0 && weekday != 6 && !book.IsWorkingDay(d) {
			days = append(days, d.String())
		}
	}
	return strings.Join(days, " ")
}

func assessmentText(assessment Assessment, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	var lines []string
	for _, line := range assessment.Lines {
		lines = append(lines, fmt.Sprintf("%s %s+%s=%s at %s (%s)", line.Programme, line.Employer, line.Worker, line.Total, line.Rate, line.Basis))
	}
	return assessment.RuleBook + ": " + strings.Join(lines, "; ") + " = " + assessment.Total.String()
}

var allProgrammes = []Programme{JKK, JKM, JHT}

func puContribution(library *Library) string {
	return assessmentText(version(library, "pp82-2019").MonthlyContribution(ContributionInput{Segment: SegmentPU, RiskClass: 1,
		WageBase: decimal.NewFromInt(3_000_000), Programmes: allProgrammes}))
}

func jkpContribution(id string) func(*Library) string {
	return func(library *Library) string {
		return assessmentText(version(library, id).MonthlyContribution(ContributionInput{Segment: SegmentPU, RiskClass: 1,
			WageBase: decimal.NewFromInt(3_000_000), Programmes: allProgrammes, JKPEnrolled: true}))
	}
}

func jkpContributionOn(day string) func(*Library) string {
	return func(library *Library) string {
		d, _ := calendar.ParseDate(day)
		book, err := library.ForDate(d)
		if err != nil {
			return err.Error()
		}
		return assessmentText(book.MonthlyContribution(ContributionInput{Segment: SegmentPU, RiskClass: 1,
			WageBase: decimal.NewFromInt(3_000_000), Programmes: allProgrammes, JKPEnrolled: true}))
	}
}

func bpuContribution(library *Library) string {
	book := version(library, "pp82-2019")
	var outcomes []string
	for _, income := range []int64{1_000_000, 15_000_000} {
		outcomes = append(outcomes, assessmentText(book.MonthlyContribution(ContributionInput{Segment: SegmentBPU,
			WageBase: decimal.NewFromInt(income), Programmes: allProgrammes})))
	}
	return strings.Join(outcomes, " | ")
}

func constructionContribution(library *Library) string {
	return assessmentText(version(library, "pp82-2019").ConstructionContribution(decimal.NewFromInt(750_000_000)))
}

func reliefContribution(library *Library) string {
	return assessmentText(version(library, "pp49-2020").MonthlyContribution(ContributionInput{Segment: SegmentPU, RiskClass: 1,
		WageBase: decimal.NewFromInt(3_000_000), Programmes: allProgrammes}))
}

// dueDates are the due dates of every segment for each month of 2024.
func dueDates(library *Library) string {
	book := version(library, "pp82-2019")
	var dates []string
	for _, segment := range []Segment{SegmentPU, SegmentBPU, SegmentConstruction} {
		for month := 1; month <= 12; month++ {
			p, _ := calendar.ParsePeriod(fmt.Sprintf("2024-%02d", month))
			dates = append(dates, string(segment)+":"+book.DueDate(segment, p).String())
		}
	}
	return strings.Join(dates, " ")
}

func penalties(library *Library) string {
	book := version(library, "pp82-2019")
	due, _ := calendar.ParseDate("2024-05-15")
	paid, _ := calendar.ParseDate("2024-06-20")
	var outcomes []string
	for _, segment := range []Segment{SegmentPU, SegmentBPU} {
		penalty, err := book.LatePenaltyFor(segment, decimal.NewFromInt(300_000), due, paid)
		outcomes = append(outcomes, must(fmt.Sprintf("%s %s × %d = %s", segment, penalty.Rate, penalty.MonthsLate, penalty.Amount), err))
	}
	return strings.Join(outcomes, " | ")
}

func arrearsFigures(library *Library) string {
	book := version(library, "pp82-2019")
	return fmt.Sprintf("grace %d, BPU inactive after %d, BPU back payment %d", book.ArrearsGraceMonths(),
		book.BPUInactiveAfterUnpaidMonths(), book.BPUBackPaymentMonthsMax())
}

func wageLimitFigures(library *Library) string {
	var limits []string
	for _, segment := range []string{"PU", "BPU", "construction"} {
		minimum, maximum := library.WageBaseLimits(segment, calendar.NewDate(2024, 1, 1))
		limits = append(limits, segment+" "+minimum.String()+".."+maximum.String())
	}
	return strings.Join(limits, " ")
}

func benefitText(benefit Benefit, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	var parts []string
	for _, component := range benefit.Components {
		parts = append(parts, fmt.Sprintf("%s %s/%s %s [%s | %s]", component.Code, component.LabelID, component.LabelEN, component.Amount,
			component.FormulaID, component.FormulaEN))
	}
	return fmt.Sprintf("%s (%s): %s = %s; notes: %s", benefit.RuleBook, benefit.Regulation, strings.Join(parts, "; "), benefit.Total,
		strings.Join(benefit.Notes, "; "))
}

func jkmDeath(library *Library) string {
	book := version(library, "pp82-2019")
	return benefitText(book.JKMDeath(0), nil) + " | " + benefitText(book.JKMDeath(120), nil)
}

func jkkBenefits(library *Library) string {
	book := version(library, "pp82-2019")
	wage := decimal.NewFromInt(3_000_000)
	outcomes := []string{
		benefitText(book.JKKDeath(decimal.NewFromInt(4_000_000)), nil),
		benefitText(book.JKKDeath(decimal.NewFromInt(300_000)), nil),
		benefitText(book.TotalDisability(decimal.NewFromInt(3_500_000)), nil),
		benefitText(book.TemporaryIncapacity(wage, 14), nil),
		benefitText(book.Transport(map[string]decimal.Decimal{"land": decimal.NewFromInt(6_000_000), "sea": decimal.NewFromInt(3_000_000),
			"air": decimal.NewFromInt(12_000_000)})),
	}
	for _, part := range []string{"both_eyes", "one_eye", "right_arm_from_shoulder"} {
		for _, leftHanded := range []bool{false, true} {
			outcomes = append(outcomes, benefitText(book.PartialDisability(wage, part, leftHanded, nil)))
		}
	}
	return strings.Join(outcomes, "\n")
}

func scholarship(library *Library) string {
	book := version(library, "pp82-2019")
	birth := func(text string) calendar.Date { d, _ := calendar.ParseDate(text); return d }
	children := []Child{
		{Name: "over the age limit", BirthDate: birth("2001-06-01"), Level: "university", Grade: 1},
		{Name: "not at school yet", BirthDate: birth("2021-03-01"), Level: levelNone},
		{Name: "in SD", BirthDate: birth("2017-08-21"), Level: "SD", Grade: 1},
		{Name: "third", BirthDate: birth("2005-08-21"), Level: "university", Grade: 1},
	}
	plan, err := book.ScholarshipPlan(children, 2024, birth("2024-11-04"))
	outcome := fmt.Sprintf("start %s; eligible after 36 months %v; ", book.SchoolYearStart(2024), book.ScholarshipEligible(36))
	if err != nil {
		return outcome + "error: " + err.Error()
	}
	for _, child := range plan.Children {
		outcome += child.Child.Name + ":"
		for _, tranche := range child.Tranches {
			outcome += fmt.Sprintf(" %d %s%d %s", tranche.SchoolYear, tranche.Level, tranche.Grade, tranche.Amount)
		}
		outcome += " = " + child.Total.String() + "; "
	}
	return outcome + "total " + plan.Total.String() + "; notes: " + strings.Join(plan.Notes, "; ")
}

func jhtReturn(library *Library) string {
	book := version(library, "pp82-2019")
	var monthEnd [12]decimal.Decimal
	for i := range monthEnd {
		monthEnd[i] = decimal.NewFromInt(171_000 * int64(i+1))
	}
	computed := book.JHTReturn(decimal.Zero, monthEnd, decimal.RequireFromString("5.63"))
	return fmt.Sprintf("%s %s on %s = %s (%s)", computed.RuleBook, computed.Method, computed.AverageBalance, computed.Amount, computed.Basis)
}

func serviceDeadlines(library *Library) string {
	book := version(library, "pp82-2019")
	received, _ := calendar.ParseDate("2024-06-13")
	var deadlines []string
	for _, programme := range []string{"JKM", "JKK", "SCHOLARSHIP"} {
		deadlines = append(deadlines, programme+" "+book.ServiceDeadline(programme, received).String())
	}
	return strings.Join(deadlines, " ")
}

// The helpers above must not hide a rule that ignores its inputs: the probes
// on the rule book as it is give the figures of the worked examples.
func TestProbesShowTheRuleBooksFigures(t *testing.T) {
	library := Default()
	for _, want := range []struct {
		probe func(*Library) string
		part  string
	}{
		{puContribution, "= 187200"},                 // worked example 7
		{jkmDeath, "= 42000000"},                     // worked example 1
		{jkkBenefits, "= 214000000"},                 // worked example 3
		{jkkBenefits, "= 208000000"},                 // worked example 4
		{jkkBenefits, "= 39000000"},                  // worked example 5
		{jkkBenefits, "= 84000000"},                  // worked example 6
		{bpuContribution, "JKK 0+10000=10000 at 1%"}, // worked example 9: 10,000
		{bpuContribution, "JKM 0+6800=6800 at flat"}, // + 6,800
		{penalties, "PU 2% × 1 = 6000"},              // worked example 10
		{jhtReturn, "on 1111500 = 62577"},            // the average month-end balance
		{dueDates, "PU:2024-06-19"},                  // Idul Adha and cuti bersama
		{serviceDeadlines, "JKM 2024-06-20"},         // 3 working days
		{versionOn("2019-12-02"), "pp82-2019"},       // PP 82/2019 in force
		{ages, "covered from 18 to 56"},              // who is covered
		{arrearsFigures, "grace 3, BPU inactive after 3, BPU back payment 3"},
	} {
		if got := want.probe(library); !strings.Contains(got, want.part) {
			t.Errorf("probe gives %q, want it to contain %q", got, want.part)
		}
	}
}
