package app_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/calendar"
)

// commandGenerator draws command lines for the command-level property test:
// mostly plausible ones about a small world (three payers, eight people,
// a few claims, payments and payouts whose ids collide on purpose), each
// field now and then replaced by an extreme (the largest amount and one sen
// more, years 1900, 2199 and 9999, tomorrow, empty and very long text, huge
// numbers, empty and long lists). It remembers what was accepted (deaths,
// accidents, recorded events) so later commands can build on it.
type commandGenerator struct {
	random *rand.Rand
	today  calendar.Date
	// deaths and accidents accepted, by NIK: claims are filed on those dates.
	deaths    map[string]deathOf
	accidents map[string][][2]string // NIK -> [accident id, date]
	// reversible are the event ids of recorded payments and payouts.
	reversible []string
	// approved are the approved claims, with what a payout on each may pay.
	approved map[string]payable
	filed    map[string]bool
	payouts  int
}

// payable is what an approved claim pays: its total, or for a scholarship
// the first school year's tranches.
type payable struct {
	amount     string
	schoolYear int
}

func newCommandGenerator(seed uint64, today calendar.Date) *commandGenerator {
	return &commandGenerator{random: rand.New(rand.NewPCG(seed, 0x6a6d6e)), today: today,
		deaths: map[string]deathOf{}, accidents: map[string][][2]string{}, approved: map[string]payable{}, filed: map[string]bool{}}
}

// deathOf is a death on record.
type deathOf struct{ date, cause string }

// person is one of the generator's people: how they register, and who pays.
type person struct {
	nik, name, birth, category, segment, kecamatan, desa, payer string
}

var (
	generatedPayers = []struct{ id, kind string }{{"g-desa", "village_government"}, {"g-pemkab", "regency"}, {"g-bumdes", "bumdes"}}
	generatedPeople = []person{
		{"6310064203820101", "Halimah", "1982-03-02", "perangkat_desa", "PU", "Kusan Tengah", "Pakatellu", "g-desa"},
		{"6310060101800102", "Rusdi", "1980-01-01", "bpd", "PU", "Kusan Tengah", "Sepunggur", "g-desa"},
		{"6310054507850103", "Santi", "1985-07-05", "kader", "BPU", "Kusan Hilir", "Muara Pagatan Tengah", "g-pemkab"},
		{"6310055008900104", "Rina", "1990-08-10", "pekerja_rentan", "BPU", "Kusan Hilir", "Batuah", "g-pemkab"},
		{"6310051203880105", "Agus", "1988-03-12", "konstruksi", "construction", "Kusan Hilir", "Batuah", "g-bumdes"},
		{"6310060505750106", "Yusuf", "1975-05-05", "bumdes", "PU", "Kusan Tengah", "Pakatellu", "g-bumdes"},
		{"6310064404700107", "Mariani", "1970-04-04", "rt_rw", "BPU", "Kusan Tengah", "Sepunggur", "g-pemkab"},
		{"6310061111690108", "Ilham", "1969-11-11", "perangkat_desa", "PU", "Kusan Tengah", "Pakatellu", "g-desa"},
	}
	// few ids, so payments, payouts and claims meet and collide
	generatedClaims     = []string{"gc-0", "gc-1", "gc-2", "gc-3", "gc-4", "gc-5", "gc-6", "gc-7", "gc-8", "gc-9", "gc-10", "gc-11", "gc-12", "gc-13", "gc-14", "gc-15"}
	generatedPayouts    = []string{"gpo-0", "gpo-1"}
	generatedChildren   = []string{"Nur Aini", "nur  aini", "Fikri", "Budi Santoso"}
	generatedStatements = []string{"gs-0", "gs-1", "gs-2", "gs-3"}
	generatedProjects   = []string{"gpr-0", "gpr-1", "gpr-2", "gpr-3", "gpr-4"} // the prelude registers the first two
)

