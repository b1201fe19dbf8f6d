package main

import (
	"fmt"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/tanahbumbu/jaminan/app/demo"
	"github.com/tanahbumbu/jaminan/domain/reference"
)

func newDemoCommand() *cobra.Command {
	var options demo.Options
	var quiet bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Load the Tanah Bumbu demo through the command path, run the projections, and exit",
		Long: `Registers the village governments of Kusan Hilir and Kusan Tengah and the regency
as payers, enrolls village workers of every category, bills and pays a year of
contributions (some late, with penalties), and files, approves and pays the two
claims of the seed story: the JKM death of a posyandu cadre in Muara Pagatan
Tengah (Rp42.000.000) and the work-accident death of a village official in
Pakatellu (JKK death and the children's scholarship). Every step is a command
through the same path as the API. Running it again appends nothing new.`,
		Example: "  jaminan demo\n  jaminan demo --workers 10488 --seed 1",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			places, err := reference.Load()
			if err != nil {
				return err
			}
			if len(options.Kecamatan) == 1 && options.Kecamatan[0] == "all" {
				options.Kecamatan = places.Kecamatan()
			}
			for _, kecamatan := range options.Kecamatan {
				if !places.HasKecamatan(kecamatan) {
					return &usageError{fmt.Errorf("--kecamatan: %q is not a kecamatan of Tanah Bumbu (%v)", kecamatan, places.Kecamatan())}
				}
			}
			built, err := open(cmd.Context())
			if err != nil {
				return err
			}
			defer built.Close()
			var bar *progressbar.ProgressBar
			if !quiet {
				options.Progress = func(done, total int) {
					if bar == nil {
						bar = progressbar.NewOptions(total, progressbar.OptionSetDescription("demo commands"), progressbar.OptionShowCount(),
							progressbar.OptionShowIts(), progressbar.OptionSetWriter(cmd.ErrOrStderr()), progressbar.OptionSetPredictTime(true))
					}
					_ = bar.Set(done)
				}
			}
			started := time.Now()
			summary, err := demo.Run(cmd.Context(), built.application, places, options)
			if bar != nil {
				_ = bar.Finish()
				fmt.Fprintln(cmd.ErrOrStderr())
			}
			if err != nil {
				return err
			}
			applied, err := built.runner.CatchUp(cmd.Context())
			if err != nil {
				return fmt.Errorf("run projections: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "demo loaded in %s: %d payers, %d participants, %d commands, %d new events; projections applied %d events\n",
				time.Since(started).Round(time.Millisecond), summary.Payers, summary.Participants, summary.Commands, summary.Events, applied)
			fmt.Fprintf(cmd.OutOrStdout(), "look: jaminan history claim %s   |   jaminan history participant %s\n", demo.SantiClaim, demo.SantiNIK)
			return nil
		},
	}
	cmd.Flags().IntVar(&options.Workers, "workers", 300, "village workers to enroll besides the two of the story")
	cmd.Flags().Uint64Var(&options.Seed, "seed", 1, "random seed; the same seed gives the same demo")
	cmd.Flags().IntVar(&options.Months, "months", 12, "months of contributions from January 2024")
	cmd.Flags().BoolVar(&quiet, "quiet", false, "no progress bar")
	cmd.Flags().StringSliceVar(&options.Kecamatan, "kecamatan", nil, "kecamatan to populate (default Kusan Hilir and Kusan Tengah); \"all\" for the 12 of Tanah Bumbu")
	return cmd
}
