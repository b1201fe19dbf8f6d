package claim

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/domain/jht"
	"github.com/tanahbumbu/jaminan/domain/money"
	"github.com/tanahbumbu/jaminan/domain/participant"
	"github.com/tanahbumbu/jaminan/domain/payer"
	"github.com/tanahbumbu/jaminan/domain/problem"
	"github.com/tanahbumbu/jaminan/domain/rules"
)

// File decides the claim's half of FileClaim (the participant's half,
// participant.LodgeClaim, guards coverage and the one death claim). Details
// that approval would refuse are refused here (checkDetails).
func File(state State, c *command.FileClaim, member participant.State, today calendar.Date, library *rules.Library) ([]event.Event, error) {
	filed := &Filed{ClaimID: c.ClaimID, ParticipantID: member.ID, PayerID: member.PayerID, Programme: c.Programme, Benefit: c.Benefit,
		IncidentDate: c.IncidentDate, Heir: c.Heir, HeirClass: HeirClass(c.Heir), Details: c.Details, FiledOn: command.BusinessDate(c.FiledOn, today)}
	if state.Filed != nil {
		retry := *filed
		if c.FiledOn.IsZero() {
			retry.FiledOn = state.Filed.FiledOn // a retry without a date is filed when it first was
		}
		// Compared as JSON: a decimal read back from the log has another
		// internal form than the same amount just decoded, but one encoding.
		stored, storedErr := json.Marshal(state.Filed)
		again, againErr := json.Marshal(retry)
		if storedErr == nil && againErr == nil && bytes.Equal(stored, again) {
			return nil, nil
		}
		return nil, &problem.Error{Kind: problem.Conflict, Code: "claim_exists", Field: "claim_id", Message: "claim " + c.ClaimID + " is filed already with other data"}
	}
	if c.IncidentDate.After(today) {
		return nil, problem.Field("incident_date", "future_date", "is after today (%s)", today)
	}
	if filed.FiledOn.Before(c.IncidentDate) {
		return nil, problem.Field("filed_on", "before_incident", "%s is before the incident on %s", filed.FiledOn, c.IncidentDate)
	}
	if err := checkDetails(filed, member, library); err != nil {
		return nil, err
	}
	return []event.Event{filed}, nil
}

// checkDetails refuses at filing the details approval would refuse: the
// benefit is computed by the rule book of the incident date, as approval
// computes it, with no other claim of the member paid (approval reads them
// again and may grant less; it never refuses details filing took). A JHT
// claim is the balance on the day of approval and has no details to check.
// Without it a claim was filed whose approval could only fail, on a field
// of FileClaim that ApproveClaim does not take.
func checkDetails(filed *Filed, member participant.State, library *rules.Library) error {
	if filed.Programme == "JHT" {
		return nil
	}
	book, err := library.ForDate(filed.IncidentDate)
	if err != nil {
		return problem.Field("incident_date", "no_rule_book", "%v", err)
	}
	wage, _ := member.WageOn(filed.IncidentDate)
	_, _, err = compute(book, filed, wage, member.MembershipMonthsAt(filed.IncidentDate), nil)
	return err
}

// Inputs are the facts approval needs besides the claim.
type Inputs struct {
	Participant participant.State
	Payer       payer.State // the current payer: its arrears decide who pays first
	// Billing is every payer's bills for the participant (coverage, JHT).
	Billing payer.Billing
	Library *rules.Library
	// Others are the participant's other claims: caps per accident and the
	// scholarship after total disability read them.
	Others Set
	// Today is the day of the decision: ApproveClaim.approved_on, or the clock's today.
	Today calendar.Date
}

