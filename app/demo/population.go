package demo

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/problem"
	"github.com/tanahbumbu/jaminan/domain/reference"
)

// plan is everything the demo will do, drawn from the seed before any command runs.
type plan struct {
	first, last calendar.Period
	today       calendar.Date
	payers      []*payerPlan
	// projects are the construction projects, one per village and month
	// their workers start in, each registered once and billed once.
	projects   []*command.RegisterProject
	projectsBy map[string]*command.RegisterProject
	workers    []*worker
	niks       map[string]bool // every NIK drawn, members' and heirs'
	// sharedNames are desa names found in more than one kecamatan.
	sharedNames map[string]bool
}

// payerPlan is a payer, its members, and when it pays each month's bill.
type payerPlan struct {
	register    *command.RegisterPayer
	members     []*worker
	firstPeriod calendar.Period // the first month any member is enrolled
	// paidOn[m] is when the bill of month m is paid; zero means never.
	paidOn []calendar.Date
	// inArrears marks a payer drawn to stop paying or to leave a month unpaid.
	inArrears bool
}

// worker is one participant and what happens to them.
type worker struct {
	serial   int
	register *command.RegisterParticipant
	enroll   *command.Enroll
	// life happens after enrolling and before billing: wage changes, the end
	// of membership, accidents and deaths.
	life   []command.Command
	claims []claimPlan
	joined calendar.Period
	busy   bool // has a life event already; one per worker keeps dates consistent
}

func (w *worker) commands() []command.Command {
	return append([]command.Command{w.register, w.enroll}, w.life...)
}

func (p *plan) periods() []calendar.Period {
	var periods []calendar.Period
	for period := p.first; !period.After(p.last); period = period.Next() {
		periods = append(periods, period)
	}
	return periods
}

// steps is the progress bar's total: every command and every planned step that needs none.
func (p *plan) steps() int {
	total := len(p.payers) + len(p.projects)
	for _, w := range p.workers {
		total += 2 + len(w.life)
		for _, c := range w.claims {
			total += c.steps()
		}
	}
	for _, payer := range p.payers {
		if len(payer.members) > 0 {
			total += 2 * len(p.periods())
		}
	}
	return total + 1 // the statement
}

func (p *plan) claimCount() int {
	count := 0
	for _, w := range p.workers {
		count += len(w.claims)
	}
	return count
}

var (
	givenNames = []string{"Ahmad", "Siti", "Muhammad", "Nur", "Rahmat", "Fitri", "Hendra", "Rina", "Syamsul", "Wahyuni", "Andi", "Dewi",
		"Budi", "Hasanah", "Yusuf", "Aisyah", "Rudi", "Mariani", "Fauzan", "Zainab", "Imam", "Sari", "Agus", "Nurul", "Ilham", "Rahmah"}
	familyNames = []string{"Saputra", "Rahman", "Hidayat", "Lestari", "Pratama", "Wulandari", "Anshari", "Maulana", "Hasan", "Fadillah",
		"Syahputra", "Yuliani", "Kurniawan", "Amalia", "Firmansyah", "Noor", "Basri", "Arsyad"}
)

// who pays a category's contributions
const (
	paidByVillage   = "village"
	paidByKecamatan = "kecamatan"
	paidByRegency   = "regency"
)

// mix is the village ecosystem: every category of the vocabulary, with its
// segment, who pays, the monthly wage range (PU, in steps of 50,000) and a weight.
var mix = []struct {
	category, segment, payer string
	wageLow, wageHigh        int64
	weight                   int
}{
	{"perangkat_desa", "PU", paidByVillage, 2_000_000, 4_500_000, 26},
	{"bpd", "PU", paidByVillage, 1_000_000, 2_000_000, 10},
	{"rt_rw", "BPU", paidByRegency, 0, 0, 13},
	{"rt_rw", "PU", paidByVillage, 500_000, 1_000_000, 3},
	{"kader", "BPU", paidByRegency, 0, 0, 14},
	{"pkk", "BPU", paidByRegency, 0, 0, 7},
	{"pekerja_rentan", "BPU", paidByRegency, 0, 0, 14},
	{"bumdes", "PU", paidByVillage, 1_500_000, 3_500_000, 3},
	{"koperasi", "PU", paidByVillage, 1_500_000, 3_000_000, 2},
	{"perangkat_kecamatan", "PU", paidByKecamatan, 2_500_000, 4_000_000, 2},
	{"perangkat_kelurahan", "PU", paidByKecamatan, 2_000_000, 3_500_000, 2},
	{"konstruksi", "construction", paidByVillage, 0, 0, 4},
}

