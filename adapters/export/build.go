package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tanahbumbu/jaminan/domain/calendar"
	"github.com/tanahbumbu/jaminan/domain/reconciliation"
)

// Formats an export is written in.
var Formats = []string{"csv", "xlsx"}

// Request names one export.
type Request struct {
	// Name is one of Names.
	Name string
	// StatementID names the statement of a reconciliation export.
	StatementID string
	// AsOf is the day arrears are counted on.
	AsOf calendar.Date
}

// ErrUnknown is a request for an export or a format that does not exist.
var ErrUnknown = errors.New("unknown export")

// Validate names what is wrong with the request.
func (r Request) Validate() error {
	if !slices.Contains(Names, r.Name) {
		return fmt.Errorf("%w %q: one of %s", ErrUnknown, r.Name, strings.Join(Names, ", "))
	}
	if r.Name == "reconciliation" && r.StatementID == "" {
		return errors.New("the reconciliation export needs the statement id")
	}
	if r.Name == "arrears" && r.AsOf.IsZero() {
		return errors.New("the arrears export needs the day to count on (as of)")
	}
	return nil
}

// ReportFunc returns a reconciled statement's report (app.Application.StatementReport).
type ReportFunc func(ctx context.Context, statementID string) (reconciliation.State, error)

// Build builds the requested table: read models through db, a reconciliation from its report.
func Build(ctx context.Context, db Querier, report ReportFunc, request Request) (Table, error) {
	if err := request.Validate(); err != nil {
		return Table{}, err
	}
	switch request.Name {
	case "payouts":
		return Payouts(ctx, db)
	case "receipts":
		return Receipts(ctx, db)
	case "arrears":
		return Arrears(ctx, db, request.AsOf)
	default:
		state, err := report(ctx, request.StatementID)
		if err != nil {
			return Table{}, err
		}
		return Reconciliation(state)
	}
}

// Write writes the table as csv or xlsx.
func Write(w io.Writer, table Table, format string) error {
	switch format {
	case "csv":
		return WriteCSV(w, table)
	case "xlsx":
		return WriteXLSX(w, table)
	default:
		return fmt.Errorf("%w format %q: csv or xlsx", ErrUnknown, format)
	}
}

// ContentType is the media type of a format.
func ContentType(format string) string {
	if format == "xlsx" {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv; charset=utf-8"
}
