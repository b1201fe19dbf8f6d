package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/payer"
)

// claimPlan is one claim: filed, approved, then paid in one payout (for a
// scholarship, the first school year's tranches), each on its business date
// (file.FiledOn, approvedOn, paidOn: plan.dateClaims).
type claimPlan struct {
	file                *command.FileClaim
	payoutID, reference string
	approvedOn, paidOn  calendar.Date
}

// A claim's story in days: filed a week after its incident (a JHT claim
// after an exit, a week after the month's wait), approved five days after
// filing, paid three days after the approval.
const (
	filedAfterDays    = 7
	approvedAfterDays = 5
	paidAfterDays     = 3
)

// dateClaims gives every claim its business dates in the story's order,
// none after today: the demo records each claim in the month it happened.
func (p *plan) dateClaims() {
	notAfterToday := func(d calendar.Date) calendar.Date {
		if d.After(p.today) {
			return p.today
		}
		return d
	}
	for _, w := range p.workers {
		for i := range w.claims {
			c := &w.claims[i]
			if c.file.FiledOn.IsZero() {
				c.file.FiledOn = c.file.IncidentDate.AddDays(filedAfterDays)
			}
			c.file.FiledOn = notAfterToday(c.file.FiledOn)
			c.approvedOn = notAfterToday(c.file.FiledOn.AddDays(approvedAfterDays))
			c.paidOn = notAfterToday(c.approvedOn.AddDays(paidAfterDays))
		}
	}
}

// lastPayout is the day of the latest payout planned; zero when none is.
func (p *plan) lastPayout() calendar.Date {
	var last calendar.Date
	for _, w := range p.workers {
		for _, c := range w.claims {
			if c.paidOn.After(last) {
				last = c.paidOn
			}
		}
	}
	return last
}

// steps: file, approve, pay.
func (claimPlan) steps() int { return 3 }

// How often things happen, per worker drawn (each at least once).
const (
	wageChangeOneIn      = 12   // PU workers given a raise in some January
	membershipEndOneIn   = 70   // PU workers who resign or reach the end of their term
	jhtAfterExitOneIn    = 3    // of those who resign: JHT claimed and paid
	accidentsPerWorkers  = 1000 // JKK medical care (and every second one time off work)
	jkmDeathsPerWorkers  = 2500 // deaths not caused by work
	jkkDeathsPerWorkers  = 5000 // deaths by work accident, with children at school
	incidentWindowMonths = 24   // incidents fall in the first two years, well before today
	// lifeEventsFromWorkers: a smaller demo (a test fixture) is the seed story
	// and the bills only, so its figures stay easy to count by hand.
	lifeEventsFromWorkers = 100
)

// lifeEvents draws wage changes, ends of membership, accidents and deaths.
// Incidents are drawn only among workers whose payer is not in arrears, so
// every claim is paid by BPJS directly, and at most one event per worker.
func (p *plan) lifeEvents(random *rand.Rand, workers int) {
	if workers < lifeEventsFromWorkers {
		return
	}
	inArrears := map[string]bool{}
	for _, payer := range p.payers {
		inArrears[payer.register.PayerID] = payer.inArrears
	}
	var wageEarners, candidates []*worker
	for _, w := range p.workers {
		if w.busy || w.register.Segment == "construction" {
			continue
		}
		if w.register.Segment == "PU" {
			wageEarners = append(wageEarners, w)
		}
		if !inArrears[w.register.PayerID] {
			candidates = append(candidates, w)
		}
	}
	for _, w := range wageEarners {
		switch {
		case random.IntN(wageChangeOneIn) == 0:
			p.raise(random, w)
		case random.IntN(membershipEndOneIn) == 0:
			p.end(random, w)
		}
	}
	for i := 0; i < max(2, workers/accidentsPerWorkers); i++ {
		p.incident(random, candidates, "", p.accident)
	}
	for i := 0; i < max(1, workers/jkmDeathsPerWorkers); i++ {
		p.incident(random, candidates, "", p.jkmDeath)
	}
	for i := 0; i < max(1, workers/jkkDeathsPerWorkers); i++ {
		p.incident(random, candidates, "PU", p.jkkDeath)
	}
}

