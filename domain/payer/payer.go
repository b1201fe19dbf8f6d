package payer

import (
	"sort"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/event"
)

// Bill is one month's contributions for the payer's participants.
type Bill struct {
	Period  calendar.Period
	DueDate calendar.Date
	// Lines are the bill's lines in billing order; those folded from the
	// bill's stream hold only what decisions read (decisionLines).
	Lines     []BillLine
	Total     decimal.Decimal
	Allocated decimal.Decimal
	// allocatedBy is the running allocated total after each payment, in order
	// received, with its date: coverage must not be back-dated over an incident.
	allocatedBy []allocationStep
	// billed marks participants on the bill, so a second run only adds newcomers.
	billed map[string]int // participant id -> index in Lines
	// coveredThrough[i] is the total of Lines[0..i]: what must be allocated
	// for line i to be paid (a lapse check asks this of thousands of lines).
	coveredThrough []decimal.Decimal
	// segments of the lines billed: a payment's decisions need them, not the lines.
	segments map[string]bool
	// parts is how many BillLinesRecorded the bill's stream holds by its
	// ContributionsBilled events; folded, how many of them Lines holds, and
	// fromParts how many of the Lines came from them (the rest from whole
	// ContributionsAssessed events of the payer's stream).
	parts, folded, fromParts int
}

// MissingParts is the first part of the bill's stream not folded into its
// Lines yet, and whether any is: a state loaded for payer decisions alone
// (payments, corrections) need not read its bills' lines.
func (b *Bill) MissingParts() (int, bool) { return b.folded + 1, b.folded < b.parts }

// PartsMissing counts the parts of bill streams not folded into the bills' Lines.
func (s State) PartsMissing() int {
	missing := 0
	for _, bill := range s.Bills {
		missing += bill.parts - bill.folded
	}
	return missing
}

// PartsOf is how many parts the period's bill stream holds (its version), by
// the bill's ContributionsBilled events; 0 when there is no bill.
func (s State) PartsOf(period calendar.Period) int64 {
	if bill := s.Bills[period]; bill != nil {
		return int64(bill.parts)
	}
	return 0
}

// HasSegment reports whether any line of the bill is of the segment.
func (b *Bill) HasSegment(segment string) bool { return b.segments[segment] }

type allocationStep struct {
	paidOn     calendar.Date
	cumulative decimal.Decimal
}

// Outstanding is what is still owed on the bill.
func (b *Bill) Outstanding() decimal.Decimal { return b.Total.Sub(b.Allocated) }

// State is the payer as its events leave it. The zero State is "not registered".
type State struct {
	ID         string
	Name       string
	Kind       string
	RiskClass  int
	Registered bool
	Bills      map[calendar.Period]*Bill
	Payments   map[string]PaymentReceived
	Credit     decimal.Decimal
	Penalties  decimal.Decimal
	Closed     map[calendar.Period]bool
	Reversed   map[string]PaymentReversed // by payment id
	// PenaltyOf is the late-payment penalty each payment brought.
	PenaltyOf map[string]decimal.Decimal
	Version   int64
}

// EvolveVersion names the behaviour of Evolve. Bump it whenever Evolve or
// the State it builds changes, so cached states built by older code are
// thrown away rather than trusted.
const EvolveVersion = 4 // 4: a bill part's lines kept as decisionLines; 2: a construction project's line (BillLine.ProjectID, Workers), indexed by BillLine.Key; 3: bills in their own streams (ContributionsBilled, BillLinesRecorded)

// Evolve applies one event without touching the state passed in: the bills,
// maps and slices it changes are copied first (only those it changes).
func Evolve(state State, e event.Event) State {
	b := NewBuilder(state)
	b.Apply(e)
	return b.State()
}

// Replay folds a stream's events into a fresh State in O(events): the
// builder owns what it creates, so nothing is copied.
func Replay(events []event.Event) State {
	b := NewBuilder(State{})
	for _, e := range events {
		b.Apply(e)
	}
	return b.State()
}

