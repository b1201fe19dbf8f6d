package projections

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"

	"github.com/jackc/pgx/v5"
)

// Bounds of a verification.
const (
	// maxVerifyRounds bounds how often the scratch copy chases live
	// checkpoints that moved while it was being built.
	maxVerifyRounds = 20
	// maxDifferencesPerTable bounds the differences reported for one table.
	maxDifferencesPerTable = 1000
	// compareWorkMem is the work_mem of the comparison's transaction.
	compareWorkMem = "256MB"
)

// personalColumns are left out of the rows a verification prints (UU PDP
// 27/2022): they are compared, never shown.
// A bank line's description and counterparty account may name a person too.
var personalColumns = []string{"nik", "name", "birth_date", "payee", "child", "description", "counterparty_account"}

// Difference is a row found in only one of the live and the re-derived read model.
type Difference struct {
	Table string
	// Side is "live only" (the live table has it, the log does not give it)
	// or "rebuilt only" (the log gives it, the live table lacks it).
	Side string
	// Row is the row as JSON, personal columns left out.
	Row string
}

// TableCheck is the comparison of one table.
type TableCheck struct {
	Table       string
	Rows        int64
	Differences []Difference
	// Truncated is true when more than maxDifferencesPerTable differ.
	Truncated bool
}

// VerifyReport is a verification of read models against the log.
type VerifyReport struct {
	// Positions are the checkpoints both sides were compared at.
	Positions map[string]int64
	Tables    []TableCheck
	// Statuses are the live projections' states in the compared snapshot:
	// a projection stopped on an error the runner recorded is StateFailing.
	Statuses []Status
	// Unprojectable are events after the live checkpoints that the
	// re-derived copy, carried on to the log head, could not apply.
	Unprojectable []*ApplyError
}

// Failing reports whether a projection is stopped on an error, live or in the re-derived copy.
func (v VerifyReport) Failing() bool {
	for _, status := range v.Statuses {
		if status.State == StateFailing {
			return true
		}
	}
	return len(v.Unprojectable) > 0
}

// Differences counts every difference found.
func (v VerifyReport) Differences() int {
	count := 0
	for _, table := range v.Tables {
		count += len(table.Differences)
	}
	return count
}

// Verify re-derives the projections named (all when none) from the log into
// a scratch schema, up to the live checkpoints, and compares every table row
// by row with the live one (EXCEPT ALL both ways) in one snapshot. Then it
// carries the copy on to the log head, so an event no projection can apply
// is found even where no live runner has met it yet. The scratch schema is
// dropped at the end.
func (r *Runner) Verify(ctx context.Context, names []string, progress func(events int)) (report VerifyReport, err error) {
	selected, err := r.Select(names)
	if err != nil {
		return VerifyReport{}, err
	}
	scratch, err := r.NewScratch(ctx, "verify", ScratchToDrop, selected)
	if err != nil {
		return VerifyReport{}, err
	}
	defer func() {
		if dropErr := scratch.Drop(ctx); dropErr != nil && err == nil {
			err = dropErr
		}
	}()
	for round := 0; round < maxVerifyRounds; round++ {
		targets, err := r.Checkpoints(ctx, selected)
		if err != nil {
			return VerifyReport{}, err
		}
		if _, err := scratch.Runner.ReplayTo(ctx, targets, DefaultReplayBatch, progress); err != nil {
			return VerifyReport{}, fmt.Errorf("re-derive into %s: %w", scratch.Schema, err)
		}
		report, err := r.compare(ctx, scratch, selected)
		if errors.Is(err, errCheckpointsMoved) {
			continue
		}
		if err != nil {
			return report, err
		}
		if _, err := scratch.Runner.CatchUp(ctx); err != nil {
			if report.Unprojectable = applyErrors(err); len(report.Unprojectable) == 0 {
				return report, fmt.Errorf("carry %s on to the log head: %w", scratch.Schema, err)
			}
		}
		return report, nil
	}
	return VerifyReport{}, fmt.Errorf("verify: the live read models kept moving for %d rounds; stop the live projections or retry", maxVerifyRounds)
}

var errCheckpointsMoved = errors.New("live checkpoints moved")