// Approve decides ApproveClaim: the benefit is computed now, once, by the rule
// book in force on the incident date, and recorded with every component.
func Approve(state State, c *command.ApproveClaim, in Inputs) ([]event.Event, error) {
	if err := requireOpen(state, c.ClaimID); err != nil {
		if state.Approved != nil {
			return nil, nil // approving twice is a retry
		}
		return nil, err
	}
	filed := state.Filed
	if in.Today.Before(filed.FiledOn) {
		return nil, problem.Field("approved_on", "before_filing", "%s is before the claim was filed on %s", in.Today, filed.FiledOn)
	}
	book, err := in.Library.ForDate(filed.IncidentDate)
	if err != nil {
		return nil, problem.Field("claim_id", "no_rule_book", "%v", err)
	}
	wage, _ := in.Participant.WageOn(filed.IncidentDate)
	membership := in.Participant.MembershipMonthsAt(filed.IncidentDate)
	if filed.Programme == "SCHOLARSHIP" && !scholarshipAllowed(in, filed, book, membership) {
		return nil, problem.Field("claim_id", "membership_too_short",
			"after a death not caused by work the scholarship needs the minimum membership period; the member had %d months", membership)
	}
	benefit, tranches, err := compute(book, filed, wage, membership, in.Others)
	if filed.Programme == "JHT" {
		benefit, err = jhtBenefit(book, filed, in)
	}
	if err != nil {
		return nil, err
	}
	if err := benefit.Check(); err != nil {
		return nil, problem.New(problem.Invalid, "benefit_invariant", "benefit does not add up: %v", err)
	}
	if !money.Fits(benefit.Total) {
		// rm_claims.total is NUMERIC(18,2); bounded inputs keep every benefit far below it.
		return nil, problem.Field("claim_id", "benefit_too_large", "the benefit would come to %s, more than a claim can hold", money.FormatIDR(benefit.Total))
	}
	approved := &Approved{RuleBook: benefit.RuleBook, Regulation: benefit.Regulation, WageBase: command.Money{Decimal: wage},
		Total: command.Money{Decimal: benefit.Total}, Notes: benefit.Notes, Tranches: tranches, ApprovedOn: in.Today,
		Eligibility: eligibility(in, filed, membership, book), DueBy: book.ServiceDeadline(filed.Programme, in.Today)}
	for _, component := range benefit.Components {
		approved.Components = append(approved.Components, Component{Code: component.Code, LabelID: component.LabelID, LabelEN: component.LabelEN,
			Amount: command.Money{Decimal: component.Amount}, FormulaID: component.FormulaID, FormulaEN: component.FormulaEN})
	}
	return []event.Event{approved}, nil
}

func requireOpen(state State, claimID string) error {
	if state.Filed == nil {
		return &problem.Error{Kind: problem.NotFound, Code: "claim_not_found", Field: "claim_id", Message: "no claim " + claimID + " is filed"}
	}
	if state.Rejected != nil {
		return &problem.Error{Kind: problem.Conflict, Code: "claim_rejected", Field: "claim_id", Message: "claim " + claimID + " was rejected: " + state.Rejected.Reason}
	}
	if state.Approved != nil {
		return &problem.Error{Kind: problem.Conflict, Code: "claim_approved", Field: "claim_id", Message: "claim " + claimID + " is approved already"}
	}
	return nil
}

// scholarshipAllowed: after a work accident (death or total disability) there
// is no minimum membership; after any other death the rule book's minimum
// applies (docs/rulebook.md#scholarship).
func scholarshipAllowed(in Inputs, filed *Filed, book *rules.Book, membershipMonths int) bool {
	if workAccident(in.Participant, filed, in.Others) {
		return true
	}
	return book.ScholarshipEligible(membershipMonths)
}

// workAccident: the scholarship follows a work accident, a death caused by
// one or an approved total disability claim on the incident date.
func workAccident(member participant.State, filed *Filed, others Set) bool {
	if member.Death != nil {
		return member.Death.Cause == "work_accident"
	}
	_, disabled := member.TotalDisabilityOn(filed.IncidentDate, others.Standing)
	return disabled
}

func compute(book *rules.Book, filed *Filed, wage decimal.Decimal, membershipMonths int, others Set) (rules.Benefit, []Tranche, error) {
	details := filed.Details
	if details == nil {
		details = &command.Details{}
	}
	switch filed.Programme + "/" + filed.Benefit {
	case "JKM/death":
		return book.JKMDeath(membershipMonths), nil, nil
	case "JKK/death":
		return book.JKKDeath(wage), nil, nil
	case "JKK/total_disability":
		return book.TotalDisability(wage), nil, nil
	case "JKK/temporary_incapacity":
		if details.Months < 1 {
			return rules.Benefit{}, nil, problem.Field("details.months", "missing_field", "temporary incapacity needs the number of months unable to work")
		}
		return book.TemporaryIncapacity(wage, details.Months), nil, nil
	case "JKK/partial_disability":
		var percent *decimal.Decimal
		if details.DisabilityPercent != nil {
			percent = &details.DisabilityPercent.Decimal
		}
		benefit, err := book.PartialDisability(wage, details.BodyPart, details.LeftHanded, percent)
		return benefit, nil, asField(err, "details.body_part")
	case "JKK/transport":
		if details.Cost == nil || details.TransportMode == "" {
			return rules.Benefit{}, nil, problem.Field("details.cost", "missing_field", "transport needs details.transport_mode and details.cost")
		}
		benefit, err := book.Transport(map[string]decimal.Decimal{details.TransportMode: details.Cost.Decimal}, transportPaid(filed, others))
		return benefit, nil, asField(err, "details.cost")
	case "JKK/medical":
		if details.Cost == nil {
			return rules.Benefit{}, nil, problem.Field("details.cost", "missing_field", "medical care needs details.cost (the invoice total)")
		}
		return book.Medical(details.Cost.Decimal), nil, nil
	case "SCHOLARSHIP/scholarship":
		return scholarship(book, filed, details)
	}
	return rules.Benefit{}, nil, problem.Field("benefit", "unsupported_benefit", "%s %s cannot be computed yet", filed.Programme, filed.Benefit)
}

