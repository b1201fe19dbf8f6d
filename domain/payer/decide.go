package payer

import (
	"sort"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
	rupiah "github.com/tanahbumbu/jaminan/domain/money" // "money" is a helper of this package's tests
	"github.com/tanahbumbu/jaminan/domain/problem"
	"github.com/tanahbumbu/jaminan/domain/rules"
)

// Register decides RegisterPayer; a repeat with the same data decides nothing.
func Register(state State, c *command.RegisterPayer, today calendar.Date) ([]event.Event, error) {
	registered := &Registered{PayerID: c.PayerID, Name: c.PayerName, Kind: c.Kind, RiskClass: c.RiskClass, RegisteredOn: command.BusinessDate(c.RegisteredOn, today)}
	if state.Registered {
		if state.Name == c.PayerName && state.Kind == c.Kind && state.RiskClass == c.RiskClass {
			return nil, nil
		}
		return nil, &problem.Error{Kind: problem.Conflict, Code: "payer_exists", Field: "payer_id", Message: "payer " + c.PayerID + " is registered already with other data"}
	}
	return []event.Event{registered}, nil
}

// Member is a participant as the billing run sees it for one period, or a
// construction project (ProjectID, with the workers enrolled onto it).
type Member struct {
	ParticipantID string
	ProjectID     string
	Workers       []string
	Segment       string
	WageBase      decimal.Decimal // the contract value for a construction project
	Programmes    []string
	JKPEnrolled   bool
}

// key names the member's line on a bill (BillLine.Key).
func (m Member) key() string {
	if m.ProjectID != "" {
		return ProjectKey(m.ProjectID)
	}
	return m.ParticipantID
}

// Assess decides AssessContributions: one line per member not yet billed for
// the period, each computed by the rule book in force for the period. A
// month is billed once it has begun; the next month only for non-wage
// earners (BPU), whose contribution is due by the 15th of the month itself.
// The bill is a ContributionsBilled for the payer's stream followed by its
// lines, MaxLinesPerPart at a time, as BillLinesRecorded for the bill's
// stream (BillParts tells them apart).
func Assess(state State, c *command.AssessContributions, members []Member, library *rules.Library, today calendar.Date) ([]event.Event, error) {
	if err := requireRegistered(state); err != nil {
		return nil, err
	}
	on := command.BusinessDate(c.AssessedOn, today)
	ahead := c.Period.After(on.Period())
	if c.Period.After(on.Period().Next()) {
		return nil, problem.Field(assessedField(c), notBegun(c), "%s has not begun on %s: a month is billed once it has begun (non-wage earners one month ahead)", c.Period, on)
	}
	if state.Closed[c.Period] {
		return nil, problem.Field("period", "period_closed", "%s is closed; nothing more can be billed to it", c.Period)
	}
	if err := state.Open("assessed_on", on); err != nil {
		return nil, err
	}
	book, err := library.ForPeriod(c.Period)
	if err != nil {
		return nil, problem.Field("period", "no_rule_book", "%v", err)
	}
	sort.Slice(members, func(i, j int) bool { return members[i].key() < members[j].key() })
	var lines []BillLine
	var dueDate calendar.Date
	total := decimal.Zero
	for _, member := range members {
		if state.Billed(c.Period, member.key()) || len(member.Programmes) == 0 || (ahead && member.Segment != string(rules.SegmentBPU)) {
			continue
		}
		line, err := billLine(book, state.RiskClass, member)
		if err != nil {
			return nil, err
		}
		lines = append(lines, line)
		total = total.Add(line.Total.Decimal)
		due := book.DueDate(rules.Segment(member.Segment), c.Period)
		if dueDate.IsZero() || due.Before(dueDate) {
			dueDate = due
		}
	}
	if len(lines) == 0 {
		if state.Bills[c.Period] != nil {
			return nil, nil // every member is billed already
		}
		if ahead {
			return nil, problem.Field(assessedField(c), notBegun(c), "%s has not begun: only non-wage earners (BPU) are billed a month ahead, and payer %s has none to bill", c.Period, state.ID)
		}
		return nil, problem.Field("period", "nothing_to_assess", "no participant of payer %s is enrolled and active in %s", state.ID, c.Period)
	}
	if billed := state.billTotal(c.Period).Add(total); !rupiah.Fits(billed) {
		// rm_bills.total is NUMERIC(18,2): each line is bounded, their number is not.
		return nil, problem.Field("period", "bill_too_large", "the bill for %s would come to %s, more than a bill can hold; split the payer", c.Period, rupiah.FormatIDR(billed))
	}
	if parts := (len(lines) + MaxLinesPerPart - 1) / MaxLinesPerPart; parts > MaxPartsPerAssessment {
		return nil, problem.Field("period", "bill_too_large", "%d lines to bill for %s, more than the %d one assessment holds; split the payer",
			len(lines), c.Period, MaxPartsPerAssessment*MaxLinesPerPart)
	}
	firstPart := 1
	if bill := state.Bills[c.Period]; bill != nil {
		dueDate = bill.DueDate // a supplement keeps the bill's due date
		firstPart = bill.parts + 1
	}
	return billEvents(state.ID, c.Period, dueDate, on, book.ID(), firstPart, lines), nil
}