// prelude registers the payers and people and enrolls them: the world the
// random steps act on. It goes through the command path like every step.
func (g *commandGenerator) prelude() []string {
	var lines []string
	for _, payer := range generatedPayers {
		lines = append(lines, line(map[string]any{"command": "RegisterPayer", "payer_id": payer.id, "name": "Payer " + payer.id, "kind": payer.kind, "risk_class": 1}))
	}
	// One project the prelude's enrollment fits, one it does not (it starts later): then a later Enroll may bill it.
	for i, id := range generatedProjects[:2] {
		lines = append(lines, line(map[string]any{"command": "RegisterProject", "project_id": id, "payer_id": "g-bumdes", "name": "Project " + id,
			"contract_value": []string{"80000000", "750000000"}[i], "start_on": []string{"2021-01-01", "2024-01-01"}[i], "end_on": "2027-06-30"}))
	}
	for _, p := range generatedPeople {
		lines = append(lines, line(g.registration(p)), line(g.enrollment(p, "2021-01-01")))
	}
	return lines
}

func (g *commandGenerator) registration(p person) map[string]any {
	fields := map[string]any{"command": "RegisterParticipant", "nik": p.nik, "name": p.name, "birth_date": p.birth, "category": p.category,
		"segment": p.segment, "kecamatan": p.kecamatan, "desa": p.desa, "payer_id": p.payer}
	if g.random.IntN(3) == 0 {
		fields["registered_on"] = g.date() // a business date, now and then an extreme (before the birth, in the future)
	}
	return fields
}

func (g *commandGenerator) enrollment(p person, from string) map[string]any {
	fields := map[string]any{"command": "Enroll", "nik": p.nik, "effective_date": from}
	switch p.segment {
	case "PU":
		fields["programmes"], fields["wage"] = []string{"JKK", "JKM", "JHT"}, "3000000"
	case "BPU":
		fields["programmes"], fields["declared_income"] = []string{"JKK", "JKM"}, "1000000"
	default:
		fields["programmes"], fields["project_id"] = []string{"JKK", "JKM"}, generatedProjects[g.random.IntN(len(generatedProjects))]
	}
	return fields
}

// next draws one command line.
func (g *commandGenerator) next() string {
	kinds := []struct {
		weight int
		draw   func() map[string]any
	}{
		{1, g.registerPayer}, {2, g.registerParticipant}, {2, g.enroll}, {2, g.changeWage}, {1, g.endMembership},
		{5, g.assess}, {5, g.payment}, {3, g.accident}, {4, g.death}, {10, g.fileClaim}, {7, g.approve}, {1, g.reject},
		{8, g.payout}, {2, g.reverse}, {1, g.jhtReturn}, {1, g.closePeriod}, {1, g.changePayer}, {2, g.scholarshipChange},
		{3, g.statement}, {1, g.registerProject},
	}
	total := 0
	for _, kind := range kinds {
		total += kind.weight
	}
	pick := g.random.IntN(total)
	for _, kind := range kinds {
		if pick < kind.weight {
			return line(g.mutate(kind.draw()))
		}
		pick -= kind.weight
	}
	panic("unreachable")
}

func line(fields map[string]any) string {
	body, err := json.Marshal(fields)
	if err != nil {
		panic(err)
	}
	return string(body)
}

// mutate now and then replaces one field (never "command") with an extreme of its kind.
func (g *commandGenerator) mutate(fields map[string]any) map[string]any {
	if g.random.IntN(8) != 0 {
		return fields
	}
	keys := make([]string, 0, len(fields))
	for key := range fields {
		if key != "command" {
			keys = append(keys, key)
		}
	}
	if len(keys) == 0 {
		return fields
	}
	slices.Sort(keys)
	key := keys[g.random.IntN(len(keys))]
	switch value := fields[key].(type) {
	case string:
		fields[key] = g.extremeLike(key, value)
	case int:
		fields[key] = g.pick(0, -1, 1, 6, 601, 2147483648, 1<<53, 9999)
	case []string:
		fields[key] = g.pick([]string{}, []string{"JKK", "JKK"}, []string{"X"}, []string{"JKK", "JKM", "JHT", "JKP"})
	default:
		delete(fields, key)
	}
	return fields
}

