package app

import (
	"context"
	"fmt"
	"sort"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/claim"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/domain/jht"
	"github.com/tanahbumbu/jaminan/domain/participant"
	"github.com/tanahbumbu/jaminan/domain/payer"
	"github.com/tanahbumbu/jaminan/domain/problem"
	"github.com/tanahbumbu/jaminan/domain/project"
)

// payerCommand loads a payer without its bills' lines (payer.Bill.MissingParts:
// payments, penalties and corrections are decided on the bills' totals),
// decides, and appends at the version loaded.
func (a *Application) payerCommand(ctx context.Context, payerID string, c command.Command, meta Meta, decide func(payer.State) ([]event.Event, error)) (Result, error) {
	state, err := a.loadPayer(ctx, payerID, false)
	if err != nil {
		return Result{}, err
	}
	events, err := decide(state)
	if err != nil {
		return Result{}, err
	}
	return a.append(ctx, payerStream(payerID), state.Version, c, meta, ruleBookOf(events), events)
}

// claimCommand loads a claim, decides, and appends at the version loaded.
func (a *Application) claimCommand(ctx context.Context, claimID string, c command.Command, meta Meta, decide func(claim.State) ([]event.Event, error)) (Result, error) {
	state, err := a.LoadClaim(ctx, claimID)
	if err != nil {
		return Result{}, err
	}
	events, err := decide(state)
	if err != nil {
		return Result{}, err
	}
	return a.append(ctx, claimStream(claimID), state.Version, c, meta, "", events)
}

func (a *Application) registerPayer(ctx context.Context, c *command.RegisterPayer, meta Meta) (Result, error) {
	return a.payerCommand(ctx, c.PayerID, c, meta, func(s payer.State) ([]event.Event, error) { return payer.Register(s, c, a.today()) })
}

func (a *Application) registerParticipant(ctx context.Context, c *command.RegisterParticipant, meta Meta) (Result, error) {
	payerState, err := a.loadPayer(ctx, c.PayerID, false)
	if err != nil {
		return Result{}, err
	}
	if !payerState.Registered {
		return Result{}, &problem.Error{Kind: problem.NotFound, Code: "payer_not_found", Field: "payer_id", Message: "no payer " + c.PayerID + "; register it first (RegisterPayer)"}
	}
	// Validate before reserving, so bad input leaves no trace, not even in the directory.
	if _, err := participant.Register(participant.State{}, c, "", a.config.Places, a.today()); err != nil {
		return Result{}, err
	}
	id, err := a.config.Directory.Reserve(ctx, c.NIK, c.PayerID, a.config.NewID())
	if err != nil {
		return Result{}, err
	}
	state, err := a.LoadParticipant(ctx, id)
	if err != nil {
		return Result{}, err
	}
	events, err := participant.Register(state, c, id, a.config.Places, a.today())
	if err != nil {
		return Result{}, err
	}
	return a.append(ctx, participantStream(id), state.Version, c, meta, "", events)
}

// policy is what participant decisions need from the rule book.
func (a *Application) policy() participant.Policy {
	library := a.config.Library
	return participant.Policy{
		MinimumAge: library.MinimumAge(), JHTAge: library.JHTAge(),
		WageBaseLimits: func(segment string, on calendar.Date) (decimal.Decimal, decimal.Decimal) {
			return library.WageBaseLimits(segment, on)
		},
	}
}

// participantCommand loads a participant by NIK, decides, and appends.
func (a *Application) participantCommand(ctx context.Context, nik string, c command.Command, meta Meta,
	decide func(participant.State) ([]event.Event, error)) (Result, error) {
	state, err := a.ParticipantByNIK(ctx, nik)
	if err != nil {
		return Result{}, err
	}
	events, err := decide(state)
	if err != nil {
		return Result{}, err
	}
	return a.append(ctx, participantStream(state.ID), state.Version, c, meta, "", events)
}

func (a *Application) enroll(ctx context.Context, c *command.Enroll, meta Meta) (Result, error) {
	if c.ProjectID == "" {
		return a.participantCommand(ctx, c.NIK, c, meta, func(s participant.State) ([]event.Event, error) { return participant.Enroll(s, c, a.policy()) })
	}
	registered, err := a.LoadProject(ctx, c.ProjectID)
	if err != nil {
		return Result{}, err
	}
	return a.participantCommand(ctx, c.NIK, c, meta, func(s participant.State) ([]event.Event, error) {
		return participant.EnrollOnProject(s, c, registered.Registered, a.policy())
	})
}

