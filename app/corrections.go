package app

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/domain/claim"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/event"
	"github.com/tanahbumbu/jaminan/domain/payer"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

// reverse finds the event named and decides its reversal on the stream it belongs to.
func (a *Application) reverse(ctx context.Context, c *command.Reverse, meta Meta) (Result, error) {
	finder, ok := a.config.Store.(eventstore.EventFinder)
	if !ok {
		return Result{}, problem.New(problem.Invalid, "unsupported_command", "this event store cannot look events up by id")
	}
	original, found, err := finder.EventByID(ctx, uuid.MustParse(c.EventID))
	if err != nil {
		return Result{}, err
	}
	if !found {
		return Result{}, &problem.Error{Kind: problem.NotFound, Code: "event_not_found", Field: "event_id", Message: "no event " + c.EventID + " in the log"}
	}
	decoded, err := a.decoders.decode(original)
	if err != nil {
		return Result{}, err
	}
	switch e := decoded.(type) {
	case *payer.PaymentReceived:
		payerID := strings.TrimPrefix(original.StreamID, "payer-")
		state, err := a.loadPayer(ctx, payerID, false)
		if err != nil {
			return Result{}, err
		}
		events, err := payer.ReversePayment(state, e, c.EventID, c, a.today())
		return a.appendDecided(ctx, original.StreamID, state.Version, c, meta, events, err)
	case *claim.PayoutRecorded:
		state, err := a.LoadClaim(ctx, strings.TrimPrefix(original.StreamID, "claim-"))
		if err != nil {
			return Result{}, err
		}
		events, err := claim.ReversePayout(state, e, c.EventID, c, a.today())
		return a.appendDecided(ctx, original.StreamID, state.Version, c, meta, events, err)
	case *payer.PaymentReversed, *claim.PayoutReversed:
		return Result{}, problem.Field("event_id", "reversal_of_reversal", "a reversal cannot be reversed; record the payment or payout again instead")
	default:
		return Result{}, problem.Field("event_id", "not_reversible", "a %s is not reversed: only payments and payouts are; other mistakes are corrected by their own commands (ChangeWage, RejectClaim …)", original.Type)
	}
}

func (a *Application) appendDecided(ctx context.Context, streamID string, version int64, c command.Command, meta Meta, events []event.Event, err error) (Result, error) {
	if err != nil {
		return Result{}, err
	}
	return a.append(ctx, streamID, version, c, meta, "", events)
}

func (a *Application) closePeriod(ctx context.Context, c *command.ClosePeriod, meta Meta) (Result, error) {
	return a.payerCommand(ctx, c.PayerID, c, meta, func(s payer.State) ([]event.Event, error) { return payer.ClosePeriod(s, c, a.today()) })
}

func (a *Application) skipTranche(ctx context.Context, c *command.SkipScholarshipTranche, meta Meta) (Result, error) {
	return a.claimCommand(ctx, c.ClaimID, c, meta, func(s claim.State) ([]event.Event, error) { return claim.SkipTranche(s, c, a.today()) })
}

func (a *Application) endScholarship(ctx context.Context, c *command.EndScholarship, meta Meta) (Result, error) {
	return a.claimCommand(ctx, c.ClaimID, c, meta, func(s claim.State) ([]event.Event, error) { return claim.EndScholarshipOf(s, c, a.today()) })
}
