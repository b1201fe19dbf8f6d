package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tanahbumbu/jaminan/projections"
)

// The rebuild targets of the issue.
const (
	rebuildTargetRatio = 0.40
	rebuildTargetRate  = 50_000
)

// logRows are the rows a rebuild reads: every placed event in position order,
// with the columns the store's ReadAll selects.
const logRows = `SELECT e.position, e.stream_id, e.version, e.event_id, e.type, e.schema_version, e.occurred_at, e.recorded_at,
	e.data, e.metadata, e.previous_hash, e.hash, e.global_hash
	FROM events e ORDER BY e.position`

// prepareRebuild vacuums and analyzes the freshly built log (so no
// measurement pays for setting its hint bits) and creates bench_copy, the COPY
// baseline's target: a plain table of logRows' columns, without indexes. The
// read models are left alone: analyzed while empty, they would make the
// planner pick sequential scans for the projections' statements.
func prepareRebuild(ctx context.Context, db *scratch) error {
	if _, err := db.pool.Exec(ctx, `VACUUM ANALYZE events, log_head`); err != nil {
		return fmt.Errorf("vacuum the log: %w", err)
	}
	if _, err := db.pool.Exec(ctx, `CREATE TABLE bench_copy AS `+logRows+` WITH NO DATA`); err != nil {
		return fmt.Errorf("create bench_copy: %w", err)
	}
	return nil
}

// resetAll empties every projection (Runner.Reset); it is not timed.
func resetAll(ctx context.Context, db *scratch) error {
	for _, name := range db.Runner.Names() {
		if err := db.Runner.Reset(ctx, name); err != nil {
			return fmt.Errorf("reset %s: %w", name, err)
		}
	}
	return nil
}

// copyOutName names the COPY out baseline of every rebuild row.
const copyOutName = "COPY (SELECT … FROM events ORDER BY position) TO STDOUT"

// timeRebuild times rebuild (watched as what), then COPY out of the same
// log: the rebuild's row, held to the target, beside that baseline.
func timeRebuild(ctx context.Context, db *scratch, events int64, name, what string, rebuild func(context.Context) error) (Result, error) {
	stop := db.watch(ctx, what)
	started := time.Now()
	err := rebuild(ctx)
	elapsed := time.Since(started)
	stop()
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", what, err)
	}
	rate := float64(events) / elapsed.Seconds()
	copyOut, err := CopyOut(ctx, db, events)
	if err != nil {
		return Result{}, err
	}
	return Result{Name: name, Value: rate, Unit: unitRate, Baseline: copyOut, BaselineName: copyOutName,
		Ratio: ratio(rate, copyOut), Target: ratioAndValueAtLeast(rebuildTargetRatio, rebuildTargetRate, unitRate)}, nil
}