// incidentDate is a day in the incident window after the worker joined.
func (p *plan) incidentDate(random *rand.Rand, w *worker) (calendar.Date, bool) {
	low := laterOf(p.first.AddMonths(1), w.joined.AddMonths(1))
	high := p.last.AddMonths(-2)
	if limit := p.first.AddMonths(incidentWindowMonths - 1); limit.Before(high) {
		high = limit
	}
	if high.Before(low) {
		return calendar.Date{}, false
	}
	period := low.AddMonths(random.IntN(low.MonthsUntil(high) + 1))
	return period.FirstDay().AddDays(4 + random.IntN(20)), true
}

// incident picks a free worker (of the segment, if given) and lets happen decide what befalls them.
func (p *plan) incident(random *rand.Rand, candidates []*worker, segment string, happen func(*rand.Rand, *worker, calendar.Date)) {
	for attempt := 0; attempt < 2*len(candidates)+10 && len(candidates) > 0; attempt++ {
		w := candidates[random.IntN(len(candidates))]
		if w.busy || (segment != "" && w.register.Segment != segment) {
			continue
		}
		date, ok := p.incidentDate(random, w)
		if !ok {
			continue
		}
		w.busy = true
		happen(random, w, date)
		return
	}
}

// raise: a new siltap from a January after the worker joined.
func (p *plan) raise(random *rand.Rand, w *worker) {
	var januaries []calendar.Period
	for year := w.joined.Year() + 1; year <= p.last.Year(); year++ {
		januaries = append(januaries, calendar.NewPeriod(year, time.January))
	}
	if len(januaries) == 0 {
		return
	}
	from := januaries[random.IntN(len(januaries))]
	w.busy = true
	wage := w.enroll.Wage.Decimal.Add(decimal.NewFromInt(50_000 * int64(2+random.IntN(7))))
	w.life = append(w.life, &command.ChangeWage{NIK: w.register.NIK, EffectiveDate: from.FirstDay(), Wage: &command.Money{Decimal: wage}})
}

// end: a BPD member's term ends, anyone else resigns; some claim their JHT.
func (p *plan) end(random *rand.Rand, w *worker) {
	date, ok := p.incidentDate(random, w)
	if !ok {
		return
	}
	w.busy = true
	reason := "resigned"
	if w.register.Category == "bpd" {
		reason = "end_of_term"
	}
	w.life = append(w.life, &command.EndMembership{NIK: w.register.NIK, Date: date, Reason: reason})
	if random.IntN(jhtAfterExitOneIn) == 0 {
		// JHT is payable a month after the exit (docs/rulebook.md).
		w.claims = append(w.claims, p.claim(w, &command.FileClaim{NIK: w.register.NIK, Programme: "JHT", Benefit: "full", IncidentDate: date,
			FiledOn: date.AddMonths(1).AddDays(filedAfterDays)}, "jht"))
	}
}

// accident: medical care on invoice, and for every second one the months off work (STMB).
func (p *plan) accident(random *rand.Rand, w *worker, date calendar.Date) {
	accidentID := fmt.Sprintf("kk-%d-%s", w.serial, date.Period())
	w.life = append(w.life, &command.ReportAccident{AccidentID: accidentID, NIK: w.register.NIK, Date: date, ReportedOn: date.AddDays(random.IntN(3)),
		Description: accidents[random.IntN(len(accidents))]})
	cost := money(2_500_000 + 250_000*random.Int64N(100))
	w.claims = append(w.claims, p.claim(w, &command.FileClaim{NIK: w.register.NIK, Programme: "JKK", Benefit: "medical", IncidentDate: date,
		Details: &command.Details{Cost: cost}}, "jkk-medical"))
	if random.IntN(2) == 0 {
		w.claims = append(w.claims, p.claim(w, &command.FileClaim{NIK: w.register.NIK, Programme: "JKK", Benefit: "temporary_incapacity", IncidentDate: date,
			Details: &command.Details{Months: 1 + random.IntN(3)}}, "jkk-stmb"))
	}
}