// Builder folds events into a State it owns. It starts from a state someone
// else may still hold and copies a bill or a map the first time it changes
// it (copy on write), so no state handed out is ever mutated; what it made
// itself it changes in place, which keeps a fold linear in the events.
type Builder struct {
	state State
	// ownBills marks bills this builder copied or created.
	ownBills                                         map[calendar.Period]bool
	ownBillMap, ownPayments, ownPenalty, ownReversed bool
	ownClosed                                        bool
}

// NewBuilder starts from state without copying it.
func NewBuilder(state State) *Builder {
	return &Builder{state: state, ownBills: map[calendar.Period]bool{}}
}

// State returns the folded state. The builder gives up ownership: applying
// more events afterwards copies again, so the returned state stays as it is.
func (b *Builder) State() State {
	b.ownBills = map[calendar.Period]bool{}
	b.ownBillMap, b.ownPayments, b.ownPenalty, b.ownReversed, b.ownClosed = false, false, false, false, false
	return b.state
}

// bill returns the period's bill, copied if this builder does not own it yet;
// nil when there is none.
func (b *Builder) bill(period calendar.Period) *Bill {
	bill := b.state.Bills[period]
	if bill == nil || b.ownBills[period] {
		return bill
	}
	b.writableBills()
	copied := *bill
	copied.Lines = append([]BillLine(nil), bill.Lines...)
	copied.coveredThrough = append([]decimal.Decimal(nil), bill.coveredThrough...)
	copied.allocatedBy = append([]allocationStep(nil), bill.allocatedBy...)
	copied.billed = make(map[string]int, len(bill.billed))
	for id, index := range bill.billed {
		copied.billed[id] = index
	}
	copied.segments = cloneMap(bill.segments)
	b.state.Bills[period] = &copied
	b.ownBills[period] = true
	return &copied
}

// openBill returns the period's bill to change, created when there is none.
func (b *Builder) openBill(period calendar.Period, dueDate calendar.Date) *Bill {
	bill := b.bill(period)
	if bill == nil {
		b.writableBills()
		bill = &Bill{Period: period, DueDate: dueDate, billed: map[string]int{}, segments: map[string]bool{}}
		b.state.Bills[period] = bill
		b.ownBills[period] = true
	}
	return bill
}

// decisionLines keeps of a bill part's lines what payer decisions read (who
// is billed, the line's total, its JHT contribution for PaidContributions)
// and drops the rest (the wage base, the other programmes' lines): a payer
// cache holds every line of every bill, and a whole line costs about a
// kilobyte. Histories and read models read the lines from the bill's stream,
// never from State. Lines of whole ContributionsAssessed events are kept as
// they are: snapshots write them.
func decisionLines(lines []BillLine) []BillLine {
	kept := make([]BillLine, len(lines))
	for i, line := range lines {
		kept[i] = BillLine{ParticipantID: line.ParticipantID, ProjectID: line.ProjectID, Workers: line.Workers, Segment: line.Segment, Total: line.Total}
		for _, contribution := range line.Lines {
			if contribution.Programme == "JHT" {
				kept[i].Lines = []ContributionLine{contribution}
			}
		}
	}
	return kept
}

// addLines appends lines after those billed before.
func (bill *Bill) addLines(lines []BillLine) {
	running := decimal.Zero
	if n := len(bill.coveredThrough); n > 0 {
		running = bill.coveredThrough[n-1]
	}
	for _, line := range lines {
		bill.billed[line.Key()] = len(bill.Lines)
		bill.Lines = append(bill.Lines, line)
		bill.segments[line.Segment] = true
		running = running.Add(line.Total.Decimal)
		bill.coveredThrough = append(bill.coveredThrough, running)
	}
}

func (b *Builder) writableBills() {
	if !b.ownBillMap {
		b.state.Bills = cloneMap(b.state.Bills)
		b.ownBillMap = true
	}
}

