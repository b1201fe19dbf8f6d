package main

import (
	"context"
	"fmt"
	"io"

	"github.com/tanahbumbu/jaminan/projections"
)

// verifyReadModels is `jaminan verify --read-models`: it re-derives every
// projection from the log into a scratch schema (verify_<random>), up to the
// live checkpoints, compares each table row by row with the live one (EXCEPT
// ALL both ways, in one snapshot), prints every difference to out, carries the
// copy on to the log head, and drops the scratch schema. It returns
// errReported when any table differs or any projection cannot apply an event
// (stopped on it live, or met on the way to the head); a projection merely
// behind is named but passes.
// Personal columns (nik, name, birth_date, payee, child) are compared but
// never printed. progress, when not nil, is told of each batch of events re-derived.
func verifyReadModels(ctx context.Context, built *system, out io.Writer, progress func(events int)) error {
	report, err := built.runner.Verify(ctx, nil, progress)
	if err != nil {
		return err
	}
	for _, table := range report.Tables {
		for _, difference := range table.Differences {
			fmt.Fprintf(out, "DIFFERENT %s %s: %s\n", difference.Table, difference.Side, difference.Row)
		}
		if table.Truncated {
			fmt.Fprintf(out, "DIFFERENT %s: more differences not shown\n", table.Table)
		}
	}
	printProjectionStates(out, report)
	differences := report.Differences()
	if differences > 0 {
		fmt.Fprintf(out, "read models differ from the log: %d row(s) in %d table(s) compared at checkpoints %s\n",
			differences, len(report.Tables), positionsText(report.Positions))
		return errReported
	}
	if report.Failing() {
		fmt.Fprintf(out, "read models are stuck: a projection cannot apply an event of the log (compared at checkpoints %s)\n", positionsText(report.Positions))
		return errReported
	}
	fmt.Fprintf(out, "ok: %d read-model tables (%d rows) match the log at checkpoints %s, and every projection applies the log to its head\n",
		len(report.Tables), rowsOf(report), positionsText(report.Positions))
	return nil
}

// printProjectionStates names each projection stopped on an error (live, as
// the runner recorded it, or met when carrying the re-derived copy on to the
// head) with the position and the error, and each merely behind.
func printProjectionStates(out io.Writer, report projections.VerifyReport) {
	for _, status := range report.Statuses {
		switch status.State {
		case projections.StateFailing:
			fmt.Fprintf(out, "FAILING %s: stopped at checkpoint %d of %d, cannot apply position %d: %s\n",
				status.Name, status.Position, status.Head, status.ErrorPosition, status.Error)
		case projections.StateBehind:
			fmt.Fprintf(out, "behind %s: at checkpoint %d of %d (%d events to apply, no error recorded)\n", status.Name, status.Position, status.Head, status.Lag)
		}
	}
	for _, failed := range report.Unprojectable {
		if live := statusOf(report.Statuses, failed.Projection); live.State == projections.StateFailing && live.ErrorPosition == failed.Position {
			continue // named above
		}
		fmt.Fprintf(out, "FAILING %s: cannot apply position %d of the log: %v\n", failed.Projection, failed.Position, failed.Err)
	}
}

func rowsOf(report projections.VerifyReport) int64 {
	var rows int64
	for _, table := range report.Tables {
		rows += table.Rows
	}
	return rows
}

func statusOf(statuses []projections.Status, name string) projections.Status {
	for _, status := range statuses {
		if status.Name == name {
			return status
		}
	}
	return projections.Status{}
}