// Rebuild is the live runner re-projecting the whole log: every projection
// Reset (untimed), then CatchUp (projections.All, the runner's batch size),
// in log events per second, against COPY of the same rows to the client and
// into a table.
func Rebuild(ctx context.Context, db *scratch, events int64) ([]Result, error) {
	if err := resetAll(ctx, db); err != nil {
		return nil, err
	}
	row, err := timeRebuild(ctx, db, events, "rebuild: CatchUp after Reset, all projections", "CatchUp", func(ctx context.Context) error {
		_, err := db.Runner.CatchUp(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	copyIn, err := CopyIntoTable(ctx, db, events)
	if err != nil {
		return nil, err
	}
	return []Result{row, {Name: row.Name, Value: row.Value, Unit: unitRate, Baseline: copyIn,
		BaselineName: "the same COPY piped into COPY bench_copy FROM STDIN", Ratio: ratio(row.Value, copyIn)}}, nil
}

// RebuildInPlace is `jaminan rebuild --in-place`: the log read once in
// batches of projections.DefaultReplayBatch for all projections, against COPY
// of the same rows to the client.
func RebuildInPlace(ctx context.Context, db *scratch, events int64) ([]Result, error) {
	if err := resetAll(ctx, db); err != nil {
		return nil, err
	}
	row, err := timeRebuild(ctx, db, events, "rebuild: RebuildInPlace (jaminan rebuild --in-place)", "RebuildInPlace", func(ctx context.Context) error {
		_, err := db.Runner.RebuildInPlace(ctx, nil, projections.DefaultReplayBatch, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	return []Result{row}, nil
}

// RebuildSideBySide is `jaminan rebuild`: the blue/green rebuild into a
// scratch schema (bulk path, secondary indexes built at the end) and the
// swap, against COPY of the same rows to the client and against the rows it
// wrote, piped by COPY into tables without indexes.
func RebuildSideBySide(ctx context.Context, db *scratch, events int64) ([]Result, error) {
	row, err := timeRebuild(ctx, db, events, "rebuild: RebuildSideBySide (jaminan rebuild, blue/green)", "RebuildSideBySide", func(ctx context.Context) error {
		_, err := db.Runner.RebuildSideBySide(ctx, nil, projections.DefaultReplayBatch, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	rowsRate, rows, err := ReadModelRows(ctx, db, events)
	if err != nil {
		return nil, err
	}
	return []Result{row, {Name: row.Name, Value: row.Value, Unit: unitRate, Baseline: rowsRate, Ratio: ratio(row.Value, rowsRate),
		BaselineName: fmt.Sprintf("the rows it writes (%s, %.1f per event) by COPY into tables without indexes", thousands(float64(rows)), float64(rows)/float64(events))},
	}, nil
}

// readOnly is a projection that writes nothing: catching it up costs only
// reading the log (ReadAll) and decoding it, the floor under every projection.
type readOnly struct{}

func (readOnly) Name() string     { return "bench_read_only" }
func (readOnly) Tables() []string { return nil }
func (readOnly) Apply(context.Context, pgx.Tx, []projections.Decoded) error {
	return nil
}

// ReadFloor is CatchUp of a projection that writes nothing (ReadAll in the
// runner's default batches, and decoding), against COPY of the same rows to
// the client: what any rebuild pays before it writes a row.
func ReadFloor(ctx context.Context, db *scratch, events int64) ([]Result, error) {
	runner, err := projections.NewRunner(projections.Config{Pool: db.pool, Store: db.Store, Decode: db.Application.DecodeTransient,
		Projections: []projections.Projection{readOnly{}}})
	if err != nil {
		return nil, err
	}
	if err := runner.Reset(ctx, readOnly{}.Name()); err != nil {
		return nil, err
	}
	started := time.Now()
	if _, err := runner.CatchUp(ctx); err != nil {
		return nil, fmt.Errorf("read the log: %w", err)
	}
	rate := float64(events) / time.Since(started).Seconds()
	copyOut, err := CopyOut(ctx, db, events)
	if err != nil {
		return nil, err
	}
	return []Result{{Name: "rebuild floor: CatchUp of a projection that writes nothing", Value: rate, Unit: unitRate,
		Baseline: copyOut, BaselineName: copyOutName, Ratio: ratio(rate, copyOut)}}, nil
}

// CopyOut is the raw read limit: the log's rows by COPY to this process, discarded, in rows per second.
func CopyOut(ctx context.Context, db *scratch, events int64) (float64, error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Release()
	started := time.Now()
	if _, err := conn.Conn().PgConn().CopyTo(ctx, io.Discard, `COPY (`+logRows+`) TO STDOUT`); err != nil {
		return 0, fmt.Errorf("COPY the log out: %w", err)
	}
	return float64(events) / time.Since(started).Seconds(), nil
}

// CopyIntoTable is the raw read-and-write limit: the log's rows by COPY to
// this process and straight back by COPY into bench_copy (emptied first,
// untimed), in rows per second.
func CopyIntoTable(ctx context.Context, db *scratch, events int64) (float64, error) {
	if _, err := db.pool.Exec(ctx, `TRUNCATE bench_copy`); err != nil {
		return 0, fmt.Errorf("empty bench_copy: %w", err)
	}
	elapsed, err := pipeCopy(ctx, db, `COPY (`+logRows+`) TO STDOUT`, `COPY bench_copy FROM STDIN`)
	if err != nil {
		return 0, fmt.Errorf("COPY the log into bench_copy: %w", err)
	}
	return float64(events) / elapsed.Seconds(), nil
}

// ReadModelRows is the raw limit of writing what a rebuild writes: every row
// the read models hold after it (their tables as the rebuild left them),
// piped by COPY out and straight back by COPY into a table of the same
// columns without indexes or constraints, in log events per second, with
// the rows it wrote. A rebuild writes these rows and more (its indexes, the
// changed rows it updates), so it cannot beat this figure on this server.
func ReadModelRows(ctx context.Context, db *scratch, events int64) (rate float64, rows int64, err error) {
	defer func() {
		if _, dropErr := db.pool.Exec(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS bench_rows`); dropErr != nil && err == nil {
			err = dropErr
		}
	}()
	var elapsed time.Duration
	for _, projection := range projections.All() {
		for _, table := range projection.Tables() {
			source := pgx.Identifier{table}.Sanitize()
			var count int64
			if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM `+source).Scan(&count); err != nil {
				return 0, 0, fmt.Errorf("count %s: %w", table, err)
			}
			if count == 0 {
				continue
			}
			// Generated columns come out as values: the copy's are plain columns.
			if _, err := db.pool.Exec(ctx, `DROP TABLE IF EXISTS bench_rows; CREATE TABLE bench_rows AS SELECT * FROM `+source+` WITH NO DATA`); err != nil {
				return 0, 0, fmt.Errorf("create the copy of %s: %w", table, err)
			}
			took, err := pipeCopy(ctx, db, `COPY (SELECT * FROM `+source+`) TO STDOUT`, `COPY bench_rows FROM STDIN`)
			if err != nil {
				return 0, 0, fmt.Errorf("COPY %s into bench_rows: %w", table, err)
			}
			elapsed, rows = elapsed+took, rows+count
		}
	}
	if rows == 0 {
		return 0, 0, errors.New("the read models hold no rows: rebuild before measuring their rows")
	}
	return float64(events) / elapsed.Seconds(), rows, nil
}

// pipeCopy runs COPY out on one connection into COPY in on another, both at
// once, and returns how long it took.
func pipeCopy(ctx context.Context, db *scratch, out, in string) (time.Duration, error) {
	source, err := db.pool.Acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer source.Release()
	target, err := db.pool.Acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer target.Release()
	reader, writer := io.Pipe()
	copied := make(chan error, 1)
	started := time.Now()
	go func() {
		_, err := source.Conn().PgConn().CopyTo(ctx, writer, out)
		writer.CloseWithError(err)
		copied <- err
	}()
	_, err = target.Conn().PgConn().CopyFrom(ctx, reader, in)
	reader.CloseWithError(err) // unblocks the reader's side if the target failed
	if err = errors.Join(err, <-copied); err != nil {
		return 0, err
	}
	return time.Since(started), nil
}