// extremeLike is an extreme of the kind of value key holds.
func (g *commandGenerator) extremeLike(key, value string) any {
	switch {
	case key == "amount" || key == "wage" || key == "declared_income" || key == "contract_value" || key == "cost":
		return g.pick("0", "0.01", "1000000000000.00", "1000000000000.01", "9999999999999999.99", "99999999999999999", "-5", "1.005", "1e6", 5)
	case key == "period" || key == "post_to_period":
		return g.pick("1900-01", "2199-12", "9999-12", g.today.Period().Next().String(), g.today.Period().AddMonths(2).String(), "2024-13", "")
	case strings.HasSuffix(key, "date") || strings.HasSuffix(key, "_on") || strings.HasPrefix(key, "period_") || key == "date" || key == "project_end":
		return g.pick("1900-01-01", "2199-12-31", "9999-12-31", "0001-01-01", g.today.AddDays(1).String(), g.today.String(),
			g.today.AddMonths(13).String(), "2024-02-30", "")
	default:
		return g.pick("", " ", strings.Repeat("x", 121), strings.Repeat("é", 2001), "a\u0000b", value+value, "\t")
	}
}

func (g *commandGenerator) pick(choices ...any) any { return choices[g.random.IntN(len(choices))] }

func (g *commandGenerator) person() person {
	return generatedPeople[g.random.IntN(len(generatedPeople))]
}

func (g *commandGenerator) payer() string {
	return generatedPayers[g.random.IntN(len(generatedPayers))].id
}

// date is a day from 2024-01-01 to today, mostly; sometimes an extreme.
func (g *commandGenerator) date() string {
	if g.random.IntN(10) == 0 {
		return g.extremeLike("date", "").(string)
	}
	first := calendar.NewDate(2024, 1, 1)
	span := int(g.today.Time().Sub(first.Time()).Hours()/24) + 1
	return first.AddDays(g.random.IntN(span)).String()
}

// period is a month from 2024-01 to next month, mostly; sometimes an extreme.
func (g *commandGenerator) period() string {
	if g.random.IntN(12) == 0 {
		return g.extremeLike("period", "").(string)
	}
	first := calendar.NewPeriod(2024, 1)
	return first.AddMonths(g.random.IntN(first.MonthsUntil(g.today.Period().Next()) + 1)).String()
}

func (g *commandGenerator) amount() string {
	return g.pick("187200", "187200.00", "16800", "33600", "374400", "42000000", "1000000", "1500000", "2000000", "3500000", "9000000",
		fmt.Sprintf("%d.%02d", 1+g.random.IntN(50_000_000), g.random.IntN(100))).(string)
}

func (g *commandGenerator) registerPayer() map[string]any {
	payer := generatedPayers[g.random.IntN(len(generatedPayers))]
	fields := map[string]any{"command": "RegisterPayer", "payer_id": payer.id, "name": "Payer " + payer.id, "kind": payer.kind, "risk_class": 1 + g.random.IntN(5)}
	if g.random.IntN(2) == 0 {
		fields["registered_on"] = g.date()
	}
	return fields
}

func (g *commandGenerator) registerParticipant() map[string]any { return g.registration(g.person()) }

func (g *commandGenerator) enroll() map[string]any { return g.enrollment(g.person(), g.date()) }

func (g *commandGenerator) changeWage() map[string]any {
	p := g.person()
	fields := map[string]any{"command": "ChangeWage", "nik": p.nik, "effective_date": g.date()}
	if p.segment == "BPU" {
		fields["declared_income"] = g.pick("1000000", "2000000", "20700000").(string)
	} else {
		fields["wage"] = g.pick("3500000", "4000000", "100000000").(string)
	}
	return fields
}

func (g *commandGenerator) endMembership() map[string]any {
	return map[string]any{"command": "EndMembership", "nik": g.person().nik, "date": g.date(), "reason": g.pick("resigned", "end_of_term", "death", "age_56").(string)}
}

func (g *commandGenerator) assess() map[string]any {
	return g.maybeDated(map[string]any{"command": "AssessContributions", "payer_id": g.payer(), "period": g.period()}, "assessed_on")
}

// registerProject is a construction project of a payer, now and then one of
// the prelude's again (a retry, or other data), with a term from a date.
func (g *commandGenerator) registerProject() map[string]any {
	id := generatedProjects[g.random.IntN(len(generatedProjects))]
	return g.maybeDated(map[string]any{"command": "RegisterProject", "project_id": id, "payer_id": g.payer(), "name": "Project " + id,
		"contract_value": g.pick("80000000", "750000000", g.amount()).(string), "start_on": g.date(), "end_on": g.pick("2027-06-30", g.date()).(string)}, "registered_on")
}