// jhtBenefit is the balance (or the partial share of it) on the day of approval.
func jhtBenefit(book *rules.Book, filed *Filed, in Inputs) (rules.Benefit, error) {
	// On a retry after the debit was stored, the balance is read without this claim's own debit.
	member := in.Participant
	member.JHTDebits = nil
	for _, debit := range in.Participant.JHTDebits {
		if debit.ClaimID != filed.ClaimID {
			member.JHTDebits = append(member.JHTDebits, debit)
		}
	}
	withdrawal, err := jht.Compute(member, in.Billing.PaidContributions("JHT"), filed.Benefit, in.Today)
	if err != nil {
		return rules.Benefit{}, err
	}
	labelID, labelEN := "Jaminan Hari Tua", "Old-age savings (JHT)"
	if filed.Benefit != "full" {
		labelID, labelEN = "Pengambilan sebagian JHT", "Partial JHT withdrawal"
	}
	component := rules.Component{Code: "jht_" + filed.Benefit, LabelID: labelID, LabelEN: labelEN, Amount: withdrawal.Amount,
		FormulaID: withdrawal.FormulaID, FormulaEN: withdrawal.FormulaEN}
	return rules.Benefit{RuleBook: book.ID(), Regulation: "PP 46/2015 jo. PP 60/2015", Components: []rules.Component{component}, Total: withdrawal.Amount}, nil
}

// transportPaid is what the accident's other approved transport claims were
// granted, by mode: the caps hold per accident, not per claim.
func transportPaid(filed *Filed, others Set) map[string]rules.Granted {
	paid := map[string]rules.Granted{}
	for _, other := range others.approvedOn("JKK", "transport", filed.IncidentDate) {
		for _, component := range other.Approved.Components {
			mode, ok := strings.CutPrefix(component.Code, "jkk_transport_")
			if !ok {
				continue
			}
			granted := paid[mode]
			granted.Amount = granted.Amount.Add(component.Amount.Decimal)
			granted.ClaimIDs = append(granted.ClaimIDs, other.Filed.ClaimID)
			paid[mode] = granted
		}
	}
	return paid
}

func asField(err error, field string) error {
	if err == nil {
		return nil
	}
	if fieldError, ok := err.(*rules.FieldError); ok {
		return problem.Field(fieldError.Field, "invalid_value", "%s", fieldError.Reason)
	}
	return problem.Field(field, "invalid_value", "%v", err)
}

func scholarship(book *rules.Book, filed *Filed, details *command.Details) (rules.Benefit, []Tranche, error) {
	if len(details.Children) == 0 {
		return rules.Benefit{}, nil, problem.Field("details.children", "missing_field", "a scholarship claim lists the children")
	}
	if later, earlier, found := details.DuplicateChild(); found {
		// Filed before FileClaim refused it: approving would make two children one.
		return rules.Benefit{}, nil, problem.Field("claim_id", "duplicate_child",
			"the claim names details.children[%d] and [%d] alike; reject it and file it again with each child's full name", earlier, later)
	}
	children := make([]rules.Child, 0, len(details.Children))
	for _, child := range details.Children {
		children = append(children, rules.Child{Name: child.FullName, BirthDate: child.BirthDate, Level: child.Level, Grade: child.Grade})
	}
	plan, err := book.ScholarshipPlan(children, filed.IncidentDate.Year(), filed.IncidentDate)
	if err != nil {
		return rules.Benefit{}, nil, asField(err, "details.children")
	}
	benefit := rules.Benefit{RuleBook: book.ID(), Regulation: book.Regulation()}
	var tranches []Tranche
	for _, childPlan := range plan.Children {
		number := strconv.Itoa(childPlan.Filed + 1) // the child's place in the claim, not in the plan
		benefit.Components = append(benefit.Components, rules.Component{Code: "scholarship_child_" + number,
			LabelID: "Beasiswa anak " + number, LabelEN: "Scholarship, child " + number, Amount: childPlan.Total,
			FormulaID: money.FormatIDR(childPlan.Total) + " untuk " + itoaYears(len(childPlan.Tranches)) + " tahun ajaran",
			FormulaEN: money.FormatIDR(childPlan.Total) + " over " + itoaYears(len(childPlan.Tranches)) + " school years"})
		for _, tranche := range childPlan.Tranches {
			tranches = append(tranches, Tranche{Child: childPlan.Child.Name, SchoolYear: tranche.SchoolYear, Level: tranche.Level, Grade: tranche.Grade,
				Amount: command.Money{Decimal: tranche.Amount}})
		}
	}
	benefit.Total = plan.Total
	benefit.Notes = plan.Notes // who got nothing, or less, and why
	return benefit, tranches, nil
}

