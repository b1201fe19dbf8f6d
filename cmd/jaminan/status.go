package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newStatusCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show the log head and each projection's checkpoint and lag",
		Args:  cobra.NoArgs,
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
			fmt.Fprintln(writer, "PROJECTION\tPOSITION\tHEAD\tLAG")
			for _, status := range statuses {
				fmt.Fprintf(writer, "%s\t%d\t%d\t%d\n", status.Name, status.Position, status.Head, status.Lag)
			}
			return writer.Flush()
		},
	}
}
