package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tanahbumbu/jaminan/adapters/bankstatement"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/reconciliation"
)

// reconcileOptions are the flags of jaminan reconcile.
type reconcileOptions struct {
	statementID string
	account     string
	mappingPath string
	windowDays  *int
	format      string
	actor       string
}

func newReconcileCommand() *cobra.Command {
	var options reconcileOptions
	var windowDays int
	cmd := &cobra.Command{
		Use:   "reconcile STATEMENT.csv",
		Short: "Reconcile a bank statement against the ledger's receipts and payouts",
		Long: `Reads a bank statement (CSV; the columns mapped by --mapping, docs/reconciliation.md),
matches each line against the contribution receipts and benefit payouts of the
ledger — by reference and exact amount, then by reference alone (the amount
differs), then by exact amount within --window-days — and records every outcome
as events on the stream statement-<id>. Prints the report: each line's outcome,
the ledger items missing from the bank, and the totals, which tie:
  ledger_total = bank_total − bank_only_total + ledger_only_total − differences_total
A statement id is reconciled once; a second run with it is refused (exit 1).`,
		Example: "  jaminan reconcile bpd-2026-11.csv --account 0012-01-000123-30-1\n" +
			"  jaminan reconcile export.csv --statement-id bpd-2026-11 --mapping bank-kalsel.json --window-days 5 --format json",
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if options.format != "table" && options.format != "json" {
				return &usageError{fmt.Errorf("--format must be table or json, not %q", options.format)}
			}
			if cmd.Flags().Changed("window-days") {
				if windowDays < 0 || windowDays > command.MaxWindowDays {
					return &usageError{fmt.Errorf("--window-days must be 0 to %d, not %d", command.MaxWindowDays, windowDays)}
				}
				options.windowDays = &windowDays
			}
			if options.statementID == "" {
				options.statementID = statementIDFromPath(args[0])
			}
			if err := statementIDError(options.statementID); err != nil {
				return err
			}
			input, closeInput, err := openInput(args[0])
			if err != nil {
				return err
			}
			defer closeInput()
			statement, err := readStatement(input, args[0], options)
			if err != nil {
				return err
			}
			built, err := open(cmd.Context())
			if err != nil {
				return err
			}
			defer built.Close()
			report, err := reconcile(cmd.Context(), built, statement, app.Meta{Actor: options.actor, Source: "cli:reconcile"})
			if err != nil {
				return err
			}
			return printReport(cmd.OutOrStdout(), report, options.format)
		},
	}
	cmd.Flags().StringVar(&options.statementID, "statement-id", "", "the statement's id (default: the file's name without its extension)")
	cmd.Flags().StringVar(&options.account, "account", "", "the bank account the statement is of")
	cmd.Flags().StringVar(&options.mappingPath, "mapping", "", "a JSON column mapping for the bank's export (default: date,reference,amount,counterparty_account,description)")
	cmd.Flags().IntVar(&windowDays, "window-days", command.DefaultWindowDays, "days either side for a match on amount alone")
	cmd.Flags().StringVar(&options.format, "format", "table", "table or json")
	cmd.Flags().StringVar(&options.actor, "actor", "cli", "who is reconciling, recorded in every event's metadata")
	return cmd
}

// statementIDError is a usage error when the id (given or derived from the
// file's name) breaks the command's id rule.
func statementIDError(id string) error {
	probe := &command.ReconcileStatement{StatementID: id}
	if view, _ := app.Describe(probe.Validate()); view.Field == "statement_id" {
		return &usageError{fmt.Errorf("statement id %q: %s; give --statement-id", id, view.Message)}
	}
	return nil
}