func (g *commandGenerator) payment() map[string]any {
	fields := map[string]any{"command": "RecordPayment", "payment_id": fmt.Sprintf("gp-%d", g.random.IntN(12)), "payer_id": g.payer(),
		"amount": g.amount(), "paid_on": g.date(), "bank_reference": fmt.Sprintf("BPD-%d", g.random.IntN(6))}
	if g.random.IntN(3) == 0 {
		fields["period"] = g.period()
	}
	return fields
}

func (g *commandGenerator) accident() map[string]any {
	p := g.living()
	date := g.date()
	reported := date
	if parsed, err := calendar.ParseDate(date); err == nil && g.random.IntN(2) == 0 {
		reported = parsed.AddDays(1 + g.random.IntN(3)).String() // sometimes late (over 2 × 24 hours), sometimes tomorrow
	}
	return map[string]any{"command": "ReportAccident", "accident_id": fmt.Sprintf("ga-%d", g.random.IntN(6)), "nik": p.nik, "date": date,
		"reported_on": reported, "description": "jatuh"}
}

func (g *commandGenerator) death() map[string]any {
	p := g.living()
	fields := map[string]any{"command": "ReportDeath", "nik": p.nik, "date": g.date(), "cause": "other"}
	if accidents := g.accidents[p.nik]; len(accidents) > 0 && g.random.IntN(2) == 0 {
		accident := accidents[g.random.IntN(len(accidents))]
		fields["cause"], fields["accident_id"], fields["date"] = "work_accident", accident[0], accident[1]
	}
	return fields
}

// living is, most of the time, someone whose death is not on record.
func (g *commandGenerator) living() person {
	var living []person
	for _, p := range generatedPeople {
		if _, dead := g.deaths[p.nik]; !dead {
			living = append(living, p)
		}
	}
	if len(living) == 0 || g.random.IntN(6) == 0 {
		return g.person()
	}
	return living[g.random.IntN(len(living))]
}

// claimant is, most of the time, someone whose death or accident is on record.
func (g *commandGenerator) claimant() person {
	var known []person
	for _, p := range generatedPeople {
		if _, dead := g.deaths[p.nik]; dead || len(g.accidents[p.nik]) > 0 {
			known = append(known, p)
		}
	}
	if len(known) == 0 || g.random.IntN(4) == 0 {
		return g.person()
	}
	return known[g.random.IntN(len(known))]
}

// fileClaim files a claim that fits the claimant's record most of the time:
// after a death the death benefit of its cause, the scholarship or JHT;
// after an accident a JKK benefit; otherwise anything.
func (g *commandGenerator) fileClaim() map[string]any {
	p := g.claimant()
	fields := map[string]any{"command": "FileClaim", "claim_id": g.claimID(func(id string) bool { return !g.filed[id] }), "nik": p.nik, "incident_date": g.date()}
	heir := map[string]any{"name": "Ahli Waris", "relationship": "spouse"}
	death, dead := g.deaths[p.nik]
	accidents := g.accidents[p.nik]
	kind := g.random.IntN(5)
	switch {
	case g.random.IntN(5) == 0: // anything, whatever the record says
	case dead:
		kind = g.pick(0, 2, 4).(int)
	case len(accidents) > 0:
		kind = 3
	}
	switch kind {
	case 0, 1:
		fields["programme"], fields["benefit"], fields["heir"] = "JKM", "death", heir
		if dead {
			fields["incident_date"] = death.date
			if death.cause == "work_accident" {
				fields["programme"] = "JKK"
			}
		}
	case 2:
		fields["programme"], fields["benefit"], fields["heir"] = "SCHOLARSHIP", "scholarship", heir
		if dead {
			fields["incident_date"] = death.date
		}
		first := generatedChildren[g.random.IntN(len(generatedChildren))]
		children := []map[string]any{{"name": first, "birth_date": "2012-05-14", "level": "SMP", "grade": 1}}
		if g.random.IntN(2) == 0 {
			second := g.pick(first, generatedChildren[g.random.IntN(len(generatedChildren))]).(string) // often two of one name
			children = append(children, map[string]any{"name": second, "birth_date": "2016-08-21", "level": "SD", "grade": 2})
		}
		fields["details"] = map[string]any{"children": children}
	case 3:
		fields["programme"] = "JKK"
		if len(accidents) > 0 {
			fields["incident_date"] = accidents[g.random.IntN(len(accidents))][1]
		}
		benefit := g.pick("medical", "transport", "temporary_incapacity", "partial_disability", "total_disability").(string)
		fields["benefit"] = benefit
		fields["details"] = map[string]any{"medical": map[string]any{"cost": g.pick("2345678.50", "1000000000000.00", "1000000000000.01")},
			"transport": map[string]any{"transport_mode": "land", "cost": "6000000"}, "temporary_incapacity": map[string]any{"months": g.pick(1, 14, 600, 601)},
			"partial_disability": g.pick(map[string]any{"body_part": g.pick("one_eye", "one_eye", "one_eye", "ekor", strings.Repeat("z", 121))},
				map[string]any{"disability_percent": g.pick("10", "100", "100.01", "0")}),
			"total_disability": map[string]any{}}[benefit]
	default:
		fields["programme"], fields["benefit"] = "JHT", g.pick("full", "partial_10").(string)
		if dead {
			fields["incident_date"], fields["heir"] = death.date, heir
		}
	}
	if g.random.IntN(2) == 0 {
		fields["filed_on"] = g.date() // a business date: before the incident now and then, or an extreme
	}
	return fields
}