// Apply folds one event into the builder's state.
func (b *Builder) Apply(e event.Event) {
	state := &b.state
	switch e := e.(type) {
	case *Registered:
		state.ID, state.Name, state.Kind, state.RiskClass, state.Registered = e.PayerID, e.Name, e.Kind, e.RiskClass, true
	case *ContributionsAssessed:
		bill := b.openBill(e.Period, e.DueDate)
		bill.addLines(e.Lines)
		bill.Total = bill.Total.Add(e.Total.Decimal)
	case *ContributionsBilled:
		bill := b.openBill(e.Period, e.DueDate)
		for _, segment := range e.Segments {
			bill.segments[segment] = true
		}
		bill.parts = max(bill.parts, e.FirstPart+e.Parts-1)
		bill.Total = bill.Total.Add(e.Total.Decimal)
	case *BillLinesRecorded:
		// Parts come in order, each once; a part no ContributionsBilled
		// counts yet (written ahead of it where streams are written one by
		// one) waits until one does.
		if bill := state.Bills[e.Period]; bill == nil || e.Part != bill.folded+1 || e.Part > bill.parts {
			return
		}
		bill := b.bill(e.Period)
		bill.addLines(decisionLines(e.Lines))
		bill.folded = e.Part
		bill.fromParts += len(e.Lines)
	case *PaymentReceived:
		for _, allocation := range e.Allocations {
			bill := b.bill(allocation.Period)
			bill.Allocated = bill.Allocated.Add(allocation.Amount.Decimal)
			bill.allocatedBy = append(bill.allocatedBy, allocationStep{paidOn: e.PaidOn, cumulative: bill.Allocated})
		}
		state.Credit = state.Credit.Add(e.Credit.Decimal)
		if !b.ownPayments {
			state.Payments, b.ownPayments = cloneMap(state.Payments), true
		}
		state.Payments[e.PaymentID] = *e
	case *LatePenaltyAssessed:
		state.Penalties = state.Penalties.Add(e.Amount.Decimal)
		if !b.ownPenalty {
			state.PenaltyOf, b.ownPenalty = cloneMap(state.PenaltyOf), true
		}
		state.PenaltyOf[e.PaymentID] = state.PenaltyOf[e.PaymentID].Add(e.Amount.Decimal)
	case *PaymentReversed:
		for _, allocation := range e.Allocations {
			bill := b.bill(allocation.Period)
			bill.Allocated = bill.Allocated.Sub(allocation.Amount.Decimal)
			bill.allocatedBy = append(bill.allocatedBy, allocationStep{paidOn: e.ReversedOn, cumulative: bill.Allocated})
		}
		state.Credit = state.Credit.Sub(e.Credit.Decimal)
		state.Penalties = state.Penalties.Sub(e.Penalties.Decimal)
		if !b.ownReversed {
			state.Reversed, b.ownReversed = cloneMap(state.Reversed), true
		}
		state.Reversed[e.PaymentID] = *e
	case *PeriodClosed:
		if !b.ownClosed {
			state.Closed, b.ownClosed = cloneMap(state.Closed), true
		}
		state.Closed[e.Period] = true
	}
}

func cloneMap[K comparable, V any](original map[K]V) map[K]V {
	clone := make(map[K]V, len(original)+1)
	for key, value := range original {
		clone[key] = value
	}
	return clone
}

// Periods lists the billed months in ascending order.
func (s State) Periods() []calendar.Period {
	periods := make([]calendar.Period, 0, len(s.Bills))
	for period := range s.Bills {
		periods = append(periods, period)
	}
	sort.Slice(periods, func(i, j int) bool { return periods[i].Before(periods[j]) })
	return periods
}

// Billed reports whether the participant is on the period's bill.
func (s State) Billed(period calendar.Period, participantID string) bool {
	bill := s.Bills[period]
	if bill == nil {
		return false
	}
	_, ok := bill.billed[participantID]
	return ok
}