func itoaYears(n int) string { return decimal.NewFromInt(int64(n)).String() }

func eligibility(in Inputs, filed *Filed, membershipMonths int, book *rules.Book) Eligibility {
	covered, reason := in.Participant.CoveredOn(coverageProgramme(filed, in.Participant), filed.IncidentDate, in.Billing.PaidFunc())
	if !covered {
		reason = "not covered: " + reason
	}
	months, amount := in.Payer.ArrearsMonths(filed.IncidentDate)
	result := Eligibility{Coverage: reason, MembershipMonths: membershipMonths, ArrearsMonths: months, ArrearsAmount: command.Money{Decimal: amount}, PaidFirstBy: "bpjs"}
	if in.Participant.Segment == "PU" && months > book.ArrearsGraceMonths() {
		result.PaidFirstBy = "employer"
	}
	return result
}

func coverageProgramme(filed *Filed, member participant.State) string {
	if filed.Programme == "SCHOLARSHIP" {
		if member.Death != nil && member.Death.Cause == "work_accident" {
			return "JKK"
		}
		return "JKM"
	}
	return filed.Programme
}

// Reject decides RejectClaim.
func Reject(state State, c *command.RejectClaim, today calendar.Date) ([]event.Event, error) {
	if state.Rejected != nil && state.Rejected.Reason == c.Reason {
		return nil, nil
	}
	if err := requireOpen(state, c.ClaimID); err != nil {
		return nil, err
	}
	on := command.BusinessDate(c.RejectedOn, today)
	if on.Before(state.Filed.FiledOn) {
		return nil, problem.Field("rejected_on", "before_filing", "%s is before the claim was filed on %s", on, state.Filed.FiledOn)
	}
	return []event.Event{&Rejected{Reason: c.Reason, RejectedOn: on}}, nil
}

// RecordPayout decides RecordPayout: only on an approved claim, never beyond its total.
func RecordPayout(state State, c *command.RecordPayout, library *rules.Library) ([]event.Event, error) {
	if state.Filed == nil {
		return nil, &problem.Error{Kind: problem.NotFound, Code: "claim_not_found", Field: "claim_id", Message: "no claim " + c.ClaimID + " is filed"}
	}
	if existing, ok := state.Payouts[c.PayoutID]; ok {
		if existing.Amount.Equal(c.Amount.Decimal) && existing.PaidOn.Equal(c.PaidOn) && existing.BankReference == c.BankReference && existing.SchoolYear == c.SchoolYear {
			return nil, nil
		}
		return nil, &problem.Error{Kind: problem.Conflict, Code: "payout_exists", Field: "payout_id", Message: "payout " + c.PayoutID + " is recorded already with other data"}
	}
	if state.Approved == nil {
		return nil, &problem.Error{Kind: problem.Conflict, Code: "claim_not_approved", Field: "claim_id", Message: "claim " + c.ClaimID + " is " + state.Status() + ", not approved; approve it first"}
	}
	if c.PaidOn.Before(state.Approved.ApprovedOn) {
		return nil, problem.Field("paid_on", "before_approval", "is before the approval on %s", state.Approved.ApprovedOn)
	}
	if err := checkScholarshipPayout(state, c, library); err != nil {
		return nil, err
	}
	if c.Amount.GreaterThan(state.Outstanding()) {
		return nil, problem.Field("amount", "exceeds_outstanding", "%s is more than the %s still payable on this claim", money.FormatIDR(c.Amount.Decimal), money.FormatIDR(state.Outstanding()))
	}
	payee, relationship := "", "member"
	if state.Filed.Heir != nil {
		payee, relationship = state.Filed.Heir.FullName, state.Filed.Heir.Relationship
	}
	return []event.Event{&PayoutRecorded{PayoutID: c.PayoutID, Amount: *c.Amount, PaidOn: c.PaidOn, BankReference: c.BankReference, Payee: payee, Relationship: relationship, SchoolYear: c.SchoolYear}}, nil
}

// heirClasses is the order of heirs (docs/rulebook.md#heirs): widow/widower and
// children; else parents and grandchildren; else siblings; else parents-in-law;
// else whoever the member named in writing.
var heirClasses = map[string]int{"spouse": 1, "child": 1, "parent": 2, "grandchild": 2, "sibling": 3, "parent_in_law": 4, "named": 5}

// HeirClass is the heir's class in that order, 0 when no heir is named.
func HeirClass(heir *command.Heir) int {
	if heir == nil {
		return 0
	}
	return heirClasses[heir.Relationship]
}