// statementIDFromPath is the file's base name without its extension.
func statementIDFromPath(path string) string {
	base := filepath.Base(path)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// readStatement parses the CSV into the command; errors name the file, line and column.
func readStatement(input io.Reader, name string, options reconcileOptions) (*command.ReconcileStatement, error) {
	mapping := bankstatement.DefaultMapping()
	if options.mappingPath != "" {
		loaded, err := bankstatement.LoadMapping(options.mappingPath)
		if err != nil {
			return nil, &usageError{fmt.Errorf("--mapping: %w", err)}
		}
		mapping = loaded
	}
	lines, err := bankstatement.Parse(input, mapping)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	statement := &command.ReconcileStatement{StatementID: options.statementID, Account: options.account, WindowDays: options.windowDays,
		Lines: command.StatementLines{Items: lines}}
	return statement, nil
}

// reconcile catches the read models up, executes the command against the
// ledger in PostgreSQL, catches up again (so rm_statements shows it) and
// returns the report as the log has it.
func reconcile(ctx context.Context, built *system, statement *command.ReconcileStatement, meta app.Meta) (reconciliation.State, error) {
	if _, err := built.application.Execute(ctx, statement, meta); err != nil {
		return reconciliation.State{}, err
	}
	if _, err := built.runner.CatchUp(ctx); err != nil {
		return reconciliation.State{}, fmt.Errorf("update read models: %w", err)
	}
	return built.application.StatementReport(ctx, statement.StatementID)
}

func printReport(output io.Writer, report reconciliation.State, format string) error {
	if format == "json" {
		encoder := json.NewEncoder(output)
		encoder.SetIndent("", "  ")
		return encoder.Encode(report)
	}
	imported, totals := report.Imported, report.Reconciled.Totals
	fmt.Fprintf(output, "Statement %s, account %s, %s to %s, date window ±%d days\n\n", imported.StatementID, orDash(imported.Account),
		imported.PeriodFrom, imported.PeriodTo, imported.WindowDays)
	table := tabwriter.NewWriter(output, 0, 0, 2, ' ', 0)
	fmt.Fprintln(table, "LINE\tDATE\tREFERENCE\tBANK AMOUNT\tOUTCOME\tLEDGER ITEM\tLEDGER AMOUNT\tDIFFERENCE\t")
	for _, line := range report.Lines {
		item, ledger, difference := "", "", ""
		if line.Item != nil {
			item, ledger = line.Item.Kind+" "+line.Item.ID+" ("+line.Item.Date.String()+")", line.Item.Amount.StringFixed(2)
		}
		if line.Difference != nil {
			difference = line.Difference.StringFixed(2)
		}
		outcome := line.Outcome
		if line.Outcome == reconciliation.OutcomeMatched {
			outcome += " by " + strings.ReplaceAll(line.Rule, "_", " ")
		}
		fmt.Fprintf(table, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", line.BankLine.Line, line.BankLine.Date, orDash(line.BankLine.Reference),
			line.BankLine.Amount.StringFixed(2), outcome, item, ledger, difference)
	}
	for _, item := range report.LedgerOnly {
		fmt.Fprintf(table, "-\t%s\t%s\t\t%s\t%s\t%s\t\t\n", item.Date, item.BankReference, reconciliation.OutcomeLedgerOnly,
			item.Kind+" "+item.ID, item.Amount.StringFixed(2))
	}
	if err := table.Flush(); err != nil {
		return err
	}
	return printTotals(output, totals)
}

func printTotals(output io.Writer, totals reconciliation.Totals) error {
	fmt.Fprintf(output, "\n%d matched, %d amount differs, %d in bank not in ledger, %d in ledger not in bank\n",
		totals.Matched, totals.AmountDiffers, totals.BankOnly, totals.LedgerOnly)
	table := tabwriter.NewWriter(output, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, row := range []struct {
		name   string
		amount command.SignedMoney
	}{{"bank_total", totals.BankTotal}, {"matched_total", totals.MatchedTotal}, {"differences_total", totals.DifferencesTotal},
		{"bank_only_total", totals.BankOnlyTotal}, {"ledger_only_total", totals.LedgerOnlyTotal}, {"ledger_total", totals.LedgerTotal}} {
		fmt.Fprintf(table, "%s\t%s\t\n", row.name, row.amount.StringFixed(2))
	}
	if err := table.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(output, "ledger_total = bank_total − bank_only_total + ledger_only_total − differences_total: %s = %s − (%s) + (%s) − (%s)\n",
		totals.LedgerTotal.StringFixed(2), totals.BankTotal.StringFixed(2), totals.BankOnlyTotal.StringFixed(2),
		totals.LedgerOnlyTotal.StringFixed(2), totals.DifferencesTotal.StringFixed(2))
	return err
}

func orDash(text string) string {
	if text == "" {
		return "-"
	}
	return text
}