var accidents = []string{
	"Terjatuh dari sepeda motor dalam perjalanan ke kantor desa",
	"Tertimpa material saat kerja bakti membangun jalan desa",
	"Terpeleset di dermaga saat pendataan nelayan",
	"Luka sabetan parang saat membersihkan saluran irigasi",
	"Kecelakaan lalu lintas sepulang posyandu",
}

// jkmDeath: a death not caused by work; the spouse claims JKM and, for a wage earner, the JHT balance.
func (p *plan) jkmDeath(random *rand.Rand, w *worker, date calendar.Date) {
	w.life = append(w.life, &command.ReportDeath{NIK: w.register.NIK, Date: date, Cause: "other"})
	heir := p.spouse(random, w)
	w.claims = append(w.claims, p.claim(w, &command.FileClaim{NIK: w.register.NIK, Programme: "JKM", Benefit: "death", IncidentDate: date, Heir: heir}, "jkm"))
	if w.register.Segment == "PU" {
		w.claims = append(w.claims, p.claim(w, &command.FileClaim{NIK: w.register.NIK, Programme: "JHT", Benefit: "full", IncidentDate: date, Heir: heir}, "jht"))
	}
}

// jkkDeath: a fatal work accident; JKK death, JHT and the scholarship of two children.
func (p *plan) jkkDeath(random *rand.Rand, w *worker, date calendar.Date) {
	accidentID := fmt.Sprintf("kk-%d-%s", w.serial, date.Period())
	w.life = append(w.life,
		&command.ReportAccident{AccidentID: accidentID, NIK: w.register.NIK, Date: date, ReportedOn: date.AddDays(1), Description: "Kecelakaan kerja yang merenggut nyawa: " + accidents[random.IntN(len(accidents))]},
		&command.ReportDeath{NIK: w.register.NIK, Date: date, Cause: "work_accident", AccidentID: accidentID})
	heir := p.spouse(random, w)
	w.claims = append(w.claims,
		p.claim(w, &command.FileClaim{NIK: w.register.NIK, Programme: "JKK", Benefit: "death", IncidentDate: date, Heir: heir}, "jkk"),
		p.claim(w, &command.FileClaim{NIK: w.register.NIK, Programme: "JHT", Benefit: "full", IncidentDate: date, Heir: heir}, "jht"))
	family := familyNames[random.IntN(len(familyNames))]
	// Two different given names: a claim names each child once (FileClaim refuses a name twice).
	elder := random.IntN(len(givenNames))
	younger := (elder + 1 + random.IntN(len(givenNames)-1)) % len(givenNames)
	children := []command.Child{
		{FullName: givenNames[elder] + " " + family, BirthDate: calendar.NewDate(date.Year()-13, time.Month(1+random.IntN(6)), 1+random.IntN(28)), Level: "SMP", Grade: 1},
		{FullName: givenNames[younger] + " " + family, BirthDate: calendar.NewDate(date.Year()-8, time.Month(1+random.IntN(6)), 1+random.IntN(28)), Level: "SD", Grade: 2},
	}
	w.claims = append(w.claims, p.claim(w, &command.FileClaim{NIK: w.register.NIK, Programme: "SCHOLARSHIP", Benefit: "scholarship", IncidentDate: date, Heir: heir,
		Details: &command.Details{Children: children}}, "beasiswa"))
}

