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
// ALL both ways, in one snapshot), prints every difference to out, and drops
// the scratch schema. It returns errReported when any table differs.
// Personal columns (nik, name, birth_date, payee, child) are compared but
// never printed.
func verifyReadModels(ctx context.Context, built *system, out io.Writer) error {
	report, err := built.runner.Verify(ctx, nil, nil)
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
	differences := report.Differences()
	if differences > 0 {
		fmt.Fprintf(out, "read models differ from the log: %d row(s) in %d table(s) compared at checkpoints %s\n",
			differences, len(report.Tables), positionsText(report.Positions))
		return errReported
	}
	fmt.Fprintf(out, "ok: %d read-model tables (%d rows) match the log at checkpoints %s\n", len(report.Tables), rowsOf(report), positionsText(report.Positions))
	return nil
}

func rowsOf(report projections.VerifyReport) int64 {
	var rows int64
	for _, table := range report.Tables {
		rows += table.Rows
	}
	return rows
}