// compare diffs every table in one repeatable-read snapshot, after checking
// that the live and the scratch checkpoints agree in it.
func (r *Runner) compare(ctx context.Context, scratch *Scratch, selected []Projection) (VerifyReport, error) {
	tx, err := r.config.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return VerifyReport{}, err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	// One sort or hash of a whole table fits in memory instead of spilling
	// to disk; SET LOCAL ends with this read-only transaction.
	if _, err := tx.Exec(ctx, "SET LOCAL work_mem = '"+compareWorkMem+"'"); err != nil {
		return VerifyReport{}, err
	}
	live := map[string]int64{}
	for _, projection := range selected {
		if live[projection.Name()], err = checkpoint(ctx, tx, projection.Name()); err != nil {
			return VerifyReport{}, err
		}
	}
	rebuilt, err := scratch.Positions(ctx)
	if err != nil {
		return VerifyReport{}, err
	}
	if !maps.Equal(live, rebuilt) {
		return VerifyReport{}, errCheckpointsMoved
	}
	report := VerifyReport{Positions: live}
	head, err := r.config.Store.Head(ctx)
	if err != nil {
		return VerifyReport{}, err
	}
	for _, projection := range selected {
		status, err := readStatus(ctx, tx, projection.Name(), head)
		if err != nil {
			return VerifyReport{}, err
		}
		report.Statuses = append(report.Statuses, status)
	}
	for _, table := range scratch.Tables() {
		check, err := compareTable(ctx, tx, scratch.Schema, table)
		if err != nil {
			return VerifyReport{}, err
		}
		report.Tables = append(report.Tables, check)
	}
	return report, nil
}

func compareTable(ctx context.Context, tx pgx.Tx, schema, table string) (TableCheck, error) {
	check := TableCheck{Table: table}
	live := "public." + pgx.Identifier{table}.Sanitize()
	rebuilt := pgx.Identifier{schema, table}.Sanitize()
	// A fingerprint first: each side's row count and the sum of a hash of
	// every row, keyed by a seed drawn for this comparison (so a table
	// tampered with beforehand cannot be made to match it). Equal
	// fingerprints end the comparison in one scan of each side; only tables
	// that differ pay for the row-by-row difference below.
	var seed int64
	if err := binary.Read(rand.Reader, binary.LittleEndian, &seed); err != nil {
		return check, fmt.Errorf("draw a seed: %w", err)
	}
	var rebuiltRows int64
	var liveSum, rebuiltSum string
	err := tx.QueryRow(ctx, `SELECT l.n, l.h::text, r.n, r.h::text FROM
			(SELECT count(*) AS n, coalesce(sum(hash_record_extended(t, $1)), 0) AS h FROM `+live+` t) l,
			(SELECT count(*) AS n, coalesce(sum(hash_record_extended(t, $1)), 0) AS h FROM `+rebuilt+` t) r`, seed).
		Scan(&check.Rows, &liveSum, &rebuiltRows, &rebuiltSum)
	if err != nil {
		return check, fmt.Errorf("fingerprint %s: %w", table, err)
	}
	if check.Rows == rebuiltRows && liveSum == rebuiltSum {
		return check, nil
	}
	// The tables are compared as rows of their own types (a hashed or sorted
	// set difference, as the planner finds cheaper), and only the rows that
	// differ are turned into JSON to be shown: turning every row of both
	// sides into jsonb first made the comparison cost more than the replay.
	rows, err := tx.Query(ctx, `SELECT d.jaminan_side, ((to_jsonb(d) - 'jaminan_side') - $1::text[])::text FROM (
			(SELECT 'live only' AS jaminan_side, t.* FROM `+live+` t EXCEPT ALL SELECT 'live only', t.* FROM `+rebuilt+` t)
			UNION ALL
			(SELECT 'rebuilt only', t.* FROM `+rebuilt+` t EXCEPT ALL SELECT 'rebuilt only', t.* FROM `+live+` t)
		) d ORDER BY 2, 1 LIMIT $2`, personalColumns, maxDifferencesPerTable+1)
	if err != nil {
		return check, fmt.Errorf("compare %s: %w", table, err)
	}
	defer rows.Close()
	for rows.Next() {
		difference := Difference{Table: table}
		if err := rows.Scan(&difference.Side, &difference.Row); err != nil {
			return check, fmt.Errorf("compare %s: %w", table, err)
		}
		if len(check.Differences) == maxDifferencesPerTable {
			check.Truncated = true
			break
		}
		check.Differences = append(check.Differences, difference)
	}
	return check, rows.Err()
}

// applyErrors are the *ApplyError in err, which may join several; none when
// the error is of another kind (the database, the store).
//
// It walks the chain itself, one error at a time: an ApplyError ends the walk
// (its cause may wrap several errors, fmt.Errorf with two %w, and is not a
// list of failures), a joined error is followed down each branch, and a
// single wrap is followed down.
func applyErrors(err error) []*ApplyError {
	switch err := err.(type) {
	case nil:
		return nil
	case *ApplyError:
		return []*ApplyError{err}
	case interface{ Unwrap() []error }:
		var found []*ApplyError
		for _, inner := range err.Unwrap() {
			found = append(found, applyErrors(inner)...)
		}
		return found
	}
	return applyErrors(errors.Unwrap(err))
}