// bpuDeclaredIncome is the regency's package for non-wage earners (docs/rulebook.md, worked example 9).
const bpuDeclaredIncome = 1_000_000

// koperasiFounded: the Koperasi Desa Merah Putih were set up from July 2025.
var koperasiFounded = calendar.NewPeriod(2025, 7)

// newPlan draws the payers, the workers and what happens to them; every draw
// is made here, in one order, so the seed alone decides the demo.
func newPlan(places *reference.Places, options Options, random *rand.Rand) (*plan, error) {
	pairs := sortedDesa(places, options.Kecamatan)
	if len(pairs) == 0 {
		return nil, errors.New("demo: no desa in the chosen kecamatan")
	}
	p := &plan{first: options.FirstPeriod, last: options.FirstPeriod.AddMonths(options.Months - 1), today: options.Today}
	payers := map[string]*payerPlan{}
	addPayer := func(id, name, kind string) {
		payer := &payerPlan{register: &command.RegisterPayer{PayerID: id, PayerName: name, Kind: kind, RiskClass: 1}}
		payers[id] = payer
		p.payers = append(p.payers, payer)
	}
	addPayer(RegencyPayer, "Pemerintah Kabupaten Tanah Bumbu (APBD, pekerja rentan)", "regency")
	addPayer(RegencyStaffPayer, "Pemerintah Kabupaten Tanah Bumbu (APBD, perangkat kecamatan dan kelurahan)", "regency")
	p.sharedNames = sharedDesaNames(places)
	for _, pair := range pairs {
		name := "Pemerintah Desa " + pair[1]
		if p.sharedNames[strings.ToLower(pair[1])] {
			name += " (Kecamatan " + pair[0] + ")"
		}
		addPayer(p.desaPayer(pair), name, "village_government")
	}
	kecamatanCode := map[string]int{}
	for i, name := range places.Kecamatan() {
		kecamatanCode[name] = i + 1
	}
	niks := map[string]bool{}
	p.niks = niks
	if p.storyFits(options.Kecamatan) {
		for _, s := range story {
			w := s.worker()
			niks[w.register.NIK] = true
			p.workers = append(p.workers, w)
		}
	}
	homes := activeDesa(random, pairs, options.Workers)
	for i := 0; i < options.Workers; i++ {
		pair := homes[random.IntN(len(homes))]
		p.workers = append(p.workers, p.randomWorker(random, pair, kecamatanCode[pair[0]], i+1, niks))
	}
	for _, w := range p.workers {
		payer := payers[w.register.PayerID]
		payer.members = append(payer.members, w)
		if payer.firstPeriod.IsZero() || w.joined.Before(payer.firstPeriod) {
			payer.firstPeriod = w.joined
		}
	}
	p.schedulePayments(random)
	p.lifeEvents(random, options.Workers)
	p.dateClaims()
	return p, nil
}

// storyFits: the seed story needs its two kecamatan and January to November 2024.
func (p *plan) storyFits(kecamatan []string) bool {
	has := map[string]bool{}
	for _, k := range kecamatan {
		has[strings.ToLower(k)] = true
	}
	for _, s := range story {
		if !has[strings.ToLower(s.kecamatan)] {
			return false
		}
	}
	return !storyFirstPeriod.Before(p.first) && !storyLastPeriod.After(p.last)
}

// RegencyStaffPayer pays the wage earners of the kecamatan and kelurahan offices.
const RegencyStaffPayer = "pemkab-tanah-bumbu-perangkat"

// workersPerDesa: a small demo puts its workers in one desa per this many
// workers (at least one per kecamatan), so each month bills fewer payers;
// from about 2,500 workers every desa has some.
const workersPerDesa = 16

// activeDesa picks the desa the random workers live in: round-robin over the
// kecamatan, so every kecamatan has some, in an order drawn from the seed.
func activeDesa(random *rand.Rand, pairs [][2]string, workers int) [][2]string {
	byKecamatan := map[string][][2]string{}
	var kecamatan []string
	for _, pair := range pairs {
		if byKecamatan[pair[0]] == nil {
			kecamatan = append(kecamatan, pair[0])
		}
		byKecamatan[pair[0]] = append(byKecamatan[pair[0]], pair)
	}
	want := min(len(pairs), max(len(kecamatan), workers/workersPerDesa))
	for _, k := range kecamatan {
		desa := byKecamatan[k]
		random.Shuffle(len(desa), func(i, j int) { desa[i], desa[j] = desa[j], desa[i] })
	}
	var chosen [][2]string
	for round := 0; len(chosen) < want; round++ {
		for _, k := range kecamatan {
			if round < len(byKecamatan[k]) && len(chosen) < want {
				chosen = append(chosen, byKecamatan[k][round])
			}
		}
	}
	return chosen
}