// registerProject creates a construction project's stream, for a registered payer.
func (a *Application) registerProject(ctx context.Context, c *command.RegisterProject, meta Meta) (Result, error) {
	state, err := a.LoadProject(ctx, c.ProjectID)
	if err != nil {
		return Result{}, err
	}
	payerState, err := a.LoadPayer(ctx, c.PayerID)
	if err != nil {
		return Result{}, err
	}
	events, err := project.Register(state, c, payerState.Registered, a.today())
	if err != nil {
		return Result{}, err
	}
	return a.append(ctx, projectStream(c.ProjectID), state.Version, c, meta, "", events)
}

func (a *Application) changeWage(ctx context.Context, c *command.ChangeWage, meta Meta) (Result, error) {
	return a.participantCommand(ctx, c.NIK, c, meta, func(s participant.State) ([]event.Event, error) { return participant.ChangeWage(s, c, a.policy()) })
}

func (a *Application) endMembership(ctx context.Context, c *command.EndMembership, meta Meta) (Result, error) {
	return a.participantCommand(ctx, c.NIK, c, meta, func(s participant.State) ([]event.Event, error) { return participant.EndMembership(s, c) })
}

func (a *Application) reportAccident(ctx context.Context, c *command.ReportAccident, meta Meta) (Result, error) {
	return a.participantCommand(ctx, c.NIK, c, meta, func(s participant.State) ([]event.Event, error) { return participant.ReportAccident(s, c) })
}

func (a *Application) reportDeath(ctx context.Context, c *command.ReportDeath, meta Meta) (Result, error) {
	return a.participantCommand(ctx, c.NIK, c, meta, func(s participant.State) ([]event.Event, error) { return participant.ReportDeath(s, c) })
}

// assessContributions bills every participant the directory lists under the
// payer; each participant's own stream says whether and at what wage base.
// Everything is decided before anything is appended: the non-wage earners'
// lapses (on their own streams) and the bill; an error appends nothing.
func (a *Application) assessContributions(ctx context.Context, c *command.AssessContributions, meta Meta) (Result, error) {
	state, err := a.LoadPayer(ctx, c.PayerID)
	if err != nil {
		return Result{}, err
	}
	ids, err := a.config.Directory.ParticipantsOfPayer(ctx, c.PayerID)
	if err != nil {
		return Result{}, err
	}
	book, err := a.config.Library.ForPeriod(c.Period)
	if err != nil {
		return Result{}, problem.Field("period", "no_rule_book", "%v", err)
	}
	var lapses []streamWrite
	participants, err := a.LoadParticipants(ctx, ids) // a handful of round trips, not one per worker
	if err != nil {
		return Result{}, err
	}
	members := make([]payer.Member, 0, len(ids))
	projects := projectWorkers{}
	for _, id := range ids {
		member := participants[id]
		if !member.Registered || member.PayerAt(c.Period.LastDay()) != c.PayerID {
			continue
		}
		if member.ProjectID != "" {
			projects.add(id, member)
			continue
		}
		member = decideLapse(member, state, c, book.BPUInactiveAfterUnpaidMonths(), &lapses)
		wage, ok := member.WageOn(c.Period.LastDay())
		programmes := member.ProgrammesIn(c.Period)
		if !ok || len(programmes) == 0 || !projectStartsIn(member, c.Period) {
			continue
		}
		members = append(members, payer.Member{ParticipantID: id, Segment: member.Segment, WageBase: wage, Programmes: programmes})
	}
	projectMembers, err := a.projectMembers(ctx, projects, c)
	if err != nil {
		return Result{}, err
	}
	members = append(members, projectMembers...)
	events, err := payer.Assess(state, c, members, a.config.Library, a.today())
	if domainError, ok := problem.As(err); ok && domainError.Code == "nothing_to_assess" && len(lapses) > 0 {
		return a.appendAll(ctx, c, meta, lapses...) // the run's only outcome is the lapses it records
	}
	if err != nil {
		return Result{}, err
	}
	return a.writeBill(ctx, c, meta, state, events, lapses...)
}