// spouse is the heir: the widow or widower, with a NIK of the same kecamatan.
func (p *plan) spouse(random *rand.Rand, w *worker) *command.Heir {
	var code int
	_, _ = fmt.Sscanf(w.register.NIK[4:6], "%02d", &code)
	birth := w.register.BirthDate.AddYears(random.IntN(5) - 2)
	female := w.register.NIK[6] < '4' // the member is a man when the day has no 40 added
	return &command.Heir{FullName: givenNames[random.IntN(len(givenNames))] + " " + strings.Fields(w.register.FullName)[1],
		Relationship: "spouse", NIK: uniqueNIK(code, birth, female, 5000+w.serial, p.niks)}
}

// claim names a claim after its kind, the worker and the month, and its payout after the claim.
func (p *plan) claim(w *worker, file *command.FileClaim, kind string) claimPlan {
	file.ClaimID = fmt.Sprintf("%s-%d-%s", kind, w.serial, file.IncidentDate.Period())
	return claimPlan{file: file, payoutID: "payout-" + file.ClaimID, reference: "BPJSTK-BTL-" + strings.ToUpper(file.ClaimID)}
}

// fileAndPay files, approves and pays one claim; each step is a no-op when done before.
func (r *runner) fileAndPay(ctx context.Context, c claimPlan) error {
	filed, err := r.application.LoadClaim(ctx, c.file.ClaimID)
	if err != nil {
		return err
	}
	next := []command.Command{c.file, &command.ApproveClaim{ClaimID: c.file.ClaimID, ApprovedOn: c.approvedOn}}
	if filed.Filed != nil {
		// Filed by an earlier run: a FileClaim retry with money in its details
		// is refused as other data (the decimal read back differs in form), so
		// it is not sent again.
		r.step(1)
		next = next[1:]
	}
	for _, c := range next {
		if _, err := r.execute(ctx, r.application, c); err != nil {
			return err
		}
	}
	if c.file.Programme == "SCHOLARSHIP" {
		return r.payFirstTranches(ctx, c)
	}
	return r.payInFull(ctx, c)
}

// payFirstTranches pays the scholarship's first school year, once.
func (r *runner) payFirstTranches(ctx context.Context, c claimPlan) error {
	state, err := r.application.LoadClaim(ctx, c.file.ClaimID)
	if err != nil {
		return err
	}
	if state.Approved == nil || len(state.Payouts) > 0 || len(state.Approved.Tranches) == 0 {
		r.step(1)
		return nil
	}
	first := state.Approved.Tranches[0].SchoolYear
	amount := decimal.Zero
	for _, tranche := range state.Approved.Tranches {
		if tranche.SchoolYear == first {
			amount = amount.Add(tranche.Amount.Decimal)
		}
	}
	_, err = r.execute(ctx, r.application, &command.RecordPayout{PayoutID: c.payoutID, ClaimID: c.file.ClaimID, Amount: &command.Money{Decimal: amount},
		PaidOn: c.paidOn, BankReference: c.reference, SchoolYear: first})
	return err
}

// payInFull pays what the claim's approval says, in one payout.
func (r *runner) payInFull(ctx context.Context, c claimPlan) error {
	state, err := r.application.LoadClaim(ctx, c.file.ClaimID)
	if err != nil {
		return err
	}
	if state.Approved == nil {
		return fmt.Errorf("demo: claim %s is %s, not approved", c.file.ClaimID, state.Status())
	}
	if len(state.Payouts) > 0 || !state.Outstanding().IsPositive() {
		r.step(1)
		return nil
	}
	_, err = r.execute(ctx, r.application, &command.RecordPayout{PayoutID: c.payoutID, ClaimID: c.file.ClaimID, Amount: &command.Money{Decimal: state.Outstanding()},
		PaidOn: c.paidOn, BankReference: c.reference})
	return err
}

func billTotal(application *app.Application, result app.Result) decimal.Decimal {
	total := decimal.Zero
	for _, recorded := range result.Events {
		decoded, err := application.Decode(recorded)
		if err != nil {
			continue
		}
		if billed, ok := decoded.(*payer.ContributionsBilled); ok {
			total = total.Add(billed.Total.Decimal)
		}
	}
	return total
}
