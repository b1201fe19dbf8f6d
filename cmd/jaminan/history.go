package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/claim"
	"github.com/tanahbumbu/jaminan/domain/participant"
	"github.com/tanahbumbu/jaminan/domain/payer"
	"github.com/tanahbumbu/jaminan/domain/problem"
)

// maxHistoryEvents bounds one history listing.
const (
	maxHistoryEvents = 100_000
	historyPageSize  = 1000
)

func newHistoryCommand() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "history participant|payer|claim ID",
		Short: "Print every event of a participant, payer or claim, with the state after each",
		Long: `Replays one stream from the log (not from the read models) and prints each
event with its position, stream version, business and recorded time, actor and
hash, and the state after it (for a participant: the coverage per programme).
A participant is named by NIK; a payer and a claim by their ids.`,
		Example: "  jaminan history participant 6310014507800001\n  jaminan history claim jkm-santi --format json",
		Args:    exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return &usageError{fmt.Errorf("--format must be table or json, not %q", format)}
			}
			built, err := open(cmd.Context())
			if err != nil {
				return err
			}
			defer built.Close()
			entries, err := history(cmd.Context(), built.application, args[0], args[1])
			if err != nil {
				return err
			}
			return printHistory(cmd.OutOrStdout(), entries, format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "table or json")
	return cmd
}

// historyEntry is one event and the state after it.
type historyEntry struct {
	Position   int64           `json:"position"`
	Version    int64           `json:"version"`
	Type       string          `json:"type"`
	OccurredAt string          `json:"occurred_at"`
	RecordedAt string          `json:"recorded_at"`
	Actor      string          `json:"actor"`
	Hash       string          `json:"hash"`
	Data       json.RawMessage `json:"data"`
	StateAfter string          `json:"state_after"`
}

func history(ctx context.Context, application *app.Application, kind, id string) ([]historyEntry, error) {
	var streamID string
	var describe func() func(eventstore.RecordedEvent) (string, error)
	switch kind {
	case "participant":
		state, err := application.ParticipantByNIK(ctx, id)
		if err != nil {
			return nil, err
		}
		streamID = app.ParticipantStream(state.ID)
		describe = func() func(eventstore.RecordedEvent) (string, error) {
			var folded participant.State
			return func(recorded eventstore.RecordedEvent) (string, error) {
				decoded, err := application.Decode(recorded)
				folded = participant.Evolve(folded, decoded)
				return describeParticipant(folded), err
			}
		}
	case "payer":
		streamID = app.PayerStream(id)
		describe = func() func(eventstore.RecordedEvent) (string, error) {
			var folded payer.State
			return func(recorded eventstore.RecordedEvent) (string, error) {
				decoded, err := application.Decode(recorded)
				folded = payer.Evolve(folded, decoded)
				return fmt.Sprintf("%d bill(s), credit %s, penalties %s", len(folded.Bills), folded.Credit.StringFixed(2), folded.Penalties.StringFixed(2)), err
			}
		}
	case "claim":
		streamID = app.ClaimStream(id)
		describe = func() func(eventstore.RecordedEvent) (string, error) {
			var folded claim.State
			return func(recorded eventstore.RecordedEvent) (string, error) {
				decoded, err := application.Decode(recorded)
				folded = claim.Evolve(folded, decoded)
				return fmt.Sprintf("%s; paid out %s of %s", folded.Status(), folded.PaidOut.StringFixed(2), folded.Outstanding().Add(folded.PaidOut).StringFixed(2)), err
			}
		}
	default:
		return nil, &usageError{fmt.Errorf("history takes participant, payer or claim, not %q", kind)}
	}
	recorded, err := readWholeStream(ctx, application.Store(), streamID)
	if err != nil {
		return nil, err
	}
	if len(recorded) == 0 {
		return nil, &problem.Error{Kind: problem.NotFound, Code: kind + "_not_found", Message: "no " + kind + " " + id + " in the log"}
	}
	stateAfter := describe()
	entries := make([]historyEntry, 0, len(recorded))
	for _, event := range recorded {
		state, err := stateAfter(event)
		if err != nil {
			return nil, err
		}
		entries = append(entries, historyEntry{Position: event.Position, Version: event.Version, Type: event.Type,
			OccurredAt: event.OccurredAt.Format(time.DateOnly), RecordedAt: event.RecordedAt.Format(time.RFC3339),
			Actor: event.Metadata.Actor, Hash: fmt.Sprintf("%x", event.Hash), Data: event.Data, StateAfter: state})
	}
	return entries, nil
}

// readWholeStream pages through a stream, up to maxHistoryEvents.
func readWholeStream(ctx context.Context, store eventstore.Store, streamID string) ([]eventstore.RecordedEvent, error) {
	var all []eventstore.RecordedEvent
	for len(all) < maxHistoryEvents {
		page, err := store.ReadStream(ctx, streamID, int64(len(all))+1, historyPageSize)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if len(page) < historyPageSize {
			return all, nil
		}
	}
	return nil, fmt.Errorf("stream %s has more than %d events; history shows at most that many", streamID, maxHistoryEvents)
}

func describeParticipant(state participant.State) string {
	if len(state.Enrollments) == 0 {
		return "registered, not enrolled"
	}
	var parts []string
	for _, enrollment := range state.Enrollments {
		span := enrollment.Programme + " from " + enrollment.From.String()
		if !enrollment.Until.IsZero() {
			span += " until " + enrollment.Until.String()
		}
		parts = append(parts, span)
	}
	if wage, ok := state.WageOn(state.Wages[len(state.Wages)-1].From); ok {
		parts = append(parts, "wage base "+wage.StringFixed(2))
	}
	return strings.Join(parts, "; ")
}

func printHistory(output io.Writer, entries []historyEntry, format string) error {
	if format == "json" {
		encoder := json.NewEncoder(output)
		for _, entry := range entries {
			if err := encoder.Encode(entry); err != nil {
				return err
			}
		}
		return nil
	}
	writer := tabwriter.NewWriter(output, 0, 4, 2, ' ', 0)
	fmt.Fprintln(writer, "POSITION\tVERSION\tOCCURRED\tRECORDED\tTYPE\tHASH\tSTATE AFTER")
	for _, entry := range entries {
		fmt.Fprintf(writer, "%d\t%d\t%s\t%s\t%s\t%s\t%s\n", entry.Position, entry.Version, entry.OccurredAt, entry.RecordedAt, entry.Type, entry.Hash[:12], entry.StateAfter)
	}
	return writer.Flush()
}
