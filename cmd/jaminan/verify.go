package main

import (
	"fmt"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
)

func newVerifyCommand() *cobra.Command {
	var quiet bool
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Prove the log was not altered: walk every hash chain",
		Long: `Recomputes the SHA-256 chain of every stream (each event's hash covers its
predecessor's) and the global chain that seals the order of positions, and
checks the stream heads. Exits 1 and names the first broken position when any
stored event was changed, removed or reordered.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			built, err := open(cmd.Context())
			if err != nil {
				return err
			}
			defer built.Close()
			var bar *progressbar.ProgressBar
			progress := func(checked, head int64) {
				if quiet {
					return
				}
				if bar == nil {
					bar = progressbar.NewOptions64(head, progressbar.OptionSetDescription("verify"), progressbar.OptionShowCount(),
						progressbar.OptionShowIts(), progressbar.OptionSetWriter(cmd.ErrOrStderr()))
				}
				_ = bar.Set64(checked)
			}
			report, err := built.store.Verify(cmd.Context(), progress)
			if bar != nil {
				_ = bar.Finish()
				fmt.Fprintln(cmd.ErrOrStderr())
			}
			if err != nil {
				return err
			}
			if report.FirstBroken != nil {
				broken := report.FirstBroken
				fmt.Fprintf(cmd.OutOrStdout(), "BROKEN at position %d (stream %s, version %d): %s\n", broken.Position, broken.StreamID, broken.Version, broken.Reason)
				return errReported
			}
			fmt.Fprintf(cmd.OutOrStdout(), "ok: %d events in %d streams, every hash chain intact; %d event(s) not yet sealed into the global order\n",
				report.Events, report.Streams, report.Unsealed)
			return nil
		},
	}
	cmd.Flags().BoolVar(&quiet, "quiet", false, "no progress bar")
	return cmd
}