// billEvents splits a bill's lines into parts and summarises them for the payer's stream.
func billEvents(payerID string, period calendar.Period, dueDate, assessedOn calendar.Date, ruleBook string, firstPart int, lines []BillLine) []event.Event {
	billed := &ContributionsBilled{Period: period, DueDate: dueDate, AssessedOn: assessedOn, RuleBook: ruleBook, Lines: len(lines), FirstPart: firstPart}
	events := []event.Event{billed}
	segments := map[string]bool{}
	programmes := map[string]*ProgrammeTotal{}
	total := decimal.Zero
	for start := 0; start < len(lines); start += MaxLinesPerPart {
		part := &BillLinesRecorded{PayerID: payerID, Period: period, DueDate: dueDate, RuleBook: ruleBook, Part: firstPart + len(events) - 1,
			Lines: lines[start:min(start+MaxLinesPerPart, len(lines))]}
		partTotal := decimal.Zero
		for _, line := range part.Lines {
			partTotal = partTotal.Add(line.Total.Decimal)
			segments[line.Segment] = true
			for _, contribution := range line.Lines {
				sum := programmes[contribution.Programme]
				if sum == nil {
					sum = &ProgrammeTotal{Programme: contribution.Programme}
					programmes[contribution.Programme] = sum
				}
				sum.Employer.Decimal = sum.Employer.Add(contribution.Employer.Decimal)
				sum.Worker.Decimal = sum.Worker.Add(contribution.Worker.Decimal)
				sum.Total.Decimal = sum.Total.Add(contribution.Total.Decimal)
			}
		}
		part.Total = command.Money{Decimal: partTotal}
		total = total.Add(partTotal)
		events = append(events, part)
	}
	billed.Parts = len(events) - 1
	billed.Total = command.Money{Decimal: total}
	for segment := range segments {
		billed.Segments = append(billed.Segments, segment)
	}
	sort.Strings(billed.Segments)
	for _, sum := range programmes {
		billed.Programmes = append(billed.Programmes, *sum)
	}
	sort.Slice(billed.Programmes, func(i, j int) bool { return billed.Programmes[i].Programme < billed.Programmes[j].Programme })
	return events
}

// BillParts separates what Assess decided: the events of the payer's stream
// and those of the bill's stream.
func BillParts(events []event.Event) (payerEvents, partEvents []event.Event) {
	for _, e := range events {
		if _, ok := e.(*BillLinesRecorded); ok {
			partEvents = append(partEvents, e)
			continue
		}
		payerEvents = append(payerEvents, e)
	}
	return payerEvents, partEvents
}

// assessedField and notBegun name a bill for a month that has not begun:
// the business date given is out of order, or, without one, the period is
// in the future.
func assessedField(c *command.AssessContributions) string {
	if c.AssessedOn.IsZero() {
		return "period"
	}
	return "assessed_on"
}