func desaPayer(desa string) string { return "desa-" + slug(desa) }

// desaPayer names the payer of a desa; five names (Kampung Baru, Mekar Jaya …)
// are found in two kecamatan, and those payers carry the kecamatan too.
func (p *plan) desaPayer(pair [2]string) string {
	if p.sharedNames[strings.ToLower(pair[1])] {
		return "desa-" + slug(pair[0]) + "-" + slug(pair[1])
	}
	return desaPayer(pair[1])
}

func sharedDesaNames(places *reference.Places) map[string]bool {
	seen, shared := map[string]int{}, map[string]bool{}
	for _, kecamatan := range places.Kecamatan() {
		for _, desa := range places.Desa(kecamatan) {
			seen[strings.ToLower(desa)]++
			if seen[strings.ToLower(desa)] > 1 {
				shared[strings.ToLower(desa)] = true
			}
		}
	}
	return shared
}

func slug(name string) string {
	return strings.ToLower(strings.NewReplacer(" ", "-", "'", "").Replace(name))
}

func (p *plan) randomWorker(random *rand.Rand, pair [2]string, kecamatanCode, serial int, niks map[string]bool) *worker {
	kind := mix[pick(random)]
	joined := p.first
	switch {
	case kind.category == "koperasi":
		joined = laterOf(p.first, koperasiFounded).AddMonths(random.IntN(6))
	case kind.segment == "construction":
		joined = p.first.AddMonths(random.IntN(p.months()))
	case random.IntN(5) == 0: // one in five joined during the three years
		joined = p.first.AddMonths(random.IntN(p.months()))
	}
	if joined.After(p.last) {
		joined = p.last
	}
	start := joined.FirstDay()
	female := random.IntN(2) == 0
	birth := calendar.NewDate(start.Year()-20-random.IntN(26), time.Month(1+random.IntN(12)), 1+random.IntN(28))
	name := givenNames[random.IntN(len(givenNames))] + " " + familyNames[random.IntN(len(familyNames))]
	nik := uniqueNIK(kecamatanCode, birth, female, serial, niks)
	enroll := &command.Enroll{NIK: nik, Programmes: []string{"JKK", "JKM"}, EffectiveDate: start}
	payerID := p.desaPayer(pair)
	switch {
	case kind.segment == "PU":
		enroll.Programmes = append(enroll.Programmes, "JHT")
		steps := (kind.wageHigh - kind.wageLow) / 50_000
		enroll.Wage = money(kind.wageLow + 50_000*random.Int64N(steps+1))
		if kind.payer == paidByKecamatan {
			payerID = RegencyStaffPayer
		}
	case kind.segment == "construction":
		// A Dana Desa project of 3 to 6 months, on a contract of 150 to 900
		// million; the village's workers starting the same month work on one.
		contract := money(150_000_000 + 50_000_000*random.Int64N(16))
		end := joined.AddMonths(3 + random.IntN(4)).FirstDay().AddDays(-1)
		enroll.ProjectID = p.project(payerID, pair[1], joined, contract, end)
	default:
		payerID = RegencyPayer
		enroll.DeclaredIncome = money(bpuDeclaredIncome)
	}
	return &worker{
		serial: serial,
		register: &command.RegisterParticipant{NIK: nik, FullName: name, BirthDate: birth, Category: kind.category, Segment: kind.segment,
			Kecamatan: pair[0], Desa: pair[1], PayerID: payerID},
		enroll: enroll,
		joined: joined,
	}
}

// project is the id of the village's project starting in the month joined,
// registered with this contract and end the first time it is asked for.
func (p *plan) project(payerID, desa string, joined calendar.Period, contract *command.Money, end calendar.Date) string {
	id := "proyek-" + payerID + "-" + joined.String()
	if p.projectsBy[id] == nil {
		if p.projectsBy == nil {
			p.projectsBy = map[string]*command.RegisterProject{}
		}
		project := &command.RegisterProject{ProjectID: id, PayerID: payerID, ProjectName: "Proyek Dana Desa " + desa + " " + joined.String(),
			ContractValue: contract, StartOn: joined.FirstDay(), EndOn: end, RegisteredOn: joined.FirstDay()}
		p.projectsBy[id] = project
		p.projects = append(p.projects, project)
	}
	return id
}

