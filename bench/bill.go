package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tanahbumbu/jaminan/adapters/eventstore"
	"github.com/tanahbumbu/jaminan/app"
	"github.com/tanahbumbu/jaminan/domain/command"
	"github.com/tanahbumbu/jaminan/domain/payer"
)

// BillWorkers is the payer of the bill measurement: a national employer's
// size, whose bill was one event of about 30 MB before bills had streams.
const (
	BillWorkers = 100_000
	billPayerID = "bench-national-payer"
)

// runBill bills one payer of BillWorkers workers once (the bill is the
// measurement; one run however many the others take) and loads it as a
// process that never saw it, each beside raw PostgreSQL doing the same rows.
func runBill(ctx context.Context, config Config, say func(string, ...any)) (results []Result, err error) {
	db, err := openScratch(ctx, config, payerPoolSize)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, db.drop(ctx)) }()
	say("bill database %s: one payer of %s workers", db.name, thousands(BillWorkers))
	application := db.Application
	meta := app.Meta{Actor: "bench", Source: "bench"}
	if _, err := application.Execute(ctx, &command.RegisterPayer{PayerID: billPayerID, PayerName: "Bench national payer", Kind: "regency", RiskClass: 1}, meta); err != nil {
		return nil, fmt.Errorf("register the payer: %w", err)
	}
	members := make([]payer.Member, BillWorkers)
	for i := range members {
		members[i] = payer.Member{ParticipantID: fmt.Sprintf("%s-%06d", billPayerID, i), Segment: "PU",
			WageBase: decimal.NewFromInt(3_000_000), Programmes: []string{"JKK", "JKM", "JHT"}}
	}
	period := application.Today().Period().AddMonths(-1)
	c := &command.AssessContributions{PayerID: billPayerID, Period: period}
	assessed, err := timed(func() error { _, err := application.AssessMembers(ctx, c, meta, members); return err })
	if err != nil {
		return nil, fmt.Errorf("bill %s workers: %w", thousands(BillWorkers), err)
	}
	streams := []string{app.BillStream(billPayerID, period), app.PayerStream(billPayerID)}
	var parts, largest int
	if err := db.pool.QueryRow(ctx, `SELECT count(*), max(octet_length(data::text)) FROM events WHERE stream_id = $1`, streams[0]).Scan(&parts, &largest); err != nil {
		return nil, err
	}
	if _, err := db.pool.Exec(ctx, `CREATE TABLE bench_bill (LIKE events)`); err != nil {
		return nil, err
	}
	copied, err := timed(func() error {
		_, err := db.pool.Exec(ctx, `INSERT INTO bench_bill SELECT * FROM events WHERE stream_id = ANY($1)`, streams)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("baseline insert: %w", err)
	}
	fresh, err := app.New(app.Config{Store: db.Store, Directory: application.Directory(), Library: application.Library(), Places: application.Places(),
		PayerCache: app.NewPayerCache(0)})
	if err != nil {
		return nil, err
	}
	var loadedLines int
	loaded, err := timed(func() error {
		state, err := fresh.LoadPayer(ctx, billPayerID)
		loadedLines = len(state.Bills[period].Lines)
		return err
	})
	if err != nil {
		return nil, err
	}
	if loadedLines != BillWorkers {
		return nil, fmt.Errorf("the payer loaded with %d lines, want %d", loadedLines, BillWorkers)
	}
	selected, err := timed(func() error { return selectStreams(ctx, db, streams) })
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("bill: %s workers, %s parts on the bill's stream, the largest event %s bytes (limit %s)",
		thousands(BillWorkers), thousands(float64(parts)), thousands(float64(largest)), thousands(eventstore.MaxEventSize))
	say("%s: assessed and written in %s, loaded by a fresh process in %s", name, assessed.Round(time.Millisecond), loaded.Round(time.Millisecond))
	millis := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return []Result{
		{Name: name + ": AssessMembers (decide and one AppendMany)", Value: millis(assessed), Unit: unitMillis,
			Baseline: millis(copied), BaselineName: "INSERT … SELECT of the same rows", Ratio: assessed.Seconds() / copied.Seconds()},
		{Name: name + ": LoadPayer by a process that never saw it", Value: millis(loaded), Unit: unitMillis,
			Baseline: millis(selected), BaselineName: "SELECT of the same streams' rows, not decoded", Ratio: loaded.Seconds() / selected.Seconds()},
	}, nil
}