// AssessMembers bills members, as given, to the payer as AssessContributions
// bills its participants, and returns the bill decided: for benchmarks and
// tests that need a payer of many workers without registering them (the
// directory and the participants' streams are not read; no lapse is decided).
func (a *Application) AssessMembers(ctx context.Context, c *command.AssessContributions, meta Meta, members []payer.Member) (*payer.ContributionsBilled, error) {
	state, err := a.LoadPayer(ctx, c.PayerID)
	if err != nil {
		return nil, err
	}
	events, err := payer.Assess(state, c, members, a.config.Library, a.today())
	if err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, fmt.Errorf("payer %s %s: every member is billed already", c.PayerID, c.Period)
	}
	if _, err := a.writeBill(ctx, c, meta, state, events); err != nil {
		return nil, err
	}
	return events[0].(*payer.ContributionsBilled), nil
}

// writeBill appends what payer.Assess decided on state, with the lapses
// decided beside it, in one write: an assessment is recorded whole or not at
// all. Where streams are written one by one (EventStoreDB) the lines go
// before the bill that counts them, so a write cut short leaves nothing a
// load would fold, and the same command again completes it.
func (a *Application) writeBill(ctx context.Context, c *command.AssessContributions, meta Meta, state payer.State, events []event.Event, lapses ...streamWrite) (Result, error) {
	summary, parts := payer.BillParts(events)
	lines := streamWrite{streamID: billStream(c.PayerID, c.Period), loadedVersion: state.PartsOf(c.Period), ruleBook: ruleBookOf(parts), events: parts}
	bill := streamWrite{streamID: payerStream(c.PayerID), loadedVersion: state.Version, ruleBook: ruleBookOf(summary), events: summary}
	return a.appendAll(ctx, c, meta, append(lapses, lines, bill)...)
}

// decideLapse decides a non-wage earner's lapse or reactivation before
// billing them, adds it to into (written with the bill), and returns the
// participant as the new events leave it.
func decideLapse(member participant.State, bills payer.State, c *command.AssessContributions, unpaidMonthsMax int, into *[]streamWrite) participant.State {
	billed := func(p calendar.Period) bool { return bills.Billed(p, member.ID) }
	paid := func(p calendar.Period) bool { return bills.LinePaid(p, member.ID) }
	events := participant.DecideLapse(member, c.Period, unpaidMonthsMax, billed, paid)
	if len(events) == 0 {
		return member
	}
	*into = append(*into, streamWrite{streamID: participantStream(member.ID), loadedVersion: member.Version, events: events})
	for _, e := range events {
		member = participant.Evolve(member, e)
	}
	return member
}

func (a *Application) recordPayment(ctx context.Context, c *command.RecordPayment, meta Meta) (Result, error) {
	return a.payerCommand(ctx, c.PayerID, c, meta, func(s payer.State) ([]event.Event, error) { return payer.RecordPayment(s, c, a.config.Library) })
}

// fileClaim lodges the claim on the participant (coverage, one death claim)
// and creates the claim stream, in one write. Where that write goes stream by
// stream (EventStoreDB), a crash between the two is healed by a retry: the
// participant shows the claim lodged, and the claim is created.
func (a *Application) fileClaim(ctx context.Context, c *command.FileClaim, meta Meta) (Result, error) {
	member, err := a.ParticipantByNIK(ctx, c.NIK)
	if err != nil {
		return Result{}, err
	}
	claimState, err := a.LoadClaim(ctx, c.ClaimID)
	if err != nil {
		return Result{}, err
	}
	claimEvents, err := claim.File(claimState, c, member, a.today(), a.config.Library)
	if err != nil {
		return Result{}, err
	}
	billing, err := a.Billing(ctx, member)
	if err != nil {
		return Result{}, err
	}
	claims, err := a.claimsOf(ctx, member)
	if err != nil {
		return Result{}, err
	}
	lodged, err := participant.LodgeClaim(member, c, participant.Lodging{Paid: billing.PaidFunc(), Standing: claims.Standing, Policy: a.policy(), Today: command.BusinessDate(c.FiledOn, a.today())})
	if err != nil {
		return Result{}, err
	}
	return a.appendAll(ctx, c, meta,
		streamWrite{streamID: participantStream(member.ID), loadedVersion: member.Version, events: lodged},
		streamWrite{streamID: claimStream(c.ClaimID), loadedVersion: claimState.Version, events: claimEvents})
}

