package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// The measurements of `jaminan apply` as separate processes.
const (
	// applyProcesses run at once, each applying its own file.
	applyProcesses = 16
	// applyCommandsPerProcess is each process's file: one command a line.
	applyCommandsPerProcess = 250
	// heldCommands are applied while a write transaction stays open in
	// another database, and again without it.
	heldCommands = 100
	// heldTarget is the goal for them: as fast as without it.
	heldTarget = 0.90
)

// writeCommands writes a file of count RegisterPayer commands, a new payer
// each (one event per command), and returns its path.
func writeCommands(dir, prefix string, count int) (string, error) {
	var lines strings.Builder
	for n := range count {
		fmt.Fprintf(&lines, `{"command":"RegisterPayer","payer_id":"%s-%d","name":"Pemerintah Desa %s %d","kind":"village_government","risk_class":1}`+"\n",
			prefix, n, prefix, n)
	}
	path := filepath.Join(dir, prefix+".jsonl")
	if err := os.WriteFile(path, []byte(lines.String()), 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return path, nil
}

// applyFiles runs one `jaminan apply` per file, all at once, and returns the
// time from the first start to the last exit.
func applyFiles(ctx context.Context, binary, databaseURL string, files []string) (time.Duration, error) {
	started := time.Now()
	errs := make([]error, len(files))
	var wait sync.WaitGroup
	for i, file := range files {
		wait.Go(func() {
			apply, err := startChild(binary, databaseURL, nil, "apply", file)
			if err == nil {
				_, err = apply.wait(ctx)
			}
			errs[i] = err
		})
	}
	wait.Wait()
	return time.Since(started), errors.Join(errs...)
}

// ParallelApply runs processes `jaminan apply` processes at once, each
// applying commands commands of its own file one after the other (start-up,
// migrations check and the read models' catch-up at the end included), in
// commands per second from the first start to the last exit, against bare
// INSERTs from as many clients on the same database.
func ParallelApply(ctx context.Context, db *scratch, binary string, run, processes, commands int) ([]Result, error) {
	dir, err := os.MkdirTemp("", "jaminan-bench-apply-")
	if err != nil {
		return nil, fmt.Errorf("apply: %w", err)
	}
	defer os.RemoveAll(dir)
	files := make([]string, processes)
	for process := range files {
		if files[process], err = writeCommands(dir, fmt.Sprintf("apply-r%d-p%d", run, process), commands); err != nil {
			return nil, err
		}
	}
	elapsed, err := applyFiles(ctx, binary, withDatabase(db.serverURL, db.name), files)
	if err != nil {
		return nil, err
	}
	if err := ensureBareTable(ctx, db.pool); err != nil {
		return nil, err
	}
	calls, _, err := load(ctx, processes, bareInserts(db, fmt.Sprintf("apply-r%d", run), 1))
	if err != nil {
		return nil, fmt.Errorf("bare INSERT baseline: %w", err)
	}
	result := Result{Name: fmt.Sprintf("%d `jaminan apply` processes at once, %d commands each (RegisterPayer)", processes, commands),
		Value: float64(processes*commands) / elapsed.Seconds(), Unit: unitRequests,
		Baseline: float64(calls) / appendWindow.Seconds(), BaselineName: fmt.Sprintf("bare INSERT, one transaction each, %d clients", processes)}
	result.Ratio = ratio(result.Value, result.Baseline)
	return []Result{result}, nil
}

// ApplyBehindOpenTransaction applies heldCommands commands with `jaminan
// apply` while a write transaction stays open in another database on the
// server, against the same number applied without it (the two alternate
// which goes first from run to run).
func ApplyBehindOpenTransaction(ctx context.Context, db, other *scratch, binary string, run int) ([]Result, error) {
	dir, err := os.MkdirTemp("", "jaminan-bench-held-")
	if err != nil {
		return nil, fmt.Errorf("apply: %w", err)
	}
	defer os.RemoveAll(dir)
	databaseURL := withDatabase(db.serverURL, db.name)
	timeApply := func(prefix string) (time.Duration, error) {
		file, err := writeCommands(dir, prefix, heldCommands)
		if err != nil {
			return 0, err
		}
		return applyFiles(ctx, binary, databaseURL, []string{file})
	}
	var held, free time.Duration
	measureHeld := func() error {
		release, err := holdWriteTransaction(ctx, other)
		if err != nil {
			return err
		}
		defer release()
		held, err = timeApply(fmt.Sprintf("held-r%d", run))
		return err
	}
	measureFree := func() error {
		free, err = timeApply(fmt.Sprintf("free-r%d", run))
		return err
	}
	first, second := measureHeld, measureFree
	if run%2 == 0 {
		first, second = second, first
	}
	if err := first(); err != nil {
		return nil, err
	}
	if err := second(); err != nil {
		return nil, err
	}
	result := Result{Name: fmt.Sprintf("`jaminan apply` of %d commands while a write transaction is open in another database", heldCommands),
		Value: float64(heldCommands) / held.Seconds(), Unit: unitRequests,
		Baseline: float64(heldCommands) / free.Seconds(), BaselineName: "the same without the open transaction",
		Target: ratioAtLeast(heldTarget)}
	result.Ratio = ratio(result.Value, result.Baseline)
	return []Result{result}, nil
}

// holdWriteTransaction opens a transaction in db that has written a row
// (so it holds a transaction id) and keeps it open until release.
func holdWriteTransaction(ctx context.Context, db *scratch) (release func(), err error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("hold a transaction open: %w", err)
	}
	for _, statement := range []string{`CREATE TABLE IF NOT EXISTS bench_held (n int)`, `BEGIN`, `INSERT INTO bench_held VALUES (1)`} {
		if _, err := conn.Exec(ctx, statement); err != nil {
			conn.Release()
			return nil, fmt.Errorf("hold a transaction open: %w", err)
		}
	}
	return func() {
		_, _ = conn.Exec(context.WithoutCancel(ctx), `ROLLBACK`)
		conn.Release()
	}, nil
}

// runApply measures `jaminan apply` on a fresh scratch database, config.Runs
// times, with a second scratch database to hold a transaction open in.
func runApply(ctx context.Context, config Config, say func(string, ...any)) (results []Result, err error) {
	if config.Binary == "" {
		say("no jaminan binary configured: the apply measurements are skipped")
		return nil, nil
	}
	db, err := openScratch(ctx, config, applyProcesses+8)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, db.drop(ctx)) }()
	other, err := openScratch(ctx, config, 2)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, other.drop(ctx)) }()
	say("apply database %s: %d processes at once, then %d commands behind a transaction open in %s", db.name, applyProcesses, heldCommands, other.name)
	perRun := make([][]Result, 0, config.Runs)
	for run := 1; run <= config.Runs; run++ {
		parallel, err := ParallelApply(ctx, db, config.Binary, run, applyProcesses, applyCommandsPerProcess)
		if err != nil {
			return nil, err
		}
		held, err := ApplyBehindOpenTransaction(ctx, db, other, config.Binary, run)
		if err != nil {
			return nil, err
		}
		runResults := append(parallel, held...)
		sayResults(say, run, config.Runs, runResults)
		perRun = append(perRun, runResults)
	}
	return medians(perRun), nil
}
