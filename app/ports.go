// Package app is the command path: for every command it loads the streams the
// decision needs, calls the pure domain decide function, and appends the
// events with the expected version it loaded (load -> decide -> append).
// The HTTP API, `jaminan apply`, the CSV import and the demo all call Execute.
package app

import (
	"context"
)

// Directory holds the command path's unique indexes, written before the
// events they guard: a NIK resolves to the internal participant id (Reserve,
// before the participant's first event, so two registrations of one NIK can
// never make two participants), and a payout id to its one claim
// (ReservePayout, before the payout, so one id never pays on two claims).
// It also lists the participants of a payer. Implementations store only a
// keyed hash of the NIK.
type Directory interface {
	// Lookup returns the participant id for a NIK, and whether one is reserved.
	Lookup(ctx context.Context, nik string) (participantID string, found bool, err error)
	// Reserve returns the id already reserved for the NIK, or reserves candidateID.
	Reserve(ctx context.Context, nik, payerID, candidateID string) (participantID string, err error)
	// MovePayer files the participant under another payer (idempotent).
	MovePayer(ctx context.Context, participantID, payerID string) error
	// ParticipantsOfPayer lists the participant ids reserved under a payer, sorted.
	ParticipantsOfPayer(ctx context.Context, payerID string) ([]string, error)
	// ReservePayout returns the claim a payout id is reserved for, reserving
	// it for claimID when it is free; of two racing reservations one wins,
	// and both see its claim.
	ReservePayout(ctx context.Context, payoutID, claimID string) (ownerClaimID string, err error)
}
