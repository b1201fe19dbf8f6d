package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tanahbumbu/jaminan/projections"
)

func newStatusCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show the log head and each projection's checkpoint, lag and state",
		Long: `Prints each projection's checkpoint, the log head, the lag between them and
the state: current, behind (catching up, no error) or failing (stopped on an
event it cannot apply; the position of that event and the error follow the
table). Exits 1 when a projection is failing.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			built, err := open(cmd.Context())
			if err != nil {
				return err
			}
			defer built.Close()
			statuses, err := built.runner.Status(cmd.Context())
			if err != nil {
				return err
			}
			writer := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(writer, "PROJECTION\tPOSITION\tHEAD\tLAG\tSTATE")
			for _, status := range statuses {
				fmt.Fprintf(writer, "%s\t%d\t%d\t%d\t%s\n", status.Name, status.Position, status.Head, status.Lag, status.State)
			}
			if err := writer.Flush(); err != nil {
				return err
			}
			failing := false
			for _, status := range statuses {
				if status.State == projections.StateFailing {
					failing = true
					since := ""
					if status.FailedAt != nil {
						since = " (since " + status.FailedAt.UTC().Format(time.RFC3339) + ")"
					}
					fmt.Fprintf(cmd.OutOrStdout(), "FAILING %s: cannot apply position %d%s: %s\n", status.Name, status.ErrorPosition, since, status.Error)
				}
			}
			if failing {
				return errReported
			}
			return nil
		},
	}
}