// claimID is, most of the time, a claim id that suits: one not filed yet, or
// one filed, or one approved; otherwise any.
func (g *commandGenerator) claimID(suits func(string) bool) string {
	var suited []string
	for _, id := range generatedClaims {
		if suits(id) {
			suited = append(suited, id)
		}
	}
	if len(suited) == 0 || g.random.IntN(5) == 0 {
		return generatedClaims[g.random.IntN(len(generatedClaims))]
	}
	return suited[g.random.IntN(len(suited))]
}

func (g *commandGenerator) approve() map[string]any {
	fields := map[string]any{"command": "ApproveClaim", "claim_id": g.claimID(func(id string) bool { _, done := g.approved[id]; return g.filed[id] && !done })}
	if g.random.IntN(2) == 0 {
		fields["approved_on"] = g.date()
	}
	return fields
}

func (g *commandGenerator) reject() map[string]any {
	fields := map[string]any{"command": "RejectClaim", "claim_id": generatedClaims[g.random.IntN(len(generatedClaims))], "reason": "dokumen tidak lengkap"}
	if g.random.IntN(2) == 0 {
		fields["rejected_on"] = g.date()
	}
	return fields
}

// payout pays an approved claim most of the time, what it owes, under a
// payout id of a small shared pool (so one id meets several claims) or a fresh one.
func (g *commandGenerator) payout() map[string]any {
	claimID := g.claimID(func(id string) bool { _, ok := g.approved[id]; return ok })
	payoutID := generatedPayouts[g.random.IntN(len(generatedPayouts))]
	if g.random.IntN(3) == 0 {
		g.payouts++
		payoutID = fmt.Sprintf("gpo-fresh-%d", g.payouts)
	}
	fields := map[string]any{"command": "RecordPayout", "payout_id": payoutID, "claim_id": claimID, "amount": g.amount(),
		"paid_on": g.pick(g.today.String(), g.date()).(string), "bank_reference": "BPJSTK-1"}
	if owed, ok := g.approved[claimID]; ok && g.random.IntN(4) != 0 {
		fields["amount"] = owed.amount
		if owed.schoolYear != 0 {
			fields["school_year"] = owed.schoolYear
		}
	} else if g.random.IntN(3) == 0 {
		fields["school_year"] = g.pick(2024, 2025, 2026).(int)
	}
	return fields
}

func (g *commandGenerator) reverse() map[string]any {
	eventID := "00000000-0000-0000-0000-000000000000"
	if len(g.reversible) > 0 {
		eventID = g.reversible[g.random.IntN(len(g.reversible))]
	}
	return g.maybeDated(map[string]any{"command": "Reverse", "event_id": eventID, "reason": g.pick("bank_returned", "wrong_amount").(string),
		"post_to_period": g.period()}, "reversed_on")
}

func (g *commandGenerator) jhtReturn() map[string]any {
	return g.maybeDated(map[string]any{"command": "CreditJHTReturn", "nik": g.person().nik, "year": g.pick(2024, 2025, 2026).(int),
		"rate_percent": g.pick("5.63", "100", "0.0001").(string), "source": "RUPS"}, "credited_on")
}