func (a *Application) approveClaim(ctx context.Context, c *command.ApproveClaim, meta Meta) (Result, error) {
	claimState, err := a.LoadClaim(ctx, c.ClaimID)
	if err != nil {
		return Result{}, err
	}
	if claimState.Filed == nil {
		return Result{}, &problem.Error{Kind: problem.NotFound, Code: "claim_not_found", Field: "claim_id", Message: "no claim " + c.ClaimID + " is filed"}
	}
	member, err := a.LoadParticipant(ctx, claimState.Filed.ParticipantID)
	if err != nil {
		return Result{}, err
	}
	payerState, err := a.LoadPayer(ctx, member.PayerID)
	if err != nil {
		return Result{}, err
	}
	billing, err := a.Billing(ctx, member)
	if err != nil {
		return Result{}, err
	}
	claims, err := a.claimsOf(ctx, member)
	if err != nil {
		return Result{}, err
	}
	on := command.BusinessDate(c.ApprovedOn, a.today())
	events, err := claim.Approve(claimState, c, claim.Inputs{Participant: member, Payer: payerState, Billing: billing, Library: a.config.Library,
		Others: claims.Without(c.ClaimID), Today: on})
	if err != nil || len(events) == 0 {
		return Result{}, err
	}
	if err := a.openOn(ctx, member, "approved_on", on); err != nil {
		return Result{}, err
	}
	var debit []event.Event
	if approved, ok := events[0].(*claim.Approved); ok && claimState.Filed.Programme == "JHT" {
		// The participant stream guards the balance: the debit goes at the version the balance was read.
		debit = participant.DebitJHT(member, c.ClaimID, claimState.Filed.Benefit, approved.Total.Decimal, approved.ApprovedOn)
	}
	return a.appendAll(ctx, c, meta,
		streamWrite{streamID: participantStream(member.ID), loadedVersion: member.Version, events: debit},
		streamWrite{streamID: claimStream(c.ClaimID), loadedVersion: claimState.Version, ruleBook: ruleBookOf(events), events: events})
}

// claimsOf loads every claim lodged on the participant: once-only rights,
// caps per accident and the scholarship after total disability depend on how
// each of them was decided.
func (a *Application) claimsOf(ctx context.Context, member participant.State) (claim.Set, error) {
	claims := make(claim.Set, len(member.Claims))
	for id := range member.Claims {
		state, err := a.LoadClaim(ctx, id)
		if err != nil {
			return nil, err
		}
		claims[id] = state
	}
	return claims, nil
}

func (a *Application) rejectClaim(ctx context.Context, c *command.RejectClaim, meta Meta) (Result, error) {
	return a.claimCommand(ctx, c.ClaimID, c, meta, func(s claim.State) ([]event.Event, error) {
		events, err := claim.Reject(s, c, a.today())
		if err != nil || len(events) == 0 {
			return events, err
		}
		return events, a.claimOpenOn(ctx, s, "rejected_on", command.BusinessDate(c.RejectedOn, a.today()))
	})
}

// openOn refuses a decision on a participant's claim dated inside a month
// their payer on that day has closed (payer.State.Open).
func (a *Application) openOn(ctx context.Context, member participant.State, field string, on calendar.Date) error {
	payerState, err := a.LoadPayer(ctx, member.PayerAt(on))
	if err != nil {
		return err
	}
	return payerState.Open(field, on)
}

// claimOpenOn is openOn for the participant a claim is filed for; the
// claim's decide function has accepted it, so it is filed.
func (a *Application) claimOpenOn(ctx context.Context, s claim.State, field string, on calendar.Date) error {
	member, err := a.LoadParticipant(ctx, s.Filed.ParticipantID)
	if err != nil {
		return err
	}
	return a.openOn(ctx, member, field, on)
}

// recordPayout decides the payout on its claim, then reserves its id for the
// claim across the ledger (rm_payouts is keyed on the payout id alone): an id
// another claim holds is refused, and of two racing claims only one gets it.
func (a *Application) recordPayout(ctx context.Context, c *command.RecordPayout, meta Meta) (Result, error) {
	return a.claimCommand(ctx, c.ClaimID, c, meta, func(s claim.State) ([]event.Event, error) {
		events, err := claim.RecordPayout(s, c, a.config.Library)
		if err != nil || len(events) == 0 {
			return events, err
		}
		if err := a.claimOpenOn(ctx, s, "paid_on", c.PaidOn); err != nil {
			return nil, err
		}
		owner, err := a.config.Directory.ReservePayout(ctx, c.PayoutID, c.ClaimID)
		if err != nil {
			return nil, err
		}
		if owner != c.ClaimID {
			return nil, &problem.Error{Kind: problem.Conflict, Code: "payout_id_taken", Field: "payout_id",
				Message: "payout " + c.PayoutID + " is a payout of claim " + owner + "; give this payout its own id"}
		}
		return events, nil
	})
}

