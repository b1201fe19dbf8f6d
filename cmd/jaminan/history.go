package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/calendar"
)

func newHistoryCommand() *cobra.Command {
	var format, asOf string
	var atPosition int64
	cmd := &cobra.Command{
		Use:   "history participant|payer|claim ID",
		Short: "Print every event of a participant, payer or claim, with the state after each",
		Long: `Replays from the log (not from the read models) and prints each event with
its position, stream and version, business and recorded time, actor and hash,
and the state after it. A payer and a claim are one stream each, named by id.

A participant, named by NIK, is their whole timeline in log order: their own
stream (enrollments, wage and payer changes, accidents, deaths), every month
billed for them with the payer that billed it, each payment or reversal that
reached their line and the penalties on it (from the streams of the payers
they have had; only their own line, marked as an excerpt), and their claims
with decisions and payouts. The state after each event gives the coverage, the
months billed and paid with those in arrears on the event's business date, and
each claim's status.

--as-of DATE keeps the events whose business date is on or before DATE, so the
last state shown is the state as of that date. --at-position N keeps the events
at or before global position N: what the ledger knew then. Both may be given,
and apply to every stream of a participant's timeline alike.`,
		Example: "  jaminan history participant 6310014507800001\n  jaminan history claim jkm-santi-2024 --format json\n" +
			"  jaminan history payer desa-pakatellu --as-of 2024-06-30 --format csv",
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" && format != "csv" {
				return &usageError{fmt.Errorf("--format must be table, json or csv, not %q", format)}
			}
			if atPosition < 0 {
				return &usageError{fmt.Errorf("--at-position must be a positive global position, not %d", atPosition)}
			}
			var bound app.HistoryBound
			if asOf != "" {
				date, err := calendar.ParseDate(asOf)
				if err != nil {
					return &usageError{fmt.Errorf("--as-of: %w", err)}
				}
				bound.AsOf = date
			}
			bound.AtPosition = atPosition
			if args[0] != "participant" && args[0] != "payer" && args[0] != "claim" {
				return &usageError{fmt.Errorf("history takes participant, payer or claim, not %q", args[0])}
			}
			built, err := open(cmd.Context())
			if err != nil {
				return err
			}
			defer built.Close()
			entries, err := built.application.History(cmd.Context(), args[0], args[1], bound)
			if err != nil {
				return err
			}
			return printHistory(cmd.OutOrStdout(), entries, format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "table, json (one object per line) or csv")
	cmd.Flags().StringVar(&asOf, "as-of", "", "YYYY-MM-DD: the state as of this business date")
	cmd.Flags().Int64Var(&atPosition, "at-position", 0, "the state as the ledger knew it at this global position")
	return cmd
}

func printHistory(output io.Writer, entries []app.HistoryEntry, format string) error {
	switch format {
	case "json":
		encoder := json.NewEncoder(output)
		for _, entry := range entries {
			if err := encoder.Encode(entry); err != nil {
				return err
			}
		}
		return nil
	case "csv":
		writer := csv.NewWriter(output)
		_ = writer.Write([]string{"position", "version", "event_id", "type", "occurred_at", "recorded_at", "actor", "hash", "state_after", "data",
			"stream", "payer_id", "excerpt"})
		for _, entry := range entries {
			_ = writer.Write([]string{strconv.FormatInt(entry.Position, 10), strconv.FormatInt(entry.Version, 10), entry.EventID, entry.Type,
				entry.OccurredAt, entry.RecordedAt, entry.Actor, entry.Hash, entry.StateAfter, string(entry.Data),
				entry.Stream, entry.PayerID, strconv.FormatBool(entry.Excerpt)})
		}
		writer.Flush()
		return writer.Error()
	}
	writer := tabwriter.NewWriter(output, 0, 4, 2, ' ', 0)
	fmt.Fprintln(writer, "POSITION\tSTREAM\tVERSION\tOCCURRED\tRECORDED\tTYPE\tACTOR\tHASH\tSTATE AFTER")
	for _, entry := range entries {
		fmt.Fprintf(writer, "%d\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", entry.Position, entry.Stream, entry.Version, entry.OccurredAt, entry.RecordedAt,
			entry.Type, entry.Actor, entry.Hash[:12], entry.StateAfter)
	}
	return writer.Flush()
}