// LinePaid reports whether the participant's line on the period's bill is paid
// in full. Allocations fill a bill's lines in the order they were billed, so a
// partial payment covers the first lines wholly, never every line partly.
func (s State) LinePaid(period calendar.Period, participantID string) bool {
	bill := s.Bills[period]
	if bill == nil {
		return false
	}
	index, ok := bill.billed[participantID]
	if !ok {
		return false
	}
	return !bill.coveredThrough[index].GreaterThan(bill.Allocated)
}

// LinePaidOn reports whether the participant's line counts as paid on date d:
// paid in full by the due date covers the whole month; paid later covers it
// only from the day the payment made it whole (docs/rulebook.md#payments: reinstatement is
// never back-dated over an incident).
func (s State) LinePaidOn(period calendar.Period, participantID string, d calendar.Date) bool {
	bill := s.Bills[period]
	if bill == nil || !s.LinePaid(period, participantID) {
		return false
	}
	needed := bill.coveredThrough[bill.billed[participantID]]
	cutoff := d
	if bill.DueDate.After(cutoff) {
		cutoff = bill.DueDate
	}
	for _, step := range bill.allocatedBy {
		if !step.paidOn.After(cutoff) && !needed.GreaterThan(step.cumulative) {
			return true
		}
	}
	return false
}

// PaidFunc is LinePaidOn for one participant, as participant.CoverageOn wants it.
func (s State) PaidFunc(participantID string) func(calendar.Period, calendar.Date) bool {
	return func(period calendar.Period, on calendar.Date) bool { return s.LinePaidOn(period, participantID, on) }
}

// ArrearsMonths counts bills due before d that are not paid in full.
func (s State) ArrearsMonths(d calendar.Date) (int, decimal.Decimal) {
	months, amount := 0, decimal.Zero
	for _, bill := range s.Bills {
		if bill.DueDate.Before(d) && bill.Outstanding().IsPositive() {
			months++
			amount = amount.Add(bill.Outstanding())
		}
	}
	return months, amount
}

// PaidContribution is one programme's contribution for one month, paid in full.
type PaidContribution struct {
	Period   calendar.Period
	Employer decimal.Decimal
	Worker   decimal.Decimal
	Total    decimal.Decimal
}

// PaidContributions lists a participant's paid contributions to one
// programme, oldest month first (JHT credits come from these).
func (s State) PaidContributions(participantID, programme string) []PaidContribution {
	var paid []PaidContribution
	for _, period := range s.Periods() {
		bill := s.Bills[period]
		index, ok := bill.billed[participantID]
		if !ok || !s.LinePaid(period, participantID) {
			continue
		}
		for _, line := range bill.Lines[index].Lines {
			if line.Programme == programme {
				paid = append(paid, PaidContribution{Period: period, Employer: line.Employer.Decimal, Worker: line.Worker.Decimal, Total: line.Total.Decimal})
			}
		}
	}
	return paid
}

// Billing is one participant's bills across every payer they have had: each
// month is billed by the payer of that month, so a line is paid in whichever.
type Billing struct {
	participantID string
	payers        []State
}

// NewBilling gathers the payers' states for one participant.
func NewBilling(participantID string, payers ...State) Billing {
	return Billing{participantID: participantID, payers: payers}
}

// PaidFunc tells whether the participant's month counts as paid on a date.
func (b Billing) PaidFunc() func(calendar.Period, calendar.Date) bool {
	return func(period calendar.Period, on calendar.Date) bool {
		for _, state := range b.payers {
			if state.LinePaidOn(period, b.participantID, on) {
				return true
			}
		}
		return false
	}
}

// PaidContributions merges every payer's paid contributions to a programme, oldest month first.
func (b Billing) PaidContributions(programme string) []PaidContribution {
	var paid []PaidContribution
	for _, state := range b.payers {
		paid = append(paid, state.PaidContributions(b.participantID, programme)...)
	}
	sort.Slice(paid, func(i, j int) bool { return paid[i].Period.Before(paid[j].Period) })
	return paid
}