func notBegun(c *command.AssessContributions) string {
	if c.AssessedOn.IsZero() {
		return "future_period"
	}
	return "before_period"
}

// billTotal is what the period's bill comes to so far (zero when none).
func (s State) billTotal(period calendar.Period) decimal.Decimal {
	if bill := s.Bills[period]; bill != nil {
		return bill.Total
	}
	return decimal.Zero
}

func billLine(book *rules.Book, riskClass int, member Member) (BillLine, error) {
	if member.Segment == "construction" {
		return projectLine(book, member)
	}
	programmes := make([]rules.Programme, 0, len(member.Programmes))
	for _, programme := range member.Programmes {
		programmes = append(programmes, rules.Programme(programme))
	}
	assessment, err := book.MonthlyContribution(rules.ContributionInput{
		Segment: rules.Segment(member.Segment), RiskClass: riskClass, WageBase: member.WageBase,
		Programmes: programmes, JKPEnrolled: member.JKPEnrolled,
	})
	return lineOf(member, assessment, err)
}

// lineOf turns the rule book's assessment into the member's bill line.
func lineOf(member Member, assessment rules.Assessment, err error) (BillLine, error) {
	if err != nil {
		return BillLine{}, problem.Field("period", "assessment_failed", "%s: %v", member.key(), err)
	}
	line := BillLine{ParticipantID: member.ParticipantID, ProjectID: member.ProjectID, Workers: member.Workers, Segment: member.Segment, WageBase: command.Money{Decimal: member.WageBase},
		Total: command.Money{Decimal: assessment.Total}}
	for _, contribution := range assessment.Lines {
		line.Lines = append(line.Lines, ContributionLine{Programme: string(contribution.Programme), Rate: contribution.Rate,
			Employer: command.Money{Decimal: contribution.Employer}, Worker: command.Money{Decimal: contribution.Worker},
			Total: command.Money{Decimal: contribution.Total}})
	}
	return line, nil
}

func requireRegistered(state State) error {
	if !state.Registered {
		return &problem.Error{Kind: problem.NotFound, Code: "payer_not_found", Field: "payer_id", Message: "no such payer; register it first (RegisterPayer)"}
	}
	return nil
}

// RecordPayment decides RecordPayment: allocate to the named period, or to the
// oldest open bills; hold any rest as credit; assess a penalty on each part
// paid after its due date where the rule book sets one.
func RecordPayment(state State, c *command.RecordPayment, library *rules.Library) ([]event.Event, error) {
	if err := requireRegistered(state); err != nil {
		return nil, err
	}
	if existing, ok := state.Payments[c.PaymentID]; ok {
		if existing.Amount.Equal(c.Amount.Decimal) && existing.PaidOn.Equal(c.PaidOn) && existing.BankReference == c.BankReference && existing.Period == c.Period {
			return nil, nil
		}
		return nil, &problem.Error{Kind: problem.Conflict, Code: "payment_exists", Field: "payment_id", Message: "payment " + c.PaymentID + " is recorded already with other data"}
	}
	if state.Closed[c.Period] {
		return nil, problem.Field("period", "period_closed", "%s is closed; pay into an open month", c.Period)
	}
	if err := state.Open("paid_on", c.PaidOn); err != nil {
		return nil, err
	}
	open, err := openBills(state, c.Period)
	if err != nil {
		return nil, err
	}
	open, err = withinArrearsWindow(open, c, library)
	if err != nil {
		return nil, err
	}
	received := &PaymentReceived{PaymentID: c.PaymentID, Amount: *c.Amount, PaidOn: c.PaidOn, BankReference: c.BankReference, Period: c.Period}
	remaining := c.Amount.Decimal
	var penalties []event.Event
	for _, bill := range open {
		if !remaining.IsPositive() {
			break
		}
		part := decimal.Min(remaining, bill.Outstanding())
		received.Allocations = append(received.Allocations, Allocation{Period: bill.Period, Amount: command.Money{Decimal: part}})
		remaining = remaining.Sub(part)
		penalty, err := latePenalty(library, bill, part, c)
		if err != nil {
			return nil, err
		}
		if penalty != nil {
			penalties = append(penalties, penalty)
		}
	}
	received.Credit = command.Money{Decimal: remaining}
	return append([]event.Event{received}, penalties...), nil
}

