package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/adapters/snapshot"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/payer"
)

// The payer-history measurement: one payer, PayerHistoryWorkers workers,
// PayerHistoryMonths months billed and paid.
const (
	PayerHistoryWorkers = 1000
	PayerHistoryMonths  = 36
	// payerHistoryPayments are timed per variant and run (the median is kept).
	payerHistoryPayments = 5
	payerHistoryID       = "bench-payer-history"
	payerPoolSize        = 8
)

// runPayer builds the payer's history, then times payments on it.
func runPayer(ctx context.Context, config Config, say func(string, ...any)) (results []Result, err error) {
	db, err := openScratch(ctx, config, payerPoolSize)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, db.drop(ctx)) }()
	say("payer database %s: %d months of bills for %d workers, each paid", db.name, PayerHistoryMonths, PayerHistoryWorkers)
	if err := buildPayerHistory(ctx, db); err != nil {
		return nil, err
	}
	perRun := make([][]Result, 0, config.Runs)
	for run := 1; run <= config.Runs; run++ {
		runResults, err := PayerHistory(ctx, db, run)
		if err != nil {
			return nil, err
		}
		sayResults(say, run, config.Runs, runResults)
		perRun = append(perRun, runResults)
	}
	return medians(perRun), nil
}

// buildPayerHistory registers the payer and bills and pays each month: the
// bills through Application.AssessMembers (the workers need not be
// registered), the payments as commands. Untimed.
func buildPayerHistory(ctx context.Context, db *scratch) error {
	application := db.Application
	register := &command.RegisterPayer{PayerID: payerHistoryID, PayerName: "Bench payer", Kind: "regency", RiskClass: 1}
	if _, err := application.Execute(ctx, register, app.Meta{Actor: "bench", Source: "bench"}); err != nil {
		return fmt.Errorf("register the payer: %w", err)
	}
	members := make([]payer.Member, PayerHistoryWorkers)
	for i := range members {
		members[i] = payer.Member{ParticipantID: fmt.Sprintf("%s-%06d", payerHistoryID, i), Segment: "PU",
			WageBase: decimal.NewFromInt(3_000_000), Programmes: []string{"JKK", "JKM", "JHT"}}
	}
	today := application.Today()
	period := today.Period().AddMonths(-PayerHistoryMonths)
	for month := range PayerHistoryMonths {
		assessed, err := application.AssessMembers(ctx, &command.AssessContributions{PayerID: payerHistoryID, Period: period}, app.Meta{Actor: "bench", Source: "bench"}, members)
		if err != nil {
			return fmt.Errorf("assess %s: %w", period, err)
		}
		paidOn := assessed.DueDate
		if paidOn.After(today) {
			paidOn = today
		}
		pay := &command.RecordPayment{PaymentID: fmt.Sprintf("history-%d", month), PayerID: payerHistoryID, Amount: &command.Money{Decimal: assessed.Total.Decimal},
			PaidOn: paidOn, BankReference: fmt.Sprintf("BENCH-%d", month)}
		if _, err := application.Execute(ctx, pay, app.Meta{Actor: "bench", Source: "bench"}); err != nil {
			return fmt.Errorf("pay %s: %w", period, err)
		}
		period = period.Next()
	}
	return nil
}

