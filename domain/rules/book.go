package rules

import (
	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
)

// Book is one rule-book version: the figures a computation uses and records
// by id. A Book is immutable.
type Book struct {
	id            string
	regulation    string
	title         string
	scope         string // scopeFull or scopeContributions
	effectiveFrom calendar.Date
	firstPeriod   calendar.Period // contributions-only versions
	lastPeriod    calendar.Period
	asOf          calendar.Date // the date the book was chosen for; zero from Version
	notes         []string

	holidays map[string]bool // "YYYY-MM-DD", shared by every version

	wageEarner    wageEarnerRates
	nonWageEarner nonWageEarnerRates
	construction  constructionRates
	relief        *reliefRates
	due           map[Segment]dueRule
	penalty       penaltyRule

	arrearsGraceMonths           int
	bpuInactiveAfterUnpaidMonths int
	bpuBackPaymentMonthsMax      int
	wageLimits                   map[Segment]wageLimits

	jkm             jkmRules
	jkk             jkkRules
	scholarship     scholarshipRules
	jhtReturnMethod string

	serviceWorkingDays        map[string]int
	serviceWorkingDaysDefault int
}

const (
	scopeFull          = "full"
	scopeContributions = "contributions"
)

type wageEarnerRates struct {
	jkkPercentByRiskClass []decimal.Decimal
	jkmPercent            decimal.Decimal
	jhtEmployerPercent    decimal.Decimal
	jhtWorkerPercent      decimal.Decimal
	jkp                   *jkpRates
}

// jkpRates are the PP 49/2023 rates for members also enrolled in JKP.
type jkpRates struct {
	effectiveFrom         calendar.Date
	regulation            string
	jkkPercentByRiskClass []decimal.Decimal
	jkmPercent            decimal.Decimal
}

type nonWageEarnerRates struct {
	jkkPercent decimal.Decimal
	brackets   []incomeBracket
	jkmFlat    decimal.Decimal
	jhtPercent decimal.Decimal
}

// incomeBracket maps declared incomes from..to to the basis of the JKK rate;
// a zero basis means the declared income itself.
type incomeBracket struct {
	from, to decimal.Decimal
	basis    decimal.Decimal
}

type constructionRates struct {
	jkkTiers   []contractTier
	jkmPercent decimal.Decimal
}

// contractTier applies its rate to the contract value above the previous
// tier's bound up to upTo; a zero upTo is the open top tier.
type contractTier struct {
	upTo    decimal.Decimal
	percent decimal.Decimal
}

type reliefRates struct {
	discountPercent map[Programme]decimal.Decimal
	source          string
}

type dueRule struct {
	day           int
	monthOffset   int
	nonWorkingDay string // rollNext, rollPrevious or rollNone
}

const (
	rollNext     = "next"
	rollPrevious = "previous"
	rollNone     = "none"
)

type penaltyRule struct {
	percentPerMonth decimal.Decimal
	segments        map[Segment]bool
}

type wageLimits struct {
	minimum, maximum decimal.Decimal
}

type jkmRules struct {
	lumpSum                 decimal.Decimal
	periodicMonths          int
	periodicMonthly         decimal.Decimal
	funeral                 decimal.Decimal
	minimumMembershipMonths int
}

type jkkRules struct {
	deathMultiplier             int
	totalDisabilityMultiplier   int
	partialDisabilityMultiplier int
	periodicMonths              int
	periodicMonthly             decimal.Decimal
	funeral                     decimal.Decimal
	deathMinimum                deathMinimum
	incapacityBands             []incapacityBand
	transportModes              []string // in file order: land, sea, air
	transportCaps               map[string]decimal.Decimal
	disability                  map[string]disabilityRow
	disabilityOrder             []string
	leftHandedSwap              map[string]string
}

const (
	minimumOnLumpSum = "lump_sum"
	minimumOnTotal   = "total"
)

type deathMinimum struct {
	appliesTo string // minimumOnLumpSum or minimumOnTotal
	amount    decimal.Decimal
	reading   string
}

// incapacityBand pays percent of the wage for months months; months 0 is the
// last, open band ("until healed").
type incapacityBand struct {
	months  int
	percent decimal.Decimal
}

type disabilityRow struct {
	percent          decimal.Decimal
	labelID, labelEN string
}

type scholarshipRules struct {
	maxChildren               int
	ageLimitYears             int
	capPerChild               decimal.Decimal
	jkmMinimumMembershipYears int
	schoolYearStartMonth      int
	lumpSumPerMember          decimal.Decimal // zero: paid per level
	levels                    []schoolLevel
	entryLevel                string
	entryAgeYears             int
}

type schoolLevel struct {
	name          string
	amountPerYear decimal.Decimal
	years         int
}

// ID is the version id recorded with every computation ("pp82-2019").
func (b *Book) ID() string { return b.id }

// Regulation names the regulation for explanations ("PP 82/2019").
func (b *Book) Regulation() string { return b.regulation }

// Title describes the version in a sentence.
func (b *Book) Title() string { return b.title }

// EffectiveFrom is the first day the version applies.
func (b *Book) EffectiveFrom() calendar.Date { return b.effectiveFrom }

// Notes are the version's notes and sources from the data.
func (b *Book) Notes() []string { return append([]string(nil), b.notes...) }

// ArrearsGraceMonths is how many months of employer arrears BPJS still pays a
// benefit first; beyond it the employer pays first and is reimbursed.
func (b *Book) ArrearsGraceMonths() int { return b.arrearsGraceMonths }

// BPUInactiveAfterUnpaidMonths is how many consecutive unpaid months make a
// non-wage earner's membership inactive (participant.DecideLapse).
func (b *Book) BPUInactiveAfterUnpaidMonths() int { return b.bpuInactiveAfterUnpaidMonths }

// BPUBackPaymentMonthsMax is how many months back a non-wage earner's unpaid
// month may still be paid (payer.RecordPayment); older months stay uncovered.
func (b *Book) BPUBackPaymentMonthsMax() int { return b.bpuBackPaymentMonthsMax }

// ScholarshipEligible reports whether membershipMonths meets the JKM minimum
// for the scholarship (3 years under pp82-2019). After a work accident there
// is no minimum; the caller decides which applies.
func (b *Book) ScholarshipEligible(membershipMonths int) bool {
	return membershipMonths >= 12*b.scholarship.jkmMinimumMembershipYears
}

// JKMScholarshipEligible is ScholarshipEligible in whole years of membership.
func (b *Book) JKMScholarshipEligible(membershipYears int) bool {
	return b.ScholarshipEligible(12 * membershipYears)
}

// JKMMinimumMembershipMonths is the policy switch of JKM: 0 (off) or the months
// of membership before which only the funeral benefit is paid.
func (b *Book) JKMMinimumMembershipMonths() int { return b.jkm.minimumMembershipMonths }

// BodyParts lists the disability table's body-part codes in data order.
func (b *Book) BodyParts() []string { return append([]string(nil), b.jkk.disabilityOrder...) }

func (b *Book) full() bool { return b.scope == scopeFull }

// boundTo copies the book with the date it was chosen for, so rates that start
// inside a version (the JKP rates) apply from their own date.
func (b *Book) boundTo(d calendar.Date) *Book {
	bound := *b
	bound.asOf = d
	return &bound
}