func (a *Application) creditJHTReturn(ctx context.Context, c *command.CreditJHTReturn, meta Meta) (Result, error) {
	member, err := a.ParticipantByNIK(ctx, c.NIK)
	if err != nil {
		return Result{}, err
	}
	billing, err := a.Billing(ctx, member)
	if err != nil {
		return Result{}, err
	}
	events, err := jht.CreditReturn(member, billing.PaidContributions("JHT"), c, a.config.Library, a.today())
	if err != nil {
		return Result{}, err
	}
	return a.append(ctx, participantStream(member.ID), member.Version, c, meta, ruleBookOf(events), events)
}

// changePayer moves the participant in the directory first (idempotent), so a
// crash before the event leaves nothing a retry cannot finish.
func (a *Application) changePayer(ctx context.Context, c *command.ChangePayer, meta Meta) (Result, error) {
	target, err := a.loadPayer(ctx, c.PayerID, false)
	if err != nil {
		return Result{}, err
	}
	if !target.Registered {
		return Result{}, &problem.Error{Kind: problem.NotFound, Code: "payer_not_found", Field: "payer_id", Message: "no payer " + c.PayerID + "; register it first (RegisterPayer)"}
	}
	return a.participantCommand(ctx, c.NIK, c, meta, func(s participant.State) ([]event.Event, error) {
		billedThrough, err := a.billedThrough(ctx, s)
		if err != nil {
			return nil, err
		}
		events, err := participant.ChangePayer(s, c, billedThrough)
		if err != nil || len(events) == 0 {
			return events, err
		}
		return events, a.config.Directory.MovePayer(ctx, s.ID, c.PayerID)
	})
}

// billedThrough is, for each payer the worker has had, the last month it
// billed them (participant.ChangePayer).
func (a *Application) billedThrough(ctx context.Context, member participant.State) (map[string]calendar.Period, error) {
	billed := map[string]calendar.Period{}
	for _, payerID := range member.PayerIDs() {
		state, err := a.LoadPayer(ctx, payerID)
		if err != nil {
			return nil, err
		}
		periods := state.Periods()
		for i := len(periods) - 1; i >= 0; i-- {
			if state.Billed(periods[i], member.ID) {
				billed[payerID] = periods[i]
				break
			}
		}
	}
	return billed, nil
}

// projectWorkers lists, per project, the ids of the workers enrolled onto
// it and the month the first of them joined.
type projectWorkers map[string]*projectTeam

type projectTeam struct {
	workers []string
	joined  calendar.Period
}

func (p projectWorkers) add(participantID string, member participant.State) {
	team := p[member.ProjectID]
	if team == nil {
		team = &projectTeam{}
		p[member.ProjectID] = team
	}
	team.workers = append(team.workers, participantID)
	if from, ok := member.FirstEnrolled(); ok && (team.joined.IsZero() || from.Period().Before(team.joined)) {
		team.joined = from.Period()
	}
}

// projectMembers are the payer's construction projects to bill for the
// period: each once, in the month it starts, on its contract value, with
// the workers enrolled onto it (docs/rulebook.md#contributions).
func (a *Application) projectMembers(ctx context.Context, projects projectWorkers, c *command.AssessContributions) ([]payer.Member, error) {
	var members []payer.Member
	for projectID, team := range projects {
		if c.Period.After(team.joined) {
			continue // a worker joins inside the project's term: it started by then, and was billed then
		}
		state, err := a.LoadProject(ctx, projectID)
		if err != nil {
			return nil, err
		}
		registered := state.Registered
		if registered == nil || registered.PayerID != c.PayerID || registered.StartOn.Period() != c.Period {
			continue
		}
		sort.Strings(team.workers)
		members = append(members, payer.Member{ProjectID: projectID, Workers: team.workers, Segment: "construction",
			WageBase: registered.ContractValue.Decimal, Programmes: []string{"JKK", "JKM"}})
	}
	return members, nil
}

// projectStartsIn: a construction project is billed once, in the month it starts;
// everyone else is billed every month.
func projectStartsIn(member participant.State, period calendar.Period) bool {
	if member.Segment != "construction" {
		return true
	}
	first, ok := member.FirstEnrolled()
	return ok && first.Period() == period
}