// PayerHistory times a RecordPayment on the payer as a process meets it
// with nothing in its payer cache (a fresh process, or a payer pushed out of
// the cache): replaying the whole stream, or from the payer's snapshot and
// the events after it; and with the payer in the cache. Beside each, the
// rows that load reads at the least, selected and not decoded.
func PayerHistory(ctx context.Context, db *scratch, run int) ([]Result, error) {
	stream := app.PayerStream(payerHistoryID)
	variants := []struct {
		name      string
		cache     func() *app.PayerCache
		snapshots snapshot.Store
		baseline  string
		rows      func() error
	}{
		{fmt.Sprintf("payer history: RecordPayment, %d months × %d workers, replaying the payer's stream (no cache, no snapshot)", PayerHistoryMonths, PayerHistoryWorkers),
			func() *app.PayerCache { return app.NewPayerCache(0) }, nil,
			"SELECT of the payer's stream rows, not decoded", func() error { return selectStreams(ctx, db, []string{stream}) }},
		{fmt.Sprintf("payer history: RecordPayment, %d months × %d workers, from the payer's snapshot (no cache)", PayerHistoryMonths, PayerHistoryWorkers),
			func() *app.PayerCache { return app.NewPayerCache(0) }, db.Application.Snapshots(),
			"SELECT of the snapshot row and the stream rows after it, not decoded", func() error { return selectFromSnapshot(ctx, db, stream) }},
		{fmt.Sprintf("payer history: RecordPayment, %d months × %d workers, the payer in the process's cache", PayerHistoryMonths, PayerHistoryWorkers),
			func() *app.PayerCache { return db.Application.PayerCache() }, db.Application.Snapshots(),
			"SELECT of the payer's stream rows after the cached version (none), not decoded", func() error { return selectStreamAfter(ctx, db, stream, -1) }},
	}
	var results []Result
	for v, variant := range variants {
		application, err := app.New(app.Config{Store: db.Store, Directory: db.Application.Directory(), Library: db.Application.Library(),
			Places: db.Application.Places(), PayerCache: variant.cache(), Snapshots: variant.snapshots, Snapshot: db.Application.SnapshotConfig()})
		if err != nil {
			return nil, err
		}
		var measured, baseline []time.Duration
		for i := range payerHistoryPayments {
			pay := &command.RecordPayment{PaymentID: fmt.Sprintf("run-%d-%d-%d", run, v, i), PayerID: payerHistoryID,
				Amount: &command.Money{Decimal: decimal.NewFromInt(100_000)}, PaidOn: application.Today(), BankReference: fmt.Sprintf("BENCH-%d-%d-%d", run, v, i)}
			elapsed, err := timed(func() error {
				_, err := application.Execute(ctx, pay, app.Meta{Actor: "bench", Source: "bench"})
				return err
			})
			if err != nil {
				return nil, fmt.Errorf("%s: %w", variant.name, err)
			}
			measured = append(measured, elapsed)
			if elapsed, err = timed(variant.rows); err != nil {
				return nil, err
			}
			baseline = append(baseline, elapsed)
		}
		result := Result{Name: variant.name, Value: percentile(measured, 0.5), Unit: unitMillis,
			Baseline: percentile(baseline, 0.5), BaselineName: variant.baseline}
		result.Ratio = ratio(result.Value, result.Baseline)
		results = append(results, result)
	}
	return results, nil
}

// selectFromSnapshot reads what a load from a snapshot reads: the snapshot
// row, then the stream's rows from its version on.
func selectFromSnapshot(ctx context.Context, db *scratch, stream string) error {
	var version int64
	var state []byte
	if err := db.pool.QueryRow(ctx, `SELECT stream_version, state FROM snapshots WHERE stream_id = $1`, stream).Scan(&version, &state); err != nil {
		return fmt.Errorf("select the snapshot of %s: %w", stream, err)
	}
	return selectStreamAfter(ctx, db, stream, version-1)
}

// selectStreamAfter reads the stream's rows after version after (-1: the
// head, which reads no row but finds the stream's end), not decoded.
func selectStreamAfter(ctx context.Context, db *scratch, stream string, after int64) error {
	query := `SELECT e.data, e.hash FROM events e WHERE e.stream_id = $1 AND e.version > $2 ORDER BY e.version`
	args := []any{stream, after}
	if after < 0 {
		query = `SELECT e.data, e.hash FROM events e WHERE e.stream_id = $1 AND e.version > (SELECT max(version) FROM events WHERE stream_id = $1) ORDER BY e.version`
		args = args[:1]
	}
	return drainRows(ctx, db, stream, query, args...)
}