func (g *commandGenerator) closePeriod() map[string]any {
	return g.maybeDated(map[string]any{"command": "ClosePeriod", "payer_id": g.payer(), "period": g.period()}, "closed_on")
}

// maybeDated gives a command its optional business date half of the time
// (a day up to today, now and then an extreme).
func (g *commandGenerator) maybeDated(fields map[string]any, key string) map[string]any {
	if g.random.IntN(2) == 0 {
		fields[key] = g.date()
	}
	return fields
}

func (g *commandGenerator) changePayer() map[string]any {
	return map[string]any{"command": "ChangePayer", "nik": g.person().nik, "payer_id": g.payer(), "effective_date": g.date()}
}

func (g *commandGenerator) scholarshipChange() map[string]any {
	fields := map[string]any{"claim_id": generatedClaims[g.random.IntN(len(generatedClaims))], "child": generatedChildren[g.random.IntN(len(generatedChildren))],
		"reason": "not_enrolled_this_year"}
	if g.random.IntN(2) == 0 {
		fields["command"], fields["school_year"] = "SkipScholarshipTranche", g.pick(2025, 2026, 2030).(int)
		return g.maybeDated(fields, "skipped_on")
	}
	fields["command"], fields["from_school_year"] = "EndScholarship", g.pick(2025, 2030, 2199).(int)
	return g.maybeDated(fields, "ended_on")
}

// statement is a bank statement of a few lines, now and then of extreme amounts or many lines.
func (g *commandGenerator) statement() map[string]any {
	count := 1 + g.random.IntN(4)
	if g.random.IntN(8) == 0 {
		count = 400 // under the 64 KiB a command line may have
	}
	lines := make([]map[string]any, 0, count)
	for i := range count {
		amount := g.amount()
		if g.random.IntN(2) == 0 {
			amount = "-" + amount
		}
		if g.random.IntN(6) == 0 {
			amount = g.pick("1000000000000.00", "-1000000000000.00", "9999999999999999.99").(string)
		}
		lines = append(lines, map[string]any{"line": i + 1, "date": g.pick(g.today.String(), g.date()).(string), "reference": fmt.Sprintf("BPD-%d", g.random.IntN(6)), "amount": amount})
	}
	return g.maybeDated(map[string]any{"command": "ReconcileStatement", "statement_id": generatedStatements[g.random.IntN(len(generatedStatements))], "lines": lines}, "reconciled_on")
}

// remember notes what an accepted line made true, for the lines that follow.
func (g *commandGenerator) remember(text string, result app.Result) {
	var fields map[string]any
	if json.Unmarshal([]byte(text), &fields) != nil {
		return
	}
	nik, _ := fields["nik"].(string)
	date, _ := fields["date"].(string)
	switch fields["command"] {
	case "ReportDeath":
		cause, _ := fields["cause"].(string)
		g.deaths[nik] = deathOf{date: date, cause: cause}
	case "ReportAccident":
		id, _ := fields["accident_id"].(string)
		g.accidents[nik] = append(g.accidents[nik], [2]string{id, date})
	}
	for _, recorded := range result.Events {
		claimID := strings.TrimPrefix(recorded.StreamID, "claim-")
		switch recorded.Type {
		case "PaymentReceived", "PayoutRecorded":
			g.reversible = append(g.reversible, recorded.EventID.String())
		case "ClaimFiled":
			g.filed[claimID] = true
		case "ClaimApproved":
			g.approved[claimID] = payableOf(recorded.Data)
		}
	}
}

// payableOf reads what an approval makes payable: the total, or the first school year's tranches.
func payableOf(data []byte) payable {
	var approved struct {
		Total    string `json:"total"`
		Tranches []struct {
			SchoolYear int    `json:"school_year"`
			Amount     string `json:"amount"`
		} `json:"tranches"`
	}
	if json.Unmarshal(data, &approved) != nil {
		return payable{}
	}
	if len(approved.Tranches) == 0 {
		return payable{amount: approved.Total}
	}
	first := approved.Tranches[0].SchoolYear
	sum := decimal.Zero
	for _, tranche := range approved.Tranches {
		if tranche.SchoolYear == first {
			sum = sum.Add(decimal.RequireFromString(tranche.Amount))
		}
	}
	return payable{amount: sum.StringFixed(2), schoolYear: first}
}
