package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/tanahbumbu/jaminan/adapters/importer"
	"github.com/tanahbumbu/jaminan/app"
)

func newImportCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import participants FILE.csv|FILE.xlsx",
		Short: "Import records from a spreadsheet (CSV or XLSX)",
		Long:  "Imports a spreadsheet through the command path. Kinds: participants (docs/import.md).",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return &usageError{fmt.Errorf("cannot import %q; try: jaminan import participants FILE.csv", args[0])}
			}
			return &usageError{errors.New("import what? try: jaminan import participants FILE.csv (see --help)")}
		},
	}
	cmd.AddCommand(newImportParticipantsCommand())
	return cmd
}

type importFlags struct {
	dryRun, quiet bool
	actor         string
}

func newImportParticipantsCommand() *cobra.Command {
	var flags importFlags
	cmd := &cobra.Command{
		Use:   "participants FILE.csv|FILE.xlsx",
		Short: "Register and enroll participants from a CSV or XLSX file, one row per worker",
		Long: `Reads a spreadsheet with a header row naming the columns (any order, any case):
  nik, name, birth_date, category, segment, kecamatan, desa, payer_id,
  programmes (e.g. JKK;JKM;JHT), effective_date, wage (PU) or declared_income (BPU)
Each row becomes RegisterParticipant and Enroll, applied as by the HTTP API
(docs/commands.md); an XLSX file is read from its first sheet. Dates are
YYYY-MM-DD; money is a plain decimal such as 2500000 or 2500000.00. The payer
must be registered first. Bad rows are reported as "row N, field F: reason"
(the header is row 1) and the good rows are applied. Importing the same file
again appends nothing. Exits 1 when any row failed, 2 for a wrong invocation.
Columns, checks and bounds: docs/import.md.`,
		Example: `  jaminan import participants --dry-run docs/examples/participants.csv
  jaminan import participants docs/examples/participants.csv
  jaminan import participants --quiet --actor operator-kusan-tengah perangkat-2025.xlsx`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return importParticipants(cmd, args[0], flags) },
	}
	cmd.Flags().BoolVar(&flags.dryRun, "dry-run", false, "check every row against the ledger and write nothing")
	cmd.Flags().BoolVar(&flags.quiet, "quiet", false, "no progress bar")
	cmd.Flags().StringVar(&flags.actor, "actor", "cli", "who is importing, recorded in every event's metadata")
	return cmd
}

func importParticipants(cmd *cobra.Command, path string, flags importFlags) error {
	batch, err := importer.ReadFile(path)
	if err != nil {
		return importReadError(cmd, err)
	}
	built, err := open(cmd.Context())
	if err != nil {
		return err
	}
	defer built.Close()
	var progress io.Writer
	if !flags.quiet {
		progress = cmd.ErrOrStderr()
	}
	// One correlation id per run lets an auditor find every event of this import.
	meta := app.Meta{Actor: flags.actor, Source: "cli:import", CorrelationID: "import-" + uuid.Must(uuid.NewV7()).String()}
	summary, runErr := importer.Run(cmd.Context(), built.application, batch.Rows,
		importer.Options{DryRun: flags.dryRun, Meta: meta, Rejected: batch.Rejected, Progress: progress})
	output := cmd.OutOrStdout()
	for _, failure := range summary.Errors {
		fmt.Fprintln(output, failure.Error())
	}
	fmt.Fprint(output, summary.String())
	if runErr != nil {
		return runErr
	}
	if !flags.dryRun {
		if _, err := built.runner.CatchUp(cmd.Context()); err != nil {
			return fmt.Errorf("update read models: %w", err)
		}
	}
	if summary.Failed > 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "jaminan import: %d row(s) failed; fix them and import the file again (good rows are not imported twice)\n", summary.Failed)
		return errReported
	}
	return nil
}

// importReadError: a file that cannot be opened or is of the wrong type is a
// usage error (exit 2); a file that is unusable as written (header, size,
// encoding) is reported like a failed row (exit 1).
func importReadError(cmd *cobra.Command, err error) error {
	var pathError *fs.PathError
	if errors.As(err, &pathError) || errors.Is(err, importer.ErrUnsupportedFormat) {
		return &usageError{err}
	}
	var failure *importer.RowError
	if errors.As(err, &failure) {
		fmt.Fprintln(cmd.OutOrStdout(), failure.Error())
		fmt.Fprintln(cmd.ErrOrStderr(), "jaminan import: nothing was imported; fix the file and run again")
		return errReported
	}
	return err
}