// openBills are the bills a payment may go to, oldest first.
func openBills(state State, period calendar.Period) ([]*Bill, error) {
	if !period.IsZero() {
		bill := state.Bills[period]
		if bill == nil {
			periods := state.Periods()
			if len(periods) == 0 || period.Before(periods[0]) {
				return nil, problem.Field("period", "period_before_enrollment", "no contributions are assessed for %s: it is before the payer's participants were enrolled", period)
			}
			return nil, problem.Field("period", "period_not_assessed", "no contributions are assessed for %s yet; run AssessContributions first", period)
		}
		if !bill.Outstanding().IsPositive() {
			return nil, &problem.Error{Kind: problem.Conflict, Code: "period_paid", Field: "period", Message: "the bill for " + period.String() + " is paid in full already"}
		}
		return []*Bill{bill}, nil
	}
	var open []*Bill
	for _, p := range state.Periods() {
		if bill := state.Bills[p]; bill.Outstanding().IsPositive() && !state.Closed[p] {
			open = append(open, bill)
		}
	}
	return open, nil
}

func latePenalty(library *rules.Library, bill *Bill, part decimal.Decimal, c *command.RecordPayment) (event.Event, error) {
	if !c.PaidOn.After(bill.DueDate) || !bill.HasSegment("PU") {
		return nil, nil
	}
	book, err := library.ForPeriod(bill.Period)
	if err != nil {
		return nil, problem.Field("period", "no_rule_book", "%v", err)
	}
	penalty, err := book.LatePenalty(part, bill.DueDate, c.PaidOn)
	if err != nil {
		return nil, problem.Field("paid_on", "penalty_failed", "%v", err)
	}
	if !penalty.Amount.IsPositive() {
		return nil, nil
	}
	return &LatePenaltyAssessed{PaymentID: c.PaymentID, Period: bill.Period, Unpaid: command.Money{Decimal: part}, DueDate: bill.DueDate,
		PaidOn: c.PaidOn, MonthsLate: penalty.MonthsLate, Rate: penalty.Rate, Amount: command.Money{Decimal: penalty.Amount}, RuleBook: book.ID()}, nil
}

// withinArrearsWindow drops non-wage earners' bills older than the arrears a
// payment may still settle (docs/rulebook.md#non-wage-earners-bpu: at most 3 months back); naming such a
// month is an error. Those months stay unpaid and uncovered.
func withinArrearsWindow(open []*Bill, c *command.RecordPayment, library *rules.Library) ([]*Bill, error) {
	var kept []*Bill
	for _, bill := range open {
		if bill.HasSegment("PU") {
			kept = append(kept, bill)
			continue
		}
		book, err := library.ForPeriod(bill.Period)
		if err != nil {
			return nil, problem.Field("period", "no_rule_book", "%v", err)
		}
		if bill.Period.MonthsUntil(c.PaidOn.Period()) <= book.BPUBackPaymentMonthsMax() {
			kept = append(kept, bill)
			continue
		}
		if !c.Period.IsZero() {
			return nil, problem.Field("period", "arrears_too_old", "contributions of non-wage earners can be paid at most %d months back; %s is too old on %s",
				book.BPUBackPaymentMonthsMax(), bill.Period, c.PaidOn)
		}
	}
	return kept, nil
}

// projectLine bills a construction project once, on its contract value
// (docs/rulebook.md#contributions): a project's line (ProjectID), or, for a
// worker enrolled on a contract value before projects were registered, the
// worker's line.
func projectLine(book *rules.Book, member Member) (BillLine, error) {
	assessment, err := book.ConstructionContribution(member.WageBase)
	return lineOf(member, assessment, err)
}
