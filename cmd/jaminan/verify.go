package main

import (
	"fmt"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
)

func newVerifyCommand() *cobra.Command {
	var quiet, logOnly bool
	var bundlePath, publicKey string
	var memory *memoryLimit
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Prove the log was not altered and every read model follows from it",
		Long: `Recomputes the SHA-256 chain of every stream (each event's hash covers its
predecessor's) and the global chain that seals the order of positions, and
checks the stream heads. Exits 1 and names the first broken position when any
stored event was changed, removed or reordered.

Then replays every snapshotted stream up to its snapshot's version and
compares: exits 1 and names the stream when a snapshot differs from its replay
or its stream no longer holds the event it was taken after. Snapshots of other
evolve code are counted and pass (loads ignore them).

Then re-derives every read model from the log into a scratch schema, up to the
live checkpoints, and compares it row by row with the live tables, printing each
difference (personal data is compared, never printed), and carries the copy on
to the log head. Exits 1, naming the projection, the position and the error,
when a projection is stopped on an event it cannot apply (as the live runner
recorded it, or met on the way to the head); a projection merely behind is
named and passes. --log-only skips this.

With --bundle FILE it checks an audit bundle offline instead (no database):
the manifest's signature, the digest of its events and every stream's chain.`,
		Example: "  jaminan verify\n  jaminan verify --log-only\n  jaminan verify --bundle santi.zip --public-key <64 hex digits>",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if bundlePath != "" {
				return verifyBundle(cmd, bundlePath, publicKey)
			}
			if err := memory.apply(); err != nil {
				return err
			}
			built, err := open(cmd.Context())
			if err != nil {
				return err
			}
			defer built.Close()
			var bar *progressbar.ProgressBar
			startBar := func(description string, total int64) {
				if !quiet && bar == nil {
					bar = progressbar.NewOptions64(total, progressbar.OptionSetDescription(description), progressbar.OptionShowCount(),
						progressbar.OptionShowIts(), progressbar.OptionSetWriter(cmd.ErrOrStderr()))
				}
			}
			endBar := func() {
				if bar != nil {
					_ = bar.Finish()
					fmt.Fprintln(cmd.ErrOrStderr())
					bar = nil
				}
			}
			report, err := built.store.Verify(cmd.Context(), func(checked, head int64) {
				if startBar("verify chains", head); bar != nil {
					_ = bar.Set64(checked)
				}
			})
			endBar()
			if err != nil {
				return err
			}
			if report.FirstBroken != nil {
				broken := report.FirstBroken
				fmt.Fprintf(cmd.OutOrStdout(), "BROKEN at position %d (stream %s, version %d): %s\n", broken.Position, broken.StreamID, broken.Version, broken.Reason)
				return errReported
			}
			fmt.Fprintf(cmd.OutOrStdout(), "ok: %d events in %d streams, every hash chain intact\n", report.Events, report.Streams)
			if err := verifySnapshots(cmd, built); err != nil {
				return err
			}
			if logOnly {
				return nil
			}
			head, err := built.store.Head(cmd.Context())
			if err != nil {
				return err
			}
			// The read models are re-derived up to their live checkpoints
			// (at most the head, which the bar counts to), then carried on.
			defer endBar()
			return verifyReadModels(cmd.Context(), built, cmd.OutOrStdout(), func(events int) {
				if startBar("verify read models", head); bar != nil {
					_ = bar.Add(events)
				}
			})
		},
	}
	cmd.Flags().BoolVar(&quiet, "quiet", false, "no progress bar")
	cmd.Flags().StringVar(&bundlePath, "bundle", "", "check this audit bundle (from jaminan bundle) offline")
	cmd.Flags().StringVar(&publicKey, "public-key", "", "with --bundle: the ledger's public key (hex) the bundle must be signed with")
	cmd.Flags().BoolVar(&logOnly, "log-only", false, "check the hash chains only, not the read models")
	memory = addMemoryLimitFlag(cmd)
	return cmd
}

// verifySnapshots prints what the snapshot check found; errReported when a
// snapshot is broken.
func verifySnapshots(cmd *cobra.Command, built *system) error {
	report, err := built.application.VerifySnapshots(cmd.Context())
	if err != nil {
		return fmt.Errorf("verify snapshots: %w", err)
	}
	for _, broken := range report.Broken {
		fmt.Fprintf(cmd.OutOrStdout(), "BROKEN snapshot of stream %s at version %d: %s\n", broken.StreamID, broken.Version, broken.Reason)
	}
	if len(report.Broken) > 0 {
		return errReported
	}
	fmt.Fprintf(cmd.OutOrStdout(), "ok: %d snapshots equal a replay of their stream (%d of other evolve code, ignored)\n", report.Checked, report.Stale)
	return nil
}