func (p *plan) months() int { return p.first.MonthsUntil(p.last) + 1 }

func laterOf(a, b calendar.Period) calendar.Period {
	if a.After(b) {
		return a
	}
	return b
}

func money(rupiah int64) *command.Money { return &command.Money{Decimal: decimal.NewFromInt(rupiah)} }

func pick(random *rand.Rand) int {
	total := 0
	for _, entry := range mix {
		total += entry.weight
	}
	roll := random.IntN(total)
	for i, entry := range mix {
		if roll < entry.weight {
			return i
		}
		roll -= entry.weight
	}
	return 0
}

// uniqueNIK builds a well-formed NIK: 63 (Kalimantan Selatan), 10 (Tanah
// Bumbu), the kecamatan, the birth date (day + 40 for women) and a serial,
// moved on when the NIK is taken.
func uniqueNIK(kecamatanCode int, birth calendar.Date, female bool, serial int, taken map[string]bool) string {
	day := birth.Day()
	if female {
		day += 40
	}
	for attempt := 0; ; attempt++ {
		nik := fmt.Sprintf("6310%02d%02d%02d%02d%04d", kecamatanCode, day, int(birth.Month()), birth.Year()%100, (serial+attempt)%9999+1)
		if !taken[nik] {
			taken[nik] = true
			return nik
		}
	}
}

// schedulePayments draws when each payer pays each month: the regency on the
// 1st of the month, kecamatan offices and villages between the 3rd and the 12th
// of the next; one village bill in ten is paid after the due date (a 2 %
// penalty), one in forty two or three months late. A few villages stop paying
// some months before today, and a few leave one month unpaid, so arrears of
// every age show on the dashboard.
func (p *plan) schedulePayments(random *rand.Rand) {
	months := p.months()
	var villages []*payerPlan
	for _, payer := range p.payers {
		payer.paidOn = make([]calendar.Date, months)
		for m := range payer.paidOn {
			period := p.first.AddMonths(m)
			switch {
			case payer.register.PayerID == RegencyPayer:
				payer.paidOn[m] = period.FirstDay()
			case random.IntN(40) == 0 && payer.register.Kind == "village_government":
				payer.paidOn[m] = period.AddMonths(2 + random.IntN(2)).FirstDay().AddDays(4 + random.IntN(20))
			case random.IntN(10) == 0 && payer.register.Kind == "village_government":
				payer.paidOn[m] = period.Next().FirstDay().AddDays(17 + random.IntN(10))
			default:
				payer.paidOn[m] = period.Next().FirstDay().AddDays(2 + random.IntN(10))
			}
		}
		if payer.register.Kind == "village_government" && len(payer.members) > 0 && !storyPayers[payer.register.PayerID] {
			villages = append(villages, payer)
		}
	}
	// Villages stop paying 4 to 7 months before today's month: bills 1 to 200 days overdue.
	stopping := max(2, len(villages)/25)
	for i := 0; i < stopping && len(villages) > 0; i++ {
		payer := takeRandom(random, &villages)
		payer.inArrears = true
		for m := max(0, months-4-random.IntN(4)); m < months; m++ {
			payer.paidOn[m] = calendar.Date{}
		}
	}
	// Villages that never paid one month in the middle of the three years.
	skipping := max(1, len(villages)/40)
	for i := 0; i < skipping && len(villages) > 0 && months > 12; i++ {
		payer := takeRandom(random, &villages)
		payer.inArrears = true
		payer.paidOn[6+random.IntN(months-12)] = calendar.Date{}
	}
}

func takeRandom[T any](random *rand.Rand, from *[]T) T {
	i := random.IntN(len(*from))
	chosen := (*from)[i]
	*from = append((*from)[:i], (*from)[i+1:]...)
	return chosen
}

// sortedDesa lists (kecamatan, desa) pairs of the chosen kecamatan.
func sortedDesa(places *reference.Places, kecamatan []string) [][2]string {
	var pairs [][2]string
	for _, k := range kecamatan {
		for _, d := range places.Desa(k) {
			pairs = append(pairs, [2]string{k, d})
		}
	}
	sort.Slice(pairs, func(i, j int) bool { return pairs[i][0]+pairs[i][1] < pairs[j][0]+pairs[j][1] })
	return pairs
}

func containsCode(err error, code string) bool {
	domainError, ok := problem.As(err)
	return ok && domainError.Code == code
}
