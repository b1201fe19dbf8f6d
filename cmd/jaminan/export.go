package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tanahbumbu/jaminan/adapters/export"
	"github.com/tanahbumbu/jaminan/domain/calendar"
)

// exportOptions are the flags of jaminan export.
type exportOptions struct {
	statementID string
	format      string
	out         string
	asOf        string
}

func newExportCommand() *cobra.Command {
	var options exportOptions
	cmd := &cobra.Command{
		Use:   "export payouts|receipts|arrears|reconciliation",
		Short: "Write a finance export as CSV or XLSX, with a totals row",
		Long: `Writes one finance table from the read models (caught up with the log first):
  payouts         every benefit payout (net_amount is 0.00 once reversed)
  receipts        every contribution payment received
  arrears         monthly bills past due and not paid in full (--as-of, default today)
  reconciliation  a reconciled statement's lines and ledger-only items (--statement-id)
Amounts are exact decimals (numeric cells in XLSX); the last row holds the totals.`,
		Example: "  jaminan export payouts --format xlsx --out payouts.xlsx\n" +
			"  jaminan export reconciliation --statement-id bpd-2026-11 --format csv --out -",
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			request, err := options.request(args[0])
			if err != nil {
				return &usageError{err}
			}
			built, err := open(cmd.Context())
			if err != nil {
				return err
			}
			defer built.Close()
			return writeExport(cmd.Context(), built, request, options, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&options.statementID, "statement-id", "", "the statement of a reconciliation export")
	cmd.Flags().StringVar(&options.format, "format", "", "csv or xlsx (required)")
	cmd.Flags().StringVar(&options.out, "out", "", "the file to write; - for standard output (csv only) (required)")
	cmd.Flags().StringVar(&options.asOf, "as-of", "", "YYYY-MM-DD: the day arrears are counted on (default today)")
	return cmd
}

// request checks the flags and builds the export request.
func (o exportOptions) request(name string) (export.Request, error) {
	if !slices.Contains(export.Formats, o.format) {
		return export.Request{}, fmt.Errorf("--format must be csv or xlsx, not %q", o.format)
	}
	if o.out == "" {
		return export.Request{}, errors.New("--out is required: a file, or - for standard output")
	}
	if o.out == "-" && o.format == "xlsx" {
		return export.Request{}, errors.New("--out - takes csv only; write xlsx to a file")
	}
	request := export.Request{Name: name, StatementID: o.statementID, AsOf: calendar.DateOf(time.Now())}
	if o.asOf != "" {
		date, err := calendar.ParseDate(o.asOf)
		if err != nil {
			return export.Request{}, fmt.Errorf("--as-of: %w", err)
		}
		request.AsOf = date
	}
	if err := request.Validate(); err != nil {
		return export.Request{}, fmt.Errorf("export %s: %w (%s)", name, err, strings.Join(export.Names, ", "))
	}
	return request, nil
}

// writeExport catches up, builds the table and writes it whole: a failure
// leaves no half-written file behind.
func writeExport(ctx context.Context, built *system, request export.Request, options exportOptions, stdout io.Writer) error {
	if _, err := built.runner.CatchUp(ctx); err != nil {
		return fmt.Errorf("update read models: %w", err)
	}
	table, err := export.Build(ctx, built.pool, built.application.StatementReport, request)
	if err != nil {
		return err
	}
	var file bytes.Buffer
	if err := export.Write(&file, table, options.format); err != nil {
		return err
	}
	if options.out == "-" {
		_, err := stdout.Write(file.Bytes())
		return err
	}
	if err := os.WriteFile(options.out, file.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", options.out, err)
	}
	return nil
}
